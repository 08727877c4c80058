import {
  businessValidation,
  depositedTransaction,
  fail,
  objectNotFound,
  requiredParameterMissing,
  staleObject,
  unsupportedOperation,
} from "../faults";
import type { StoredRecord } from "./books";
import type { WriteContext } from "./context";
import { prepareListEntity } from "./lists";
import { clone, isTransaction, isWritableList, orderLikeXsd, VOIDABLE, type EntityName, type Json } from "./schema";
import { depositsLinking, prepareTransaction, voidedTransaction } from "./transactions";
import { checkObject, checkRequired } from "./validate";

/**
 * Create, read, update (full or sparse), delete and void, as QuickBooks answers them: a POST with an Id is an
 * update and needs the current SyncToken (5010 "Stale Object Error" otherwise); a full update sets exactly the
 * writable fields sent (the others are cleared), a sparse one (`"sparse": true`) only those sent. Name lists are
 * never deleted (an app makes them inactive); tax codes, rates and agencies are read-only. A receipt deposited out
 * of Undeposited Funds cannot be changed (6540) until its deposit is deleted.
 */

/** "save" decides by the payload's Id, as a POST to the entity does; a batch item names create or update. */
export type WriteOperation = "save" | "create" | "update" | "delete" | "void";

export interface WriteResult {
  entity: EntityName;
  id: string;
  operation: "created" | "updated" | "deleted" | "voided";
  /** The entity as QuickBooks answers it (for a delete: domain, status "Deleted" and Id). */
  answer: Json;
}

/** Fields QuickBooks computes or keeps itself: accepted in a payload (an app may send back what it read) and ignored. */
const COMPUTED_FIELDS = [
  "Id",
  "SyncToken",
  "MetaData",
  "domain",
  "sparse",
  "status",
  "TotalAmt",
  "HomeTotalAmt",
  "Balance",
  "HomeBalance",
  "BalanceWithJobs",
  "FullyQualifiedName",
  "Level",
  "Classification",
  "CurrentBalance",
  "CurrentBalanceWithSubAccounts",
  "SubItem",
  "SubAccount",
  "SubClass",
  "SubDepartment",
  "Job",
];

function writable(body: Json): Json {
  const copy = { ...body };
  for (const field of COMPUTED_FIELDS) delete copy[field];
  return copy;
}

export function answerOf(entity: EntityName, record: StoredRecord): Json {
  return orderLikeXsd(entity, clone(record.body)) as Json;
}

export function readEntity(context: WriteContext, entity: EntityName, id: string): Json {
  const record = context.books.find(entity, id);
  if (!record) fail(objectNotFound(`Object Not Found : Something you're trying to use has been made inactive or is not found. ${entity} ${id}`));
  return answerOf(entity, record);
}

function prepare(context: WriteContext, entity: EntityName, body: Json, existing?: StoredRecord): Json {
  if (isTransaction(entity)) return prepareTransaction(context, entity, body, existing?.id);
  if (isWritableList(entity)) return prepareListEntity(context, entity, body, existing);
  return fail(unsupportedOperation(`Operation Create/Update is not supported for ${entity}`));
}

/** The stored entity the payload names by Id, at the SyncToken the payload sends. */
function current(context: WriteContext, entity: EntityName, checked: Json): StoredRecord {
  const id = String(checked.Id);
  if (checked.SyncToken === undefined || checked.SyncToken === "") fail(requiredParameterMissing("SyncToken"));
  const record = context.books.find(entity, id);
  if (!record) fail(objectNotFound(`Object Not Found : Something you're trying to use has been made inactive or is not found. ${entity} ${id}`));
  if (String(checked.SyncToken) !== record.body.SyncToken) fail(staleObject());
  return record;
}

function refuseIfDeposited(context: WriteContext, entity: EntityName, id: string): void {
  if (entity !== "SalesReceipt" && entity !== "RefundReceipt") return;
  const [deposit] = depositsLinking(context.books, entity, id);
  if (deposit) fail(depositedTransaction(`${entity} ${id} is part of Deposit ${deposit.id}; delete or change the deposit first`));
}

function create(context: WriteContext, entity: EntityName, checked: Json): WriteResult {
  const body = writable(checked);
  checkRequired(entity, body);
  const record = context.books.insert(entity, prepare(context, entity, body), context.now);
  return { entity, id: record.id, operation: "created", answer: answerOf(entity, record) };
}

function update(context: WriteContext, entity: EntityName, checked: Json): WriteResult {
  const record = current(context, entity, checked);
  if (record.voided) fail(businessValidation(`${entity} ${record.id} is voided and cannot be changed`));
  refuseIfDeposited(context, entity, record.id);
  const sent = writable(checked);
  let body: Json;
  if (checked.sparse === true) {
    body = { ...writable(clone(record.body)), ...sent };
    // New lines without a tax detail: automated sales tax computes again instead of keeping the old total.
    if (context.books.preferences.automatedSalesTax && sent.Line !== undefined && sent.TxnTaxDetail === undefined) delete body.TxnTaxDetail;
  } else {
    body = sent;
  }
  checkRequired(entity, body);
  const stored = context.books.replace(entity, record.id, prepare(context, entity, body, record), context.now);
  return { entity, id: stored.id, operation: "updated", answer: answerOf(entity, stored) };
}

function remove(context: WriteContext, entity: EntityName, checked: Json): WriteResult {
  if (!isTransaction(entity)) fail(unsupportedOperation(`Operation Delete is not supported for ${entity}: make it inactive instead`));
  if (checked.Id === undefined) fail(requiredParameterMissing("Id"));
  const record = current(context, entity, checked);
  refuseIfDeposited(context, entity, record.id);
  context.books.remove(entity, record.id, context.now);
  return { entity, id: record.id, operation: "deleted", answer: { domain: "QBO", status: "Deleted", Id: record.id } };
}

function voidTransaction(context: WriteContext, entity: EntityName, checked: Json): WriteResult {
  if (!VOIDABLE.has(entity)) fail(unsupportedOperation(`Operation Void is not supported for ${entity}`));
  if (checked.Id === undefined) fail(requiredParameterMissing("Id"));
  const record = current(context, entity, checked);
  refuseIfDeposited(context, entity, record.id);
  const stored = context.books.replace(entity, record.id, voidedTransaction(record.body), context.now, true);
  return { entity, id: stored.id, operation: "voided", answer: answerOf(entity, stored) };
}

/** One write, all or nothing: a fault leaves the books as they were. */
export function writeEntity(context: WriteContext, entity: EntityName, payload: unknown, operation: WriteOperation): WriteResult {
  if (!isTransaction(entity) && !isWritableList(entity)) fail(unsupportedOperation(`Operation ${operation === "save" ? "Create/Update" : operation} is not supported for ${entity}`));
  const checked = checkObject(entity, payload, "");
  if (operation === "delete") return remove(context, entity, checked);
  if (operation === "void") return voidTransaction(context, entity, checked);
  if (operation === "update" && checked.Id === undefined) fail(requiredParameterMissing("Id"));
  if (operation === "create") return create(context, entity, checked);
  return checked.Id !== undefined ? update(context, entity, checked) : create(context, entity, checked);
}

import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { PermanentJobError } from "~/jobs/errors";
import { ACCOUNT_TYPES, companySnapshotSchema, type AccountRef, type CompanySnapshot, type ItemRef, type ItemToCreate, type Ref } from "~/domain/accounting/mapping";
import { faultSchema, QuickBooksFault, quickBooksRequest, toQuickBooksFault, type QuickBooksAccount } from "./api-client.server";

/**
 * What the accounting sync asks of a QuickBooks company: its lists and preferences (the CompanySnapshot the
 * mapping is made from), the items and customers documents refer to, and the documents themselves: created with
 * a requestid, found again by DocNumber, read, updated by Id and SyncToken, voided or deleted, and sent 30 at a
 * time in a batch. Every answer is validated; the schemas keep what Tillbridge reads and let QuickBooks add more.
 * API reference: developer.intuit.com/app/developer/qbo/docs/api/accounting (entities and the query language).
 */

const refRead = z.object({ value: z.string(), name: z.string().optional() });

/** QuickBooks' largest page (MAXRESULTS is capped at 1000). */
const MAX_PAGE_SIZE = 1000;
/** SKUs per `Sku IN (...)` query: short enough for any query text, few enough requests for thousands of SKUs. */
const SKUS_PER_QUERY = 50;
const TRANSACTION_DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface PageOptions {
  /** Rows per query page (1–1000); 1000 unless a test wants to see paging. */
  pageSize?: number;
}

/** A string literal of the query language: quotes and backslashes escaped with a backslash. */
export function queryLiteral(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

const queryAnswerSchema = z.object({ QueryResponse: z.record(z.string(), z.unknown()) });

/** One page of a query (the rows under the entity's name; none when QuickBooks answers an empty QueryResponse). */
async function queryPage<T>(db: PrismaClient, account: QuickBooksAccount, entity: string, text: string, row: z.ZodType<T>): Promise<T[]> {
  const answer = await quickBooksRequest(db, account, { method: "POST", path: "query", body: text }, queryAnswerSchema);
  const rows = z.array(row).safeParse(answer.QueryResponse[entity] ?? []);
  if (!rows.success) throw new PermanentJobError(`QuickBooks answered a ${entity} query in a shape Tillbridge does not expect: ${z.prettifyError(rows.error)}`);
  return rows.data;
}

/** Every row of `SELECT * FROM entity [WHERE ...]`, page by page (STARTPOSITION counts from 1). */
async function queryAll<T>(db: PrismaClient, account: QuickBooksAccount, entity: string, where: string | null, row: z.ZodType<T>, options: PageOptions = {}): Promise<T[]> {
  const pageSize = Math.max(1, Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE));
  const rows: T[] = [];
  for (let start = 1; ; start += pageSize) {
    const page = await queryPage(db, account, entity, `SELECT * FROM ${entity}${where ? ` WHERE ${where}` : ""} STARTPOSITION ${start} MAXRESULTS ${pageSize}`, row);
    rows.push(...page);
    if (page.length < pageSize) return rows;
  }
}

/** An answer holding one entity under its name ({"SalesReceipt": {...}, "time": ...}), as the entity. */
function entityAnswer<T>(entity: string, schema: z.ZodType<T>) {
  return z.record(z.string(), z.unknown()).transform((body, context): T => {
    const parsed = schema.safeParse(body[entity]);
    if (parsed.success) return parsed.data;
    context.addIssue({ code: "custom", message: `${entity}: ${z.prettifyError(parsed.error)}` });
    return z.NEVER;
  });
}

/** Reads that find nothing answer 610 Object Not Found. */
function isNotFound(error: unknown): boolean {
  return error instanceof QuickBooksFault && error.code === "610";
}

// ---- Company snapshot ------------------------------------------------------------------------------------------

const accountRow = z.object({ Id: z.string(), Name: z.string(), FullyQualifiedName: z.string().optional(), AccountType: z.enum(ACCOUNT_TYPES), AccountSubType: z.string().optional(), Active: z.boolean().optional() });
const paymentMethodRow = z.object({ Id: z.string(), Name: z.string(), Active: z.boolean().optional() });
const taxCodeRow = z.object({ Id: z.string(), Name: z.string(), Active: z.boolean().optional() });
const preferencesSchema = z.object({
  TaxPrefs: z.object({ PartnerTaxEnabled: z.boolean().optional() }).optional(),
  CurrencyPrefs: z.object({ MultiCurrencyEnabled: z.boolean().optional(), HomeCurrency: refRead }),
});

/**
 * The company's active accounts, payment methods and tax codes, and the preferences that decide how documents
 * are written (automated sales tax, multicurrency, home currency): what `defaultMapping` and `missingMappings`
 * work from. Sub-accounts are named as QuickBooks shows them ("Parent:Child").
 */
export async function readCompanySnapshot(db: PrismaClient, account: QuickBooksAccount, options: PageOptions = {}): Promise<CompanySnapshot> {
  const preferences = await quickBooksRequest(db, account, { method: "GET", path: "preferences" }, entityAnswer("Preferences", preferencesSchema));
  const accounts = await queryAll(db, account, "Account", null, accountRow, options);
  const paymentMethods = await queryAll(db, account, "PaymentMethod", null, paymentMethodRow, options);
  const taxCodes = await queryAll(db, account, "TaxCode", null, taxCodeRow, options);
  return companySnapshotSchema.parse({
    homeCurrency: preferences.CurrencyPrefs.HomeCurrency.value,
    multiCurrencyEnabled: preferences.CurrencyPrefs.MultiCurrencyEnabled ?? false,
    automatedSalesTax: preferences.TaxPrefs?.PartnerTaxEnabled ?? false,
    accounts: accounts.map((row) => ({
      id: row.Id,
      name: row.FullyQualifiedName ?? row.Name,
      type: row.AccountType,
      ...(row.AccountSubType !== undefined && { subType: row.AccountSubType }),
      active: row.Active ?? true,
    })),
    paymentMethods: paymentMethods.map((row) => ({ id: row.Id, name: row.Name, active: row.Active ?? true })),
    taxCodes: taxCodes.filter((row) => row.Active !== false).map((row) => ({ id: row.Id, name: row.Name })),
  });
}

/** One account by id, as the mapping names accounts. */
export async function readAccount(db: PrismaClient, account: QuickBooksAccount, id: string): Promise<AccountRef | null> {
  try {
    const row = await quickBooksRequest(db, account, { method: "GET", path: `account/${id}` }, entityAnswer("Account", accountRow));
    return { id: row.Id, name: row.FullyQualifiedName ?? row.Name, type: row.AccountType };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

// ---- Items ---------------------------------------------------------------------------------------------------

const itemRow = z.looseObject({
  Id: z.string(),
  SyncToken: z.string(),
  Name: z.string(),
  FullyQualifiedName: z.string().optional(),
  Sku: z.string().optional(),
  Type: z.string(),
  Active: z.boolean().optional(),
  IncomeAccountRef: refRead.optional(),
});

export interface QuickBooksItem {
  id: string;
  name: string;
  sku: string | null;
  /** Service, NonInventory, Inventory, Category, Group. */
  type: string;
  active: boolean;
  /** Where its sales post (none for categories and groups). */
  incomeAccount: { id: string; name: string } | null;
}

function itemOf(row: z.infer<typeof itemRow>): QuickBooksItem {
  return {
    id: row.Id,
    name: row.FullyQualifiedName ?? row.Name,
    sku: row.Sku ?? null,
    type: row.Type,
    active: row.Active ?? true,
    incomeAccount: row.IncomeAccountRef ? { id: row.IncomeAccountRef.value, name: row.IncomeAccountRef.name ?? "" } : null,
  };
}

/**
 * The active items with these SKUs, by SKU as asked (QuickBooks compares SKUs without case). QuickBooks does not
 * keep SKUs unique: where several items share one, the oldest (lowest Id) is taken, as it is the one the
 * merchant most likely set up first. SKUs without an item are absent from the map.
 */
export async function findItemsBySku(
  db: PrismaClient,
  account: QuickBooksAccount,
  skus: readonly string[],
  options: PageOptions & { skusPerQuery?: number } = {},
): Promise<Map<string, QuickBooksItem>> {
  const skusPerQuery = Math.max(1, options.skusPerQuery ?? SKUS_PER_QUERY);
  // Lower-cased SKU → every spelling asked for, so each gets its answer.
  const wanted = new Map<string, string[]>();
  for (const sku of skus) {
    if (sku.trim() === "") continue;
    const spellings = wanted.get(sku.toLowerCase()) ?? [];
    if (!spellings.includes(sku)) wanted.set(sku.toLowerCase(), [...spellings, sku]);
  }
  const found = new Map<string, QuickBooksItem>();
  const keys = [...wanted.keys()];
  for (let start = 0; start < keys.length; start += skusPerQuery) {
    const chunk = keys.slice(start, start + skusPerQuery).map((key) => wanted.get(key)?.[0] ?? key);
    const rows = await queryAll(db, account, "Item", `Sku IN (${chunk.map(queryLiteral).join(", ")})`, itemRow, options);
    for (const row of [...rows].sort((a, b) => Number(a.Id) - Number(b.Id))) {
      for (const asked of (row.Sku === undefined ? undefined : wanted.get(row.Sku.toLowerCase())) ?? []) {
        if (!found.has(asked)) found.set(asked, itemOf(row));
      }
    }
  }
  return found;
}

/** The Id QuickBooks names in a 6240 Duplicate Name answer ("The name supplied already exists. : Id=58"). */
export function duplicateNameId(fault: QuickBooksFault): string | null {
  return /Id=(\d+)/.exec(fault.detail)?.[1] ?? null;
}

/**
 * Creates a service or non-inventory item (the mapping's "create" choices). When QuickBooks answers that the
 * name is taken by an item Tillbridge would have made itself (same SKU, or for an item without SKU the same name
 * and type: typically one created by an earlier attempt whose answer was lost), that item is used; a name taken
 * by another item is the merchant's to resolve (the QuickBooksFault 6240 is thrown, see faultProblem).
 */
export async function createItem(db: PrismaClient, account: QuickBooksAccount, item: ItemToCreate, options: { requestId?: string } = {}): Promise<ItemRef> {
  const payload = { Name: item.name, Type: item.type, IncomeAccountRef: { value: item.incomeAccount.id, name: item.incomeAccount.name }, ...(item.sku !== undefined && { Sku: item.sku }) };
  try {
    const row = await quickBooksRequest(db, account, { method: "POST", path: "item", body: payload, ...(options.requestId !== undefined && { requestId: options.requestId }) }, entityAnswer("Item", itemRow));
    return { id: row.Id, name: row.FullyQualifiedName ?? row.Name, incomeAccount: item.incomeAccount };
  } catch (error) {
    if (!(error instanceof QuickBooksFault) || error.code !== "6240") throw error;
    const existingId = duplicateNameId(error);
    const existing = existingId ? await readItem(db, account, existingId) : null;
    const sameItem =
      existing !== null &&
      existing.active &&
      (item.sku !== undefined ? existing.sku?.toLowerCase() === item.sku.toLowerCase() : existing.sku === null && existing.type === item.type && existing.name.toLowerCase() === item.name.toLowerCase());
    if (!existing || !sameItem || !existing.incomeAccount) throw error;
    const incomeAccount = existing.incomeAccount.id === item.incomeAccount.id ? item.incomeAccount : await readAccount(db, account, existing.incomeAccount.id);
    if (!incomeAccount) throw error;
    return { id: existing.id, name: existing.name, incomeAccount };
  }
}

export async function readItem(db: PrismaClient, account: QuickBooksAccount, id: string): Promise<QuickBooksItem | null> {
  try {
    return itemOf(await quickBooksRequest(db, account, { method: "GET", path: `item/${id}` }, entityAnswer("Item", itemRow)));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

// ---- Customers -----------------------------------------------------------------------------------------------

const customerRow = z.looseObject({
  Id: z.string(),
  SyncToken: z.string(),
  DisplayName: z.string(),
  FullyQualifiedName: z.string().optional(),
  Active: z.boolean().optional(),
  PrimaryEmailAddr: z.object({ Address: z.string().optional() }).optional(),
});
type CustomerRow = z.infer<typeof customerRow>;

const customerRef = (row: CustomerRow): Ref => ({ id: row.Id, name: row.FullyQualifiedName ?? row.DisplayName });
const emailOf = (row: CustomerRow) => row.PrimaryEmailAddr?.Address?.trim().toLowerCase();

/**
 * The active customer whose primary email is `email` (without case), the oldest when several share it. Intuit's
 * XSD does not mark PrimaryEmailAddr filterable, although QuickBooks takes `PrimaryEmailAddr = '...'` in practice;
 * a company that refuses the filter (4001 QueryValidationError) is searched page by page instead.
 */
export async function findCustomerByEmail(db: PrismaClient, account: QuickBooksAccount, email: string, options: PageOptions = {}): Promise<Ref | null> {
  const wanted = email.trim().toLowerCase();
  if (wanted === "") return null;
  let rows: CustomerRow[];
  try {
    rows = await queryAll(db, account, "Customer", `PrimaryEmailAddr = ${queryLiteral(wanted)}`, customerRow, options);
  } catch (error) {
    if (!(error instanceof QuickBooksFault) || error.code !== "4001") throw error;
    rows = await queryAll(db, account, "Customer", null, customerRow, options);
  }
  const match = rows.filter((row) => row.Active !== false && emailOf(row) === wanted).sort((a, b) => Number(a.Id) - Number(b.Id))[0];
  return match ? customerRef(match) : null;
}

/** QuickBooks display names: at most 500 characters, no colon (Parent:Child), tab or line break. */
function displayNameOf(text: string): string {
  return text.replace(/[:\t\r\n]+/g, " ").replace(/\s+/g, " ").trim().slice(0, 500);
}

/** How many other names are tried after a collision: with the email, then numbered. */
const MAX_NAME_ATTEMPTS = 5;

/**
 * Creates a customer. Display names are unique across customers, vendors and employees, so a taken name
 * (6240) is not an error here: when the holder is a customer with this email, it is that customer (made by an
 * earlier attempt whose answer was lost); otherwise the name gets the email added ("Ana Díaz (ana@example.com)",
 * as the mapping's customer plan says), then a number ("Ana Díaz 2"). Each attempt has its own requestid, since
 * QuickBooks answers a repeated one with its first answer, the refusal included.
 */
export async function createCustomer(db: PrismaClient, account: QuickBooksAccount, customer: { displayName: string; email?: string }, options: { requestId?: string } = {}): Promise<Ref> {
  const base = displayNameOf(customer.displayName);
  const email = customer.email?.trim().toLowerCase() || undefined;
  const names = [base, ...(email && !base.toLowerCase().includes(email) ? [displayNameOf(`${base.slice(0, 500 - email.length - 3)} (${email})`)] : [])];
  for (let number = 2; names.length < MAX_NAME_ATTEMPTS; number++) names.push(displayNameOf(`${base.slice(0, 490)} ${number}`));
  let lastRefusal: QuickBooksFault | undefined;
  for (const [index, name] of names.entries()) {
    const requestId = options.requestId === undefined ? undefined : index === 0 ? options.requestId : `${options.requestId.slice(0, 47)}~${index}`;
    try {
      const row = await quickBooksRequest(
        db,
        account,
        { method: "POST", path: "customer", body: { DisplayName: name, ...(email && { PrimaryEmailAddr: { Address: email } }) }, ...(requestId !== undefined && { requestId }) },
        entityAnswer("Customer", customerRow),
      );
      return customerRef(row);
    } catch (error) {
      if (!(error instanceof QuickBooksFault) || error.code !== "6240") throw error;
      lastRefusal = error;
      const holderId = duplicateNameId(error);
      const holder = email && holderId ? await readCustomer(db, account, holderId) : null;
      if (holder && holder.Active !== false && emailOf(holder) === email) return customerRef(holder);
    }
  }
  throw lastRefusal ?? new PermanentJobError("no customer name was tried");
}

async function readCustomer(db: PrismaClient, account: QuickBooksAccount, id: string): Promise<CustomerRow | null> {
  try {
    return await quickBooksRequest(db, account, { method: "GET", path: `customer/${id}` }, entityAnswer("Customer", customerRow));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

// ---- Documents -----------------------------------------------------------------------------------------------

export const DOCUMENT_ENTITIES = ["SalesReceipt", "RefundReceipt", "JournalEntry", "Deposit"] as const;
export type DocumentEntity = (typeof DOCUMENT_ENTITIES)[number];
export type VoidableEntity = Extract<DocumentEntity, "SalesReceipt" | "RefundReceipt">;

/** A document as QuickBooks holds it: what the poster and reconciliation read, and everything else passed along. */
export const quickBooksDocumentSchema = z.looseObject({
  Id: z.string(),
  SyncToken: z.string(),
  DocNumber: z.string().optional(),
  TxnDate: z.string().optional(),
  TotalAmt: z.number().optional(),
  PrivateNote: z.string().optional(),
  CurrencyRef: refRead.optional(),
  Line: z.array(z.looseObject({ Amount: z.number().optional(), DetailType: z.string() })).optional(),
});
export type QuickBooksDocument = z.infer<typeof quickBooksDocumentSchema>;

/** A full update (every writable field; those left out are cleared) or, with `sparse: true`, only the fields sent. */
export type DocumentUpdate = { Id: string; SyncToken: string; sparse?: boolean; [field: string]: unknown };

const requestIdOption = (requestId: string | undefined) => (requestId === undefined ? {} : { requestId });

/** Creates the document; sent again with the same requestid, QuickBooks answers the first answer and creates nothing. */
export async function createDocument(db: PrismaClient, account: QuickBooksAccount, entity: DocumentEntity, payload: object, requestId: string): Promise<QuickBooksDocument> {
  return quickBooksRequest(db, account, { method: "POST", path: entity.toLowerCase(), body: payload, requestId }, entityAnswer(entity, quickBooksDocumentSchema));
}

/**
 * The document with this DocNumber, or null: how a poster checks whether a document exists when a requestid can
 * no longer answer for it. DocNumbers are unique per type while the company's preference says so; should several
 * share one, the oldest is answered.
 */
export async function findDocumentByDocNumber(db: PrismaClient, account: QuickBooksAccount, entity: DocumentEntity, docNumber: string): Promise<QuickBooksDocument | null> {
  const rows = await queryPage(db, account, entity, `SELECT * FROM ${entity} WHERE DocNumber = ${queryLiteral(docNumber)} MAXRESULTS 10`, quickBooksDocumentSchema);
  return [...rows].sort((a, b) => Number(a.Id) - Number(b.Id))[0] ?? null;
}

/** The document, or null when QuickBooks has none with this Id (never created, or deleted). */
export async function readDocument(db: PrismaClient, account: QuickBooksAccount, entity: DocumentEntity, id: string): Promise<QuickBooksDocument | null> {
  try {
    return await quickBooksRequest(db, account, { method: "GET", path: `${entity.toLowerCase()}/${encodeURIComponent(id)}` }, entityAnswer(entity, quickBooksDocumentSchema));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * Replaces the document (`sparse: true` in the payload changes only the fields sent). A SyncToken that is not
 * the current one is refused with 5010: read the document again and decide.
 */
export async function updateDocument(db: PrismaClient, account: QuickBooksAccount, entity: DocumentEntity, payload: DocumentUpdate, requestId?: string): Promise<QuickBooksDocument> {
  return quickBooksRequest(db, account, { method: "POST", path: entity.toLowerCase(), body: payload, ...requestIdOption(requestId) }, entityAnswer(entity, quickBooksDocumentSchema));
}

/** Voids a sales or refund receipt: it keeps its number, with every amount 0. */
export async function voidDocument(db: PrismaClient, account: QuickBooksAccount, entity: VoidableEntity, document: { id: string; syncToken: string }, requestId?: string): Promise<QuickBooksDocument> {
  return quickBooksRequest(
    db,
    account,
    { method: "POST", path: entity.toLowerCase(), query: { operation: "void" }, body: { Id: document.id, SyncToken: document.syncToken }, ...requestIdOption(requestId) },
    entityAnswer(entity, quickBooksDocumentSchema),
  );
}

/** Deletes a document (journal entries and deposits cannot be voided through the API). */
export async function deleteDocument(db: PrismaClient, account: QuickBooksAccount, entity: DocumentEntity, document: { id: string; syncToken: string }, requestId?: string): Promise<{ id: string }> {
  const answer = await quickBooksRequest(
    db,
    account,
    { method: "POST", path: entity.toLowerCase(), query: { operation: "delete" }, body: { Id: document.id, SyncToken: document.syncToken }, ...requestIdOption(requestId) },
    entityAnswer(entity, z.looseObject({ Id: z.string(), status: z.literal("Deleted") })),
  );
  return { id: answer.Id };
}

// ---- Exchange rates ------------------------------------------------------------------------------------------

const exchangeRateSchema = z.looseObject({ SourceCurrencyCode: z.string(), TargetCurrencyCode: z.string(), Rate: z.number().positive(), AsOfDate: z.string() });

/**
 * The company's rate for `currency` on `date` (units of the home currency per unit, as QuickBooks keeps it), or
 * null when the company has none. Multicurrency companies only: others answer a 6000 QuickBooksFault.
 */
export async function readExchangeRate(db: PrismaClient, account: QuickBooksAccount, currency: string, date: string): Promise<{ rate: string; asOfDate: string; homeCurrency: string } | null> {
  z.string().regex(/^[A-Z]{3}$/).parse(currency);
  z.string().regex(TRANSACTION_DATE).parse(date);
  try {
    const rate = await quickBooksRequest(db, account, { method: "GET", path: "exchangerate", query: { sourcecurrencycode: currency, asofdate: date } }, entityAnswer("ExchangeRate", exchangeRateSchema));
    // The JSON number as QuickBooks wrote it (decimal text), so no float arithmetic touches the rate.
    return { rate: String(rate.Rate), asOfDate: rate.AsOfDate, homeCurrency: rate.TargetCurrencyCode };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

// ---- Batch ---------------------------------------------------------------------------------------------------

/** A batch holds at most 30 items (Intuit blog 2023-07-19, reference §7); each counts as a call against the 500. */
export const MAX_BATCH_ITEMS = 30;

export type BatchItem =
  | { bId: string; operation: "create" | "update" | "delete"; entity: DocumentEntity; payload: object; void?: never }
  | { bId: string; operation: "update"; entity: VoidableEntity; payload: { Id: string; SyncToken: string }; void: true }
  | { bId: string; query: string };

export type BatchResult =
  | { bId: string; ok: true; document: QuickBooksDocument }
  | { bId: string; ok: true; deleted: { id: string } }
  | { bId: string; ok: true; rows: unknown[] }
  | { bId: string; ok: false; fault: QuickBooksFault };

const batchAnswerSchema = z.object({
  BatchItemResponse: z.array(z.looseObject({ bId: z.string(), Fault: faultSchema.optional(), QueryResponse: z.record(z.string(), z.unknown()).optional() })),
});

const bIdSchema = z.string().min(1).max(36);

/**
 * Sends up to 30 operations in one request. Each item succeeds or fails on its own (a fault is its answer, not an
 * exception); items must not depend on each other. Answers in the order of `items`. A `requestId` (at most 36
 * characters) makes the whole batch idempotent.
 */
export async function postBatch(db: PrismaClient, account: QuickBooksAccount, items: readonly BatchItem[], requestId?: string): Promise<BatchResult[]> {
  if (items.length < 1 || items.length > MAX_BATCH_ITEMS) throw new PermanentJobError(`A QuickBooks batch holds 1 to ${MAX_BATCH_ITEMS} items, not ${items.length}`);
  if (new Set(items.map((item) => bIdSchema.parse(item.bId))).size !== items.length) throw new PermanentJobError("Batch items need distinct bIds");
  const request = items.map((item) =>
    "query" in item ? { bId: item.bId, Query: item.query } : { bId: item.bId, operation: item.operation, ...(item.void && { optionsData: "void" }), [item.entity]: item.payload },
  );
  const answer = await quickBooksRequest(db, account, { method: "POST", path: "batch", body: { BatchItemRequest: request }, ...requestIdOption(requestId) }, batchAnswerSchema);
  const byBId = new Map(answer.BatchItemResponse.map((entry) => [entry.bId, entry]));
  return items.map((item): BatchResult => {
    const entry = byBId.get(item.bId);
    if (!entry) throw new PermanentJobError(`QuickBooks' batch answer has nothing for bId ${item.bId}`);
    if (entry.Fault) return { bId: item.bId, ok: false, fault: toQuickBooksFault(entry.Fault, null) };
    if ("query" in item) {
      const entity = /\bFROM\s+(\w+)/i.exec(item.query)?.[1] ?? "";
      const rows = Object.entries(entry.QueryResponse ?? {}).find(([key]) => key.toLowerCase() === entity.toLowerCase())?.[1];
      return { bId: item.bId, ok: true, rows: Array.isArray(rows) ? rows : [] };
    }
    if (item.operation === "delete") {
      const deleted = z.looseObject({ Id: z.string() }).safeParse(entry[item.entity]);
      if (!deleted.success) throw new PermanentJobError(`QuickBooks' batch answer for ${item.bId} does not confirm the delete: ${z.prettifyError(deleted.error)}`);
      return { bId: item.bId, ok: true, deleted: { id: deleted.data.Id } };
    }
    const document = quickBooksDocumentSchema.safeParse(entry[item.entity]);
    if (!document.success) throw new PermanentJobError(`QuickBooks' batch answer for ${item.bId} is not a ${item.entity}: ${z.prettifyError(document.error)}`);
    return { bId: item.bId, ok: true, document: document.data };
  });
}

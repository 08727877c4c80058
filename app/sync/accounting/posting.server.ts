import type { PrismaClient } from "~/db.server";
import type { PlannedDocument } from "~/domain/accounting/quickbooks-documents";
import type { Prisma } from "~/generated/prisma/client";
import { RateLimitedError, TransientError } from "~/jobs/errors";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";

/**
 * Posting one planned QuickBooks document exactly once (decision 010).
 *
 * The ledger row (AccountingDocument) is written before anything is sent, with the document's deterministic
 * requestid and DocNumber, and its attempts are counted before each send. So:
 * - a retry after a timeout or a lost response first looks the DocNumber up in QuickBooks: found (and ours), it is
 *   recorded as posted, nothing is sent; not found, it is sent again with the same requestid, which QuickBooks
 *   answers from its replay record if the first one did land after all;
 * - a document already posted is never posted again; a changed source record (a new revision) updates the posted
 *   document by its Id with the current SyncToken (a stale token is read afresh and the update retried);
 * - a DocNumber the merchant's own books already use (fault 6140 for a document that is not ours) is posted under
 *   the next free variant (`…-2`), with its own requestid, and recorded;
 * - any other refusal becomes a plain-language SyncIssue and the row FAILED: no retry loop.
 */

/** What a posted document looks like as QuickBooks answers it (the parts the ledger keeps). */
export interface BooksDocument {
  Id: string;
  SyncToken: string;
  DocNumber?: string | null;
  PrivateNote?: string | null;
  TxnDate?: string | null;
}

/** A refusal QuickBooks gave in a Fault: its code (e.g. "6140") and the plain-language problem for the merchant. */
export interface BooksRefusal {
  code: string;
  /** What the merchant reads: what was refused, why, and what to do. */
  problem: string;
}

/** The QuickBooks calls posting needs, for one realm (app/sync/accounting/books.server.ts binds them). */
export interface BooksPort {
  create(entity: PlannedDocument["entity"], payload: Record<string, unknown>, requestId: string): Promise<BooksDocument>;
  update(entity: PlannedDocument["entity"], payload: Record<string, unknown>, requestId: string): Promise<BooksDocument>;
  findByDocNumber(entity: PlannedDocument["entity"], docNumber: string): Promise<BooksDocument | null>;
  read(entity: PlannedDocument["entity"], id: string): Promise<BooksDocument>;
  /** The refusal inside `error` when it is a QuickBooks Fault (a validation or business rule), else null. */
  refusalOf(error: unknown, context: { docNumber: string; entity: string; payload: Record<string, unknown> }): BooksRefusal | null;
}

export interface DocumentToPost {
  tenantId: string;
  syncId: string;
  source: "square" | "shopify";
  sourceId: string;
  revision: number;
  planned: PlannedDocument;
  txnDate: string;
  locationId: string | null;
  currency: string;
  totalMinor: number;
}

export type PostingOutcome =
  | { outcome: "posted"; qboId: string; docNumber: string; how: "created" | "updated" | "found" }
  | { outcome: "already-posted"; qboId: string; docNumber: string }
  | { outcome: "failed"; problem: string };

const DUPLICATE_DOC_NUMBER = "6140";
const STALE_OBJECT = "5010";
const DOC_NUMBER_MAX = 21;
/** Variants tried when the merchant's books already use a DocNumber. */
const MAX_DOC_NUMBER_VARIANTS = 5;

function issueKey(input: Pick<DocumentToPost, "source" | "sourceId">, kind: string): string {
  return `accounting-document:${input.source}:${input.sourceId}:${kind}`;
}

/** "SQ-1234ABCD-R1" → "SQ-1234ABCD-R1-2", cut to fit QuickBooks' 21 characters. */
export function docNumberVariant(docNumber: string, variant: number): string {
  const suffix = `-${variant}`;
  return `${docNumber.slice(0, DOC_NUMBER_MAX - suffix.length)}${suffix}`;
}

function variantRequestId(requestId: string, variant: number): string {
  return `${requestId.slice(0, 36)}-v${variant}`;
}

/** A document found by its DocNumber is ours when it carries the memo Tillbridge wrote for this record and day. */
function isOurs(found: BooksDocument, payload: { PrivateNote: string; TxnDate: string }): boolean {
  return found.PrivateNote === payload.PrivateNote && (!found.TxnDate || found.TxnDate === payload.TxnDate);
}

export async function postAccountingDocument(database: PrismaClient, books: BooksPort, input: DocumentToPost): Promise<PostingOutcome> {
  const { planned } = input;
  const where = { tenantId_source_sourceId_kind: { tenantId: input.tenantId, source: input.source, sourceId: input.sourceId, kind: planned.kind } };
  let row = await database.accountingDocument.findUnique({ where });
  if (row?.status === "POSTED" && row.revision >= input.revision) return { outcome: "already-posted", qboId: row.qboId!, docNumber: row.docNumber };

  const recorded = {
    revision: input.revision,
    entity: planned.entity,
    requestId: planned.requestId,
    payload: planned.payload as unknown as Prisma.InputJsonValue,
    txnDate: input.txnDate,
    locationId: input.locationId,
    currency: input.currency,
    totalMinor: input.totalMinor,
  };
  if (!row) {
    row = await database.accountingDocument.upsert({
      where,
      create: { tenantId: input.tenantId, syncId: input.syncId, source: input.source, sourceId: input.sourceId, kind: planned.kind, docNumber: planned.docNumber, ...recorded },
      update: {},
    });
  } else if (row.revision < input.revision || row.status === "FAILED") {
    // A newer version of a posted document keeps its DocNumber and Id. A failed one is tried afresh under a requestid
    // of its own: QuickBooks answers a repeated requestid with the kept answer, which for a refusal is the refusal.
    const retryOfFailed = row.status === "FAILED" && row.revision === input.revision;
    row = await database.accountingDocument.update({
      where: { id: row.id },
      data: { ...recorded, status: "PENDING", error: null, ...(retryOfFailed && { requestId: `${planned.requestId.slice(0, 36)}-f${row.attempts}`, attempts: 0 }) },
    });
  }
  const payload: Record<string, unknown> = { ...(planned.payload as unknown as Record<string, unknown>), DocNumber: row.docNumber };
  const note = { PrivateNote: String(payload.PrivateNote ?? ""), TxnDate: String(payload.TxnDate ?? "") };

  const markPosted = async (document: BooksDocument, how: "created" | "updated" | "found", docNumber = row!.docNumber): Promise<PostingOutcome> => {
    await database.accountingDocument.update({
      where: { id: row!.id },
      data: { status: "POSTED", qboId: document.Id, syncToken: document.SyncToken, postedAt: new Date(), error: null },
    });
    await resolveSyncIssues(database, input.tenantId, [issueKey(input, planned.kind)]);
    return { outcome: "posted", qboId: document.Id, docNumber, how };
  };

  const previousAttempts = row.attempts;
  await database.accountingDocument.update({ where: { id: row.id }, data: { attempts: { increment: 1 } } });
  // A call the shared budget held back (or QuickBooks refused with a 429) was never carried out, so it is no attempt
  // that may have landed. Counted as one, it would make the next run look the document up before sending it, and
  // the lookup takes from the same budget: with a backlog, most of the budget went to lookups (bench/accounting.ts).
  books = uncountedWhenWaiting(books, () => database.accountingDocument.update({ where: { id: row!.id }, data: { attempts: previousAttempts } }));
  const updating = row.qboId !== null;

  // An earlier attempt may have landed without our hearing the answer: look before sending again.
  if (!updating && previousAttempts > 0) {
    const found = await books.findByDocNumber(planned.entity, row.docNumber);
    if (found && isOurs(found, note)) return markPosted(found, "found");
  }

  try {
    const document = updating
      ? await books.update(planned.entity, { ...payload, Id: row.qboId, SyncToken: row.syncToken, sparse: false }, row.requestId)
      : await books.create(planned.entity, payload, row.requestId);
    return await markPosted(document, updating ? "updated" : "created");
  } catch (error) {
    const refusal = books.refusalOf(error, { docNumber: row.docNumber, entity: planned.entity, payload });
    if (!refusal) throw error; // waiting, lost access and unknown outcomes: the job's error taxonomy decides
    if (refusal.code === STALE_OBJECT && updating) {
      // Someone edited the document in QuickBooks since: take its current SyncToken and update again.
      const current = await books.read(planned.entity, row.qboId!);
      // A new requestid for the new token: the old one would be answered with the kept 5010.
      await database.accountingDocument.update({ where: { id: row.id }, data: { syncToken: current.SyncToken, requestId: `${planned.requestId.slice(0, 36)}-t${current.SyncToken}` } });
      throw new TransientError(`QuickBooks ${planned.entity} ${row.docNumber} changed since it was read; updating again with its current SyncToken`);
    }
    if (refusal.code === DUPLICATE_DOC_NUMBER && !updating) {
      const found = await books.findByDocNumber(planned.entity, row.docNumber);
      if (found && isOurs(found, note)) return markPosted(found, "found");
      return postUnderVariant(database, books, row.id, input, payload, markPosted);
    }
    return fail(database, row.id, input, refusal.problem);
  }
}

/** `books` that, when a call is told to wait (RateLimitedError: nothing was sent), first runs `uncount`. */
function uncountedWhenWaiting(books: BooksPort, uncount: () => Promise<unknown>): BooksPort {
  const unlessWaiting = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof RateLimitedError) await uncount();
      throw error;
    }
  };
  return {
    create: (entity, payload, requestId) => unlessWaiting(() => books.create(entity, payload, requestId)),
    update: (entity, payload, requestId) => unlessWaiting(() => books.update(entity, payload, requestId)),
    findByDocNumber: (entity, docNumber) => unlessWaiting(() => books.findByDocNumber(entity, docNumber)),
    read: (entity, id) => unlessWaiting(() => books.read(entity, id)),
    refusalOf: (error, context) => books.refusalOf(error, context),
  };
}

/** The merchant's books already use the DocNumber for a document of their own: the next free variant. */
async function postUnderVariant(
  database: PrismaClient,
  books: BooksPort,
  rowId: string,
  input: DocumentToPost,
  payload: Record<string, unknown>,
  markPosted: (document: BooksDocument, how: "created", docNumber: string) => Promise<PostingOutcome>,
): Promise<PostingOutcome> {
  const { planned } = input;
  for (let variant = 2; variant <= MAX_DOC_NUMBER_VARIANTS + 1; variant += 1) {
    const docNumber = docNumberVariant(planned.docNumber, variant);
    const requestId = variantRequestId(planned.requestId, variant);
    // Recorded first, like the original: a crash from here on retries this variant, not a new one.
    await database.accountingDocument.update({ where: { id: rowId }, data: { docNumber, requestId } });
    const found = await books.findByDocNumber(planned.entity, docNumber);
    if (found) {
      if (isOurs(found, { PrivateNote: String(payload.PrivateNote ?? ""), TxnDate: String(payload.TxnDate ?? "") })) return markPosted(found, "created", docNumber);
      continue;
    }
    try {
      return await markPosted(await books.create(planned.entity, { ...payload, DocNumber: docNumber }, requestId), "created", docNumber);
    } catch (error) {
      const refusal = books.refusalOf(error, { docNumber, entity: planned.entity, payload });
      if (!refusal) throw error;
      if (refusal.code === DUPLICATE_DOC_NUMBER) continue;
      return fail(database, rowId, input, refusal.problem);
    }
  }
  return fail(database, rowId, input, `QuickBooks already has documents numbered ${planned.docNumber} to ${docNumberVariant(planned.docNumber, MAX_DOC_NUMBER_VARIANTS + 1)} that Tillbridge did not post. Renumber them in QuickBooks, then press Retry.`);
}

async function fail(database: PrismaClient, rowId: string, input: DocumentToPost, problem: string): Promise<PostingOutcome> {
  await database.accountingDocument.update({ where: { id: rowId }, data: { status: "FAILED", error: problem } });
  await reportSyncIssue(database, {
    tenantId: input.tenantId,
    syncId: input.syncId,
    key: issueKey(input, input.planned.kind),
    code: "QUICKBOOKS_REFUSED",
    message: problem,
    entityType: "accounting_document",
    entityRef: input.planned.docNumber,
    retriable: false,
  });
  return { outcome: "failed", problem };
}

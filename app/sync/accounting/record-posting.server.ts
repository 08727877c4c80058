import { createHash } from "node:crypto";
import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { DOCUMENT_KINDS, requestIdFor } from "~/domain/accounting/document-keys";
import { customerPlan, missingMappings, needsOf, type CustomerChoice, type Ref } from "~/domain/accounting/mapping";
import { fromQboAmount } from "~/domain/accounting/money";
import { itemsToCreate, type PostingContext } from "~/domain/accounting/posting";
import { correctionOf, correctionSourceId, correctionSourcePrefix, planRevision } from "~/domain/accounting/order-revision";
import type { PlannedDocument } from "~/domain/accounting/quickbooks-documents";
import { buildRefundDocuments } from "~/domain/accounting/refund-receipt";
import { buildSaleDocuments } from "~/domain/accounting/sales-receipt";
import { businessDateOf, type SaleCustomer, type Source, type SourceRefund, type SourceSale } from "~/domain/accounting/source-sale";
import type { Prisma } from "~/generated/prisma/client";
import { createCustomer, createItem, findCustomerByEmail, readExchangeRate } from "~/integrations/quickbooks/accounting.server";
import { quickBooksAccount, type QuickBooksAccount } from "~/integrations/quickbooks/api-client.server";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { dailyBooks, type DailyBooks } from "./daily-summaries.server";
import { postAccountingDocument, type PostingOutcome } from "./posting.server";
import { accountingSyncSettings, type AccountingSyncSettings } from "./settings";

/**
 * Posting one source record (a sale or a refund of either channel) per order, the part every channel shares: the
 * channel's accounting sync and settings, the mapping checked against what this record needs, the QuickBooks items
 * and customer it uses (made once per tenant and remembered in EntityLink), and its documents posted in order
 * through the exactly-once poster. A record that cannot be posted becomes one plain-language issue with Retry.
 */

const PROVIDERS = { square: "SQUARE", shopify: "SHOPIFY" } as const;

export async function findAccountingSync(database: PrismaClient, tenantId: string, source: Source): Promise<{ id: string; settings: AccountingSyncSettings } | null> {
  const sync = await database.sync.findFirst({
    where: { tenantId, kind: "ACCOUNTING", enabled: true, sourceConnection: { provider: PROVIDERS[source], status: "ACTIVE" } },
    select: { id: true, settings: true },
  });
  return sync ? { id: sync.id, settings: accountingSyncSettings.parse(sync.settings) } : null;
}

/** QuickBooks ids made once per tenant (items per SKU, the generic customer), remembered so each order does not ask again. */
async function remembered(database: PrismaClient, tenantId: string, source: Source, entityType: string, key: string, make: () => Promise<Ref & Record<string, unknown>>): Promise<Ref & Record<string, unknown>> {
  const where = { tenantId_entityType_sourceProvider_sourceId_targetProvider: { tenantId, entityType, sourceProvider: PROVIDERS[source], sourceId: key, targetProvider: "QUICKBOOKS" as const } };
  const link = await database.entityLink.findUnique({ where });
  if (link?.lastValue) return link.lastValue as Ref & Record<string, unknown>;
  const made = await make();
  const value = { targetId: made.id, lastValue: made as Prisma.InputJsonValue, lastSyncedAt: new Date() };
  await database.entityLink.upsert({ where, create: { tenantId, entityType, sourceProvider: PROVIDERS[source], sourceId: key, targetProvider: "QUICKBOOKS", ...value }, update: value });
  return made;
}

/** A deterministic requestid for creating a tenant's item or customer (so a retry never makes two). */
function creationRequestId(tenantId: string, what: string): string {
  return createHash("sha256").update(`${tenantId}|${what}`).digest("hex").slice(0, 36);
}

async function resolveCustomer(database: PrismaClient, qbo: QuickBooksAccount, tenantId: string, source: Source, choice: CustomerChoice): Promise<Ref> {
  if ("use" in choice) return choice.use;
  const made = await remembered(database, tenantId, source, "qbo_customer", `generic:${choice.create.displayName}`, () =>
    createCustomer(database, qbo, { displayName: choice.create.displayName }, { requestId: creationRequestId(tenantId, `customer:${choice.create.displayName}`) }),
  );
  return { id: made.id, name: made.name };
}

async function postingContext(
  database: PrismaClient,
  qbo: QuickBooksAccount,
  tenantId: string,
  record: SourceSale | SourceRefund,
  settings: AccountingSyncSettings,
  locationName: string,
  refundCustomer: SaleCustomer | undefined,
): Promise<PostingContext> {
  const items: PostingContext["refs"]["items"] = {};
  for (const { key, item } of itemsToCreate([record], settings)) {
    const made = await remembered(database, tenantId, record.source, "qbo_item", key, () => createItem(database, qbo, item, { requestId: creationRequestId(tenantId, `item:${key}`) }));
    items[key] = made as PostingContext["refs"]["items"][string];
  }
  const plan = customerPlan(record.source, "refundId" in record ? refundCustomer : record.customer, settings);
  let customer: Ref | undefined;
  if (plan.kind === "generic") customer = await resolveCustomer(database, qbo, tenantId, record.source, plan.choice);
  else {
    customer = (await findCustomerByEmail(database, qbo, plan.email)) ?? undefined;
    if (!customer) {
      const fallback = plan.ifNotFound;
      customer =
        "create" in fallback && !("use" in fallback)
          ? await createCustomer(database, qbo, { displayName: fallback.create.displayName, email: plan.email }, { requestId: creationRequestId(tenantId, `customer:${plan.email}`) })
          : await resolveCustomer(database, qbo, tenantId, record.source, fallback);
    }
  }
  // A sale in another currency than the company's: QuickBooks' own rate for the sale's day, as the merchant keeps it
  // there (none kept: QuickBooks applies its rate when it records the document).
  const { company } = settings;
  const rate = record.currency !== company.homeCurrency && company.multiCurrencyEnabled ? await readExchangeRate(database, qbo, record.currency, record.businessDate) : null;
  return { tenantId, mapping: settings, company, refs: { items, ...(customer && { customer }), ...(rate && { exchangeRate: rate.rate }), locationName } };
}

/** A document's total in minor units: a receipt's total, a journal entry's debits. */
function totalOf(planned: PlannedDocument, recordTotal: { amount: number; currency: string }): number {
  if (planned.entity !== "JournalEntry") return recordTotal.amount;
  return planned.payload.Line.filter((line) => line.JournalEntryLineDetail.PostingType === "Debit").reduce((total, line) => total + fromQboAmount(line.Amount, recordTotal.currency).amount, 0);
}

/** A document's outcome; a correcting document says which posted document it corrects and why. */
export type RecordDocumentOutcome = PostingOutcome & { corrects?: { docNumber: string; closedThrough: string } };

export type RecordPostingOutcome = { outcome: "problem"; problems: string[] } | { outcome: "posted"; documents: RecordDocumentOutcome[] };

export interface RecordToPost {
  tenantId: string;
  sync: { id: string; settings: AccountingSyncSettings };
  /** The ledger's key for the record: the order (or return order, or refund) id. */
  sourceId: string;
  record: SourceSale | SourceRefund;
  location: { id: string; name: string; timeZone?: string };
  /**
   * For a refund: the buyer of the sale it refunds, so the refund receipt goes to the sale's QuickBooks customer
   * (a refund names no customer of its own). Without it a refund goes to the channel's generic customer.
   */
  refundCustomer?: SaleCustomer;
  /** The issue's stable key and how the merchant knows the record ("Square order 7Hq…"). */
  issue: { key: string; label: string; retryJob: { name: string; payload: Record<string, string> } };
}

/** Where posting reaches QuickBooks (tests give books with a closing date) and what time it is. */
export interface RecordPostingOptions {
  books?: (account: QuickBooksAccount) => DailyBooks;
  now?: Date;
}

/** Checks the mapping for this record, resolves what it uses in QuickBooks, and posts its documents exactly once. */
export async function postRecord(database: PrismaClient, input: RecordToPost, options: RecordPostingOptions = {}): Promise<RecordPostingOutcome> {
  const { record, sync, tenantId } = input;
  const isRefund = "refundId" in record;
  const need = needsOf(isRefund ? [] : [record as SourceSale], isRefund ? [record as SourceRefund] : [], sync.settings.company, { [`${record.source}:${input.location.id}`]: input.location.name });
  const missing = missingMappings(sync.settings, need);
  if (missing.length > 0) return reportRecordProblems(database, input, missing.map((problem) => problem.message));

  const qbo = await quickBooksAccount(database, tenantId);
  const ctx = await postingContext(database, qbo, tenantId, record, sync.settings, input.location.name, input.refundCustomer);
  const documents = isRefund ? buildRefundDocuments(record as SourceRefund, ctx) : buildSaleDocuments(record as SourceSale, ctx);
  const books = options.books?.(qbo) ?? dailyBooks(database, qbo);
  const kinds = isRefund ? (["refund", "refund_tenders", "refund_fees"] as const) : (["sale", "sale_tenders", "sale_fees"] as const);
  const revisions = new RevisionPosting(database, books, input, options.now ?? new Date());
  const results: RecordDocumentOutcome[] = [];
  const problems: string[] = [];
  for (const [index, planned] of [documents.receipt, documents.tenderTransfer, documents.fees].entries()) {
    const outcome = planned ? await revisions.post(planned) : await revisions.vanished(kinds[index]!);
    if (!outcome) continue;
    if ("problem" in outcome && outcome.outcome !== "failed") problems.push(outcome.problem);
    else results.push(outcome as RecordDocumentOutcome);
  }
  if (problems.length > 0) return reportRecordProblems(database, input, problems);
  await resolveSyncIssues(database, tenantId, [input.issue.key]);
  return { outcome: "posted", documents: results };
}

const ledgerPayload = z.looseObject({ TxnDate: z.string(), PrivateNote: z.string(), Line: z.array(z.looseObject({ Amount: z.number(), DetailType: z.string() })) });
const ledgerEntity = z.enum(["SalesReceipt", "RefundReceipt", "JournalEntry"]);
type LedgerRow = NonNullable<Awaited<ReturnType<PrismaClient["accountingDocument"]["findUnique"]>>>;

/** A ledger row as the document it recorded, to send again exactly as it was. */
function recordedDocument(row: LedgerRow): PlannedDocument {
  const payload = ledgerPayload.parse(row.payload);
  return { entity: ledgerEntity.parse(row.entity), kind: z.enum(DOCUMENT_KINDS).parse(row.kind), requestId: row.requestId, docNumber: row.docNumber, payload } as unknown as PlannedDocument;
}

type RevisionOutcome = RecordDocumentOutcome | { outcome: "problem"; problem: string };

/**
 * One record's documents against what the ledger says was posted (decision 010, corrections): an unchanged
 * document sends nothing; a changed one is updated as its next revision while its period is open, and corrected
 * by a document in the open period holding only the difference once the books are closed through its date (and
 * from then on: a document corrected once is only ever corrected again, so no difference is counted twice).
 */
class RevisionPosting {
  private closedThrough: Promise<string | null> | undefined;
  private readonly today: string;

  constructor(
    private readonly database: PrismaClient,
    private readonly books: DailyBooks,
    private readonly input: RecordToPost,
    now: Date,
  ) {
    this.today = businessDateOf(now.toISOString(), input.location.timeZone ?? "UTC");
  }

  /** Read once per record, and only when a posted document changed. */
  private closingDate(): Promise<string | null> {
    this.closedThrough ??= this.books.closedThrough();
    return this.closedThrough;
  }

  private send(planned: PlannedDocument, ledger: { sourceId?: string; revision: number; totalMinor?: number }): Promise<PostingOutcome> {
    const { input } = this;
    return postAccountingDocument(this.database, this.books, {
      tenantId: input.tenantId,
      syncId: input.sync.id,
      source: input.record.source,
      sourceId: ledger.sourceId ?? input.sourceId,
      revision: ledger.revision,
      planned,
      txnDate: planned.payload.TxnDate,
      locationId: input.location.id,
      currency: input.record.currency,
      totalMinor: ledger.totalMinor ?? totalOf(planned, input.record.total),
    });
  }

  private row(kind: string, sourceId = this.input.sourceId): Promise<LedgerRow | null> {
    return this.database.accountingDocument.findUnique({ where: { tenantId_source_sourceId_kind: { tenantId: this.input.tenantId, source: this.input.record.source, sourceId, kind } } });
  }

  async post(planned: PlannedDocument): Promise<RevisionOutcome> {
    const { input } = this;
    let row = await this.row(planned.kind);
    if (row?.status === "PENDING") {
      // Finish what an earlier run started, as it was recorded, before comparing: its answer may have been lost.
      const resumed = await this.send(recordedDocument(row), { revision: row.revision, totalMinor: row.totalMinor });
      if (resumed.outcome === "failed") return resumed;
      row = await this.row(planned.kind);
    }
    if (!row || row.status !== "POSTED") {
      // Not posted yet, or refused before: tried afresh at its revision, under that revision's requestid.
      const revision = row?.revision ?? 0;
      const requestId = revision === 0 ? planned.requestId : requestIdFor({ tenantId: input.tenantId, source: input.record.source, sourceId: input.sourceId, kind: planned.kind, revision });
      return this.send({ ...planned, requestId }, { revision });
    }

    const plan = planRevision(planned, { revision: row.revision, payload: row.payload }, { tenantId: input.tenantId, source: input.record.source, ledgerSourceId: input.sourceId });
    if (plan.action !== "update") return { outcome: "already-posted", qboId: row.qboId!, docNumber: row.docNumber };

    const prefix = correctionSourcePrefix(input.sourceId, planned.kind);
    const correctionsWhere = { tenantId: input.tenantId, source: input.record.source, kind: "order_correction", sourceId: { startsWith: prefix } };
    for (const pending of await this.database.accountingDocument.findMany({ where: { ...correctionsWhere, status: { not: "POSTED" } }, orderBy: { createdAt: "asc" } })) {
      const resumed = await this.send(recordedDocument(pending), { sourceId: pending.sourceId, revision: pending.revision, totalMinor: pending.totalMinor });
      if (resumed.outcome === "failed") return resumed;
    }
    const corrections = await this.database.accountingDocument.findMany({ where: correctionsWhere, orderBy: { createdAt: "asc" } });
    const closedThrough = await this.closingDate();
    if (corrections.length === 0 && (closedThrough === null || row.txnDate > closedThrough)) return this.send(plan.document, { revision: plan.revision });

    // The books are closed through the document's date (or it was corrected before): a correcting document.
    const closedLabel = closedThrough ?? row.txnDate;
    if (closedThrough !== null && this.today <= closedThrough) {
      return { outcome: "problem", problem: `${row.docNumber} changed after it was posted, but your QuickBooks books are closed through ${closedThrough}, so not even a correcting document can be dated today. Move the closing date back, then press Retry.` };
    }
    const number = corrections.length + 1;
    const held = [{ entity: row.entity as PlannedDocument["entity"], payload: row.payload }, ...corrections.map((correction) => ({ entity: correction.entity as PlannedDocument["entity"], payload: correction.payload }))];
    const correction = correctionOf(planned, held, input.record.currency, {
      tenantId: input.tenantId,
      source: input.record.source,
      ledgerSourceId: input.sourceId,
      correction: number,
      docNumber: row.docNumber,
      correctionDate: this.today,
      closedThrough: closedLabel,
    });
    if (correction.status === "none") return { outcome: "already-posted", qboId: row.qboId!, docNumber: row.docNumber };
    if (correction.status === "problem") return { outcome: "problem", problem: correction.problem };
    const outcome = await this.send(correction.document, { sourceId: correctionSourceId(input.sourceId, planned.kind, number), revision: 0, totalMinor: correction.totalMinor });
    return outcome.outcome === "posted" ? { ...outcome, corrects: { docNumber: row.docNumber, closedThrough: closedLabel } } : outcome;
  }

  /** A document the record no longer calls for (split payments now paid one way): QuickBooks still holds it. */
  async vanished(kind: PlannedDocument["kind"]): Promise<RevisionOutcome | null> {
    const row = await this.row(kind);
    if (!row?.qboId) return null;
    return { outcome: "problem", problem: `After the order changed, ${row.docNumber} no longer belongs to it, but it is still in QuickBooks. Delete that journal entry in QuickBooks.` };
  }
}

/** The run summary's words for what was posted: numbers, and what was updated or corrected. */
export function postedSummary(documents: readonly RecordDocumentOutcome[]): string {
  return documents
    .flatMap((document) => {
      if (document.outcome !== "posted") return [];
      if (document.corrects) return [`${document.docNumber} corrects ${document.corrects.docNumber} (books closed through ${document.corrects.closedThrough})`];
      return [document.how === "updated" ? `${document.docNumber} updated` : document.docNumber];
    })
    .join(", ");
}

/** One issue per record that cannot be posted as things stand, with Retry once the merchant has fixed it. */
export async function reportRecordProblems(
  database: PrismaClient,
  input: Pick<RecordToPost, "tenantId" | "issue"> & { sync: { id: string } },
  problems: string[],
): Promise<RecordPostingOutcome> {
  await reportSyncIssue(database, {
    tenantId: input.tenantId,
    syncId: input.sync.id,
    key: input.issue.key,
    code: "ACCOUNTING_CANNOT_POST",
    message: `${input.issue.label} was not posted to QuickBooks: ${problems.join(" ")}`,
    entityType: "accounting_record",
    entityRef: input.issue.label,
    retriable: true,
    retryJob: input.issue.retryJob,
  });
  return { outcome: "problem", problems };
}

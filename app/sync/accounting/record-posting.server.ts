import { createHash } from "node:crypto";
import type { PrismaClient } from "~/db.server";
import { customerPlan, missingMappings, needsOf, type CustomerChoice, type Ref } from "~/domain/accounting/mapping";
import { fromQboAmount } from "~/domain/accounting/money";
import { itemsToCreate, type PostingContext } from "~/domain/accounting/posting";
import type { PlannedDocument } from "~/domain/accounting/quickbooks-documents";
import { buildRefundDocuments } from "~/domain/accounting/refund-receipt";
import { buildSaleDocuments } from "~/domain/accounting/sales-receipt";
import type { SaleCustomer, Source, SourceRefund, SourceSale } from "~/domain/accounting/source-sale";
import type { Prisma } from "~/generated/prisma/client";
import { createCustomer, createItem, findCustomerByEmail } from "~/integrations/quickbooks/accounting.server";
import { quickBooksAccount, type QuickBooksAccount } from "~/integrations/quickbooks/api-client.server";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { quickBooksBooks } from "./books.server";
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
  return { tenantId, mapping: settings, company: settings.company, refs: { items, ...(customer && { customer }), locationName } };
}

/** A document's total in minor units: a receipt's total, a journal entry's debits. */
function totalOf(planned: PlannedDocument, recordTotal: { amount: number; currency: string }): number {
  if (planned.entity !== "JournalEntry") return recordTotal.amount;
  return planned.payload.Line.filter((line) => line.JournalEntryLineDetail.PostingType === "Debit").reduce((total, line) => total + fromQboAmount(line.Amount, recordTotal.currency).amount, 0);
}

export type RecordPostingOutcome = { outcome: "problem"; problems: string[] } | { outcome: "posted"; documents: PostingOutcome[] };

export interface RecordToPost {
  tenantId: string;
  sync: { id: string; settings: AccountingSyncSettings };
  /** The ledger's key for the record: the order (or return order, or refund) id. */
  sourceId: string;
  record: SourceSale | SourceRefund;
  location: { id: string; name: string };
  /**
   * For a refund: the buyer of the sale it refunds, so the refund receipt goes to the sale's QuickBooks customer
   * (a refund names no customer of its own). Without it a refund goes to the channel's generic customer.
   */
  refundCustomer?: SaleCustomer;
  /** The issue's stable key and how the merchant knows the record ("Square order 7Hq…"). */
  issue: { key: string; label: string; retryJob: { name: string; payload: Record<string, string> } };
}

/** Checks the mapping for this record, resolves what it uses in QuickBooks, and posts its documents exactly once. */
export async function postRecord(database: PrismaClient, input: RecordToPost): Promise<RecordPostingOutcome> {
  const { record, sync, tenantId } = input;
  const isRefund = "refundId" in record;
  const need = needsOf(isRefund ? [] : [record as SourceSale], isRefund ? [record as SourceRefund] : [], sync.settings.company, { [`${record.source}:${input.location.id}`]: input.location.name });
  const missing = missingMappings(sync.settings, need);
  if (missing.length > 0) return reportRecordProblems(database, input, missing.map((problem) => problem.message));

  const qbo = await quickBooksAccount(database, tenantId);
  const ctx = await postingContext(database, qbo, tenantId, record, sync.settings, input.location.name, input.refundCustomer);
  const documents = isRefund ? buildRefundDocuments(record as SourceRefund, ctx) : buildSaleDocuments(record as SourceSale, ctx);
  const books = quickBooksBooks(database, qbo);
  const results: PostingOutcome[] = [];
  for (const planned of [documents.receipt, documents.tenderTransfer, documents.fees]) {
    if (!planned) continue;
    results.push(
      await postAccountingDocument(database, books, {
        tenantId,
        syncId: sync.id,
        source: record.source,
        sourceId: input.sourceId,
        revision: 0,
        planned,
        txnDate: planned.payload.TxnDate,
        locationId: input.location.id,
        currency: record.currency,
        totalMinor: totalOf(planned, record.total),
      }),
    );
  }
  await resolveSyncIssues(database, tenantId, [input.issue.key]);
  return { outcome: "posted", documents: results };
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

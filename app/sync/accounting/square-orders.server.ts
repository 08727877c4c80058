import { createHash } from "node:crypto";
import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import { customerPlan, missingMappings, needsOf, type CustomerChoice, type Ref } from "~/domain/accounting/mapping";
import { fromQboAmount } from "~/domain/accounting/money";
import { itemsToCreate, type PostingContext } from "~/domain/accounting/posting";
import type { PlannedDocument } from "~/domain/accounting/quickbooks-documents";
import { buildRefundDocuments } from "~/domain/accounting/refund-receipt";
import { buildSaleDocuments } from "~/domain/accounting/sales-receipt";
import type { SourceRefund, SourceSale } from "~/domain/accounting/source-sale";
import { mapSquareReturn, mapSquareSale } from "~/domain/accounting/square-order";
import { createCustomer, createItem, findCustomerByEmail } from "~/integrations/quickbooks/accounting.server";
import { quickBooksAccount, type QuickBooksAccount } from "~/integrations/quickbooks/api-client.server";
import { squareInventoryAccount } from "~/integrations/square/inventory.server";
import { readSquareOrderForBooks } from "~/integrations/square/orders.server";
import type { Prisma } from "~/generated/prisma/client";
import { defineJob, JobPriority } from "~/jobs/registry";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { registerWebhookProcessor, type WebhookProcessor } from "~/webhooks/processing.server";
import { quickBooksBooks } from "./books.server";
import { postAccountingDocument, type PostingOutcome } from "./posting.server";
import { accountingSyncSettings } from "./settings";

/**
 * Square orders into QuickBooks, one order at a time (per-order posting): a completed sale becomes a sales receipt
 * (with a journal entry moving split payments to their accounts, and one for processing fees once Square has
 * charged them), a return order a refund receipt. Order and payment webhooks only say which order to read; the job
 * reads it whole from Square and posts what is not posted yet, so duplicate and late webhooks post nothing twice
 * and a fee that appears seconds after the sale is posted when its payment.updated arrives.
 */

export type SquareOrderOutcome = { outcome: "skipped"; reason: string } | { outcome: "problem"; problems: string[] } | { outcome: "posted"; documents: PostingOutcome[] };

function issueKeyOf(orderId: string): string {
  return `accounting-square-order:${orderId}`;
}

/** A document's total in minor units: a receipt's TotalAmt-to-be, a journal entry's debits. */
function totalOf(planned: PlannedDocument, fallback: { amount: number; currency: string }): number {
  if (planned.entity !== "JournalEntry") return fallback.amount;
  return planned.payload.Line.filter((line) => line.JournalEntryLineDetail.PostingType === "Debit").reduce((total, line) => total + fromQboAmount(line.Amount, fallback.currency).amount, 0);
}

/** QuickBooks ids made once per tenant (items per SKU, the generic customer), remembered so each order does not ask again. */
async function remembered(database: PrismaClient, tenantId: string, entityType: string, key: string, make: () => Promise<Ref & Record<string, unknown>>): Promise<Ref & Record<string, unknown>> {
  const link = await database.entityLink.findUnique({ where: { tenantId_entityType_sourceProvider_sourceId_targetProvider: { tenantId, entityType, sourceProvider: "SQUARE", sourceId: key, targetProvider: "QUICKBOOKS" } } });
  if (link?.lastValue) return link.lastValue as Ref & Record<string, unknown>;
  const made = await make();
  await database.entityLink.upsert({
    where: { tenantId_entityType_sourceProvider_sourceId_targetProvider: { tenantId, entityType, sourceProvider: "SQUARE", sourceId: key, targetProvider: "QUICKBOOKS" } },
    create: { tenantId, entityType, sourceProvider: "SQUARE", sourceId: key, targetProvider: "QUICKBOOKS", targetId: made.id, lastValue: made as Prisma.InputJsonValue, lastSyncedAt: new Date() },
    update: { targetId: made.id, lastValue: made as Prisma.InputJsonValue, lastSyncedAt: new Date() },
  });
  return made;
}

/** A deterministic requestid for creating a tenant's item or customer (so a retry never makes two). */
function creationRequestId(tenantId: string, what: string): string {
  return createHash("sha256").update(`${tenantId}|${what}`).digest("hex").slice(0, 36);
}

async function resolveCustomer(database: PrismaClient, qbo: QuickBooksAccount, tenantId: string, choice: CustomerChoice): Promise<Ref> {
  if ("use" in choice) return choice.use;
  const made = await remembered(database, tenantId, "qbo_customer", `generic:${choice.create.displayName}`, () =>
    createCustomer(database, qbo, { displayName: choice.create.displayName }, { requestId: creationRequestId(tenantId, `customer:${choice.create.displayName}`) }),
  );
  return { id: made.id, name: made.name };
}

async function postingContext(database: PrismaClient, qbo: QuickBooksAccount, tenantId: string, record: SourceSale | SourceRefund, settings: z.output<typeof accountingSyncSettings>, locationName: string): Promise<PostingContext> {
  const items: PostingContext["refs"]["items"] = {};
  for (const { key, item } of itemsToCreate([record], settings)) {
    const made = await remembered(database, tenantId, "qbo_item", key, () => createItem(database, qbo, item, { requestId: creationRequestId(tenantId, `item:${key}`) }));
    items[key] = made as PostingContext["refs"]["items"][string];
  }
  const plan = customerPlan("square", "refundId" in record ? undefined : record.customer, settings);
  let customer: Ref | undefined;
  if (plan.kind === "generic") customer = await resolveCustomer(database, qbo, tenantId, plan.choice);
  else {
    customer = (await findCustomerByEmail(database, qbo, plan.email)) ?? undefined;
    if (!customer) {
      const fallback = plan.ifNotFound;
      customer = "create" in fallback && !("use" in fallback)
        ? await createCustomer(database, qbo, { displayName: fallback.create.displayName, email: plan.email }, { requestId: creationRequestId(tenantId, `customer:${plan.email}`) })
        : await resolveCustomer(database, qbo, tenantId, fallback);
    }
  }
  return { tenantId, mapping: settings, company: settings.company, refs: { items, ...(customer && { customer }), locationName } };
}

export async function postSquareOrder(database: PrismaClient, tenantId: string, orderId: string): Promise<SquareOrderOutcome> {
  const sync = await database.sync.findFirst({ where: { tenantId, kind: "ACCOUNTING", enabled: true, sourceConnection: { provider: "SQUARE", status: "ACTIVE" } }, select: { id: true, settings: true } });
  if (!sync) return { outcome: "skipped", reason: "accounting is off for Square" };
  const settings = accountingSyncSettings.parse(sync.settings);
  if (settings.posting.square !== "per_order") return { outcome: "skipped", reason: "Square is posted as daily summaries" };

  const read = await readSquareOrderForBooks(database, await squareInventoryAccount(database, tenantId), orderId);
  if (!read) return { outcome: "skipped", reason: "Square has no such order" };
  if (read.state !== "COMPLETED") return { outcome: "skipped", reason: `the order is ${read.state.toLowerCase()}` };

  let record: SourceSale | SourceRefund;
  if (read.isReturn) {
    const saleId = String((read.order.returns as { source_order_id?: string }[] | undefined)?.[0]?.source_order_id ?? "");
    const earlier = await database.accountingDocument.count({ where: { tenantId, source: "square", kind: "refund", sourceId: { not: orderId }, payload: { path: ["PrivateNote"], string_contains: saleId } } });
    const mapped = mapSquareReturn({ order: read.order, refunds: read.refunds, location: read.location, catalog: read.catalog, sequence: Math.min(99, earlier + 1) });
    if (!mapped.ok) return reportProblems(database, tenantId, sync.id, orderId, mapped.problems);
    record = mapped.value;
  } else {
    const mapped = mapSquareSale({ order: read.order, payments: read.payments, location: read.location, catalog: read.catalog });
    if (!mapped.ok) return reportProblems(database, tenantId, sync.id, orderId, mapped.problems);
    record = mapped.value;
  }
  const isRefund = "refundId" in record;
  const missing = missingMappings(settings, needsOf(isRefund ? [] : [record as SourceSale], isRefund ? [record as SourceRefund] : [], settings.company, { [`square:${read.location.id}`]: read.location.name }));
  if (missing.length > 0) return reportProblems(database, tenantId, sync.id, orderId, missing.map((problem) => problem.message));

  const qbo = await quickBooksAccount(database, tenantId);
  const ctx = await postingContext(database, qbo, tenantId, record, settings, read.location.name);
  const planned = isRefund
    ? (() => {
        const documents = buildRefundDocuments(record as SourceRefund, ctx);
        return [documents.receipt, documents.tenderTransfer, documents.fees];
      })()
    : (() => {
        const documents = buildSaleDocuments(record as SourceSale, ctx);
        return [documents.receipt, documents.tenderTransfer, documents.fees];
      })();
  const books = quickBooksBooks(database, qbo);
  const results: PostingOutcome[] = [];
  for (const document of planned) {
    if (!document) continue;
    results.push(
      await postAccountingDocument(database, books, {
        tenantId,
        syncId: sync.id,
        source: "square",
        sourceId: orderId,
        revision: 0,
        planned: document,
        txnDate: document.payload.TxnDate,
        locationId: read.location.id,
        currency: record.currency,
        totalMinor: totalOf(document, record.total),
      }),
    );
  }
  await resolveSyncIssues(database, tenantId, [issueKeyOf(orderId)]);
  return { outcome: "posted", documents: results };
}

async function reportProblems(database: PrismaClient, tenantId: string, syncId: string, orderId: string, problems: string[]): Promise<SquareOrderOutcome> {
  await reportSyncIssue(database, {
    tenantId,
    syncId,
    key: issueKeyOf(orderId),
    code: "ACCOUNTING_CANNOT_POST",
    message: `Square order ${orderId} was not posted to QuickBooks: ${problems.join(" ")}`,
    entityType: "square_order",
    entityRef: orderId,
    retriable: true,
    retryJob: { name: "accounting.post-square-order", payload: { tenantId, orderId } },
  });
  return { outcome: "problem", problems };
}

export const postSquareOrderJob = defineJob({
  name: "accounting.post-square-order",
  payload: z.object({ tenantId: z.uuid(), orderId: z.string().min(1).max(192) }).strict(),
  tenantOf: (payload) => payload.tenantId,
  // One order's postings take turns: the ledger rows of one order are written by one job at a time.
  orderingKey: (payload) => `accounting-square-order:${payload.orderId}`,
  policy: { retryLimit: 10, retryDelaySeconds: 5, retryDelayMaxSeconds: 900, batchSize: 10, localConcurrency: 4 },
  async handle({ tenantId, orderId }, context) {
    const started = new Date();
    const result = await postSquareOrder(db(), tenantId, orderId);
    if (result.outcome === "skipped") return;
    const posted = result.outcome === "posted" ? result.documents.filter((document) => document.outcome === "posted") : [];
    const failed = result.outcome === "posted" ? result.documents.filter((document) => document.outcome === "failed").length : 1;
    if (posted.length === 0 && failed === 0) return; // everything was posted before: a duplicate webhook
    const sync = await db().sync.findFirst({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SQUARE" } }, select: { id: true } });
    const run = await startSyncRun(db(), { tenantId, ...(sync && { syncId: sync.id }), kind: "accounting.post", trigger: "webhook" }, started);
    const numbers = posted.map((document) => (document.outcome === "posted" ? document.docNumber : "")).join(", ");
    await finishSyncRun(db(), tenantId, run.id, { counts: { read: 1, written: posted.length, skipped: 0, failed }, summary: numbers ? `Square order ${orderId}: ${numbers}` : `Square order ${orderId}` });
    context.logger.info({ orderId, posted: posted.length, failed }, "square order posted to QuickBooks");
  },
});

const squareOrderEvent = z.object({
  data: z.object({
    object: z
      .object({
        order_created: z.object({ order_id: z.string(), state: z.string().optional() }).loose().optional(),
        order_updated: z.object({ order_id: z.string(), state: z.string().optional() }).loose().optional(),
        payment: z.object({ order_id: z.string().optional() }).loose().optional(),
        refund: z.object({ order_id: z.string().optional() }).loose().optional(),
      })
      .loose(),
  }),
});

/** Square's order, payment and refund events say which order to read; the job does the rest. */
const squareOrderTouched: WebhookProcessor = async (event, database, send) => {
  const parsed = squareOrderEvent.safeParse(event.payload);
  if (!parsed.success) return;
  const object = parsed.data.data.object;
  const change = object.order_updated ?? object.order_created;
  if (change?.state && change.state !== "COMPLETED") return;
  const orderId = change?.order_id ?? object.payment?.order_id ?? object.refund?.order_id;
  if (!orderId) return;
  const enabled = await database.sync.count({ where: { tenantId: event.tenantId, kind: "ACCOUNTING", enabled: true, sourceConnection: { provider: "SQUARE" } } });
  if (enabled === 0) return;
  await send(postSquareOrderJob, { tenantId: event.tenantId, orderId }, { priority: JobPriority.realtime });
};

export function registerSquareAccountingProcessors(): void {
  for (const topic of ["order.created", "order.updated", "payment.updated", "refund.created", "refund.updated"]) registerWebhookProcessor("SQUARE", topic, squareOrderTouched);
}

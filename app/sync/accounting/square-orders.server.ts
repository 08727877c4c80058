import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import type { SourceRefund, SourceSale } from "~/domain/accounting/source-sale";
import { mapSquareReturn, mapSquareSale } from "~/domain/accounting/square-order";
import { squareInventoryAccount } from "~/integrations/square/inventory.server";
import { readSquareOrderForBooks } from "~/integrations/square/orders.server";
import { defineJob, JobPriority } from "~/jobs/registry";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { registerWebhookProcessor, type WebhookProcessor } from "~/webhooks/processing.server";
import { dayOfLateSquareOrder, daySingletonKey, postSquareDayJob, type SquareDay } from "./daily-summaries.server";
import { findAccountingSync, postedSummary, postRecord, reportRecordProblems, type RecordPostingOptions, type RecordPostingOutcome } from "./record-posting.server";

/**
 * Square orders into QuickBooks, one order at a time (per-order posting): a completed sale becomes a sales receipt
 * (with a journal entry moving split payments to their accounts, and one for processing fees once Square has
 * charged them), a return order a refund receipt. Order and payment webhooks only say which order to read; the job
 * reads it whole from Square and posts what is not posted yet, so duplicate and late webhooks post nothing twice
 * and a fee that appears seconds after the sale is posted when its payment.updated arrives.
 *
 * When Square is posted as daily summaries (daily-summaries.server.ts) no order is posted on its own: an order
 * of a day already summarized (a late offline sale, a fee or a refund that completed after the day was posted)
 * runs that day again instead.
 */

export type SquareOrderOutcome = { outcome: "skipped"; reason: string; rerunDay?: SquareDay } | RecordPostingOutcome;

const issueFor = (tenantId: string, orderId: string) => ({
  key: `accounting-square-order:${orderId}`,
  label: `Square order ${orderId}`,
  retryJob: { name: "accounting.post-square-order", payload: { tenantId, orderId } },
});

export async function postSquareOrder(database: PrismaClient, tenantId: string, orderId: string, options: RecordPostingOptions = {}): Promise<SquareOrderOutcome> {
  const sync = await findAccountingSync(database, tenantId, "square");
  if (!sync) return { outcome: "skipped", reason: "accounting is off for Square" };
  if (sync.settings.posting.square !== "per_order") return dayOfLateSquareOrder(database, tenantId, sync, orderId);

  const read = await readSquareOrderForBooks(database, await squareInventoryAccount(database, tenantId), orderId);
  if (!read) return { outcome: "skipped", reason: "Square has no such order" };
  if (read.state !== "COMPLETED") return { outcome: "skipped", reason: `the order is ${read.state.toLowerCase()}` };

  const issue = issueFor(tenantId, orderId);
  let record: SourceSale | SourceRefund;
  if (read.isReturn) {
    const saleId = String((read.order.returns as { source_order_id?: string }[] | undefined)?.[0]?.source_order_id ?? "");
    // Which refund of the sale this is, for its DocNumber (-R1, -R2…): the refunds of the sale posted before it.
    const earlier = await database.accountingDocument.count({ where: { tenantId, source: "square", kind: "refund", sourceId: { not: orderId }, payload: { path: ["PrivateNote"], string_contains: saleId } } });
    const mapped = mapSquareReturn({ order: read.order, refunds: read.refunds, location: read.location, catalog: read.catalog, sequence: Math.min(99, earlier + 1) });
    if (!mapped.ok) return reportRecordProblems(database, { tenantId, sync, issue }, mapped.problems);
    record = mapped.value;
  } else {
    const mapped = mapSquareSale({ order: read.order, payments: read.payments, location: read.location, catalog: read.catalog });
    if (!mapped.ok) return reportRecordProblems(database, { tenantId, sync, issue }, mapped.problems);
    record = mapped.value;
  }
  return postRecord(database, { tenantId, sync, sourceId: orderId, record, location: read.location, issue }, options);
}

export const postSquareOrderJob = defineJob({
  name: "accounting.post-square-order",
  payload: z.object({ tenantId: z.uuid(), orderId: z.string().min(1).max(192) }).strict(),
  tenantOf: (payload) => payload.tenantId,
  // One order's postings take turns: the ledger rows of one order are written by one job at a time.
  orderingKey: (payload) => `accounting-square-order:${payload.orderId}`,
  // A QuickBooks or vendor blip passes in seconds: waits stay under two minutes, so a document is not held back for long.
  policy: { retryLimit: 10, retryDelaySeconds: 5, retryDelayMaxSeconds: 120, batchSize: 10, localConcurrency: 4 },
  async handle({ tenantId, orderId }, context) {
    const started = new Date();
    const result = await postSquareOrder(db(), tenantId, orderId);
    if (result.outcome === "skipped") {
      if (result.rerunDay) {
        await context.send(postSquareDayJob, result.rerunDay, { singletonKey: daySingletonKey(result.rerunDay), priority: JobPriority.realtime });
        context.logger.info({ orderId, ...result.rerunDay }, "late square order: its day's summary is run again");
      }
      return;
    }
    const posted = result.outcome === "posted" ? result.documents.filter((document) => document.outcome === "posted") : [];
    const failed = result.outcome === "posted" ? result.documents.filter((document) => document.outcome === "failed").length : 1;
    if (posted.length === 0 && failed === 0) return; // everything was posted before: a duplicate webhook
    const sync = await db().sync.findFirst({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SQUARE" } }, select: { id: true } });
    const run = await startSyncRun(db(), { tenantId, ...(sync && { syncId: sync.id }), kind: "accounting.post", trigger: "webhook" }, started);
    const numbers = result.outcome === "posted" ? postedSummary(result.documents) : "";
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

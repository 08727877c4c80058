import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import { mapShopifyRefund, mapShopifySale } from "~/domain/accounting/shopify-order";
import type { SourceRefund, SourceSale } from "~/domain/accounting/source-sale";
import { readShopifyOrderForBooks } from "~/integrations/shopify/orders.server";
import { defineJob, JobPriority } from "~/jobs/registry";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { registerWebhookProcessor, type WebhookProcessor } from "~/webhooks/processing.server";
import { accountingSyncSettings } from "./settings";
import { daySingletonKey, type SummaryDay } from "./daily-summaries.server";
import { findAccountingSync, postedSummary, postRecord, reportRecordProblems, type RecordPostingOptions, type RecordPostingOutcome, type RecordToPost } from "./record-posting.server";
import { dayOfLateShopifyOrder, postShopifyDayJob } from "./shopify-daily-summaries.server";
import { shopifyAdminAccount } from "~/integrations/shopify/admin-request.server";

/**
 * Shopify orders into QuickBooks, one order at a time (per-order posting): a paid order becomes a sales receipt
 * (with a journal entry moving split payments to their accounts, and one for Shopify Payments fees), each refund a
 * refund receipt tied to it. Webhooks only say which order or refund to read; the job reads it from the Admin API
 * and posts what is not posted yet (the ledger keys the sale by the Order gid and a refund by its Refund gid), so
 * duplicate, late and reordered webhooks post nothing twice.
 *
 * When Shopify is posted as daily summaries (shopify-daily-summaries.server.ts) no order is posted on its own: a
 * paid order or a refund of a day already summarized (paid late, uploaded late by an offline register) runs that
 * day again instead.
 */

export type ShopifyOrderOutcome = { outcome: "skipped"; reason: string; rerunDay?: SummaryDay } | (RecordPostingOutcome & { label: string });

/** Shopify's financial statuses of an order whose money was received (refunded ones were paid first). */
export const PAID_STATUSES: ReadonlySet<string> = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);
/** The same, as the REST webhook bodies write them. */
const PAID_WEBHOOK_STATUSES = new Set(["paid", "partially_refunded", "refunded"]);

const JOB_NAME = "accounting.post-shopify-order";

function issueFor(tenantId: string, orderId: string, refundId: string | undefined, orderName: string): RecordToPost["issue"] {
  const retryJob = { name: JOB_NAME, payload: { tenantId, orderId, ...(refundId && { refundId }) } };
  return refundId
    ? { key: `accounting-shopify-refund:${refundId}`, label: `A refund of Shopify order ${orderName}`, retryJob }
    : { key: `accounting-shopify-order:${orderId}`, label: `Shopify order ${orderName}`, retryJob };
}

/**
 * Posts the sale of Shopify order `orderId` (an Order gid), or with `refundId` (a Refund gid) that refund of it,
 * unless it is posted already. A refund is read with the order and all its refunds: its document number says
 * which refund of the order it is.
 */
export async function postShopifyOrder(database: PrismaClient, tenantId: string, orderId: string, refundId?: string, options: RecordPostingOptions = {}): Promise<ShopifyOrderOutcome> {
  const sync = await findAccountingSync(database, tenantId, "shopify");
  if (!sync) return { outcome: "skipped", reason: "accounting is off for Shopify" };
  if (sync.settings.posting.shopify !== "per_order") return dayOfLateShopifyOrder(database, tenantId, sync, orderId, refundId);

  const read = await readShopifyOrderForBooks(database, await shopifyAdminAccount(database, tenantId), orderId, { refunds: refundId !== undefined });
  if (!read) return { outcome: "skipped", reason: "Shopify does not show the order (deleted, or placed more than 60 days ago)" };
  if (read.test) return { outcome: "skipped", reason: "a test order" };
  if (!refundId && !PAID_STATUSES.has(read.financialStatus ?? "")) {
    // orders/paid comes when it is paid; until then there is nothing for the books.
    return { outcome: "skipped", reason: `the order is ${read.financialStatus?.toLowerCase().replace(/_/g, " ") ?? "not paid"}` };
  }

  const issue = issueFor(tenantId, orderId, refundId, read.name);
  const labelled = (outcome: RecordPostingOutcome): ShopifyOrderOutcome => ({ ...outcome, label: issue.label });
  if (read.unreadable.length > 0) return labelled(await reportRecordProblems(database, { tenantId, sync, issue }, read.unreadable));

  let record: SourceSale | SourceRefund;
  if (refundId) {
    const mapped = mapShopifyRefund({ order: read.order, timeZone: read.timeZone, refundId });
    if (!mapped.ok) return labelled(await reportRecordProblems(database, { tenantId, sync, issue }, mapped.problems));
    record = mapped.value;
  } else {
    const mapped = mapShopifySale({ order: read.order, timeZone: read.timeZone });
    if (!mapped.ok) return labelled(await reportRecordProblems(database, { tenantId, sync, issue }, mapped.problems));
    record = mapped.value;
  }
  return labelled(
    await postRecord(
      database,
      { tenantId, sync, sourceId: refundId ?? orderId, record, location: { ...read.location, timeZone: read.timeZone }, ...(refundId && read.buyer && { refundCustomer: read.buyer }), issue },
      options,
    ),
  );
}

const orderGid = z.string().regex(/^gid:\/\/shopify\/Order\/\d+$/, "a Shopify Order gid");
const refundGid = z.string().regex(/^gid:\/\/shopify\/Refund\/\d+$/, "a Shopify Refund gid");

export const postShopifyOrderJob = defineJob({
  name: JOB_NAME,
  payload: z.object({ tenantId: z.uuid(), orderId: orderGid, refundId: refundGid.optional() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  // An order's sale and refunds take turns: one job at a time writes the ledger rows (and the customer) of an order.
  orderingKey: (payload) => `accounting-shopify-order:${payload.orderId}`,
  // A QuickBooks or vendor blip passes in seconds: waits stay under two minutes, so a document is not held back for long.
  policy: { retryLimit: 10, retryDelaySeconds: 5, retryDelayMaxSeconds: 120, batchSize: 10, localConcurrency: 4 },
  async handle({ tenantId, orderId, refundId }, context) {
    const started = new Date();
    const result = await postShopifyOrder(db(), tenantId, orderId, refundId);
    if (result.outcome === "skipped") {
      if (result.rerunDay) {
        await context.send(postShopifyDayJob, result.rerunDay, { singletonKey: daySingletonKey(result.rerunDay), priority: JobPriority.realtime });
        context.logger.info({ orderId, refundId, ...result.rerunDay }, "late shopify order: its day's summary is run again");
      }
      return;
    }
    const posted = result.outcome === "posted" ? result.documents.filter((document) => document.outcome === "posted") : [];
    const failed = result.outcome === "posted" ? result.documents.filter((document) => document.outcome === "failed").length : 1;
    if (posted.length === 0 && failed === 0) return; // everything was posted before: a duplicate webhook
    const sync = await db().sync.findFirst({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SHOPIFY" } }, select: { id: true } });
    const run = await startSyncRun(db(), { tenantId, ...(sync && { syncId: sync.id }), kind: "accounting.post", trigger: "webhook" }, started);
    const numbers = result.outcome === "posted" ? postedSummary(result.documents) : "";
    await finishSyncRun(db(), tenantId, run.id, { counts: { read: 1, written: posted.length, skipped: 0, failed }, summary: numbers ? `${result.label}: ${numbers}` : result.label });
    context.logger.info({ orderId, refundId, posted: posted.length, failed }, "shopify order posted to QuickBooks");
  },
});

// The REST bodies of the order and refund topics: only what says which order or refund to read.
const restId = z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]);
const orderEvent = z
  .object({
    id: restId,
    admin_graphql_api_id: z.string().optional(),
    financial_status: z.string().nullish(),
    test: z.boolean().optional(),
    refunds: z.array(z.object({ id: restId, admin_graphql_api_id: z.string().optional() }).loose()).optional(),
  })
  .loose();
const refundEvent = z.object({ id: restId, admin_graphql_api_id: z.string().optional(), order_id: restId }).loose();

function gidOf(type: "Order" | "Refund", entry: { id: number | string; admin_graphql_api_id?: string | undefined }): string {
  const schema = type === "Order" ? orderGid : refundGid;
  return schema.safeParse(entry.admin_graphql_api_id).data ?? `gid://shopify/${type}/${entry.id}`;
}

async function postsShopify(database: PrismaClient, tenantId: string): Promise<boolean> {
  return (await database.sync.count({ where: { tenantId, kind: "ACCOUNTING", enabled: true, sourceConnection: { provider: "SHOPIFY" } } })) > 0;
}

/** Whether the tenant posts Shopify order by order (as opposed to daily summaries, or not at all). */
async function postsShopifyPerOrder(database: PrismaClient, tenantId: string): Promise<boolean> {
  const syncs = await database.sync.findMany({ where: { tenantId, kind: "ACCOUNTING", enabled: true, sourceConnection: { provider: "SHOPIFY" } }, select: { settings: true } });
  return syncs.some((sync) => accountingSyncSettings.safeParse(sync.settings).data?.posting.shopify === "per_order");
}

/** orders/paid: the order's money is in; post its sale. */
const orderPaid: WebhookProcessor = async (event, database, send) => {
  const parsed = orderEvent.safeParse(event.payload);
  if (!parsed.success || parsed.data.test) return;
  if (!(await postsShopify(database, event.tenantId))) return;
  await send(postShopifyOrderJob, { tenantId: event.tenantId, orderId: gidOf("Order", parsed.data) }, { priority: JobPriority.realtime });
};

/** refunds/create: post that refund. */
const refundCreated: WebhookProcessor = async (event, database, send) => {
  const parsed = refundEvent.safeParse(event.payload);
  if (!parsed.success) return;
  if (!(await postsShopify(database, event.tenantId))) return;
  const orderId = `gid://shopify/Order/${parsed.data.order_id}`;
  await send(postShopifyOrderJob, { tenantId: event.tenantId, orderId, refundId: gidOf("Refund", parsed.data) }, { priority: JobPriority.realtime });
};

/**
 * orders/updated comes for every change to an order (fulfilments, notes, tags as well as payments, refunds and
 * edits). It catches up on what the other topics should have brought (a paid sale or a refund with no ledger row
 * yet: its webhook was lost, or its job has not run), and runs a paid sale already posted again: an order edited
 * after posting (a line added or removed) becomes the next revision of its documents, and an order whose books
 * content did not change sends nothing. Daily summaries read each day from Shopify whole and have no rows per
 * order: there it brings nothing (a fulfilment would otherwise run a summarized day again), and orders/paid and
 * refunds/create carry late records.
 */
const orderUpdated: WebhookProcessor = async (event, database, send) => {
  const parsed = orderEvent.safeParse(event.payload);
  if (!parsed.success || parsed.data.test) return;
  if (!(await postsShopifyPerOrder(database, event.tenantId))) return;
  const orderId = gidOf("Order", parsed.data);
  const refundIds = (parsed.data.refunds ?? []).map((refund) => gidOf("Refund", refund));
  const known = await database.accountingDocument.findMany({
    where: { tenantId: event.tenantId, source: "shopify", sourceId: { in: [orderId, ...refundIds] } },
    select: { sourceId: true },
    distinct: ["sourceId"],
  });
  const posting = new Set(known.map((row) => row.sourceId));
  if (PAID_WEBHOOK_STATUSES.has(parsed.data.financial_status ?? "")) {
    await send(postShopifyOrderJob, { tenantId: event.tenantId, orderId }, { priority: JobPriority.realtime });
  }
  for (const refundId of refundIds) {
    if (!posting.has(refundId)) await send(postShopifyOrderJob, { tenantId: event.tenantId, orderId, refundId }, { priority: JobPriority.realtime });
  }
};

export function registerShopifyAccountingProcessors(): void {
  // authenticate/validate upper-cases Shopify topics: orders/paid arrives as ORDERS_PAID.
  registerWebhookProcessor("SHOPIFY", "ORDERS_PAID", orderPaid);
  registerWebhookProcessor("SHOPIFY", "ORDERS_UPDATED", orderUpdated);
  registerWebhookProcessor("SHOPIFY", "REFUNDS_CREATE", refundCreated);
}

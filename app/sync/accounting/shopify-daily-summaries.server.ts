import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import { mapShopifyRefund, mapShopifySale } from "~/domain/accounting/shopify-order";
import { businessDateOf, type SourceRefund, type SourceSale } from "~/domain/accounting/source-sale";
import { shopifyAdminAccount } from "~/integrations/shopify/admin-request.server";
import { listShopifyDayOrders, listShopifyLocationsForBooks, readShopifyOrderPlace, refundTime } from "~/integrations/shopify/day-orders.server";
import { readShopifyOrderForBooks } from "~/integrations/shopify/orders.server";
import { defineJob, JobPriority } from "~/jobs/registry";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import {
  businessDayWindow,
  dailySyncs,
  daySingletonKey,
  lateRecordDay,
  planDays,
  postDaySummary,
  queueDueDays,
  summaryDayPayload,
  type DayOptions,
  type DayOutcome,
  type DayPlan,
  type DaySource,
  type SummaryDay,
} from "./daily-summaries.server";
import { findAccountingSync } from "./record-posting.server";

/**
 * Shopify sales as daily summaries (decision 010), on the same machinery as Square's (daily-summaries.server.ts):
 * one QuickBooks JournalEntry per location and business day. A Shopify location is the retail location of a POS
 * sale, or the online store for every other order; the business day is the shop's calendar day in its IANA time
 * zone (Shopify's locations have none). Sales count on the day of their `processedAt`, refunds on the day they
 * were made.
 *
 * - Every hour a sweep plans, for each tenant summarizing Shopify by day, the closed days of the online store and
 *   of each active location (the same cursor as Square's, under its own key), and queues one job per location
 *   and day.
 * - The day job lists the day's orders cheaply (day-orders.server.ts), reads in full only those of its location,
 *   maps them with the per-order mappers, and posts the summary through the ledger; a day run again posts
 *   nothing when nothing changed.
 * - A late order (paid, or uploaded from an offline register, after its day was summarized) or a late refund
 *   runs its day again through the order job (shopify-orders.server.ts), which posts the changed day as the next
 *   revision, or as a correcting entry when the books are closed through that day.
 */

const POST_SHOPIFY_DAY_JOB = "accounting.post-shopify-day";

const SHOPIFY_DAYS: DaySource = {
  source: "shopify",
  jobName: POST_SHOPIFY_DAY_JOB,
  leftOutHint: (count) => `Press Retry once Shopify shows ${count === 1 ? "it" : "them"} paid in full.`,
};

// ---- Planning ----------------------------------------------------------------------------------------------------

/** The closed days of the online store and each active location not queued yet, and the cursor that records them. */
export async function planShopifyDays(database: PrismaClient, sync: { id: string; tenantId: string }, options: { now?: Date; graceMinutes?: number } = {}): Promise<DayPlan | null> {
  return planDays(database, sync, "shopify", async () => listShopifyLocationsForBooks(database, await shopifyAdminAccount(database, sync.tenantId)), options);
}

/** Plans the sync's closed Shopify days, queues a day job for each (through `send`), then records them as queued. */
export async function queueDueShopifyDays(
  database: PrismaClient,
  send: (day: SummaryDay) => Promise<unknown>,
  sync: { id: string; tenantId: string },
  options: { now?: Date; graceMinutes?: number } = {},
): Promise<SummaryDay[]> {
  return queueDueDays(database, "shopify", (plannedSync) => planShopifyDays(database, plannedSync, options), send, sync);
}

// ---- One location's day ------------------------------------------------------------------------------------------

const listedRefund = z.looseObject({ id: z.string(), createdAt: z.string().nullish(), processedAt: z.string().nullish() });
const orderRefunds = z.looseObject({ refunds: z.array(listedRefund).optional() });

/** Reads one location's business day from Shopify and posts (or corrects) its summary exactly once. */
export async function postShopifyDay(database: PrismaClient, day: SummaryDay, options: DayOptions = {}): Promise<DayOutcome> {
  const sync = await findAccountingSync(database, day.tenantId, "shopify");
  if (!sync) return { outcome: "skipped", reason: "accounting is off for Shopify" };
  if (sync.settings.posting.shopify !== "daily_summary") return { outcome: "skipped", reason: "Shopify orders are posted one at a time" };

  const shopify = await shopifyAdminAccount(database, day.tenantId);
  const location = (await listShopifyLocationsForBooks(database, shopify)).find((entry) => entry.id === day.locationId);
  if (!location) return { outcome: "skipped", reason: `Shopify has no location ${day.locationId}` };
  const label = `Shopify sales at ${location.name} on ${day.businessDate}`;
  const listed = await listShopifyDayOrders(database, shopify, businessDayWindow(day.businessDate, location.timeZone));
  const saleOrders = new Set(listed.sales.filter((order) => order.locationId === location.id).map((order) => order.orderId));
  const refundOrders = new Set(listed.refunds.filter((order) => order.locationId === location.id).map((order) => order.orderId));

  // Sales and refunds already in the books one by one (posted before the switch to daily summaries) stay out.
  const postedPerOrder = async (kind: "sale" | "refund", ids: string[]) =>
    new Set((await database.accountingDocument.findMany({ where: { tenantId: day.tenantId, source: "shopify", kind, sourceId: { in: ids } }, select: { sourceId: true } })).map((row) => row.sourceId));
  const salesPosted = await postedPerOrder("sale", [...saleOrders]);

  const sales: SourceSale[] = [];
  const refunds: SourceRefund[] = [];
  const leftOut: string[] = [];
  // One order at a time, in id order: each full read asks several hundred points of the shop's shared budget.
  for (const orderId of [...new Set([...saleOrders, ...refundOrders])].sort()) {
    const sale = saleOrders.has(orderId) && !salesPosted.has(orderId);
    const withRefunds = refundOrders.has(orderId);
    if (!sale && !withRefunds) continue;
    const read = await readShopifyOrderForBooks(database, shopify, orderId, { refunds: withRefunds });
    if (!read || read.test) continue;
    if (read.unreadable.length > 0) {
      leftOut.push(read.unreadable.join(" "));
      continue;
    }
    if (sale) {
      const mapped = mapShopifySale({ order: read.order, timeZone: read.timeZone });
      if (mapped.ok) sales.push(mapped.value);
      else leftOut.push(mapped.problems.join(" "));
    }
    if (!withRefunds) continue;
    const ofTheDay = (orderRefunds.parse(read.order).refunds ?? []).filter((refund) => {
      const at = refundTime(refund);
      return at !== null && businessDateOf(at, read.timeZone) === day.businessDate;
    });
    const refundsPosted = await postedPerOrder("refund", ofTheDay.map((refund) => refund.id));
    for (const refund of ofTheDay) {
      if (refundsPosted.has(refund.id)) continue;
      const mapped = mapShopifyRefund({ order: read.order, timeZone: read.timeZone, refundId: refund.id });
      if (mapped.ok) refunds.push(mapped.value);
      else leftOut.push(mapped.problems.join(" "));
    }
  }
  return postDaySummary(database, sync, SHOPIFY_DAYS, day, { location, label, sales, refunds, leftOut }, options);
}

// ---- Late orders and refunds -------------------------------------------------------------------------------------

/**
 * In daily mode no Shopify order or refund is posted on its own. When the order's sale (or, with `refundId`, that
 * refund) belongs to a day already summarized, that day is run again; otherwise its day's summary will hold it.
 */
export async function dayOfLateShopifyOrder(
  database: PrismaClient,
  tenantId: string,
  sync: { id: string },
  orderId: string,
  refundId?: string,
): Promise<{ outcome: "skipped"; reason: string; rerunDay?: SummaryDay }> {
  const place = await readShopifyOrderPlace(database, await shopifyAdminAccount(database, tenantId), orderId);
  if (!place) return { outcome: "skipped", reason: "Shopify does not show the order (deleted, or placed more than 60 days ago)" };
  if (place.test) return { outcome: "skipped", reason: "a test order" };
  let occurredAt: string;
  if (refundId) {
    const refund = place.refunds.find((entry) => entry.id === refundId);
    if (!refund?.occurredAt) return { outcome: "skipped", reason: "Shopify does not list the refund on its order" };
    occurredAt = refund.occurredAt;
  } else {
    if (!place.paid) return { outcome: "skipped", reason: `the order is ${place.financialStatus?.toLowerCase().replace(/_/g, " ") ?? "not paid"}` };
    occurredAt = place.processedAt;
  }
  return lateRecordDay(database, { tenantId, source: "shopify", sync }, place.locationId, occurredAt);
}

// ---- Jobs ------------------------------------------------------------------------------------------------------

export const postShopifyDayJob = defineJob({
  name: POST_SHOPIFY_DAY_JOB,
  payload: summaryDayPayload,
  tenantOf: (payload) => payload.tenantId,
  // One run of a day at a time: its ledger rows (the summary and its corrections) are written by one job.
  orderingKey: (payload) => `accounting-shopify-day:${daySingletonKey(payload)}`,
  // A busy day reads hundreds of orders one by one at the pace of the shop's cost budget.
  policy: { retryLimit: 10, retryDelaySeconds: 5, retryDelayMaxSeconds: 900, expireInSeconds: 1800, batchSize: 5, localConcurrency: 2 },
  async handle(day, context) {
    const started = new Date();
    const result = await postShopifyDay(db(), day);
    context.logger.info({ locationId: day.locationId, businessDate: day.businessDate, outcome: result.outcome }, "shopify day summarized");
    if (result.outcome !== "posted" && result.outcome !== "failed") return;
    const sync = await db().sync.findFirst({ where: { tenantId: day.tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SHOPIFY" } }, select: { id: true } });
    const run = await startSyncRun(db(), { tenantId: day.tenantId, ...(sync && { syncId: sync.id }), kind: "accounting.daily-summary", trigger: "schedule" }, started);
    const summary =
      result.outcome === "posted"
        ? `Shopify ${day.businessDate} at location ${day.locationId}: ${result.docNumber} ${result.how} (${result.sales} sales, ${result.refunds} refunds)`
        : `Shopify ${day.businessDate} at location ${day.locationId}: not posted`;
    await finishSyncRun(db(), day.tenantId, run.id, {
      counts: { read: result.outcome === "posted" ? result.sales + result.refunds : 0, written: result.outcome === "posted" ? 1 : 0, skipped: result.outcome === "posted" ? result.leftOut.length : 0, failed: result.outcome === "failed" ? 1 : 0 },
      summary,
    });
  },
});

/** One tenant's plan: the Shopify days that closed since the last one, each queued as a day job. */
export const planShopifyDaysJob = defineJob({
  name: "accounting.plan-shopify-days",
  payload: z.object({ tenantId: z.uuid(), syncId: z.uuid() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  orderingKey: (payload) => `accounting-shopify-days:${payload.syncId}`,
  policy: { retryLimit: 5, retryDelaySeconds: 30, retryDelayMaxSeconds: 900, batchSize: 5, localConcurrency: 1 },
  async handle({ tenantId, syncId }, context) {
    const due = await queueDueShopifyDays(db(), (day) => context.send(postShopifyDayJob, day, { singletonKey: daySingletonKey(day), priority: JobPriority.normal }), { id: syncId, tenantId });
    if (due.length > 0) context.logger.info({ days: due.length }, "shopify days queued for their summaries");
  },
});

/** Every hour: each tenant summarizing Shopify sales by day plans its closed days. */
export const sweepShopifyDaysJob = defineJob({
  name: "accounting.sweep-shopify-days",
  payload: z.object({}).strict(),
  schedule: "10 * * * *",
  policy: { retryLimit: 1, batchSize: 1, localConcurrency: 1 },
  async handle(_payload, context) {
    for (const sync of await dailySyncs(db(), "shopify")) {
      await context.send(planShopifyDaysJob, { tenantId: sync.tenantId, syncId: sync.id }, { singletonKey: sync.id });
    }
  },
});

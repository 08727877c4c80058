import type { PrismaClient } from "~/db.server";
import { mapShopifyRefund, mapShopifySale, ONLINE_STORE_LOCATION } from "~/domain/accounting/shopify-order";
import { businessDateOf, type SourceRefund, type SourceSale } from "~/domain/accounting/source-sale";
import { listShopifyOrdersChangedSince, ONLINE_STORE_NAME, readShopifyOrderForBooks, type ShopifyChangedOrder } from "~/integrations/shopify/orders.server";
import { JobPriority, type JobContext } from "~/jobs/registry";
import { wholeBusinessDays } from "./business-time";
import { compareLocationDays, locationsWithOpenIssues, type AccountingReconciliationResult } from "./day-comparison.server";
import type { AccountingSyncSettings } from "./settings";
import { PAID_STATUSES, postShopifyOrderJob } from "./shopify-orders.server";
import { shopifyAdminAccount } from "~/integrations/shopify/admin-request.server";

/**
 * The daily reconciliation of a Shopify accounting sync (reconciliation.server.ts runs it):
 *
 *  1. Shopify's orders updated in the look-back window are listed again (Admin GraphQL `orders` by updated_at,
 *     page by page within the shop's cost budget). With per-order posting, a paid order without its posted sales
 *     receipt, and a refund without its posted refund receipt, go to `accounting.post-shopify-order`, which posts
 *     what is missing: their webhooks were lost, or their job gave up.
 *  2. The shop's whole business days in the window (the shop's time zone: Shopify's locations have none) are
 *     compared per location (the order's POS location, else the online store): each order with a sale or a
 *     refund on those days is read in full, mapped as the posting job maps it, and the records are compared with
 *     the ledger's posted documents (day-comparison.server.ts). Days with records sent for posting just now are
 *     left for the next run.
 */

type Sync = { id: string; tenantId: string };

/** Which sales and refunds of these orders have no posted receipt in the ledger. */
async function recordsToPost(database: PrismaClient, tenantId: string, orders: readonly ShopifyChangedOrder[]): Promise<{ order: ShopifyChangedOrder; refundId?: string }[]> {
  const paid = orders.filter((order) => PAID_STATUSES.has(order.financialStatus ?? ""));
  const ids = paid.flatMap((order) => [order.id, ...order.refunds.map((refund) => refund.id)]);
  if (ids.length === 0) return [];
  const posted = new Set(
    (await database.accountingDocument.findMany({ where: { tenantId, source: "shopify", sourceId: { in: ids }, kind: { in: ["sale", "refund"] }, status: "POSTED" }, select: { sourceId: true } })).map(
      (row) => row.sourceId,
    ),
  );
  return paid.flatMap((order) => [
    ...(posted.has(order.id) ? [] : [{ order }]),
    ...order.refunds.filter((refund) => !posted.has(refund.id)).map((refund) => ({ order, refundId: refund.id })),
  ]);
}

export async function reconcileShopifyOrders(
  database: PrismaClient,
  context: Pick<JobContext, "send">,
  input: { sync: Sync; settings: AccountingSyncSettings; from: Date; to: Date },
  result: AccountingReconciliationResult,
): Promise<void> {
  const { sync, settings } = input;
  const tenantId = sync.tenantId;
  const account = await shopifyAdminAccount(database, tenantId);
  const listed = await listShopifyOrdersChangedSince(database, account, input.from);
  const timeZone = listed.timeZone;
  result.ordersRead += listed.orders.length;
  // Test orders never reach the books.
  const orders = listed.orders.filter((order) => !order.test);
  const saleDay = (order: ShopifyChangedOrder) => businessDateOf(order.processedAt, timeZone);
  const refundDay = (refund: { processedAt: string }) => businessDateOf(refund.processedAt, timeZone);

  const deferred = new Set<string>();
  if (settings.posting.shopify === "per_order") {
    for (const { order, refundId } of await recordsToPost(database, tenantId, orders)) {
      await context.send(postShopifyOrderJob, { tenantId, orderId: order.id, ...(refundId && { refundId }) }, { priority: JobPriority.normal });
      result.ordersSent += 1;
      const refund = order.refunds.find((entry) => entry.id === refundId);
      deferred.add(refund ? refundDay(refund) : saleDay(order));
    }
  } else {
    // Daily summaries: a late order re-runs its day's summary, which the summary job owns; nothing is sent per
    // order here. The comparison below is the same either way (a summary covers every record of its day).
  }

  const days = wholeBusinessDays(input.from, input.to, timeZone);
  const compared = days.filter((day) => !deferred.has(day));
  result.daysDeferred += days.length - compared.length;
  if (compared.length === 0) return;

  // Each order with a sale or a refund on a compared day, read in full and mapped as the posting job maps it.
  const sales: SourceSale[] = [];
  const refunds: SourceRefund[] = [];
  const notes = new Map<string, Map<string, string[]>>();
  const note = (locationId: string, day: string, text: string) => {
    const ofLocation = notes.get(locationId) ?? new Map<string, string[]>();
    ofLocation.set(day, [...(ofLocation.get(day) ?? []), text]);
    notes.set(locationId, ofLocation);
  };
  const names = new Map<string, string>([[ONLINE_STORE_LOCATION, ONLINE_STORE_NAME]]);
  for (const listedOrder of orders) {
    const saleOnDay = PAID_STATUSES.has(listedOrder.financialStatus ?? "") && compared.includes(saleDay(listedOrder));
    const refundsOnDays = listedOrder.refunds.filter((refund) => compared.includes(refundDay(refund)));
    if (!saleOnDay && refundsOnDays.length === 0) continue;
    // One order at a time: each read asks for a few hundred points of the shop's budget, which the other syncs share.
    const read = await readShopifyOrderForBooks(database, account, listedOrder.id, { refunds: refundsOnDays.length > 0 });
    if (!read || read.test) continue; // deleted since it was listed: the next run compares its days without it
    names.set(read.location.id, read.location.name);
    const daysOfOrder = [...(saleOnDay ? [saleDay(listedOrder)] : []), ...refundsOnDays.map(refundDay)];
    if (read.unreadable.length > 0) {
      for (const day of new Set(daysOfOrder)) note(read.location.id, day, `Shopify order ${read.name} cannot be read for the books: ${read.unreadable.join(" ")}`);
      continue;
    }
    if (saleOnDay && PAID_STATUSES.has(read.financialStatus ?? "")) {
      const mapped = mapShopifySale({ order: read.order, timeZone: read.timeZone });
      if (mapped.ok) sales.push(mapped.value);
      else note(read.location.id, saleDay(listedOrder), `Shopify order ${read.name} cannot be read for the books: ${mapped.problems.join(" ")}`);
    }
    for (const refund of refundsOnDays) {
      const mapped = mapShopifyRefund({ order: read.order, timeZone: read.timeZone, refundId: refund.id });
      if (mapped.ok) refunds.push(mapped.value);
      else note(read.location.id, refundDay(refund), `A refund of Shopify order ${read.name} cannot be read for the books: ${mapped.problems.join(" ")}`);
    }
  }

  // Every location with records, with posted documents, or with a difference still open on one of these days.
  const ledgerLocations = await database.accountingDocument.findMany({
    where: { tenantId, source: "shopify", status: "POSTED", txnDate: { in: compared } },
    select: { locationId: true },
    distinct: ["locationId"],
  });
  const locations = new Set([
    ...sales.map((sale) => sale.locationId),
    ...refunds.map((refund) => refund.locationId),
    ...notes.keys(),
    ...ledgerLocations.map((row) => row.locationId ?? ONLINE_STORE_LOCATION),
    ...(await locationsWithOpenIssues(database, tenantId, "shopify")),
  ]);
  for (const locationId of [...locations].sort()) {
    const location = { id: locationId, name: names.get(locationId) ?? `Shopify location ${locationId.split("/").at(-1) ?? locationId}` };
    const outcome = await compareLocationDays(database, { sync, settings, source: "shopify", location, days: compared, sales, refunds, notes: notes.get(locationId) ?? new Map() });
    result.daysCompared += outcome.compared;
    result.daysWithDifferences += outcome.withDifferences;
  }
}

import { db, type PrismaClient } from "~/db.server";
import { businessDateOf, SOURCE_NAMES, type Source, type SourceRefund, type SourceSale } from "~/domain/accounting/source-sale";
import { mapSquareReturn, mapSquareSale } from "~/domain/accounting/square-order";
import { squareInventoryAccount } from "~/integrations/square/inventory.server";
import { listSquareLocations, readSquareOrdersForBooks, searchSquareOrders, type SquareLocationSummary } from "~/integrations/square/order-search.server";
import { JobPriority, type JobContext } from "~/jobs/registry";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { registerReconciler } from "~/sync/schedules.server";
import { wholeBusinessDays } from "./business-time";
import { compareLocationDays, LOOK_BACK_HOURS, type AccountingReconciliationResult } from "./day-comparison.server";
import { reviveStalledImports } from "./import.server";
import { findAccountingSync } from "./record-posting.server";
import type { AccountingSyncSettings } from "./settings";
import { reconcileShopifyOrders } from "./shopify-reconciliation.server";
import { postSquareOrderJob } from "./square-orders.server";

/**
 * The accounting sync's daily reconciliation, for a Square or a Shopify sync (the sync's source connection says
 * which):
 *
 *  1. The source's orders changed in the last 72 hours are read again. Square takes sales made offline up to 72
 *     hours late, and any webhook may never come; so a sale or refund without a posted receipt (for Square also
 *     an order changed since its documents were posted: a processing fee that came later) is sent to the
 *     per-order posting job, which posts exactly what is missing. Shopify's side is shopify-reconciliation.server.ts.
 *  2. For each location, the business days the window saw whole (midnight to midnight in the location's time
 *     zone; for Shopify, the shop's) are compared: the records the source has against the documents the ledger
 *     holds as posted, account by account (day-comparison.server.ts, shared by both sources). A day with orders
 *     sent for posting just now is left for the next run, when they are in. A day that does not match becomes
 *     one SyncIssue with the amounts in words; a day that matches resolves it.
 *
 * Runs once a day by default (ACCOUNTING_RECONCILIATION_CRON); the merchant can run it again from the issue.
 */

export const ACCOUNTING_RECONCILIATION_CRON = "0 6 * * *";
export { LOOK_BACK_HOURS, type AccountingReconciliationResult } from "./day-comparison.server";
const SEARCH_PAGE = 500;

/** The closing instant of an order, when Square gives one. */
function closedAt(order: Record<string, unknown>): string | null {
  const value = order.closed_at ?? order.created_at;
  return typeof value === "string" ? value : null;
}

function updatedAt(order: Record<string, unknown>): number {
  return typeof order.updated_at === "string" ? Date.parse(order.updated_at) : 0;
}

/** Every completed order of a location changed in the window, oldest change first. */
async function ordersChangedAt(database: PrismaClient, account: Awaited<ReturnType<typeof squareInventoryAccount>>, locationId: string, from: Date, to: Date): Promise<Record<string, unknown>[]> {
  const orders: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const page = await searchSquareOrders(database, account, { locationIds: [locationId], field: "updated_at", startAt: from.toISOString(), endAt: to.toISOString() }, { cursor, limit: SEARCH_PAGE });
    orders.push(...page.orders);
    cursor = page.cursor;
  } while (cursor);
  return orders;
}

/**
 * Which orders need the posting job: no posted receipt yet, or changed after the last of their documents was
 * posted (Square adds processing fees some seconds after a sale).
 */
async function ordersToPost(database: PrismaClient, tenantId: string, orders: readonly Record<string, unknown>[]): Promise<string[]> {
  const ids = orders.map((order) => String(order.id));
  if (ids.length === 0) return [];
  const rows = await database.accountingDocument.findMany({ where: { tenantId, source: "square", sourceId: { in: ids } }, select: { sourceId: true, kind: true, status: true, postedAt: true } });
  return orders
    .filter((order) => {
      const own = rows.filter((row) => row.sourceId === order.id);
      if (!own.some((row) => (row.kind === "sale" || row.kind === "refund") && row.status === "POSTED")) return true;
      const lastPosted = Math.max(...own.map((row) => row.postedAt?.getTime() ?? 0));
      return updatedAt(order) > lastPosted;
    })
    .map((order) => String(order.id));
}

/** Re-reads, sends what is missing, and compares one location's whole days. */
async function reconcileLocation(
  database: PrismaClient,
  context: Pick<JobContext, "send">,
  input: { sync: { id: string; tenantId: string }; settings: AccountingSyncSettings; account: Awaited<ReturnType<typeof squareInventoryAccount>>; location: SquareLocationSummary; from: Date; to: Date },
  result: AccountingReconciliationResult,
): Promise<void> {
  const { sync, settings, location } = input;
  const tenantId = sync.tenantId;
  const orders = await ordersChangedAt(database, input.account, location.id, input.from, input.to);
  result.ordersRead += orders.length;
  const toPost = new Set(await ordersToPost(database, tenantId, orders));
  for (const orderId of toPost) await context.send(postSquareOrderJob, { tenantId, orderId }, { priority: JobPriority.normal });
  result.ordersSent += toPost.size;

  const days = wholeBusinessDays(input.from, input.to, location.timeZone);
  const dayOf = (order: Record<string, unknown>) => {
    const at = closedAt(order);
    return at ? businessDateOf(at, location.timeZone) : null;
  };
  const deferred = new Set(orders.filter((order) => toPost.has(String(order.id))).map(dayOf));
  const compared = days.filter((day) => !deferred.has(day));
  result.daysDeferred += days.length - compared.length;
  if (compared.length === 0) return;

  const onComparedDays = orders.filter((order) => compared.includes(dayOf(order) ?? ""));
  const read = await readSquareOrdersForBooks(database, input.account, onComparedDays, { paymentsChangedSince: input.from.toISOString(), locations: [location] });
  const sales: SourceSale[] = [];
  const refunds: SourceRefund[] = [];
  const unmapped = new Map<string, string[]>();
  for (const entry of read) {
    const mapped = entry.isReturn
      ? mapSquareReturn({ order: entry.order, refunds: entry.refunds, location: entry.location, catalog: entry.catalog, sequence: 1 })
      : mapSquareSale({ order: entry.order, payments: entry.payments, location: entry.location, catalog: entry.catalog });
    if (mapped.ok) {
      if ("refundId" in mapped.value) refunds.push(mapped.value);
      else sales.push(mapped.value);
    } else {
      const day = dayOf(entry.order) ?? "";
      unmapped.set(day, [...(unmapped.get(day) ?? []), `Square order ${String(entry.order.id)} cannot be read for the books: ${mapped.problems.join(" ")}`]);
    }
  }
  const outcome = await compareLocationDays(database, { sync, settings, source: "square", location, days: compared, sales, refunds, notes: unmapped });
  result.daysCompared += outcome.compared;
  result.daysWithDifferences += outcome.withDifferences;
}

const SOURCES_BY_PROVIDER: Record<string, Source> = { SQUARE: "square", SHOPIFY: "shopify" };

/** Square: every location's orders read again, what is missing sent, and its whole days compared. */
async function reconcileSquareOrders(
  database: PrismaClient,
  context: Pick<JobContext, "send">,
  input: { sync: { id: string; tenantId: string }; settings: AccountingSyncSettings; from: Date; to: Date },
  result: AccountingReconciliationResult,
): Promise<void> {
  const account = await squareInventoryAccount(database, input.sync.tenantId);
  for (const location of await listSquareLocations(database, account)) {
    await reconcileLocation(database, context, { ...input, account, location }, result);
  }
}

export async function reconcileAccountingSync(
  database: PrismaClient,
  context: Pick<JobContext, "send" | "logger">,
  sync: { id: string; tenantId: string },
  now = new Date(),
): Promise<AccountingReconciliationResult | null> {
  const tenantId = sync.tenantId;
  const row = await database.sync.findFirst({ where: { id: sync.id, tenantId, kind: "ACCOUNTING" }, select: { sourceConnection: { select: { provider: true } } } });
  const source = row ? SOURCES_BY_PROVIDER[row.sourceConnection.provider] : undefined;
  if (!source) {
    context.logger.info({ syncId: sync.id }, "accounting reconciliation covers Square and Shopify syncs");
    return null;
  }
  const found = await findAccountingSync(database, tenantId, source);
  if (!found || found.id !== sync.id) return null;
  if (source === "square" && found.settings.posting.square !== "per_order") {
    context.logger.info({ syncId: sync.id }, "daily summaries are reconciled when they are posted; nothing to do here");
    return null;
  }

  // A daily run is also the moment to pick up an import whose steps stopped.
  await reviveStalledImports(database, context, tenantId, now);

  const from = new Date(now.getTime() - LOOK_BACK_HOURS * 3600 * 1000);
  const run = await startSyncRun(database, { tenantId, syncId: sync.id, kind: "accounting.reconcile", trigger: "schedule" }, now);
  const result: AccountingReconciliationResult = { ordersRead: 0, ordersSent: 0, daysCompared: 0, daysWithDifferences: 0, daysDeferred: 0 };
  const counts = () => ({ read: result.ordersRead, written: result.ordersSent, skipped: result.daysDeferred, failed: result.daysWithDifferences });
  try {
    const input = { sync, settings: found.settings, from, to: now };
    if (source === "square") await reconcileSquareOrders(database, context, input, result);
    else await reconcileShopifyOrders(database, context, input, result);
  } catch (error) {
    await finishSyncRun(database, tenantId, run.id, { counts: counts(), error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  const days = (count: number) => `${count} ${count === 1 ? "day" : "days"}`;
  await finishSyncRun(database, tenantId, run.id, {
    counts: counts(),
    summary:
      `${SOURCE_NAMES[source]} orders of the last ${LOOK_BACK_HOURS} hours: ${result.ordersRead} read, ${result.ordersSent} sent to be posted; ` +
      `${days(result.daysCompared)} compared, ${result.daysWithDifferences} with differences` +
      (result.daysDeferred > 0 ? `, ${days(result.daysDeferred)} left for the next run (orders being posted)` : ""),
  });
  context.logger.info({ syncId: sync.id, source, ...result }, "accounting reconciled");
  return result;
}

export function registerAccountingReconciler(): void {
  registerReconciler("ACCOUNTING", async (sync, context) => {
    await reconcileAccountingSync(db(), context, sync);
  });
}

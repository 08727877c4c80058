import type { PrismaClient } from "~/db.server";
import type { Source } from "~/domain/accounting/source-sale";
import { readShopifyTimeZone } from "~/integrations/shopify/day-orders.server";
import { countShopifyOrdersPage, searchShopifyOrders } from "~/integrations/shopify/order-search.server";
import { squareInventoryAccount } from "~/integrations/square/inventory.server";
import { listSquareLocations, MAX_SEARCH_PAGE, searchSquareOrderEntries, searchSquareOrders, type SquareOrderQuery } from "~/integrations/square/order-search.server";
import type { JobContext } from "~/jobs/registry";
import { JobPriority } from "~/jobs/registry";
import { firstWholeDayWithin, startOfBusinessDay } from "./business-time";
import { findAccountingSync } from "./record-posting.server";
import { postShopifyOrderJob } from "./shopify-orders.server";
import { postSquareOrderJob } from "./square-orders.server";
import { shopifyAdminAccount } from "~/integrations/shopify/admin-request.server";

/**
 * What a historical import (import.server.ts) needs to know of the channel it imports: how to find and count its
 * orders, which job posts one, which problems name one, and what keeps the import from going on. The import itself
 * (pacing, its place in the row, waiting for the ledger, pausing) is the same for every channel.
 *
 * An order is imported as a whole: its sale and, for Shopify, the refunds it lists (Square's returns are orders of
 * their own). Every one of them is a ledger row keyed by the channel's id (the order gid, the refund gid for a
 * Shopify refund), so the import settles an order once each of them has an outcome.
 */

/** A search of the import's range: one per Square location (each from its own midnight), one for a Shopify shop. */
export interface ImportLane {
  /** The Square location; for Shopify, the shop's one lane ("shop"). */
  locationId: string;
  startAt: string;
}

export interface ImportOrder {
  id: string;
  /** The order's refunds that are posted on their own (Shopify); empty for Square. */
  refundIds: string[];
}

export type ImportPlan = { ok: true; lanes: ImportLane[] } | { ok: false; message: string };

export interface ImportSourceParts {
  source: Source;
  /** The channel's name as the merchant reads it. */
  name: string;
  /** The job that posts one order (or one of its refunds) and the orderId in its payload. */
  postJobName: string;
  /** What keeps the import from going on, on the channel's side (null: nothing), in the merchant's words. */
  whatBlocks(database: PrismaClient, tenantId: string): Promise<string | null>;
  /** The searches of an import from `startDate`, or why that start date cannot be imported. Throws the job errors. */
  plan(database: PrismaClient, tenantId: string, startDate: string, now: Date): Promise<ImportPlan>;
  /** One count page: how many orders it holds and the cursor of the next (null: the lane is done). */
  countPage(database: PrismaClient, tenantId: string, lane: ImportLane, endAt: string, cursor: string | null): Promise<{ found: number; cursor: string | null }>;
  /** One page of orders to post, oldest first, and the cursor of the next (null: the lane is done). */
  readPage(database: PrismaClient, tenantId: string, lane: ImportLane, endAt: string, cursor: string | null, limit: number): Promise<{ orders: ImportOrder[]; cursor: string | null }>;
  /** Sends the order's posting jobs (its sale and its refunds). */
  send(context: Pick<JobContext, "send">, tenantId: string, order: ImportOrder): Promise<void>;
  /** The keys of the problems (SyncIssue) that say a sale or a refund could not be posted. */
  problemKeys(recordId: string, kind: "sale" | "refund"): string[];
}

const COUNT_PAGE_SIZE = MAX_SEARCH_PAGE;

function squareQuery(lane: ImportLane, endAt: string): SquareOrderQuery {
  return { locationIds: [lane.locationId], field: "closed_at", startAt: lane.startAt, endAt };
}

/** Accounting on for the channel with one receipt per order: the import posts each order as its own receipt. */
async function perOrderBlocker(database: PrismaClient, tenantId: string, source: Source, name: string): Promise<string | null> {
  const sync = await findAccountingSync(database, tenantId, source);
  if (!sync) return `Accounting is off for ${name}. Turn it on again to continue the import where it stopped.`;
  if (sync.settings.posting[source] !== "per_order") return `${name} sales are now posted as daily summaries, and the import posts one receipt per order. Switch back to one receipt per order to continue.`;
  return null;
}

async function connectionBlocker(database: PrismaClient, tenantId: string, provider: "SQUARE" | "SHOPIFY", name: string): Promise<string | null> {
  const connection = await database.connection.findUnique({ where: { tenantId_provider: { tenantId, provider } }, select: { status: true } });
  return connection?.status === "ACTIVE" ? null : `${name} no longer accepts Tillbridge's access. Reconnect ${name} under Connections: the import continues where it stopped.`;
}

const square: ImportSourceParts = {
  source: "square",
  name: "Square",
  postJobName: postSquareOrderJob.name,
  async whatBlocks(database, tenantId) {
    return (await connectionBlocker(database, tenantId, "SQUARE", "Square")) ?? perOrderBlocker(database, tenantId, "square", "Square");
  },
  async plan(database, tenantId, startDate, now) {
    const locations = await listSquareLocations(database, await squareInventoryAccount(database, tenantId));
    const lanes = locations
      .map((location) => ({ locationId: location.id, startAt: startOfBusinessDay(startDate, location.timeZone) }))
      .filter((lane) => Date.parse(lane.startAt) < now.getTime())
      .sort((a, b) => a.locationId.localeCompare(b.locationId));
    return { ok: true, lanes };
  },
  async countPage(database, tenantId, lane, endAt, cursor) {
    const { entries, cursor: next } = await searchSquareOrderEntries(database, await squareInventoryAccount(database, tenantId), squareQuery(lane, endAt), { cursor, limit: COUNT_PAGE_SIZE });
    return { found: entries.length, cursor: next };
  },
  async readPage(database, tenantId, lane, endAt, cursor, limit) {
    const { orders, cursor: next } = await searchSquareOrders(database, await squareInventoryAccount(database, tenantId), squareQuery(lane, endAt), { cursor, limit });
    const ids = [...new Set(orders.map((order) => (typeof order.id === "string" ? order.id : "")).filter(Boolean))];
    return { orders: ids.map((id) => ({ id, refundIds: [] })), cursor: next };
  },
  async send(context, tenantId, order) {
    await context.send(postSquareOrderJob, { tenantId, orderId: order.id }, { priority: JobPriority.backfill });
  },
  problemKeys: (recordId) => [`accounting-square-order:${recordId}`, `square-order:${recordId}`],
};

/** Shopify shows an app only the orders of the last 60 days unless it holds the read_all_orders scope. */
export const SHOPIFY_ORDER_WINDOW_DAYS = 60;

/**
 * The first business day a Shopify import may start on without read_all_orders: the first whole day inside
 * Shopify's 60-day window (the window moves on while the import runs, but the oldest orders are read first).
 */
export function earliestShopifyStartDate(now: Date, timeZone: string): string {
  return firstWholeDayWithin(now, SHOPIFY_ORDER_WINDOW_DAYS, timeZone);
}

/** Whether the shop granted Tillbridge all its orders (read_all_orders), as the connection last recorded its scopes. */
export async function shopifyReadsAllOrders(database: PrismaClient, tenantId: string): Promise<boolean> {
  const connection = await database.connection.findUnique({ where: { tenantId_provider: { tenantId, provider: "SHOPIFY" } }, select: { scopes: true } });
  return connection?.scopes.includes("read_all_orders") ?? false;
}

const SHOP_LANE = "shop";

const shopify: ImportSourceParts = {
  source: "shopify",
  name: "Shopify",
  postJobName: postShopifyOrderJob.name,
  async whatBlocks(database, tenantId) {
    return (await connectionBlocker(database, tenantId, "SHOPIFY", "Shopify")) ?? perOrderBlocker(database, tenantId, "shopify", "Shopify");
  },
  async plan(database, tenantId, startDate, now) {
    const timeZone = await readShopifyTimeZone(database, await shopifyAdminAccount(database, tenantId));
    if (!(await shopifyReadsAllOrders(database, tenantId))) {
      const earliest = earliestShopifyStartDate(now, timeZone);
      if (startDate < earliest) {
        return {
          ok: false,
          message: `Shopify shows Tillbridge only the last ${SHOPIFY_ORDER_WINDOW_DAYS} days of orders (older ones need Shopify's read_all_orders permission, which Tillbridge does not have). Choose ${earliest} or later as the first day to import.`,
        };
      }
    }
    const startAt = startOfBusinessDay(startDate, timeZone);
    return { ok: true, lanes: Date.parse(startAt) < now.getTime() ? [{ locationId: SHOP_LANE, startAt }] : [] };
  },
  async countPage(database, tenantId, lane, endAt, cursor) {
    return countShopifyOrdersPage(database, await shopifyAdminAccount(database, tenantId), { startAt: lane.startAt, endAt }, cursor);
  },
  async readPage(database, tenantId, lane, endAt, cursor, limit) {
    return searchShopifyOrders(database, await shopifyAdminAccount(database, tenantId), { startAt: lane.startAt, endAt }, { after: cursor, first: limit });
  },
  async send(context, tenantId, order) {
    await context.send(postShopifyOrderJob, { tenantId, orderId: order.id }, { priority: JobPriority.backfill });
    for (const refundId of order.refundIds) await context.send(postShopifyOrderJob, { tenantId, orderId: order.id, refundId }, { priority: JobPriority.backfill });
  },
  problemKeys: (recordId, kind) => [kind === "refund" ? `accounting-shopify-refund:${recordId}` : `accounting-shopify-order:${recordId}`],
};

export const IMPORT_SOURCE_PARTS = { square, shopify } as const satisfies Record<Source, ImportSourceParts>;

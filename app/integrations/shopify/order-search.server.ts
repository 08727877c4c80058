import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { shopifyAdminRequest, type ShopifyAdminAccount } from "./admin-request.server";

/**
 * Finding Shopify orders in bulk, for a historical import: the paid orders processed in a time range, oldest first,
 * with the ids of their refunds. Admin GraphQL `orders(query: "processed_at:>=START processed_at:<=END", sortKey:
 * PROCESSED_AT)`, paged by cursor; the caller keeps the cursor (the import keeps it in its row).
 *
 * Only paid orders (paid, partially refunded, refunded) that are not test orders are listed: they are the ones the
 * per-order posting job posts (app/sync/accounting/shopify-orders.server.ts), so the import waits for nothing that
 * will never be posted. Without the read_all_orders scope Shopify lists only the last 60 days of orders.
 */

/** Orders a counting request reads (light nodes: id, test and financial status). */
export const SHOPIFY_COUNT_PAGE = 250;
/** Refunds listed with each order of an import page; an order with more is read with them by its own job anyway. */
export const SHOPIFY_IMPORT_REFUNDS = 10;
/** The most orders an import page asks for at once: each lists its refunds, which Shopify charges per `first`. */
export const SHOPIFY_IMPORT_PAGE_MAX = 50;

/** Shopify's financial statuses of an order whose money was received (the posting job posts these). */
const PAID_STATUSES = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

// Requested costs as Shopify computes them (orders.server.test.ts checks them against the pinned schema).
export const SHOPIFY_ORDER_SEARCH_COSTS = {
  countPage: 2 + SHOPIFY_COUNT_PAGE * 1,
  importPage: (first: number) => 2 + first * (1 + SHOPIFY_IMPORT_REFUNDS * 1),
} as const;

export const ORDERS_COUNT_PAGE_QUERY = `#graphql
  query TillbridgeOrdersToCount($first: Int!, $after: String, $query: String!) {
    orders(first: $first, after: $after, query: $query, sortKey: PROCESSED_AT) {
      nodes { id test displayFinancialStatus }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export const ORDERS_IMPORT_PAGE_QUERY = `#graphql
  query TillbridgeOrdersToImport($first: Int!, $after: String, $query: String!, $refunds: Int!) {
    orders(first: $first, after: $after, query: $query, sortKey: PROCESSED_AT) {
      nodes {
        id
        test
        displayFinancialStatus
        refunds(first: $refunds) { id }
      }
      pageInfo { hasNextPage endCursor }
    }
  }`;

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const orderGid = z.string().regex(/^gid:\/\/shopify\/Order\/\d+$/);
const refundGid = z.string().regex(/^gid:\/\/shopify\/Refund\/\d+$/);
const countAnswer = z.object({
  orders: z.object({ nodes: z.array(z.object({ id: orderGid, test: z.boolean(), displayFinancialStatus: z.string().nullable() })), pageInfo }),
});
const importAnswer = z.object({
  orders: z.object({
    nodes: z.array(z.object({ id: orderGid, test: z.boolean(), displayFinancialStatus: z.string().nullable(), refunds: z.array(z.object({ id: refundGid })) })),
    pageInfo,
  }),
});

/** Which orders to find: processed in this range (ISO instants, both inclusive). */
export interface ShopifyOrderRange {
  startAt: string;
  endAt: string;
}

function searchQuery(range: ShopifyOrderRange): string {
  return `processed_at:>='${range.startAt}' processed_at:<='${range.endAt}'`;
}

const isPostable = (order: { test: boolean; displayFinancialStatus: string | null }) => !order.test && PAID_STATUSES.has(order.displayFinancialStatus ?? "");

/** One page of the count: how many postable orders it holds, and the cursor of the next (null: the last page). */
export async function countShopifyOrdersPage(db: PrismaClient, account: ShopifyAdminAccount, range: ShopifyOrderRange, after: string | null): Promise<{ found: number; cursor: string | null }> {
  const data = await shopifyAdminRequest(db, account, SHOPIFY_ORDER_SEARCH_COSTS.countPage, ORDERS_COUNT_PAGE_QUERY, { first: SHOPIFY_COUNT_PAGE, after, query: searchQuery(range) }, countAnswer);
  const { nodes, pageInfo: info } = data.orders;
  return { found: nodes.filter(isPostable).length, cursor: info.hasNextPage ? info.endCursor : null };
}

/** One page of postable orders (Order gids, with their Refund gids), and the cursor of the next (null: the last). */
export async function searchShopifyOrders(
  db: PrismaClient,
  account: ShopifyAdminAccount,
  range: ShopifyOrderRange,
  page: { after: string | null; first: number },
): Promise<{ orders: { id: string; refundIds: string[] }[]; cursor: string | null }> {
  const first = Math.min(Math.max(1, page.first), SHOPIFY_IMPORT_PAGE_MAX);
  const variables = { first, after: page.after, query: searchQuery(range), refunds: SHOPIFY_IMPORT_REFUNDS };
  const data = await shopifyAdminRequest(db, account, SHOPIFY_ORDER_SEARCH_COSTS.importPage(first), ORDERS_IMPORT_PAGE_QUERY, variables, importAnswer);
  const { nodes, pageInfo: info } = data.orders;
  return {
    orders: nodes.filter(isPostable).map((order) => ({ id: order.id, refundIds: order.refunds.map((refund) => refund.id) })),
    cursor: info.hasNextPage ? info.endCursor : null,
  };
}

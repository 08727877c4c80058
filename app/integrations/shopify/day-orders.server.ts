import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { ONLINE_STORE_LOCATION } from "~/domain/accounting/shopify-order";
import { shopifyAdminRequest, type ShopifyAdminAccount } from "./admin-request.server";
import { readShopifyLocations } from "./catalog.server";
import { ONLINE_STORE_NAME } from "./orders.server";

/**
 * Shopify's side of daily summaries: which orders have a sale or a refund in a business day, found with cheap
 * `orders(query:)` listings (ids, times and locations only), so that only those orders are read in full
 * (readShopifyOrderForBooks, a few hundred points each). Everything goes through the shop's shared cost budget,
 * charged the requested cost Shopify computes (day-orders.server.test.ts checks them against the pinned schema).
 *
 * - A sale belongs to the day of its `processedAt` (when the order was placed, or rung up at the register).
 * - A refund belongs to the day it was made, whatever the order's day: its own `processedAt` (or `createdAt`), as
 *   mapShopifyRefund dates it. Shopify has no refund search, so the refunds of a day are found on the orders
 *   updated since the day began whose financial status says money went back; a refund updates its order, and an
 *   order is never updated before it was processed.
 * - Shopify's locations have no time zone: a day is the shop's (`ianaTimezone`) for every location, the online
 *   store counting as one location.
 */

export const SHOPIFY_DAY_PAGES = {
  /** Orders per page of a day's sales (two objects each). */
  sales: 250,
  /** Orders per page of the orders that may hold a day's refunds. */
  refundOrders: 50,
  /** Refunds listed per order there; an order with this many is read in full to find its day's refunds. */
  refundsPerOrder: 10,
  /** Refunds listed when a single order's place is read. */
  placeRefunds: 25,
} as const;
const PAGES = SHOPIFY_DAY_PAGES;

export const SHOPIFY_DAY_READ_COSTS = {
  timeZone: 1,
  salesPage: 2 + PAGES.sales * (1 + 1),
  refundOrdersPage: 2 + PAGES.refundOrders * (1 + 1 + PAGES.refundsPerOrder),
  orderPlace: 1 + 1 + 1 + PAGES.placeRefunds,
} as const;

export const SHOP_TIME_ZONE_QUERY = `#graphql
  query TillbridgeShopTimeZone {
    shop { ianaTimezone }
  }`;

export const DAY_SALES_QUERY = `#graphql
  query TillbridgeDaySales($first: Int!, $after: String, $query: String!) {
    orders(first: $first, after: $after, query: $query, sortKey: PROCESSED_AT) {
      nodes { id processedAt test displayFinancialStatus retailLocation { id } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export const DAY_REFUND_ORDERS_QUERY = `#graphql
  query TillbridgeDayRefundOrders($first: Int!, $after: String, $query: String!, $refunds: Int!) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes { id test retailLocation { id } refunds(first: $refunds) { id createdAt processedAt } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export const ORDER_PLACE_QUERY = `#graphql
  query TillbridgeOrderPlace($id: ID!, $refunds: Int!) {
    shop { ianaTimezone }
    order(id: $id) { id test processedAt displayFinancialStatus retailLocation { id } refunds(first: $refunds) { id createdAt processedAt } }
  }`;

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const listedRefund = z.object({ id: z.string().min(1), createdAt: z.string().nullable(), processedAt: z.string().nullable().optional() });
const timeZoneAnswer = z.object({ shop: z.object({ ianaTimezone: z.string().min(1) }) });
const salesAnswer = z.object({
  orders: z.object({
    nodes: z.array(z.object({ id: z.string().min(1), processedAt: z.string(), test: z.boolean(), displayFinancialStatus: z.string().nullable(), retailLocation: z.object({ id: z.string().min(1) }).nullable() })),
    pageInfo,
  }),
});
const refundOrdersAnswer = z.object({
  orders: z.object({
    nodes: z.array(z.object({ id: z.string().min(1), test: z.boolean(), retailLocation: z.object({ id: z.string().min(1) }).nullable(), refunds: z.array(listedRefund) })),
    pageInfo,
  }),
});
const placeAnswer = z.object({
  shop: z.object({ ianaTimezone: z.string().min(1) }),
  order: z
    .object({
      id: z.string().min(1),
      test: z.boolean(),
      processedAt: z.string(),
      displayFinancialStatus: z.string().nullable(),
      retailLocation: z.object({ id: z.string().min(1) }).nullable(),
      refunds: z.array(listedRefund),
    })
    .nullable(),
});

/** Shopify's financial statuses of an order whose money was received (refunded ones were paid first). */
const PAID_STATUSES = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

/** When a refund happened, as mapShopifyRefund dates it. */
export function refundTime(refund: { createdAt?: string | null; processedAt?: string | null | undefined }): string | null {
  return refund.processedAt ?? refund.createdAt ?? null;
}

/** The shop's IANA time zone: the business day of all its locations. */
export async function readShopifyTimeZone(db: PrismaClient, account: ShopifyAdminAccount): Promise<string> {
  return (await shopifyAdminRequest(db, account, SHOPIFY_DAY_READ_COSTS.timeZone, SHOP_TIME_ZONE_QUERY, {}, timeZoneAnswer)).shop.ianaTimezone;
}

export interface ShopifyBooksLocation {
  id: string;
  name: string;
  timeZone: string;
  active: boolean;
}

/** Where Shopify sales happen, for daily summaries: the online store, and the shop's locations (POS sales), each in the shop's time zone. */
export async function listShopifyLocationsForBooks(db: PrismaClient, account: ShopifyAdminAccount): Promise<ShopifyBooksLocation[]> {
  const timeZone = await readShopifyTimeZone(db, account);
  const locations = await readShopifyLocations(db, account);
  return [{ id: ONLINE_STORE_LOCATION, name: ONLINE_STORE_NAME, timeZone, active: true }, ...locations.map((location) => ({ id: location.id, name: location.name, timeZone, active: location.isActive }))];
}

/** An order with a sale or (possibly) a refund in the day, and where it was sold. */
export interface ShopifyDayOrder {
  orderId: string;
  locationId: string;
}

export interface ShopifyDayOrders {
  /** Paid orders processed in the day. */
  sales: ShopifyDayOrder[];
  /** Orders with a refund made in the day, or too many refunds to tell from the listing. */
  refunds: ShopifyDayOrder[];
}

/** `processed_at:>='…'`: Shopify's search syntax takes quoted ISO times. */
const since = (field: string, instant: string) => `${field}:>='${instant}'`;

/**
 * The orders (not test orders) with a sale or a refund in the window (a business day, both ends inclusive),
 * paged. Costs two to three small listings per 250 sales of the day.
 */
export async function listShopifyDayOrders(db: PrismaClient, account: ShopifyAdminAccount, window: { startAt: string; endAt: string }): Promise<ShopifyDayOrders> {
  const locationOf = (order: { retailLocation: { id: string } | null }) => order.retailLocation?.id ?? ONLINE_STORE_LOCATION;
  const inWindow = (instant: string | null) => instant !== null && Date.parse(instant) >= Date.parse(window.startAt) && Date.parse(instant) <= Date.parse(window.endAt);
  const sales: ShopifyDayOrder[] = [];
  const salesQuery = `${since("processed_at", window.startAt)} processed_at:<='${window.endAt}'`;
  let after: string | null = null;
  do {
    const page: z.output<typeof salesAnswer> = await shopifyAdminRequest(db, account, SHOPIFY_DAY_READ_COSTS.salesPage, DAY_SALES_QUERY, { first: PAGES.sales, after, query: salesQuery }, salesAnswer);
    for (const order of page.orders.nodes) {
      // An order is summarized once it is paid: one paid later reaches its day through orders/paid.
      if (order.test || !PAID_STATUSES.has(order.displayFinancialStatus ?? "")) continue;
      if (!inWindow(order.processedAt)) continue;
      sales.push({ orderId: order.id, locationId: locationOf(order) });
    }
    after = page.orders.pageInfo.hasNextPage ? page.orders.pageInfo.endCursor : null;
  } while (after !== null);

  const refunds = new Map<string, ShopifyDayOrder>();
  // One listing per status: Shopify's search has OR but the grouping of OR with AND is not worth relying on.
  for (const status of ["partially_refunded", "refunded"]) {
    const query = `${since("updated_at", window.startAt)} financial_status:${status}`;
    after = null;
    do {
      const variables = { first: PAGES.refundOrders, after, query, refunds: PAGES.refundsPerOrder };
      const page: z.output<typeof refundOrdersAnswer> = await shopifyAdminRequest(db, account, SHOPIFY_DAY_READ_COSTS.refundOrdersPage, DAY_REFUND_ORDERS_QUERY, variables, refundOrdersAnswer);
      for (const order of page.orders.nodes) {
        if (order.test) continue;
        const mayHoldMore = order.refunds.length >= PAGES.refundsPerOrder;
        if (mayHoldMore || order.refunds.some((refund) => inWindow(refundTime(refund)))) refunds.set(order.id, { orderId: order.id, locationId: locationOf(order) });
      }
      after = page.orders.pageInfo.hasNextPage ? page.orders.pageInfo.endCursor : null;
    } while (after !== null);
  }
  return { sales, refunds: [...refunds.values()] };
}

/** Where and when an order's sale and refunds happened, for a late order or refund in daily mode. */
export interface ShopifyOrderPlace {
  orderId: string;
  test: boolean;
  processedAt: string;
  financialStatus: string | null;
  paid: boolean;
  locationId: string;
  timeZone: string;
  refunds: { id: string; occurredAt: string | null }[];
}

/** One order's place and times (a few points), or null when Shopify does not show it. */
export async function readShopifyOrderPlace(db: PrismaClient, account: ShopifyAdminAccount, orderId: string): Promise<ShopifyOrderPlace | null> {
  const data = await shopifyAdminRequest(db, account, SHOPIFY_DAY_READ_COSTS.orderPlace, ORDER_PLACE_QUERY, { id: orderId, refunds: PAGES.placeRefunds }, placeAnswer);
  const order = data.order;
  if (!order) return null;
  return {
    orderId: order.id,
    test: order.test,
    processedAt: order.processedAt,
    financialStatus: order.displayFinancialStatus,
    paid: PAID_STATUSES.has(order.displayFinancialStatus ?? ""),
    locationId: order.retailLocation?.id ?? ONLINE_STORE_LOCATION,
    timeZone: data.shop.ianaTimezone,
    refunds: order.refunds.map((refund) => ({ id: refund.id, occurredAt: refundTime(refund) })),
  };
}

import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { ONLINE_STORE_LOCATION } from "~/domain/accounting/shopify-order";
import { TransientError } from "~/jobs/errors";
import { shopifyAdminRequest, type ShopifyAdminAccount } from "./admin-request.server";

/**
 * Shopify's side of accounting: one order as the books need it (and, for a refund, the order with its refunds),
 * read through the Admin GraphQL API with the shop's shared cost budget. A whole order is expensive in query
 * points, so the documents ask only for what app/domain/accounting/shopify-order.ts reads: the money of the lines,
 * discounts, tax, shipping, tips and payments, in shop and presentment currency. The answer is handed to the pure
 * mappers as Shopify sent it (they validate it in full); only what this module itself relies on (ids, pages,
 * counts) is checked here.
 *
 * Not asked for: `OrderTransaction.amountRoundingSet` (cash rounding of POS payments in currencies without pennies),
 * which the Tillbridge Shopify sandbox does not answer yet; an order with cash rounding is therefore refused by the
 * mapper as not adding up, and says so in a SyncIssue.
 */

/**
 * How much each request asks for. The first page of line items comes with the order; an order with more reads
 * the rest `moreLineItems` at a time. An order with more payments than `firstTransactions` (declined attempts
 * count) reads them all in a second request (Order.transactions is a list, not a connection: it has no pages).
 * Refunds are listed with the order by id and time only, and each is read in full on its own. What lies beyond
 * these limits is not read: such an order is reported instead of being posted incompletely.
 */
export const SHOPIFY_ORDER_PAGES = {
  firstLineItems: 20,
  moreLineItems: 50,
  shippingLines: 5,
  firstTransactions: 20,
  /** The most payments one request can ask for within Shopify's 1,000-point single-query limit (7 points each). */
  maxTransactions: 140,
  listedRefunds: 25,
  firstRefundLineItems: 20,
  moreRefundLineItems: 50,
  refundTransactions: 10,
  /** Orders per page when listing the orders changed in a window (reconciliation). */
  changedOrders: 25,
} as const;
const PAGES = SHOPIFY_ORDER_PAGES;

// Requested costs as Shopify computes them before running a query (object 1, scalar 0, connection 2 + first ×
// node, a list × its `first`, a list without one × 1). A MoneyBag is 3: itself, shopMoney and presentmentMoney.
// The shared budget is charged these up front; orders.server.test.ts checks them against the cost calculation
// of the pinned schema.
const BAG = 3;
const LINE_ITEM_NODE = 1 + BAG + (1 + BAG + 1) + (1 + BAG) + 1; // price, a discount allocation, a tax line, product
const SHIPPING_LINE_NODE = 1 + BAG + (1 + BAG);
const TRANSACTION = 1 + BAG + (1 + 1) + 1; // amount, a fee, payment details
const REFUND_LINE_ITEM_NODE = 1 + BAG + BAG + 1;
const REFUND_SHIPPING_LINE_NODE = 1 + BAG + BAG + 1;

export const SHOPIFY_ORDER_READ_COSTS = {
  order:
    1 + // shop
    1 + // order
    1 + // customer
    1 + // retailLocation
    (2 + PAGES.firstLineItems * LINE_ITEM_NODE) +
    (2 + PAGES.shippingLines * SHIPPING_LINE_NODE) +
    4 * BAG + // shipping, tax, tips and total
    1 + // transactionsCount
    PAGES.firstTransactions * TRANSACTION +
    PAGES.listedRefunds * 1,
  lineItemPage: 1 + 2 + PAGES.moreLineItems * LINE_ITEM_NODE,
  transactions: (count: number) => 1 + count * TRANSACTION,
  refund: 1 + (2 + PAGES.firstRefundLineItems * REFUND_LINE_ITEM_NODE) + (2 + PAGES.shippingLines * REFUND_SHIPPING_LINE_NODE) + (2 + PAGES.refundTransactions * TRANSACTION),
  refundLineItemPage: 1 + 2 + PAGES.moreRefundLineItems * REFUND_LINE_ITEM_NODE,
  /** A page of orders changed since a time: shop, the connection, and per order itself, its location and its listed refunds. */
  changedPage: 1 + 2 + PAGES.changedOrders * (1 + 1 + PAGES.listedRefunds),
} as const;

export const ORDER_FOR_BOOKS_QUERY = `#graphql
  query TillbridgeOrderForBooks($id: ID!, $lineItems: Int!, $shippingLines: Int!, $transactions: Int!, $refunds: Int!) {
    shop { ianaTimezone }
    order(id: $id) {
      id
      name
      test
      cancelledAt
      displayFinancialStatus
      processedAt
      currencyCode
      presentmentCurrencyCode
      taxesIncluded
      email
      customer { displayName }
      retailLocation { id name }
      lineItems(first: $lineItems) {
        nodes { ...TillbridgeBooksLineItem }
        pageInfo { hasNextPage endCursor }
      }
      shippingLines(first: $shippingLines) {
        nodes {
          title
          discountedPriceSet { ...TillbridgeBooksMoney }
          taxLines { priceSet { ...TillbridgeBooksMoney } }
        }
        pageInfo { hasNextPage }
      }
      totalShippingPriceSet { ...TillbridgeBooksMoney }
      totalTaxSet { ...TillbridgeBooksMoney }
      totalTipReceivedSet { ...TillbridgeBooksMoney }
      totalPriceSet { ...TillbridgeBooksMoney }
      transactionsCount { count }
      transactions(first: $transactions) { ...TillbridgeBooksTransaction }
      refunds(first: $refunds) { id createdAt processedAt }
    }
  }
  fragment TillbridgeBooksLineItem on LineItem {
    id
    sku
    name
    quantity
    isGiftCard
    taxable
    originalUnitPriceSet { ...TillbridgeBooksMoney }
    discountAllocations {
      allocatedAmountSet { ...TillbridgeBooksMoney }
      discountApplication {
        index
        allocationMethod
        targetSelection
        targetType
        ... on DiscountCodeApplication { code }
        ... on ManualDiscountApplication { title }
        ... on AutomaticDiscountApplication { title }
        ... on ScriptDiscountApplication { title }
      }
    }
    taxLines { priceSet { ...TillbridgeBooksMoney } }
    product { productType }
  }
  fragment TillbridgeBooksTransaction on OrderTransaction {
    id
    kind
    status
    gateway
    amountSet { ...TillbridgeBooksMoney }
    fees { amount { amount currencyCode } }
    paymentDetails { ... on CardPaymentDetails { company } }
  }
  fragment TillbridgeBooksMoney on MoneyBag {
    shopMoney { amount currencyCode }
    presentmentMoney { amount currencyCode }
  }`;

export const ORDER_LINE_ITEMS_QUERY = `#graphql
  query TillbridgeOrderLineItemsForBooks($id: ID!, $first: Int!, $after: String!) {
    order(id: $id) {
      lineItems(first: $first, after: $after) {
        nodes {
          id
          sku
          name
          quantity
          isGiftCard
          taxable
          originalUnitPriceSet { ...TillbridgeBooksMoney }
          discountAllocations {
            allocatedAmountSet { ...TillbridgeBooksMoney }
            discountApplication {
              index
              allocationMethod
              targetSelection
              targetType
              ... on DiscountCodeApplication { code }
              ... on ManualDiscountApplication { title }
              ... on AutomaticDiscountApplication { title }
              ... on ScriptDiscountApplication { title }
            }
          }
          taxLines { priceSet { ...TillbridgeBooksMoney } }
          product { productType }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
  fragment TillbridgeBooksMoney on MoneyBag {
    shopMoney { amount currencyCode }
    presentmentMoney { amount currencyCode }
  }`;

export const ORDER_TRANSACTIONS_QUERY = `#graphql
  query TillbridgeOrderTransactionsForBooks($id: ID!, $first: Int!) {
    order(id: $id) {
      transactions(first: $first) {
        id
        kind
        status
        gateway
        amountSet { ...TillbridgeBooksMoney }
        fees { amount { amount currencyCode } }
        paymentDetails { ... on CardPaymentDetails { company } }
      }
    }
  }
  fragment TillbridgeBooksMoney on MoneyBag {
    shopMoney { amount currencyCode }
    presentmentMoney { amount currencyCode }
  }`;

export const REFUND_FOR_BOOKS_QUERY = `#graphql
  query TillbridgeRefundForBooks($id: ID!, $lineItems: Int!, $shippingLines: Int!, $transactions: Int!) {
    refund(id: $id) {
      id
      createdAt
      processedAt
      note
      refundLineItems(first: $lineItems) {
        nodes { ...TillbridgeBooksRefundLineItem }
        pageInfo { hasNextPage endCursor }
      }
      refundShippingLines(first: $shippingLines) {
        nodes {
          subtotalAmountSet { ...TillbridgeBooksMoney }
          taxAmountSet { ...TillbridgeBooksMoney }
          shippingLine { title }
        }
        pageInfo { hasNextPage }
      }
      transactions(first: $transactions) {
        nodes {
          id
          kind
          status
          gateway
          amountSet { ...TillbridgeBooksMoney }
          fees { amount { amount currencyCode } }
          paymentDetails { ... on CardPaymentDetails { company } }
        }
        pageInfo { hasNextPage }
      }
    }
  }
  fragment TillbridgeBooksRefundLineItem on RefundLineItem {
    quantity
    subtotalSet { ...TillbridgeBooksMoney }
    totalTaxSet { ...TillbridgeBooksMoney }
    lineItem { id sku name taxable }
  }
  fragment TillbridgeBooksMoney on MoneyBag {
    shopMoney { amount currencyCode }
    presentmentMoney { amount currencyCode }
  }`;

export const REFUND_LINE_ITEMS_QUERY = `#graphql
  query TillbridgeRefundLineItemsForBooks($id: ID!, $first: Int!, $after: String!) {
    refund(id: $id) {
      refundLineItems(first: $first, after: $after) {
        nodes {
          quantity
          subtotalSet { ...TillbridgeBooksMoney }
          totalTaxSet { ...TillbridgeBooksMoney }
          lineItem { id sku name taxable }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
  fragment TillbridgeBooksMoney on MoneyBag {
    shopMoney { amount currencyCode }
    presentmentMoney { amount currencyCode }
  }`;

/**
 * The orders changed since a time, newest change last: only what says whether an order or its refunds are for the
 * books and on which day (each is read in full with ORDER_FOR_BOOKS_QUERY when needed).
 */
export const ORDERS_CHANGED_QUERY = `#graphql
  query TillbridgeOrdersChangedForBooks($first: Int!, $after: String, $query: String!, $refunds: Int!) {
    shop { ianaTimezone }
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        id
        name
        test
        cancelledAt
        displayFinancialStatus
        processedAt
        updatedAt
        retailLocation { id name }
        refunds(first: $refunds) { id createdAt processedAt }
      }
      pageInfo { hasNextPage endCursor }
    }
  }`;

// The answers, checked for what this module relies on; the nodes go to the mappers, which check them in full.
const node = z.looseObject({});
const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const lastPage = z.object({ hasNextPage: z.boolean() });
const lineItemPage = z.object({ nodes: z.array(node), pageInfo });

const orderAnswer = z.object({
  shop: z.object({ ianaTimezone: z.string().min(1) }),
  order: z
    .looseObject({
      id: z.string().min(1),
      name: z.string().min(1),
      test: z.boolean(),
      displayFinancialStatus: z.string().nullable(),
      email: z.string().nullable(),
      customer: z.object({ displayName: z.string() }).nullable(),
      retailLocation: z.object({ id: z.string().min(1), name: z.string() }).nullable(),
      lineItems: lineItemPage,
      shippingLines: z.looseObject({ pageInfo: lastPage }),
      transactionsCount: z.object({ count: z.number().int().nonnegative() }).nullable(),
      transactions: z.array(node),
      refunds: z.array(z.object({ id: z.string().min(1), createdAt: z.string().nullable(), processedAt: z.string() })),
    })
    .nullable(),
});

const lineItemsAnswer = z.object({ order: z.object({ lineItems: lineItemPage }).nullable() });
const transactionsAnswer = z.object({ order: z.object({ transactions: z.array(node) }).nullable() });

const refundAnswer = z.object({
  refund: z
    .looseObject({
      id: z.string().min(1),
      refundLineItems: lineItemPage,
      refundShippingLines: z.looseObject({ pageInfo: lastPage }),
      transactions: z.looseObject({ pageInfo: lastPage }),
    })
    .nullable(),
});

const refundLineItemsAnswer = z.object({ refund: z.object({ refundLineItems: lineItemPage }).nullable() });

const changedOrder = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  test: z.boolean(),
  cancelledAt: z.string().nullable(),
  displayFinancialStatus: z.string().nullable(),
  processedAt: z.string().min(1),
  updatedAt: z.string().min(1),
  retailLocation: z.object({ id: z.string().min(1), name: z.string() }).nullable(),
  refunds: z.array(z.object({ id: z.string().min(1), createdAt: z.string().nullable(), processedAt: z.string().nullable() })),
});
const changedAnswer = z.object({
  shop: z.object({ ianaTimezone: z.string().min(1) }),
  orders: z.object({ nodes: z.array(changedOrder), pageInfo }),
});

/** Where an online order is sold, as the merchant reads it in Tillbridge and QuickBooks memos. */
export const ONLINE_STORE_NAME = "Online Store";

export interface ShopifyOrderForBooks {
  /**
   * The Admin API's Order as the mappers read it (mapShopifySale, and mapShopifyRefund when read with refunds):
   * every line item page joined, every payment, and with `refunds: true` every refund in full.
   */
  order: Record<string, unknown>;
  /** What the merchant calls the order ("#1001"). */
  name: string;
  test: boolean;
  /** Shopify's displayFinancialStatus (PAID, PARTIALLY_REFUNDED, PENDING…). */
  financialStatus: string | null;
  /** The shop's IANA time zone: Shopify's locations have none, so the shop's day is the books' day. */
  timeZone: string;
  /** The retail location of a POS sale, or the online store. */
  location: { id: string; name: string };
  /** The buyer as the order names them (a refund is posted to the sale's customer). */
  buyer: { email?: string; name?: string } | undefined;
  /** The order's refunds, by id. */
  refundIds: string[];
  /** Why the order (or one of its refunds) could not be read whole, in the merchant's words; empty when it was. */
  unreadable: string[];
}

type Account = ShopifyAdminAccount;

async function remainingLineItems(db: PrismaClient, account: Account, orderId: string, after: string | null): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  while (after !== null) {
    const data: z.output<typeof lineItemsAnswer> = await shopifyAdminRequest(db, account, SHOPIFY_ORDER_READ_COSTS.lineItemPage, ORDER_LINE_ITEMS_QUERY, { id: orderId, first: PAGES.moreLineItems, after }, lineItemsAnswer);
    if (!data.order) throw new TransientError(`Shopify stopped showing order ${orderId} while its line items were read`);
    lines.push(...data.order.lineItems.nodes);
    after = data.order.lineItems.pageInfo.hasNextPage ? data.order.lineItems.pageInfo.endCursor : null;
  }
  return lines;
}

async function readRefund(db: PrismaClient, account: Account, orderName: string, refundId: string, unreadable: string[]): Promise<Record<string, unknown>> {
  const variables = { id: refundId, lineItems: PAGES.firstRefundLineItems, shippingLines: PAGES.shippingLines, transactions: PAGES.refundTransactions };
  const data = await shopifyAdminRequest(db, account, SHOPIFY_ORDER_READ_COSTS.refund, REFUND_FOR_BOOKS_QUERY, variables, refundAnswer);
  const refund = data.refund;
  // The order lists the refund, so Shopify has it: not finding it a moment later is a passing fault.
  if (!refund) throw new TransientError(`Shopify lists refund ${refundId} on order ${orderName} but did not give it`);
  if (refund.refundShippingLines.pageInfo.hasNextPage) unreadable.push(`A refund of Shopify order ${orderName} refunds more than ${PAGES.shippingLines} shipping lines.`);
  if (refund.transactions.pageInfo.hasNextPage) unreadable.push(`A refund of Shopify order ${orderName} was paid back in more than ${PAGES.refundTransactions} payments.`);
  const lines = [...refund.refundLineItems.nodes];
  let after = refund.refundLineItems.pageInfo.hasNextPage ? refund.refundLineItems.pageInfo.endCursor : null;
  while (after !== null) {
    const page: z.output<typeof refundLineItemsAnswer> = await shopifyAdminRequest(
      db,
      account,
      SHOPIFY_ORDER_READ_COSTS.refundLineItemPage,
      REFUND_LINE_ITEMS_QUERY,
      { id: refundId, first: PAGES.moreRefundLineItems, after },
      refundLineItemsAnswer,
    );
    if (!page.refund) throw new TransientError(`Shopify stopped showing refund ${refundId} while its lines were read`);
    lines.push(...page.refund.refundLineItems.nodes);
    after = page.refund.refundLineItems.pageInfo.hasNextPage ? page.refund.refundLineItems.pageInfo.endCursor : null;
  }
  return { ...refund, refundLineItems: { nodes: lines } };
}

/**
 * The order `orderId` (an Order gid) for the books, or null when Shopify does not show it (no such order, or one
 * placed more than 60 days ago without the read_all_orders scope). With `refunds: true` every refund of the order
 * is read in full too, one request each: mapShopifyRefund numbers a refund by its place among them.
 */
export async function readShopifyOrderForBooks(db: PrismaClient, account: Account, orderId: string, options: { refunds?: boolean } = {}): Promise<ShopifyOrderForBooks | null> {
  const variables = { id: orderId, lineItems: PAGES.firstLineItems, shippingLines: PAGES.shippingLines, transactions: PAGES.firstTransactions, refunds: PAGES.listedRefunds };
  const data = await shopifyAdminRequest(db, account, SHOPIFY_ORDER_READ_COSTS.order, ORDER_FOR_BOOKS_QUERY, variables, orderAnswer);
  const found = data.order;
  if (!found) return null;
  const unreadable: string[] = [];
  if (found.shippingLines.pageInfo.hasNextPage) unreadable.push(`Shopify order ${found.name} has more than ${PAGES.shippingLines} shipping lines.`);

  const lineItems = [...found.lineItems.nodes, ...(await remainingLineItems(db, account, orderId, found.lineItems.pageInfo.hasNextPage ? found.lineItems.pageInfo.endCursor : null))];

  let transactions = found.transactions;
  const transactionCount = found.transactionsCount?.count ?? 0;
  if (transactionCount > PAGES.maxTransactions) {
    unreadable.push(`Shopify order ${found.name} has ${transactionCount} payment transactions, more than the ${PAGES.maxTransactions} Tillbridge can read in one request.`);
  } else if (transactionCount > transactions.length) {
    const more = await shopifyAdminRequest(db, account, SHOPIFY_ORDER_READ_COSTS.transactions(transactionCount), ORDER_TRANSACTIONS_QUERY, { id: orderId, first: transactionCount }, transactionsAnswer);
    if (!more.order) throw new TransientError(`Shopify stopped showing order ${orderId} while its payments were read`);
    transactions = more.order.transactions;
  }

  // An order with more refunds than are listed would number the later ones wrongly: say so rather than guess.
  if (found.refunds.length >= PAGES.listedRefunds) unreadable.push(`Shopify order ${found.name} has ${PAGES.listedRefunds} refunds or more.`);
  const refundIds = found.refunds.map((refund) => refund.id);
  const refunds: Record<string, unknown>[] = [];
  if (options.refunds) {
    // One at a time: each asks for a few hundred points of the shop's budget, which the other syncs share.
    for (const refundId of refundIds) refunds.push(await readRefund(db, account, found.name, refundId, unreadable));
  }

  const { refunds: _listed, transactionsCount: _count, ...rest } = found;
  const order: Record<string, unknown> = { ...rest, lineItems: { nodes: lineItems }, transactions, ...(options.refunds ? { refunds } : {}) };
  const email = found.email?.trim() || undefined;
  const name = found.customer?.displayName.trim() || undefined;
  return {
    order,
    name: found.name,
    test: found.test,
    financialStatus: found.displayFinancialStatus,
    timeZone: data.shop.ianaTimezone,
    location: found.retailLocation ? { id: found.retailLocation.id, name: found.retailLocation.name } : { id: ONLINE_STORE_LOCATION, name: ONLINE_STORE_NAME },
    buyer: email || name ? { ...(email && { email }), ...(name && { name }) } : undefined,
    refundIds,
    unreadable,
  };
}

/** An order as the list of changed orders shows it. */
export interface ShopifyChangedOrder {
  id: string;
  name: string;
  test: boolean;
  cancelledAt: string | null;
  /** Shopify's displayFinancialStatus (PAID, PARTIALLY_REFUNDED, PENDING…). */
  financialStatus: string | null;
  processedAt: string;
  updatedAt: string;
  /** The retail location of a POS sale, or the online store. */
  location: { id: string; name: string };
  /** Its refunds with when each was made (a refund's day is its own, not the order's). */
  refunds: { id: string; processedAt: string }[];
  /** More refunds than the list shows: the order is read in full to know them all. */
  moreRefunds: boolean;
}

/**
 * Every order Shopify shows as updated at or after `since` (a new order, a payment, a refund, any edit), page by
 * page within the shop's cost budget, with the shop's time zone (the books' day). Orders older than Shopify's
 * 60-day window are left out by Shopify without read_all_orders.
 */
export async function listShopifyOrdersChangedSince(db: PrismaClient, account: Account, since: Date): Promise<{ timeZone: string; orders: ShopifyChangedOrder[] }> {
  const orders: ShopifyChangedOrder[] = [];
  let timeZone = "";
  let after: string | null = null;
  do {
    const variables = { first: PAGES.changedOrders, after, query: `updated_at:>='${since.toISOString()}'`, refunds: PAGES.listedRefunds };
    const data: z.output<typeof changedAnswer> = await shopifyAdminRequest(db, account, SHOPIFY_ORDER_READ_COSTS.changedPage, ORDERS_CHANGED_QUERY, variables, changedAnswer);
    timeZone = data.shop.ianaTimezone;
    for (const order of data.orders.nodes) {
      orders.push({
        id: order.id,
        name: order.name,
        test: order.test,
        cancelledAt: order.cancelledAt,
        financialStatus: order.displayFinancialStatus,
        processedAt: order.processedAt,
        updatedAt: order.updatedAt,
        location: order.retailLocation ? { id: order.retailLocation.id, name: order.retailLocation.name } : { id: ONLINE_STORE_LOCATION, name: ONLINE_STORE_NAME },
        // As mapShopifyRefund dates a refund.
        refunds: order.refunds.map((refund) => ({ id: refund.id, processedAt: refund.processedAt ?? refund.createdAt ?? order.processedAt })),
        moreRefunds: order.refunds.length >= PAGES.listedRefunds,
      });
    }
    after = data.orders.pageInfo.hasNextPage ? data.orders.pageInfo.endCursor : null;
  } while (after !== null);
  return { timeZone, orders };
}

import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadAdminSchema } from "../../../sandbox/shopify/admin-schema";
import { MAX_SINGLE_QUERY_COST, requestedQueryCost } from "../../../sandbox/shopify/cost";
import {
  ORDERS_COUNT_PAGE_QUERY,
  ORDERS_IMPORT_PAGE_QUERY,
  SHOPIFY_COUNT_PAGE,
  SHOPIFY_IMPORT_PAGE_MAX,
  SHOPIFY_IMPORT_REFUNDS,
  SHOPIFY_ORDER_SEARCH_COSTS,
} from "./order-search.server";
import {
  ORDER_FOR_BOOKS_QUERY,
  ORDER_LINE_ITEMS_QUERY,
  ORDER_TRANSACTIONS_QUERY,
  ORDERS_CHANGED_QUERY,
  REFUND_FOR_BOOKS_QUERY,
  REFUND_LINE_ITEMS_QUERY,
  SHOPIFY_ORDER_PAGES,
  SHOPIFY_ORDER_READ_COSTS,
} from "./orders.server";

/**
 * The shop's shared budget is charged each request's cost before it is sent, so the charge must be what Shopify
 * will compute for the document with its variables: here it is computed from the pinned Admin schema with the
 * same rules (the Shopify sandbox's cost calculation) and compared, and every request stays under Shopify's
 * single-query limit.
 */

function costOf(document: string, variables: Record<string, unknown>): number {
  const parsed = parse(document);
  const operation = parsed.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    parsed.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  return requestedQueryCost(loadAdminSchema(), operation, fragments, variables);
}

const pages = SHOPIFY_ORDER_PAGES;

describe("Shopify order reads for the books: requested costs", () => {
  const cases: [string, number, string, Record<string, unknown>][] = [
    [
      "the order",
      SHOPIFY_ORDER_READ_COSTS.order,
      ORDER_FOR_BOOKS_QUERY,
      { id: "gid://shopify/Order/1", lineItems: pages.firstLineItems, shippingLines: pages.shippingLines, transactions: pages.firstTransactions, refunds: pages.listedRefunds },
    ],
    ["a further page of line items", SHOPIFY_ORDER_READ_COSTS.lineItemPage, ORDER_LINE_ITEMS_QUERY, { id: "gid://shopify/Order/1", first: pages.moreLineItems, after: "cursor" }],
    ["30 payments", SHOPIFY_ORDER_READ_COSTS.transactions(30), ORDER_TRANSACTIONS_QUERY, { id: "gid://shopify/Order/1", first: 30 }],
    ["a refund", SHOPIFY_ORDER_READ_COSTS.refund, REFUND_FOR_BOOKS_QUERY, { id: "gid://shopify/Refund/1", lineItems: pages.firstRefundLineItems, shippingLines: pages.shippingLines, transactions: pages.refundTransactions }],
    ["a page of changed orders", SHOPIFY_ORDER_READ_COSTS.changedPage, ORDERS_CHANGED_QUERY, { first: pages.changedOrders, after: "cursor", query: "updated_at:>='2026-01-01T00:00:00Z'", refunds: pages.listedRefunds }],
    ["a further page of refund lines", SHOPIFY_ORDER_READ_COSTS.refundLineItemPage, REFUND_LINE_ITEMS_QUERY, { id: "gid://shopify/Refund/1", first: pages.moreRefundLineItems, after: "cursor" }],
  ];

  it.each(cases)("%s is charged what Shopify computes, within the single-query limit", (_what, charged, document, variables) => {
    expect(charged).toBe(costOf(document, variables));
    expect(charged).toBeLessThanOrEqual(MAX_SINGLE_QUERY_COST);
  });

  it("reads the most payments it ever asks for within the single-query limit", () => {
    expect(SHOPIFY_ORDER_READ_COSTS.transactions(pages.maxTransactions)).toBe(costOf(ORDER_TRANSACTIONS_QUERY, { id: "gid://shopify/Order/1", first: pages.maxTransactions }));
    expect(SHOPIFY_ORDER_READ_COSTS.transactions(pages.maxTransactions)).toBeLessThanOrEqual(MAX_SINGLE_QUERY_COST);
  });
});

describe("Shopify order searches for an import: requested costs", () => {
  const range = "processed_at:>='2026-10-01T05:00:00.000Z' processed_at:<='2026-11-27T16:00:00.000Z'";
  const cases: [string, number, string, Record<string, unknown>][] = [
    ["a count page", SHOPIFY_ORDER_SEARCH_COSTS.countPage, ORDERS_COUNT_PAGE_QUERY, { first: SHOPIFY_COUNT_PAGE, after: null, query: range }],
    ["an import page of 5", SHOPIFY_ORDER_SEARCH_COSTS.importPage(5), ORDERS_IMPORT_PAGE_QUERY, { first: 5, after: "cursor", query: range, refunds: SHOPIFY_IMPORT_REFUNDS }],
    ["the largest import page", SHOPIFY_ORDER_SEARCH_COSTS.importPage(SHOPIFY_IMPORT_PAGE_MAX), ORDERS_IMPORT_PAGE_QUERY, { first: SHOPIFY_IMPORT_PAGE_MAX, after: null, query: range, refunds: SHOPIFY_IMPORT_REFUNDS }],
  ];

  it.each(cases)("%s is charged what Shopify computes, within the single-query limit", (_what, charged, document, variables) => {
    expect(charged).toBe(costOf(document, variables));
    expect(charged).toBeLessThanOrEqual(MAX_SINGLE_QUERY_COST);
  });
});

import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadAdminSchema } from "../../../sandbox/shopify/admin-schema";
import { MAX_SINGLE_QUERY_COST, requestedQueryCost } from "../../../sandbox/shopify/cost";
import { DAY_REFUND_ORDERS_QUERY, DAY_SALES_QUERY, ORDER_PLACE_QUERY, SHOP_TIME_ZONE_QUERY, SHOPIFY_DAY_PAGES, SHOPIFY_DAY_READ_COSTS } from "./day-orders.server";

/**
 * A day's listings are charged to the shop's shared budget before they are sent: the charge must be what Shopify
 * computes for the document and its variables (here from the pinned Admin schema, with the Shopify sandbox's cost
 * rules), and stay under Shopify's single-query limit.
 */

function costOf(document: string, variables: Record<string, unknown>): number {
  const operation = parse(document).definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
  return requestedQueryCost(loadAdminSchema(), operation, {}, variables);
}

const pages = SHOPIFY_DAY_PAGES;

describe("Shopify day listings for daily summaries: requested costs", () => {
  const cases: [string, number, string, Record<string, unknown>][] = [
    ["the shop's time zone", SHOPIFY_DAY_READ_COSTS.timeZone, SHOP_TIME_ZONE_QUERY, {}],
    ["a page of a day's sales", SHOPIFY_DAY_READ_COSTS.salesPage, DAY_SALES_QUERY, { first: pages.sales, after: "cursor", query: "processed_at:>='2026-11-26T05:00:00.000Z'" }],
    ["a page of orders that may hold a day's refunds", SHOPIFY_DAY_READ_COSTS.refundOrdersPage, DAY_REFUND_ORDERS_QUERY, { first: pages.refundOrders, after: null, query: "financial_status:refunded", refunds: pages.refundsPerOrder }],
    ["one order's place", SHOPIFY_DAY_READ_COSTS.orderPlace, ORDER_PLACE_QUERY, { id: "gid://shopify/Order/1", refunds: pages.placeRefunds }],
  ];

  it.each(cases)("%s is charged what Shopify computes, within the single-query limit", (_what, charged, document, variables) => {
    expect(charged).toBe(costOf(document, variables));
    expect(charged).toBeLessThanOrEqual(MAX_SINGLE_QUERY_COST);
  });
});

import { GraphQLError, type GraphQLResolveInfo } from "graphql";
import { gid, idOfType } from "./gid";
import { graphqlDecimal, sharePair, subtractPairs, ZERO, type MoneyPair } from "./money";
import { formattedGateway, ORDER_WINDOW_MS } from "./orders";
import {
  lineDiscountedTotal,
  lineOriginalTotal,
  orderTotals,
  refundedQuantity,
  refundedShipping,
  refundTotal,
  remainingShare,
  taxOf,
  transactionsOf,
} from "./order-totals";
import { connection, count, iso, type ConnectionOptions, type ResolverContext, type View } from "./resolvers";
import type { SearchFields } from "./search-query";
import type {
  CustomerRecord,
  LineItemRecord,
  LocationRecord,
  OrderAdjustmentRecord,
  OrderRecord,
  ProductRecord,
  RefundLineItemRecord,
  RefundRecord,
  RefundShippingLineRecord,
  ShippingLineRecord,
  TaxLineRecord,
  TransactionFeeRecord,
  TransactionRecord,
  VariantRecord,
} from "./store";

/**
 * Orders, their line items, transactions and refunds as Admin API 2026-10 objects (resolved like resolvers.ts: a
 * field the view lacks answers "not implemented"). Money is a MoneyBag of shop and presentment MoneyV2, whose
 * amounts are Shopify's Decimal strings ("25.9", "0.0"). Access follows Shopify's rules: orders need the
 * read_orders (or write_orders) scope, and orders created more than 60 days ago are only visible with
 * read_all_orders (order(id) answers null for them, connections and counts leave them out).
 */

type Args = Record<string, unknown>;

const ACCESS_SCOPES_DOCS = "https://shopify.dev/api/usage/access-scopes";

function accessDenied(field: string): GraphQLError {
  return new GraphQLError(`Access denied for ${field} field. Required access: \`read_orders\` access scope.`, {
    extensions: { code: "ACCESS_DENIED", documentation: ACCESS_SCOPES_DOCS, requiredAccess: "`read_orders` access scope." },
  });
}

/** The views of the catalog and locations that orders point at (resolvers.ts). */
export interface CatalogViews {
  variantView(variant: VariantRecord): View;
  productView(product: ProductRecord): View;
  locationView(location: LocationRecord): View;
}

/** Shopify's search terms for orders (`query:`) that the sandbox knows; others are ignored and reported. */
export const orderSearch: SearchFields<OrderRecord> = {
  id: { get: (o) => o.id },
  name: { get: (o) => [o.name, String(o.number)] },
  created_at: { get: (o) => o.createdAt },
  updated_at: { get: (o) => o.updatedAt },
  processed_at: { get: (o) => o.processedAt },
  financial_status: { get: (o) => orderTotals(o).financialStatus.toLowerCase() },
  fulfillment_status: { get: (o) => (o.fulfilled ? ["fulfilled", "shipped"] : ["unfulfilled", "unshipped"]) },
  status: { get: (o) => (o.cancelledAt ? ["cancelled"] : o.closedAt ? ["closed"] : ["open", "not_closed"]) },
  email: { get: (o) => o.email },
  customer_id: { get: (o) => o.customerId },
  sku: { get: (o) => o.lineItems.map((line) => line.sku) },
  gateway: { get: (o) => [...new Set(o.transactions.map((transaction) => transaction.gateway))] },
  location_id: { get: (o) => o.locationId },
  source_name: { get: (o) => o.sourceName },
  discount_code: { get: (o) => o.discount?.code ?? null },
  test: { get: () => "false" },
};

export function createOrderViews(context: ResolverContext, catalog: CatalogViews) {
  const { shop } = context;
  const scopes = context.scopes ?? shop.scopes;
  const mayReadOrders = scopes.includes("read_orders") || scopes.includes("write_orders");
  const mayReadAllOrders = scopes.includes("read_all_orders");

  function requireOrderAccess(field: string): void {
    if (!mayReadOrders) throw accessDenied(field);
  }

  /** Shopify's 60-day window: older orders only with read_all_orders. */
  function isVisible(order: OrderRecord): boolean {
    return mayReadAllOrders || order.createdAt.getTime() >= Date.now() - ORDER_WINDOW_MS;
  }

  function visibleOrders(): OrderRecord[] {
    return [...shop.orders.values()].filter(isVisible);
  }

  const moneyV2 = (minor: number, currencyCode: string): View => ({ __typename: "MoneyV2", amount: graphqlDecimal(minor, currencyCode), currencyCode });

  function bag(order: OrderRecord, pair: MoneyPair): View {
    return {
      __typename: "MoneyBag",
      shopMoney: moneyV2(pair.shop, order.currencyCode),
      presentmentMoney: moneyV2(pair.presentment, order.presentmentCurrencyCode),
    };
  }

  function taxLineView(order: OrderRecord, taxLine: TaxLineRecord): View {
    const rate = Number(taxLine.rate);
    return {
      __typename: "TaxLine",
      title: taxLine.title,
      rate,
      ratePercentage: Number((rate * 100).toPrecision(12)),
      priceSet: bag(order, taxLine.amount),
      channelLiable: false,
      source: "Shopify",
    };
  }

  function discountApplicationView(order: OrderRecord): View | null {
    const discount = order.discount;
    if (!discount) return null;
    const common = {
      index: 0,
      allocationMethod: "ACROSS",
      targetSelection: "ALL",
      targetType: "LINE_ITEM",
      value: { __typename: "PricingPercentageValue", percentage: Number(discount.percentage) },
    };
    return discount.code === null
      ? { __typename: "ManualDiscountApplication", ...common, title: discount.title, description: null }
      : { __typename: "DiscountCodeApplication", ...common, code: discount.code };
  }

  function lineItemView(order: OrderRecord, line: LineItemRecord): View {
    const refunded = refundedQuantity(order, line);
    const current = line.quantity - refunded;
    const discounted = lineDiscountedTotal(line);
    const variant = line.variantId === null ? undefined : shop.variants.get(line.variantId);
    const product = line.productId === null ? undefined : shop.products.get(line.productId);
    const application = discountApplicationView(order);
    const withoutTax = (amount: MoneyPair) => (order.taxesIncluded ? subtractPairs(amount, taxOf(line.taxLines)) : amount);
    return {
      __typename: "LineItem",
      id: gid("LineItem", line.id),
      name: line.variantTitle ? `${line.title} - ${line.variantTitle}` : line.title,
      title: line.title,
      variantTitle: line.variantTitle,
      sku: line.sku,
      vendor: line.vendor,
      quantity: line.quantity,
      currentQuantity: current,
      refundableQuantity: current,
      unfulfilledQuantity: order.fulfilled ? 0 : current,
      nonFulfillableQuantity: order.fulfilled ? 0 : refunded,
      taxable: line.taxable,
      requiresShipping: line.requiresShipping,
      isGiftCard: false,
      restockable: current > 0,
      variant: () => (variant ? catalog.variantView(variant) : null),
      product: () => (product ? catalog.productView(product) : null),
      originalUnitPriceSet: bag(order, line.unitPrice),
      originalTotalSet: bag(order, lineOriginalTotal(line)),
      // Order-level discounts are not line discounts: Shopify leaves them out of these and shows them in
      // discountAllocations (and in discountedUnitPriceAfterAllDiscountsSet).
      totalDiscountSet: bag(order, ZERO),
      discountedUnitPriceSet: bag(order, line.unitPrice),
      discountedTotalSet: (args: Args) => bag(order, args.withCodeDiscounts === true && order.discount?.code ? discounted : lineOriginalTotal(line)),
      discountedUnitPriceAfterAllDiscountsSet: bag(order, sharePair(discounted, 1, line.quantity)),
      priceAfterAllDiscountsBeforeTaxesSet: bag(order, withoutTax(remainingShare(order, line, discounted))),
      discountAllocations:
        application && (line.discountAllocation.presentment > 0 || line.discountAllocation.shop > 0)
          ? [{ __typename: "DiscountAllocation", allocatedAmountSet: bag(order, line.discountAllocation), discountApplication: application }]
          : [],
      taxLines: (args: Args) => line.taxLines.slice(0, (args.first as number | null | undefined) ?? undefined).map((taxLine) => taxLineView(order, taxLine)),
      customAttributes: [],
      duties: [],
    };
  }

  function shippingLineView(order: OrderRecord, line: ShippingLineRecord): View {
    return {
      __typename: "ShippingLine",
      id: gid("ShippingLine", line.id),
      title: line.title,
      code: line.code,
      source: "shopify",
      custom: false,
      carrierIdentifier: null,
      deliveryCategory: null,
      phone: null,
      shippingRateHandle: null,
      isRemoved: false,
      originalPriceSet: bag(order, line.price),
      discountedPriceSet: bag(order, line.price),
      currentDiscountedPriceSet: bag(order, subtractPairs(line.price, refundedShipping(order, line).subtotal)),
      discountAllocations: [],
      taxLines: line.taxLines.map((taxLine) => taxLineView(order, taxLine)),
    };
  }

  function feeView(order: OrderRecord, fee: TransactionFeeRecord): View {
    return {
      __typename: "TransactionFee",
      id: gid("TransactionFee", fee.id),
      type: fee.type,
      rate: fee.rate,
      rateName: fee.rateName,
      flatFeeName: fee.flatFeeName,
      flatFee: moneyV2(fee.flatFee, order.currencyCode),
      amount: moneyV2(fee.amount, order.currencyCode),
      taxAmount: moneyV2(fee.taxAmount, order.currencyCode),
    };
  }

  function transactionView(order: OrderRecord, transaction: TransactionRecord): View {
    const parent = transaction.parentId === null ? undefined : order.transactions.find((candidate) => candidate.id === transaction.parentId);
    const location = transaction.locationId === null ? undefined : shop.locations.get(transaction.locationId);
    return {
      __typename: "OrderTransaction",
      id: gid("OrderTransaction", transaction.id),
      kind: transaction.kind,
      status: transaction.status,
      gateway: transaction.gateway,
      formattedGateway: formattedGateway(transaction.gateway),
      amountSet: bag(order, transaction.amount),
      createdAt: iso(transaction.createdAt),
      processedAt: iso(transaction.processedAt),
      test: false,
      errorCode: null,
      authorizationCode: null,
      authorizationExpiresAt: null,
      accountNumber: null,
      paymentDetails: null,
      manualPaymentGateway: transaction.gateway === "manual" || transaction.gateway === "cash",
      manuallyCapturable: false,
      multiCapturable: false,
      totalUnsettledSet: bag(order, ZERO),
      fees: transaction.fees.map((fee) => feeView(order, fee)),
      parentTransaction: () => (parent ? transactionView(order, parent) : null),
      location: () => (location ? catalog.locationView(location) : null),
      order: () => orderView(order),
      user: null,
    };
  }

  function refundLineItemView(order: OrderRecord, item: RefundLineItemRecord): View {
    const line = order.lineItems.find((candidate) => candidate.id === item.lineItemId)!;
    const location = item.locationId === null ? undefined : shop.locations.get(item.locationId);
    return {
      __typename: "RefundLineItem",
      id: gid("RefundLineItem", item.id),
      lineItem: () => lineItemView(order, line),
      quantity: item.quantity,
      restockType: item.restockType,
      restocked: item.restockType !== "NO_RESTOCK",
      location: () => (location ? catalog.locationView(location) : null),
      priceSet: bag(order, line.unitPrice),
      subtotalSet: bag(order, item.subtotal),
      totalTaxSet: bag(order, item.totalTax),
    };
  }

  function refundShippingLineView(order: OrderRecord, part: RefundShippingLineRecord): View {
    const line = order.shippingLines.find((candidate) => candidate.id === part.shippingLineId)!;
    return {
      __typename: "RefundShippingLine",
      id: gid("RefundShippingLine", part.id),
      shippingLine: () => shippingLineView(order, line),
      subtotalAmountSet: bag(order, part.subtotal),
      taxAmountSet: bag(order, part.tax),
    };
  }

  function adjustmentView(order: OrderRecord, adjustment: OrderAdjustmentRecord): View {
    return {
      __typename: "OrderAdjustment",
      id: gid("OrderAdjustment", adjustment.id),
      reason: adjustment.reason,
      amountSet: bag(order, adjustment.amount),
      taxAmountSet: bag(order, adjustment.taxAmount),
    };
  }

  const byId = <T extends { id: number }>(typeName: string, view: (record: T) => View): ConnectionOptions<T> => ({ typeName, view, sortKeys: { ID: (record) => record.id } });

  function refundView(order: OrderRecord, refund: RefundRecord): View {
    const page = <T extends { id: number }>(records: T[], options: ConnectionOptions<T>) => (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
      connection(records, args, context, info, options);
    return {
      __typename: "Refund",
      id: gid("Refund", refund.id),
      legacyResourceId: String(refund.id),
      createdAt: iso(refund.createdAt),
      updatedAt: iso(refund.createdAt),
      processedAt: iso(refund.processedAt),
      note: refund.note,
      order: () => orderView(order),
      totalRefundedSet: bag(order, refundTotal(order, refund)),
      refundLineItems: page(refund.lineItems, byId("RefundLineItem", (item: RefundLineItemRecord) => refundLineItemView(order, item))),
      refundShippingLines: page(refund.shippingLines, byId("RefundShippingLine", (part: RefundShippingLineRecord) => refundShippingLineView(order, part))),
      transactions: page(transactionsOf(order, refund), byId("OrderTransaction", (transaction: TransactionRecord) => transactionView(order, transaction))),
      orderAdjustments: page(refund.adjustments, byId("OrderAdjustment", (adjustment: OrderAdjustmentRecord) => adjustmentView(order, adjustment))),
      duties: [],
      return: null,
      staffMember: null,
    };
  }

  function customerView(customer: CustomerRecord): View {
    return {
      __typename: "Customer",
      id: gid("Customer", customer.id),
      legacyResourceId: String(customer.id),
      firstName: customer.firstName,
      lastName: customer.lastName,
      displayName: `${customer.firstName} ${customer.lastName}`.trim() || customer.email,
      email: customer.email,
      phone: customer.phone,
      defaultEmailAddress: { __typename: "CustomerEmailAddress", emailAddress: customer.email, validFormat: true },
      // UnsignedInt64, serialized as a string as Shopify does.
      numberOfOrders: String(customer.orderIds.length),
      taxExempt: false,
      tags: [],
      note: null,
      verifiedEmail: true,
    };
  }

  function orderView(order: OrderRecord): View {
    const totals = orderTotals(order);
    const location = shop.locations.get(order.locationId);
    const customer = order.customerId === null ? undefined : shop.customers.find((candidate) => candidate.id === order.customerId);
    const application = discountApplicationView(order);
    const applications = application ? [{ id: 0, application }] : [];
    const pos = order.sourceName === "pos";
    const gateways = [...new Set(order.transactions.filter((transaction) => transaction.kind === "SALE").map((transaction) => transaction.gateway))];
    return {
      __typename: "Order",
      id: gid("Order", order.id),
      legacyResourceId: String(order.id),
      name: order.name,
      number: order.number,
      createdAt: iso(order.createdAt),
      updatedAt: iso(order.updatedAt),
      processedAt: iso(order.processedAt),
      closed: order.closedAt !== null,
      closedAt: order.closedAt && iso(order.closedAt),
      cancelledAt: order.cancelledAt && iso(order.cancelledAt),
      cancelReason: null,
      confirmed: true,
      test: false,
      currencyCode: order.currencyCode,
      presentmentCurrencyCode: order.presentmentCurrencyCode,
      displayFinancialStatus: totals.financialStatus,
      displayFulfillmentStatus: order.fulfilled ? "FULFILLED" : "UNFULFILLED",
      fullyPaid: true,
      unpaid: false,
      capturable: false,
      canMarkAsPaid: false,
      refundable: totals.netPayment.presentment > 0,
      restockable: totals.current.lineItemsQuantity > 0,
      requiresShipping: !pos && order.lineItems.some((line) => line.requiresShipping),
      fulfillable: !order.fulfilled && totals.current.lineItemsQuantity > 0,
      email: order.email,
      phone: null,
      note: null,
      tags: [],
      sourceName: order.sourceName,
      sourceIdentifier: null,
      customer: () => (customer ? customerView(customer) : null),
      // A retail (POS) sale has the store it happened in; an online order has none.
      retailLocation: () => (pos && location ? catalog.locationView(location) : null),
      physicalLocation: () => (location ? catalog.locationView(location) : null),
      paymentGatewayNames: gateways,
      subtotalLineItemsQuantity: totals.lineItemsQuantity,
      currentSubtotalLineItemsQuantity: totals.current.lineItemsQuantity,
      taxesIncluded: order.taxesIncluded,
      taxExempt: false,
      estimatedTaxes: false,
      dutiesIncluded: false,
      taxLines: totals.taxLines.map((taxLine) => taxLineView(order, taxLine)),
      currentTaxLines: totals.current.taxLines.map((taxLine) => taxLineView(order, taxLine)),
      subtotalPriceSet: bag(order, totals.subtotal),
      currentSubtotalPriceSet: bag(order, totals.current.subtotal),
      totalDiscountsSet: bag(order, totals.discounts),
      currentTotalDiscountsSet: bag(order, totals.current.discounts),
      cartDiscountAmountSet: bag(order, totals.discounts),
      currentCartDiscountAmountSet: bag(order, totals.current.discounts),
      totalShippingPriceSet: bag(order, totals.shipping),
      currentShippingPriceSet: bag(order, totals.current.shipping),
      totalRefundedShippingSet: bag(order, totals.refundedShipping),
      totalTaxSet: bag(order, totals.tax),
      currentTotalTaxSet: bag(order, totals.current.tax),
      totalTipReceivedSet: bag(order, totals.tip),
      totalPriceSet: bag(order, totals.total),
      originalTotalPriceSet: bag(order, totals.total),
      currentTotalPriceSet: bag(order, totals.current.total),
      totalReceivedSet: bag(order, totals.received),
      totalRefundedSet: bag(order, totals.refunded),
      netPaymentSet: bag(order, totals.netPayment),
      totalOutstandingSet: bag(order, totals.outstanding),
      refundDiscrepancySet: bag(order, totals.refundDiscrepancy),
      totalCapturableSet: bag(order, ZERO),
      discountCode: order.discount?.code ?? null,
      discountCodes: order.discount?.code ? [order.discount.code] : [],
      discountApplications: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
        connection(applications, args, context, info, { typeName: "DiscountApplication", view: (record) => record.application, sortKeys: { ID: (record) => record.id } }),
      lineItems: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
        connection(order.lineItems, args, context, info, byId("LineItem", (line: LineItemRecord) => lineItemView(order, line))),
      shippingLine: order.shippingLines[0] ? shippingLineView(order, order.shippingLines[0]) : null,
      shippingLines: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
        connection(order.shippingLines, args, context, info, byId("ShippingLine", (line: ShippingLineRecord) => shippingLineView(order, line))),
      transactions: (args: Args) => {
        // No sandbox transaction is an authorization waiting for capture or needs manual resolution.
        if (args.capturable === true || args.manuallyResolvable === true) return [];
        return order.transactions.slice(0, (args.first as number | null | undefined) ?? undefined).map((transaction) => transactionView(order, transaction));
      },
      transactionsCount: count(order.transactions.length, {}),
      refunds: (args: Args) => order.refunds.slice(0, (args.first as number | null | undefined) ?? undefined).map((refund) => refundView(order, refund)),
    };
  }

  const orderConnection: ConnectionOptions<OrderRecord> = {
    typeName: "Order",
    view: orderView,
    sortKeys: {
      ID: (o) => o.id,
      ORDER_NUMBER: (o) => o.number,
      CREATED_AT: (o) => o.createdAt.getTime(),
      UPDATED_AT: (o) => o.updatedAt.getTime(),
      PROCESSED_AT: (o) => o.processedAt.getTime(),
      TOTAL_PRICE: (o) => orderTotals(o).total.shop,
      CURRENT_TOTAL_PRICE: (o) => orderTotals(o).current.total.shop,
      FINANCIAL_STATUS: (o) => orderTotals(o).financialStatus,
      TOTAL_ITEMS_QUANTITY: (o) => orderTotals(o).lineItemsQuantity,
    },
    defaultSortKey: "PROCESSED_AT",
    search: { fields: orderSearch, freeText: ["name", "email"] },
  };

  /** The order of a visible order's id, or undefined (not found, or outside the 60-day window). */
  function findOrder(id: number): OrderRecord | undefined {
    const order = shop.orders.get(id);
    return order && isVisible(order) ? order : undefined;
  }

  /** node(id) for the order types; undefined when the type is not one of them. */
  function orderNode(type: string, id: number): View | null | undefined {
    switch (type) {
      case "Order": {
        requireOrderAccess("order");
        const order = findOrder(id);
        return order ? orderView(order) : null;
      }
      case "Refund": {
        requireOrderAccess("refund");
        for (const order of visibleOrders()) {
          const refund = order.refunds.find((candidate) => candidate.id === id);
          if (refund) return refundView(order, refund);
        }
        return null;
      }
      case "OrderTransaction": {
        requireOrderAccess("transaction");
        for (const order of visibleOrders()) {
          const transaction = order.transactions.find((candidate) => candidate.id === id);
          if (transaction) return transactionView(order, transaction);
        }
        return null;
      }
      case "Customer": {
        const customer = shop.customers.find((candidate) => candidate.id === id);
        return customer ? customerView(customer) : null;
      }
      default:
        return undefined;
    }
  }

  /** The query root's order fields. */
  const queryFields = {
    orders: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) => {
      requireOrderAccess("orders");
      return connection(visibleOrders(), args, context, info, orderConnection);
    },
    ordersCount: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) => {
      requireOrderAccess("ordersCount");
      // The connection's own filter, without paging: the count of what `orders(query:)` would list.
      const all = connection(visibleOrders(), { ...args, first: shop.orders.size }, context, info, orderConnection) as { edges: unknown[] };
      return count(all.edges.length, args);
    },
    // An id of another type finds nothing (-1), as at Shopify; a malformed one fails in idOfType.
    order: (args: Args) => orderNode("Order", idOfType(args.id as string, "Order") ?? -1),
    refund: (args: Args) => orderNode("Refund", idOfType(args.id as string, "Refund") ?? -1),
  };

  return { orderView, refundView, customerView, orderNode, queryFields };
}

import { gid } from "./gid";
import { restDecimal, ZERO, type MoneyPair } from "./money";
import { orderTotals, refundedQuantity, transactionsOf } from "./order-totals";
import type { LineItemRecord, OrderRecord, RefundRecord, ShippingLineRecord, ShopRecord, TaxLineRecord, TransactionRecord } from "./store";
import { shopTime } from "./time";

/**
 * The REST representations Shopify sends as webhook bodies: the order (orders/create, orders/paid,
 * orders/updated) and the refund (refunds/create). Snake case, times in the shop's zone, shop amounts as strings
 * with the currency's decimals ("118.00") next to `*_set` objects holding both currencies. Field names follow the
 * REST Order and Refund resources; fields about things the sandbox does not model (addresses, fulfillments,
 * client details) are left out rather than filled with invented values.
 */

type Payload = Record<string, unknown>;

function moneyHelpers(shop: ShopRecord, order: OrderRecord) {
  const shopAmount = (pair: MoneyPair) => restDecimal(pair.shop, order.currencyCode);
  const set = (pair: MoneyPair) => ({
    shop_money: { amount: restDecimal(pair.shop, order.currencyCode), currency_code: order.currencyCode },
    presentment_money: { amount: restDecimal(pair.presentment, order.presentmentCurrencyCode), currency_code: order.presentmentCurrencyCode },
  });
  const time = (date: Date | null) => date && shopTime(date, shop.ianaTimezone);
  const taxLines = (lines: TaxLineRecord[]) =>
    lines.map((line) => ({ channel_liable: false, price: shopAmount(line.amount), price_set: set(line.amount), rate: Number(line.rate), title: line.title }));
  return { shopAmount, set, time, taxLines };
}

function lineItemPayload(shop: ShopRecord, order: OrderRecord, line: LineItemRecord): Payload {
  const { shopAmount, set, taxLines } = moneyHelpers(shop, order);
  const current = line.quantity - refundedQuantity(order, line);
  return {
    id: line.id,
    admin_graphql_api_id: gid("LineItem", line.id),
    current_quantity: current,
    fulfillable_quantity: order.fulfilled ? 0 : current,
    fulfillment_service: "manual",
    fulfillment_status: order.fulfilled ? "fulfilled" : null,
    gift_card: false,
    name: line.variantTitle ? `${line.title} - ${line.variantTitle}` : line.title,
    price: shopAmount(line.unitPrice),
    price_set: set(line.unitPrice),
    product_exists: line.productId !== null && shop.products.has(line.productId),
    product_id: line.productId,
    properties: [],
    quantity: line.quantity,
    requires_shipping: line.requiresShipping,
    sku: line.sku,
    taxable: line.taxable,
    title: line.title,
    // Order-level discounts are not in a line's total_discount (Shopify shows them in discount_allocations).
    total_discount: shopAmount(ZERO),
    total_discount_set: set(ZERO),
    variant_id: line.variantId,
    variant_title: line.variantTitle,
    vendor: line.vendor,
    tax_lines: taxLines(line.taxLines),
    duties: [],
    discount_allocations:
      order.discount && line.discountAllocation.presentment > 0
        ? [{ amount: shopAmount(line.discountAllocation), amount_set: set(line.discountAllocation), discount_application_index: 0 }]
        : [],
  };
}

function shippingLinePayload(shop: ShopRecord, order: OrderRecord, line: ShippingLineRecord): Payload {
  const { shopAmount, set, taxLines } = moneyHelpers(shop, order);
  return {
    id: line.id,
    carrier_identifier: null,
    code: line.code,
    discounted_price: shopAmount(line.price),
    discounted_price_set: set(line.price),
    price: shopAmount(line.price),
    price_set: set(line.price),
    source: "shopify",
    title: line.title,
    tax_lines: taxLines(line.taxLines),
    discount_allocations: [],
  };
}

/** A REST transaction: `amount` and `currency` are the presentment (the customer's) ones, as Shopify's are. */
export function transactionPayload(shop: ShopRecord, order: OrderRecord, transaction: TransactionRecord): Payload {
  const { set, time } = moneyHelpers(shop, order);
  return {
    id: transaction.id,
    admin_graphql_api_id: gid("OrderTransaction", transaction.id),
    order_id: order.id,
    kind: transaction.kind.toLowerCase(),
    gateway: transaction.gateway,
    status: transaction.status.toLowerCase(),
    message: null,
    created_at: time(transaction.createdAt),
    processed_at: time(transaction.processedAt),
    test: false,
    authorization: null,
    location_id: transaction.locationId,
    user_id: null,
    parent_id: transaction.parentId,
    device_id: null,
    error_code: null,
    source_name: order.sourceName,
    amount: restDecimal(transaction.amount.presentment, order.presentmentCurrencyCode),
    currency: order.presentmentCurrencyCode,
    total_unsettled_set: set(ZERO),
    manual_payment_gateway: transaction.gateway === "manual" || transaction.gateway === "cash",
  };
}

export function refundPayload(shop: ShopRecord, order: OrderRecord, refund: RefundRecord): Payload {
  const { shopAmount, set, time } = moneyHelpers(shop, order);
  // REST refund line items carry subtotal and total_tax as numbers, unlike the order's amount strings.
  const number = (pair: MoneyPair) => Number(shopAmount(pair));
  return {
    id: refund.id,
    admin_graphql_api_id: gid("Refund", refund.id),
    order_id: order.id,
    created_at: time(refund.createdAt),
    processed_at: time(refund.processedAt),
    note: refund.note,
    restock: refund.restock,
    user_id: null,
    duties: [],
    total_duties_set: set(ZERO),
    refund_line_items: refund.lineItems.map((item) => {
      const line = order.lineItems.find((candidate) => candidate.id === item.lineItemId)!;
      return {
        id: item.id,
        line_item_id: item.lineItemId,
        location_id: item.locationId,
        quantity: item.quantity,
        restock_type: item.restockType.toLowerCase(),
        subtotal: number(item.subtotal),
        subtotal_set: set(item.subtotal),
        total_tax: number(item.totalTax),
        total_tax_set: set(item.totalTax),
        line_item: lineItemPayload(shop, order, line),
      };
    }),
    refund_shipping_lines: refund.shippingLines.map((part) => ({
      id: part.id,
      shipping_line_id: part.shippingLineId,
      subtotal_amount_set: set(part.subtotal),
      tax_amount_set: set(part.tax),
    })),
    order_adjustments: refund.adjustments.map((adjustment) => ({
      id: adjustment.id,
      order_id: order.id,
      refund_id: refund.id,
      amount: shopAmount(adjustment.amount),
      amount_set: set(adjustment.amount),
      tax_amount: shopAmount(adjustment.taxAmount),
      tax_amount_set: set(adjustment.taxAmount),
      kind: "refund_discrepancy",
      reason: "Refund discrepancy",
    })),
    transactions: transactionsOf(order, refund).map((transaction) => transactionPayload(shop, order, transaction)),
  };
}

export function orderPayload(shop: ShopRecord, order: OrderRecord): Payload {
  const { shopAmount, set, time, taxLines } = moneyHelpers(shop, order);
  const totals = orderTotals(order);
  const customer = order.customerId === null ? undefined : shop.customers.find((candidate) => candidate.id === order.customerId);
  const gateways = [...new Set(order.transactions.filter((transaction) => transaction.kind === "SALE").map((transaction) => transaction.gateway))];
  const discount = order.discount;
  return {
    id: order.id,
    admin_graphql_api_id: gid("Order", order.id),
    name: order.name,
    number: order.number - 1000,
    order_number: order.number,
    email: order.email,
    contact_email: order.email,
    phone: null,
    created_at: time(order.createdAt),
    updated_at: time(order.updatedAt),
    processed_at: time(order.processedAt),
    closed_at: time(order.closedAt),
    cancelled_at: time(order.cancelledAt),
    cancel_reason: null,
    confirmed: true,
    test: false,
    currency: order.currencyCode,
    presentment_currency: order.presentmentCurrencyCode,
    financial_status: totals.financialStatus.toLowerCase(),
    fulfillment_status: order.fulfilled ? "fulfilled" : null,
    source_name: order.sourceName,
    location_id: order.sourceName === "pos" ? order.locationId : null,
    payment_gateway_names: gateways,
    taxes_included: order.taxesIncluded,
    tax_exempt: false,
    tags: "",
    note: null,
    note_attributes: [],
    user_id: null,
    app_id: null,
    buyer_accepts_marketing: false,
    total_line_items_price: shopAmount(totals.lineItems),
    total_line_items_price_set: set(totals.lineItems),
    subtotal_price: shopAmount(totals.subtotal),
    subtotal_price_set: set(totals.subtotal),
    total_discounts: shopAmount(totals.discounts),
    total_discounts_set: set(totals.discounts),
    total_shipping_price_set: set(totals.shipping),
    total_tax: shopAmount(totals.tax),
    total_tax_set: set(totals.tax),
    total_tip_received: shopAmount(totals.tip),
    total_price: shopAmount(totals.total),
    total_price_set: set(totals.total),
    total_outstanding: shopAmount(totals.outstanding),
    current_subtotal_price: shopAmount(totals.current.subtotal),
    current_subtotal_price_set: set(totals.current.subtotal),
    current_total_discounts: shopAmount(totals.current.discounts),
    current_total_discounts_set: set(totals.current.discounts),
    current_total_tax: shopAmount(totals.current.tax),
    current_total_tax_set: set(totals.current.tax),
    current_total_price: shopAmount(totals.current.total),
    current_total_price_set: set(totals.current.total),
    current_total_duties_set: null,
    tax_lines: taxLines(totals.taxLines),
    discount_codes: discount?.code ? [{ code: discount.code, amount: shopAmount(totals.discounts), type: "percentage" }] : [],
    discount_applications: discount
      ? [
          {
            type: discount.code ? "discount_code" : "manual",
            ...(discount.code ? { code: discount.code } : { title: discount.title, description: null }),
            value: discount.percentage,
            value_type: "percentage",
            allocation_method: "across",
            target_selection: "all",
            target_type: "line_item",
          },
        ]
      : [],
    customer: customer
      ? {
          id: customer.id,
          admin_graphql_api_id: gid("Customer", customer.id),
          email: customer.email,
          first_name: customer.firstName,
          last_name: customer.lastName,
          phone: customer.phone,
        }
      : null,
    line_items: order.lineItems.map((line) => lineItemPayload(shop, order, line)),
    shipping_lines: order.shippingLines.map((line) => shippingLinePayload(shop, order, line)),
    refunds: order.refunds.map((refund) => refundPayload(shop, order, refund)),
  };
}

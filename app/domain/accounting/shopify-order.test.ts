import { describe, expect, it } from "vitest";
import { receiptTotal } from "./ledger";
import { money } from "./money";
import { buildRefundDocuments } from "./refund-receipt";
import { buildSaleDocuments } from "./sales-receipt";
import { mapShopifyRefund, mapShopifySale, ONLINE_STORE_LOCATION } from "./shopify-order";
import type { MappingResult } from "./source-sale";
import { books, fixtureContext } from "./test-fixtures";

function ok<T>(result: MappingResult<T>): T {
  if (!result.ok) throw new Error(`mapping failed: ${result.problems.join("; ")}`);
  return result.value;
}

/** A MoneyBag: the shop's USD amount and the buyer's EUR amount, as decimal strings. */
const bag = (shop: string, presentment: string, shopCurrency = "USD", presentmentCurrency = "EUR") => ({
  shopMoney: { amount: shop, currencyCode: shopCurrency },
  presentmentMoney: { amount: presentment, currencyCode: presentmentCurrency },
});

const welcome = { allocationMethod: "ACROSS", targetSelection: "ALL", targetType: "LINE_ITEM", title: "WELCOME10", index: 0 };
const mugDeal = { allocationMethod: "EACH", targetSelection: "ENTITLED", targetType: "LINE_ITEM", title: "Mug deal", index: 1 };

/**
 * An online order from a shop kept in USD, paid in EUR: two tees and a mug, 10% off the order (spread over the
 * lines by Shopify) and 1.00 off the mug, shipping, US tax, a tip, paid with Shopify Payments (Visa) with its fee.
 * Shopify converts each amount from EUR on its own, so the USD parts come to 64.63 while 64.64 was received.
 */
const onlineOrder = {
  id: "gid://shopify/Order/5512345678",
  name: "#1001",
  test: false,
  cancelledAt: null,
  displayFinancialStatus: "PARTIALLY_REFUNDED",
  processedAt: "2026-11-26T20:00:00Z",
  currencyCode: "USD",
  presentmentCurrencyCode: "EUR",
  taxesIncluded: false,
  email: "ana@example.com",
  customer: { email: "ana@example.com", displayName: "Ana Ruiz" },
  retailLocation: null,
  lineItems: {
    nodes: [
      {
        id: "gid://shopify/LineItem/1",
        sku: "TEE-M",
        name: "Tillbridge Tee - M",
        quantity: 2,
        taxable: true,
        originalUnitPriceSet: bag("21.74", "20.00"),
        discountedUnitPriceSet: bag("21.74", "20.00"),
        discountAllocations: [{ allocatedAmountSet: bag("4.35", "4.00"), discountApplication: welcome }],
        taxLines: [{ title: "NY State Tax", priceSet: bag("3.13", "2.88") }],
        product: { productType: "Apparel" },
      },
      {
        id: "gid://shopify/LineItem/2",
        sku: "MUG",
        name: "Enamel mug",
        quantity: 1,
        taxable: true,
        originalUnitPriceSet: bag("16.30", "15.00"),
        discountedUnitPriceSet: bag("15.30", "14.08"),
        discountAllocations: [
          { allocatedAmountSet: bag("1.63", "1.50"), discountApplication: welcome },
          { allocatedAmountSet: bag("1.00", "0.92"), discountApplication: mugDeal },
        ],
        taxLines: [{ title: "NY State Tax", priceSet: bag("1.09", "1.00") }],
        product: { productType: "Kitchen" },
      },
    ],
  },
  shippingLines: { edges: [{ node: { title: "Standard", discountedPriceSet: bag("5.44", "5.00"), taxLines: [] } }] },
  totalShippingPriceSet: bag("5.44", "5.00"),
  totalTaxSet: bag("4.22", "3.88"),
  totalTipReceivedSet: bag("2.17", "2.00"),
  totalPriceSet: bag("64.64", "59.46"),
  transactions: [
    { id: "gid://shopify/OrderTransaction/1", kind: "AUTHORIZATION", status: "SUCCESS", gateway: "shopify_payments", amountSet: bag("64.64", "59.46"), fees: [] },
    {
      id: "gid://shopify/OrderTransaction/2",
      kind: "CAPTURE",
      status: "SUCCESS",
      gateway: "shopify_payments",
      amountSet: bag("64.64", "59.46"),
      fees: [{ amount: { amount: "2.17", currencyCode: "USD" } }],
      paymentDetails: { company: "Visa" },
    },
    { id: "gid://shopify/OrderTransaction/3", kind: "REFUND", status: "SUCCESS", gateway: "shopify_payments", amountSet: bag("21.14", "19.45"), fees: [], paymentDetails: { company: "Visa" } },
  ],
  refunds: [
    {
      id: "gid://shopify/Refund/77",
      createdAt: "2026-11-28T10:00:00Z",
      processedAt: "2026-11-28T10:00:00Z",
      note: "Too small",
      refundLineItems: {
        nodes: [{ quantity: 1, subtotalSet: bag("19.57", "18.00"), totalTaxSet: bag("1.57", "1.44"), lineItem: { id: "gid://shopify/LineItem/1", sku: "TEE-M", name: "Tillbridge Tee - M", taxable: true } }],
      },
      refundShippingLines: { nodes: [] },
      transactions: { nodes: [{ id: "gid://shopify/OrderTransaction/3", kind: "REFUND", status: "SUCCESS", gateway: "shopify_payments", amountSet: bag("21.14", "19.45"), fees: [], paymentDetails: { company: "Visa" } }] },
      totalRefundedSet: bag("21.14", "19.45"),
    },
  ],
};

const usd = (amount: number) => money(amount, "USD");
const gbp = (amount: number) => money(amount, "GBP");

describe("mapShopifySale", () => {
  it("posts in the shop currency and keeps what the buyer paid for the memo", () => {
    const result = mapShopifySale({ order: onlineOrder, timeZone: "America/New_York" });
    const sale = ok(result);
    expect(sale).toMatchObject({
      source: "shopify",
      sourceId: "gid://shopify/Order/5512345678",
      sourceName: "#1001",
      locationId: ONLINE_STORE_LOCATION,
      businessDate: "2026-11-26",
      currency: "USD",
      presentment: { currency: "EUR", total: money(5946, "EUR"), exchangeRate: "1.087117" },
      customer: { email: "ana@example.com", name: "Ana Ruiz" },
      orderDiscounts: [{ name: "WELCOME10", amount: usd(598) }],
      shipping: [{ name: "Standard", amount: usd(544), tax: usd(0), taxIncluded: usd(0) }],
      tips: usd(217),
      taxTotal: usd(422),
      roundingAdjustment: usd(1),
      tenders: [{ kind: "card", brand: "visa", amount: usd(6464), processingFee: usd(217), paymentId: "gid://shopify/OrderTransaction/2" }],
      total: usd(6464),
    });
    expect(sale.lines.map((line) => [line.sku, line.quantity, line.unitPrice.amount, line.gross.amount, line.discount.amount, line.tax.amount, line.category])).toEqual([
      ["TEE-M", "2", 2174, 4348, 0, 313, "Apparel"],
      ["MUG", "1", 1630, 1630, 100, 109, "Kitchen"],
    ]);
    expect(result.ok && result.warnings).toEqual(["Shopify order #1001: the shop-currency amounts miss the 64.64 USD received by 0.01 from converting EUR; posted as rounding."]);
  });

  it("gives a receipt numbered after the order name that totals the money received, with the EUR amount in the memo", () => {
    const sale = ok(mapShopifySale({ order: onlineOrder, timeZone: "America/New_York" }));
    const ctx = fixtureContext([sale]);
    const { receipt, fees } = buildSaleDocuments(sale, ctx);
    expect(receipt.docNumber).toBe("SH-#1001");
    expect(receipt.payload.CurrencyRef).toBeUndefined();
    expect(receipt.payload.PrivateNote).toContain("customer paid 59.46 EUR (1 EUR = 1.087117 USD)");
    expect(receiptTotal(receipt, "USD")).toBe(6464);
    expect(books([receipt, fees], ctx)).toMatchObject({ "Undeposited Funds": 6464 - 217, "Merchant account fees": 217, "Discounts given": 698, "Sales tax": -422, "Other Income": -1 });
  });

  it("maps a POS order with tax-inclusive prices, a gift card sold and split cash / gift card payment", () => {
    const order = {
      ...onlineOrder,
      id: "gid://shopify/Order/2",
      name: "#1002",
      displayFinancialStatus: "PAID",
      currencyCode: "GBP",
      presentmentCurrencyCode: "GBP",
      taxesIncluded: true,
      customer: null,
      email: null,
      retailLocation: { id: "gid://shopify/Location/7" },
      lineItems: {
        nodes: [
          { id: "gid://shopify/LineItem/10", sku: "SCARF", name: "Wool scarf", quantity: 1, taxable: true, originalUnitPriceSet: bag("24.00", "24.00", "GBP", "GBP"), discountAllocations: [], taxLines: [{ priceSet: bag("4.00", "4.00", "GBP", "GBP") }] },
          { id: "gid://shopify/LineItem/11", sku: null, name: "Gift card £10", quantity: 1, isGiftCard: true, taxable: false, originalUnitPriceSet: bag("10.00", "10.00", "GBP", "GBP"), discountAllocations: [], taxLines: [] },
        ],
      },
      shippingLines: { nodes: [] },
      totalShippingPriceSet: bag("0.00", "0.00", "GBP", "GBP"),
      totalTaxSet: bag("4.00", "4.00", "GBP", "GBP"),
      totalTipReceivedSet: bag("0.00", "0.00", "GBP", "GBP"),
      totalPriceSet: bag("34.00", "34.00", "GBP", "GBP"),
      transactions: [
        { id: "t1", kind: "SALE", status: "SUCCESS", gateway: "cash", amountSet: bag("20.00", "20.00", "GBP", "GBP"), fees: [] },
        { id: "t2", kind: "SALE", status: "SUCCESS", gateway: "gift_card", amountSet: bag("14.00", "14.00", "GBP", "GBP"), fees: [] },
        { id: "t3", kind: "SALE", status: "FAILURE", gateway: "shopify_payments", amountSet: bag("34.00", "34.00", "GBP", "GBP"), fees: [] },
      ],
      refunds: [],
    };
    const sale = ok(mapShopifySale({ order, timeZone: "Europe/London" }));
    expect(sale.locationId).toBe("gid://shopify/Location/7");
    expect(sale.presentment).toBeUndefined();
    expect(sale.lines).toEqual([expect.objectContaining({ sku: "SCARF", gross: gbp(2400), tax: gbp(400), taxIncluded: gbp(400) })]);
    expect(sale.giftCardSales).toEqual([{ name: "Gift card £10", amount: gbp(1000) }]);
    expect(sale.tenders.map((tender) => [tender.kind, tender.amount.amount])).toEqual([
      ["cash", 2000],
      ["gift_card", 1400],
    ]);
    const ctx = fixtureContext([sale], undefined, { company: { homeCurrency: "GBP", multiCurrencyEnabled: false } });
    const documents = buildSaleDocuments(sale, ctx);
    expect(receiptTotal(documents.receipt, "GBP")).toBe(3400);
    expect(documents.receipt.payload.Line.map((line) => line.Amount)).toEqual([20, 10]);
    expect(books(Object.values(documents), ctx)).toMatchObject({ "Cash on hand": 2000, "Gift Card Liability": 1400 - 1000, "Sales tax": -400 });
  });

  it("reads connections as nodes or edges alike", () => {
    const withEdges = { ...onlineOrder, lineItems: { edges: onlineOrder.lineItems.nodes.map((node) => ({ node })) }, shippingLines: { nodes: [onlineOrder.shippingLines.edges[0]?.node] } };
    expect(ok(mapShopifySale({ order: withEdges, timeZone: "America/New_York" }))).toEqual(ok(mapShopifySale({ order: onlineOrder, timeZone: "America/New_York" })));
  });

  it("attributes the tax not on items to shipping when the shipping lines are not read", () => {
    const taxedShipping = { ...onlineOrder, shippingLines: undefined, totalTaxSet: bag("4.66", "4.28"), totalPriceSet: bag("65.08", "59.86"), transactions: onlineOrder.transactions.map((entry) => (entry.kind === "CAPTURE" ? { ...entry, amountSet: bag("65.08", "59.86") } : entry)) };
    const sale = ok(mapShopifySale({ order: taxedShipping, timeZone: "America/New_York" }));
    expect(sale.shipping).toEqual([{ name: "Shipping", amount: usd(544), tax: usd(44), taxIncluded: usd(0) }]);
  });

  it("says plainly why an order cannot be posted", () => {
    const pending = mapShopifySale({ order: { ...onlineOrder, displayFinancialStatus: "PENDING" }, timeZone: "UTC" });
    expect(!pending.ok && pending.problems).toEqual(["Shopify order #1001 is not paid (Shopify says pending): it is posted once it is paid."]);
    const test = mapShopifySale({ order: { ...onlineOrder, test: true }, timeZone: "UTC" });
    expect(!test.ok && test.problems).toEqual(["Shopify order #1001 is a test order; test orders are not posted to QuickBooks."]);
    const shopOnly = { ...onlineOrder, presentmentCurrencyCode: "USD", totalTipReceivedSet: bag("0.00", "0.00") };
    const short = mapShopifySale({ order: shopOnly, timeZone: "UTC" });
    expect(!short.ok && short.problems).toEqual([
      "Shopify order #1001 does not add up: its items, shipping, tax and tips come to 62.46 USD, but 64.64 USD was received. It may not be fully paid, or it was edited after payment; check it in Shopify.",
    ]);
    const malformed = mapShopifySale({ order: { ...onlineOrder, totalPriceSet: { shopMoney: { amount: 64.64 } } }, timeZone: "UTC" });
    expect(!malformed.ok && malformed.problems[0]).toMatch(/^The order is not shaped as Shopify sends it: totalPriceSet/);
  });
});

describe("mapShopifyRefund", () => {
  it("maps the refund of one tee with its tax, paid back to the card", () => {
    const refund = ok(mapShopifyRefund({ order: onlineOrder, refundId: "gid://shopify/Refund/77", timeZone: "America/New_York" }));
    expect(refund).toMatchObject({
      source: "shopify",
      refundId: "gid://shopify/Refund/77",
      saleSourceId: onlineOrder.id,
      saleSourceName: "#1001",
      sequence: 1,
      businessDate: "2026-11-28",
      taxTotal: usd(157),
      adjustment: usd(0),
      tenders: [{ kind: "card", brand: "visa", amount: usd(2114) }],
      feeRefunded: usd(0),
      total: usd(2114),
      reason: "Too small",
    });
    expect(refund.lines).toEqual([{ lineId: "gid://shopify/LineItem/1", sku: "TEE-M", name: "Tillbridge Tee - M", quantity: "1", gross: usd(1957), discount: usd(0), tax: usd(157), taxIncluded: usd(0), taxable: true }]);
    const ctx = fixtureContext([refund]);
    const { receipt } = buildRefundDocuments(refund, ctx);
    expect(receipt.docNumber).toBe("SH-#1001-R1");
    expect(receiptTotal(receipt, "USD")).toBe(2114);
  });

  it("numbers refunds by when they happened, and posts money no line explains as an adjustment with a warning", () => {
    const goodwill = {
      id: "gid://shopify/Refund/78",
      createdAt: "2026-11-29T09:00:00Z",
      processedAt: "2026-11-29T09:00:00Z",
      note: null,
      refundLineItems: { nodes: [] },
      transactions: { nodes: [{ id: "gid://shopify/OrderTransaction/4", kind: "REFUND", status: "SUCCESS", gateway: "shopify_payments", amountSet: bag("5.00", "4.60"), fees: [{ amount: { amount: "-0.15", currencyCode: "USD" } }], paymentDetails: { company: "Visa" } }] },
    };
    const order = { ...onlineOrder, refunds: [goodwill, ...onlineOrder.refunds] };
    const result = mapShopifyRefund({ order, refundId: "gid://shopify/Refund/78", timeZone: "America/New_York" });
    const refund = ok(result);
    expect(refund.sequence).toBe(2);
    expect(refund.adjustment).toEqual(usd(500));
    expect(refund.feeRefunded).toEqual(usd(15));
    expect(result.ok && result.warnings).toEqual([
      "Refund 2 of Shopify order #1001: 5.00 USD of the money paid back is not for a refunded item or shipping (a tip, a goodwill refund or a refund discrepancy); posted as a refund adjustment.",
    ]);
    expect(buildRefundDocuments(refund, fixtureContext([refund])).receipt.docNumber).toBe("SH-#1001-R2");
  });

  it("waits for a refund with no successful payment back", () => {
    const failed = { ...onlineOrder.refunds[0], transactions: { nodes: [{ ...onlineOrder.refunds[0]?.transactions.nodes[0], status: "PENDING" }] } };
    const result = mapShopifyRefund({ order: { ...onlineOrder, refunds: [failed] }, refundId: "gid://shopify/Refund/77", timeZone: "UTC" });
    expect(!result.ok && result.problems).toEqual(["Refund 1 of Shopify order #1001 has no successful refund payment yet; it is posted once the money is paid back."]);
    const unknown = mapShopifyRefund({ order: onlineOrder, refundId: "gid://shopify/Refund/1", timeZone: "UTC" });
    expect(!unknown.ok && unknown.problems).toEqual(["Shopify order #1001 has no refund gid://shopify/Refund/1."]);
  });
});

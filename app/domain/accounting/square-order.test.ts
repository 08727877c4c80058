import { describe, expect, it } from "vitest";
import { receiptTotal } from "./ledger";
import { buildRefundDocuments } from "./refund-receipt";
import { buildSaleDocuments } from "./sales-receipt";
import { mapSquareReturn, mapSquareSale, type SquareCatalogLookup } from "./square-order";
import type { MappingResult } from "./source-sale";
import { books, fixtureContext } from "./test-fixtures";

const usd = (amount: number) => ({ amount, currency: "USD" });
const location = { id: "L1", timeZone: "America/Los_Angeles" };
const catalog: SquareCatalogLookup = { "VAR-LATTE-L": { sku: "LATTE-L", category: "Drinks" }, "VAR-BEANS": { sku: "BEAN-1KG", category: "Retail" } };

function ok<T>(result: MappingResult<T>): T {
  if (!result.ok) throw new Error(`mapping failed: ${result.problems.join("; ")}`);
  return result.value;
}

/**
 * A café sale as Square's API returns it: two lattes with a staff discount on the line and a 10% loyalty
 * discount on the order, 1.5 kg of beans sold by weight (untaxed), a gift card, a tip, paid by Visa and cash.
 * Square apportions the order discount over the lines (60 and 40) inside `total_discount_money`.
 */
const cafeOrder = {
  id: "CAISENgvlJ6jLWAzERDzjyHVybY",
  location_id: "L1",
  state: "COMPLETED",
  created_at: "2026-11-27T07:10:00Z",
  closed_at: "2026-11-27T07:15:00Z",
  line_items: [
    {
      uid: "li-1",
      name: "Latte",
      variation_name: "Large",
      quantity: "2",
      catalog_object_id: "VAR-LATTE-L",
      item_type: "ITEM",
      base_price_money: usd(550),
      gross_sales_money: usd(1100),
      total_discount_money: usd(160),
      total_tax_money: usd(89),
      total_money: usd(1029),
      applied_taxes: [{ uid: "at-1", tax_uid: "tax-sales", applied_money: usd(89) }],
      applied_discounts: [
        { uid: "ad-1", discount_uid: "disc-staff", applied_money: usd(100) },
        { uid: "ad-2", discount_uid: "disc-loyalty", applied_money: usd(60) },
      ],
    },
    {
      uid: "li-2",
      name: "Beans",
      variation_name: "Regular",
      quantity: "1.5",
      catalog_object_id: "VAR-BEANS",
      item_type: "ITEM",
      base_price_money: usd(1600),
      gross_sales_money: usd(2400),
      total_discount_money: usd(40),
      total_tax_money: usd(0),
      total_money: usd(2360),
      applied_discounts: [{ uid: "ad-3", discount_uid: "disc-loyalty", applied_money: usd(40) }],
    },
    { uid: "li-3", name: "Gift card", quantity: "1", item_type: "GIFT_CARD", base_price_money: usd(2500), gross_sales_money: usd(2500), total_discount_money: usd(0), total_tax_money: usd(0), total_money: usd(2500) },
  ],
  taxes: [{ uid: "tax-sales", name: "Sales tax", type: "ADDITIVE", percentage: "9.5", scope: "LINE_ITEM", applied_money: usd(89) }],
  discounts: [
    { uid: "disc-staff", name: "Staff", type: "FIXED_AMOUNT", scope: "LINE_ITEM", applied_money: usd(100) },
    { uid: "disc-loyalty", name: "Loyalty 10% off", type: "FIXED_PERCENTAGE", percentage: "10", scope: "ORDER", applied_money: usd(100) },
  ],
  tenders: [
    { id: "T1", type: "CARD", amount_money: usd(4000), tip_money: usd(200), payment_id: "PAY1", card_details: { status: "CAPTURED", card: { card_brand: "VISA", last_4: "1111" } } },
    { id: "T2", type: "CASH", amount_money: usd(2089), cash_details: { buyer_tendered_money: usd(2100), change_back_money: usd(11) } },
  ],
  total_money: usd(6089),
  total_tax_money: usd(89),
  total_discount_money: usd(200),
  total_tip_money: usd(200),
  total_service_charge_money: usd(0),
  version: 4,
};

const cafePayments = [{ id: "PAY1", status: "COMPLETED", order_id: cafeOrder.id, processing_fee: [{ effective_at: "2026-11-27T07:15:10Z", type: "INITIAL", amount_money: usd(126) }] }];

describe("mapSquareSale", () => {
  it("maps a completed order: lines with SKUs, line and order discounts apart, gift cards, tip, split payments with the fee", () => {
    const sale = ok(mapSquareSale({ order: cafeOrder, payments: cafePayments, location, catalog }));
    expect(sale).toMatchObject({
      source: "square",
      sourceId: cafeOrder.id,
      locationId: "L1",
      // 23:15 on the 26th in Los Angeles.
      businessDate: "2026-11-26",
      currency: "USD",
      orderDiscounts: [{ name: "Loyalty 10% off", amount: usd(100) }],
      giftCardSales: [{ name: "Gift card", amount: usd(2500) }],
      tips: usd(200),
      taxTotal: usd(89),
      total: usd(6089),
    });
    expect(sale.lines.map((line) => [line.sku, line.name, line.quantity, line.gross.amount, line.discount.amount, line.tax.amount, line.taxIncluded.amount, line.taxable, line.category])).toEqual([
      ["LATTE-L", "Latte (Large)", "2", 1100, 100, 89, 0, true, "Drinks"],
      ["BEAN-1KG", "Beans", "1.5", 2400, 0, 0, 0, false, "Retail"],
    ]);
    expect(sale.tenders).toEqual([
      { kind: "card", brand: "visa", amount: usd(4000), tip: usd(200), processingFee: usd(126), paymentId: "PAY1" },
      { kind: "cash", amount: usd(2089), paymentId: "T2" },
    ]);
  });

  it("gives documents that equal the order to the cent", () => {
    const sale = ok(mapSquareSale({ order: cafeOrder, payments: cafePayments, location, catalog }));
    const ctx = fixtureContext([sale]);
    const documents = buildSaleDocuments(sale, ctx);
    expect(receiptTotal(documents.receipt, "USD")).toBe(6089);
    expect(books(Object.values(documents), ctx)).toMatchObject({ "Cash on hand": 2089, "Undeposited Funds": 4000 - 126, "Merchant account fees": 126, "Gift Card Liability": -2500, "Tips Payable": -200, "Sales tax": -89 });
  });

  it("warns when the card fee is not known yet, and takes the tender's fee when no payment is given", () => {
    const withoutFee = mapSquareSale({ order: cafeOrder, location, catalog });
    expect(withoutFee.ok && withoutFee.warnings).toEqual(["The processing fee of card payment PAY1 is not known yet (Square adds it a few seconds after the payment)."]);
    const tenders = cafeOrder.tenders.map((tender) => (tender.id === "T1" ? { ...tender, processing_fee_money: usd(120) } : tender));
    expect(ok(mapSquareSale({ order: { ...cafeOrder, tenders }, location, catalog })).tenders[0]?.processingFee).toEqual(usd(120));
  });

  it("keeps inclusive tax inside the price, in whole yen", () => {
    const jpy = (amount: number) => ({ amount, currency: "JPY" });
    const order = {
      id: "TOKYO-1",
      location_id: "L-TYO",
      state: "COMPLETED",
      closed_at: "2026-11-26T15:30:00Z",
      line_items: [{ uid: "a", name: "Onigiri", quantity: "3", base_price_money: jpy(150), gross_sales_money: jpy(450), total_tax_money: jpy(33), total_discount_money: jpy(0), applied_taxes: [{ tax_uid: "ct", applied_money: jpy(33) }] }],
      taxes: [{ uid: "ct", name: "Consumption tax", type: "INCLUSIVE", percentage: "8", applied_money: jpy(33) }],
      tenders: [{ id: "T", type: "CASH", amount_money: jpy(450) }],
      total_money: jpy(450),
      total_tax_money: jpy(33),
    };
    const sale = ok(mapSquareSale({ order, location: { id: "L-TYO", timeZone: "Asia/Tokyo" } }));
    expect(sale.businessDate).toBe("2026-11-27");
    expect(sale.lines[0]).toMatchObject({ sku: null, gross: jpy(450), tax: jpy(33), taxIncluded: jpy(33) });
    const ctx = fixtureContext([sale], undefined, { company: { homeCurrency: "JPY", multiCurrencyEnabled: false } });
    const { receipt } = buildSaleDocuments(sale, ctx);
    expect(receipt.payload.Line[0]).toMatchObject({ Amount: 417, SalesItemLineDetail: { Qty: 3, UnitPrice: 139 } });
    expect(receipt.payload.TxnTaxDetail.TotalTax).toBe(33);
    expect(receiptTotal(receipt, "JPY")).toBe(450);
  });

  it("maps service charges with their tax, and cash rounding", () => {
    const cad = (amount: number) => ({ amount, currency: "CAD" });
    const order = {
      id: "VAN-1",
      location_id: "L1",
      state: "COMPLETED",
      closed_at: "2026-11-26T20:00:00Z",
      line_items: [{ uid: "a", name: "Dinner", quantity: "1", base_price_money: cad(4000), gross_sales_money: cad(4000), total_tax_money: cad(200), total_discount_money: cad(0), applied_taxes: [{ tax_uid: "gst", applied_money: cad(200) }] }],
      taxes: [{ uid: "gst", name: "GST", type: "ADDITIVE", applied_money: cad(240) }],
      service_charges: [{ uid: "sc", name: "Large party", applied_money: cad(800), total_tax_money: cad(40), total_money: cad(840), applied_taxes: [{ tax_uid: "gst", applied_money: cad(40) }], calculation_phase: "SUBTOTAL_PHASE", taxable: true }],
      rounding_adjustment: { uid: "r", name: "Cash rounding", amount_money: cad(-2) },
      tenders: [{ id: "T", type: "CASH", amount_money: cad(5038) }],
      total_money: cad(5038),
      total_tax_money: cad(240),
    };
    const sale = ok(mapSquareSale({ order, location }));
    expect(sale.serviceCharges).toEqual([{ name: "Large party", amount: cad(800), tax: cad(40), taxIncluded: cad(0) }]);
    expect(sale.roundingAdjustment).toEqual(cad(-2));
    expect(sale.total).toEqual(cad(5038));
  });

  it("says plainly why an order cannot be posted", () => {
    const open = mapSquareSale({ order: { ...cafeOrder, state: "OPEN" }, location, catalog });
    expect(open).toEqual({ ok: false, problems: [`Square order ${cafeOrder.id} is open, not completed: it is posted once it is paid and completed.`] });
    const canceled = mapSquareSale({ order: { ...cafeOrder, state: "CANCELED" }, location });
    expect(!canceled.ok && canceled.problems).toEqual([`Square order ${cafeOrder.id} was canceled: there is nothing to post.`]);
    const elsewhere = mapSquareSale({ order: cafeOrder, location: { ...location, id: "L2" } });
    expect(!elsewhere.ok && elsewhere.problems).toEqual([`Square order ${cafeOrder.id} belongs to location L1, not L2.`]);
    const broken = mapSquareSale({ order: { ...cafeOrder, total_money: usd(6000) }, location, catalog });
    expect(!broken.ok && broken.problems).toEqual([
      `Square order ${cafeOrder.id}: sale total: the parts add up to 60.89 USD but the total is 60.00 USD (a difference of -0.89)`,
      `Square order ${cafeOrder.id}: payments: the parts add up to 60.89 USD but the total is 60.00 USD (a difference of -0.89)`,
    ]);
    const malformed = mapSquareSale({ order: { id: 5 }, location });
    expect(!malformed.ok && malformed.problems[0]).toMatch(/^The order is not shaped as Square sends it: id:/);
  });
});

/** Square's return order for one of the lattes, paid back to the Visa card, with the fee partly returned. */
const returnOrder = {
  id: "RET-1",
  location_id: "L1",
  state: "COMPLETED",
  created_at: "2026-11-28T17:00:00Z",
  closed_at: "2026-11-28T17:00:00Z",
  returns: [
    {
      uid: "ret",
      source_order_id: cafeOrder.id,
      return_line_items: [
        {
          uid: "rli-1",
          source_line_item_uid: "li-1",
          name: "Latte",
          variation_name: "Large",
          quantity: "1",
          catalog_object_id: "VAR-LATTE-L",
          item_type: "ITEM",
          base_price_money: usd(550),
          gross_return_money: usd(550),
          total_discount_money: usd(80),
          total_tax_money: usd(45),
          total_money: usd(515),
          applied_taxes: [{ tax_uid: "rt", applied_money: usd(45) }],
        },
      ],
      return_taxes: [{ uid: "rt", source_tax_uid: "tax-sales", name: "Sales tax", type: "ADDITIVE", applied_money: usd(45) }],
    },
  ],
  return_amounts: { total_money: usd(515), tax_money: usd(45), discount_money: usd(80) },
  total_money: usd(0),
};

const returnRefunds = [
  {
    id: "REF-1",
    status: "COMPLETED",
    order_id: "RET-1",
    payment_id: "PAY1",
    amount_money: usd(515),
    processing_fee: [{ type: "INITIAL", amount_money: usd(-16) }],
    destination_type: "CARD",
    destination_details: { card_details: { card: { card_brand: "VISA" } } },
    reason: "Wrong size",
  },
];

describe("mapSquareReturn", () => {
  it("maps a return order and its refund: the line back, its tax, the card paid back and the fee returned", () => {
    const refund = ok(mapSquareReturn({ order: returnOrder, refunds: returnRefunds, location, catalog, sequence: 1 }));
    expect(refund).toMatchObject({
      source: "square",
      refundId: "RET-1",
      saleSourceId: cafeOrder.id,
      sequence: 1,
      businessDate: "2026-11-28",
      taxTotal: usd(45),
      total: usd(515),
      feeRefunded: usd(16),
      tenders: [{ kind: "card", brand: "visa", amount: usd(515), paymentId: "PAY1" }],
      reason: "Wrong size",
    });
    expect(refund.lines).toEqual([{ lineId: "li-1", sku: "LATTE-L", name: "Latte (Large)", quantity: "1", gross: usd(550), discount: usd(80), tax: usd(45), taxIncluded: usd(0), taxable: true, category: "Drinks" }]);
  });

  it("gives refund documents that undo exactly that part of the sale", () => {
    const sale = ok(mapSquareSale({ order: cafeOrder, payments: cafePayments, location, catalog }));
    const refund = ok(mapSquareReturn({ order: returnOrder, refunds: returnRefunds, location, catalog, sequence: 1 }));
    const ctx = fixtureContext([sale, refund]);
    const saleDocuments = buildSaleDocuments(sale, ctx);
    const refundDocuments = buildRefundDocuments(refund, ctx);
    expect(refundDocuments.receipt.docNumber).toBe(`${saleDocuments.receipt.docNumber}-R1`);
    expect(receiptTotal(refundDocuments.receipt, "USD")).toBe(515);
    expect(books([...Object.values(saleDocuments), ...Object.values(refundDocuments)], ctx)).toMatchObject({
      "Undeposited Funds": 4000 - 126 - 515 + 16,
      "Merchant account fees": 126 - 16,
      "Sales tax": -89 + 45,
    });
  });

  it("refuses a return that is still pending, or that names no sale", () => {
    const pending = mapSquareReturn({ order: returnOrder, refunds: [{ ...returnRefunds[0], status: "PENDING" }], location, sequence: 1 });
    expect(!pending.ok && pending.problems).toEqual(["Square return RET-1: the refund of 5.15 is pending; it is posted once completed."]);
    const orphan = mapSquareReturn({ order: { ...returnOrder, returns: [{ ...returnOrder.returns[0], source_order_id: null }] }, refunds: returnRefunds, location, sequence: 1 });
    expect(!orphan.ok && orphan.problems).toEqual(["Square return RET-1 does not say which sale it refunds; refunds are posted against one sale."]);
    const sale = mapSquareReturn({ order: cafeOrder, location, sequence: 1 });
    expect(!sale.ok && sale.problems[0]).toBe(`Square return ${cafeOrder.id} returns nothing: it is a sale, not a return.`);
  });

  it("tells a return apart from a sale when it is given as one", () => {
    const asSale = mapSquareSale({ order: { ...returnOrder, total_money: usd(0) }, location });
    expect(!asSale.ok && asSale.problems).toEqual([`Square order RET-1 is a return (it refunds order ${cafeOrder.id}): post it as a refund.`]);
  });
});


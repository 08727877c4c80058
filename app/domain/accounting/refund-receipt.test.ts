import { describe, expect, it } from "vitest";
import { receiptTotal } from "./ledger";
import { money } from "./money";
import { routeFor } from "./posting";
import { buildRefundDocuments } from "./refund-receipt";
import { buildSaleDocuments } from "./sales-receipt";
import { sourceRefundSchema, type SourceRefund } from "./source-sale";
import { books, fixtureContext, fixtureMapping, makeRefund, makeSale, seeded, type Random } from "./test-fixtures";

describe("a partial refund", () => {
  const sale = makeSale({ lines: [{ quantity: "3", unit: 1000, tax: 240 }, { unit: 500, tax: 40 }], tenders: [{ kind: "card", brand: "visa", fee: 105 }] });
  // One of the three items back, with its tax.
  const refund = makeRefund({ lines: [{ quantity: "1", unit: 1000, tax: 80 }] });

  it("is a RefundReceipt numbered after its sale, paid out of the payment's account", () => {
    const ctx = fixtureContext([sale, refund]);
    const { receipt, tenderTransfer, fees } = buildRefundDocuments(refund, ctx);
    const saleNumber = buildSaleDocuments(sale, ctx).receipt.docNumber;
    expect(receipt.entity).toBe("RefundReceipt");
    expect(receipt.docNumber).toBe(`${saleNumber}-R1`);
    expect(receipt.payload).toMatchObject({
      TxnDate: "2026-11-27",
      DepositToAccountRef: { value: "4", name: "Undeposited Funds" },
      PaymentMethodRef: { value: "3", name: "Visa" },
      TxnTaxDetail: { TotalTax: 0.8 },
      Line: [{ Amount: 10, SalesItemLineDetail: { Qty: 1, UnitPrice: 10, TaxCodeRef: { value: "TAX" } } }],
    });
    expect(receipt.payload.PrivateNote).toContain("refund 1 of Square order ORDER-1");
    expect(receipt.payload.PrivateNote).toContain("paid back by visa card 10.80");
    expect(tenderTransfer).toBeNull();
    expect(fees).toBeNull();
    expect(receiptTotal(receipt, "USD")).toBe(refund.total.amount);
  });

  it("leaves the books holding the sale less what was refunded", () => {
    const ctx = fixtureContext([sale, refund]);
    const saleDocuments = buildSaleDocuments(sale, ctx);
    const refundDocuments = buildRefundDocuments(refund, ctx);
    expect(books([saleDocuments.receipt, saleDocuments.fees, refundDocuments.receipt], ctx)).toEqual({
      "Merchant account fees": 105,
      "Sales of Product Income": -(3000 + 500) + 1000,
      "Sales tax": -(240 + 40) + 80,
      "Undeposited Funds": sale.total.amount - 105 - refund.total.amount,
    });
  });
});

describe("a processing fee given back with a refund", () => {
  it("reverses the fee: the payment's account debited, fee expense credited", () => {
    const refund = makeRefund({ feeRefunded: 31 });
    const ctx = fixtureContext([refund]);
    const { fees, receipt } = buildRefundDocuments(refund, ctx);
    expect(fees?.docNumber).toBe(`${receipt.docNumber}F`);
    expect(fees?.payload.Line.map((line) => [line.JournalEntryLineDetail.PostingType, line.JournalEntryLineDetail.AccountRef.name, line.Amount])).toEqual([
      ["Debit", "Undeposited Funds", 0.31],
      ["Credit", "Merchant account fees", 0.31],
    ]);
    expect(books([receipt, fees], ctx)).toMatchObject({ "Merchant account fees": -31, "Undeposited Funds": -refund.total.amount + 31 });
  });

  it("books a fee charged for the refund (a negative fee given back) as more expense", () => {
    const refund = makeRefund({ feeRefunded: -25 });
    const ctx = fixtureContext([refund]);
    const { fees } = buildRefundDocuments(refund, ctx);
    expect(books([fees], ctx)).toEqual({ "Merchant account fees": 25, "Undeposited Funds": -25 });
  });
});

describe("a refund paid back several ways", () => {
  it("is paid out of the clearing account, and a journal entry takes each part from its own account", () => {
    const refund = makeRefund({ lines: [{ unit: 2000, tax: 160 }], tenders: [{ kind: "cash", amount: 500 }, { kind: "gift_card", amount: 660 }, { kind: "card", brand: "visa" }] });
    const ctx = fixtureContext([refund]);
    const documents = buildRefundDocuments(refund, ctx);
    expect(documents.receipt.payload.DepositToAccountRef.name).toBe("Undeposited Funds");
    expect(documents.tenderTransfer?.docNumber).toBe(`${documents.receipt.docNumber}T`);
    expect(books([documents.receipt, documents.tenderTransfer], ctx)).toEqual({
      "Cash on hand": -500,
      // Refunded onto a gift card: the business owes that much more.
      "Gift Card Liability": -660,
      "Sales of Product Income": 2000,
      "Sales tax": 160,
      "Undeposited Funds": -(2160 - 500 - 660),
    });
  });
});

describe("refund adjustments and shipping", () => {
  it("posts refunded shipping and an unexplained amount to their items", () => {
    const refund = makeRefund({ lines: [], shipping: [{ amount: 599 }], adjustment: 200 });
    const ctx = fixtureContext([refund]);
    const { receipt } = buildRefundDocuments(refund, ctx);
    expect(receipt.payload.Line.map((line) => [line.DetailType === "SalesItemLineDetail" ? line.SalesItemLineDetail.ItemRef.name : "", line.Amount])).toEqual([
      ["Shipping", 5.99],
      ["POS adjustments", 2],
    ]);
    expect(receipt.payload.PrivateNote).toContain("includes 2.00 no refunded item explains");
    expect(receiptTotal(receipt, "USD")).toBe(799);
  });

  it("posts discounted lines net, or at full price with a discount line, as the mapping says", () => {
    const refund = makeRefund({ lines: [{ unit: 1000, discount: 150, tax: 68 }] });
    const separate = buildRefundDocuments(refund, fixtureContext([refund])).receipt;
    expect(separate.payload.Line.map((line) => [line.DetailType, line.Amount])).toEqual([
      ["SalesItemLineDetail", 10],
      ["DiscountLineDetail", 1.5],
    ]);
    const net = buildRefundDocuments(refund, fixtureContext([refund], fixtureMapping({ discounts: { mode: "net_into_lines" } }))).receipt;
    expect(net.payload.Line.map((line) => [line.DetailType, line.Amount])).toEqual([["SalesItemLineDetail", 8.5]]);
    expect(receiptTotal(separate, "USD")).toBe(refund.total.amount);
    expect(receiptTotal(net, "USD")).toBe(refund.total.amount);
  });
});

function randomRefund(random: Random, index: number): SourceRefund {
  const currency = random.pick(["USD", "JPY", "KWD"]);
  const scale = currency === "JPY" ? 1 : currency === "KWD" ? 1000 : 100;
  const lines = Array.from({ length: random.int(0, 3) }, () => {
    const quantity = random.pick(["1", "2", "0.5", "1.375"]);
    const unit = random.int(1, 50) * scale;
    const gross = Math.round(Number(quantity) * unit);
    const inclusive = random.chance(30);
    return { quantity, unit, gross, discount: random.chance(30) ? Math.floor(gross / 4) : 0, tax: random.chance(60) ? Math.round(gross * 0.08) : 0, inclusive };
  });
  const refund = makeRefund({
    id: `RETURN-${index}`,
    currency,
    lines,
    shipping: random.chance(20) ? [{ amount: random.int(0, 5 * scale), tax: random.int(0, scale) }] : [],
    tips: 0,
    adjustment: random.chance(20) ? random.int(0, 3 * scale) : 0,
    tenders: [],
    feeRefunded: random.chance(40) ? random.int(-10, 60) : 0,
  });
  const kinds = Array.from({ length: random.int(1, 3) }, () => random.pick([{ kind: "card" as const, brand: "visa" }, { kind: "cash" as const }, { kind: "gift_card" as const }]));
  let left = refund.total.amount;
  const tenders = kinds.map((kind, position) => {
    const amount = position === kinds.length - 1 ? left : random.int(0, left);
    left -= amount;
    return { ...kind, amount: money(amount, currency) };
  });
  return sourceRefundSchema.parse({ ...refund, tenders });
}

describe("every refund document equals its source to the cent (seeded generated refunds)", () => {
  it("holds for receipt totals and every account", () => {
    const random = seeded(9001);
    for (let index = 0; index < 300; index += 1) {
      const refund = randomRefund(random, index);
      const ctx = fixtureContext([refund], fixtureMapping(index % 2 ? {} : { discounts: { mode: "net_into_lines" } }), { company: { homeCurrency: refund.currency, multiCurrencyEnabled: false } });
      const documents = buildRefundDocuments(refund, ctx);
      expect(receiptTotal(documents.receipt, refund.currency), `refund ${index}`).toBe(refund.total.amount);
      const expected = new Map<string, number>();
      const post = (name: string, amount: number) => expected.set(name, (expected.get(name) ?? 0) + amount);
      for (const tender of refund.tenders) post(routeFor(ctx, tender).account.name, -tender.amount.amount);
      const feeBack = refund.feeRefunded.amount;
      if (feeBack !== 0) {
        post(routeFor(ctx, refund.tenders.find((tender) => tender.kind === "card") ?? refund.tenders[0] ?? { kind: "cash" }).account.name, feeBack);
        post("Merchant account fees", -feeBack);
      }
      post("Undeposited Funds", 0);
      const ledger = books([documents.receipt, documents.tenderTransfer, documents.fees], ctx);
      for (const [name, amount] of expected) expect(ledger[name] ?? 0, `${name} after refund ${index}`).toBe(amount);
      expect((ledger["Sales tax"] ?? 0) - refund.taxTotal.amount).toBe(0);
      expect(Object.values(ledger).reduce((a, b) => a + b, 0)).toBe(0);
    }
  });
});

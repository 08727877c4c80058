import { describe, expect, it } from "vitest";
import { receiptTotal } from "./ledger";
import { fromQboAmount, money, parseScaledDecimal } from "./money";
import { PostingError, quantityAndUnitPrice, routeFor } from "./posting";
import type { SalesItemLine } from "./quickbooks-documents";
import { buildSaleDocuments } from "./sales-receipt";
import { books, COFFEE, createdItem, fixtureContext, fixtureMapping, makeSale, randomSale, seeded, usd } from "./test-fixtures";

const itemLines = (lines: readonly { DetailType: string }[]) => lines.filter((line): line is SalesItemLine => line.DetailType === "SalesItemLineDetail");

/** Qty × UnitPrice as QuickBooks computes it, in minor units (exact rational, rounded half away from zero). */
function qtyTimesPrice(line: SalesItemLine, exponent: number): bigint {
  const qty = parseScaledDecimal(String(line.SalesItemLineDetail.Qty));
  const price = parseScaledDecimal(String(line.SalesItemLineDetail.UnitPrice));
  const numerator = qty.units * price.units * 10n ** BigInt(exponent);
  const denominator = 10n ** BigInt(qty.scale + price.scale);
  const doubled = (numerator * 2n + (numerator >= 0n ? denominator : -denominator)) / (2n * denominator);
  return doubled;
}

describe("a one-payment sale", () => {
  it("is one SalesReceipt deposited straight to the payment's account, with the payment method", () => {
    const sale = makeSale({ lines: [{ sku: "BEAN-1KG", unit: 2400, tax: 198 }], tenders: [{ kind: "card", brand: "visa" }] });
    const ctx = fixtureContext([sale]);
    const { receipt, tenderTransfer, fees } = buildSaleDocuments(sale, ctx);
    expect(tenderTransfer).toBeNull();
    expect(fees).toBeNull();
    expect(receipt.entity).toBe("SalesReceipt");
    expect(receipt.docNumber).toMatch(/^SQ-ORDE[0-9A-Z]{9}$/);
    expect(receipt.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(receipt.payload).toMatchObject({
      DocNumber: receipt.docNumber,
      TxnDate: "2026-11-26",
      DepositToAccountRef: { value: "4", name: "Undeposited Funds" },
      PaymentMethodRef: { value: "3", name: "Visa" },
      TxnTaxDetail: { TotalTax: 1.98 },
      ShippingTaxIncludedInTotalTax: true,
      Line: [{ DetailType: "SalesItemLineDetail", Amount: 24, SalesItemLineDetail: { ItemRef: { value: COFFEE.id }, Qty: 1, UnitPrice: 24, TaxCodeRef: { value: "TAX" } } }],
    });
    expect(receipt.payload.PrivateNote).toContain("Square order ORDER-1");
    expect(receipt.payload.PrivateNote).toContain("visa card 25.98");
    expect(books([receipt], ctx)).toEqual({ "Undeposited Funds": 2598, "Sales of Product Income": -2400, "Sales tax": -198 });
  });

  it("deposits cash to the cash account with QuickBooks' Cash payment method", () => {
    const sale = makeSale({ tenders: [{ kind: "cash" }] });
    const { receipt } = buildSaleDocuments(sale, fixtureContext([sale]));
    expect(receipt.payload.DepositToAccountRef).toEqual({ value: "36", name: "Cash on hand" });
    expect(receipt.payload.PaymentMethodRef).toEqual({ value: "1", name: "Cash" });
  });

  it("gives the same requestid for the same sale, and a new one for a corrected revision", () => {
    const sale = makeSale();
    const ctx = fixtureContext([sale]);
    expect(buildSaleDocuments(sale, ctx).receipt.requestId).toBe(buildSaleDocuments(sale, ctx).receipt.requestId);
    const revised = buildSaleDocuments(sale, ctx, 1).receipt;
    expect(revised.requestId).not.toBe(buildSaleDocuments(sale, ctx).receipt.requestId);
    expect(revised.docNumber).toBe(buildSaleDocuments(sale, ctx).receipt.docNumber);
  });
});

describe("tax", () => {
  it("posts the tax the register collected line by line, not the rate applied to the subtotal", () => {
    // 8.25% per line, rounded per line by the register: 0.82 + 0.41 + 0.08 = 1.31, where 8.25% of the 15.99
    // subtotal would be 1.32. QuickBooks must show the 1.31 the customer paid.
    const sale = makeSale({ lines: [{ unit: 999, tax: 82 }, { unit: 500, tax: 41 }, { unit: 100, tax: 8 }] });
    const { receipt } = buildSaleDocuments(sale, fixtureContext([sale]));
    expect(receipt.payload.TxnTaxDetail.TotalTax).toBe(1.31);
    expect(itemLines(receipt.payload.Line).map((line) => line.Amount)).toEqual([9.99, 5, 1]);
    expect(receiptTotal(receipt, "USD")).toBe(sale.total.amount);
    expect(sale.total).toEqual(usd(1730));
  });

  it("takes inclusive tax out of the line and into TotalTax, so the receipt is tax-exclusive and still totals the price paid", () => {
    // Two VAT-inclusive lines (20%): 10.00 holds 1.67 of tax, 5.00 holds 0.83; the customer paid 15.00.
    const sale = makeSale({ lines: [{ unit: 1000, tax: 167, inclusive: true }, { unit: 500, tax: 83, inclusive: true }] });
    const { receipt } = buildSaleDocuments(sale, fixtureContext([sale]));
    expect(itemLines(receipt.payload.Line).map((line) => [line.Amount, line.SalesItemLineDetail.UnitPrice])).toEqual([
      [8.33, 8.33],
      [4.17, 4.17],
    ]);
    expect(receipt.payload.TxnTaxDetail.TotalTax).toBe(2.5);
    expect(sale.total).toEqual(usd(1500));
    expect(receiptTotal(receipt, "USD")).toBe(1500);
  });

  it("handles inclusive and additive taxes in one sale", () => {
    const sale = makeSale({ lines: [{ unit: 1190, tax: 190, inclusive: true }, { unit: 1000, tax: 70 }], shipping: [{ amount: 500, tax: 35 }] });
    const { receipt } = buildSaleDocuments(sale, fixtureContext([sale]));
    expect(itemLines(receipt.payload.Line).map((line) => line.Amount)).toEqual([10, 10, 5]);
    expect(receipt.payload.TxnTaxDetail.TotalTax).toBe(2.95);
    expect(sale.total).toEqual(usd(1190 + 1000 + 70 + 500 + 35));
    expect(receiptTotal(receipt, "USD")).toBe(sale.total.amount);
  });

  it("marks untaxed lines NON and, with tax codes, uses the company's codes and TaxExcluded", () => {
    const sale = makeSale({ lines: [{ unit: 1000, tax: 80 }, { unit: 300 }] });
    const automated = buildSaleDocuments(sale, fixtureContext([sale])).receipt;
    expect(itemLines(automated.payload.Line).map((line) => line.SalesItemLineDetail.TaxCodeRef)).toEqual([{ value: "TAX" }, { value: "NON" }]);
    expect(automated.payload.GlobalTaxCalculation).toBeUndefined();
    const mapping = fixtureMapping({ tax: { mode: "tax_codes", taxable: { id: "7", name: "CA sales tax" }, nonTaxable: { id: "9", name: "Exempt" }, transactionTaxCode: { id: "12", name: "San Francisco" } } });
    const coded = buildSaleDocuments(sale, fixtureContext([sale], mapping)).receipt;
    expect(itemLines(coded.payload.Line).map((line) => line.SalesItemLineDetail.TaxCodeRef?.value)).toEqual(["7", "9"]);
    expect(coded.payload.TxnTaxDetail).toEqual({ TotalTax: 0.8, TxnTaxCodeRef: { value: "12", name: "San Francisco" } });
    expect(coded.payload.GlobalTaxCalculation).toBe("TaxExcluded");
  });
});

describe("split payments", () => {
  it("deposits to the clearing account and moves each payment to its own account with a journal entry", () => {
    const sale = makeSale({
      lines: [{ unit: 3000, tax: 240 }],
      tenders: [{ kind: "cash", amount: 1000 }, { kind: "gift_card", amount: 500 }, { kind: "card", brand: "visa", fee: 50 }],
    });
    const ctx = fixtureContext([sale]);
    const documents = buildSaleDocuments(sale, ctx);
    expect(documents.receipt.payload.DepositToAccountRef).toEqual({ value: "4", name: "Undeposited Funds" });
    expect(documents.receipt.payload.PaymentMethodRef).toBeUndefined();
    expect(documents.tenderTransfer?.docNumber).toBe(`${documents.receipt.docNumber}-T`);
    expect(documents.tenderTransfer?.payload.Line.map((line) => [line.JournalEntryLineDetail.PostingType, line.JournalEntryLineDetail.AccountRef.name, line.Amount])).toEqual([
      ["Debit", "Cash on hand", 10],
      ["Credit", "Undeposited Funds", 10],
      ["Debit", "Gift Card Liability", 5],
      ["Credit", "Undeposited Funds", 5],
    ]);
    expect(documents.fees?.docNumber).toBe(`${documents.receipt.docNumber}-F`);
    // The books: each account holds exactly what the source says it received; the card's share stays in
    // Undeposited Funds less its fee; the gift card redeemed lowers the liability.
    expect(books([documents.receipt, documents.tenderTransfer, documents.fees], ctx)).toEqual({
      "Cash on hand": 1000,
      "Gift Card Liability": 500,
      "Merchant account fees": 50,
      "Sales of Product Income": -3000,
      "Sales tax": -240,
      "Undeposited Funds": 3240 - 1000 - 500 - 50,
    });
  });

  it("keeps one receipt with no journal entry when two payments land in the same account", () => {
    const sale = makeSale({ tenders: [{ kind: "card", brand: "visa", amount: 500 }, { kind: "card", brand: "mastercard" }] });
    const { receipt, tenderTransfer } = buildSaleDocuments(sale, fixtureContext([sale]));
    expect(tenderTransfer).toBeNull();
    expect(receipt.payload.DepositToAccountRef.value).toBe("4");
    // Visa and MasterCard are different payment methods: the receipt names neither.
    expect(receipt.payload.PaymentMethodRef).toBeUndefined();
  });
});

describe("discounts", () => {
  it("spreads an order discount over the lines by largest remainder when discounts are netted into lines", () => {
    const mapping = fixtureMapping({ discounts: { mode: "net_into_lines" } });
    // 1.00 off an order of 10.00, 20.00 and 3.33 (after a 0.33 line discount): weights 1000:2000:300.
    const sale = makeSale({ lines: [{ unit: 1000 }, { unit: 2000 }, { unit: 333, discount: 33 }], orderDiscounts: [100] });
    const { receipt } = buildSaleDocuments(sale, fixtureContext([sale], mapping));
    const amounts = itemLines(receipt.payload.Line).map((line) => Math.round(line.Amount * 100));
    expect(amounts).toEqual([1000 - 30, 2000 - 61, 300 - 9]);
    expect(amounts.reduce((a, b) => a + b, 0)).toBe(3300 - 100);
    expect(receipt.payload.Line.some((line) => line.DetailType === "DiscountLineDetail")).toBe(false);
    expect(receiptTotal(receipt, "USD")).toBe(sale.total.amount);
  });

  it("posts line and order discounts as one discount line on the discount account otherwise", () => {
    const sale = makeSale({ lines: [{ unit: 1000, discount: 100 }, { unit: 2000 }], orderDiscounts: [250] });
    const ctx = fixtureContext([sale]);
    const { receipt } = buildSaleDocuments(sale, ctx);
    expect(itemLines(receipt.payload.Line).map((line) => line.Amount)).toEqual([10, 20]);
    expect(receipt.payload.Line.at(-1)).toEqual({
      DetailType: "DiscountLineDetail",
      Amount: 3.5,
      Description: "Discounts",
      DiscountLineDetail: { PercentBased: false, DiscountAccountRef: { value: "86", name: "Discounts given" } },
    });
    expect(books([receipt], ctx)).toMatchObject({ "Discounts given": 350, "Sales of Product Income": -3000, "Undeposited Funds": 2650 });
  });
});

describe("tips, service charges, shipping, gift cards and rounding", () => {
  it("posts each to its own item, untaxed unless the source taxed it", () => {
    const sale = makeSale({
      lines: [{ unit: 1500, tax: 124 }],
      tips: 300,
      serviceCharges: [{ amount: 200, tax: 17 }],
      shipping: [{ amount: 599 }],
      giftCards: [2500],
      rounding: -2,
      tenders: [{ kind: "cash" }],
    });
    const ctx = fixtureContext([sale]);
    const { receipt } = buildSaleDocuments(sale, ctx);
    const byItem = itemLines(receipt.payload.Line).map((line) => [line.SalesItemLineDetail.ItemRef.name, line.Amount, line.SalesItemLineDetail.TaxCodeRef?.value]);
    expect(byItem).toEqual([
      ["Item 1 (SKU-1)", 15, "TAX"],
      ["Shipping", 5.99, "NON"],
      ["Service charges", 2, "TAX"],
      ["Tips", 3, "NON"],
      ["Gift cards sold", 25, "NON"],
      ["POS adjustments", -0.02, "NON"],
    ]);
    expect(createdItem(ctx, { special: "tips" }).incomeAccount.name).toBe("Tips Payable");
    expect(receiptTotal(receipt, "USD")).toBe(sale.total.amount);
    expect(books([receipt], ctx)).toEqual({
      "Cash on hand": sale.total.amount,
      "Gift Card Liability": -2500,
      "Other Income": 2,
      "Sales of Product Income": -1500 - 599,
      "Sales tax": -141,
      Services: -200,
      "Tips Payable": -300,
    });
  });
});

describe("processing fees", () => {
  it("are a journal entry: fee expense debited, the payment's account credited", () => {
    const sale = makeSale({ tenders: [{ kind: "card", brand: "visa", fee: 59 }] });
    const ctx = fixtureContext([sale]);
    const { fees, receipt } = buildSaleDocuments(sale, ctx);
    expect(fees?.entity).toBe("JournalEntry");
    expect(fees?.payload.Line).toEqual([
      { DetailType: "JournalEntryLineDetail", Amount: 0.59, Description: "Square fee on visa card payment P1", JournalEntryLineDetail: { PostingType: "Debit", AccountRef: { value: "90", name: "Merchant account fees" } } },
      { DetailType: "JournalEntryLineDetail", Amount: 0.59, Description: "Square fee on visa card payment P1", JournalEntryLineDetail: { PostingType: "Credit", AccountRef: { value: "4", name: "Undeposited Funds" } } },
    ]);
    expect(books([receipt, fees], ctx)["Undeposited Funds"]).toBe(sale.total.amount - 59);
  });
});

describe("locations and currencies", () => {
  it("puts the location's QuickBooks location on the receipt and its class on lines when mapped", () => {
    const sale = makeSale();
    const byDepartment = fixtureMapping({ locations: { dimension: "department", byLocation: { "square:LOC-1": { id: "2", name: "Main St" } } } });
    expect(buildSaleDocuments(sale, fixtureContext([sale], byDepartment)).receipt.payload.DepartmentRef).toEqual({ value: "2", name: "Main St" });
    const byClass = fixtureMapping({ locations: { dimension: "class", byLocation: { "square:LOC-1": { id: "5", name: "Retail" } } } });
    const receipt = buildSaleDocuments(sale, fixtureContext([sale], byClass)).receipt;
    expect(receipt.payload.ClassRef).toEqual({ value: "5", name: "Retail" });
    expect(itemLines(receipt.payload.Line)[0]?.SalesItemLineDetail.ClassRef).toEqual({ value: "5", name: "Retail" });
    const unmapped = fixtureMapping({ locations: { dimension: "class", byLocation: {} } });
    expect(() => buildSaleDocuments(sale, fixtureContext([sale], unmapped))).toThrow(/location Main St has no QuickBooks class/);
  });

  it("posts a foreign-currency sale in its currency with the exchange rate to the home currency", () => {
    const sale = makeSale({ currency: "CAD", lines: [{ unit: 2000, tax: 260 }] });
    const ctx = fixtureContext([sale], fixtureMapping(), { company: { homeCurrency: "USD", multiCurrencyEnabled: true } });
    ctx.refs.exchangeRate = "0.7312";
    const { receipt } = buildSaleDocuments(sale, ctx);
    expect(receipt.payload.CurrencyRef).toEqual({ value: "CAD" });
    expect(receipt.payload.ExchangeRate).toBe(0.7312);
    expect(itemLines(receipt.payload.Line)[0]?.Amount).toBe(20);
    expect(receipt.payload.TxnTaxDetail.TotalTax).toBe(2.6);
  });

  it("refuses a foreign-currency sale when the company has no multicurrency, saying what to do", () => {
    const sale = makeSale({ currency: "CAD" });
    expect(() => buildSaleDocuments(sale, fixtureContext([sale]))).toThrow(PostingError);
    expect(() => buildSaleDocuments(sale, fixtureContext([sale]))).toThrow(/in CAD.*books in USD and multicurrency is off/);
  });

  it("posts a JPY sale in whole yen", () => {
    const sale = makeSale({ currency: "JPY", lines: [{ quantity: "3", unit: 333, tax: 99 }, { quantity: "0.5", unit: 155, gross: 78, tax: 7 }] });
    const ctx = fixtureContext([sale], fixtureMapping(), { company: { homeCurrency: "JPY", multiCurrencyEnabled: false } });
    const { receipt } = buildSaleDocuments(sale, ctx);
    expect(itemLines(receipt.payload.Line).map((line) => [line.Amount, line.SalesItemLineDetail.Qty, line.SalesItemLineDetail.UnitPrice])).toEqual([
      [999, 3, 333],
      [78, 0.5, 156],
    ]);
    expect(receipt.payload.TxnTaxDetail.TotalTax).toBe(106);
    expect(receiptTotal(receipt, "JPY")).toBe(sale.total.amount);
    expect(sale.total).toEqual(money(1183, "JPY"));
  });
});

describe("quantityAndUnitPrice: Qty × UnitPrice must equal Amount to the cent", () => {
  it("keeps whole quantities with their exact unit price", () => {
    expect(quantityAndUnitPrice(usd(1497), "3")).toEqual({ qty: "3", unitPrice: "4.99", keptQuantity: true });
  });

  it("derives a 7-place unit price for a weighed quantity and a discounted line", () => {
    // 1.375 lb at 12.99 is 17.86125, which the register charged as 17.86.
    expect(quantityAndUnitPrice(usd(1786), "1.375")).toEqual({ qty: "1.375", unitPrice: "12.9890909", keptQuantity: true });
    // Three items at 10.00 with 1.00 off the line: 29.00 over 3.
    expect(quantityAndUnitPrice(usd(2900), "3")).toEqual({ qty: "3", unitPrice: "9.6666667", keptQuantity: true });
  });

  it("falls back to 1 × amount when no 7-place unit price can do it", () => {
    expect(quantityAndUnitPrice(usd(100), "123456789")).toEqual({ qty: "1", unitPrice: "1.00", keptQuantity: false });
    expect(quantityAndUnitPrice(usd(100), "0.00000001")).toEqual({ qty: "1", unitPrice: "1.00", keptQuantity: false });
  });

  it("puts the quantity in the description when it falls back", () => {
    const sale = makeSale({ lines: [{ quantity: "123456789", unit: 0, gross: 100 }] });
    const { receipt } = buildSaleDocuments(sale, fixtureContext([sale]));
    expect(itemLines(receipt.payload.Line)[0]).toMatchObject({ Amount: 1, Description: "123456789 × Item 1 (SKU SKU-1)", SalesItemLineDetail: { Qty: 1, UnitPrice: 1 } });
  });
});

describe("what keeps a sale from being posted", () => {
  it("says which item is missing when the mapping has no item for a SKU", () => {
    const mapping = fixtureMapping({ items: { bySku: {}, unmappedSku: null, noSku: null } });
    const sale = makeSale();
    expect(() => buildSaleDocuments(sale, fixtureContext([sale], mapping))).toThrow("SKU SKU-1 has no QuickBooks product or service.");
  });

  it("says an item to create has not been created yet", () => {
    const sale = makeSale({ tips: 100 });
    const ctx = fixtureContext([], fixtureMapping());
    expect(() => buildSaleDocuments(sale, ctx)).toThrow(/has not been created yet/);
  });
});

describe("every document equals its source to the cent (seeded generated sales)", () => {
  it("holds for receipt totals, line arithmetic and every account", () => {
    const random = seeded(424242);
    for (let index = 0; index < 400; index += 1) {
      const sale = randomSale(random, index);
      const exponent = sale.currency === "JPY" ? 0 : sale.currency === "KWD" ? 3 : 2;
      const mapping = fixtureMapping(index % 2 === 0 ? {} : { discounts: { mode: "net_into_lines" } });
      const ctx = fixtureContext([sale], mapping, { company: { homeCurrency: sale.currency, multiCurrencyEnabled: false } });
      const documents = buildSaleDocuments(sale, ctx);
      const { receipt } = documents;

      expect(receiptTotal(receipt, sale.currency), `receipt total of sale ${index}`).toBe(sale.total.amount);
      for (const line of itemLines(receipt.payload.Line)) {
        const amount = BigInt(fromQboAmount(line.Amount, sale.currency).amount);
        expect(qtyTimesPrice(line, exponent), `Qty × UnitPrice on sale ${index}`).toBe(amount);
      }

      // Expected money per account: each payment's amount, less its fee, in its route's account; gift cards sold
      // raise the liability that gift card payments lower.
      const expected = new Map<string, number>();
      const post = (name: string, amount: number) => expected.set(name, (expected.get(name) ?? 0) + amount);
      for (const tender of sale.tenders) {
        const fee = tender.processingFee?.amount ?? 0;
        post(routeFor(ctx, tender).account.name, tender.amount.amount - fee);
        post("Merchant account fees", fee);
      }
      for (const card of sale.giftCardSales) post("Gift Card Liability", -card.amount.amount);
      post("Undeposited Funds", 0);
      const ledger = books([receipt, documents.tenderTransfer, documents.fees], ctx);
      for (const [name, amount] of expected) expect(ledger[name] ?? 0, `${name} after sale ${index}`).toBe(amount);
      expect((ledger["Sales tax"] ?? 0) + sale.taxTotal.amount, `tax of sale ${index}`).toBe(0);
      expect(Object.values(ledger).reduce((a, b) => a + b, 0), `books balance after sale ${index}`).toBe(0);
    }
  });
});

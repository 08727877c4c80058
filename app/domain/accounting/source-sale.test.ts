import { describe, expect, it } from "vitest";
import { money } from "./money";
import { businessDateOf, checkSale, isKnownTimeZone, refundProblems, saleProblems, sourceRefundSchema, sourceSaleSchema } from "./source-sale";
import { makeRefund, makeSale, usd } from "./test-fixtures";

describe("SourceSale", () => {
  it("accepts a sale whose parts, tax and payments add up", () => {
    const sale = makeSale({ lines: [{ unit: 1000, tax: 80 }, { quantity: "1.5", unit: 399, tax: 50, inclusive: true }], tips: 200, shipping: [{ amount: 500 }], orderDiscounts: [100] });
    expect(saleProblems(sale)).toEqual([]);
    expect(sourceSaleSchema.safeParse(sale).success).toBe(true);
    // 10.00 + 0.80 tax, 5.99 (tax inside), 2.00 tip, 5.00 shipping, −1.00 discount.
    expect(sale.total).toEqual(usd(1000 + 80 + 599 + 200 + 500 - 100));
  });

  it("says plainly when the total does not match the parts", () => {
    const sale = { ...makeSale(), total: usd(999) };
    expect(saleProblems(sale)).toEqual([
      "sale total: the parts add up to 10.80 USD but the total is 9.99 USD (a difference of -0.81)",
      "payments: the parts add up to 10.80 USD but the total is 9.99 USD (a difference of -0.81)",
    ]);
    const checked = checkSale(sale, "Square order X");
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problems[0]).toMatch(/^Square order X: sale total: the parts add up to 10.80 USD/);
  });

  it("says when the tax total is not the tax of the lines", () => {
    const sale = makeSale({ lines: [{ unit: 1000, tax: 80 }] });
    expect(saleProblems({ ...sale, taxTotal: usd(81), total: usd(1081), tenders: [{ kind: "card", amount: usd(1081) }] })).toEqual([
      "tax: the parts add up to 0.80 USD but the total is 0.81 USD (a difference of 0.01)",
    ]);
  });

  it("refuses mixed currencies, naming the amount in the other currency", () => {
    const sale = makeSale();
    const mixed = { ...sale, tips: money(100, "EUR") };
    expect(saleProblems(mixed)).toEqual(["every amount must be in the sale's currency USD, but tips is in EUR"]);
  });

  it("refuses inclusive tax above the line's tax, non-positive quantities, fractional minor units and negative totals", () => {
    const sale = makeSale();
    const [line] = sale.lines;
    if (!line) throw new Error("fixture has a line");
    expect(sourceSaleSchema.safeParse({ ...sale, lines: [{ ...line, taxIncluded: usd(81) }] }).success).toBe(false);
    expect(sourceSaleSchema.safeParse({ ...sale, lines: [{ ...line, quantity: "0" }] }).success).toBe(false);
    expect(sourceSaleSchema.safeParse({ ...sale, lines: [{ ...line, quantity: "-1" }] }).success).toBe(false);
    expect(sourceSaleSchema.safeParse({ ...sale, tips: { amount: 1.5, currency: "USD" } }).success).toBe(false);
    expect(saleProblems(makeSale({ lines: [], rounding: -5, tenders: [{ kind: "cash" }] }))).toContain("a sale takes money in, but this one's total is -0.05");
  });
});

describe("SourceRefund", () => {
  it("accepts a refund that adds up and says what does not", () => {
    const refund = makeRefund({ lines: [{ unit: 500, tax: 40 }], shipping: [{ amount: 300 }] });
    expect(refundProblems(refund)).toEqual([]);
    expect(sourceRefundSchema.safeParse(refund).success).toBe(true);
    expect(refundProblems({ ...refund, tenders: [{ kind: "cash", amount: usd(100) }] })).toEqual(["money paid back: the parts add up to 1.00 USD but the total is 8.40 USD (a difference of 7.40)"]);
  });
});

describe("businessDateOf", () => {
  it("reckons the day in the location's time zone, not UTC", () => {
    // 23:30 on the 26th in Los Angeles is 07:30 on the 27th in UTC.
    expect(businessDateOf("2026-11-27T07:30:00Z", "America/Los_Angeles")).toBe("2026-11-26");
    expect(businessDateOf("2026-11-27T08:00:00Z", "America/Los_Angeles")).toBe("2026-11-27");
    // 00:30 on the 27th in Tokyo is still the 26th in UTC.
    expect(businessDateOf("2026-11-26T15:30:00Z", "Asia/Tokyo")).toBe("2026-11-27");
    expect(businessDateOf("2026-11-26T23:59:59-08:00", "America/Los_Angeles")).toBe("2026-11-26");
  });

  it("follows daylight saving time changes", () => {
    // Los Angeles is UTC−7 until 1 November 2026 and UTC−8 after.
    expect(businessDateOf("2026-10-31T06:30:00Z", "America/Los_Angeles")).toBe("2026-10-30");
    expect(businessDateOf("2026-11-02T07:30:00Z", "America/Los_Angeles")).toBe("2026-11-01");
  });

  it("knows real zones and refuses made-up ones", () => {
    expect(isKnownTimeZone("Europe/Berlin")).toBe(true);
    expect(isKnownTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(() => businessDateOf("not a date", "UTC")).toThrow(/not a date/);
  });
});

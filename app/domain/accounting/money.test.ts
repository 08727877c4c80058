import { describe, expect, it } from "vitest";
import {
  add,
  allocate,
  divideToDecimal,
  formatDecimal,
  fromQboAmount,
  minorUnitExponent,
  money,
  MoneyError,
  moneySchema,
  parseDecimal,
  roundQuotient,
  subtract,
  sum,
  toQboAmount,
  type Money,
} from "./money";

const usd = (amount: number) => money(amount, "USD");

describe("minor units", () => {
  it("knows the exponents of JPY (0), USD (2) and KWD (3), and refuses what is not a currency code", () => {
    expect(minorUnitExponent("JPY")).toBe(0);
    expect(minorUnitExponent("USD")).toBe(2);
    expect(minorUnitExponent("EUR")).toBe(2);
    expect(minorUnitExponent("KWD")).toBe(3);
    expect(() => minorUnitExponent("usd")).toThrow(MoneyError);
    expect(() => minorUnitExponent("DOLLARS")).toThrow(MoneyError);
  });

  it("accepts only safe integers as amounts", () => {
    expect(() => money(12.5, "USD")).toThrow(/whole number/);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, "USD")).toThrow(MoneyError);
    expect(moneySchema.safeParse({ amount: 0.1, currency: "USD" }).success).toBe(false);
    expect(moneySchema.safeParse({ amount: 10, currency: "usd" }).success).toBe(false);
    expect(moneySchema.safeParse({ amount: 10, currency: "USD" }).success).toBe(true);
  });
});

describe("arithmetic", () => {
  it("adds, subtracts and sums in one currency, and refuses to mix currencies", () => {
    expect(add(usd(1999), usd(1))).toEqual(usd(2000));
    expect(subtract(usd(500), usd(1250))).toEqual(usd(-750));
    expect(sum("USD", [usd(10), usd(20), usd(-5)])).toEqual(usd(25));
    expect(sum("JPY", [])).toEqual(money(0, "JPY"));
    expect(() => add(usd(1), money(1, "EUR"))).toThrow(/USD with EUR/);
    expect(() => sum("USD", [usd(1), money(1, "JPY")])).toThrow(MoneyError);
  });

  it("notices a sum that leaves the safe integer range instead of losing cents", () => {
    expect(() => add(usd(Number.MAX_SAFE_INTEGER), usd(1))).toThrow(/safe integer range/);
  });

  it("never returns negative zero", () => {
    expect(Object.is(subtract(usd(5), usd(5)).amount, 0)).toBe(true);
    expect(Object.is(sum("USD", [usd(-3), usd(3)]).amount, 0)).toBe(true);
  });
});

describe("roundQuotient: the one rounding rule (half away from zero)", () => {
  it.each([
    [25n, 10n, 3n],
    [-25n, 10n, -3n],
    [24n, 10n, 2n],
    [26n, 10n, 3n],
    [35n, 10n, 4n],
    [45n, 10n, 5n],
    [-15n, 10n, -2n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [-2n, 3n, -1n],
    [25n, -10n, -3n],
  ])("%d / %d → %d", (numerator, denominator, expected) => {
    expect(roundQuotient(numerator, denominator)).toBe(expected);
  });

  it("is symmetric, so a refund rounds exactly like the sale it reverses", () => {
    for (let numerator = -1000n; numerator <= 1000n; numerator += 7n) {
      expect(roundQuotient(-numerator, 40n)).toBe(-roundQuotient(numerator, 40n));
    }
  });

  it("differs from banker's rounding on even halves (2.5 → 3, not 2)", () => {
    expect(roundQuotient(5n, 2n)).toBe(3n);
    expect(divideToDecimal(1n, 8n, 2)).toBe("0.13");
  });
});

describe("allocate: largest remainder", () => {
  it("splits 100 cents over three equal parts as 34/33/33, the extra cent to the first", () => {
    expect(allocate(usd(100), [1, 1, 1]).map((part) => part.amount)).toEqual([34, 33, 33]);
  });

  it("gives leftover cents to the largest remainders, not the largest weights", () => {
    // Exact shares of 10 over 3:3:1 are 4.2857, 4.2857, 1.4286: floors 4, 4, 1 and one cent left, which goes to
    // the largest remainder (.4286 on the third part), not to a heavier part.
    expect(allocate(usd(10), [3, 3, 1]).map((part) => part.amount)).toEqual([4, 4, 2]);
  });

  it("splits a negative total like its absolute value, and an all-zero weighting evenly", () => {
    expect(allocate(usd(-100), [1, 1, 1]).map((part) => part.amount)).toEqual([-34, -33, -33]);
    expect(allocate(usd(5), [0, 0]).map((part) => part.amount)).toEqual([3, 2]);
  });

  it("refuses negative weights and empty splits", () => {
    expect(() => allocate(usd(5), [])).toThrow(MoneyError);
    expect(() => allocate(usd(5), [1, -1])).toThrow(/negative/);
  });

  it("always adds up exactly and never strays a whole cent from the exact share (seeded property check)", () => {
    let seed = 20261127;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let round = 0; round < 500; round += 1) {
      const total = usd((next() % 2_000_001) - 1_000_000);
      const weights = Array.from({ length: 1 + (next() % 8) }, () => next() % 10_000);
      const parts = allocate(total, weights);
      expect(sum("USD", parts)).toEqual(total);
      const weightTotal = weights.reduce((a, b) => a + b, 0) || weights.length;
      parts.forEach((part, index) => {
        const weight = weights.reduce((a, b) => a + b, 0) === 0 ? 1 : (weights[index] ?? 0);
        const exact = (total.amount * weight) / weightTotal;
        expect(Math.abs(part.amount - exact)).toBeLessThan(1);
      });
    }
  });

  it("handles totals and weights whose products exceed 2^53 exactly", () => {
    const parts = allocate(usd(9_000_000_000_000), [3_000_000_000, 1, 1]);
    expect(sum("USD", parts)).toEqual(usd(9_000_000_000_000));
  });
});

describe("decimal strings", () => {
  it.each<[string, string, number]>([
    ["12.30", "USD", 1230],
    ["12.3", "USD", 1230],
    ["0.05", "USD", 5],
    ["-4.99", "USD", -499],
    ["1200", "JPY", 1200],
    ["1200.0", "JPY", 1200],
    ["1.234", "KWD", 1234],
    ["12.300", "USD", 1230],
  ])("parses %s %s as %d minor units", (text, currency, amount) => {
    expect(parseDecimal(text, currency)).toEqual({ amount, currency });
  });

  it("refuses a digit below the currency's precision rather than rounding it away", () => {
    expect(() => parseDecimal("12.305", "USD")).toThrow(/more decimal places/);
    expect(() => parseDecimal("1200.5", "JPY")).toThrow(/more decimal places/);
    expect(() => parseDecimal("1.2345", "KWD")).toThrow(MoneyError);
    expect(() => parseDecimal("12,30", "USD")).toThrow(/not a decimal/);
    expect(() => parseDecimal("1e3", "USD")).toThrow(/not a decimal/);
  });

  it("formats with exactly the currency's places", () => {
    expect(formatDecimal(usd(1230))).toBe("12.30");
    expect(formatDecimal(usd(5))).toBe("0.05");
    expect(formatDecimal(usd(-5))).toBe("-0.05");
    expect(formatDecimal(money(1200, "JPY"))).toBe("1200");
    expect(formatDecimal(money(1234, "KWD"))).toBe("1.234");
    expect(formatDecimal(money(-7, "KWD"))).toBe("-0.007");
  });

  it("round-trips every amount through the decimal string", () => {
    for (const currency of ["USD", "JPY", "KWD"]) {
      for (const amount of [0, 1, -1, 9, 10, 99, 100, 12345, -98765, 1_000_000_007]) {
        expect(parseDecimal(formatDecimal(money(amount, currency)), currency)).toEqual(money(amount, currency));
      }
    }
  });
});

describe("amounts for QuickBooks", () => {
  it("writes the JSON number of the currency's decimal, and reads it back exactly", () => {
    expect(toQboAmount(usd(1230))).toBe(12.3);
    expect(JSON.stringify({ Amount: toQboAmount(usd(1999)) })).toBe('{"Amount":19.99}');
    expect(toQboAmount(money(1200, "JPY"))).toBe(1200);
    expect(toQboAmount(money(1234, "KWD"))).toBe(1.234);
    const samples: Money[] = [usd(1), usd(10), usd(-333), usd(123456789012), money(999999999999999, "JPY")];
    for (const sample of samples) expect(fromQboAmount(toQboAmount(sample), sample.currency)).toEqual(sample);
  });

  it("refuses amounts QuickBooks' JSON could not carry exactly, and noise coming back", () => {
    expect(() => toQboAmount(usd(10 ** 15))).toThrow(/too large/);
    expect(() => fromQboAmount(0.1 + 0.2, "USD")).toThrow(MoneyError);
    expect(() => fromQboAmount(Number.NaN, "USD")).toThrow(MoneyError);
  });
});

/**
 * QuickBooks sends and answers amounts as JSON decimals (10.5, 3.25). The sandbox never adds or multiplies them as
 * floats: a decimal is read from its shortest text form into an exact scaled integer, money is kept in integer
 * cents, and only the answer turns cents back into a JSON number.
 */

export interface Decimal {
  /** The value times 10^scale, exactly. */
  units: bigint;
  scale: number;
}

/** An exact decimal from a JSON number or numeric string ("12", "-0.5", 1e-7); undefined when it is not one. */
export function parseDecimal(value: unknown): Decimal | undefined {
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : typeof value === "string" ? value.trim() : "";
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) return undefined;
  const [, sign = "", whole = "", fraction = "", exponentText = "0"] = match;
  let digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, "") || "0";
  let scale = fraction.length - Number(exponentText);
  if (scale < 0) {
    digits += "0".repeat(-scale);
    scale = 0;
  }
  const units = BigInt(digits);
  return { units: sign === "-" ? -units : units, scale };
}

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

/** Divides, rounding half away from zero (QuickBooks rounds amounts to the cent this way). */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const absolute = (numerator < 0n ? -numerator : numerator) * 2n + (denominator < 0n ? -denominator : denominator);
  const quotient = absolute / ((denominator < 0n ? -denominator : denominator) * 2n);
  return negative ? -quotient : quotient;
}

function toNumberSafe(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError("amount out of range");
  return Number(value);
}

/** The decimal in cents, rounded half away from zero. */
export function toCents(decimal: Decimal): number {
  return toNumberSafe(decimal.scale <= 2 ? decimal.units * pow10(2 - decimal.scale) : divideRounded(decimal.units, pow10(decimal.scale - 2)));
}

/** a × b in cents, rounded once at the end (Qty × UnitPrice). */
export function productInCents(a: Decimal, b: Decimal): number {
  return toCents({ units: a.units * b.units, scale: a.scale + b.scale });
}

/** percent % of an amount of cents, rounded to the cent. */
export function percentOfCents(cents: number, percent: Decimal): number {
  return toNumberSafe(divideRounded(BigInt(cents) * percent.units, pow10(percent.scale + 2)));
}

/** cents × factor (an exchange rate), rounded to the cent. */
export function scaleCents(cents: number, factor: Decimal): number {
  return toNumberSafe(divideRounded(BigInt(cents) * factor.units, pow10(factor.scale)));
}

/** Cents as the JSON number QuickBooks answers (1050 → 10.5). */
export function centsToAmount(cents: number): number {
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  return Number(`${sign}${Math.trunc(absolute / 100)}.${String(absolute % 100).padStart(2, "0")}`);
}

/** A decimal as a JSON number (exact for the values QuickBooks uses: rates, quantities, prices). */
export function decimalToNumber(decimal: Decimal): number {
  if (decimal.scale === 0) return Number(decimal.units);
  const negative = decimal.units < 0n;
  const digits = (negative ? -decimal.units : decimal.units).toString().padStart(decimal.scale + 1, "0");
  return Number(`${negative ? "-" : ""}${digits.slice(0, -decimal.scale)}.${digits.slice(-decimal.scale)}`);
}

/**
 * Splits cents over weights in proportion, so the parts add up exactly: each part is rounded down and the
 * remaining cents go to the largest remainders (prorating a sent TotalTax over tax rates).
 */
export function prorate(cents: number, weights: bigint[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0n);
  if (total === 0n) return weights.map((_weight, index) => (index === 0 ? cents : 0));
  const sign = cents < 0 ? -1n : 1n;
  const absolute = BigInt(Math.abs(cents));
  const parts = weights.map((weight) => (absolute * weight) / total);
  const remainders = weights.map((weight, index) => ({ index, remainder: (absolute * weight) % total }));
  let left = absolute - parts.reduce((sum, part) => sum + part, 0n);
  remainders.sort((a, b) => (b.remainder > a.remainder ? 1 : b.remainder < a.remainder ? -1 : a.index - b.index));
  for (const { index } of remainders) {
    if (left <= 0n) break;
    parts[index] = (parts[index] ?? 0n) + 1n;
    left--;
  }
  return parts.map((part) => toNumberSafe(part * sign));
}

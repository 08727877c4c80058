/**
 * Money for accounting: integer minor units and an ISO 4217 currency, never floats.
 *
 * Every amount Tillbridge posts comes from a source (Square sends minor units, Shopify sends decimal strings in the
 * currency's precision) and is carried as an integer. Arithmetic is integer-only (bigint where a product could
 * leave the safe range), and an amount split over several parts is split by largest remainder, so the parts add
 * up to the whole exactly.
 *
 * Rounding happens in one place, `roundQuotient`: half away from zero. It is used only for values Tillbridge
 * derives and the source never stated (a unit price that makes Qty × UnitPrice equal a line amount, an exchange
 * rate shown in a memo); a stated amount is never rounded. See docs/decisions/010-accounting-documents.md.
 */
import { z } from "zod";

export interface Money {
  /** Minor units (cents for USD, yen for JPY, fils for KWD): a safe integer. */
  amount: number;
  /** ISO 4217 code, upper case. */
  currency: string;
}

/**
 * ISO 4217 minor-unit exponents that are not 2. Currencies Tillbridge does not list here use 2, which is right for
 * every other currency Square and Shopify sell in.
 */
const MINOR_UNIT_EXPONENTS: Readonly<Record<string, number>> = {
  // No minor unit.
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0,
  XAF: 0, XOF: 0, XPF: 0,
  // Thousandths.
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // Ten-thousandths (units of account).
  CLF: 4, UYW: 4,
};

export const currencyCodeSchema = z.string().regex(/^[A-Z]{3}$/, "a three-letter ISO 4217 currency code in capitals");

export const moneySchema = z.object({
  amount: z.number().refine(Number.isSafeInteger, "an amount in minor units must be a safe integer"),
  currency: currencyCodeSchema,
});

export class MoneyError extends Error {
  override name = "MoneyError";
}

export function minorUnitExponent(currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency)) throw new MoneyError(`"${currency}" is not an ISO 4217 currency code`);
  return MINOR_UNIT_EXPONENTS[currency] ?? 2;
}

function checked(amount: bigint | number, currency: string): Money {
  const value = typeof amount === "bigint" ? Number(amount) : amount;
  if (!Number.isSafeInteger(value) || (typeof amount === "bigint" && BigInt(value) !== amount)) {
    throw new MoneyError(`${String(amount)} minor units of ${currency} is outside the safe integer range`);
  }
  // Normalise -0: amounts are compared with ===, and JSON has no negative zero.
  return { amount: value === 0 ? 0 : value, currency };
}

export function money(amount: number, currency: string): Money {
  minorUnitExponent(currency);
  if (!Number.isSafeInteger(amount)) throw new MoneyError(`${amount} is not a whole number of minor units of ${currency}`);
  return checked(amount, currency);
}

export function zero(currency: string): Money {
  return money(0, currency);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new MoneyError(`cannot combine ${a.currency} with ${b.currency}`);
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return checked(BigInt(a.amount) + BigInt(b.amount), a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return checked(BigInt(a.amount) - BigInt(b.amount), a.currency);
}

export function negate(a: Money): Money {
  return checked(-a.amount, a.currency);
}

/** The sum of `amounts`, all in `currency` (given explicitly so that an empty list has a currency). */
export function sum(currency: string, amounts: readonly Money[]): Money {
  let total = 0n;
  for (const amount of amounts) {
    if (amount.currency !== currency) throw new MoneyError(`cannot add ${amount.currency} to a sum in ${currency}`);
    total += BigInt(amount.amount);
  }
  return checked(total, currency);
}

export function isZero(a: Money): boolean {
  return a.amount === 0;
}

export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount;
}

/**
 * The quotient `numerator / denominator` rounded to an integer, half away from zero: the one rounding rule of
 * the accounting domain. 2.5 → 3, -2.5 → -3, 2.4999 → 2. Symmetric, so a refund rounds exactly like its sale.
 */
export function roundQuotient(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new MoneyError("division by zero");
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = n / d;
  const remainder = n % d;
  const rounded = remainder * 2n >= d ? quotient + 1n : quotient;
  return negative ? -rounded : rounded;
}

/**
 * Splits `total` over `weights` in proportion, by largest remainder: each part gets the floor of its exact
 * share, and the minor units left over go one each to the parts with the largest fractional remainders (the
 * earlier part on a tie). The parts always add up to `total` exactly, and a part never differs from its exact
 * share by a whole minor unit or more. A negative total is split like its absolute value and negated. Weights
 * are non-negative integers (minor units, or quantities scaled to integers); if they are all zero the total is
 * split evenly.
 */
export function allocate(total: Money, weights: readonly (number | bigint)[]): Money[] {
  if (weights.length === 0) throw new MoneyError("cannot allocate over no parts");
  const scaled = weights.map((weight) => {
    const value = typeof weight === "bigint" ? weight : BigInt(checkedWeight(weight));
    if (value < 0n) throw new MoneyError(`allocation weights must not be negative (got ${value})`);
    return value;
  });
  const weightTotal = scaled.reduce((a, b) => a + b, 0n);
  const effective = weightTotal === 0n ? scaled.map(() => 1n) : scaled;
  const effectiveTotal = weightTotal === 0n ? BigInt(scaled.length) : weightTotal;

  const magnitude = BigInt(Math.abs(total.amount));
  const sign = total.amount < 0 ? -1n : 1n;
  const floors = effective.map((weight) => (magnitude * weight) / effectiveTotal);
  const remainders = effective.map((weight, index) => ({ index, remainder: (magnitude * weight) % effectiveTotal }));
  let left = magnitude - floors.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of remainders) {
    if (left === 0n) break;
    floors[index] = (floors[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return floors.map((part) => checked(part * sign, total.currency));
}

function checkedWeight(weight: number): number {
  if (!Number.isSafeInteger(weight)) throw new MoneyError(`allocation weight ${weight} is not a safe integer`);
  return weight;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string in major units ("12.30", "-0.5", "1200.0") into minor units of `currency`. Digits
 * beyond the currency's precision must be zeros ("12.300" is fine for USD, "12.305" is refused): a source amount
 * is never rounded silently.
 */
export function parseDecimal(text: string, currency: string): Money {
  const exponent = minorUnitExponent(currency);
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new MoneyError(`"${text}" is not a decimal amount`);
  const [, minus, whole = "0", fraction = ""] = match;
  const kept = fraction.slice(0, exponent).padEnd(exponent, "0");
  const dropped = fraction.slice(exponent);
  if (/[^0]/.test(dropped)) {
    throw new MoneyError(`"${text}" has more decimal places than ${currency} has (${exponent})`);
  }
  const minor = BigInt(whole + kept) * (minus ? -1n : 1n);
  return checked(minor, currency);
}

/** "12.30" for 1230 USD, "1200" for 1200 JPY, "1.234" for 1234 KWD: exactly the currency's places, no rounding. */
export function formatDecimal(value: Money): string {
  const exponent = minorUnitExponent(value.currency);
  const negative = value.amount < 0;
  const digits = String(Math.abs(value.amount)).padStart(exponent + 1, "0");
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? "-" : ""}${whole}${exponent > 0 ? `.${fraction}` : ""}`;
}

/**
 * Amounts below this many minor units in magnitude have at most 15 significant digits, so the JSON number
 * QuickBooks receives is exactly the decimal written (a double holds any 15-digit decimal exactly enough to
 * print it back unchanged).
 */
const QBO_NUMBER_LIMIT = 10n ** 15n;

/**
 * The amount as QuickBooks' JSON wants it: a number with the currency's places (12.3 for 1230 USD, printed by
 * JSON as 12.3; QuickBooks reads it as the decimal 12.30). This is the only place a Money becomes a float, and
 * only for serialising: no arithmetic is done on the result.
 */
export function toQboAmount(value: Money): number {
  if (BigInt(Math.abs(value.amount)) >= QBO_NUMBER_LIMIT) {
    throw new MoneyError(`${formatDecimal(value)} ${value.currency} is too large to send to QuickBooks exactly`);
  }
  return Number(formatDecimal(value));
}

/** Reads an amount QuickBooks sent back (a JSON number) into minor units; more places than the currency's are refused. */
export function fromQboAmount(value: number, currency: string): Money {
  if (!Number.isFinite(value)) throw new MoneyError(`${value} is not an amount`);
  const text = String(value);
  if (/e/i.test(text)) throw new MoneyError(`${text} is not an amount QuickBooks would send`);
  return parseDecimal(text, currency);
}

/** A decimal string of a non-negative or negative number ("1.5", "0.333"), as quantities and rates are written. */
export interface ScaledDecimal {
  /** The digits as an integer: "1.25" → 125n. */
  units: bigint;
  /** How many of the digits are decimals: "1.25" → 2. */
  scale: number;
}

export function parseScaledDecimal(text: string): ScaledDecimal {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new MoneyError(`"${text}" is not a decimal number`);
  const [, minus, whole = "0", rawFraction = ""] = match;
  // Trailing zeros carry no information: "2.500" is 25 tenths.
  const fraction = rawFraction.replace(/0+$/, "");
  return { units: BigInt(whole + fraction) * (minus ? -1n : 1n), scale: fraction.length };
}

export function formatScaledDecimal(value: ScaledDecimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, "0");
  const whole = digits.slice(0, digits.length - value.scale);
  const fraction = digits.slice(digits.length - value.scale).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** `numerator / denominator` written as a decimal rounded (half away from zero) to `places` places, trailing zeros dropped. */
export function divideToDecimal(numerator: bigint, denominator: bigint, places: number): string {
  const units = roundQuotient(numerator * 10n ** BigInt(places), denominator);
  return formatScaledDecimal({ units, scale: places });
}

/**
 * Money for the sandbox's orders: amounts are whole minor units (cents) in integers, never floats, and every
 * multiplication by a rate (tax rate, exchange rate, discount percentage, a share of a line) goes through exact
 * rational arithmetic with one rounding at the end, half away from zero, as Shopify rounds money.
 *
 * An order's amounts exist twice: in the currency the customer paid in (presentment) and in the shop's currency.
 * GraphQL shows both as a MoneyBag; webhooks (REST) show both as a `*_set` next to the shop amount.
 */

/** An amount in the shop's currency and in the presentment currency, in minor units of each. */
export interface MoneyPair {
  shop: number;
  presentment: number;
}

export const ZERO: MoneyPair = { shop: 0, presentment: 0 };

/** An exact non-negative ratio, e.g. the decimal 0.0875 as 875/10000. */
export interface Ratio {
  numerator: bigint;
  denominator: bigint;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A non-negative decimal as an exact ratio: "0.0875" → 875/10000. Throws on anything else (1e-7, -1, "abc"). */
export function ratioOf(decimal: string): Ratio {
  const match = DECIMAL.exec(decimal);
  if (!match) throw new RangeError(`Not a non-negative decimal: ${decimal}`);
  const fraction = match[2] ?? "";
  return { numerator: BigInt(`${match[1]}${fraction}`), denominator: 10n ** BigInt(fraction.length) };
}

export function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/** numerator/denominator rounded half away from zero, for any sign of the numerator (denominator > 0). */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const rounded = (2n * magnitude + denominator) / (2n * denominator);
  return negative ? -rounded : rounded;
}

/** amount × ratio (× more ratios), rounded once to a whole minor unit. */
export function multiply(amount: number, ...ratios: Ratio[]): number {
  let numerator = BigInt(amount);
  let denominator = 1n;
  for (const ratio of ratios) {
    numerator *= ratio.numerator;
    denominator *= ratio.denominator;
  }
  return Number(divideRounded(numerator, denominator));
}

/** amount ÷ ratio, rounded once (ratio must not be zero). */
export function divide(amount: number, ratio: Ratio): number {
  if (ratio.numerator === 0n) throw new RangeError("Division by a zero ratio");
  return Number(divideRounded(BigInt(amount) * ratio.denominator, ratio.numerator));
}

/**
 * The share of `total` that `part` of `whole` units carry, rounded: share(1000, 1, 3) = 333. Taking shares
 * cumulatively (share of the first k units minus share of the first j) makes the parts add up to the total exactly,
 * which is how refunds of a line a few units at a time end at the line's full amount.
 */
export function share(total: number, part: number, whole: number): number {
  if (whole === 0) return 0;
  return Number(divideRounded(BigInt(total) * BigInt(part), BigInt(whole)));
}

/**
 * Splits `total` over weights in proportion, the rounding remainder going to the largest fractional parts (then
 * the earliest), so that the parts add up to the total exactly.
 */
export function allocate(total: number, weights: number[]): number[] {
  const sum = BigInt(weights.reduce((a, b) => a + b, 0));
  if (sum === 0n) return weights.map(() => 0);
  const exact = weights.map((weight, index) => {
    const product = BigInt(total) * BigInt(weight);
    return { index, floor: product / sum, remainder: product % sum };
  });
  let left = BigInt(total) - exact.reduce((a, part) => a + part.floor, 0n);
  const parts = exact.map((part) => part.floor);
  const byRemainder = [...exact].sort((a, b) => (b.remainder > a.remainder ? 1 : b.remainder < a.remainder ? -1 : a.index - b.index));
  for (const { index } of byRemainder) {
    if (left === 0n) break;
    parts[index]! += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

const digitsCache = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency: USD 2, JPY 0, KWD 3 (the table Intl carries). */
export function currencyDigits(currencyCode: string): number {
  let digits = digitsCache.get(currencyCode);
  if (digits === undefined) {
    digits = new Intl.NumberFormat("en", { style: "currency", currency: currencyCode }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currencyCode, digits);
  }
  return digits;
}

/** Whether Intl knows the code as a currency (a well-formed code it has digits for). */
export function isKnownCurrency(currencyCode: string): boolean {
  if (!/^[A-Z]{3}$/.test(currencyCode)) return false;
  try {
    currencyDigits(currencyCode);
    return true;
  } catch {
    return false;
  }
}

/** A decimal amount in a currency's minor units: ("12.5", USD) → 1250. More decimals than the currency has throw. */
export function toMinorUnits(decimal: string, currencyCode: string): number {
  const digits = currencyDigits(currencyCode);
  const match = DECIMAL.exec(decimal);
  if (!match) throw new RangeError(`Not a non-negative decimal amount: ${decimal}`);
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > digits) throw new RangeError(`${decimal} has more decimals than ${currencyCode} has (${digits})`);
  const minor = Number(`${match[1]}${fraction.padEnd(digits, "0")}`);
  if (!Number.isSafeInteger(minor)) throw new RangeError(`${decimal} is too large`);
  return minor;
}

function split(minor: number, digits: number): { sign: string; whole: string; fraction: string } {
  const magnitude = String(Math.abs(minor)).padStart(digits + 1, "0");
  return {
    sign: minor < 0 ? "-" : "",
    whole: magnitude.slice(0, magnitude.length - digits),
    fraction: magnitude.slice(magnitude.length - digits),
  };
}

/**
 * Shopify's GraphQL `Decimal` as its MoneyV2 amounts show it: no trailing zeros but at least one decimal
 * ("25.98", "25.9", "118.0", "0.0").
 */
export function graphqlDecimal(minor: number, currencyCode: string): string {
  const { sign, whole, fraction } = split(minor, currencyDigits(currencyCode));
  return `${sign}${whole}.${fraction.replace(/0+$/, "") || "0"}`;
}

/** REST (webhook) money: the currency's own number of decimals ("118.00", JPY "1200"). */
export function restDecimal(minor: number, currencyCode: string): string {
  const { sign, whole, fraction } = split(minor, currencyDigits(currencyCode));
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

export function addPairs(...pairs: MoneyPair[]): MoneyPair {
  return pairs.reduce((sum, pair) => ({ shop: sum.shop + pair.shop, presentment: sum.presentment + pair.presentment }), ZERO);
}

export function subtractPairs(from: MoneyPair, ...pairs: MoneyPair[]): MoneyPair {
  const taken = addPairs(...pairs);
  return { shop: from.shop - taken.shop, presentment: from.presentment - taken.presentment };
}

export function sumPairs(pairs: Iterable<MoneyPair>): MoneyPair {
  return addPairs(...pairs);
}

/** A MoneyPair scaled by k/n in each currency separately (cumulative shares stay exact, see share). */
export function sharePair(total: MoneyPair, part: number, whole: number): MoneyPair {
  return { shop: share(total.shop, part, whole), presentment: share(total.presentment, part, whole) };
}

/**
 * The exchange between an order's presentment currency and the shop's: `rate` presentment units per shop unit
 * (a shop in USD selling in CAD at 1.36). Each amount is converted once, from presentment to shop money, so every
 * shop total is the sum of converted parts and adds up to the cent, as its presentment twin does.
 */
export class Exchange {
  readonly ratio: Ratio;
  private readonly scale: Ratio;

  constructor(
    readonly shopCurrency: string,
    readonly presentmentCurrency: string,
    readonly rate: string,
  ) {
    this.ratio = ratioOf(rate);
    if (this.ratio.numerator === 0n) throw new RangeError("The exchange rate must be positive");
    // Minor units differ between currencies (USD cents, JPY yen): scale = 10^(presentment digits − shop digits).
    const difference = currencyDigits(presentmentCurrency) - currencyDigits(shopCurrency);
    this.scale = difference >= 0 ? { numerator: 10n ** BigInt(difference), denominator: 1n } : { numerator: 1n, denominator: 10n ** BigInt(-difference) };
  }

  /** A shop-currency amount in the presentment currency (how a variant's price is shown to the customer). */
  toPresentment(shopMinor: number): number {
    return multiply(shopMinor, this.ratio, this.scale);
  }

  /** A presentment amount in shop money. */
  toShop(presentmentMinor: number): number {
    return multiply(presentmentMinor, { numerator: this.ratio.denominator, denominator: this.ratio.numerator }, {
      numerator: this.scale.denominator,
      denominator: this.scale.numerator,
    });
  }

  pair(presentmentMinor: number): MoneyPair {
    return { shop: this.toShop(presentmentMinor), presentment: presentmentMinor };
  }
}

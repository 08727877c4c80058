/**
 * Exact money arithmetic for orders, payments and refunds. Amounts are integers of the currency's smallest unit
 * (cents), as Square's `Money.amount`; percentages ("8.875") and quantities (1/100,000 units, quantity.ts) are kept as
 * exact fractions, so nothing drifts the way binary floating point would, and only the final amount is rounded.
 *
 * Rounding: the Orders API "performs its adjustment calculations using Bankers' Rounding, also known as Rounding Half
 * to Even" (Square, /docs/orders-api/price-adjustments "Rounding rules"; a Square forum answer confirms 5% of 355.70
 * = 17.785 gives 17.78). The sandbox uses it for every amount it computes (taxes, discounts, service charges, prorated
 * returns, processing fees; the last two are assumed).
 */

/** A non-negative exact fraction. */
export interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

const PERCENTAGE = /^(\d{1,3})(?:\.(\d{1,8}))?$/;

/** "8.875" → 8875/1000 (of a hundred); null when it is not a decimal Square would take. */
export function parsePercentage(text: string): Fraction | null {
  const match = PERCENTAGE.exec(text.trim());
  if (!match) return null;
  const [, whole, fraction = ""] = match;
  return { numerator: BigInt(`${whole}${fraction}`), denominator: 10n ** BigInt(fraction.length) };
}

/** The shortest decimal form of a percentage, as Square writes it ("8.875", "10"). */
export function formatPercentage(value: Fraction): string {
  let scale = 0n;
  let denominator = value.denominator;
  while (denominator % 10n === 0n) {
    denominator /= 10n;
    scale++;
  }
  if (denominator !== 1n) throw new Error("formatPercentage: not a decimal fraction");
  const digits = value.numerator.toString().padStart(Number(scale) + 1, "0");
  const whole = digits.slice(0, digits.length - Number(scale));
  const fraction = digits.slice(digits.length - Number(scale)).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

/** numerator / denominator rounded half to even (denominator > 0). */
export function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new Error("roundHalfEven: denominator must be positive");
  const negative = numerator < 0n;
  const absolute = negative ? -numerator : numerator;
  let quotient = absolute / denominator;
  const twice = (absolute % denominator) * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient++;
  return negative ? -quotient : quotient;
}

/** `amount` × percentage / 100, rounded half to even. */
export function percentOf(amount: bigint, percentage: Fraction): bigint {
  return roundHalfEven(amount * percentage.numerator, 100n * percentage.denominator);
}

/** The tax contained in an amount that already includes it (INCLUSIVE): amount × p / (100 + p), rounded half to even. */
export function includedPercentOf(amount: bigint, percentage: Fraction): bigint {
  return roundHalfEven(amount * percentage.numerator, 100n * percentage.denominator + percentage.numerator);
}

/** `amount` × part / whole, rounded half to even (a prorated share). */
export function shareOf(amount: bigint, part: bigint, whole: bigint): bigint {
  if (whole === 0n) return 0n;
  return roundHalfEven(amount * part, whole);
}

/**
 * Splits `total` across participants in proportion to their weights so the shares add up to `total` exactly: each
 * gets its share rounded down, and the cents left go one each to the largest remainders (ties: the earlier
 * participant). Square distributes an order-level amount "proportionally" across line items and does not say how it
 * places the odd cent; this is assumed. Weights are ≥ 0; all zero gives all zero.
 */
export function apportion(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((acc, weight) => acc + weight, 0n);
  if (sum === 0n || total === 0n) return weights.map(() => 0n);
  const sign = total < 0n ? -1n : 1n;
  const absolute = total * sign;
  const shares = weights.map((weight) => (absolute * weight) / sum);
  let left = absolute - shares.reduce((acc, share) => acc + share, 0n);
  const order = weights
    .map((weight, index) => ({ index, remainder: (absolute * weight) % sum }))
    .filter((entry) => weights[entry.index]! > 0n)
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const entry of order) {
    if (left === 0n) break;
    shares[entry.index]! += 1n;
    left--;
  }
  return shares.map((share) => share * sign);
}

/** Money on the wire: `{amount, currency}`, the amount a JSON number (the SDK reads it as bigint). */
export interface WireMoney {
  amount: number;
  currency: string;
}

export function money(amount: bigint, currency: string): WireMoney {
  return { amount: Number(amount), currency };
}

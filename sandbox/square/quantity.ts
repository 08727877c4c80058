/**
 * Inventory quantities as Square writes them: decimal strings with up to 5 digits after the point
 * (InventoryCount.quantity, InventoryAdjustment.quantity). They are kept as whole numbers of 1/100,000 (bigint), so
 * sums never drift the way binary floating point would.
 */

export type Quantity = bigint;

const SCALE = 100_000n;
const DECIMAL = /^(-?)(\d{1,12})(?:\.(\d{1,5}))?$/;

/** The quantity a decimal string means, or null when it is not one Square accepts. */
export function parseQuantity(text: string): Quantity | null {
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, sign, whole, fraction = ""] = match;
  const value = BigInt(whole!) * SCALE + BigInt(fraction.padEnd(5, "0"));
  return sign === "-" ? -value : value;
}

/** Whole units, or a number with at most 5 decimals (the control API and the start handle take numbers). */
export function quantityFromNumber(value: number): Quantity | null {
  if (!Number.isFinite(value)) return null;
  return parseQuantity(String(Number(value.toFixed(5))));
}

/** "12", "-3", "2.5": no trailing zeros, as Square answers. */
export function formatQuantity(quantity: Quantity): string {
  const negative = quantity < 0n;
  const absolute = negative ? -quantity : quantity;
  const whole = absolute / SCALE;
  const fraction = (absolute % SCALE).toString().padStart(5, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

export function quantityToNumber(quantity: Quantity): number {
  return Number(formatQuantity(quantity));
}

/**
 * How a change in one channel's stock is carried to the other: pure arithmetic, no I/O.
 *
 * Both channels sell the same units, so Tillbridge never copies a count across (that would overwrite a sale made
 * on the other side at the same moment); it carries each side's *change* over as a relative adjustment. A linked
 * level keeps a base per side: what that side held once every change seen so far had been carried over. A new
 * reading of both sides gives each side's change since its base; that change is applied to the other side, and
 * both bases move by what was applied. A write of Tillbridge's own comes back in the next reading already
 * counted in the base, so it is not carried back (echo suppression), and a reading that finds nothing new does
 * nothing, however many duplicate or reordered webhooks triggered it.
 *
 * A safety buffer holds units of a location back from Shopify (for the shop floor): Shopify is shown Square's count
 * less the buffer, never below 0. A Square change is then carried as the change in what Shopify is shown (selling
 * one of the held-back units moves nothing online). A Shopify change is carried to Square unit for unit: online
 * sales and restocks are real units. Without a buffer both rules are the plain "carry the change".
 */

export type InventoryDirection = "both" | "shopify_to_square" | "square_to_shopify";

export interface LevelCounts {
  shopify: number;
  square: number;
}

/**
 * One relative write of `delta` units to `side`: either carrying the other side's change over ("carry"), or
 * repairing drift found by reconciliation ("repair": `side` is set to the other side's count).
 */
export interface CarryOver {
  side: "shopify" | "square";
  delta: number;
  /**
   * The change on the other side that this write carries over, when it differs from `delta` (a buffer made the
   * two differ); absent means the same as `delta`. The other side's base moves by this once the write lands.
   */
  sourceDelta?: number;
  /** The count `side` was read at: Shopify refuses the write if it has changed since (changeFromQuantity). */
  expectedBefore: number;
  kind?: "carry" | "repair";
}

export interface PropagationPlan {
  writes: CarryOver[];
  /** The bases once the changes that are not carried (one-way syncs) are absorbed, before any write lands. */
  baseBeforeWrites: LevelCounts;
}

/** What Shopify is shown of a Square count, with `buffer` units held back (never below 0). */
export function shownOnShopify(squareCount: number, buffer: number): number {
  return buffer === 0 ? squareCount : Math.max(0, squareCount - buffer);
}

export function planPropagation(base: LevelCounts, now: LevelCounts, direction: InventoryDirection, buffer = 0): PropagationPlan {
  const shopifyChange = now.shopify - base.shopify;
  const squareChange = now.square - base.square;
  const carriesShopify = direction !== "square_to_shopify";
  const carriesSquare = direction !== "shopify_to_square";
  const writes: CarryOver[] = [];
  const baseBeforeWrites = { ...base };
  if (carriesSquare && squareChange !== 0) {
    const shownChange = shownOnShopify(now.square, buffer) - shownOnShopify(base.square, buffer);
    if (shownChange === squareChange) writes.push({ side: "shopify", delta: shownChange, expectedBefore: now.shopify });
    else if (shownChange !== 0) writes.push({ side: "shopify", delta: shownChange, sourceDelta: squareChange, expectedBefore: now.shopify });
    // Units moving inside the buffer change nothing online: carried over by writing nothing.
    else baseBeforeWrites.square = now.square;
  }
  if (carriesShopify && shopifyChange !== 0) writes.push({ side: "square", delta: shopifyChange, expectedBefore: now.square });
  // A change the sync does not carry (the receiving side of a one-way sync) becomes part of that side's base.
  if (!carriesShopify) baseBeforeWrites.shopify = now.shopify;
  if (!carriesSquare) baseBeforeWrites.square = now.square;
  return { writes, baseBeforeWrites };
}

/**
 * The bases after a write landed: the side it carried from has been carried over (its base moves by the change),
 * and the side written to moved by Tillbridge's own hand (its base moves too, so the write is not seen as a sale).
 */
export function baseAfterWrite(base: LevelCounts, write: CarryOver): LevelCounts {
  // A repair changes only the side written to: nothing happened on the other side that needed carrying.
  if (write.kind === "repair") return { ...base, [write.side]: base[write.side] + write.delta };
  const source = write.side === "shopify" ? "square" : "shopify";
  return { ...base, [write.side]: base[write.side] + write.delta, [source]: base[source] + (write.sourceDelta ?? write.delta) } as LevelCounts;
}

/**
 * Drift: both sides read, nothing left to carry over, and still Shopify does not show what it should of Square's
 * count (a count changed while Tillbridge was not told, a level linked out of step, a write outside any sync). The
 * side that wins sets the other: the sync's source in a one-way sync, the merchant's chosen winner in a two-way
 * one. Null when in step. When Shopify wins, Square is set to Shopify's count plus the buffer; a Shopify count of 0
 * only says Square holds no more than the buffer.
 */
export function planDriftRepair(now: LevelCounts, direction: InventoryDirection, conflictWinner: "shopify" | "square", buffer = 0): CarryOver | null {
  if (now.shopify === shownOnShopify(now.square, buffer)) return null;
  const winner = direction === "shopify_to_square" ? "shopify" : direction === "square_to_shopify" ? "square" : conflictWinner;
  if (winner === "square") return { side: "shopify", delta: shownOnShopify(now.square, buffer) - now.shopify, expectedBefore: now.shopify, kind: "repair" };
  const squareTarget = now.shopify > 0 || buffer === 0 ? now.shopify + buffer : Math.min(now.square, buffer);
  return { side: "square", delta: squareTarget - now.square, expectedBefore: now.square, kind: "repair" };
}

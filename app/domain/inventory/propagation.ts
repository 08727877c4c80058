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
  /** The count `side` was read at: Shopify refuses the write if it has changed since (changeFromQuantity). */
  expectedBefore: number;
  kind?: "carry" | "repair";
}

export interface PropagationPlan {
  writes: CarryOver[];
  /** The bases once the changes that are not carried (one-way syncs) are absorbed, before any write lands. */
  baseBeforeWrites: LevelCounts;
}

export function planPropagation(base: LevelCounts, now: LevelCounts, direction: InventoryDirection): PropagationPlan {
  const shopifyChange = now.shopify - base.shopify;
  const squareChange = now.square - base.square;
  const carriesShopify = direction !== "square_to_shopify";
  const carriesSquare = direction !== "shopify_to_square";
  const writes: CarryOver[] = [];
  if (carriesSquare && squareChange !== 0) writes.push({ side: "shopify", delta: squareChange, expectedBefore: now.shopify });
  if (carriesShopify && shopifyChange !== 0) writes.push({ side: "square", delta: shopifyChange, expectedBefore: now.square });
  // A change the sync does not carry (the receiving side of a one-way sync) becomes part of that side's base.
  return {
    writes,
    baseBeforeWrites: { shopify: carriesShopify ? base.shopify : now.shopify, square: carriesSquare ? base.square : now.square },
  };
}

/**
 * The bases after a write landed: the side it carried from has been carried over (its base moves by the change),
 * and the side written to moved by Tillbridge's own hand (its base moves too, so the write is not seen as a sale).
 */
export function baseAfterWrite(base: LevelCounts, write: CarryOver): LevelCounts {
  // A repair changes only the side written to: nothing happened on the other side that needed carrying.
  if (write.kind === "repair") return { ...base, [write.side]: base[write.side] + write.delta };
  return { shopify: base.shopify + write.delta, square: base.square + write.delta };
}

/**
 * Drift: both sides read, nothing left to carry over, and still the counts differ (a count changed while
 * Tillbridge was not told, a level linked out of step, a write outside any sync). The side that wins is set to
 * by the other: the sync's source in a one-way sync, the merchant's chosen winner in a two-way one. Null when in step.
 */
export function planDriftRepair(now: LevelCounts, direction: InventoryDirection, conflictWinner: "shopify" | "square"): CarryOver | null {
  if (now.shopify === now.square) return null;
  const winner = direction === "shopify_to_square" ? "shopify" : direction === "square_to_shopify" ? "square" : conflictWinner;
  const loser = winner === "shopify" ? "square" : "shopify";
  return { side: loser, delta: now[winner] - now[loser], expectedBefore: now[loser], kind: "repair" };
}

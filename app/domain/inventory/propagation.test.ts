import { describe, expect, it } from "vitest";
import { baseAfterWrite, planDriftRepair, planPropagation, shownOnShopify, type LevelCounts } from "./propagation";

/** Applies a plan as if every write landed, returning the new bases and what each side then holds. */
function land(base: LevelCounts, now: LevelCounts, direction: Parameters<typeof planPropagation>[2]) {
  const plan = planPropagation(base, now, direction);
  let nextBase = plan.baseBeforeWrites;
  const after = { ...now };
  for (const write of plan.writes) {
    nextBase = baseAfterWrite(nextBase, write);
    after[write.side] += write.delta;
  }
  return { plan, base: nextBase, after };
}

describe("planPropagation", () => {
  it("carries a Square sale to Shopify as a relative change, guarded by the count Shopify was read at", () => {
    const { plan, base, after } = land({ shopify: 10, square: 10 }, { shopify: 10, square: 9 }, "both");
    expect(plan.writes).toEqual([{ side: "shopify", delta: -1, expectedBefore: 10 }]);
    expect(after).toEqual({ shopify: 9, square: 9 });
    expect(base).toEqual(after);
  });

  it("keeps both sales when the last units sell on both channels at once: nothing is overwritten", () => {
    const { plan, after } = land({ shopify: 1, square: 1 }, { shopify: 0, square: 0 }, "both");
    expect(plan.writes).toEqual([
      { side: "shopify", delta: -1, expectedBefore: 0 },
      { side: "square", delta: -1, expectedBefore: 0 },
    ]);
    // Two units sold from one: both channels show the oversell, which reconciliation and the merchant see.
    expect(after).toEqual({ shopify: -1, square: -1 });
  });

  it("does nothing for a reading that finds nothing new: a duplicate webhook, or the echo of its own write", () => {
    const first = land({ shopify: 10, square: 10 }, { shopify: 10, square: 7 }, "both");
    // The Shopify webhook of Tillbridge's own write (-3) triggers another reading: both sides match their bases.
    expect(planPropagation(first.base, first.after, "both").writes).toEqual([]);
  });

  it("carries only what the direction allows, and absorbs the other side's change into its base", () => {
    const { plan, base } = land({ shopify: 10, square: 10 }, { shopify: 8, square: 9 }, "square_to_shopify");
    expect(plan.writes).toEqual([{ side: "shopify", delta: -1, expectedBefore: 8 }]);
    expect(base).toEqual({ shopify: 7, square: 9 });
    expect(planPropagation(base, { shopify: 7, square: 9 }, "square_to_shopify").writes).toEqual([]);

    const oneWay = land({ shopify: 10, square: 10 }, { shopify: 8, square: 9 }, "shopify_to_square");
    expect(oneWay.plan.writes).toEqual([{ side: "square", delta: -2, expectedBefore: 9 }]);
    expect(oneWay.after).toEqual({ shopify: 8, square: 7 });
  });

  it("adds up any number of changes between two readings, in any order they happened", () => {
    // Three Shopify sales and a Square restock of 5 happened before one reading.
    const { plan, after } = land({ shopify: 20, square: 20 }, { shopify: 17, square: 25 }, "both");
    expect(plan.writes.map((write) => [write.side, write.delta])).toEqual([
      ["shopify", 5],
      ["square", -3],
    ]);
    expect(after).toEqual({ shopify: 22, square: 22 });
  });
});

describe("planDriftRepair", () => {
  it("sets the losing side to the winner's count, and moves only the losing side's base", () => {
    const repair = planDriftRepair({ shopify: 12, square: 9 }, "both", "square");
    expect(repair).toEqual({ side: "shopify", delta: -3, expectedBefore: 12, kind: "repair" });
    expect(baseAfterWrite({ shopify: 12, square: 9 }, repair!)).toEqual({ shopify: 9, square: 9 });
  });

  it("lets the source of a one-way sync win, whatever the conflict setting", () => {
    expect(planDriftRepair({ shopify: 12, square: 9 }, "shopify_to_square", "square")).toEqual({ side: "square", delta: 3, expectedBefore: 9, kind: "repair" });
    expect(planDriftRepair({ shopify: 12, square: 9 }, "square_to_shopify", "shopify")?.side).toBe("shopify");
  });

  it("finds nothing to repair when the counts agree", () => {
    expect(planDriftRepair({ shopify: 4, square: 4 }, "both", "shopify")).toBeNull();
  });
});

describe("a safety buffer held back from Shopify", () => {
  function landBuffered(base: LevelCounts, now: LevelCounts, buffer: number) {
    const plan = planPropagation(base, now, "both", buffer);
    let nextBase = plan.baseBeforeWrites;
    const after = { ...now };
    for (const write of plan.writes) {
      nextBase = baseAfterWrite(nextBase, write);
      after[write.side] += write.delta;
    }
    return { plan, base: nextBase, after };
  }

  it("shows Shopify Square's count less the buffer, never below 0", () => {
    expect(shownOnShopify(10, 2)).toBe(8);
    expect(shownOnShopify(1, 2)).toBe(0);
    expect(shownOnShopify(-1, 0)).toBe(-1);
  });

  it("carries a Square sale as the change in what Shopify is shown, and a held-back unit's sale as nothing", () => {
    const sale = landBuffered({ shopify: 1, square: 3 }, { shopify: 1, square: 2 }, 2);
    expect(sale.plan.writes).toEqual([{ side: "shopify", delta: -1, expectedBefore: 1 }]);
    expect(sale.after).toEqual({ shopify: 0, square: 2 });
    expect(sale.base).toEqual({ shopify: 0, square: 2 });

    const heldBack = landBuffered(sale.base, { shopify: 0, square: 1 }, 2);
    expect(heldBack.plan.writes).toEqual([]);
    expect(heldBack.base).toEqual({ shopify: 0, square: 1 });
    expect(planPropagation(heldBack.base, { shopify: 0, square: 1 }, "both", 2).writes).toEqual([]);
  });

  it("carries a restock that crosses the buffer as the part Shopify may sell, moving Square's base by all of it", () => {
    const { plan, base, after } = landBuffered({ shopify: 0, square: 1 }, { shopify: 0, square: 6 }, 2);
    expect(plan.writes).toEqual([{ side: "shopify", delta: 4, sourceDelta: 5, expectedBefore: 0 }]);
    expect(after).toEqual({ shopify: 4, square: 6 });
    expect(base).toEqual(after);
  });

  it("carries an online sale to Square unit for unit", () => {
    const { after } = landBuffered({ shopify: 8, square: 10 }, { shopify: 6, square: 10 }, 2);
    expect(after).toEqual({ shopify: 6, square: 8 });
  });

  it("repairs towards Square's count less the buffer, or Shopify's count plus it", () => {
    expect(planDriftRepair({ shopify: 8, square: 10 }, "both", "square", 2)).toBeNull();
    expect(planDriftRepair({ shopify: 0, square: 2 }, "both", "square", 2)).toBeNull();
    expect(planDriftRepair({ shopify: 10, square: 10 }, "both", "square", 2)).toEqual({ side: "shopify", delta: -2, expectedBefore: 10, kind: "repair" });
    expect(planDriftRepair({ shopify: 5, square: 10 }, "both", "shopify", 2)).toEqual({ side: "square", delta: -3, expectedBefore: 10, kind: "repair" });
    // Shopify at 0 says only that Square holds no more than the buffer.
    expect(planDriftRepair({ shopify: 0, square: 9 }, "both", "shopify", 2)).toEqual({ side: "square", delta: -7, expectedBefore: 9, kind: "repair" });
  });
});

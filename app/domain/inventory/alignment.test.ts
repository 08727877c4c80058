import { describe, expect, it } from "vitest";
import { planAlignment, type AlignmentReading } from "./alignment";

function reading(sku: string, shopify: number | null, square: number, buffer = 0): AlignmentReading {
  return {
    sku,
    title: sku,
    shopifyInventoryItemId: `gid://shopify/InventoryItem/${sku}`,
    shopifyLocationId: "gid://shopify/Location/1",
    squareVariationId: `VAR-${sku}`,
    squareLocationId: "L1",
    shopify,
    square,
    buffer,
  };
}

describe("planAlignment", () => {
  it("sets Shopify to Square's count when Square wins, and leaves matching rows alone", () => {
    const { rows, summary } = planAlignment([reading("A", 5, 5), reading("B", 7, 3), reading("C", null, 4)], { direction: "both", conflictWinner: "square" });
    expect(rows.map((row) => [row.sku, row.action, row.after])).toEqual([
      ["A", "in-step", { shopify: 5, square: 5 }],
      ["B", "change-shopify", { shopify: 3, square: 3 }],
      ["C", "not-stocked", { shopify: null, square: 4 }],
    ]);
    expect(summary).toEqual({ rows: 3, inStep: 1, changeShopify: 1, changeSquare: 0, notStocked: 1 });
  });

  it("sets Square when Shopify wins or is the source of a one-way sync", () => {
    expect(planAlignment([reading("B", 7, 3)], { direction: "both", conflictWinner: "shopify" }).rows[0]?.after).toEqual({ shopify: 7, square: 7 });
    expect(planAlignment([reading("B", 7, 3)], { direction: "shopify_to_square", conflictWinner: "square" }).rows[0]?.action).toBe("change-square");
  });

  it("holds the location's buffer back from Shopify", () => {
    const { rows } = planAlignment([reading("A", 10, 10, 2), reading("B", 0, 1, 2)], { direction: "both", conflictWinner: "square" });
    expect(rows.map((row) => [row.action, row.after.shopify])).toEqual([
      ["change-shopify", 8],
      ["in-step", 0],
    ]);
  });
});

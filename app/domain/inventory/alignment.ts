import { planDriftRepair, type InventoryDirection } from "./propagation";

/**
 * The first alignment of a new inventory sync, as the merchant previews it: every matched item at every mapped
 * location pair, what each channel holds now, and what each will hold once aligned by the sync's rule (the
 * winner's count, less the location's buffer on Shopify). Pure: the counts are read elsewhere.
 */

export interface AlignmentReading {
  sku: string;
  /** What the merchant calls the item (Shopify's variant title). */
  title: string;
  shopifyInventoryItemId: string;
  shopifyLocationId: string;
  squareVariationId: string;
  squareLocationId: string;
  /** Null when the item is not stocked at the Shopify location (Shopify has no inventory level there). */
  shopify: number | null;
  square: number;
  buffer: number;
}

export type AlignmentAction = "in-step" | "change-shopify" | "change-square" | "not-stocked";

export interface AlignmentRow extends AlignmentReading {
  action: AlignmentAction;
  /** What each side will hold once aligned (unchanged for a row that is in step or not stocked). */
  after: { shopify: number | null; square: number };
}

export interface AlignmentSummary {
  rows: number;
  inStep: number;
  changeShopify: number;
  changeSquare: number;
  notStocked: number;
}

export function planAlignment(readings: readonly AlignmentReading[], rule: { direction: InventoryDirection; conflictWinner: "shopify" | "square" }): { rows: AlignmentRow[]; summary: AlignmentSummary } {
  const summary: AlignmentSummary = { rows: readings.length, inStep: 0, changeShopify: 0, changeSquare: 0, notStocked: 0 };
  const rows = readings.map((reading): AlignmentRow => {
    if (reading.shopify === null) {
      summary.notStocked += 1;
      return { ...reading, action: "not-stocked", after: { shopify: null, square: reading.square } };
    }
    const repair = planDriftRepair({ shopify: reading.shopify, square: reading.square }, rule.direction, rule.conflictWinner, reading.buffer);
    if (!repair) {
      summary.inStep += 1;
      return { ...reading, action: "in-step", after: { shopify: reading.shopify, square: reading.square } };
    }
    const after = { shopify: reading.shopify, square: reading.square };
    after[repair.side] += repair.delta;
    if (repair.side === "shopify") summary.changeShopify += 1;
    else summary.changeSquare += 1;
    return { ...reading, action: repair.side === "shopify" ? "change-shopify" : "change-square", after };
  });
  return { rows, summary };
}

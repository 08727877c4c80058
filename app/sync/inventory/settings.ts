import { z } from "zod";

/** Units a merchant may hold back at one location: more than any shop floor needs, small enough to catch typos. */
export const MAX_SAFETY_BUFFER = 10_000;

/** One Shopify location kept in step with one Square location. */
export const inventoryLocationPair = z.object({
  shopifyLocationId: z.string().min(1).max(200),
  squareLocationId: z.string().min(1).max(200),
  /** Units of the Square location held back from Shopify (Shopify shows Square's count less this, never below 0). */
  buffer: z.number().int().min(0).max(MAX_SAFETY_BUFFER).default(0),
});
export type InventoryLocationPair = z.output<typeof inventoryLocationPair>;

/** An inventory sync's settings (Sync.settings), validated before every use. */
export const inventorySyncSettings = z.object({
  /** Which channel's changes are carried to the other. */
  direction: z.enum(["both", "shopify_to_square", "square_to_shopify"]).default("both"),
  /** Which side's count wins when reconciliation finds the two apart for no change it can explain. */
  conflictWinner: z.enum(["square", "shopify"]).default("square"),
  /** How often reconciliation compares every linked level (cron, UTC); every 10 minutes by default. */
  reconciliationCron: z.string().min(9).max(100).default("*/10 * * * *"),
  /** The locations kept in step; each side's location appears at most once. */
  locations: z
    .array(inventoryLocationPair)
    .max(200)
    .default([])
    .refine((pairs) => new Set(pairs.map((pair) => pair.shopifyLocationId)).size === pairs.length, "A Shopify location can be paired with one Square location only")
    .refine((pairs) => new Set(pairs.map((pair) => pair.squareLocationId)).size === pairs.length, "A Square location can be paired with one Shopify location only"),
  /** Match "tb-tee" with "TB-TEE". */
  caseInsensitiveSkus: z.boolean().default(false),
});

export type InventorySyncSettings = z.output<typeof inventorySyncSettings>;

/** The buffer held back at a linked level's location pair (0 when the pair is not in the settings). */
export function bufferOf(settings: InventorySyncSettings, level: { shopifyLocationId: string; squareLocationId: string }): number {
  return settings.locations.find((pair) => pair.shopifyLocationId === level.shopifyLocationId && pair.squareLocationId === level.squareLocationId)?.buffer ?? 0;
}

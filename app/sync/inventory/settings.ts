import { z } from "zod";

/** An inventory sync's settings (Sync.settings), validated before every use. */
export const inventorySyncSettings = z.object({
  /** Which channel's changes are carried to the other. */
  direction: z.enum(["both", "shopify_to_square", "square_to_shopify"]).default("both"),
  /** Which side's count wins when reconciliation finds the two apart for no change it can explain. */
  conflictWinner: z.enum(["square", "shopify"]).default("square"),
  /** How often reconciliation compares every linked level (cron, UTC); every 10 minutes by default. */
  reconciliationCron: z.string().min(9).max(100).default("*/10 * * * *"),
});

export type InventorySyncSettings = z.output<typeof inventorySyncSettings>;

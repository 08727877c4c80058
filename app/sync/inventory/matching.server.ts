import type { PrismaClient } from "~/db.server";
import { matchInventoryCatalogs, type InventoryMatchReport, type MatchingOptions, type ShopifyCatalogVariant, type SquareCatalogVariation } from "~/domain/inventory/matching";
import { shopifyAdminAccount } from "~/integrations/shopify/admin-request.server";
import { countShopifyVariants, readShopifyLocations, readShopifyVariants, type ShopifyLocation } from "~/integrations/shopify/catalog.server";
import { readSquareActiveLocations, readSquareVariations, type SquareLocation } from "~/integrations/square/catalog.server";
import { squareInventoryAccount } from "~/integrations/square/inventory.server";
import { RateLimitedError } from "~/jobs/errors";

/**
 * Scanning a tenant's two catalogs for inventory matches: both are read whole (Shopify's through its cost budget,
 * page by page), then compared (app/domain/inventory/matching.ts). Nothing is written anywhere.
 *
 * A large Shopify catalog costs more than the shop's bucket holds (2,000 variants ≈ 4,000 points against a bucket
 * of 2,000 refilled at 100 a second on the Standard plan), so a scan is expected to run out of budget part-way.
 * It does not wait inside: it stops with an InventoryScanPausedError, a RateLimitedError (a job that lets it
 * through waits and runs again, app/jobs/errors.ts) that also carries everything read so far. Passed back as
 * `resumeFrom` once `retryAfterMs` has passed, it continues from the page where it stopped; without it, a
 * scan starts over.
 */

export type InventoryScanPhase = "shopify-locations" | "shopify-variants" | "square-locations" | "square-variations" | "matching";

/**
 * Told after each step: `done` of `total` in the phase's own unit (locations, variants, variations; for "matching",
 * the variants and variations compared). `total` is missing when it is not known beforehand: Square's variations
 * (Square has no count of them), and Shopify's variants when Shopify gives only a lower bound.
 */
export type InventoryScanProgress = (phase: InventoryScanPhase, done: number, total?: number) => void | Promise<void>;

/** What a scan has read so far: plain data, carried by InventoryScanPausedError and passed back as `resumeFrom`. */
export interface InventoryScanCheckpoint {
  shopify: {
    locations: ShopifyLocation[] | null;
    /** Undefined until counted; null when Shopify gave only a lower bound. */
    variantTotal: number | null | undefined;
    variants: ShopifyCatalogVariant[];
    /** Where the next page starts; null with `done` after the last page. */
    nextCursor: string | null;
    done: boolean;
  };
  square: {
    locations: SquareLocation[] | null;
    variations: SquareCatalogVariation[];
    nextCursor: string | null;
    done: boolean;
  };
}

export interface InventoryScanOptions extends MatchingOptions {
  onProgress?: InventoryScanProgress;
  /** The checkpoint of a paused scan of the same tenant, to continue it rather than start over. */
  resumeFrom?: InventoryScanCheckpoint;
}

export interface InventoryScan {
  report: InventoryMatchReport;
  /** The active locations of each side, for the merchant to pair them. */
  locations: { shopify: ShopifyLocation[]; square: SquareLocation[] };
}

/** The scan ran out of a vendor's request budget: wait `retryAfterMs`, then scan again with `resumeFrom: checkpoint`. */
export class InventoryScanPausedError extends RateLimitedError {
  override name = "InventoryScanPausedError";
  constructor(cause: RateLimitedError, readonly checkpoint: InventoryScanCheckpoint) {
    super(`The inventory scan paused: ${cause.message}`, cause.retryAfterMs, cause.provider);
  }
}

function emptyCheckpoint(): InventoryScanCheckpoint {
  return {
    shopify: { locations: null, variantTotal: undefined, variants: [], nextCursor: null, done: false },
    square: { locations: null, variations: [], nextCursor: null, done: false },
  };
}

/** Reads both catalogs of the tenant (or what a paused scan had left) and matches them. */
export async function scanInventoryMatches(db: PrismaClient, tenantId: string, options: InventoryScanOptions = {}): Promise<InventoryScan> {
  const progress: InventoryScanProgress = options.onProgress ?? (() => {});
  // The caller's checkpoint stays as it was: this scan records its own progress in a copy.
  const checkpoint = options.resumeFrom ? structuredClone(options.resumeFrom) : emptyCheckpoint();
  const shopifyAccount = await shopifyAdminAccount(db, tenantId);
  const squareAccount = await squareInventoryAccount(db, tenantId);

  try {
    const shopify = checkpoint.shopify;
    if (!shopify.locations) {
      shopify.locations = await readShopifyLocations(db, shopifyAccount);
      await progress("shopify-locations", shopify.locations.length, shopify.locations.length);
    }
    if (shopify.variantTotal === undefined) shopify.variantTotal = await countShopifyVariants(db, shopifyAccount);
    if (!shopify.done) {
      await readShopifyVariants(db, shopifyAccount, {
        after: shopify.nextCursor,
        onPage: async (page) => {
          // Recorded page by page, so that a pause keeps every page read before it.
          shopify.variants.push(...page.variants);
          shopify.nextCursor = page.nextCursor;
          shopify.done = page.nextCursor === null;
          await progress("shopify-variants", shopify.variants.length, shopify.variantTotal ?? undefined);
        },
      });
    }

    const square = checkpoint.square;
    if (!square.locations) {
      square.locations = await readSquareActiveLocations(db, squareAccount);
      await progress("square-locations", square.locations.length, square.locations.length);
    }
    if (!square.done) {
      await readSquareVariations(db, squareAccount, {
        cursor: square.nextCursor,
        onPage: async (page) => {
          square.variations.push(...page.variations);
          square.nextCursor = page.nextCursor;
          square.done = page.nextCursor === null;
          await progress("square-variations", square.variations.length);
        },
      });
    }
  } catch (error) {
    if (error instanceof RateLimitedError) throw new InventoryScanPausedError(error, checkpoint);
    throw error;
  }

  const compared = checkpoint.shopify.variants.length + checkpoint.square.variations.length;
  await progress("matching", 0, compared);
  const report = matchInventoryCatalogs(checkpoint.shopify.variants, checkpoint.square.variations, { caseInsensitiveSkus: options.caseInsensitiveSkus });
  await progress("matching", compared, compared);
  return {
    report,
    locations: { shopify: (checkpoint.shopify.locations ?? []).filter((location) => location.isActive), square: checkpoint.square.locations ?? [] },
  };
}

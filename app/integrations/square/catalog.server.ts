import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import type { SquareCatalogVariation } from "~/domain/inventory/matching";
import { callVendor } from "~/sync/vendor-calls.server";
import { squareCallError } from "./call-errors.server";
import type { SquareInventoryAccount } from "./inventory.server";

/**
 * Square's catalog as inventory matching reads it: every item variation of the seller (the sellable SKUs) with its
 * SKU, UPC, name and whether Square tracks its stock, and the seller's active locations.
 *
 * ListCatalog is asked for ITEM objects only: each item comes with its variations inlined, so a page carries
 * everything a variation's name needs (its item's name) and no variation is sent twice, as it would be with
 * `ITEM,ITEM_VARIATION`. Each page is one request through callVendor: a 429 (after the SDK's own retries) makes the
 * caller wait, and a reading can resume from the page it stopped at.
 */

/** The seller whose catalog is read, and the tenant it belongs to. */
export type SquareCatalogAccount = SquareInventoryAccount;

// The SDK answers camelCase objects without validating them; what matching relies on is checked here.
const variationObject = z.object({
  type: z.literal("ITEM_VARIATION"),
  id: z.string().min(1),
  isDeleted: z.boolean().nullish(),
  itemVariationData: z.object({
    itemId: z.string().nullish(),
    name: z.string().nullish(),
    sku: z.string().nullish(),
    upc: z.string().nullish(),
    trackInventory: z.boolean().nullish(),
  }),
});

const itemObject = z.object({
  type: z.literal("ITEM"),
  id: z.string().min(1),
  isDeleted: z.boolean().nullish(),
  itemData: z.object({ name: z.string().nullish(), variations: z.array(variationObject).nullish() }),
});

const listCatalogPage = z.object({ cursor: z.string().nullish(), objects: z.array(itemObject).nullish() });

const locationsResponse = z.object({
  locations: z.array(z.object({ id: z.string().min(1), name: z.string().nullish(), status: z.string().nullish() })).nullish(),
});

export interface SquareVariationPage {
  variations: SquareCatalogVariation[];
  /** Where the next page starts, or null after the last page. */
  nextCursor: string | null;
}

export interface SquareLocation {
  id: string;
  name: string;
}

function translateSquareReadError(error: unknown, account: SquareCatalogAccount): unknown {
  return squareCallError(error, account.tenantId, {
    missingPermission: "Square says Tillbridge may not read the catalog or locations; reconnect Square to grant it",
    // Any other refusal of a plain read is Tillbridge's mistake: left as it is, it is not retried as a hiccup.
    refused: (refusal) => refusal,
  });
}

/**
 * "Tillbridge Tee - Black, M". An item sold one way has a single variation that Square names "Regular" unless told
 * otherwise: the merchant knows it by the item's name alone, as Shopify's "Default Title" variant.
 */
function variationName(itemName: string, name: string | null | undefined, onlyVariation: boolean): string {
  if (!name || (onlyVariation && name === "Regular")) return itemName;
  return `${itemName} - ${name}`;
}

/** One page of the seller's variations, from `cursor` (null: the first page). */
export async function readSquareVariationPage(db: PrismaClient, account: SquareCatalogAccount, cursor: string | null): Promise<SquareVariationPage> {
  return callVendor(db, { provider: "SQUARE", account: account.merchantId }, async () => {
    try {
      const page = await account.client.catalog.list({ types: "ITEM", ...(cursor !== null && { cursor }) });
      const { cursor: nextCursor, objects } = listCatalogPage.parse(page.response);
      const variations = (objects ?? [])
        .filter((item) => item.isDeleted !== true)
        .flatMap((item) => {
          const live = (item.itemData.variations ?? []).filter((variation) => variation.isDeleted !== true);
          return live.map(
            (variation): SquareCatalogVariation => ({
              variationId: variation.id,
              itemId: variation.itemVariationData.itemId ?? item.id,
              sku: variation.itemVariationData.sku ?? null,
              upc: variation.itemVariationData.upc ?? null,
              name: variationName(item.itemData.name ?? "", variation.itemVariationData.name, live.length === 1),
              // Square counts stock only for variations that say so; absent means not tracked.
              trackInventory: variation.itemVariationData.trackInventory === true,
            }),
          );
        });
      return { variations, nextCursor: nextCursor || null };
    } catch (error) {
      throw translateSquareReadError(error, account);
    }
  });
}

/**
 * Every item variation of the seller, from `cursor` on (a reading interrupted after a page resumes from its
 * `nextCursor`). `onPage` sees each page as soon as it is read.
 */
export async function readSquareVariations(
  db: PrismaClient,
  account: SquareCatalogAccount,
  options: { cursor?: string | null; onPage?: (page: SquareVariationPage) => void | Promise<void> } = {},
): Promise<SquareCatalogVariation[]> {
  const variations: SquareCatalogVariation[] = [];
  let cursor = options.cursor ?? null;
  do {
    const page = await readSquareVariationPage(db, account, cursor);
    variations.push(...page.variations);
    await options.onPage?.(page);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return variations;
}

/** The seller's active locations (ListLocations is not paged), in the order Square lists them. */
export async function readSquareActiveLocations(db: PrismaClient, account: SquareCatalogAccount): Promise<SquareLocation[]> {
  return callVendor(db, { provider: "SQUARE", account: account.merchantId }, async () => {
    try {
      const { locations } = locationsResponse.parse(await account.client.locations.list());
      return (locations ?? []).filter((location) => location.status === "ACTIVE").map((location) => ({ id: location.id, name: location.name ?? location.id }));
    } catch (error) {
      throw translateSquareReadError(error, account);
    }
  });
}

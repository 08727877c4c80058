import type { CatalogStore, ItemRecord, VariationRecord } from "./catalog";
import { newSquareId, seededSquareId } from "./ids";
import type { InventoryStore } from "./inventory";
import { quantityFromNumber } from "./quantity";
import type { SellerRecord } from "./seed";

/**
 * The demo sellers' catalogs and stock. SKUs follow the Shopify sandbox's demo shop (sandbox/shopify/seed.ts) so an
 * inventory sync has something to match, with the cases a real pair of catalogs has (README "Seeds"):
 *  - shared SKUs (TB-TEE-BLK-M, TB-MUG-12OZ, TB-NOTE-A5-DOT, …);
 *  - SKUs only on the Square side (TB-POUR-KIT, TB-DRIP-12OZ, BG-HARBOR-STD, BG-PUZ-1000);
 *  - SKUs only on the Shopify side (TB-TEE-WHT-M, the hoodies, beanies, TB-BTL-750-STL, …: not listed here);
 *  - one SKU on two variations of the same seller (TB-TOTE-NAT at the coffee roasters, TB-PIN-LOGO at the
 *    bookshop), which Square allows;
 *  - untracked variations (TB-SVC-WRAP, TB-DRIP-12OZ), a variation with no SKU, a variation never stocked at the
 *    second location (no count there), one at 0 and one oversold (negative).
 * Ids are derived from the seller and names, so they are the same on every run.
 */

interface SeedVariation {
  name: string;
  sku?: string;
  upc?: string;
  /** Cents. */
  price: number;
  /** IN_STOCK at the seller's first and second location; undefined: never stocked there (no count). */
  stock?: [number | undefined, number | undefined];
  tracked?: boolean;
}

interface SeedItem {
  name: string;
  description?: string;
  variations: SeedVariation[];
}

const COFFEE_ROASTERS: SeedItem[] = [
  {
    name: "Tillbridge Tee",
    description: "Heavyweight cotton tee with the Tillbridge mark.",
    variations: [
      { name: "Black, M", sku: "TB-TEE-BLK-M", upc: "0850012340011", price: 2800, stock: [6, 2] },
      { name: "Black, L", sku: "TB-TEE-BLK-L", upc: "0850012340028", price: 2800, stock: [4, 0] },
    ],
  },
  {
    name: "Tillbridge Mug",
    variations: [
      { name: "12 oz", sku: "TB-MUG-12OZ", upc: "0850012340059", price: 1800, stock: [12, 4] },
      { name: "16 oz", sku: "TB-MUG-16OZ", upc: "0850012340066", price: 2100, stock: [8, 0] },
    ],
  },
  {
    name: "House Blend Coffee",
    description: "Whole bean, roasted in Portland.",
    variations: [
      { name: "12 oz", sku: "TB-COF-HSE-12OZ", upc: "0850012340080", price: 1600, stock: [30, 12] },
      { name: "2 lb", sku: "TB-COF-HSE-2LB", upc: "0850012340097", price: 3800, stock: [6, undefined] },
    ],
  },
  { name: "Espresso Roast", variations: [{ name: "12 oz", sku: "TB-COF-ESP-12OZ", upc: "0850012340103", price: 1700, stock: [20, -1] }] },
  { name: "Tillbridge Tote", variations: [{ name: "Natural", sku: "TB-TOTE-NAT", upc: "0850012340042", price: 2200, stock: [10, 3] }] },
  { name: "Market Tote (old listing)", variations: [{ name: "Regular", sku: "TB-TOTE-NAT", price: 2200, stock: [2, undefined] }] },
  { name: "Pour-Over Kit", variations: [{ name: "Regular", sku: "TB-POUR-KIT", price: 4500, stock: [5, 1] }] },
  { name: "Drip Coffee", variations: [{ name: "12 oz", sku: "TB-DRIP-12OZ", price: 350, tracked: false }] },
  { name: "Gift Wrapping", variations: [{ name: "Regular", sku: "TB-SVC-WRAP", price: 500, tracked: false }] },
  { name: "Pastry of the Day", variations: [{ name: "Regular", price: 450, stock: [9, undefined] }] },
];

const BOOKS_AND_GAMES: SeedItem[] = [
  {
    name: "Dot Grid Notebook",
    variations: [
      { name: "A5", sku: "TB-NOTE-A5-DOT", price: 1200, stock: [15, 7] },
      { name: "A6", sku: "TB-NOTE-A6-DOT", price: 900, stock: [11, 5] },
    ],
  },
  { name: "Enamel Logo Pin", variations: [{ name: "Regular", sku: "TB-PIN-LOGO", price: 800, stock: [40, 12] }] },
  { name: "Logo Pin (counter display)", variations: [{ name: "Regular", sku: "TB-PIN-LOGO", price: 800, stock: [undefined, 6] }] },
  { name: "Harbor Traders", description: "A trading board game for 2–5 players.", variations: [{ name: "Standard", sku: "BG-HARBOR-STD", price: 4999, stock: [4, 2] }] },
  { name: "1000-Piece Puzzle: Lake Michigan", variations: [{ name: "Regular", sku: "BG-PUZ-1000", price: 2400, stock: [6, 0] }] },
  { name: "Tillbridge Tote", variations: [{ name: "Natural", sku: "TB-TOTE-NAT", upc: "0850012340042", price: 2200, stock: [8, undefined] }] },
  { name: "Gift Wrapping", variations: [{ name: "Regular", sku: "TB-SVC-WRAP", price: 500, tracked: false }] },
];

const DEMO_CATALOGS: Record<string, SeedItem[]> = { MLTB0DEMO0001: COFFEE_ROASTERS, MLTB0DEMO0002: BOOKS_AND_GAMES };

/** When the demo catalogs were last edited: their objects' version and updated_at, and their counts' calculated_at. */
export const CATALOG_SEED_TIME = "2026-01-10T15:00:00.000Z";

function addItem(
  catalog: CatalogStore,
  inventory: InventoryStore,
  seller: SellerRecord,
  item: SeedItem,
  version: number,
  ids: { item: string; variation: (index: number) => string },
): VariationRecord[] {
  const updatedAt = new Date(version).toISOString();
  const base = { version, updated_at: updatedAt, is_deleted: false, present_at_all_locations: true };
  const record: ItemRecord = {
    type: "ITEM",
    id: ids.item,
    ...base,
    item_data: { name: item.name, ...(item.description && { description: item.description }), product_type: "REGULAR" },
    variationIds: [],
  };
  catalog.put(record);
  return item.variations.map((variation, index) => {
    const stored: VariationRecord = {
      type: "ITEM_VARIATION",
      id: ids.variation(index),
      ...base,
      item_variation_data: {
        item_id: record.id,
        name: variation.name,
        ...(variation.sku !== undefined && { sku: variation.sku }),
        ...(variation.upc !== undefined && { upc: variation.upc }),
        ordinal: index + 1,
        pricing_type: "FIXED_PRICING",
        price_money: { amount: variation.price, currency: seller.currency },
        track_inventory: variation.tracked ?? true,
        sellable: true,
        stockable: true,
      },
    };
    catalog.put(stored);
    record.variationIds.push(stored.id);
    variation.stock?.forEach((quantity, position) => {
      const location = seller.locations[position];
      if (quantity !== undefined && location) inventory.seed(stored.id, location.id, quantityFromNumber(quantity)!, updatedAt);
    });
    return stored;
  });
}

/** The demo catalog and stock of a seller (none for a seller without one). */
export function seedCatalog(catalog: CatalogStore, inventory: InventoryStore, seller: SellerRecord): void {
  const version = Date.parse(CATALOG_SEED_TIME);
  for (const item of DEMO_CATALOGS[seller.id] ?? []) {
    const key = `${seller.id}/${item.name}`;
    addItem(catalog, inventory, seller, item, version, { item: seededSquareId(key), variation: (index) => seededSquareId(`${key}/${item.variations[index]!.name}`) });
  }
}

export interface GenerateCatalogOptions {
  /** How many variations. */
  variants: number;
  /** SKUs are `skuPrefix` + the index from 1, zero-padded to 5 digits: SKU-00001, SKU-00002, … */
  skuPrefix: string;
  /** IN_STOCK of every variation at every location of the seller. */
  inStock: number;
  /** Variations per item (the last item may have fewer). */
  variationsPerItem: number;
  /** "replace": the seller's catalog and stock are dropped first; "append": added to them. */
  mode: "replace" | "append";
}

/** The SKU of the n-th generated variation (n from 1): the rule the Shopify sandbox follows too. */
export const generatedSku = (prefix: string, index: number) => `${prefix}${String(index).padStart(5, "0")}`;

/** A large catalog for benchmarks, written as one catalog version; no webhooks. */
export function generateCatalog(catalog: CatalogStore, inventory: InventoryStore, seller: SellerRecord, options: GenerateCatalogOptions): { items: number; variations: number; version: number } {
  if (options.mode === "replace") {
    catalog.clear();
    inventory.clear();
  }
  const version = catalog.nextVersion();
  let items = 0;
  for (let first = 1; first <= options.variants; first += options.variationsPerItem) {
    const count = Math.min(options.variationsPerItem, options.variants - first + 1);
    items++;
    const item: SeedItem = {
      name: `Generated item ${String(items).padStart(5, "0")}`,
      variations: Array.from({ length: count }, (_unused, offset) => {
        const index = first + offset;
        return {
          name: count === 1 ? "Regular" : `Variation ${offset + 1}`,
          sku: generatedSku(options.skuPrefix, index),
          price: 1000 + (index % 50) * 100,
          stock: [options.inStock, options.inStock] as [number, number],
        };
      }),
    };
    const variations = addItem(catalog, inventory, seller, item, version, { item: newSquareId(), variation: () => newSquareId() });
    // Stock at every location, not only the first two.
    for (const location of seller.locations.slice(2)) {
      for (const variation of variations) inventory.seed(variation.id, location.id, quantityFromNumber(options.inStock)!, new Date(version).toISOString());
    }
  }
  return { items, variations: options.variants, version };
}

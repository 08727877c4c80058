import type { VariationRecord } from "./catalog";
import { generateCatalog as generate, type GenerateCatalogOptions } from "./catalog-seed";
import { SandboxRequestError, type SandboxCore } from "./core";
import type { SourceApplication } from "./inventory";
import { quantityFromNumber, quantityToNumber, type Quantity } from "./quantity";

/**
 * What a seller does outside the API, for tests and activity generators: sell at the register (IN_STOCK → SOLD, as
 * the ADJUSTMENT the Inventory API then shows, with inventory.count.updated), set stock in the dashboard (a
 * PHYSICAL_COUNT), and look at the catalog and stock. Used by the control API and the start handle.
 */

export interface VariationRef {
  /** A variation's id, or … */
  variationId?: string;
  /** … its SKU (exact; refused when two live variations share it). */
  sku?: string;
}

export interface SaleInput extends VariationRef {
  /** Default: the seller's main location. */
  locationId?: string;
  /** Units sold (up to 5 decimals). */
  quantity: number;
  /** Sell below zero even when the sandbox's allowNegativeSales setting is off. */
  allowNegative?: boolean;
}

export interface SaleResult {
  /** False: refused because IN_STOCK was lower than the quantity (nothing changed). */
  sold: boolean;
  /** IN_STOCK at the location after the sale (before it, when refused); null for a variation whose stock is not tracked there. */
  inStock: number | null;
  variationId: string;
  locationId: string;
  /** The ADJUSTMENT's id, when stock moved. */
  adjustmentId?: string;
}

export interface SetStockInput extends VariationRef {
  locationId: string;
  inStock: number;
  /** No inventory.count.updated. */
  silent?: boolean;
}

export interface CatalogEntry {
  variationId: string;
  itemId: string;
  itemName: string;
  variationName: string | null;
  sku: string | null;
  upc: string | null;
  /** Cents, in `currency`. */
  price: number | null;
  currency: string | null;
  trackInventory: boolean;
  version: number;
}

export interface StockEntry {
  variationId: string;
  sku: string | null;
  locationId: string;
  inStock: number;
}

export const POINT_OF_SALE: SourceApplication = { product: "SQUARE_POS", name: "Square Point of Sale" };
const DASHBOARD: SourceApplication = { product: "DASHBOARD", name: "Square Dashboard" };

export function variation(core: SandboxCore, merchantId: string, ref: VariationRef): VariationRecord {
  const { catalog } = core.storesOf(merchantId);
  if (ref.variationId !== undefined) {
    const found = catalog.liveVariation(ref.variationId);
    if (!found) throw new SandboxRequestError(404, `No variation ${ref.variationId} in ${merchantId}'s catalog.`);
    return found;
  }
  if (ref.sku === undefined) throw new SandboxRequestError(400, "Name the variation by variationId or sku.");
  const found = catalog.variationsWithSku(ref.sku);
  if (found.length === 0) throw new SandboxRequestError(404, `No variation with SKU ${ref.sku} in ${merchantId}'s catalog.`);
  if (found.length > 1) throw new SandboxRequestError(400, `SKU ${ref.sku} is on ${found.length} variations (${found.map((entry) => entry.id).join(", ")}): pass variationId.`);
  return found[0]!;
}

export function location(core: SandboxCore, merchantId: string, locationId: string | undefined): string {
  const seller = core.seller(merchantId);
  const id = locationId ?? seller.locations[0]!.id;
  if (!seller.locations.some((entry) => entry.id === id)) throw new SandboxRequestError(404, `No location ${id} for seller ${merchantId}.`);
  return id;
}

export function quantity(value: number, what: string): Quantity {
  const parsed = quantityFromNumber(value);
  if (parsed === null) throw new SandboxRequestError(400, `${what} must be a number with at most 5 decimals.`);
  return parsed;
}

export function inStockQuantity(core: SandboxCore, merchantId: string, variationId: string, locationId: string): Quantity {
  return core.storesOf(merchantId).inventory.count(variationId, locationId, "IN_STOCK")?.quantity ?? 0n;
}

/** A sale at the register: `quantity` moves from IN_STOCK to SOLD at the location (refused when short, unless allowed). */
export function sell(core: SandboxCore, merchantId: string, input: SaleInput): SaleResult {
  const found = variation(core, merchantId, input);
  const locationId = location(core, merchantId, input.locationId);
  const amount = quantity(input.quantity, "quantity");
  if (amount <= 0n) throw new SandboxRequestError(400, "quantity must be above 0.");
  const { catalog, inventory } = core.storesOf(merchantId);
  // A sale of an untracked variation moves no stock.
  if (!catalog.tracksInventory(found, locationId)) {
    core.stats.count("sales");
    return { sold: true, inStock: null, variationId: found.id, locationId };
  }
  const before = inStockQuantity(core, merchantId, found.id, locationId);
  if (before < amount && !(input.allowNegative ?? core.behaviour.allowNegativeSales)) {
    core.stats.count("salesRefused");
    return { sold: false, inStock: quantityToNumber(before), variationId: found.id, locationId };
  }
  const price = catalog.priceAt(found, locationId);
  const now = new Date().toISOString();
  const { change, touched } = inventory.adjust(
    {
      catalogObjectId: found.id,
      fromState: "IN_STOCK",
      toState: "SOLD",
      fromLocationId: locationId,
      toLocationId: locationId,
      quantity: amount,
      occurredAt: now,
      // InventoryAdjustment.total_price_money: present if and only if to_state is SOLD.
      totalPriceMoney: { amount: price ? Math.round((price.amount * Number(amount)) / 100_000) : 0, currency: price?.currency ?? core.seller(merchantId).currency },
      source: POINT_OF_SALE,
    },
    now,
  );
  core.stats.count("sales");
  core.notifyInventory(merchantId, touched);
  return { sold: true, inStock: quantityToNumber(inStockQuantity(core, merchantId, found.id, locationId)), variationId: found.id, locationId, adjustmentId: change.id };
}

/** The seller sets IN_STOCK in the dashboard: a PHYSICAL_COUNT now. */
export function setInStock(core: SandboxCore, merchantId: string, input: SetStockInput): { inStock: number; variationId: string; locationId: string } {
  const found = variation(core, merchantId, input);
  const locationId = location(core, merchantId, input.locationId);
  const { catalog, inventory } = core.storesOf(merchantId);
  if (!catalog.tracksInventory(found, locationId)) throw new SandboxRequestError(400, `Variation ${found.id} does not track inventory at ${locationId}.`);
  const now = new Date().toISOString();
  const { touched } = inventory.physicalCount(
    { catalogObjectId: found.id, locationId, state: "IN_STOCK", quantity: quantity(input.inStock, "inStock"), occurredAt: now, source: DASHBOARD },
    now,
  );
  if (!input.silent) core.notifyInventory(merchantId, touched);
  return { inStock: quantityToNumber(inStockQuantity(core, merchantId, found.id, locationId)), variationId: found.id, locationId };
}

/** IN_STOCK of a variation (by id, else by SKU) at a location; null when it has no count there. */
export function inStock(core: SandboxCore, merchantId: string, variationOrSku: string, locationId: string): number | null {
  const { catalog, inventory } = core.storesOf(merchantId);
  const found = catalog.liveVariation(variationOrSku) ? variation(core, merchantId, { variationId: variationOrSku }) : variation(core, merchantId, { sku: variationOrSku });
  const count = inventory.count(found.id, location(core, merchantId, locationId), "IN_STOCK");
  return count ? quantityToNumber(count.quantity) : null;
}

/** The seller's live variations with their item, in catalog order. */
export function catalogEntries(core: SandboxCore, merchantId: string): CatalogEntry[] {
  const { catalog } = core.storesOf(merchantId);
  const entries: CatalogEntry[] = [];
  for (const record of catalog.all()) {
    if (record.type !== "ITEM_VARIATION" || record.is_deleted) continue;
    const data = record.item_variation_data;
    entries.push({
      variationId: record.id,
      itemId: data.item_id,
      itemName: catalog.itemOf(record)?.item_data.name ?? "",
      variationName: data.name ?? null,
      sku: data.sku ?? null,
      upc: data.upc ?? null,
      price: data.price_money?.amount ?? null,
      currency: data.price_money?.currency ?? null,
      trackInventory: data.track_inventory !== false,
      version: record.version,
    });
  }
  return entries;
}

/** IN_STOCK counts of the seller's live variations (at one location, or all). */
export function stockEntries(core: SandboxCore, merchantId: string, locationId?: string): StockEntry[] {
  const { catalog, inventory } = core.storesOf(merchantId);
  const only = locationId === undefined ? undefined : location(core, merchantId, locationId);
  const entries: StockEntry[] = [];
  for (const count of inventory.allCounts()) {
    if (count.state !== "IN_STOCK" || (only !== undefined && count.locationId !== only)) continue;
    const found = catalog.liveVariation(count.catalogObjectId);
    if (!found) continue;
    entries.push({ variationId: found.id, sku: found.item_variation_data.sku ?? null, locationId: count.locationId, inStock: quantityToNumber(count.quantity) });
  }
  return entries;
}

/** A generated catalog for benchmarks (README "Seeds"). */
export function generateCatalog(core: SandboxCore, merchantId: string, options: GenerateCatalogOptions) {
  const seller = core.seller(merchantId);
  const { catalog, inventory } = core.storesOf(merchantId);
  return generate(catalog, inventory, seller, options);
}

import { idOfType } from "./gid";
import type { InventoryItemRecord, InventoryLevelRecord, LocationRecord, ShopRecord, ShopifyStore } from "./store";

/**
 * Changes to inventory quantities, as Shopify makes them without the app: an online sale, a merchant setting stock.
 * Each change that alters a level's `available` is reported through `onAvailableChanged` (the
 * inventory_levels/update webhook).
 */

/** A request of the control API (or the sandbox handle) that cannot be served: its HTTP status and why. */
export class InventoryRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** An inventory item named by its id (number or gid) or its SKU. */
export type ItemReference = { inventoryItemId: number | string; sku?: undefined } | { sku: string; inventoryItemId?: undefined };

export interface SaleRequest {
  quantity: number;
  /** Default: the shop's primary location, where Shopify sends online orders here. */
  locationId?: number | string;
  /** Also fulfilled (shipped): the units leave on_hand instead of waiting as committed. */
  fulfilled?: boolean;
}

export interface SaleResult {
  sold: boolean;
  /** The level's available after the sale (or as it stays, when refused). */
  available: number;
  inventoryItemId: number;
  locationId: number;
  /** Why a sale was refused. */
  reason?: string;
}

export class InventoryService {
  constructor(
    private readonly store: ShopifyStore,
    /** Told of the levels whose available changed (once per level per call), after the change is written. */
    private readonly onAvailableChanged: (shop: ShopRecord, levels: InventoryLevelRecord[]) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * An online order as Shopify takes it: the units leave `available` at the location (the primary one unless
   * given) and wait as `committed` until fulfilled. A variant that denies overselling (inventoryPolicy DENY, the
   * default) refuses a sale larger than what is available; CONTINUE lets available go negative. An untracked item
   * sells without any quantity changing.
   */
  sell(shop: ShopRecord, reference: ItemReference, request: SaleRequest): SaleResult {
    if (!Number.isInteger(request.quantity) || request.quantity < 1) throw new InventoryRequestError(400, "quantity must be a positive whole number");
    const item = this.resolveItem(shop, reference);
    const location = this.resolveLocation(shop, request.locationId);
    const level = this.store.level(shop, item.id, location.id);
    const result = { inventoryItemId: item.id, locationId: location.id, available: level?.quantities.available ?? 0 };
    if (!item.tracked) return { ...result, sold: true };
    if (!level) return { ...result, sold: false, reason: `${item.sku ?? item.id} is not stocked at ${location.name}` };
    const variant = shop.variants.get(item.variantId);
    if (variant?.inventoryPolicy !== "CONTINUE" && level.quantities.available < request.quantity) {
      return { ...result, sold: false, reason: `Only ${level.quantities.available} of ${item.sku ?? item.id} available at ${location.name}` };
    }
    level.quantities.available -= request.quantity;
    if (!request.fulfilled) level.quantities.committed += request.quantity;
    level.updatedAt = this.now();
    this.onAvailableChanged(shop, [level]);
    return { ...result, sold: true, available: level.quantities.available };
  }

  /**
   * Sets a level's available directly, as a merchant does in the admin (stocking the item there if it was not);
   * for test setup. Reported through onAvailableChanged when the value changed, unless silent.
   */
  setAvailable(shop: ShopRecord, reference: ItemReference, locationId: number | string, available: number, options: { silent?: boolean } = {}): number {
    if (!Number.isInteger(available)) throw new InventoryRequestError(400, "available must be a whole number");
    const item = this.resolveItem(shop, reference);
    const location = this.resolveLocation(shop, locationId);
    const level = this.store.activateLevel(shop, item.id, location.id, this.now());
    const changed = level.quantities.available !== available;
    level.quantities.available = available;
    if (changed) {
      level.updatedAt = this.now();
      if (!options.silent) this.onAvailableChanged(shop, [level]);
    }
    return available;
  }

  /** A level's available; null when the item is not stocked at the location (default: the primary location). */
  availableAt(shop: ShopRecord, reference: ItemReference, locationId?: number | string): number | null {
    const item = this.resolveItem(shop, reference);
    const location = this.resolveLocation(shop, locationId);
    return this.store.level(shop, item.id, location.id)?.quantities.available ?? null;
  }

  resolveItem(shop: ShopRecord, reference: ItemReference): InventoryItemRecord {
    if (reference.sku !== undefined) {
      const items = this.store.itemsWithSku(shop, reference.sku);
      if (items.length === 0) throw new InventoryRequestError(404, `No inventory item with SKU ${reference.sku} in ${shop.domain}`);
      if (items.length > 1) throw new InventoryRequestError(409, `${items.length} inventory items have SKU ${reference.sku} in ${shop.domain}: name one by inventoryItemId`);
      return items[0]!;
    }
    const id = numericId(reference.inventoryItemId, "InventoryItem");
    const item = id === undefined ? undefined : shop.inventoryItems.get(id);
    if (!item) throw new InventoryRequestError(404, `No inventory item ${reference.inventoryItemId} in ${shop.domain}`);
    return item;
  }

  resolveLocation(shop: ShopRecord, locationId?: number | string): LocationRecord {
    if (locationId === undefined) return [...shop.locations.values()][0]!;
    const id = numericId(locationId, "Location");
    const location = id === undefined ? undefined : shop.locations.get(id);
    if (!location) throw new InventoryRequestError(404, `No location ${locationId} in ${shop.domain}`);
    return location;
  }
}

/** An id given to the control API: a number, digits, or a gid of the type. */
function numericId(value: number | string, type: string): number | undefined {
  if (typeof value === "number") return value;
  if (/^\d+$/.test(value)) return Number(value);
  try {
    return idOfType(value, type);
  } catch {
    return undefined;
  }
}

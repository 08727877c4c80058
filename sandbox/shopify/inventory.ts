import { idOfType } from "./gid";
import {
  emptyQuantities,
  levelKey,
  quantityIn,
  type InventoryAdjustmentGroupRecord,
  type InventoryChangeRecord,
  type InventoryItemRecord,
  type InventoryLevelRecord,
  type LocationRecord,
  type QuantityName,
  type Quantities,
  type ShopRecord,
  type ShopifyStore,
  type StoredQuantityName,
} from "./store";

/**
 * Changes to inventory quantities, as Shopify makes them: the app's inventoryAdjustQuantities and
 * inventorySetQuantities (relative and absolute changes with a compare-and-swap on `changeFromQuantity`, all or
 * nothing per call), and what happens on Shopify's side without the app (an online sale, a merchant setting stock).
 * Each change that alters a level's `available` is reported through `onAvailableChanged` (the
 * inventory_levels/update webhook).
 *
 * Sources: the 2026-10 schema (input, payload and error code types; error messages are the descriptions of the
 * error code enums), shopify.dev "Manage inventory quantities and states" and the changelog "Removal of
 * ITEM_NOT_STOCKED_AT_LOCATION error" (2026-10: inventory can be adjusted at any location).
 */

/** Names inventoryAdjustQuantities changes (committed follows orders; on_hand is the sum; incoming follows transfers). */
export const ADJUSTABLE_QUANTITY_NAMES: readonly StoredQuantityName[] = ["available", "damaged", "quality_control", "reserved", "safety_stock"];
export const SETTABLE_QUANTITY_NAMES: readonly QuantityName[] = ["available", "on_hand"];

/** The reasons Shopify accepts for a quantity change ("possible reasons" of the InventoryAdjustQuantitiesInput docs). */
export const ADJUSTMENT_REASONS = [
  "correction",
  "cycle_count_available",
  "damaged",
  "movement_created",
  "movement_updated",
  "movement_received",
  "movement_canceled",
  "other",
  "promotion",
  "quality_control",
  "received",
  "reservation_created",
  "reservation_deleted",
  "reservation_updated",
  "restock",
  "safety_stock",
  "shrinkage",
] as const;

/** The quantities on_hand adds up (incoming is not on hand). */
const ON_HAND_PARTS: ReadonlySet<QuantityName> = new Set(["available", "committed", "damaged", "quality_control", "reserved", "safety_stock"]);

const ADJUSTED_QUANTITY_LIMIT = 2_000_000_000;
const SET_QUANTITY_LIMIT = 1_000_000_000;

export interface InventoryUserError {
  field: string[] | null;
  message: string;
  code: string;
}

export interface AdjustQuantitiesInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  changes: {
    inventoryItemId: string;
    locationId: string;
    delta: number;
    changeFromQuantity: number | null;
    ledgerDocumentUri?: string | null;
  }[];
}

export interface SetQuantitiesInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  quantities: { inventoryItemId: string; locationId: string; quantity: number; changeFromQuantity: number | null }[];
}

/** What a mutation answers: the group it recorded, or the user errors (and nothing changed). */
export interface InventoryMutationResult {
  group: InventoryAdjustmentGroupRecord | null;
  userErrors: InventoryUserError[];
}

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

/** One planned change to a level, applied to a scratch copy of its quantities before anything is written. */
interface PlannedChange {
  item: InventoryItemRecord;
  location: LocationRecord;
  name: QuantityName;
  /** For inventorySetQuantities: the value to set; for adjustments: null. */
  quantity: number | null;
  delta: number;
  changeFromQuantity: number | null;
  ledgerDocumentUri: string | null;
  /** The path of the input entry, for user errors: ["input", "changes", "0"]. */
  path: string[];
}

const messages = {
  invalidItem: "The specified inventory item could not be found.",
  invalidLocation: "The specified location could not be found.",
  invalidReason: "The specified reason is invalid.",
  invalidReferenceDocument: "The specified reference document is invalid.",
  adjustStale: "The changeFromQuantity argument no longer matches the persisted quantity.",
  setStale: "The changeFromQuantity value does not match persisted value.",
};

/** A URI as Shopify's document URI fields describe it: a scheme and content; a gid needs app, entity and id. */
function isValidDocumentUri(uri: string): boolean {
  if (/^gid:/i.test(uri)) return /^gid:\/\/[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(uri);
  return /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri);
}

export class InventoryService {
  constructor(
    private readonly store: ShopifyStore,
    /** Told of the levels whose available changed (once per level per call), after the change is written. */
    private readonly onAvailableChanged: (shop: ShopRecord, levels: InventoryLevelRecord[]) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  adjustQuantities(shop: ShopRecord, input: AdjustQuantitiesInput): InventoryMutationResult {
    const errors: InventoryUserError[] = [];
    const adjustable = (ADJUSTABLE_QUANTITY_NAMES as readonly string[]).includes(input.name);
    if (!adjustable) errors.push({ field: ["input", "name"], message: "The specified quantity name is invalid.", code: "INVALID_QUANTITY_NAME" });
    this.checkReasonAndReference(input, errors, "INVALID_REASON");
    const ledgers = new Set<string | null>();
    const planned: PlannedChange[] = [];
    input.changes.forEach((change, index) => {
      const path = ["input", "changes", String(index)];
      const ledger = change.ledgerDocumentUri ?? null;
      ledgers.add(ledger);
      if (adjustable) {
        if (input.name === "available" && ledger !== null) {
          errors.push({ field: [...path, "ledgerDocumentUri"], message: "A ledger document URI is not allowed when adjusting available.", code: "INVALID_AVAILABLE_DOCUMENT" });
        } else if (input.name !== "available" && ledger === null) {
          errors.push({ field: [...path, "ledgerDocumentUri"], message: "A ledger document URI is required except when adjusting available.", code: "INVALID_QUANTITY_DOCUMENT" });
        } else if (ledger !== null && /^gid:\/\/shopify\//i.test(ledger)) {
          errors.push({ field: [...path, "ledgerDocumentUri"], message: "Internal (gid://shopify/) ledger documents are not allowed to be adjusted via API.", code: "INTERNAL_LEDGER_DOCUMENT" });
        } else if (ledger !== null && !isValidDocumentUri(ledger)) {
          errors.push({ field: [...path, "ledgerDocumentUri"], message: "The specified ledger document is invalid.", code: "INVALID_LEDGER_DOCUMENT" });
        }
      }
      const target = this.findTarget(shop, change, path, errors, "INVALID_INVENTORY_ITEM", "INVALID_LOCATION");
      if (target && adjustable) {
        planned.push({ ...target, name: input.name as QuantityName, quantity: null, delta: change.delta, changeFromQuantity: change.changeFromQuantity, ledgerDocumentUri: ledger, path });
      }
    });
    if (ledgers.size > 1) {
      errors.push({
        field: ["input", "changes"],
        message: "All changes must have the same ledger document URI or, in the case of adjusting available, no ledger document URI.",
        code: "MAX_ONE_LEDGER_DOCUMENT",
      });
    }
    if (errors.length > 0) return { group: null, userErrors: errors };
    return this.apply(shop, input, planned, messages.adjustStale);
  }

  setQuantities(shop: ShopRecord, input: SetQuantitiesInput): InventoryMutationResult {
    const errors: InventoryUserError[] = [];
    const settable = SETTABLE_QUANTITY_NAMES.includes(input.name as QuantityName);
    if (!settable) errors.push({ field: ["input", "name"], message: "The quantity name must be either 'available' or 'on_hand'.", code: "INVALID_NAME" });
    this.checkReasonAndReference(input, errors, "INVALID_REASON");
    const seen = new Set<string>();
    const planned: PlannedChange[] = [];
    input.quantities.forEach((entry, index) => {
      const path = ["input", "quantities", String(index)];
      if (entry.quantity < 0) errors.push({ field: [...path, "quantity"], message: "The quantity can't be negative.", code: "INVALID_QUANTITY_NEGATIVE" });
      else if (entry.quantity > SET_QUANTITY_LIMIT) {
        errors.push({ field: [...path, "quantity"], message: "The total quantity can't be higher than 1,000,000,000.", code: "INVALID_QUANTITY_TOO_HIGH" });
      }
      const target = this.findTarget(shop, entry, path, errors, "INVALID_INVENTORY_ITEM", "INVALID_LOCATION");
      if (!target) return;
      const pair = levelKey(target.item.id, target.location.id);
      if (seen.has(pair)) {
        errors.push({ field: [...path, "locationId"], message: "The combination of inventoryItemId and locationId must be unique.", code: "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR" });
      }
      seen.add(pair);
      if (settable) {
        planned.push({ ...target, name: input.name as QuantityName, quantity: entry.quantity, delta: 0, changeFromQuantity: entry.changeFromQuantity, ledgerDocumentUri: null, path });
      }
    });
    if (errors.length > 0) return { group: null, userErrors: errors };
    return this.apply(shop, input, planned, messages.setStale);
  }

  /**
   * An online order as Shopify takes it: the units leave `available` at the location (the primary one unless
   * given) and wait as `committed` until fulfilled. A variant that denies overselling (inventoryPolicy DENY, the
   * default) refuses a sale larger than what is available; CONTINUE lets available go negative. An untracked item
   * sells without any quantity changing.
   */
  sell(shop: ShopRecord, reference: ItemReference, request: SaleRequest, options: { silent?: boolean } = {}): SaleResult {
    const { item, level, result, refusal } = this.checkSale(shop, reference, request);
    if (refusal !== undefined) return { ...result, sold: false, reason: refusal };
    if (!item.tracked || !level) return { ...result, sold: true };
    level.quantities.available -= request.quantity;
    if (!request.fulfilled) level.quantities.committed += request.quantity;
    level.updatedAt = this.now();
    // Silent: a generated order history for benchmarks, which would otherwise send one webhook per sale.
    if (!options.silent) this.onAvailableChanged(shop, [level]);
    return { ...result, sold: true, available: level.quantities.available };
  }

  /** Why `sell` would refuse this sale right now; undefined when it would go through. Changes nothing. */
  saleRefusal(shop: ShopRecord, reference: ItemReference, request: SaleRequest): string | undefined {
    return this.checkSale(shop, reference, request).refusal;
  }

  private checkSale(shop: ShopRecord, reference: ItemReference, request: SaleRequest) {
    if (!Number.isInteger(request.quantity) || request.quantity < 1) throw new InventoryRequestError(400, "quantity must be a positive whole number");
    const item = this.resolveItem(shop, reference);
    const location = this.resolveLocation(shop, request.locationId);
    const level = this.store.level(shop, item.id, location.id);
    const result = { inventoryItemId: item.id, locationId: location.id, available: level?.quantities.available ?? 0 };
    let refusal: string | undefined;
    if (item.tracked && !level) refusal = `${item.sku ?? item.id} is not stocked at ${location.name}`;
    else if (item.tracked && level && shop.variants.get(item.variantId)?.inventoryPolicy !== "CONTINUE" && level.quantities.available < request.quantity) {
      refusal = `Only ${level.quantities.available} of ${item.sku ?? item.id} available at ${location.name}`;
    }
    return { item, level, result, refusal };
  }

  /**
   * Units an order gives back when it is refunded (orders.ts): units still committed (not fulfilled) leave
   * `committed`; restocked units return to `available` (a return, or a cancelled unfulfilled unit). Units neither
   * committed nor restocked stay with the customer and change nothing. An untracked item changes nothing.
   */
  releaseOrderUnits(
    shop: ShopRecord,
    inventoryItemId: number,
    locationId: number,
    release: { quantity: number; committed: boolean; restock: boolean; silent?: boolean },
  ): void {
    const item = shop.inventoryItems.get(inventoryItemId);
    if (!item?.tracked) return;
    if (!release.committed && !release.restock) return;
    const level = this.store.activateLevel(shop, inventoryItemId, locationId, this.now());
    if (release.committed) level.quantities.committed = Math.max(0, level.quantities.committed - release.quantity);
    if (release.restock) level.quantities.available += release.quantity;
    level.updatedAt = this.now();
    if (release.restock && !release.silent) this.onAvailableChanged(shop, [level]);
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

  private checkReasonAndReference(input: { reason: string; referenceDocumentUri?: string | null }, errors: InventoryUserError[], code: string): void {
    if (!(ADJUSTMENT_REASONS as readonly string[]).includes(input.reason)) errors.push({ field: ["input", "reason"], message: messages.invalidReason, code });
    if (input.referenceDocumentUri != null && !isValidDocumentUri(input.referenceDocumentUri)) {
      errors.push({ field: ["input", "referenceDocumentUri"], message: messages.invalidReferenceDocument, code: "INVALID_REFERENCE_DOCUMENT" });
    }
  }

  /** The item and location an input entry names; user errors when either is unknown (an id of another type is unknown). */
  private findTarget(
    shop: ShopRecord,
    entry: { inventoryItemId: string; locationId: string },
    path: string[],
    errors: InventoryUserError[],
    itemCode: string,
    locationCode: string,
  ): { item: InventoryItemRecord; location: LocationRecord } | undefined {
    const itemId = idOfType(entry.inventoryItemId, "InventoryItem");
    const item = itemId === undefined ? undefined : shop.inventoryItems.get(itemId);
    if (!item) errors.push({ field: [...path, "inventoryItemId"], message: messages.invalidItem, code: itemCode });
    const locationId = idOfType(entry.locationId, "Location");
    const location = locationId === undefined ? undefined : shop.locations.get(locationId);
    if (!location || !location.isActive) errors.push({ field: [...path, "locationId"], message: messages.invalidLocation, code: locationCode });
    return item && location?.isActive ? { item, location } : undefined;
  }

  /**
   * Runs the planned changes on scratch copies of the levels' quantities, checking each `changeFromQuantity`
   * against the quantity before that change and the limits after it; writes them only if every check passed.
   */
  private apply(shop: ShopRecord, input: { reason: string; referenceDocumentUri?: string | null }, planned: PlannedChange[], staleMessage: string): InventoryMutationResult {
    const scratch = new Map<string, Quantities>();
    const errors: InventoryUserError[] = [];
    const changes: InventoryChangeRecord[] = [];
    for (const change of planned) {
      const key = levelKey(change.item.id, change.location.id);
      let quantities = scratch.get(key);
      if (!quantities) {
        quantities = { ...(this.store.level(shop, change.item.id, change.location.id)?.quantities ?? emptyQuantities()) };
        scratch.set(key, quantities);
      }
      const before = quantityIn(quantities, change.name);
      if (change.changeFromQuantity !== null && change.changeFromQuantity !== before) {
        errors.push({ field: [...change.path, "changeFromQuantity"], message: staleMessage, code: "CHANGE_FROM_QUANTITY_STALE" });
        continue;
      }
      const delta = change.quantity === null ? change.delta : change.quantity - before;
      // Setting on_hand moves the difference into available, the state the merchant sells from.
      const stored: StoredQuantityName = change.name === "on_hand" ? "available" : (change.name as StoredQuantityName);
      quantities[stored] += delta;
      const after = quantityIn(quantities, change.name);
      if (change.quantity === null && (after > ADJUSTED_QUANTITY_LIMIT || after < -ADJUSTED_QUANTITY_LIMIT)) {
        const tooHigh = after > ADJUSTED_QUANTITY_LIMIT;
        errors.push({
          field: [...change.path, "delta"],
          message: tooHigh ? "The quantity can't be higher than 2,000,000,000." : "The quantity can't be lower than -2,000,000,000.",
          code: tooHigh ? "INVALID_QUANTITY_TOO_HIGH" : "INVALID_QUANTITY_TOO_LOW",
        });
        continue;
      }
      const record = (name: QuantityName) => ({
        name,
        delta,
        quantityAfterChange: quantityIn(quantities, name),
        inventoryItemId: change.item.id,
        locationId: change.location.id,
        ledgerDocumentUri: name === change.name ? change.ledgerDocumentUri : null,
      });
      changes.push(record(change.name));
      if (change.name === "on_hand") changes.push(record("available"));
      else if (ON_HAND_PARTS.has(change.name)) changes.push(record("on_hand"));
    }
    if (errors.length > 0) return { group: null, userErrors: errors };

    const at = this.now();
    const changedAvailable: InventoryLevelRecord[] = [];
    for (const [key, quantities] of scratch) {
      const [itemId, locationId] = key.split(":").map(Number) as [number, number];
      const level = this.store.activateLevel(shop, itemId, locationId, at);
      const availableBefore = level.quantities.available;
      level.quantities = quantities;
      level.updatedAt = at;
      if (quantities.available !== availableBefore) changedAvailable.push(level);
    }
    const group = this.store.recordAdjustmentGroup(shop, { createdAt: at, reason: input.reason, referenceDocumentUri: input.referenceDocumentUri ?? null, changes });
    if (changedAvailable.length > 0) this.onAvailableChanged(shop, changedAvailable);
    return { group, userErrors: [] };
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

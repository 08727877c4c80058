import { z } from "zod";
import { badRequest, bodyError, SquareApiError } from "./errors";
import { newSquareId } from "./ids";

/**
 * One seller's Square catalog: ITEM objects with their ITEM_VARIATIONs (the sellable SKUs), with Square's rules for
 * writes (square-qbo.md §3 "Catalog", the SDK's catalog client docs):
 *  - every object has an `id`, a `version` and `updated_at`; one write gives every object it touches the same new
 *    version, a millisecond timestamp as Square's are (1604352990016), and the matching `updated_at`;
 *  - new objects come with client ids starting with "#", answered with `id_mappings`;
 *  - an update must carry the object's current version, or it is refused with VERSION_MISMATCH;
 *  - full replacement: the object sent is the whole object; an item upserted without one of its variations deletes
 *    that variation (it stays, `is_deleted: true`, for searches that include deleted objects);
 *  - a batch is all or nothing.
 * Records are kept in the wire form (snake_case) with only fields the SDK's schemas know; fields of other object
 * types and of item data the sandbox does not keep are accepted and dropped (README "Catalog").
 */

export type PricingType = "FIXED_PRICING" | "VARIABLE_PRICING";

export interface Money {
  amount: number;
  currency: string;
}

export interface LocationOverride {
  location_id: string;
  price_money?: Money;
  pricing_type?: PricingType;
  track_inventory?: boolean;
  sold_out?: boolean;
}

export interface VariationData {
  item_id: string;
  name?: string;
  sku?: string;
  upc?: string;
  ordinal?: number;
  pricing_type?: PricingType;
  price_money?: Money;
  location_overrides?: LocationOverride[];
  track_inventory?: boolean;
  sellable?: boolean;
  stockable?: boolean;
}

export interface ItemData {
  name: string;
  description?: string;
  abbreviation?: string;
  product_type?: string;
  is_taxable?: boolean;
  is_archived?: boolean;
}

interface RecordBase {
  id: string;
  version: number;
  updated_at: string;
  is_deleted: boolean;
  present_at_all_locations: boolean;
  present_at_location_ids?: string[];
  absent_at_location_ids?: string[];
}

export interface ItemRecord extends RecordBase {
  type: "ITEM";
  item_data: ItemData;
  /** The item's variations in order, deleted ones included. */
  variationIds: string[];
}

export interface VariationRecord extends RecordBase {
  type: "ITEM_VARIATION";
  item_variation_data: VariationData;
}

export type CatalogRecord = ItemRecord | VariationRecord;

export interface IdMapping {
  client_object_id: string;
  object_id: string;
}

/** What the catalog needs to know about its seller to check a write. */
export interface SellerContext {
  currency: string;
  locationIds: string[];
}

// CatalogObjectType, for request validation (types the sandbox does not keep simply match nothing).
export const CATALOG_OBJECT_TYPES = [
  "ITEM",
  "IMAGE",
  "CATEGORY",
  "ITEM_VARIATION",
  "TAX",
  "DISCOUNT",
  "MODIFIER_LIST",
  "MODIFIER",
  "PRICING_RULE",
  "PRODUCT_SET",
  "TIME_PERIOD",
  "MEASUREMENT_UNIT",
  "SUBSCRIPTION_PLAN_VARIATION",
  "ITEM_OPTION",
  "ITEM_OPTION_VAL",
  "CUSTOM_ATTRIBUTE_DEFINITION",
  "QUICK_AMOUNTS_SETTINGS",
  "SUBSCRIPTION_PLAN",
  "AVAILABILITY_PERIOD",
] as const;
export type CatalogObjectType = (typeof CATALOG_OBJECT_TYPES)[number];

const PRODUCT_TYPES = ["REGULAR", "GIFT_CARD", "APPOINTMENTS_SERVICE", "FOOD_AND_BEV", "EVENT", "DIGITAL", "DONATION", "LEGACY_SQUARE_ONLINE_SERVICE", "LEGACY_SQUARE_ONLINE_MEMBERSHIP"] as const;

const moneyInput = z.looseObject({ amount: z.number().int().min(0), currency: z.string().length(3) });
const pricingTypeInput = z.enum(["FIXED_PRICING", "VARIABLE_PRICING"]);
const overrideInput = z.looseObject({
  location_id: z.string().min(1),
  price_money: moneyInput.nullish(),
  pricing_type: pricingTypeInput.nullish(),
  track_inventory: z.boolean().nullish(),
  sold_out: z.boolean().nullish(),
});
const objectBase = {
  id: z.string().min(1).max(255),
  version: z.number().int().nullish(),
  present_at_all_locations: z.boolean().nullish(),
  present_at_location_ids: z.array(z.string()).nullish(),
  absent_at_location_ids: z.array(z.string()).nullish(),
};
const variationInput = z.looseObject({
  type: z.literal("ITEM_VARIATION"),
  ...objectBase,
  item_variation_data: z.looseObject({
    item_id: z.string().nullish(),
    name: z.string().max(255).nullish(),
    sku: z.string().max(255).nullish(),
    upc: z.string().max(255).nullish(),
    ordinal: z.number().int().nullish(),
    pricing_type: pricingTypeInput.nullish(),
    price_money: moneyInput.nullish(),
    location_overrides: z.array(overrideInput).nullish(),
    track_inventory: z.boolean().nullish(),
    sellable: z.boolean().nullish(),
    stockable: z.boolean().nullish(),
  }),
});
const itemInput = z.looseObject({
  type: z.literal("ITEM"),
  ...objectBase,
  item_data: z.looseObject({
    name: z.string().max(512).nullish(),
    description: z.string().max(4096).nullish(),
    abbreviation: z.string().max(24).nullish(),
    product_type: z.enum(PRODUCT_TYPES).nullish(),
    is_taxable: z.boolean().nullish(),
    is_archived: z.boolean().nullish(),
    variations: z.array(z.unknown()).nullish(),
  }),
});
const typeOnly = z.looseObject({ type: z.enum(CATALOG_OBJECT_TYPES), id: z.string().min(1) });

type VariationInput = z.infer<typeof variationInput>;
type ItemInput = z.infer<typeof itemInput>;

/** Copies the fields that are set (not null or undefined): the wire form leaves absent fields out. */
function present<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null && field !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };
}

function parseInput<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw bodyError(result.error, path);
  return result.data;
}

const invalid = (detail: string, field: string) => badRequest("INVALID_VALUE", detail, field);
/** Assumed: Square's answer to a stale or missing version (its troubleshooting guide names VERSION_MISMATCH). */
const versionMismatch = (field: string, detail = "Object version does not match latest database version.") =>
  new SquareApiError(400, "INVALID_REQUEST_ERROR", "VERSION_MISMATCH", detail, field);

const isTemporary = (id: string) => id.startsWith("#");

/**
 * One batch of an upsert, checked and applied on a copy (`overlay`) of the objects it touches; `commit` stores them
 * all with one new version, or nothing happens if a check threw.
 */
class BatchWrite {
  private readonly overlay = new Map<string, CatalogRecord>();
  /** Ids the batch names itself (an id twice in one batch is refused). */
  private readonly named = new Set<string>();
  private readonly temporary = new Map<string, string>();
  /** New variations upserted on their own, to be added to their item's list (the item's version stays). */
  private readonly links: { itemId: string; variationId: string }[] = [];
  readonly mappings: IdMapping[] = [];
  readonly written: string[] = [];

  constructor(
    private readonly catalog: CatalogStore,
    private readonly requestTemporary: Map<string, string>,
    private readonly seller: SellerContext,
  ) {}

  /** `path(index)` names an object in the request, for errors' `field`. */
  run(objects: unknown[], path: (index: number) => string): void {
    this.assignTemporaryIds(objects, path);
    objects.forEach((raw, index) => {
      const at = path(index);
      const { type } = parseInput(typeOnly, raw, at);
      if (type === "ITEM") this.written.push(this.writeItem(parseInput(itemInput, raw, at), at));
      else if (type === "ITEM_VARIATION") this.written.push(this.writeVariation(parseInput(variationInput, raw, at), at, null));
      else throw badRequest("BAD_REQUEST", `The Tillbridge Square sandbox keeps ITEM and ITEM_VARIATION objects only, not ${type}.`, `${at}.type`);
    });
  }

  commit(version: number): CatalogRecord[] {
    const updatedAt = new Date(version).toISOString();
    for (const record of this.overlay.values()) {
      record.version = version;
      record.updated_at = updatedAt;
      this.catalog.put(record);
    }
    for (const { itemId, variationId } of this.links) {
      const item = this.catalog.get(itemId);
      if (item?.type === "ITEM" && !item.variationIds.includes(variationId)) item.variationIds.push(variationId);
    }
    for (const [client, real] of this.temporary) this.requestTemporary.set(client, real);
    return this.written.map((id) => this.catalog.get(id)!);
  }

  private assignTemporaryIds(objects: unknown[], path: (index: number) => string): void {
    const assign = (id: unknown, field: string) => {
      if (typeof id !== "string" || !isTemporary(id)) return;
      if (this.temporary.has(id) || this.requestTemporary.has(id)) throw invalid(`The client object id ${id} is used twice in this request.`, field);
      const real = newSquareId();
      this.temporary.set(id, real);
      this.mappings.push({ client_object_id: id, object_id: real });
    };
    objects.forEach((raw, index) => {
      const object = (raw ?? {}) as { id?: unknown; item_data?: { variations?: unknown } };
      assign(object.id, `${path(index)}.id`);
      const variations = object.item_data?.variations;
      if (Array.isArray(variations)) {
        variations.forEach((variation: { id?: unknown } | null, position) => assign(variation?.id, `${path(index)}.item_data.variations[${position}].id`));
      }
    });
  }

  private resolve(id: string, field: string): string {
    if (!isTemporary(id)) return id;
    const real = this.temporary.get(id) ?? this.requestTemporary.get(id);
    if (real === undefined) throw invalid(`Unknown client object id ${id}.`, field);
    return real;
  }

  private current(id: string): CatalogRecord | undefined {
    return this.overlay.get(id) ?? this.catalog.get(id);
  }

  /** The object's id, after checking that an update names a live object of its type at its current version. */
  private claim(input: { id: string; version?: number | null }, type: CatalogRecord["type"], at: string): { id: string; existing: CatalogRecord | undefined } {
    const id = this.resolve(input.id, `${at}.id`);
    if (this.named.has(id)) throw invalid(`Object ${input.id} appears twice in this batch.`, `${at}.id`);
    this.named.add(id);
    if (isTemporary(input.id)) return { id, existing: undefined };
    const existing = this.catalog.get(id);
    if (!existing || existing.is_deleted) throw badRequest("NOT_FOUND", `Object ${id} not found. New objects need a client id starting with "#".`, `${at}.id`);
    if (existing.type !== type) throw invalid(`Object ${id} is a ${existing.type}, not a ${type}.`, `${at}.type`);
    if (input.version === undefined || input.version === null) throw versionMismatch(`${at}.version`, `Updating object ${id} needs its current version.`);
    if (input.version !== existing.version) throw versionMismatch(`${at}.version`);
    return { id, existing };
  }

  private presence(input: z.infer<typeof itemInput> | VariationInput, at: string) {
    for (const key of ["present_at_location_ids", "absent_at_location_ids"] as const) {
      (input[key] ?? []).forEach((locationId, index) => {
        if (!this.seller.locationIds.includes(locationId)) throw invalid(`Location ${locationId} not found.`, `${at}.${key}[${index}]`);
      });
    }
    return {
      is_deleted: false,
      present_at_all_locations: input.present_at_all_locations ?? true,
      ...(input.present_at_location_ids?.length && { present_at_location_ids: input.present_at_location_ids }),
      ...(input.absent_at_location_ids?.length && { absent_at_location_ids: input.absent_at_location_ids }),
    };
  }

  private checkMoney(money: { amount: number; currency: string } | null | undefined, field: string): Money | undefined {
    if (!money) return undefined;
    if (money.currency !== this.seller.currency) throw invalid(`Currency ${money.currency} is not the seller's (${this.seller.currency}).`, `${field}.currency`);
    return { amount: money.amount, currency: money.currency };
  }

  private writeItem(input: ItemInput, at: string): string {
    const { id, existing } = this.claim(input, "ITEM", at);
    const data = input.item_data;
    if (!data.name) throw badRequest("MISSING_REQUIRED_PARAMETER", "An item needs a name.", `${at}.item_data.name`);
    const variations = data.variations ?? [];
    if (variations.length === 0) throw invalid("An item must have at least one variation.", `${at}.item_data.variations`);
    // Reserve the item's place before its variations, so a new item is listed before them.
    const record: ItemRecord = {
      type: "ITEM",
      id,
      version: 0,
      updated_at: "",
      ...this.presence(input, at),
      item_data: present({
        name: data.name,
        description: data.description,
        abbreviation: data.abbreviation,
        product_type: data.product_type,
        is_taxable: data.is_taxable,
        is_archived: data.is_archived,
      }),
      variationIds: [],
    };
    this.overlay.set(id, record);
    record.variationIds = variations.map((raw, index) => {
      const field = `${at}.item_data.variations[${index}]`;
      return this.writeVariation(parseInput(variationInput, raw, field), field, { id, ordinal: index + 1 });
    });
    // Full replacement: the item's variations left out are deleted.
    if (existing?.type === "ITEM") {
      for (const variationId of existing.variationIds) {
        const variation = this.catalog.get(variationId);
        if (variation && !variation.is_deleted && !record.variationIds.includes(variationId)) {
          this.overlay.set(variationId, { ...variation, is_deleted: true });
          record.variationIds.push(variationId);
        }
      }
    }
    return id;
  }

  private writeVariation(input: VariationInput, at: string, parent: { id: string; ordinal: number } | null): string {
    const { id, existing } = this.claim(input, "ITEM_VARIATION", at);
    const data = input.item_variation_data;
    const itemField = `${at}.item_variation_data.item_id`;
    const itemId = data.item_id ? this.resolve(data.item_id, itemField) : parent?.id;
    if (itemId === undefined) throw badRequest("MISSING_REQUIRED_PARAMETER", "A variation upserted on its own needs item_variation_data.item_id.", itemField);
    if (parent && itemId !== parent.id) throw invalid(`The variation's item_id ${itemId} is not the item ${parent.id} it is listed in.`, itemField);
    const item = this.current(itemId);
    if (!item || item.type !== "ITEM" || item.is_deleted) throw invalid(`Item ${itemId} not found.`, itemField);
    if (existing?.type === "ITEM_VARIATION" && existing.item_variation_data.item_id !== itemId) {
      throw invalid("Moving a variation to another item is not modelled by the Tillbridge Square sandbox.", itemField);
    }
    const overrides = (data.location_overrides ?? []).map((override, index) => {
      const field = `${at}.item_variation_data.location_overrides[${index}]`;
      if (!this.seller.locationIds.includes(override.location_id)) throw invalid(`Location ${override.location_id} not found.`, `${field}.location_id`);
      return present({
        location_id: override.location_id,
        price_money: this.checkMoney(override.price_money, `${field}.price_money`),
        pricing_type: override.pricing_type,
        track_inventory: override.track_inventory,
        sold_out: override.sold_out,
      });
    });
    const priceMoney = this.checkMoney(data.price_money, `${at}.item_variation_data.price_money`);
    const ordinal = data.ordinal ?? parent?.ordinal ?? (existing?.type === "ITEM_VARIATION" ? existing.item_variation_data.ordinal : undefined) ?? item.variationIds.length + 1;
    this.overlay.set(id, {
      type: "ITEM_VARIATION",
      id,
      version: 0,
      updated_at: "",
      ...this.presence(input, at),
      item_variation_data: present({
        item_id: itemId,
        name: data.name,
        sku: data.sku,
        upc: data.upc,
        ordinal,
        pricing_type: data.pricing_type ?? (priceMoney ? "FIXED_PRICING" : "VARIABLE_PRICING"),
        price_money: priceMoney,
        location_overrides: overrides.length > 0 ? overrides : undefined,
        track_inventory: data.track_inventory,
        sellable: data.sellable,
        stockable: data.stockable,
      }),
    });
    if (!parent && !existing) this.links.push({ itemId, variationId: id });
    return id;
  }
}

export interface UpsertResult {
  /** The top-level objects written, as stored (wire form via `toWire`). */
  objects: CatalogRecord[];
  idMappings: IdMapping[];
  /** One error per batch that was refused; empty when every batch was applied. */
  errors: SquareApiError[];
  updatedAt: string;
}

/** A searchable attribute (CatalogQuery's list) of one of the two object types the sandbox keeps. */
export function searchableAttribute(record: CatalogRecord, name: string): string | undefined {
  if (record.type === "ITEM") {
    if (name === "name" || name === "description" || name === "abbreviation") return record.item_data[name];
    return undefined;
  }
  if (name === "name" || name === "sku" || name === "upc") return record.item_variation_data[name];
  return undefined;
}

export class CatalogStore {
  private readonly objects = new Map<string, CatalogRecord>();
  private lastVersion = 0;
  private latestTime: string;

  constructor(
    readonly seller: SellerContext,
    createdAt: string,
  ) {
    this.latestTime = createdAt;
  }

  get(id: string): CatalogRecord | undefined {
    return this.objects.get(id);
  }

  put(record: CatalogRecord): void {
    this.objects.set(record.id, record);
    this.lastVersion = Math.max(this.lastVersion, record.version);
    if (record.updated_at > this.latestTime) this.latestTime = record.updated_at;
  }

  /** When the catalog last changed (SearchCatalogObjects' latest_time). */
  updatedAt(): string {
    return this.latestTime;
  }

  /** A new version for a write: a millisecond timestamp, always above the last one. */
  nextVersion(): number {
    this.lastVersion = Math.max(Date.now(), this.lastVersion + 1);
    return this.lastVersion;
  }

  all(): IterableIterator<CatalogRecord> {
    return this.objects.values();
  }

  size(): number {
    return this.objects.size;
  }

  clear(): void {
    this.objects.clear();
  }

  liveVariation(id: string): VariationRecord | undefined {
    const record = this.objects.get(id);
    return record?.type === "ITEM_VARIATION" && !record.is_deleted ? record : undefined;
  }

  /** Live variations whose SKU is exactly `sku` (Square allows duplicates). */
  variationsWithSku(sku: string): VariationRecord[] {
    const found: VariationRecord[] = [];
    for (const record of this.objects.values()) {
      if (record.type === "ITEM_VARIATION" && !record.is_deleted && record.item_variation_data.sku === sku) found.push(record);
    }
    return found;
  }

  itemOf(variation: VariationRecord): ItemRecord | undefined {
    const item = this.objects.get(variation.item_variation_data.item_id);
    return item?.type === "ITEM" ? item : undefined;
  }

  /** Whether Square tracks the variation's stock at the location: its location override, else the variation's own
   * `track_inventory` (unset counts as tracked; assumed). */
  tracksInventory(variation: VariationRecord, locationId: string): boolean {
    const override = variation.item_variation_data.location_overrides?.find((entry) => entry.location_id === locationId);
    return (override?.track_inventory ?? variation.item_variation_data.track_inventory) !== false;
  }

  /** The variation's price at the location (its override, else its own). */
  priceAt(variation: VariationRecord, locationId: string): Money | undefined {
    const override = variation.item_variation_data.location_overrides?.find((entry) => entry.location_id === locationId);
    return override?.price_money ?? variation.item_variation_data.price_money;
  }

  /**
   * BatchUpsertCatalogObjects (and UpsertCatalogObject, one batch of one): each batch checked and applied on its
   * own, all or nothing; client ids mapped across the whole request.
   */
  upsert(batches: unknown[][], path: (batch: number, index: number) => string): UpsertResult {
    const temporary = new Map<string, string>();
    const result: UpsertResult = { objects: [], idMappings: [], errors: [], updatedAt: this.latestTime };
    batches.forEach((objects, index) => {
      const write = new BatchWrite(this, temporary, this.seller);
      try {
        write.run(objects, (position) => path(index, position));
      } catch (error) {
        if (!(error instanceof SquareApiError)) throw error;
        result.errors.push(error);
        return;
      }
      const version = this.nextVersion();
      result.objects.push(...write.commit(version));
      result.idMappings.push(...write.mappings);
      result.updatedAt = new Date(version).toISOString();
    });
    return result;
  }

  /** Deletes objects (an item with its variations): the ids deleted, and the ids that named no live object. */
  delete(ids: string[]): { deleted: string[]; deletedAt: string; missing: string[] } {
    const version = this.nextVersion();
    const deletedAt = new Date(version).toISOString();
    const deleted: string[] = [];
    const missing: string[] = [];
    const remove = (record: CatalogRecord) => {
      if (record.is_deleted) return;
      this.put({ ...record, is_deleted: true, version, updated_at: deletedAt });
      deleted.push(record.id);
    };
    for (const id of ids) {
      const record = this.objects.get(id);
      if (!record || record.is_deleted) {
        missing.push(id);
        continue;
      }
      remove(record);
      if (record.type === "ITEM") for (const variationId of record.variationIds) remove(this.objects.get(variationId)!);
    }
    return { deleted, deletedAt, missing };
  }

  /** The wire form of an object: an item carries its variations (its live ones, or all of them once it is deleted). */
  toWire(record: CatalogRecord): Record<string, unknown> {
    const base = {
      type: record.type,
      id: record.id,
      updated_at: record.updated_at,
      version: record.version,
      is_deleted: record.is_deleted,
      present_at_all_locations: record.present_at_all_locations,
      ...(record.present_at_location_ids && { present_at_location_ids: record.present_at_location_ids }),
      ...(record.absent_at_location_ids && { absent_at_location_ids: record.absent_at_location_ids }),
    };
    if (record.type === "ITEM_VARIATION") return { ...base, item_variation_data: record.item_variation_data };
    const variations = record.variationIds
      .map((id) => this.objects.get(id))
      .filter((variation): variation is CatalogRecord => variation !== undefined && (record.is_deleted || !variation.is_deleted))
      .map((variation) => this.toWire(variation));
    return { ...base, item_data: { ...record.item_data, variations } };
  }

  /** Parent items of the variations among `records` that are not themselves in `records` (include_related_objects). */
  relatedObjects(records: CatalogRecord[]): CatalogRecord[] {
    const listed = new Set(records.map((record) => record.id));
    const related = new Map<string, CatalogRecord>();
    for (const record of records) {
      if (record.type !== "ITEM_VARIATION") continue;
      const item = this.objects.get(record.item_variation_data.item_id);
      if (item && !listed.has(item.id)) related.set(item.id, item);
    }
    return [...related.values()];
  }
}

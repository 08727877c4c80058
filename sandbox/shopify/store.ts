/**
 * The sandbox's Shopify data: shops, their app installation, locations, products, variants, inventory items and
 * inventory levels, and customers (for the compliance webhooks); and what apps create: inventory adjustment groups
 * and bulk operations. Plain records keyed by numeric id; GraphQL views (resolvers.ts) read them, and the inventory
 * mutations (inventory.ts) and bulk operations (bulk-operations.ts) write them through the methods here.
 */

/** Quantity names of Shopify's inventory states; on_hand is derived (available + committed + unavailable). */
export const QUANTITY_NAMES = [
  "available",
  "committed",
  "damaged",
  "incoming",
  "on_hand",
  "quality_control",
  "reserved",
  "safety_stock",
] as const;
export type QuantityName = (typeof QUANTITY_NAMES)[number];
export type StoredQuantityName = Exclude<QuantityName, "on_hand">;
export type Quantities = Record<StoredQuantityName, number>;

export interface Address {
  address1: string;
  address2: string | null;
  city: string;
  province: string;
  provinceCode: string;
  zip: string;
  country: string;
  countryCode: string;
  phone: string | null;
}

export interface ShopRecord {
  id: number;
  domain: string;
  name: string;
  email: string;
  shopOwnerName: string;
  currencyCode: string;
  ianaTimezone: string;
  planDisplayName: string;
  primaryDomainHost: string;
  address: Address;
  createdAt: Date;
  /** Whether the app is installed; managed installation sets it when the merchant opens the app. */
  installed: boolean;
  /** The scopes granted on the last install (the toml's access scopes at that time). */
  scopes: string[];
  locations: Map<number, LocationRecord>;
  products: Map<number, ProductRecord>;
  variants: Map<number, VariantRecord>;
  inventoryItems: Map<number, InventoryItemRecord>;
  /** Keyed by levelKey(inventoryItemId, locationId). */
  inventoryLevels: Map<string, InventoryLevelRecord>;
  customers: CustomerRecord[];
  /** The latest inventory adjustment groups (node(id) finds them), oldest first; bounded (MAX_KEPT_ADJUSTMENT_GROUPS). */
  adjustmentGroups: Map<number, InventoryAdjustmentGroupRecord>;
  bulkOperations: Map<number, BulkOperationRecord>;
}

export interface LocationRecord {
  id: number;
  name: string;
  address: Address;
  isActive: boolean;
  fulfillsOnlineOrders: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type ProductStatus = "ACTIVE" | "ARCHIVED" | "DRAFT";

export interface ProductRecord {
  id: number;
  title: string;
  handle: string;
  vendor: string;
  productType: string;
  status: ProductStatus;
  tags: string[];
  descriptionHtml: string;
  options: { name: string; values: string[] }[];
  variantIds: number[];
  createdAt: Date;
  updatedAt: Date;
}

export interface VariantRecord {
  id: number;
  productId: number;
  title: string;
  price: string;
  compareAtPrice: string | null;
  barcode: string | null;
  position: number;
  selectedOptions: { name: string; value: string }[];
  taxable: boolean;
  inventoryPolicy: "CONTINUE" | "DENY";
  inventoryItemId: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface InventoryItemRecord {
  id: number;
  variantId: number;
  /** The variant's SKU lives on its inventory item, as at Shopify (ProductVariant.sku reads it). */
  sku: string | null;
  tracked: boolean;
  requiresShipping: boolean;
  unitCost: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface InventoryLevelRecord {
  inventoryItemId: number;
  locationId: number;
  quantities: Quantities;
  createdAt: Date;
  updatedAt: Date;
}

/** One quantity change of an adjustment group, as InventoryChange shows it. */
export interface InventoryChangeRecord {
  name: QuantityName;
  delta: number;
  quantityAfterChange: number;
  inventoryItemId: number;
  locationId: number;
  ledgerDocumentUri: string | null;
}

/** What one inventoryAdjustQuantities or inventorySetQuantities call changed. Never changes once recorded. */
export interface InventoryAdjustmentGroupRecord {
  id: number;
  createdAt: Date;
  reason: string;
  referenceDocumentUri: string | null;
  changes: InventoryChangeRecord[];
}

export type BulkOperationStatus = "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED" | "EXPIRED";

export interface BulkOperationRecord {
  id: number;
  type: "QUERY";
  query: string;
  status: BulkOperationStatus;
  errorCode: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT" | null;
  createdAt: Date;
  completedAt: Date | null;
  objectCount: number;
  rootObjectCount: number;
  /** The JSONL result, kept in memory and served at `url`; null until the operation completes. */
  result: string | null;
  /** Bytes of the result. */
  fileSize: number | null;
  /** Where the result is served (on the sandbox, as Shopify serves it from its storage). */
  url: string | null;
}

export interface CustomerRecord {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  orderIds: number[];
}

export interface NewShop {
  domain: string;
  name: string;
  email: string;
  shopOwnerName: string;
  currencyCode: string;
  ianaTimezone: string;
  planDisplayName: string;
  address: Address;
  createdAt: Date;
}

export interface NewVariant {
  options: string[];
  sku: string | null;
  barcode?: string;
  price: string;
  compareAtPrice?: string;
  unitCost?: string;
  tracked?: boolean;
  requiresShipping?: boolean;
  /** Inventory per location id; a location left out has no inventory level (the item is not stocked there). */
  levels: Record<number, Partial<Quantities>>;
}

export interface NewProduct {
  title: string;
  vendor: string;
  productType: string;
  status?: ProductStatus;
  tags?: string[];
  descriptionHtml?: string;
  /** Option names; a product without options gets Shopify's single "Title" option with a "Default Title" variant. */
  options: string[];
  variants: NewVariant[];
  createdAt: Date;
}

type IdKind = "shop" | "location" | "product" | "variant" | "inventoryItem" | "customer" | "order" | "adjustmentGroup" | "bulkOperation";

// Ids in the ranges Shopify hands out today, so that they look (and overflow 32-bit integers) like real ones.
const FIRST_IDS: Record<IdKind, number> = {
  shop: 68_000_000_001,
  location: 71_000_000_001,
  product: 9_100_000_000_001,
  variant: 47_000_000_000_001,
  inventoryItem: 49_000_000_000_001,
  customer: 7_800_000_000_001,
  order: 6_100_000_000_001,
  adjustmentGroup: 31_000_000_001,
  bulkOperation: 5_200_000_001,
};

/**
 * How many adjustment groups a shop keeps for node(id): enough for any test, bounded so that a benchmark making
 * millions of changes does not grow the sandbox. Idempotency records keep their own group for replays.
 */
export const MAX_KEPT_ADJUSTMENT_GROUPS = 10_000;

export function levelKey(inventoryItemId: number, locationId: number): string {
  return `${inventoryItemId}:${locationId}`;
}

export function quantityOf(level: InventoryLevelRecord, name: QuantityName): number {
  return quantityIn(level.quantities, name);
}

export function quantityIn(q: Quantities, name: QuantityName): number {
  if (name !== "on_hand") return q[name];
  return q.available + q.committed + q.damaged + q.quality_control + q.reserved + q.safety_stock;
}

export function emptyQuantities(): Quantities {
  return { available: 0, committed: 0, damaged: 0, incoming: 0, quality_control: 0, reserved: 0, safety_stock: 0 };
}

function handleize(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

export class ShopifyStore {
  readonly shops = new Map<string, ShopRecord>();
  private readonly nextIds = { ...FIRST_IDS };

  nextId(kind: IdKind): number {
    return this.nextIds[kind]++;
  }

  shop(domain: string): ShopRecord | undefined {
    return this.shops.get(domain);
  }

  addShop(fields: NewShop): ShopRecord {
    if (this.shops.has(fields.domain)) throw new Error(`Shop ${fields.domain} already exists`);
    const shop: ShopRecord = {
      ...fields,
      id: this.nextId("shop"),
      primaryDomainHost: fields.domain,
      installed: false,
      scopes: [],
      locations: new Map(),
      products: new Map(),
      variants: new Map(),
      inventoryItems: new Map(),
      inventoryLevels: new Map(),
      customers: [],
      adjustmentGroups: new Map(),
      bulkOperations: new Map(),
    };
    this.shops.set(shop.domain, shop);
    return shop;
  }

  addLocation(shop: ShopRecord, fields: { name: string; address: Address; createdAt: Date }): LocationRecord {
    const location: LocationRecord = {
      id: this.nextId("location"),
      isActive: true,
      fulfillsOnlineOrders: true,
      updatedAt: fields.createdAt,
      ...fields,
    };
    shop.locations.set(location.id, location);
    return location;
  }

  addCustomer(shop: ShopRecord, fields: Omit<CustomerRecord, "id" | "orderIds"> & { orderCount: number }): CustomerRecord {
    const { orderCount, ...rest } = fields;
    const customer: CustomerRecord = {
      ...rest,
      id: this.nextId("customer"),
      orderIds: Array.from({ length: orderCount }, () => this.nextId("order")),
    };
    shop.customers.push(customer);
    return customer;
  }

  addProduct(shop: ShopRecord, fields: NewProduct): ProductRecord {
    const optionNames = fields.options.length > 0 ? fields.options : ["Title"];
    const product: ProductRecord = {
      id: this.nextId("product"),
      title: fields.title,
      handle: handleize(fields.title),
      vendor: fields.vendor,
      productType: fields.productType,
      status: fields.status ?? "ACTIVE",
      tags: fields.tags ?? [],
      descriptionHtml: fields.descriptionHtml ?? "",
      options: optionNames.map((name, index) => ({
        name,
        values: [...new Set(fields.variants.map((variant) => variant.options[index] ?? "Default Title"))],
      })),
      variantIds: [],
      createdAt: fields.createdAt,
      updatedAt: fields.createdAt,
    };
    shop.products.set(product.id, product);
    fields.variants.forEach((variant, index) => this.addVariant(shop, product, variant, index + 1));
    return product;
  }

  private addVariant(shop: ShopRecord, product: ProductRecord, fields: NewVariant, position: number): VariantRecord {
    const values = fields.options.length > 0 ? fields.options : ["Default Title"];
    const variantId = this.nextId("variant");
    const item: InventoryItemRecord = {
      id: this.nextId("inventoryItem"),
      variantId,
      sku: fields.sku,
      tracked: fields.tracked ?? true,
      requiresShipping: fields.requiresShipping ?? true,
      unitCost: fields.unitCost ?? null,
      createdAt: product.createdAt,
      updatedAt: product.createdAt,
    };
    const variant: VariantRecord = {
      id: variantId,
      productId: product.id,
      title: values.join(" / "),
      price: fields.price,
      compareAtPrice: fields.compareAtPrice ?? null,
      barcode: fields.barcode ?? null,
      position,
      selectedOptions: product.options.map((option, index) => ({ name: option.name, value: values[index] ?? "Default Title" })),
      taxable: true,
      inventoryPolicy: "DENY",
      inventoryItemId: item.id,
      createdAt: product.createdAt,
      updatedAt: product.createdAt,
    };
    shop.inventoryItems.set(item.id, item);
    shop.variants.set(variant.id, variant);
    product.variantIds.push(variant.id);
    for (const [locationId, quantities] of Object.entries(fields.levels)) {
      const level: InventoryLevelRecord = {
        inventoryItemId: item.id,
        locationId: Number(locationId),
        quantities: { ...emptyQuantities(), ...quantities },
        createdAt: product.createdAt,
        updatedAt: product.createdAt,
      };
      shop.inventoryLevels.set(levelKey(item.id, level.locationId), level);
    }
    return variant;
  }

  level(shop: ShopRecord, inventoryItemId: number, locationId: number): InventoryLevelRecord | undefined {
    return shop.inventoryLevels.get(levelKey(inventoryItemId, locationId));
  }

  levelsOfItem(shop: ShopRecord, inventoryItemId: number): InventoryLevelRecord[] {
    return [...shop.locations.keys()].flatMap((locationId) => this.level(shop, inventoryItemId, locationId) ?? []);
  }

  levelsAtLocation(shop: ShopRecord, locationId: number): InventoryLevelRecord[] {
    return [...shop.inventoryItems.keys()].flatMap((itemId) => this.level(shop, itemId, locationId) ?? []);
  }

  /** Whether any item is stocked at the location; stops at the first. */
  stocksAnything(shop: ShopRecord, locationId: number): boolean {
    for (const level of shop.inventoryLevels.values()) if (level.locationId === locationId) return true;
    return false;
  }

  /**
   * The item's level at the location, created with every quantity 0 if the item was not stocked there: since
   * Admin API 2026-10 inventory can be adjusted at any location (Shopify's changelog "Removal of
   * ITEM_NOT_STOCKED_AT_LOCATION error"), which stocks the item there.
   */
  activateLevel(shop: ShopRecord, inventoryItemId: number, locationId: number, at: Date): InventoryLevelRecord {
    const existing = this.level(shop, inventoryItemId, locationId);
    if (existing) return existing;
    const level: InventoryLevelRecord = { inventoryItemId, locationId, quantities: emptyQuantities(), createdAt: at, updatedAt: at };
    shop.inventoryLevels.set(levelKey(inventoryItemId, locationId), level);
    return level;
  }

  /** Items whose SKU is exactly this one (Shopify lets SKUs repeat; duplicateSkuCount reports it). */
  itemsWithSku(shop: ShopRecord, sku: string): InventoryItemRecord[] {
    return [...shop.inventoryItems.values()].filter((item) => item.sku === sku);
  }

  recordAdjustmentGroup(shop: ShopRecord, group: Omit<InventoryAdjustmentGroupRecord, "id">): InventoryAdjustmentGroupRecord {
    const recorded = { id: this.nextId("adjustmentGroup"), ...group };
    shop.adjustmentGroups.set(recorded.id, recorded);
    if (shop.adjustmentGroups.size > MAX_KEPT_ADJUSTMENT_GROUPS) {
      shop.adjustmentGroups.delete(shop.adjustmentGroups.keys().next().value!);
    }
    return recorded;
  }
}

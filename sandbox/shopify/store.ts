import type { MoneyPair } from "./money";

/**
 * The sandbox's Shopify data: shops, their app installation, locations, products, variants, inventory items and
 * inventory levels, customers, and orders with their transactions and refunds; and what apps create: inventory
 * adjustment groups and bulk operations. Plain records keyed by numeric id; GraphQL views (resolvers.ts,
 * order-views.ts) read them, and the inventory mutations (inventory.ts), orders (orders.ts) and bulk operations
 * (bulk-operations.ts) write them through the methods here.
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
  orders: Map<number, OrderRecord>;
  /** The number the next order gets (its name is "#" and the number); Shopify starts at 1001. */
  nextOrderNumber: number;
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
  /** Orders for the privacy webhooks: the seed's customers have ids reserved for orders the sandbox never holds. */
  orderIds: number[];
}

/**
 * An order as Shopify stores it once paid. Only the parts are stored (unit prices, discount allocations, taxes,
 * shipping, tip, transactions, refunds); every total is a sum of parts, computed when shown (order-totals.ts), so
 * that totals cannot disagree with their parts in either currency.
 */
export interface OrderRecord {
  id: number;
  number: number;
  name: string;
  createdAt: Date;
  updatedAt: Date;
  processedAt: Date;
  closedAt: Date | null;
  cancelledAt: Date | null;
  currencyCode: string;
  presentmentCurrencyCode: string;
  /** Presentment units per shop unit, a decimal ("1.36" for a USD shop selling in CAD; "1" in one currency). */
  exchangeRate: string;
  email: string | null;
  customerId: number | null;
  /** "web" (online store) or "pos" (a retail sale at `locationId`). */
  sourceName: "web" | "pos";
  /** Where the stock left from: the fulfillment location, and the retail location of a POS sale. */
  locationId: number;
  fulfilled: boolean;
  taxesIncluded: boolean;
  /** The order-level discount (a code or a manual one), allocated across the line items; null for none. */
  discount: OrderDiscountRecord | null;
  lineItems: LineItemRecord[];
  shippingLines: ShippingLineRecord[];
  tip: MoneyPair;
  transactions: TransactionRecord[];
  refunds: RefundRecord[];
}

export interface OrderDiscountRecord {
  /** Percentage off, a decimal ("10" for 10 %). */
  percentage: string;
  /** A discount code (DiscountCodeApplication); null for a manual discount (ManualDiscountApplication). */
  code: string | null;
  title: string;
}

export interface TaxLineRecord {
  title: string;
  /** The rate as a decimal fraction ("0.0875"). */
  rate: string;
  amount: MoneyPair;
}

export interface LineItemRecord {
  id: number;
  variantId: number | null;
  productId: number | null;
  inventoryItemId: number | null;
  sku: string | null;
  title: string;
  variantTitle: string | null;
  vendor: string | null;
  quantity: number;
  taxable: boolean;
  requiresShipping: boolean;
  /** Price of one unit before discounts. */
  unitPrice: MoneyPair;
  /** This line's part of the order-level discount (for the whole quantity). */
  discountAllocation: MoneyPair;
  /** Taxes on the whole quantity, after discounts. */
  taxLines: TaxLineRecord[];
}

export interface ShippingLineRecord {
  id: number;
  title: string;
  code: string;
  price: MoneyPair;
  taxLines: TaxLineRecord[];
}

export type TransactionKind = "SALE" | "REFUND";

export interface TransactionFeeRecord {
  id: number;
  type: string;
  /** Percentage charged, as a decimal fraction ("0.029"). */
  rate: string;
  rateName: string | null;
  flatFeeName: string | null;
  /** Fees are charged in the shop's currency (the payout currency), in minor units. */
  flatFee: number;
  amount: number;
  taxAmount: number;
}

export interface TransactionRecord {
  id: number;
  kind: TransactionKind;
  status: "SUCCESS";
  gateway: string;
  amount: MoneyPair;
  createdAt: Date;
  processedAt: Date;
  /** The sale a refund returns money from. */
  parentId: number | null;
  fees: TransactionFeeRecord[];
  /** The location of a POS transaction. */
  locationId: number | null;
}

export type RestockType = "NO_RESTOCK" | "CANCEL" | "RETURN";

export interface RefundLineItemRecord {
  id: number;
  lineItemId: number;
  quantity: number;
  restockType: RestockType;
  locationId: number | null;
  /** The refunded units' part of the line after discounts (with tax when the order's taxes are included). */
  subtotal: MoneyPair;
  totalTax: MoneyPair;
}

export interface RefundShippingLineRecord {
  id: number;
  shippingLineId: number;
  subtotal: MoneyPair;
  tax: MoneyPair;
}

export interface OrderAdjustmentRecord {
  id: number;
  reason: "REFUND_DISCREPANCY";
  /** What the refunded items and shipping came to minus what was refunded: negative in the customer's favour. */
  amount: MoneyPair;
  taxAmount: MoneyPair;
}

export interface RefundRecord {
  id: number;
  createdAt: Date;
  processedAt: Date;
  note: string | null;
  restock: boolean;
  lineItems: RefundLineItemRecord[];
  shippingLines: RefundShippingLineRecord[];
  /** Ids of the order's REFUND transactions this refund made. */
  transactionIds: number[];
  adjustments: OrderAdjustmentRecord[];
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

type IdKind =
  | "shop"
  | "location"
  | "product"
  | "variant"
  | "inventoryItem"
  | "customer"
  | "order"
  | "lineItem"
  | "shippingLine"
  | "transaction"
  | "transactionFee"
  | "refund"
  | "refundLineItem"
  | "refundShippingLine"
  | "orderAdjustment"
  | "adjustmentGroup"
  | "bulkOperation";

// Ids in the ranges Shopify hands out today, so that they look (and overflow 32-bit integers) like real ones.
const FIRST_IDS: Record<IdKind, number> = {
  shop: 68_000_000_001,
  location: 71_000_000_001,
  product: 9_100_000_000_001,
  variant: 47_000_000_000_001,
  inventoryItem: 49_000_000_000_001,
  customer: 7_800_000_000_001,
  order: 6_100_000_000_001,
  lineItem: 15_200_000_000_001,
  shippingLine: 5_100_000_000_001,
  transaction: 7_400_000_000_001,
  transactionFee: 4_600_000_001,
  refund: 960_000_000_001,
  refundLineItem: 570_000_000_001,
  refundShippingLine: 88_000_000_001,
  orderAdjustment: 290_000_000_001,
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
      orders: new Map(),
      nextOrderNumber: 1001,
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

  /** The shop's customer with this email (case-insensitive), added with a name taken from the address if there is none. */
  customerByEmail(shop: ShopRecord, email: string): CustomerRecord {
    const existing = shop.customers.find((customer) => customer.email.toLowerCase() === email.toLowerCase());
    if (existing) return existing;
    const [first = "", last = ""] = email.split("@")[0]!.split(/[._-]+/);
    const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
    return this.addCustomer(shop, { firstName: capitalized(first), lastName: capitalized(last), email, phone: null, orderCount: 0 });
  }

  /** Records a new order under the shop's next order number, and on its customer. */
  addOrder(shop: ShopRecord, fields: Omit<OrderRecord, "id" | "number" | "name">): OrderRecord {
    const number = shop.nextOrderNumber++;
    const order: OrderRecord = { id: this.nextId("order"), number, name: `#${number}`, ...fields };
    shop.orders.set(order.id, order);
    if (order.customerId !== null) shop.customers.find((customer) => customer.id === order.customerId)?.orderIds.push(order.id);
    return order;
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

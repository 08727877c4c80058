import type { Address, NewShop, Quantities, ShopRecord, ShopifyStore } from "./store";

export const DEMO_SHOP = "tillbridge-demo.myshopify.com";

export type SeedKind = "demo" | "empty" | "catalog";

/** A generated catalog for benchmarks (seed "catalog"): see catalogSku and README "Data" for the rule. */
export interface CatalogOptions {
  /** How many variants, each with its own SKU; default 1000. */
  variants?: number;
  /** Default "SKU-". */
  skuPrefix?: string;
  /** How many locations, each stocking every variant; default 2. */
  locations?: number;
  /** Variants per product; default 1 (each product has Shopify's single "Default Title" variant). */
  variantsPerProduct?: number;
  /** The same available at every level, instead of the rule's varied stock. */
  available?: number;
}

export const CATALOG_DEFAULTS = { variants: 1000, skuPrefix: "SKU-", locations: 2, variantsPerProduct: 1 } as const;

/**
 * The SKU of the n-th variant (from 1) of a generated catalog: the prefix and n with at least five digits
 * (SKU-00001 … SKU-99999, SKU-100000). A Square catalog generated with the same rule has the same SKUs.
 */
export function catalogSku(n: number, prefix: string = CATALOG_DEFAULTS.skuPrefix): string {
  return `${prefix}${String(n).padStart(5, "0")}`;
}

/** The n-th variant's barcode: an EAN-13 in the 200 range (for in-store numbering), n in nine digits, its check digit. */
export function catalogBarcode(n: number): string {
  const digits = `200${String(n).padStart(9, "0")}`;
  const sum = [...digits].reduce((total, digit, index) => total + Number(digit) * (index % 2 === 0 ? 1 : 3), 0);
  return `${digits}${(10 - (sum % 10)) % 10}`;
}

/** The n-th variant's available at the location of that index (from 0), unless the options fix one. */
export function catalogAvailable(n: number, locationIndex: number): number {
  return (n * 7 + locationIndex * 13) % 50;
}

const MAIN_STREET: Address = {
  address1: "120 Main Street",
  address2: null,
  city: "Hudson",
  province: "New York",
  provinceCode: "NY",
  zip: "12534",
  country: "United States",
  countryCode: "US",
  phone: "+15185550120",
};

const WAREHOUSE: Address = {
  ...MAIN_STREET,
  address1: "45 Industrial Way",
  city: "Albany",
  zip: "12205",
  phone: null,
};

/** A fixed day in early 2026, so ids, timestamps and `updated_at:` searches are the same on every run. */
function seedDate(dayOffset: number): Date {
  return new Date(Date.UTC(2026, 0, 15 + dayOffset, 14, 0, 0));
}

interface CatalogVariant {
  options?: string[];
  sku: string;
  barcode?: string;
  price: string;
  cost?: string;
  /** Main Street Store, then Warehouse; omitted = not stocked there. */
  main?: Partial<Quantities>;
  warehouse?: Partial<Quantities>;
  tracked?: boolean;
  requiresShipping?: boolean;
}

interface CatalogProduct {
  title: string;
  productType: string;
  tags: string[];
  options?: string[];
  status?: "ACTIVE" | "DRAFT";
  variants: CatalogVariant[];
}

// Twelve products, 20 variants: multi-option apparel, single-variant items, barcodes on some, one sold-out variant
// with committed units, one oversold (negative available), an untracked service and a draft product.
const CATALOG: CatalogProduct[] = [
  {
    title: "Tillbridge Tee",
    productType: "Apparel",
    tags: ["apparel", "cotton"],
    options: ["Color", "Size"],
    variants: [
      { options: ["Black", "M"], sku: "TB-TEE-BLK-M", barcode: "0850012340011", price: "28.00", cost: "9.50", main: { available: 14, committed: 2 }, warehouse: { available: 40, incoming: 24 } },
      { options: ["Black", "L"], sku: "TB-TEE-BLK-L", barcode: "0850012340028", price: "28.00", cost: "9.50", main: { available: 9, committed: 1 }, warehouse: { available: 32 } },
      { options: ["White", "M"], sku: "TB-TEE-WHT-M", price: "28.00", cost: "9.50", main: { available: 0, committed: 2 }, warehouse: { available: 12 } },
    ],
  },
  {
    title: "Everyday Hoodie",
    productType: "Apparel",
    tags: ["apparel", "fleece"],
    options: ["Color", "Size"],
    variants: [
      { options: ["Black", "M"], sku: "TB-HOOD-BLK-M", barcode: "0850012340035", price: "64.00", cost: "24.00", main: { available: 6 }, warehouse: { available: 18 } },
      { options: ["Black", "L"], sku: "TB-HOOD-BLK-L", price: "64.00", cost: "24.00", main: { available: 4, committed: 1 }, warehouse: { available: 15 } },
      { options: ["Olive", "M"], sku: "TB-HOOD-OLV-M", price: "64.00", cost: "24.00", main: { available: -1, committed: 1 }, warehouse: { available: 7, damaged: 1 } },
    ],
  },
  {
    title: "Wool Beanie",
    productType: "Accessories",
    tags: ["accessories", "winter"],
    options: ["Color"],
    variants: [
      { options: ["Charcoal"], sku: "TB-BEANIE-CHR", price: "24.00", cost: "7.00", main: { available: 11 }, warehouse: { available: 30 } },
      { options: ["Navy"], sku: "TB-BEANIE-NVY", price: "24.00", cost: "7.00", main: { available: 8 }, warehouse: { available: 26 } },
    ],
  },
  {
    title: "Canvas Tote",
    productType: "Accessories",
    tags: ["accessories"],
    variants: [{ sku: "TB-TOTE-NAT", barcode: "0850012340042", price: "22.00", cost: "6.00", main: { available: 20 }, warehouse: { available: 55 } }],
  },
  {
    title: "Enamel Pin",
    productType: "Accessories",
    tags: ["accessories", "gift"],
    variants: [{ sku: "TB-PIN-LOGO", price: "8.00", cost: "1.20", main: { available: 48 }, warehouse: { available: 200 } }],
  },
  {
    title: "Stoneware Mug",
    productType: "Kitchen",
    tags: ["kitchen", "ceramic"],
    options: ["Size"],
    variants: [
      { options: ["12 oz"], sku: "TB-MUG-12OZ", barcode: "0850012340059", price: "18.00", cost: "5.50", main: { available: 16 }, warehouse: { available: 60, reserved: 4 } },
      { options: ["16 oz"], sku: "TB-MUG-16OZ", barcode: "0850012340066", price: "21.00", cost: "6.25", main: { available: 10 }, warehouse: { available: 44 } },
    ],
  },
  {
    title: "Insulated Bottle",
    productType: "Kitchen",
    tags: ["kitchen"],
    variants: [{ sku: "TB-BTL-750-STL", barcode: "0850012340073", price: "32.00", cost: "11.00", main: { available: 7 }, warehouse: { available: 25 } }],
  },
  {
    title: "House Blend Coffee",
    productType: "Coffee",
    tags: ["coffee", "whole-bean"],
    options: ["Size"],
    variants: [
      { options: ["12 oz"], sku: "TB-COF-HSE-12OZ", barcode: "0850012340080", price: "16.00", cost: "5.00", main: { available: 24, committed: 3 }, warehouse: { available: 90 } },
      { options: ["2 lb"], sku: "TB-COF-HSE-2LB", barcode: "0850012340097", price: "38.00", cost: "12.00", main: { available: 5 }, warehouse: { available: 30 } },
    ],
  },
  {
    title: "Espresso Roast",
    productType: "Coffee",
    tags: ["coffee", "whole-bean"],
    options: ["Size"],
    variants: [{ options: ["12 oz"], sku: "TB-COF-ESP-12OZ", barcode: "0850012340103", price: "17.00", cost: "5.40", main: { available: 18 }, warehouse: { available: 64 } }],
  },
  {
    title: "Dot Grid Notebook",
    productType: "Stationery",
    tags: ["stationery"],
    options: ["Size"],
    variants: [
      { options: ["A5"], sku: "TB-NOTE-A5-DOT", price: "12.00", cost: "3.10", main: { available: 22 }, warehouse: { available: 80 } },
      { options: ["A6"], sku: "TB-NOTE-A6-DOT", price: "9.00", cost: "2.40", main: { available: 19 }, warehouse: { available: 75 } },
    ],
  },
  {
    title: "Gift Wrapping",
    productType: "Service",
    tags: ["service"],
    variants: [{ sku: "TB-SVC-WRAP", price: "5.00", tracked: false, requiresShipping: false, main: {} }],
  },
  {
    title: "Holiday Sweater",
    productType: "Apparel",
    tags: ["apparel", "seasonal"],
    options: ["Size"],
    status: "DRAFT",
    variants: [{ options: ["M"], sku: "TB-SWTR-RED-M", price: "78.00", cost: "30.00", warehouse: { available: 0, incoming: 36 } }],
  },
];

const CUSTOMERS = [
  { firstName: "Ava", lastName: "Chen", email: "ava.chen@example.com", phone: "+15185550142", orderCount: 3 },
  { firstName: "Liam", lastName: "Patel", email: "liam.patel@example.com", phone: null, orderCount: 1 },
  { firstName: "Maya", lastName: "Rodriguez", email: "maya.rodriguez@example.com", phone: "+15185550178", orderCount: 0 },
];

/** The shop's name for a domain that has none given: "my-store.myshopify.com" → "My Store". */
export function shopNameFromDomain(domain: string): string {
  return domain
    .replace(/\.myshopify\.com$/, "")
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

function shopFields(domain: string, name: string, currencyCode: string): NewShop {
  const handle = domain.replace(/\.myshopify\.com$/, "");
  return {
    domain,
    name,
    email: `owner@${handle}.example`,
    shopOwnerName: "Dana Whitfield",
    currencyCode,
    ianaTimezone: "America/New_York",
    planDisplayName: "Basic",
    address: MAIN_STREET,
    createdAt: seedDate(-30),
  };
}

function seedCatalog(store: ShopifyStore, shop: ShopRecord, options: CatalogOptions): void {
  const { variants, skuPrefix, locations: locationCount, variantsPerProduct } = { ...CATALOG_DEFAULTS, ...options };
  const names = ["Main Street Store", "Warehouse"];
  const locations = Array.from({ length: locationCount }, (_, index) =>
    store.addLocation(shop, { name: names[index] ?? `Location ${index + 1}`, address: index === 0 ? MAIN_STREET : WAREHOUSE, createdAt: seedDate(-30 + index) }),
  );
  const pad = (n: number) => String(n).padStart(5, "0");
  for (let first = 1, product = 1; first <= variants; first += variantsPerProduct, product++) {
    const count = Math.min(variantsPerProduct, variants - first + 1);
    store.addProduct(shop, {
      title: `Catalog Product ${pad(product)}`,
      vendor: shop.name,
      productType: "Catalog",
      tags: ["catalog"],
      options: variantsPerProduct > 1 ? ["Variant"] : [],
      // One second apart, so that sorting by creation is stable and matches the SKU order.
      createdAt: new Date(seedDate(0).getTime() + product * 1000),
      variants: Array.from({ length: count }, (_, offset) => {
        const n = first + offset;
        const price = 10 + (n % 90);
        return {
          options: variantsPerProduct > 1 ? [`V${offset + 1}`] : [],
          sku: catalogSku(n, skuPrefix),
          barcode: catalogBarcode(n),
          price: price.toFixed(2),
          unitCost: (price * 0.4).toFixed(2),
          levels: Object.fromEntries(locations.map((location, index) => [location.id, { available: options.available ?? catalogAvailable(n, index) }])),
        };
      }),
    });
  }
  for (const customer of CUSTOMERS) store.addCustomer(shop, customer);
}

/**
 * Adds a shop. "demo": two locations, the catalog above with stock at both, three customers. "empty": what a new
 * Shopify store has, one location and nothing else. "catalog": a generated catalog of `catalog.variants` variants
 * (see CatalogOptions), stocked at every location, and the three customers.
 */
export function seedShop(store: ShopifyStore, domain: string, kind: SeedKind, name = shopNameFromDomain(domain), catalog: CatalogOptions = {}, currency = "USD"): ShopRecord {
  const shop = store.addShop(shopFields(domain, name, currency));
  if (kind === "empty") {
    store.addLocation(shop, { name: "Shop location", address: MAIN_STREET, createdAt: seedDate(-30) });
    return shop;
  }
  if (kind === "catalog") {
    seedCatalog(store, shop, catalog);
    return shop;
  }
  const main = store.addLocation(shop, { name: "Main Street Store", address: MAIN_STREET, createdAt: seedDate(-30) });
  const warehouse = store.addLocation(shop, { name: "Warehouse", address: WAREHOUSE, createdAt: seedDate(-29) });
  CATALOG.forEach((product, index) => {
    store.addProduct(shop, {
      title: product.title,
      vendor: name,
      productType: product.productType,
      status: product.status,
      tags: product.tags,
      descriptionHtml: `<p>${product.title} from ${name}.</p>`,
      options: product.options ?? [],
      createdAt: seedDate(index),
      variants: product.variants.map((variant) => ({
        options: variant.options ?? [],
        sku: variant.sku,
        barcode: variant.barcode,
        price: variant.price,
        unitCost: variant.cost,
        tracked: variant.tracked,
        requiresShipping: variant.requiresShipping,
        levels: {
          ...(variant.main && { [main.id]: variant.main }),
          ...(variant.warehouse && { [warehouse.id]: variant.warehouse }),
        },
      })),
    });
  });
  for (const customer of CUSTOMERS) store.addCustomer(shop, customer);
  return shop;
}

/** The store a sandbox starts with: the demo shop, with its catalog, empty, or with a generated catalog. */
export function seedStore(store: ShopifyStore, kind: SeedKind, catalog?: CatalogOptions): void {
  seedShop(store, DEMO_SHOP, kind, "Tillbridge Demo Store", catalog);
}

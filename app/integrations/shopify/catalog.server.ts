import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import type { ShopifyCatalogVariant } from "~/domain/inventory/matching";
import { shopifyAdminRequest, type ShopifyAdminAccount } from "./admin-request.server";

/**
 * Shopify's catalog as inventory matching reads it: every variant of the shop with its inventory item, SKU, barcode
 * and whether Shopify tracks its stock, and the shop's locations. Page by page through the Admin GraphQL, each page
 * one request charged to the shop's shared cost budget, so a large catalog waits for budget instead of draining it.
 */

/** Variants per page: Shopify's largest page. */
export const VARIANT_PAGE_SIZE = 250;
/** Locations per page: shops have a handful; larger pages would only cost budget. */
const LOCATION_PAGE_SIZE = 50;

// Requested costs as Shopify computes them: a connection 2 + first × its node (the variant 1, its inventory item 1;
// a location 1). The shared budget is charged these up front.
const VARIANT_PAGE_COST = 2 + VARIANT_PAGE_SIZE * 2;
const LOCATION_PAGE_COST = 2 + LOCATION_PAGE_SIZE;
const VARIANT_COUNT_COST = 1;
/** What each catalog request is charged against the shop's budget (bench/inventory-scan.ts computes the least time from it). */
export const CATALOG_REQUEST_COSTS = { variantPage: VARIANT_PAGE_COST, locationPage: LOCATION_PAGE_COST, variantCount: VARIANT_COUNT_COST } as const;

export const CATALOG_VARIANTS_QUERY = `#graphql
  query TillbridgeCatalogVariants($first: Int!, $after: String) {
    productVariants(first: $first, after: $after, sortKey: ID) {
      nodes {
        id
        displayName
        sku
        barcode
        inventoryItem { id tracked }
      }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export const CATALOG_VARIANT_COUNT_QUERY = `#graphql
  query TillbridgeCatalogVariantCount {
    productVariantsCount(limit: null) { count precision }
  }`;

export const LOCATIONS_QUERY = `#graphql
  query TillbridgeLocations($first: Int!, $after: String) {
    locations(first: $first, after: $after, includeInactive: true, sortKey: ID) {
      nodes { id name isActive }
      pageInfo { hasNextPage endCursor }
    }
  }`;

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

const variantsResponse = z.object({
  productVariants: z.object({
    nodes: z.array(
      z.object({
        id: z.string().min(1),
        displayName: z.string(),
        sku: z.string().nullable(),
        barcode: z.string().nullable(),
        inventoryItem: z.object({ id: z.string().min(1), tracked: z.boolean() }),
      }),
    ),
    pageInfo,
  }),
});

const variantCountResponse = z.object({ productVariantsCount: z.object({ count: z.number().int().nonnegative(), precision: z.string() }).nullable() });

const locationsResponse = z.object({
  locations: z.object({ nodes: z.array(z.object({ id: z.string().min(1), name: z.string(), isActive: z.boolean() })), pageInfo }),
});

export interface ShopifyLocation {
  id: string;
  name: string;
  isActive: boolean;
}

export interface ShopifyVariantPage {
  variants: ShopifyCatalogVariant[];
  /** Where the next page starts, or null after the last page. */
  nextCursor: string | null;
}

/** "Canvas Tote - Default Title" is the only variant of a product without options: the merchant knows it as "Canvas Tote". */
function variantTitle(displayName: string): string {
  return displayName.replace(/ - Default Title$/, "");
}

/** One page of the shop's variants, in id order, from `after` (null: the first page). */
export async function readShopifyVariantPage(db: PrismaClient, account: ShopifyAdminAccount, after: string | null): Promise<ShopifyVariantPage> {
  const data = await shopifyAdminRequest(db, account, VARIANT_PAGE_COST, CATALOG_VARIANTS_QUERY, { first: VARIANT_PAGE_SIZE, after }, variantsResponse);
  const { nodes, pageInfo } = data.productVariants;
  return {
    variants: nodes.map((node) => ({
      inventoryItemId: node.inventoryItem.id,
      variantId: node.id,
      sku: node.sku,
      barcode: node.barcode,
      title: variantTitle(node.displayName),
      tracked: node.inventoryItem.tracked,
    })),
    // A last page with an end cursor still ends the reading: Shopify says there is nothing after it.
    nextCursor: pageInfo.hasNextPage ? pageInfo.endCursor : null,
  };
}

/**
 * Every variant of the shop, from `after` on (a reading interrupted after a page resumes from its `nextCursor`).
 * `onPage` sees each page as soon as it is read, so a caller can keep what was read when a later page fails.
 */
export async function readShopifyVariants(
  db: PrismaClient,
  account: ShopifyAdminAccount,
  options: { after?: string | null; onPage?: (page: ShopifyVariantPage) => void | Promise<void> } = {},
): Promise<ShopifyCatalogVariant[]> {
  const variants: ShopifyCatalogVariant[] = [];
  let after = options.after ?? null;
  do {
    const page = await readShopifyVariantPage(db, account, after);
    variants.push(...page.variants);
    await options.onPage?.(page);
    after = page.nextCursor;
  } while (after !== null);
  return variants;
}

/** How many variants the shop has, or null when Shopify gives only a lower bound. For progress, not for logic. */
export async function countShopifyVariants(db: PrismaClient, account: ShopifyAdminAccount): Promise<number | null> {
  const data = await shopifyAdminRequest(db, account, VARIANT_COUNT_COST, CATALOG_VARIANT_COUNT_QUERY, {}, variantCountResponse);
  const counted = data.productVariantsCount;
  return counted && counted.precision === "EXACT" ? counted.count : null;
}

/** The shop's locations, active or not, in id order. */
export async function readShopifyLocations(db: PrismaClient, account: ShopifyAdminAccount): Promise<ShopifyLocation[]> {
  const locations: ShopifyLocation[] = [];
  let after: string | null = null;
  do {
    const data: z.output<typeof locationsResponse> = await shopifyAdminRequest(db, account, LOCATION_PAGE_COST, LOCATIONS_QUERY, { first: LOCATION_PAGE_SIZE, after }, locationsResponse);
    locations.push(...data.locations.nodes);
    after = data.locations.pageInfo.hasNextPage ? data.locations.pageInfo.endCursor : null;
  } while (after !== null);
  return locations;
}

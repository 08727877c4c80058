import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { RecordValidationError, TransientError } from "~/jobs/errors";
import { shopifyAdminRequest, type ShopifyAdminAccount } from "./admin-request.server";

/**
 * Shopify's side of inventory sync: read a level's `available` quantity and adjust it relatively with
 * `inventoryAdjustQuantities`, guarded by `changeFromQuantity` (the count the change was computed from) and made
 * idempotent with `@idempotent(key:)`. Every call goes through the shop's shared cost budget.
 */

export const READ_AVAILABLE_QUERY = `#graphql
  query TillbridgeReadAvailable($item: ID!, $location: ID!) {
    inventoryItem(id: $item) {
      id
      inventoryLevel(locationId: $location) {
        quantities(names: ["available"]) { name quantity }
      }
    }
  }`;

export const ADJUST_AVAILABLE_MUTATION = `#graphql
  mutation TillbridgeAdjustAvailable($input: InventoryAdjustQuantitiesInput!, $key: String!) {
    inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
      inventoryAdjustmentGroup {
        id
        changes(quantityNames: ["available"]) { name delta quantityAfterChange }
      }
      userErrors { field message code }
    }
  }`;

// Requested costs as Shopify computes them (objects 1, mutation 10): what the shared budget is charged up front.
const READ_COST = 3;
const ADJUST_COST = 10;

const readAvailableResponse = z.object({
  inventoryItem: z
    .object({
      inventoryLevel: z.object({ quantities: z.array(z.object({ name: z.string(), quantity: z.number().int() })) }).nullable(),
    })
    .nullable(),
});

const adjustAvailableResponse = z.object({
  inventoryAdjustQuantities: z.object({
    inventoryAdjustmentGroup: z.object({ id: z.string(), changes: z.array(z.object({ name: z.string(), delta: z.number().int(), quantityAfterChange: z.number().int().nullable() })) }).nullable(),
    userErrors: z.array(z.object({ field: z.array(z.string()).nullable().optional(), message: z.string(), code: z.string().nullable().optional() })),
  }),
});

/** The shop whose stock is read and written, and the tenant it belongs to. */
export type ShopifyInventoryAccount = ShopifyAdminAccount;

/** The level's `available` count, or null when the item is not stocked at that location. */
export async function readShopifyAvailable(db: PrismaClient, account: ShopifyInventoryAccount, level: { inventoryItemId: string; locationId: string }): Promise<number | null> {
  const data = await shopifyAdminRequest(db, account, READ_COST, READ_AVAILABLE_QUERY, { item: level.inventoryItemId, location: level.locationId }, readAvailableResponse);
  return data.inventoryItem?.inventoryLevel?.quantities.find((quantity) => quantity.name === "available")?.quantity ?? null;
}

export type ShopifyAdjustOutcome = { applied: true; availableAfter: number | null } | { applied: false; reason: "stale" };

/**
 * Adds `delta` to the level's `available`, only if it still holds `changeFromQuantity`. A stale count means a
 * change happened on Shopify since it was read: nothing is applied, and the caller reads again. Sent again with
 * the same key and input (after a crash or a lost answer), Shopify answers the first outcome without applying twice.
 */
export async function adjustShopifyAvailable(
  db: PrismaClient,
  account: ShopifyInventoryAccount,
  change: { inventoryItemId: string; locationId: string; delta: number; changeFromQuantity: number; idempotencyKey: string; referenceDocumentUri: string; sku: string },
): Promise<ShopifyAdjustOutcome> {
  const input = {
    name: "available",
    reason: "correction",
    referenceDocumentUri: change.referenceDocumentUri,
    changes: [{ inventoryItemId: change.inventoryItemId, locationId: change.locationId, delta: change.delta, changeFromQuantity: change.changeFromQuantity }],
  };
  const data = await shopifyAdminRequest(db, account, ADJUST_COST, ADJUST_AVAILABLE_MUTATION, { input, key: change.idempotencyKey }, adjustAvailableResponse);
  const { inventoryAdjustmentGroup, userErrors } = data.inventoryAdjustQuantities;
  if (userErrors.some((userError) => userError.code === "CHANGE_FROM_QUANTITY_STALE")) return { applied: false, reason: "stale" };
  if (userErrors.some((userError) => userError.code === "IDEMPOTENCY_CONCURRENT_REQUEST")) throw new TransientError("Shopify is still applying an earlier attempt of this change");
  if (userErrors.length > 0 || !inventoryAdjustmentGroup) {
    throw new RecordValidationError({
      tenantId: account.tenantId,
      key: `shopify-inventory:${change.inventoryItemId}:${change.locationId}`,
      code: userErrors[0]?.code ?? "SHOPIFY_INVENTORY_REFUSED",
      message: `Shopify would not change the stock of ${change.sku}: ${userErrors.map((userError) => userError.message).join("; ") || "no reason given"}. Check that the item tracks inventory at this location, then press Retry.`,
      entityType: "inventory_level",
      entityRef: change.sku,
    });
  }
  return { applied: true, availableAfter: inventoryAdjustmentGroup.changes.find((entry) => entry.name === "available")?.quantityAfterChange ?? null };
}

export const READ_AVAILABLE_MANY_QUERY = `#graphql
  query TillbridgeReadAvailableMany($ids: [ID!]!, $location: ID!) {
    nodes(ids: $ids) {
      ... on InventoryItem {
        id
        inventoryLevel(locationId: $location) {
          quantities(names: ["available"]) { name quantity }
        }
      }
    }
  }`;

/** Inventory items per request: 100 × 3 points stays well inside a Standard shop's 1,000-point single-query limit. */
export const READ_MANY_PAGE_SIZE = 100;

const readAvailableManyResponse = z.object({
  nodes: z.array(
    z
      .object({
        id: z.string().optional(),
        inventoryLevel: z.object({ quantities: z.array(z.object({ name: z.string(), quantity: z.number().int() })) }).nullable().optional(),
      })
      .nullable(),
  ),
});

/**
 * The `available` counts of many inventory items at one location, READ_MANY_PAGE_SIZE per request (a first
 * alignment reads thousands). Null for an item not stocked at the location.
 */
export async function readShopifyAvailableAt(db: PrismaClient, account: ShopifyInventoryAccount, input: { inventoryItemIds: readonly string[]; locationId: string }): Promise<Map<string, number | null>> {
  const counts = new Map<string, number | null>();
  for (let start = 0; start < input.inventoryItemIds.length; start += READ_MANY_PAGE_SIZE) {
    const ids = input.inventoryItemIds.slice(start, start + READ_MANY_PAGE_SIZE);
    // nodes(ids:) is charged per id: the item, its level and the level's quantities.
    const data = await shopifyAdminRequest(db, account, ids.length * READ_COST, READ_AVAILABLE_MANY_QUERY, { ids, location: input.locationId }, readAvailableManyResponse);
    ids.forEach((id, index) => {
      const level = data.nodes[index]?.inventoryLevel;
      counts.set(id, level?.quantities.find((quantity) => quantity.name === "available")?.quantity ?? null);
    });
  }
  return counts;
}

import { GraphqlQueryError, HttpRequestError, HttpResponseError } from "@shopify/shopify-api";
import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { ConnectionAuthorizationError, RateLimitedError, RecordValidationError, TransientError } from "~/jobs/errors";
import { recordShopifyThrottleStatus } from "~/sync/budgets.server";
import { callVendor } from "~/sync/vendor-calls.server";
import { shopifyApiClient } from "./api-client.server";
import { getFreshOfflineSession, ShopifyReauthorizationRequiredError } from "./offline-token.server";

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

const throttleStatus = z.object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number() });
const costExtension = z.object({ cost: z.object({ throttleStatus }).optional() }).optional();

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

export interface ShopifyInventoryAccount {
  tenantId: string;
  shop: string;
}

async function request<T>(db: PrismaClient, account: ShopifyInventoryAccount, cost: number, query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
  const session = await getFreshOfflineSession(db, account.shop).catch((error: unknown) => {
    if (error instanceof ShopifyReauthorizationRequiredError) throw new ConnectionAuthorizationError(error.message, { tenantId: account.tenantId, provider: "SHOPIFY" });
    throw error;
  });
  const client = new (shopifyApiClient().clients.Graphql)({ session });
  return callVendor(db, { provider: "SHOPIFY", account: account.shop, cost }, async () => {
    try {
      const response = await client.request(query, { variables });
      const status = costExtension.safeParse(response.extensions).data?.cost?.throttleStatus;
      if (status) await recordShopifyThrottleStatus(db, account.shop, status);
      return schema.parse(response.data);
    } catch (error) {
      throw translateShopifyError(error, account);
    }
  });
}

function translateShopifyError(error: unknown, account: ShopifyInventoryAccount): unknown {
  if (error instanceof GraphqlQueryError) {
    // The library's body: { data, errors: { graphQLErrors: [...] }, extensions }.
    const body = error.body as { errors?: { graphQLErrors?: { extensions?: { code?: string } }[] }; extensions?: unknown } | undefined;
    const codes = (body?.errors?.graphQLErrors ?? []).map((entry) => entry.extensions?.code);
    if (codes.includes("THROTTLED")) {
      const status = costExtension.safeParse(body?.extensions).data?.cost?.throttleStatus;
      const waitMs = status ? Math.ceil((ADJUST_COST / Math.max(1, status.restoreRate)) * 1000) : 1_000;
      return new RateLimitedError("Shopify throttled the request (query cost budget)", waitMs, "SHOPIFY");
    }
    return new TransientError(`Shopify answered a GraphQL error: ${error.message}`);
  }
  // No answer at all (a dropped connection, a lost response): the key makes sending again safe.
  if (error instanceof HttpRequestError) return new TransientError(`No answer from Shopify: ${error.message}`);
  if (error instanceof HttpResponseError) {
    const code = error.response.code;
    if (code === 401 || code === 403) return new ConnectionAuthorizationError(`Shopify refused the access token (HTTP ${code})`, { tenantId: account.tenantId, provider: "SHOPIFY" });
    if (code === 429) return new RateLimitedError("Shopify answered 429", 2_000, "SHOPIFY");
    if (code >= 500) return new TransientError(`Shopify answered HTTP ${code}`);
  }
  return error;
}

/** The level's `available` count, or null when the item is not stocked at that location. */
export async function readShopifyAvailable(db: PrismaClient, account: ShopifyInventoryAccount, level: { inventoryItemId: string; locationId: string }): Promise<number | null> {
  const data = await request(db, account, READ_COST, READ_AVAILABLE_QUERY, { item: level.inventoryItemId, location: level.locationId }, readAvailableResponse);
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
  const data = await request(db, account, ADJUST_COST, ADJUST_AVAILABLE_MUTATION, { input, key: change.idempotencyKey }, adjustAvailableResponse);
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

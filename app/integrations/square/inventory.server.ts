import type { SquareClient } from "square";
import { getConfig } from "~/config.server";
import type { PrismaClient } from "~/db.server";
import { ConnectionAuthorizationError, RecordValidationError } from "~/jobs/errors";
import { readConnectionCredentials } from "~/models/connections.server";
import { getKeyRing } from "~/security/key-ring.server";
import { callVendor } from "~/sync/vendor-calls.server";
import { squareCallError } from "./call-errors.server";
import { squareClient, type SquareCredentials } from "./connector.server";

/**
 * Square's side of inventory sync: a variation's IN_STOCK count at a location, and relative changes to it through
 * BatchChangeInventory with a deterministic idempotency key (Square answers a repeated key with the first result
 * and applies nothing). Square has no compare-and-swap: a relative change never overwrites a sale at the register.
 */

export interface SquareInventoryAccount {
  tenantId: string;
  merchantId: string;
  client: SquareClient;
}

/** The tenant's Square client with its stored (encrypted) access token. */
export async function squareInventoryAccount(db: PrismaClient, tenantId: string): Promise<SquareInventoryAccount> {
  const stored = await readConnectionCredentials<SquareCredentials>(db, getKeyRing(getConfig()), tenantId, "SQUARE");
  if (!stored || stored.connection.status !== "ACTIVE") {
    throw new ConnectionAuthorizationError("Square is not connected", { tenantId, provider: "SQUARE" });
  }
  return { tenantId, merchantId: stored.connection.externalId, client: squareClient(stored.credentials.accessToken) };
}

function translateSquareError(error: unknown, account: SquareInventoryAccount, sku: string): unknown {
  return squareCallError(error, account.tenantId, {
    missingPermission: "Square says Tillbridge lacks the inventory permissions; reconnect Square to grant them",
    refused: (refusal, status, codes) =>
      new RecordValidationError({
        tenantId: account.tenantId,
        key: `square-inventory:${sku}`,
        code: codes[0] ?? `SQUARE_${status}`,
        message: `Square would not change the stock of ${sku}: ${refusal.errors.map((entry) => entry.detail ?? entry.code).join("; ") || refusal.message}. Check that the item tracks inventory at this location, then press Retry.`,
        entityType: "inventory_level",
        entityRef: sku,
      }),
  });
}

function wholeUnits(quantity: string | null | undefined, sku: string, tenantId: string): number {
  const value = Number(quantity ?? "0");
  if (!Number.isInteger(value)) {
    throw new RecordValidationError({
      tenantId,
      key: `square-inventory-fraction:${sku}`,
      code: "FRACTIONAL_QUANTITY",
      message: `Square holds a fractional stock count (${quantity}) for ${sku}; Shopify counts whole units. Correct the count in Square, then press Retry.`,
      entityType: "inventory_level",
      entityRef: sku,
    });
  }
  return value;
}

/** The variation's IN_STOCK count at the location (0 when Square has no count for it yet). */
export async function readSquareInStock(db: PrismaClient, account: SquareInventoryAccount, level: { variationId: string; locationId: string; sku: string }): Promise<number> {
  return callVendor(db, { provider: "SQUARE", account: account.merchantId }, async () => {
    try {
      const page = await account.client.inventory.batchGetCounts({ catalogObjectIds: [level.variationId], locationIds: [level.locationId], states: ["IN_STOCK"] });
      const count = page.data.find((entry) => entry.catalogObjectId === level.variationId && entry.locationId === level.locationId && entry.state === "IN_STOCK");
      return wholeUnits(count?.quantity, level.sku, account.tenantId);
    } catch (error) {
      throw translateSquareError(error, account, level.sku);
    }
  });
}

/**
 * Adds `delta` units to the variation's IN_STOCK count: a decrease is recorded as sold (the other channel sold
 * them), an increase as received. Sent again with the same key and body, Square answers the first result.
 */
export async function adjustSquareInStock(
  db: PrismaClient,
  account: SquareInventoryAccount,
  change: { variationId: string; locationId: string; delta: number; idempotencyKey: string; occurredAt: string; sku: string },
): Promise<number | null> {
  const decrease = change.delta < 0;
  return callVendor(db, { provider: "SQUARE", account: account.merchantId }, async () => {
    try {
      const response = await account.client.inventory.batchCreateChanges({
        idempotencyKey: change.idempotencyKey,
        changes: [
          {
            type: "ADJUSTMENT",
            adjustment: {
              fromState: decrease ? "IN_STOCK" : "NONE",
              toState: decrease ? "SOLD" : "IN_STOCK",
              fromLocationId: change.locationId,
              toLocationId: change.locationId,
              catalogObjectId: change.variationId,
              quantity: String(Math.abs(change.delta)),
              occurredAt: change.occurredAt,
            },
          },
        ],
        ignoreUnchangedCounts: false,
      });
      const count = response.counts?.find((entry) => entry.catalogObjectId === change.variationId && entry.locationId === change.locationId && entry.state === "IN_STOCK");
      return count ? wholeUnits(count.quantity, change.sku, account.tenantId) : null;
    } catch (error) {
      throw translateSquareError(error, account, change.sku);
    }
  });
}

/** Square's most catalog object ids per BatchRetrieveInventoryCounts request. */
const COUNTS_BATCH_SIZE = 1_000;

/**
 * The IN_STOCK counts of many variations at some locations (a first alignment reads thousands), keyed
 * `${variationId}|${locationId}`; a variation with no count at a location is 0, as Square shows it.
 */
export async function readSquareInStockAt(db: PrismaClient, account: SquareInventoryAccount, input: { variationIds: readonly string[]; locationIds: readonly string[] }): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let start = 0; start < input.variationIds.length; start += COUNTS_BATCH_SIZE) {
    const ids = input.variationIds.slice(start, start + COUNTS_BATCH_SIZE);
    let page = await callVendor(db, { provider: "SQUARE", account: account.merchantId }, () =>
      account.client.inventory.batchGetCounts({ catalogObjectIds: ids, locationIds: [...input.locationIds], states: ["IN_STOCK"] }).catch((error: unknown) => {
        throw translateSquareError(error, account, ids[0] ?? "");
      }),
    );
    for (;;) {
      for (const count of page.data) {
        if (count.state !== "IN_STOCK" || !count.catalogObjectId || !count.locationId) continue;
        counts.set(`${count.catalogObjectId}|${count.locationId}`, wholeUnits(count.quantity, count.catalogObjectId, account.tenantId));
      }
      if (!page.hasNextPage()) break;
      const current = page;
      // Each further page is a request of its own, paced like any other.
      page = await callVendor(db, { provider: "SQUARE", account: account.merchantId }, () =>
        current.getNextPage().catch((error: unknown) => {
          throw translateSquareError(error, account, ids[0] ?? "");
        }),
      );
    }
  }
  return counts;
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopifySandbox } from "../../../sandbox/shopify/index";
import type { SquareSandbox } from "../../../sandbox/square/index";
import { setUpInventoryMerchant, type InventoryMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// Reconciliation of an inventory sync against the sandboxes, with no webhooks at all (the app has no server
// here): it carries over changes nobody was told about, repairs drift by the sync's conflict rule, and records
// every repair in the run history and the audit log.

const APP_URL = "http://localhost:3000";
let sandboxes: { shopify: ShopifySandbox; square: SquareSandbox; close(): Promise<void> };
let app: InventoryApp;
let producer: import("~/jobs/queue.server").JobQueue;
let merchant: InventoryMerchant;

beforeAll(async () => {
  sandboxes = await startVendorSandboxes(APP_URL, ["shopify", "square"]);
  app = await loadInventoryApp();
  producer = await app.queue.startJobQueue(app.db.getDatabase(), { definitions: [app.schedules.reconcileSyncJob], runWorkers: false });
  // Square holds 3 fewer of each than Shopify when the sync is linked: drift from the start.
  merchant = await setUpInventoryMerchant(app, sandboxes, producer, { shop: "reconcile.myshopify.com", sellerIndex: 0, skuCount: 3, stock: 20, squareStock: 17, appUrl: APP_URL });
}, 120_000);

afterAll(async () => {
  await producer?.stop({ timeoutMs: 2_000 });
  await sandboxes?.close();
});

describe("inventory reconciliation", () => {
  it("is scheduled with the sync, every ten minutes by default", async () => {
    const schedules = await app.db.db().$queryRawUnsafe<{ key: string; cron: string }[]>(`SELECT key, cron FROM pgboss.schedule WHERE name = 'sync.reconcile'`);
    expect(schedules).toContainEqual({ key: merchant.syncId, cron: "*/10 * * * *" });
  });

  it("carries over a change no webhook announced, repairs drift by the conflict rule, and records each repair", async () => {
    const [first, second, third] = merchant.skus as [string, string, string];
    // A stock count in Square's dashboard whose webhook never arrived, and a Shopify sale likewise.
    sandboxes.square.setInStock(merchant.sellerId, { sku: first, locationId: merchant.squareLocationId, inStock: 10, silent: true });
    sandboxes.shopify.setAvailable(merchant.shop, { sku: second }, merchant.shopifyLocationId, 18, { silent: true });

    const result = await app.reconciliation.reconcileInventorySync({ id: merchant.syncId, tenantId: merchant.tenantId });
    expect(result).toEqual({ read: 3, written: 3, skipped: 0, failed: 0, repaired: 3 });

    // The first SKU: Square went from 17 to 10 (-7), carried to Shopify (20 → 13); then the drift of 3 that was
    // there from the start is repaired with Square (the default winner): Shopify 10.
    expect(sandboxes.shopify.available(merchant.shop, first, merchant.shopifyLocationId)).toBe(10);
    expect(sandboxes.square.inStock(merchant.sellerId, first, merchant.squareLocationId)).toBe(10);
    // The second: Shopify's unannounced sale of 2 reaches Square (17 → 15), then Shopify follows Square (18 → 15).
    expect(sandboxes.shopify.available(merchant.shop, second, merchant.shopifyLocationId)).toBe(15);
    expect(sandboxes.square.inStock(merchant.sellerId, second, merchant.squareLocationId)).toBe(15);
    // The third: only the drift.
    expect(sandboxes.shopify.available(merchant.shop, third, merchant.shopifyLocationId)).toBe(17);

    const repairs = await app.db.db().auditLog.findMany({ where: { tenantId: merchant.tenantId, action: "inventory.drift_repaired" }, orderBy: { target: "asc" } });
    expect(repairs.map((entry) => [entry.target, (entry.details as { side: string; from: number; to: number }).side, (entry.details as { from: number }).from, (entry.details as { to: number }).to])).toEqual([
      [first, "shopify", 13, 10],
      [second, "shopify", 18, 15],
      [third, "shopify", 20, 17],
    ]);
    const run = await app.db.db().syncRun.findFirstOrThrow({ where: { tenantId: merchant.tenantId, kind: "inventory.reconcile" }, orderBy: { startedAt: "desc" } });
    expect({ status: run.status, read: run.readCount, written: run.writtenCount, failed: run.failedCount }).toEqual({ status: "SUCCEEDED", read: 3, written: 3, failed: 0 });

    // A second pass finds everything in step and writes nothing.
    expect(await app.reconciliation.reconcileInventorySync({ id: merchant.syncId, tenantId: merchant.tenantId })).toEqual({ read: 3, written: 0, skipped: 0, failed: 0, repaired: 0 });
  });

  it("lets Shopify win when the merchant chose it, and refuses to reconcile a sync for another tenant", async () => {
    const other = await app.db.db().tenant.create({ data: { name: "Someone else", origin: "SQUARE" } });
    const [first] = merchant.skus as [string];
    await app.db.db().sync.update({ where: { id: merchant.syncId }, data: { settings: { direction: "both", conflictWinner: "shopify" } } });
    // Out of step with no change to carry: both counts are what the level last saw, and they differ.
    sandboxes.shopify.setAvailable(merchant.shop, { sku: first }, merchant.shopifyLocationId, 25, { silent: true });
    sandboxes.square.setInStock(merchant.sellerId, { sku: first, locationId: merchant.squareLocationId, inStock: 4, silent: true });
    await app.db.db().inventoryLevelLink.updateMany({ where: { tenantId: merchant.tenantId, sku: first }, data: { shopifyCount: 25, squareCount: 4 } });

    await expect(app.reconciliation.reconcileInventorySync({ id: merchant.syncId, tenantId: other.id })).rejects.toThrow(/does not belong to tenant/);
    expect(sandboxes.square.inStock(merchant.sellerId, first, merchant.squareLocationId)).toBe(4);

    expect(await app.reconciliation.reconcileInventorySync({ id: merchant.syncId, tenantId: merchant.tenantId })).toMatchObject({ written: 1, repaired: 1 });
    expect(sandboxes.shopify.available(merchant.shop, first, merchant.shopifyLocationId)).toBe(25);
    expect(sandboxes.square.inStock(merchant.sellerId, first, merchant.squareLocationId)).toBe(25);
  });

  it("continues a pass that ran out of Shopify budget where it stopped, in the same run", async () => {
    await app.db.db().sync.update({ where: { id: merchant.syncId }, data: { settings: { direction: "both", conflictWinner: "square" } } });
    for (const sku of merchant.skus) sandboxes.square.setInStock(merchant.sellerId, { sku, locationId: merchant.squareLocationId, inStock: 7, silent: true });
    // A bucket of 12 points refilled at 4 a second: a level costs 3 to read and 10 to write.
    sandboxes.shopify.configure({ bucketSize: 12, restoreRatePerSecond: 4 });
    const runsBefore = await app.db.db().syncRun.count({ where: { tenantId: merchant.tenantId, kind: "inventory.reconcile" } });
    let waits = 0;
    let result: Awaited<ReturnType<typeof app.reconciliation.reconcileInventorySync>> | null = null;
    while (!result) {
      try {
        result = await app.reconciliation.reconcileInventorySync({ id: merchant.syncId, tenantId: merchant.tenantId });
      } catch (error) {
        if (!(error instanceof Error) || error.name !== "RateLimitedError") throw error;
        waits += 1;
        // What the job does: wait as told, then run again.
        await new Promise((resolve) => setTimeout(resolve, (error as unknown as { retryAfterMs: number }).retryAfterMs));
      }
      expect(waits).toBeLessThan(50);
    }
    sandboxes.shopify.configure({ bucketSize: 2000, restoreRatePerSecond: 100 });
    // The shared budget learnt the small bucket from Shopify's answers; the next test starts from the default.
    await app.db.db().vendorBudget.deleteMany({ where: { provider: "SHOPIFY", account: merchant.shop } });
    expect(waits).toBeGreaterThan(0);
    // Each level read once in the whole pass, not once per attempt; one run for the pass.
    expect(result).toMatchObject({ read: 3, written: 3, failed: 0 });
    expect(await app.db.db().syncRun.count({ where: { tenantId: merchant.tenantId, kind: "inventory.reconcile" } })).toBe(runsBefore + 1);
    for (const sku of merchant.skus) expect(sandboxes.shopify.available(merchant.shop, sku, merchant.shopifyLocationId)).toBe(7);
    const sync = await app.db.db().sync.findUniqueOrThrow({ where: { id: merchant.syncId } });
    expect(sync.cursors).toEqual({});
  });

  it("pauses when Square revokes access mid-sync, and tells the merchant", async () => {
    const [first] = merchant.skus as [string];
    sandboxes.square.setInStock(merchant.sellerId, { sku: first, locationId: merchant.squareLocationId, inStock: 3, silent: true });
    // The seller removes Tillbridge in Square's dashboard; the webhook saying so has not arrived.
    await sandboxes.square.revoke(merchant.sellerId);
    const shopifyBefore = sandboxes.shopify.available(merchant.shop, first, merchant.shopifyLocationId);

    const outcome = await app.queue.runJob(app.schedules.reconcileSyncJob, { id: crypto.randomUUID(), data: { tenantId: merchant.tenantId, syncId: merchant.syncId }, retryCount: 0 }, producer);
    expect(outcome).toMatchObject({ status: "completed", output: { paused: "SQUARE" } });

    const square = await app.db.db().connection.findUniqueOrThrow({ where: { tenantId_provider: { tenantId: merchant.tenantId, provider: "SQUARE" } } });
    expect(square.status).toBe("NEEDS_REAUTH");
    const issue = await app.db.db().syncIssue.findFirstOrThrow({ where: { tenantId: merchant.tenantId, code: "CONNECTION_NEEDS_REAUTH", status: "OPEN" } });
    expect(issue.message).toMatch(/Square/);
    expect(issue.message).toMatch(/reconnect/i);
    // Nothing was written to Shopify on the strength of a half-read level, and the run says it failed.
    expect(sandboxes.shopify.available(merchant.shop, first, merchant.shopifyLocationId)).toBe(shopifyBefore);
    const run = await app.db.db().syncRun.findFirstOrThrow({ where: { tenantId: merchant.tenantId, kind: "inventory.reconcile" }, orderBy: { startedAt: "desc" } });
    expect(run.status).toBe("FAILED");
  });
});

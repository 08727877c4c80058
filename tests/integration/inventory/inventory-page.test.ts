import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, type ShopifySandbox } from "../../../sandbox/shopify/index";
import type { SquareSandbox } from "../../../sandbox/square/index";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// The Inventory page's scan, as a merchant starts it: a job reads both demo catalogs through the sandboxes (pausing
// and continuing when Shopify's budget runs out) and the page shows its progress, then the matching report.

const APP_URL = "http://localhost:3000";
let sandboxes: { shopify: ShopifySandbox; square: SquareSandbox; close(): Promise<void> };
let app: InventoryApp;
let producer: import("~/jobs/queue.server").JobQueue;
let tenantId: string;

beforeAll(async () => {
  sandboxes = await startVendorSandboxes(APP_URL, ["shopify", "square"]);
  app = await loadInventoryApp();
  producer = await app.queue.startJobQueue(app.db.getDatabase(), { definitions: [app.scanJob.scanInventoryJob], runWorkers: false });
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: sandboxes.square.sellers()[0]!.id, appUrl: APP_URL });
}, 120_000);

afterAll(async () => {
  await producer?.stop({ timeoutMs: 2_000 });
  await sandboxes?.close();
});

async function queuedScanJobs(): Promise<{ id: string; data: { tenantId: string; scanId: string } }[]> {
  return app.db.db().$queryRawUnsafe(`SELECT id, data FROM pgboss.job WHERE name = 'inventory.scan' AND state IN ('created', 'retry') ORDER BY created_on`);
}

describe("the Inventory page's catalog scan", () => {
  it("refuses to scan before both channels are connected, and shows another tenant nothing", async () => {
    const other = await app.db.db().tenant.create({ data: { name: "Only Shopify", origin: "SHOPIFY" } });
    expect(await app.page.performInventoryAction(app.db.db(), producer, { tenantId: other.id, actor: "test" }, { intent: "scan" })).toEqual({ ok: false, message: "Connect both Shopify and Square first, under Connections." });
    expect(await app.page.performInventoryAction(app.db.db(), producer, { tenantId: other.id, actor: "test" }, { intent: "delete-everything" })).toMatchObject({ ok: false });
    expect(await app.page.loadInventoryPage(app.db.db(), other.id)).toEqual({ connected: { shopify: false, square: false }, scan: null, locations: null, settings: null, unalignedPairs: 0, alignment: null, sync: null });
  });

  it("runs as a job that pauses for Shopify's budget, shows its progress, then the matching report", async () => {
    // The shop's shared budget is spent (other work of the shop used it up): the scan has to wait for it.
    await app.db.db().$executeRaw`
      INSERT INTO "VendorBudget" (provider, account, tokens, capacity, "refillPerSecond", "updatedAt")
      VALUES ('SHOPIFY'::"Provider", ${DEMO_SHOP}, 0, 2000, 100, clock_timestamp())
      ON CONFLICT (provider, account) DO UPDATE SET tokens = 0, "updatedAt" = clock_timestamp()`;
    expect(await app.page.performInventoryAction(app.db.db(), producer, { tenantId, actor: "test" }, { intent: "scan" })).toMatchObject({ ok: true });
    // A second press while it runs starts nothing new.
    await app.page.performInventoryAction(app.db.db(), producer, { tenantId, actor: "test" }, { intent: "scan" });
    expect(await app.db.db().inventoryScan.count({ where: { tenantId } })).toBe(1);
    expect((await app.page.loadInventoryPage(app.db.db(), tenantId)).scan).toMatchObject({ status: "RUNNING", phase: "starting" });

    let pauses = 0;
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const [job] = await queuedScanJobs();
      if (!job) break;
      await app.db.db().$executeRawUnsafe(`DELETE FROM pgboss.job WHERE id = $1::uuid`, job.id);
      const outcome = await app.queue.runJob(app.scanJob.scanInventoryJob, { id: job.id, data: job.data, retryCount: 0 }, producer);
      if ((outcome.output as { rescheduled?: string } | undefined)?.rescheduled) {
        pauses += 1;
        const page = await app.page.loadInventoryPage(app.db.db(), tenantId);
        expect(page.scan).toMatchObject({ status: "RUNNING", phase: "waiting-for-budget" });
        await new Promise((resolve) => setTimeout(resolve, (outcome.output as { waitMs: number }).waitMs));
      }
    }
    expect(pauses).toBeGreaterThan(0);

    const page = await app.page.loadInventoryPage(app.db.db(), tenantId);
    expect(page.connected).toEqual({ shopify: true, square: true });
    expect(page.scan).toMatchObject({ status: "DONE", error: null });
    expect(page.scan!.counts).toMatchObject({ shopifyVariants: 20, squareVariations: 13, matched: 7, untracked: 1, unmatchedSquare: 3, duplicateSkusSquare: 1 });
    const sections = Object.fromEntries(page.scan!.sections.map((section) => [section.key, section]));
    expect(sections.matched!.rows.map((row) => row.sku).sort()).toEqual(["TB-COF-ESP-12OZ", "TB-COF-HSE-12OZ", "TB-COF-HSE-2LB", "TB-MUG-12OZ", "TB-MUG-16OZ", "TB-TEE-BLK-L", "TB-TEE-BLK-M"]);
    expect(sections.duplicateSkusSquare!.rows).toEqual([expect.objectContaining({ sku: "TB-TOTE-NAT" })]);
    expect(sections.duplicateSkusSquare!.advice).toMatch(/its own SKU/);
    const stored = await app.db.db().inventoryScan.findFirstOrThrow({ where: { tenantId } });
    expect(stored.checkpoint).toBeNull();
  });
});

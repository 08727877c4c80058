import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopifySandbox } from "../../../sandbox/shopify/index";
import type { SquareSandbox } from "../../../sandbox/square/index";
import { connectInventoryMerchant, generatedSkus, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// Setting up inventory sync as a merchant does on the Inventory page, against both sandboxes over HTTP: scan,
// pair locations, preview every difference (nothing written), confirm (aligned by the rule, a sale made in between
// kept), then change the location pairing while the sync runs.

const APP_URL = "http://localhost:3000";
const SHOP = "alignment-shop.myshopify.com";
const SKUS = generatedSkus(6);
let sandboxes: { shopify: ShopifySandbox; square: SquareSandbox; close(): Promise<void> };
let app: InventoryApp;
let producer: import("~/jobs/queue.server").JobQueue;
let tenantId: string;
let sellerId: string;
let squareLocations: string[];
let shopifyLocations: string[];

const merchant = () => ({ tenantId, actor: "shopify-user:1" });
const act = (form: Record<string, unknown>) => app.page.performInventoryAction(app.db.db(), producer, merchant(), form);
const shopifyAvailable = (sku: string, location = shopifyLocations[0]!) => sandboxes.shopify.available(SHOP, itemId(sku), location.split("/").pop());
function itemId(sku: string): number {
  return Number(sandboxes.shopify.store.itemsWithSku(sandboxes.shopify.store.shop(SHOP)!, sku)[0]!.id);
}

beforeAll(async () => {
  sandboxes = await startVendorSandboxes(APP_URL, ["shopify", "square"]);
  app = await loadInventoryApp();
  producer = await app.queue.startJobQueue(app.db.getDatabase(), { definitions: [app.schedules.reconcileSyncJob, app.scanJob.scanInventoryJob, app.alignment.previewInventoryAlignmentJob, app.alignment.applyInventoryAlignmentJob], runWorkers: false });
  // Shopify holds 10 of each item at both its locations; Square 7 at each of its locations.
  const connected = await connectInventoryMerchant(app, sandboxes, { shop: SHOP, sellerIndex: 1, skuCount: SKUS.length, stock: 10, squareStock: 7, shopifyLocations: 2, appUrl: APP_URL });
  tenantId = connected.tenantId;
  sellerId = connected.seller.id;
  squareLocations = connected.seller.locations.map((location) => location.id);
  expect(await act({ intent: "scan" })).toMatchObject({ ok: true });
  const scan = await app.db.db().inventoryScan.findFirstOrThrow({ where: { tenantId } });
  expect(await app.scanJob.runInventoryScan(app.db.db(), tenantId, scan.id)).toBe("DONE");
  const page = await app.page.loadInventoryPage(app.db.db(), tenantId);
  shopifyLocations = page.locations!.shopify.map((location) => location.id);
}, 120_000);

afterAll(async () => {
  await producer?.stop({ timeoutMs: 2_000 });
  await sandboxes?.close();
});

async function previewNow() {
  expect(await act({ intent: "preview" })).toMatchObject({ ok: true });
  const alignment = await app.db.db().inventoryAlignment.findFirstOrThrow({ where: { tenantId, status: "READING" } });
  expect(await app.alignment.runInventoryPreview(app.db.db(), tenantId, alignment.id)).toBe("READY");
  return alignment.id;
}

async function confirmNow(alignmentId: string) {
  expect(await act({ intent: "confirm", alignmentId })).toMatchObject({ ok: true });
  expect(await app.alignment.applyInventoryAlignment(app.db.db(), tenantId, alignmentId)).toBe("APPLIED");
}

describe("setting up inventory sync", () => {
  it("offers both sides' locations to pair, and refuses a preview before a pair is saved", async () => {
    const page = await app.page.loadInventoryPage(app.db.db(), tenantId);
    expect(page.locations!.shopify).toHaveLength(2);
    expect(page.locations!.square.map((location) => location.id)).toEqual(squareLocations);
    expect(await act({ intent: "preview" })).toEqual({ ok: false, message: "Choose at least one pair of locations to keep in step, and save, first." });
  });

  it("refuses a Square location paired twice, and a buffer that is not a whole number", async () => {
    const twice = await act({ intent: "setup", direction: "both", conflictWinner: "square", [`square:${shopifyLocations[0]}`]: squareLocations[0], [`square:${shopifyLocations[1]}`]: squareLocations[0] });
    expect(twice).toEqual({ ok: false, message: "A Square location can be paired with one Shopify location only" });
    const fraction = await act({ intent: "setup", direction: "both", conflictWinner: "square", [`square:${shopifyLocations[0]}`]: squareLocations[0], [`buffer:${shopifyLocations[0]}`]: "1.5" });
    expect(fraction).toMatchObject({ ok: false, message: expect.stringMatching(/whole number/) });
    expect(await app.db.db().sync.count({ where: { tenantId } })).toBe(0);
  });

  it("previews every difference without writing, then aligns by the rule and keeps a sale made in between", async () => {
    expect(await act({ intent: "setup", direction: "both", conflictWinner: "square", [`square:${shopifyLocations[0]}`]: squareLocations[0], [`square:${shopifyLocations[1]}`]: "" })).toEqual({ ok: true, message: "Saved." });
    const saved = await app.page.loadInventoryPage(app.db.db(), tenantId);
    expect(saved.settings).toMatchObject({ direction: "both", conflictWinner: "square", locations: [{ shopifyLocationId: shopifyLocations[0], squareLocationId: squareLocations[0], buffer: 0 }] });
    expect(saved.sync).toMatchObject({ enabled: false, linkedLevels: 0 });
    expect(saved.unalignedPairs).toBe(1);

    const alignmentId = await previewNow();
    const preview = (await app.page.loadInventoryPage(app.db.db(), tenantId)).alignment!;
    expect(preview).toMatchObject({ status: "READY", summary: { rows: 6, inStep: 0, changeShopify: 6, changeSquare: 0, notStocked: 0 } });
    expect(preview.changes[0]).toMatchObject({ shopify: 10, square: 7, after: { shopify: 7, square: 7 } });
    // Nothing was written by the preview.
    for (const sku of SKUS) expect(shopifyAvailable(sku)).toBe(10);

    // A sale at the register after the preview: the alignment must carry it, not overwrite it.
    sandboxes.square.sell(sellerId, { sku: SKUS[0]!, quantity: 2, locationId: squareLocations[0] });
    // Another tenant cannot confirm this preview.
    const other = await app.db.db().tenant.create({ data: { name: "Someone else", origin: "SHOPIFY" } });
    expect(await app.alignment.confirmInventoryAlignment(app.db.db(), producer, { tenantId: other.id, alignmentId, actor: "x" })).toMatchObject({ ok: false });

    await confirmNow(alignmentId);
    expect(shopifyAvailable(SKUS[0]!)).toBe(5);
    expect(sandboxes.square.inStock(sellerId, SKUS[0]!, squareLocations[0]!)).toBe(5);
    for (const sku of SKUS.slice(1)) {
      expect(shopifyAvailable(sku)).toBe(7);
      expect(sandboxes.square.inStock(sellerId, sku, squareLocations[0]!)).toBe(7);
    }
    // The unpaired Shopify location is untouched.
    for (const sku of SKUS) expect(shopifyAvailable(sku, shopifyLocations[1])).toBe(10);

    const page = await app.page.loadInventoryPage(app.db.db(), tenantId);
    expect(page.sync).toMatchObject({ enabled: true, linkedLevels: 6 });
    expect(page.unalignedPairs).toBe(0);
    expect(page.alignment).toMatchObject({ status: "APPLIED", applied: { written: 6, failed: 0, skipped: 0 } });
    const repairs = await app.db.db().auditLog.findMany({ where: { tenantId, action: "inventory.aligned" } });
    expect(repairs).toHaveLength(6);
    const run = await app.db.db().syncRun.findFirstOrThrow({ where: { tenantId, kind: "inventory.align" } });
    expect(run).toMatchObject({ status: "SUCCEEDED", writtenCount: 6, failedCount: 0 });
    // Confirming the same preview again writes nothing.
    expect(await act({ intent: "confirm", alignmentId })).toMatchObject({ ok: false });
  });

  it("unlinks a location pair changed while syncing, writes nothing more to it, and aligns the new pair with its buffer", async () => {
    const oldLevels = await app.db.db().inventoryLevelLink.findMany({ where: { tenantId } });
    // Shopify's first location now follows Square's second location, holding 2 units back from Shopify.
    const saved = await act({ intent: "setup", direction: "both", conflictWinner: "square", [`square:${shopifyLocations[0]}`]: squareLocations[1], [`buffer:${shopifyLocations[0]}`]: "2" });
    expect(saved).toEqual({ ok: true, message: "Saved. 6 items at locations no longer paired stopped syncing." });
    expect(await app.db.db().inventoryLevelLink.count({ where: { tenantId } })).toBe(0);

    // A propagation queued for an old level before the change finds nothing to do, and a sale at the old Square
    // location no longer reaches Shopify.
    sandboxes.square.sell(sellerId, { sku: SKUS[1]!, quantity: 1, locationId: squareLocations[0] });
    expect(await app.propagation.propagateInventoryLevel(app.db.db(), tenantId, oldLevels[0]!.id)).toEqual({ outcome: "skipped", reason: "no such linked level" });
    expect(shopifyAvailable(SKUS[1]!)).toBe(7);

    const alignmentId = await previewNow();
    const preview = (await app.page.loadInventoryPage(app.db.db(), tenantId)).alignment!;
    // Square's second location holds 7: Shopify is shown 7 − 2 (the first item, sold down to 5, already is).
    expect(preview.summary).toMatchObject({ rows: 6, inStep: 1, changeShopify: 5 });
    expect(preview.changes.find((row) => row.sku === SKUS[1])).toMatchObject({ shopify: 7, square: 7, after: { shopify: 5, square: 7 } });
    await confirmNow(alignmentId);
    for (const sku of SKUS) expect(shopifyAvailable(sku)).toBe(5);

    // Selling a held-back unit changes nothing online; selling past the buffer does.
    sandboxes.square.sell(sellerId, { sku: SKUS[2]!, quantity: 4, locationId: squareLocations[1] });
    const level = await app.db.db().inventoryLevelLink.findFirstOrThrow({ where: { tenantId, sku: SKUS[2]! } });
    await app.propagation.propagateInventoryLevel(app.db.db(), tenantId, level.id);
    expect(shopifyAvailable(SKUS[2]!)).toBe(1);
    sandboxes.square.sell(sellerId, { sku: SKUS[2]!, quantity: 2, locationId: squareLocations[1] });
    expect(await app.propagation.propagateInventoryLevel(app.db.db(), tenantId, level.id)).toMatchObject({ outcome: "propagated", toShopify: -1 });
    expect(shopifyAvailable(SKUS[2]!)).toBe(0);
    expect(sandboxes.square.inStock(sellerId, SKUS[2]!, squareLocations[1]!)).toBe(1);
  });

  it("reads a linked level again when a Shopify order names its SKU", async () => {
    const { recordWebhookEvent } = await import("~/webhooks/inbox.server");
    const { processWebhookEvent } = await import("~/webhooks/processing.server");
    const database = app.db.db();
    // Stored without its processing job: this test processes it by hand.
    await database.$transaction((tx) =>
      recordWebhookEvent(tx, null, {
        provider: "SHOPIFY",
        externalEventId: "order-hint-1",
        topic: "ORDERS_CREATE",
        accountRef: SHOP,
        tenantId,
        payload: { id: 1, line_items: [{ sku: SKUS[3], quantity: 1 }, { sku: "NOT-LINKED", quantity: 2 }, { sku: null, quantity: 1 }] },
      }),
    );
    const event = await database.webhookEvent.findFirstOrThrow({ where: { externalEventId: "order-hint-1" } });
    const sent: { levelLinkId: string }[] = [];
    expect(await processWebhookEvent(database, event.id, async (_job, payload) => {
      sent.push(payload as { levelLinkId: string });
      return null;
    })).toBe("processed");
    const level = await database.inventoryLevelLink.findFirstOrThrow({ where: { tenantId, sku: SKUS[3]! } });
    expect(sent).toEqual([expect.objectContaining({ levelLinkId: level.id })]);
  });
});

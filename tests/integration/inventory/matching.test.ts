import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, type ShopifySandbox } from "../../../sandbox/shopify/index";
import type { SquareSandbox } from "../../../sandbox/square/index";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// Inventory matching against the sandboxes: the demo shop and the demo coffee roasters as seeded (shared SKUs, SKUs
// on one side only, a SKU on two Square variations, untracked services, a variation without SKU), and two generated
// catalogs of 2,000 variants, read page by page through Shopify's cost budget, pausing and resuming as it runs out.

const APP_URL = "http://localhost:3000";
let sandboxes: { shopify: ShopifySandbox; square: SquareSandbox; close(): Promise<void> };
let app: InventoryApp;

/** The shop's owner opens the embedded app, then connects the seller; neither catalog is touched, nothing is linked. */
function connectMerchant(shop: string, sellerId: string): Promise<string> {
  return connectExistingMerchant(app, sandboxes, { shop, sellerId, appUrl: APP_URL });
}

type Progress = [phase: string, done: number, total: number | undefined];

/** What a caller of the scan does: when it pauses for budget, wait as long as it says and resume where it stopped. */
async function scanUntilDone(tenantId: string, options: { caseInsensitiveSkus?: boolean } = {}) {
  const progress: Progress[] = [];
  let resumeFrom: import("~/sync/inventory/matching.server").InventoryScanCheckpoint | undefined;
  for (let pauses = 0; pauses < 50; pauses += 1) {
    try {
      const scan = await app.matching.scanInventoryMatches(app.db.db(), tenantId, { ...options, resumeFrom, onProgress: (phase, done, total) => void progress.push([phase, done, total]) });
      return { scan, progress, pauses };
    } catch (error) {
      if (!(error instanceof app.matching.InventoryScanPausedError)) throw error;
      expect(error.retryAfterMs).toBeGreaterThan(0);
      resumeFrom = error.checkpoint;
      await sleep(error.retryAfterMs);
    }
  }
  throw new Error("the scan kept pausing");
}

function graphqlCalls(shop: string): number {
  return sandboxes.shopify.stats().byShop[shop]?.graphql ?? 0;
}

beforeAll(async () => {
  sandboxes = await startVendorSandboxes(APP_URL, ["shopify", "square"]);
  app = await loadInventoryApp();
}, 120_000);

afterAll(async () => {
  await sandboxes?.close();
});

describe("inventory matching on the demo data", () => {
  it("matches the shared SKUs, lists the one-sided ones, and holds back the SKU on two Square variations", async () => {
    const seller = sandboxes.square.sellers()[0]!;
    expect(seller.id).toBe("MLTB0DEMO0001");
    const tenantId = await connectMerchant(DEMO_SHOP, seller.id);

    const { scan, progress } = await scanUntilDone(tenantId);
    const { report } = scan;

    expect(report.matched.entries.map((pair) => [pair.shopify.sku, pair.square.sku, pair.matchedBy])).toEqual(
      ["TB-COF-ESP-12OZ", "TB-COF-HSE-12OZ", "TB-COF-HSE-2LB", "TB-MUG-12OZ", "TB-MUG-16OZ", "TB-TEE-BLK-L", "TB-TEE-BLK-M"].map((sku) => [sku, sku, "sku"]),
    );
    // Ids as each side gives them: the inventory item a level link needs, and the variation.
    const tee = report.matched.entries.find((pair) => pair.shopify.sku === "TB-TEE-BLK-M")!;
    expect(tee.shopify).toMatchObject({
      variantId: expect.stringMatching(/^gid:\/\/shopify\/ProductVariant\/\d+$/),
      inventoryItemId: expect.stringMatching(/^gid:\/\/shopify\/InventoryItem\/\d+$/),
      barcode: "0850012340011",
      title: "Tillbridge Tee - Black / M",
      tracked: true,
    });
    const squareTee = sandboxes.square.catalog(seller.id).find((entry) => entry.sku === "TB-TEE-BLK-M")!;
    expect(tee.square).toEqual({ variationId: squareTee.variationId, itemId: squareTee.itemId, sku: "TB-TEE-BLK-M", upc: "0850012340011", name: "Tillbridge Tee - Black, M", trackInventory: true });

    // Gift wrapping is on both sides, counted on neither.
    expect(report.untracked.entries.map((pair) => [pair.shopify.sku, pair.square.sku, pair.notTrackedOn])).toEqual([["TB-SVC-WRAP", "TB-SVC-WRAP", ["shopify", "square"]]]);

    // The tote: one Shopify variant, two Square variations (the old market listing). Nothing matches it, not even by
    // the UPC the Tillbridge Tote shares with Shopify's barcode, until the merchant gives each Square variation its own SKU.
    expect(report.duplicateSkusShopify.entries).toEqual([]);
    expect(
      report.duplicateSkusSquare.entries.map((entry) => ({
        sku: entry.sku,
        shopify: entry.shopifyVariants.map((variant) => variant.title),
        square: entry.squareVariations.map((variation) => variation.name).sort(),
      })),
    ).toEqual([{ sku: "TB-TOTE-NAT", shopify: ["Canvas Tote"], square: ["Market Tote (old listing)", "Tillbridge Tote - Natural"] }]);
    expect(report.duplicateSkusSquare.advice).toMatch(/Give each of these Square variations its own SKU/);

    expect(report.unmatchedShopify.entries.map((variant) => variant.sku)).toEqual([
      "TB-BEANIE-CHR",
      "TB-BEANIE-NVY",
      "TB-BTL-750-STL",
      "TB-HOOD-BLK-L",
      "TB-HOOD-BLK-M",
      "TB-HOOD-OLV-M",
      "TB-NOTE-A5-DOT",
      "TB-NOTE-A6-DOT",
      "TB-PIN-LOGO",
      "TB-SWTR-RED-M",
      "TB-TEE-WHT-M",
    ]);
    // The pastry has no SKU (and no UPC): it can match nothing.
    expect(report.unmatchedSquare.entries.map((variation) => [variation.sku, variation.name])).toEqual([
      [null, "Pastry of the Day"],
      ["TB-DRIP-12OZ", "Drip Coffee - 12 oz"],
      ["TB-POUR-KIT", "Pour-Over Kit"],
    ]);
    expect(report.counts).toEqual({
      shopifyVariants: 20,
      squareVariations: 13,
      matched: 7,
      matchedBySku: 7,
      matchedByBarcode: 0,
      untracked: 1,
      unmatchedShopify: 11,
      unmatchedSquare: 3,
      duplicateSkusShopify: 0,
      duplicateSkusSquare: 1,
    });

    expect(scan.locations.shopify.map((location) => [location.name, location.isActive])).toEqual([
      ["Main Street Store", true],
      ["Warehouse", true],
    ]);
    expect(scan.locations.square).toEqual([
      { id: "LTB0COFFEE001", name: "Roastery Cafe" },
      { id: "LTB0COFFEE002", name: "Farmers Market Cart" },
    ]);
    expect(progress).toEqual([
      ["shopify-locations", 2, 2],
      ["shopify-variants", 20, 20],
      ["square-locations", 2, 2],
      ["square-variations", 13, undefined],
      ["matching", 0, 33],
      ["matching", 33, 33],
    ]);
  });

  it("pauses when Shopify throttles, keeping what it read, and resumes where it stopped", async () => {
    const tenantId = (await app.db.db().connection.findUniqueOrThrow({ where: { provider_externalId: { provider: "SHOPIFY", externalId: DEMO_SHOP } } })).tenantId;
    const before = sandboxes.shopify.stats().byShop[DEMO_SHOP]!;
    // The locations are read; Shopify throttles the next request (the variant count).
    const paused = await app.matching
      .scanInventoryMatches(app.db.db(), tenantId, {
        onProgress: (phase) => {
          if (phase === "shopify-locations") sandboxes.shopify.setFaults({ forcedThrottles: 1 });
        },
      })
      .catch((error: unknown) => error)
      .finally(() => sandboxes.shopify.resetFaults());
    expect(paused).toBeInstanceOf(app.matching.InventoryScanPausedError);
    // Still a RateLimitedError: a job letting it through waits and runs again (app/jobs/errors.ts).
    expect(paused).toBeInstanceOf((await import("~/jobs/errors")).RateLimitedError);
    const { checkpoint } = paused as import("~/sync/inventory/matching.server").InventoryScanPausedError;
    expect(checkpoint.shopify.locations?.map((location) => location.name)).toEqual(["Main Street Store", "Warehouse"]);
    expect(checkpoint.shopify).toMatchObject({ variantTotal: undefined, variants: [], done: false });
    const atPause = sandboxes.shopify.stats().byShop[DEMO_SHOP]!;
    expect([atPause.graphql - before.graphql, atPause.graphqlThrottled - before.graphqlThrottled]).toEqual([2, 1]);

    const resumed = await app.matching.scanInventoryMatches(app.db.db(), tenantId, { resumeFrom: checkpoint });
    // Only what was missing is read: the count and the one page of variants, not the locations again.
    expect(graphqlCalls(DEMO_SHOP) - atPause.graphql).toBe(2);
    expect(resumed.report.counts).toMatchObject({ shopifyVariants: 20, squareVariations: 13, matched: 7 });
    expect(resumed.locations.shopify).toHaveLength(2);
  });
});

describe("inventory matching on generated catalogs", () => {
  it("matches 2,000 variants SKU for SKU, page by page within Shopify's cost budget", async () => {
    const shop = "matching-catalog.myshopify.com";
    const seller = sandboxes.square.sellers()[1]!;
    sandboxes.shopify.addShop(shop, { seed: "catalog", catalog: { variants: 2_000, locations: 1 } });
    sandboxes.square.generateCatalog(seller.id, { variants: 2_000 });
    const tenantId = await connectMerchant(shop, seller.id);
    const callsBefore = graphqlCalls(shop);

    const { scan, progress, pauses } = await scanUntilDone(tenantId);

    expect(scan.report.counts).toEqual({
      shopifyVariants: 2_000,
      squareVariations: 2_000,
      matched: 2_000,
      matchedBySku: 2_000,
      matchedByBarcode: 0,
      untracked: 0,
      unmatchedShopify: 0,
      unmatchedSquare: 0,
      duplicateSkusShopify: 0,
      duplicateSkusSquare: 0,
    });
    expect(scan.report.matched.entries[0]!.shopify.sku).toBe("SKU-00001");
    expect(scan.report.matched.entries.at(-1)!.square.sku).toBe("SKU-02000");
    // Eight pages of 250 variants, and a page of locations and the count: more than the bucket's 2,000 points,
    // so the scan ran out of budget at least once and resumed without reading a page twice.
    const calls = graphqlCalls(shop) - callsBefore;
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeGreaterThanOrEqual(10);
    expect(pauses).toBeGreaterThanOrEqual(1);
    const variantProgress = progress.filter(([phase]) => phase === "shopify-variants");
    expect(variantProgress.map(([, done]) => done)).toEqual([250, 500, 750, 1_000, 1_250, 1_500, 1_750, 2_000]);
    expect(variantProgress.every(([, , total]) => total === 2_000)).toBe(true);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateActivity, sharedSkus, type ActivityTarget } from "../../sandbox/activity/generator";
import { DEMO_SHOP, type ShopifySandbox } from "../../sandbox/shopify/index";
import type { SquareSandbox } from "../../sandbox/square/index";
import { startVendorSandboxes } from "../support/vendor-sandboxes";

// The activity generator against the sandboxes over HTTP: sales at a set rate on both channels, of SKUs both sell.

const SELLER = "MLTB0DEMO0002";
let sandboxes: { shopify: ShopifySandbox; square: SquareSandbox; close(): Promise<void> };
let target: ActivityTarget;

beforeAll(async () => {
  sandboxes = await startVendorSandboxes("http://localhost:3000", ["shopify", "square"]);
  const base = new URL(process.env.SANDBOX_URL!);
  target = { shopifyUrl: base.origin, squareUrl: `http://localhost:${Number(base.port) + 2}`, merchantId: SELLER, shop: DEMO_SHOP };
}, 60_000);

afterAll(async () => {
  await sandboxes?.close();
});

describe("the activity generator", () => {
  it("sells only SKUs both channels know", async () => {
    const skus = await sharedSkus(target);
    expect(skus).toContain("TB-NOTE-A5-DOT");
    const squareOnly = sandboxes.square.catalog(SELLER).map((entry) => entry.sku).filter((sku): sku is string => Boolean(sku) && !skus.includes(sku!));
    expect(squareOnly.length).toBeGreaterThan(0);
    for (const sku of squareOnly) expect(skus).not.toContain(sku);
  });

  it("sells at the set rate, alternating channels, and each sale takes stock on its channel", async () => {
    const sku = "TB-NOTE-A5-DOT";
    const squareBefore = sandboxes.square.inStock(SELLER, sku, sandboxes.square.sellers().find((seller) => seller.id === SELLER)!.locations[0]!.id)!;
    const shopifyBefore = sandboxes.shopify.available(DEMO_SHOP, sku)!;
    const started = Date.now();
    const summary = await generateActivity(target, { salesPerMinute: 600, durationMs: 2_000, skus: [sku] });
    const elapsed = Date.now() - started;
    // 600 a minute for 2 s: 20 sales, 10 on each side, paced over about 2 s.
    expect(summary.square.sold + summary.square.refused).toBe(10);
    expect(summary.shopify.sold + summary.shopify.refused).toBe(10);
    expect(elapsed).toBeGreaterThanOrEqual(1_800);
    const location = sandboxes.square.sellers().find((seller) => seller.id === SELLER)!.locations[0]!.id;
    expect(sandboxes.square.inStock(SELLER, sku, location)).toBe(squareBefore - summary.square.sold);
    expect(sandboxes.shopify.available(DEMO_SHOP, sku)).toBe(shopifyBefore - summary.shopify.sold);
  });
});

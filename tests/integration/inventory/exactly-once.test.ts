import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SquareSandbox } from "../../../sandbox/square/index";
import type { ShopifySandbox } from "../../../sandbox/shopify/index";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { setUpInventoryMerchant, type InventoryMerchant, loadInventoryApp, type InventoryApp, waitUntilInventorySettled } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// The sync engine end to end with the vendors misbehaving: two merchants sell on both channels at once while
// both sandboxes answer slowly, fail with 5xx, throttle, lose responses after committing writes, and deliver
// webhooks twice and out of order. Webhooks reach the app's real routes over HTTP; workers process them and
// carry each change across through the real Shopify library and Square SDK. In the end every sale shows once on
// the other channel: both sides hold exactly the starting stock minus every sale on either side.

const SKUS_PER_MERCHANT = 6;
const STARTING_STOCK = 40;
const SALES_PER_MERCHANT = 48;

let webhookServer: AppWebhookServer;
let sandboxes: { shopify: ShopifySandbox; square: SquareSandbox; close(): Promise<void> };
let app: InventoryApp;

const merchants: InventoryMerchant[] = [];

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square"]);
  app = await loadInventoryApp();
  await app.runtime.startRuntime(["worker"]);

  for (const sellerIndex of [0, 1]) {
    const merchant = await setUpInventoryMerchant(app, sandboxes, app.runtime.jobQueue(), {
      shop: `exactly-once-${sellerIndex}.myshopify.com`,
      sellerIndex,
      skuCount: SKUS_PER_MERCHANT,
      stock: STARTING_STOCK,
      appUrl: webhookServer.url,
    });
    merchants.push(merchant);
  }
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("exactly-once inventory propagation under faults", () => {
  it("carries every sale of two merchants to the other channel once: none twice, none missing", async () => {
    const faults = { seed: 7, latencyMs: 5, latencyJitterMs: 20, serverErrorRate: 0.08, lostResponseRate: 0.3, webhooks: { duplicateRate: 0.3, reorder: { batchSize: 4, order: "shuffle" as const, maxHoldMs: 300 } } };
    sandboxes.shopify.setFaults({ ...faults, throttleRate: 0.05 });
    sandboxes.square.setFaults({ ...faults, throttleRate: 0.05 });

    // Sales on both channels, both merchants at once, a few at a time.
    const sold = new Map<string, number>();
    const sales = merchants.flatMap((merchant) =>
      Array.from({ length: SALES_PER_MERCHANT }, (_, n) => ({ merchant, sku: merchant.skus[n % merchant.skus.length]!, channel: n % 2 === 0 ? "shopify" : "square" })),
    );
    for (let start = 0; start < sales.length; start += 6) {
      for (const sale of sales.slice(start, start + 6)) {
        const result =
          sale.channel === "square"
            ? sandboxes.square.sell(sale.merchant.sellerId, { sku: sale.sku, quantity: 1 })
            : sandboxes.shopify.sell(sale.merchant.shop, { sku: sale.sku }, { quantity: 1 });
        expect(result.sold).toBe(true);
        sold.set(`${sale.merchant.tenantId}:${sale.sku}`, (sold.get(`${sale.merchant.tenantId}:${sale.sku}`) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    sandboxes.shopify.setFaults({ serverErrorRate: 0, lostResponseRate: 0, throttleRate: 0 });
    sandboxes.square.setFaults({ serverErrorRate: 0, lostResponseRate: 0, throttleRate: 0 });
    await waitUntilInventorySettled(app, sandboxes, 90_000);

    for (const merchant of merchants) {
      for (const sku of merchant.skus) {
        const expected = STARTING_STOCK - (sold.get(`${merchant.tenantId}:${sku}`) ?? 0);
        expect({ sku, shopify: sandboxes.shopify.available(merchant.shop, sku, merchant.shopifyLocationId) }).toEqual({ sku, shopify: expected });
        expect({ sku, square: sandboxes.square.inStock(merchant.sellerId, sku, merchant.squareLocationId) }).toEqual({ sku, square: expected });
      }
    }
    // The faults really happened, and were survived rather than avoided.
    const shopifyStats = sandboxes.shopify.stats() as unknown as Record<string, number>;
    const squareStats = sandboxes.square.stats() as unknown as Record<string, number>;
    expect((shopifyStats.lostResponses ?? 0) + (squareStats.lostResponses ?? 0)).toBeGreaterThan(0);
    expect((shopifyStats.serverErrors ?? 0) + (squareStats.serverErrors ?? 0)).toBeGreaterThan(0);
    expect((shopifyStats.graphqlThrottled ?? 0) + (squareStats.rateLimited ?? 0)).toBeGreaterThan(0);
    const duplicates = [...sandboxes.shopify.deliveries(), ...sandboxes.square.deliveries()].filter((delivery) => (delivery as { duplicate?: boolean }).duplicate);
    expect(duplicates.length).toBeGreaterThan(0);
    expect(await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } })).toBe(0);
  }, 150_000);
});

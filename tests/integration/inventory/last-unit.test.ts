import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopifySandbox } from "../../../sandbox/shopify/index";
import type { SquareSandbox } from "../../../sandbox/square/index";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { loadInventoryApp, setUpInventoryMerchant, waitUntilInventorySettled, type InventoryApp, type InventoryMerchant } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// The last unit of an item sells in the shop and online at the same moment. Webhooks reach the app's routes over
// HTTP and workers carry each sale across. Neither sale may be lost or overwritten: both channels end at -1, and
// the merchant is told in plain words, once; setting the real count afterwards closes the issue.

let webhookServer: AppWebhookServer;
let sandboxes: { shopify: ShopifySandbox; square: SquareSandbox; close(): Promise<void> };
let app: InventoryApp;
let merchant: InventoryMerchant;

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square"]);
  app = await loadInventoryApp();
  await app.runtime.startRuntime(["worker"]);
  merchant = await setUpInventoryMerchant(app, sandboxes, app.runtime.jobQueue(), { shop: "last-unit.myshopify.com", sellerIndex: 0, skuCount: 2, stock: 1, appUrl: webhookServer.url });
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("the last unit sold on both channels at the same moment", () => {
  it("keeps both sales, shows -1 on both channels, and tells the merchant once", async () => {
    const [sku, other] = merchant.skus as [string, string];
    // Both sales are accepted in the same tick, before either channel's webhook can even be sent: each showed 1.
    const online = sandboxes.shopify.sell(merchant.shop, { sku }, { quantity: 1, locationId: merchant.shopifyLocationId });
    const register = sandboxes.square.sell(merchant.sellerId, { sku, quantity: 1, locationId: merchant.squareLocationId });
    expect(online).toMatchObject({ sold: true });
    expect(register).toMatchObject({ sold: true });
    await expect.poll(() => sandboxes.shopify.available(merchant.shop, sku, merchant.shopifyLocationId), { timeout: 30_000 }).toBe(-1);
    await expect.poll(() => sandboxes.square.inStock(merchant.sellerId, sku, merchant.squareLocationId), { timeout: 30_000 }).toBe(-1);
    await waitUntilInventorySettled(app, sandboxes, 30_000);
    expect(sandboxes.shopify.available(merchant.shop, sku, merchant.shopifyLocationId)).toBe(-1);
    expect(sandboxes.square.inStock(merchant.sellerId, sku, merchant.squareLocationId)).toBe(-1);
    // The other item was not touched.
    expect(sandboxes.shopify.available(merchant.shop, other, merchant.shopifyLocationId)).toBe(1);

    const issues = await app.db.db().syncIssue.findMany({ where: { tenantId: merchant.tenantId, code: "INVENTORY_OVERSOLD", status: "OPEN" } });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(new RegExp(`^${sku} sold 1 more than was in stock`));

    // The merchant counts the shelf (none left) and sets it in Square: carried to Shopify, the issue closes.
    sandboxes.square.setInStock(merchant.sellerId, { sku, locationId: merchant.squareLocationId, inStock: 0 });
    await expect.poll(() => sandboxes.shopify.available(merchant.shop, sku, merchant.shopifyLocationId), { timeout: 30_000 }).toBe(0);
    await waitUntilInventorySettled(app, sandboxes, 30_000);
    expect(await app.db.db().syncIssue.count({ where: { tenantId: merchant.tenantId, code: "INVENTORY_OVERSOLD", status: "OPEN" } })).toBe(0);
  });
});

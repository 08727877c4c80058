import "@shopify/shopify-api/adapters/node";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ApiVersion, LogSeverity, shopifyApi, type Shopify, type WebhookValidation } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../sandbox/shopify/index";
import { waitUntil } from "../support/webhook-receiver";

/**
 * The Shopify sandbox's inventory surface as the app's inventory sync will meet it: sales and stock changes on
 * Shopify's side, and the inventory_levels/update webhooks they send, validated by the real @shopify/shopify-api.
 */

const TOML = `
[access_scopes]
scopes = "read_products,read_locations,read_inventory,write_inventory"

[webhooks]
api_version = "2026-10"

  [[webhooks.subscriptions]]
  topics = ["inventory_levels/update"]
  uri = "/webhooks/shopify/events"
`;

interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  payload: Record<string, unknown>;
  validation: WebhookValidation;
}

let sandbox: ShopifySandbox;
let shopify: Shopify;
let app: http.Server;
let tomlDir: string;
const received: ReceivedWebhook[] = [];

/** The app's webhook route: validates each delivery with the library (HMAC included) and answers 200. */
function startApp(): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    let rawBody = "";
    request.on("data", (chunk) => (rawBody += chunk));
    request.on("end", async () => {
      const validation = await shopify.webhooks.validate({ rawBody, rawRequest: request, rawResponse: response });
      received.push({ headers: request.headers, payload: JSON.parse(rawBody) as Record<string, unknown>, validation });
      response.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function control<T = Record<string, unknown>>(method: "GET" | "POST", route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.url}${route}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The demo shop's ids: an item by SKU, a location by name. */
function itemId(sku: string): string {
  const item = [...sandbox.store.shop(DEMO_SHOP)!.inventoryItems.values()].find((candidate) => candidate.sku === sku)!;
  return `gid://shopify/InventoryItem/${item.id}`;
}
function locationId(name: string, shop = DEMO_SHOP): string {
  const location = [...sandbox.store.shop(shop)!.locations.values()].find((candidate) => candidate.name === name)!;
  return `gid://shopify/Location/${location.id}`;
}

/**
 * The inventory_levels/update deliveries about one SKU (a delivery of an earlier test may still arrive during the
 * next one).
 */
function levelUpdates(sku: string): ReceivedWebhook[] {
  const item = Number(itemId(sku).split("/").at(-1));
  return received.filter((webhook) => webhook.headers["x-shopify-topic"] === "inventory_levels/update" && webhook.payload.inventory_item_id === item);
}

beforeAll(async () => {
  app = await startApp();
  tomlDir = fs.mkdtempSync(path.join(os.tmpdir(), "shopify-sandbox-inventory-"));
  fs.writeFileSync(path.join(tomlDir, "shopify.app.toml"), TOML);
  sandbox = await startShopifySandbox({
    port: 0,
    appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    apiKey: SANDBOX_SHOPIFY_API_KEY,
    apiSecret: SANDBOX_SHOPIFY_API_SECRET,
    appTomlPath: path.join(tomlDir, "shopify.app.toml"),
  });
  shopify = shopifyApi({
    apiKey: SANDBOX_SHOPIFY_API_KEY,
    apiSecretKey: SANDBOX_SHOPIFY_API_SECRET,
    apiVersion: ApiVersion.October26,
    hostName: "127.0.0.1",
    hostScheme: "http",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: () => {} },
  });
  // As the app does in sandbox mode: the library's Shopify requests go to the sandbox.
  setAbstractFetchFunc((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!url.hostname.endsWith(".myshopify.com")) return fetch(input, init);
    return fetch(`${sandbox.url}/store/${url.hostname}${url.pathname}${url.search}`, init);
  });
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise((resolve) => app?.close(resolve));
  fs.rmSync(tomlDir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.resetFaults();
  sandbox.resetStats();
  received.length = 0;
});

describe("sales and stock on Shopify's side", () => {
  it("a sale takes units from available at the primary location and is refused when stock is short", async () => {
    sandbox.setAvailable(DEMO_SHOP, { sku: "TB-COF-ESP-12OZ" }, locationId("Main Street Store"), 3, { silent: true });

    const sold = await control("POST", `/_sandbox/shops/${DEMO_SHOP}/sales`, { sku: "TB-COF-ESP-12OZ", quantity: 2 });
    expect(sold).toMatchObject({ status: 200, body: { sold: true, available: 1 } });
    await waitUntil(() => levelUpdates("TB-COF-ESP-12OZ").length === 1);
    expect(levelUpdates("TB-COF-ESP-12OZ")[0]!.payload).toMatchObject({ available: 1, location_id: Number(locationId("Main Street Store").split("/").at(-1)) });

    const refused = await control("POST", `/_sandbox/shops/${DEMO_SHOP}/sales`, { sku: "TB-COF-ESP-12OZ", quantity: 2 });
    expect(refused).toMatchObject({ status: 409, body: { sold: false, available: 1, error: expect.stringContaining("Only 1") } });
    expect(sandbox.stats()).toMatchObject({ sales: 1, salesRefused: 1 });

    // A variant that keeps selling when out of stock goes negative.
    const item = sandbox.store.shop(DEMO_SHOP)!.inventoryItems.get(Number(itemId("TB-COF-ESP-12OZ").split("/").at(-1)))!;
    sandbox.store.shop(DEMO_SHOP)!.variants.get(item.variantId)!.inventoryPolicy = "CONTINUE";
    expect(sandbox.sell(DEMO_SHOP, { sku: "TB-COF-ESP-12OZ" }, { quantity: 2 })).toMatchObject({ sold: true, available: -1 });
    expect(await control("GET", `/_sandbox/shops/${DEMO_SHOP}/inventory?sku=TB-COF-ESP-12OZ`)).toEqual({ status: 200, body: { available: -1 } });
  });

  it("sets stock through the control API, with or without the webhook", async () => {
    const warehouse = locationId("Warehouse");
    expect(await control("POST", `/_sandbox/shops/${DEMO_SHOP}/inventory`, { sku: "TB-NOTE-A6-DOT", locationId: warehouse, available: 5, silent: true })).toEqual({
      status: 200,
      body: { available: 5 },
    });
    expect(await control("POST", `/_sandbox/shops/${DEMO_SHOP}/inventory`, { sku: "TB-NOTE-A6-DOT", locationId: warehouse, available: 6 })).toMatchObject({ status: 200 });
    await waitUntil(() => levelUpdates("TB-NOTE-A6-DOT").length === 1);
    expect(levelUpdates("TB-NOTE-A6-DOT")[0]!.payload).toMatchObject({ available: 6 });
    expect(sandbox.available(DEMO_SHOP, "TB-NOTE-A6-DOT", warehouse)).toBe(6);
    expect(await control("POST", `/_sandbox/shops/${DEMO_SHOP}/sales`, { sku: "NO-SUCH-SKU", quantity: 1 })).toMatchObject({ status: 404 });
  });
});

import "@shopify/shopify-api/adapters/node";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { GraphqlQueryError, HttpResponseError, RequestedTokenType, Session, type Shopify } from "@shopify/shopify-api";
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callSandboxControl, sandboxShopifyApi, startValidatingWebhookApp, type ValidatedWebhook } from "../support/shopify-sandbox-client";
import { DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../sandbox/shopify/index";

/**
 * The Shopify sandbox driven by the real @shopify/shopify-api, as the app drives it: the library's requests to
 * https://<shop>.myshopify.com go to <sandbox>/store/<shop>, and webhooks arrive at a local "app" that validates
 * them with the library.
 */

const SCOPES = "read_products,read_locations,read_inventory,write_inventory";
const TOML = `
[access_scopes]
scopes = "${SCOPES}"

[webhooks]
api_version = "2026-10"

  [[webhooks.subscriptions]]
  topics = ["app/uninstalled"]
  uri = "/webhooks/shopify/app/uninstalled"

  [[webhooks.subscriptions]]
  compliance_topics = ["customers/data_request", "customers/redact", "shop/redact"]
  uri = "/webhooks/shopify/compliance"
`;

let sandbox: ShopifySandbox;
let shopify: Shopify;
let app: http.Server;
let appUrl: string;
let tomlDir: string;
const received: ValidatedWebhook[] = [];

function control<T = Record<string, unknown>>(method: "GET" | "POST", route: string, body?: unknown) {
  return callSandboxControl<T>(sandbox.url, method, route, body);
}

async function sessionTokenFor(shop: string): Promise<string> {
  return (await control<{ token: string }>("GET", `/_sandbox/shops/${shop}/session-token`)).body.token;
}

async function offlineSession(): Promise<Session> {
  const { session } = await shopify.auth.tokenExchange({
    shop: DEMO_SHOP,
    sessionToken: await sessionTokenFor(DEMO_SHOP),
    requestedTokenType: RequestedTokenType.OfflineAccessToken,
    expiring: true,
  });
  return session;
}

/** Shopify's token endpoint called directly, for answers the library would not let through. */
async function tokenEndpoint(body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sandbox.url}/store/${DEMO_SHOP}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function graphql<T = unknown>(session: Session, query: string, variables?: Record<string, unknown>) {
  return new shopify.clients.Graphql({ session }).request<T>(query, { variables });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  app = await startValidatingWebhookApp(() => shopify, received);
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  tomlDir = fs.mkdtempSync(path.join(os.tmpdir(), "shopify-sandbox-test-"));
  fs.writeFileSync(path.join(tomlDir, "shopify.app.toml"), TOML);
  sandbox = await startShopifySandbox({
    port: 0,
    appUrl,
    apiKey: SANDBOX_SHOPIFY_API_KEY,
    apiSecret: SANDBOX_SHOPIFY_API_SECRET,
    appTomlPath: path.join(tomlDir, "shopify.app.toml"),
  });
  shopify = sandboxShopifyApi(sandbox.url, new URL(appUrl).host);
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise((resolve) => app?.close(resolve));
  fs.rmSync(tomlDir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.resetStats();
  received.length = 0;
});

describe("token exchange", () => {
  it("installs the app and gives an expiring offline session with the toml's scopes", async () => {
    expect((await control<{ shop: string; installed: boolean }[]>("GET", "/_sandbox/shops")).body).toContainEqual(
      expect.objectContaining({ shop: DEMO_SHOP, installed: false }),
    );

    const session = await offlineSession();

    expect(session).toMatchObject({ id: `offline_${DEMO_SHOP}`, shop: DEMO_SHOP, isOnline: false, scope: SCOPES });
    expect(session.accessToken).toMatch(/^shpat_[0-9a-f]{32}$/);
    expect(session.expires!.getTime() - Date.now()).toBeGreaterThan(3590_000);
    expect(session.expires!.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(session.refreshToken).toMatch(/^shprt_/);
    expect(session.refreshTokenExpires!.getTime() - Date.now()).toBeGreaterThan(89 * 24 * 3600_000);
    expect(sandbox.store.shop(DEMO_SHOP)).toMatchObject({ installed: true, scopes: SCOPES.split(",") });
    expect(sandbox.stats()).toMatchObject({ tokenExchange: 1, sessionTokens: 1, byShop: { [DEMO_SHOP]: expect.objectContaining({ tokenExchange: 1 }) } });
  });

  it("gives an online session for the user of the session token", async () => {
    const { session } = await shopify.auth.tokenExchange({
      shop: DEMO_SHOP,
      sessionToken: await sessionTokenFor(DEMO_SHOP),
      requestedTokenType: RequestedTokenType.OnlineAccessToken,
    });

    expect(session.isOnline).toBe(true);
    expect(session.onlineAccessInfo?.associated_user).toMatchObject({ id: 1001, account_owner: true, email: "owner@tillbridge-demo.example" });
    expect(session.expires!.getTime() - Date.now()).toBeGreaterThan(86_000_000);
  });

  it("refuses a session token of another shop as Shopify does (400 invalid_subject_token)", async () => {
    expect((await control("POST", "/_sandbox/shops", { shop: "second-store.myshopify.com", seed: "empty" })).status).toBe(201);
    const foreignToken = await sessionTokenFor("second-store.myshopify.com");

    const error = await rejection(
      shopify.auth.tokenExchange({ shop: DEMO_SHOP, sessionToken: foreignToken, requestedTokenType: RequestedTokenType.OfflineAccessToken, expiring: true }),
    );

    expect(error).toBeInstanceOf(HttpResponseError);
    expect((error as HttpResponseError).response).toMatchObject({ code: 400, body: { error: "invalid_subject_token" } });
    expect(sandbox.stats()).toMatchObject({ tokenExchange: 1, tokenRejected: 1 });
  });

  it("refuses a forged session token and wrong client credentials", async () => {
    const request = {
      client_id: SANDBOX_SHOPIFY_API_KEY,
      client_secret: SANDBOX_SHOPIFY_API_SECRET,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      expiring: "1",
    };
    const forged = (await getJwt(DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, "not-the-secret", { exp: Date.now() / 1000 + 60 })).token;

    expect(await tokenEndpoint({ ...request, subject_token: forged })).toMatchObject({ status: 400, body: { error: "invalid_subject_token" } });
    const valid = await sessionTokenFor(DEMO_SHOP);
    expect(await tokenEndpoint({ ...request, subject_token: valid, client_secret: "wrong" })).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    expect(await tokenEndpoint({ ...request, subject_token: valid, client_id: "someone-else" })).toMatchObject({
      status: 400,
      body: { error: "invalid_request", error_description: "Could not find Shopify API application with api_key someone-else" },
    });
    expect(await tokenEndpoint({ ...request, subject_token: valid })).toMatchObject({ status: 200, body: { scope: SCOPES, expires_in: 3600 } });
  });
});

describe("Admin GraphQL", () => {
  let session: Session;
  beforeAll(async () => {
    session = await offlineSession();
  });

  it("answers the shop, with the query cost in extensions", async () => {
    const response = await graphql(session, `#graphql
      query Shop { shop { name email currencyCode ianaTimezone myshopifyDomain primaryDomain { url host } plan { displayName } } }`);

    expect(response.data).toEqual({
      shop: {
        name: "Tillbridge Demo Store",
        email: "owner@tillbridge-demo.example",
        currencyCode: "USD",
        ianaTimezone: "America/New_York",
        myshopifyDomain: DEMO_SHOP,
        primaryDomain: { url: `https://${DEMO_SHOP}`, host: DEMO_SHOP },
        plan: { displayName: "Basic" },
      },
    });
    expect(response.extensions?.cost).toMatchObject({
      requestedQueryCost: 3,
      actualQueryCost: 3,
      throttleStatus: { maximumAvailable: 2000, restoreRate: 100, currentlyAvailable: expect.any(Number) },
    });
    expect(sandbox.stats().graphql).toBe(1);
  });

  it("finds a variant by SKU with its inventory at both locations", async () => {
    const response = await graphql<{ productVariants: { nodes: Record<string, unknown>[] } }>(
      session,
      `#graphql
      query BySku($query: String!) {
        productVariants(first: 5, query: $query) {
          nodes {
            id sku barcode price product { title }
            inventoryItem { id tracked inventoryLevels(first: 5) { nodes { location { name } quantities(names: ["available", "on_hand", "committed", "incoming"]) { name quantity } } } }
          }
        }
      }`,
      { query: "sku:TB-TEE-BLK-M" },
    );

    const variants = response.data!.productVariants.nodes;
    expect(variants).toHaveLength(1);
    expect(variants[0]).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/ProductVariant\/\d+$/),
      sku: "TB-TEE-BLK-M",
      barcode: "0850012340011",
      price: "28.00",
      product: { title: "Tillbridge Tee" },
      inventoryItem: {
        tracked: true,
        inventoryLevels: {
          nodes: [
            {
              location: { name: "Main Street Store" },
              quantities: [
                { name: "available", quantity: 14 },
                { name: "on_hand", quantity: 16 },
                { name: "committed", quantity: 2 },
                { name: "incoming", quantity: 0 },
              ],
            },
            {
              location: { name: "Warehouse" },
              quantities: [
                { name: "available", quantity: 40 },
                { name: "on_hand", quantity: 40 },
                { name: "committed", quantity: 0 },
                { name: "incoming", quantity: 24 },
              ],
            },
          ],
        },
      },
    });
    // 2 + 5 × (variant + product + item + levels connection (2 + 5 × (level + location + 4 quantities)))
    expect(response.extensions?.cost).toMatchObject({ requestedQueryCost: 2 + 5 * (1 + 1 + 1 + 2 + 5 * (1 + 1 + 4)), actualQueryCost: 2 + 1 + 1 + 1 + 2 + 2 * 6 });
  });

  it("pages through the products with cursors, and node() finds what the list shows", async () => {
    type ProductsPage = { nodes: { title: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    const titles: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const variables: Record<string, unknown> = { after };
      const response = await graphql<{ products: ProductsPage }>(
        session,
        `query Page($after: String) { products(first: 5, after: $after) { nodes { title } pageInfo { hasNextPage endCursor } } }`,
        variables,
      );
      const products: ProductsPage = response.data!.products;
      titles.push(...products.nodes.map((product) => product.title));
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(titles).toHaveLength(12);
    expect(new Set(titles).size).toBe(12);

    const first = await graphql<{ products: { nodes: { id: string; title: string }[] } }>(session, `{ products(first: 1) { nodes { id title } } }`);
    const product = first.data!.products.nodes[0]!;
    const node = await graphql(session, `query Node($id: ID!) { node(id: $id) { ... on Product { title variantsCount { count } } } }`, { id: product.id });
    expect(node.data).toEqual({ node: { title: product.title, variantsCount: { count: 3 } } });
  });

  it("looks up locations, inventory items and levels, and reports unknown search fields as Shopify does", async () => {
    type Location = { id: string; name: string };
    const locations = await graphql<{ location: { name: string }; locations: { nodes: Location[] } }>(
      session,
      "{ location { name } locations(first: 5) { nodes { id name } } }",
    );
    expect(locations.data!.location.name).toBe("Main Street Store");
    expect(locations.data!.locations.nodes.map((location) => location.name)).toEqual(["Main Street Store", "Warehouse"]);
    const warehouse = locations.data!.locations.nodes[1]!.id;

    const items = await graphql(
      session,
      `query Mugs($warehouse: ID!) {
        inventoryItems(first: 5, query: "sku:TB-MUG*") { nodes { sku inventoryLevel(locationId: $warehouse) { quantities(names: ["available", "reserved", "on_hand"]) { name quantity } } } }
        nodes(ids: [$warehouse, "gid://shopify/Product/1"]) { __typename ... on Location { name } }
        products(first: 1, query: "vendor:Tillbridge colour:red") { nodes { title } }
      }`,
      { warehouse },
    );

    expect(items.data).toEqual({
      inventoryItems: {
        nodes: [
          { sku: "TB-MUG-12OZ", inventoryLevel: { quantities: [{ name: "available", quantity: 60 }, { name: "reserved", quantity: 4 }, { name: "on_hand", quantity: 64 }] } },
          { sku: "TB-MUG-16OZ", inventoryLevel: { quantities: [{ name: "available", quantity: 44 }, { name: "reserved", quantity: 0 }, { name: "on_hand", quantity: 44 }] } },
        ],
      },
      nodes: [{ __typename: "Location", name: "Warehouse" }, null],
      products: { nodes: [{ title: "Tillbridge Tee" }] },
    });
    expect(items.extensions?.search).toEqual([
      { path: ["products"], query: "vendor:Tillbridge colour:red", warnings: [{ field: "colour", message: "Invalid search field for this query." }] },
    ]);
  });

  it("fails a missing required argument with Shopify's validation error", async () => {
    const error = await rejection(graphql(session, "{ productVariant { id } }"));

    expect((error as GraphqlQueryError).message).toBe("Field 'productVariant' is missing required arguments: id");
  });

  it("fails a misspelt field with Shopify's validation error", async () => {
    const error = await rejection(graphql(session, `query Shop { shop { nam } }`));

    expect(error).toBeInstanceOf(GraphqlQueryError);
    expect((error as GraphqlQueryError).message).toBe("Field 'nam' doesn't exist on type 'Shop'");
    expect((error as GraphqlQueryError).body?.errors).toMatchObject({
      graphQLErrors: [{ path: ["query Shop", "shop", "nam"], extensions: { code: "undefinedField", typeName: "Shop", fieldName: "nam" } }],
    });
  });

  it("says so when a query reaches what the sandbox does not implement", async () => {
    const error = await rejection(graphql(session, `{ collections(first: 1) { nodes { id } } }`));

    expect((error as GraphqlQueryError).message).toBe("QueryRoot.collections is not implemented in the Tillbridge Shopify sandbox");
  });

  it("answers 401 with Shopify's message for an unknown access token", async () => {
    const forged = new Session({ id: "offline_forged", shop: DEMO_SHOP, state: "", isOnline: false, accessToken: "shpat_00000000000000000000000000000000" });

    const error = await rejection(graphql(forged, "{ shop { name } }"));

    expect((error as HttpResponseError).response.code).toBe(401);
    const raw = await fetch(`${sandbox.url}/store/${DEMO_SHOP}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": "shpat_00000000000000000000000000000000" },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    expect(sandbox.stats().graphqlUnauthorized).toBe(2);
  });
});

describe("refresh", () => {
  it("rotates both tokens; a used refresh token works until its replacement is used", async () => {
    const first = await offlineSession();

    const { session: second } = await shopify.auth.refreshToken({ shop: DEMO_SHOP, refreshToken: first.refreshToken! });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.expires!.getTime() - Date.now()).toBeGreaterThan(3590_000);
    expect((await graphql(second, "{ shop { name } }")).data).toEqual({ shop: { name: "Tillbridge Demo Store" } });

    // Shopify keeps the used token until its replacement is used, so a lost refresh response can be retried.
    const { session: retried } = await shopify.auth.refreshToken({ shop: DEMO_SHOP, refreshToken: first.refreshToken! });
    await shopify.auth.refreshToken({ shop: DEMO_SHOP, refreshToken: retried.refreshToken! });

    for (const used of [first.refreshToken!, second.refreshToken!]) {
      const error = await rejection(shopify.auth.refreshToken({ shop: DEMO_SHOP, refreshToken: used }));
      expect((error as HttpResponseError).response).toMatchObject({
        code: 401,
        body: { error: "invalid_request", error_description: "This request requires an active refresh_token" },
      });
    }
    expect(sandbox.stats()).toMatchObject({ tokenRefresh: 5, tokenRejected: 2 });
  });

  it("expire-tokens makes the access token fail until the app refreshes it", async () => {
    const session = await offlineSession();
    expect((await control("POST", `/_sandbox/shops/${DEMO_SHOP}/expire-tokens`)).body.expired).toBeGreaterThanOrEqual(1);

    expect(((await rejection(graphql(session, "{ shop { name } }"))) as HttpResponseError).response.code).toBe(401);

    const { session: refreshed } = await shopify.auth.refreshToken({ shop: DEMO_SHOP, refreshToken: session.refreshToken! });
    expect((await graphql(refreshed, "{ shop { name } }")).data).toEqual({ shop: { name: "Tillbridge Demo Store" } });
  });

  it("refuses an expired refresh token", async () => {
    await control("POST", "/_sandbox/config", { refreshTokenLifetimeSeconds: 1 });
    try {
      const session = await offlineSession();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const error = await rejection(shopify.auth.refreshToken({ shop: DEMO_SHOP, refreshToken: session.refreshToken! }));
      expect((error as HttpResponseError).response.code).toBe(401);
    } finally {
      await control("POST", "/_sandbox/config", { refreshTokenLifetimeSeconds: 90 * 24 * 3600 });
    }
  });
});

describe("webhooks", () => {
  it("uninstalling revokes the shop's tokens and delivers a signed app/uninstalled", async () => {
    const session = await offlineSession();

    const { body } = await control<{ deliveries: { status: number; topic: string }[] }>("POST", `/_sandbox/shops/${DEMO_SHOP}/uninstall`);

    expect(body.deliveries).toMatchObject([{ topic: "app/uninstalled", status: 200 }]);
    expect(received).toHaveLength(1);
    const [webhook] = received;
    expect(webhook!.path).toBe("/webhooks/shopify/app/uninstalled");
    expect(webhook!.validation).toMatchObject({ valid: true, topic: "APP_UNINSTALLED", domain: DEMO_SHOP, apiVersion: "2026-10" });
    expect(webhook!.validation).toMatchObject({ webhookId: expect.any(String), eventId: expect.any(String), triggeredAt: expect.any(String) });
    expect(webhook!.headers).toMatchObject({ "user-agent": "Shopify-Captain-Hook", "content-type": "application/json" });
    expect(webhook!.payload).toMatchObject({ myshopify_domain: DEMO_SHOP, name: "Tillbridge Demo Store", currency: "USD" });

    expect(((await rejection(graphql(session, "{ shop { name } }"))) as HttpResponseError).response.code).toBe(401);
    expect(((await rejection(shopify.auth.refreshToken({ shop: DEMO_SHOP, refreshToken: session.refreshToken! }))) as HttpResponseError).response.code).toBe(401);
    expect(sandbox.store.shop(DEMO_SHOP)?.installed).toBe(false);

    // Opening the app again installs it again.
    expect((await graphql(await offlineSession(), "{ shop { name } }")).data).toEqual({ shop: { name: "Tillbridge Demo Store" } });
  });

  it("delivers the compliance topics with Shopify's payloads", async () => {
    const customer = sandbox.store.shop(DEMO_SHOP)!.customers[0]!;
    for (const topic of ["customers/data_request", "customers/redact", "shop/redact"]) {
      expect((await control("POST", `/_sandbox/shops/${DEMO_SHOP}/webhooks`, { topic })).status).toBe(200);
    }

    expect(received.map((webhook) => [webhook.path, webhook.validation.valid, (webhook.validation as { topic?: string }).topic])).toEqual([
      ["/webhooks/shopify/compliance", true, "CUSTOMERS_DATA_REQUEST"],
      ["/webhooks/shopify/compliance", true, "CUSTOMERS_REDACT"],
      ["/webhooks/shopify/compliance", true, "SHOP_REDACT"],
    ]);
    const shopId = sandbox.store.shop(DEMO_SHOP)!.id;
    const customerRef = { id: customer.id, email: customer.email, phone: customer.phone };
    expect(received[0]!.payload).toEqual({
      shop_id: shopId,
      shop_domain: DEMO_SHOP,
      orders_requested: customer.orderIds,
      customer: customerRef,
      data_request: { id: expect.any(Number) },
    });
    expect(received[1]!.payload).toEqual({ shop_id: shopId, shop_domain: DEMO_SHOP, customer: customerRef, orders_to_redact: customer.orderIds });
    expect(received[2]!.payload).toEqual({ shop_id: shopId, shop_domain: DEMO_SHOP });
  });

  it("redelivers an event with its event id and a new webhook id, and refuses topics the toml lacks", async () => {
    const { body } = await control<{ deliveries: { id: string; eventId: string }[] }>("POST", `/_sandbox/shops/${DEMO_SHOP}/webhooks`, { topic: "shop/redact" });
    const original = body.deliveries[0]!;

    const redelivered = (await control<{ delivery: { id: string; eventId: string } }>("POST", `/_sandbox/deliveries/${original.id}/redeliver`)).body.delivery;

    expect(redelivered.eventId).toBe(original.eventId);
    expect(redelivered.id).not.toBe(original.id);
    expect(received.map((webhook) => webhook.headers["x-shopify-event-id"])).toEqual([original.eventId, original.eventId]);
    expect(await control("POST", `/_sandbox/shops/${DEMO_SHOP}/webhooks`, { topic: "orders/paid", payload: { id: 1 } })).toMatchObject({ status: 409 });
    expect(sandbox.stats().webhooksDelivered).toBe(2);
  });
});

describe("admin page and App Bridge stand-in", () => {
  it("embeds the app with Shopify's signed query and a fresh session token", async () => {
    sandbox.install();
    const page = await (await fetch(`${sandbox.url}/store/${DEMO_SHOP}/admin`)).text();

    const src = /<iframe id="app-frame"[^>]* src="([^"]+)"/.exec(page)?.[1]?.replace(/&#38;/g, "&");
    expect(src).toBeDefined();
    const url = new URL(src!);
    expect(`${url.origin}${url.pathname}`).toBe(`${appUrl}/app`);
    const query = Object.fromEntries(url.searchParams);
    expect(query).toMatchObject({ embedded: "1", shop: DEMO_SHOP, locale: "en" });
    expect(shopify.utils.sanitizeHost(query.host!)).toBe(query.host);
    expect(Buffer.from(query.host!, "base64").toString()).toBe("admin.shopify.com/store/tillbridge-demo");
    expect(await shopify.utils.validateHmac(query)).toBe(true);
    const claims = await shopify.session.decodeSessionToken(query.id_token!);
    expect(claims).toMatchObject({ iss: `https://${DEMO_SHOP}/admin`, dest: `https://${DEMO_SHOP}`, aud: SANDBOX_SHOPIFY_API_KEY, sub: "1001" });
    expect(claims.exp - claims.nbf).toBe(60);
  });

  it("serves the App Bridge stand-in as a classic script, and session tokens to the app's origin", async () => {
    const response = await fetch(`${sandbox.url}/app-bridge.js`);
    expect(response.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
    const script = await response.text();
    expect(() => new vm.Script(script)).not.toThrow();
    expect(script).toContain("shopify:navigate");

    const fromApp = await fetch(`${sandbox.url}/_sandbox/shops/${DEMO_SHOP}/session-token`, { headers: { Origin: new URL(appUrl).origin } });
    expect(fromApp.headers.get("access-control-allow-origin")).toBe(new URL(appUrl).origin);
    const fromElsewhere = await fetch(`${sandbox.url}/_sandbox/shops/${DEMO_SHOP}/session-token`, { headers: { Origin: "http://elsewhere.example" } });
    expect(fromElsewhere.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("query cost", () => {
  let session: Session;
  beforeAll(async () => {
    session = await offlineSession();
    await control("POST", "/_sandbox/config", { bucketSize: 30, restoreRatePerSecond: 1 });
  });
  afterAll(async () => {
    await control("POST", "/_sandbox/config", { bucketSize: 2000, restoreRatePerSecond: 100 });
  });

  it("refunds what a query did not use, and throttles when the bucket is drained", async () => {
    const wide = await graphql(session, "{ products(first: 20) { nodes { id } } }");
    expect(wide.extensions?.cost).toMatchObject({ requestedQueryCost: 22, actualQueryCost: 14 });
    expect((wide.extensions?.cost as { throttleStatus: { currentlyAvailable: number } }).throttleStatus.currentlyAvailable).toBeLessThanOrEqual(17);

    let succeeded = 0;
    let throttled: GraphqlQueryError | undefined;
    for (let attempt = 0; attempt < 10 && !throttled; attempt++) {
      try {
        await graphql(session, "{ products(first: 5) { nodes { id } } }");
        succeeded++;
      } catch (error) {
        throttled = error as GraphqlQueryError;
      }
    }

    expect(succeeded).toBe(2);
    expect(throttled).toBeInstanceOf(GraphqlQueryError);
    expect(throttled!.body?.errors).toMatchObject({
      graphQLErrors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
    });
    expect(throttled!.body?.extensions).toMatchObject({
      cost: { requestedQueryCost: 7, actualQueryCost: null, throttleStatus: { maximumAvailable: 30, restoreRate: 1 } },
    });
    expect(sandbox.stats().graphqlThrottled).toBe(1);
  });

  it("refuses a query over the single-query limit of 1000", async () => {
    const error = await rejection(graphql(session, "{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }"));

    expect((error as GraphqlQueryError).body?.errors).toMatchObject({ graphQLErrors: [{ extensions: { code: "MAX_COST_EXCEEDED", maxCost: 1000 } }] });
  });
});

import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_API_VERSION, DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../sandbox/shopify/index";
import { startWebhookReceiver, waitUntil, type WebhookReceiver } from "../support/webhook-receiver";

/**
 * The Shopify sandbox's fault switches, seen with plain fetch on Admin GraphQL and the token endpoint (as
 * shopify-api sends them), and a local receiver standing in for the app's webhook route.
 */

const TOML = `
[access_scopes]
scopes = "read_products,read_inventory"

[webhooks]
api_version = "2026-10"

  [[webhooks.subscriptions]]
  topics = ["app/uninstalled", "inventory_levels/update"]
  uri = "/webhooks/shopify"
`;
const SHOP_QUERY = "{ shop { name } }";

let sandbox: ShopifySandbox;
let receiver: WebhookReceiver;
let tomlDir: string;
let accessToken: string;

function tokenRequest(shop: string, body: Record<string, string>): Promise<Response> {
  return fetch(`${sandbox.url}/store/${shop}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ client_id: SANDBOX_SHOPIFY_API_KEY, client_secret: SANDBOX_SHOPIFY_API_SECRET, ...body }),
  });
}

/** Token exchange for an expiring offline token, as shopify-api sends it. */
function tokenExchange(shop: string): Promise<Response> {
  return tokenRequest(shop, {
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: sandbox.sessionToken(shop),
    subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
    requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    expiring: "1",
  });
}

function graphql(query: string, init: { signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${sandbox.url}/store/${DEMO_SHOP}/admin/api/${ADMIN_API_VERSION}/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken },
    body: JSON.stringify({ query }),
    ...init,
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (error: unknown) => error as Error,
  );
}

async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function control(method: "GET" | "POST", route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${sandbox.url}${route}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const levelUpdate = (id: number) => ({ inventory_item_id: id, location_id: 1, available: id, updated_at: "2026-11-01T10:00:00-05:00" });
const itemIds = (requests: { rawBody: string }[]) => requests.map((request) => (JSON.parse(request.rawBody) as { inventory_item_id: number }).inventory_item_id);
const signed = (request: { rawBody: string; headers: Record<string, unknown> }) =>
  request.headers["x-shopify-hmac-sha256"] === createHmac("sha256", SANDBOX_SHOPIFY_API_SECRET).update(request.rawBody).digest("base64");

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  tomlDir = fs.mkdtempSync(path.join(os.tmpdir(), "shopify-sandbox-faults-"));
  fs.writeFileSync(path.join(tomlDir, "shopify.app.toml"), TOML);
  sandbox = await startShopifySandbox({
    port: 0,
    appUrl: receiver.url,
    apiKey: SANDBOX_SHOPIFY_API_KEY,
    apiSecret: SANDBOX_SHOPIFY_API_SECRET,
    appTomlPath: path.join(tomlDir, "shopify.app.toml"),
  });
  accessToken = ((await (await tokenExchange(DEMO_SHOP)).json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
  fs.rmSync(tomlDir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.resetFaults();
  sandbox.resetStats();
  receiver.received.length = 0;
});

describe("Admin API faults", () => {
  it("adds latency to every call", async () => {
    await graphql(SHOP_QUERY);
    const baseline = await elapsed(() => graphql(SHOP_QUERY));
    sandbox.setFaults({ latencyMs: 300 });
    const slow = await elapsed(() => graphql(SHOP_QUERY));
    expect(slow).toBeGreaterThanOrEqual(295);
    expect(slow).toBeGreaterThan(baseline);
  });

  it("answers 5xx on GraphQL and on the token endpoint", async () => {
    sandbox.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 });
    const response = await graphql(SHOP_QUERY);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ errors: "Service Unavailable" });

    sandbox.setFaults({ serverErrorStatus: 500 });
    const token = await tokenExchange(DEMO_SHOP);
    expect(token.status).toBe(500);
    expect(await token.json()).toMatchObject({ error: "server_error" });
    expect(sandbox.stats()).toMatchObject({ serverErrors: 2, graphql: 0, tokenExchange: 0 });
  });

  it("throttles the next N calls as Shopify does: HTTP 200, THROTTLED, an empty bucket; then answers", async () => {
    const switched = await control("POST", "/_sandbox/faults", { forcedThrottles: 2 });
    expect(switched.body).toMatchObject({ forcedThrottles: 2 });
    for (let call = 0; call < 2; call++) {
      const response = await graphql(SHOP_QUERY);
      expect(response.status).toBe(200);
      expect(response.headers.get("retry-after")).toBeNull();
      expect(await response.json()).toEqual({
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: { cost: { requestedQueryCost: 1, actualQueryCost: null, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 0, restoreRate: 100 } } },
      });
    }
    const answered = (await (await graphql(SHOP_QUERY)).json()) as { data: { shop: { name: string } }; extensions: { cost: { throttleStatus: { currentlyAvailable: number } } } };
    expect(answered.data.shop.name).toBe("Tillbridge Demo Store");
    expect(answered.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThan(1900);
    expect(sandbox.stats()).toMatchObject({ graphqlThrottled: 2 });
  });

  it("throttles for a period (throttleRate, throttleForMs)", async () => {
    sandbox.setFaults({ throttleRate: 1, throttleForMs: 1_000 });
    expect(((await (await graphql(SHOP_QUERY)).json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("THROTTLED");
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(((await (await graphql(SHOP_QUERY)).json()) as { data: unknown }).data).toBeTruthy();
  });

  it("accepts a call and never answers it: the client's abort fires", async () => {
    sandbox.setFaults({ timeoutRate: 1 });
    const error = await failure(graphql(SHOP_QUERY, { signal: AbortSignal.timeout(300) }));
    expect(error.name).toBe("TimeoutError");
    expect(sandbox.stats()).toMatchObject({ timeouts: 1 });
  });

  it("loses the answer of a committed token exchange (the app is installed), and of a mutation, not of a query", async () => {
    const shop = "lost-answer.myshopify.com";
    expect((await control("POST", "/_sandbox/shops", { shop, seed: "empty" })).status).toBe(201);
    sandbox.setFaults({ lostResponseRate: 1 });

    const lost = await failure(tokenExchange(shop));
    expect(lost).toBeInstanceOf(TypeError);
    expect(lost.cause).toMatchObject({ code: "UND_ERR_SOCKET" });
    expect((await control("GET", "/_sandbox/shops")).body).toContainEqual({ shop, name: expect.any(String), installed: true, scopes: ["read_products", "read_inventory"] });
    expect(sandbox.stats()).toMatchObject({ tokenExchange: 1, lostResponses: 1 });

    expect(((await (await graphql(SHOP_QUERY)).json()) as { data: unknown }).data).toBeTruthy();
    await failure(graphql('mutation { productDelete(input: { id: "gid://shopify/Product/1" }) { deletedProductId } }'));
    expect(sandbox.stats()).toMatchObject({ lostResponses: 2 });
  });
});

describe("webhook faults", () => {
  it("duplicates a delivery: the same signed request twice, same webhook and event ids", async () => {
    sandbox.setFaults({ webhooks: { duplicateRate: 1 } });
    const [delivery] = await sandbox.deliverWebhook(DEMO_SHOP, "inventory_levels/update", levelUpdate(1));
    const [first, second] = await receiver.waitFor(2);
    expect(receiver.received).toHaveLength(2);
    expect(second!.rawBody).toBe(first!.rawBody);
    expect(signed(first!) && signed(second!)).toBe(true);
    for (const request of [first!, second!]) {
      expect(request.headers).toMatchObject({ "x-shopify-webhook-id": delivery!.id, "x-shopify-event-id": delivery!.eventId, "x-shopify-topic": "inventory_levels/update" });
    }
    // The sandbox logs the copy once the app has answered it, just after the receiver saw it.
    await waitUntil(() => sandbox.deliveries().filter((entry) => entry.id === delivery!.id).length === 2);
    expect(sandbox.deliveries().slice(0, 2).map((entry) => [entry.id, entry.duplicate])).toEqual([
      [delivery!.id, true],
      [delivery!.id, false],
    ]);
  });

  it("delays a delivery", async () => {
    sandbox.setFaults({ webhooks: { delayMs: 250 } });
    const started = performance.now();
    const response = await control("POST", `/_sandbox/shops/${DEMO_SHOP}/webhooks`, { topic: "inventory_levels/update", payload: levelUpdate(2) });
    expect(response.status).toBe(200);
    const [received] = await receiver.waitFor(1);
    expect(received!.receivedAt - started).toBeGreaterThanOrEqual(240);
  });

  it("holds deliveries and sends them reversed, or shuffled the same way for the same seed", async () => {
    sandbox.setFaults({ webhooks: { reorder: { batchSize: 3, order: "reverse" } } });
    await Promise.all([1, 2, 3].map((id) => sandbox.deliverWebhook(DEMO_SHOP, "inventory_levels/update", levelUpdate(id))));
    expect(itemIds(receiver.received)).toEqual([3, 2, 1]);
    expect(receiver.received.every(signed)).toBe(true);

    const orders: number[][] = [];
    for (let run = 0; run < 2; run++) {
      receiver.received.length = 0;
      sandbox.setFaults({ seed: 7, webhooks: { reorder: { batchSize: 6, order: "shuffle" } } });
      await Promise.all([1, 2, 3, 4, 5, 6].map((id) => sandbox.deliverWebhook(DEMO_SHOP, "inventory_levels/update", levelUpdate(id))));
      orders.push(itemIds(receiver.received));
    }
    expect(orders[1]).toEqual(orders[0]);
    expect([...orders[0]!].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("sends held deliveries on flush, through the control API", async () => {
    await control("POST", "/_sandbox/faults", { webhooks: { reorder: { batchSize: 50, maxHoldMs: 60_000 } } });
    const held = Promise.all([10, 11].map((id) => sandbox.deliverWebhook(DEMO_SHOP, "inventory_levels/update", levelUpdate(id))));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received).toHaveLength(0);
    expect((await control("POST", "/_sandbox/faults/flush")).body).toEqual({ flushed: 2 });
    await held;
    expect(itemIds(receiver.received)).toEqual([11, 10]);
  });
});

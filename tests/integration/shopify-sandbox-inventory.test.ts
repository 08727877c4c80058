import "@shopify/shopify-api/adapters/node";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { GraphqlQueryError, RequestedTokenType, Session, type Shopify } from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callSandboxControl, sandboxShopifyApi, startValidatingWebhookApp, type ValidatedWebhook } from "../support/shopify-sandbox-client";
import { catalogSku, DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../sandbox/shopify/index";
import { IDEMPOTENCY_RETENTION_MS, IdempotencyRegistry } from "../../sandbox/shopify/idempotency";
import { waitUntil } from "../support/webhook-receiver";

/**
 * The Shopify sandbox's inventory surface, driven by the real @shopify/shopify-api as the app's inventory sync will
 * drive it: inventoryAdjustQuantities / inventorySetQuantities with changeFromQuantity and @idempotent keys,
 * inventory_levels/update webhooks validated by the library, sales on Shopify's side, the generated catalog and
 * bulk operations.
 */

const TOML = `
[access_scopes]
scopes = "read_products,read_locations,read_inventory,write_inventory"

[webhooks]
api_version = "2026-10"

  [[webhooks.subscriptions]]
  topics = ["inventory_levels/update", "bulk_operations/finish"]
  uri = "/webhooks/shopify/events"
`;

const ADJUST = `#graphql
  mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
    inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
      inventoryAdjustmentGroup { id createdAt reason referenceDocumentUri changes(quantityNames: ["available", "on_hand"]) { name delta quantityAfterChange item { sku } location { name } } }
      userErrors { field message code }
    }
  }`;

const SET = `#graphql
  mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
    inventorySetQuantities(input: $input) @idempotent(key: $key) {
      inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
      userErrors { field message code }
    }
  }`;

interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}
interface AdjustmentGroup {
  id: string;
  createdAt: string;
  reason: string;
  referenceDocumentUri: string | null;
  changes: { name: string; delta: number; quantityAfterChange: number; item?: { sku: string }; location?: { name: string } }[];
}
type AdjustAnswer = { inventoryAdjustQuantities: { inventoryAdjustmentGroup: AdjustmentGroup | null; userErrors: UserError[] } };
type SetAnswer = { inventorySetQuantities: { inventoryAdjustmentGroup: AdjustmentGroup | null; userErrors: UserError[] } };

let sandbox: ShopifySandbox;
let shopify: Shopify;
let app: http.Server;
let tomlDir: string;
let session: Session;
const received: ValidatedWebhook[] = [];

function control<T = Record<string, unknown>>(method: "GET" | "POST", route: string, body?: unknown) {
  return callSandboxControl<T>(sandbox.url, method, route, body);
}

async function offlineSession(shop: string): Promise<Session> {
  const { session: offline } = await shopify.auth.tokenExchange({
    shop,
    sessionToken: sandbox.sessionToken(shop),
    requestedTokenType: RequestedTokenType.OfflineAccessToken,
    expiring: true,
  });
  return offline;
}

async function graphql<T>(query: string, variables?: Record<string, unknown>, options: { session?: Session; signal?: AbortSignal } = {}) {
  return new shopify.clients.Graphql({ session: options.session ?? session }).request<T>(query, { variables, signal: options.signal });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (error: unknown) => error,
  );
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
function levelUpdates(sku: string): ValidatedWebhook[] {
  const item = Number(itemId(sku).split("/").at(-1));
  return received.filter((webhook) => webhook.headers["x-shopify-topic"] === "inventory_levels/update" && webhook.payload.inventory_item_id === item);
}

function adjustInput(changes: { sku: string; location: string; delta: number; changeFromQuantity: number | null }[]) {
  return {
    name: "available",
    reason: "correction",
    referenceDocumentUri: "gid://tillbridge/SyncRun/42",
    changes: changes.map((change) => ({
      inventoryItemId: itemId(change.sku),
      locationId: locationId(change.location),
      delta: change.delta,
      changeFromQuantity: change.changeFromQuantity,
    })),
  };
}

beforeAll(async () => {
  app = await startValidatingWebhookApp(() => shopify, received);
  tomlDir = fs.mkdtempSync(path.join(os.tmpdir(), "shopify-sandbox-inventory-"));
  fs.writeFileSync(path.join(tomlDir, "shopify.app.toml"), TOML);
  sandbox = await startShopifySandbox({
    port: 0,
    appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    apiKey: SANDBOX_SHOPIFY_API_KEY,
    apiSecret: SANDBOX_SHOPIFY_API_SECRET,
    appTomlPath: path.join(tomlDir, "shopify.app.toml"),
    bulkOperationDelayMs: 50,
  });
  shopify = sandboxShopifyApi(sandbox.url, "127.0.0.1");
  session = await offlineSession(DEMO_SHOP);
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

describe("inventoryAdjustQuantities", () => {
  it("applies a change and answers the adjustment group with available and on_hand", async () => {
    const before = sandbox.available(DEMO_SHOP, "TB-TEE-BLK-M", locationId("Main Street Store"))!;

    const answer = await graphql<AdjustAnswer>(ADJUST, {
      input: adjustInput([{ sku: "TB-TEE-BLK-M", location: "Main Street Store", delta: -3, changeFromQuantity: before }]),
      key: randomUUID(),
    });

    const { inventoryAdjustmentGroup: group, userErrors } = answer.data!.inventoryAdjustQuantities;
    expect(userErrors).toEqual([]);
    expect(group).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/InventoryAdjustmentGroup\/\d+$/),
      reason: "correction",
      referenceDocumentUri: "gid://tillbridge/SyncRun/42",
      changes: [
        // on_hand also counts the 2 committed units.
        { name: "available", delta: -3, quantityAfterChange: before - 3, item: { sku: "TB-TEE-BLK-M" }, location: { name: "Main Street Store" } },
        { name: "on_hand", delta: -3, quantityAfterChange: before - 3 + 2, item: { sku: "TB-TEE-BLK-M" }, location: { name: "Main Street Store" } },
      ],
    });
    expect(sandbox.available(DEMO_SHOP, "TB-TEE-BLK-M", locationId("Main Street Store"))).toBe(before - 3);
    expect(answer.extensions?.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });

    const node = await graphql<{ node: { reason: string } }>(`query Group($id: ID!) { node(id: $id) { ... on InventoryAdjustmentGroup { reason } } }`, { id: group!.id });
    expect(node.data).toEqual({ node: { reason: "correction" } });
  });

  it("refuses a stale changeFromQuantity and applies none of the call's changes", async () => {
    const tote = sandbox.available(DEMO_SHOP, "TB-TOTE-NAT", locationId("Main Street Store"))!;
    const pin = sandbox.available(DEMO_SHOP, "TB-PIN-LOGO", locationId("Main Street Store"))!;

    const answer = await graphql<AdjustAnswer>(ADJUST, {
      input: adjustInput([
        { sku: "TB-TOTE-NAT", location: "Main Street Store", delta: 5, changeFromQuantity: tote },
        { sku: "TB-PIN-LOGO", location: "Main Street Store", delta: 5, changeFromQuantity: pin + 1 },
      ]),
      key: randomUUID(),
    });

    expect(answer.data!.inventoryAdjustQuantities).toEqual({
      inventoryAdjustmentGroup: null,
      userErrors: [
        { field: ["input", "changes", "1", "changeFromQuantity"], message: "The changeFromQuantity argument no longer matches the persisted quantity.", code: "CHANGE_FROM_QUANTITY_STALE" },
      ],
    });
    expect(sandbox.available(DEMO_SHOP, "TB-TOTE-NAT", locationId("Main Street Store"))).toBe(tote);
    expect(sandbox.available(DEMO_SHOP, "TB-PIN-LOGO", locationId("Main Street Store"))).toBe(pin);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([...levelUpdates("TB-TOTE-NAT"), ...levelUpdates("TB-PIN-LOGO")]).toHaveLength(0);
  });

  it("answers the schema's user error codes for unknown items and locations, a bad reason and a missing ledger document", async () => {
    const answer = await graphql<AdjustAnswer>(ADJUST, {
      input: {
        name: "damaged",
        reason: "lost-in-transit",
        changes: [
          { inventoryItemId: "gid://shopify/InventoryItem/1", locationId: locationId("Warehouse"), delta: 1, changeFromQuantity: null },
          { inventoryItemId: itemId("TB-MUG-12OZ"), locationId: "gid://shopify/Location/1", delta: 1, changeFromQuantity: null },
        ],
      },
      key: randomUUID(),
    });

    expect(answer.data!.inventoryAdjustQuantities.userErrors.map((error) => [error.code, error.field?.join(".")])).toEqual([
      ["INVALID_REASON", "input.reason"],
      ["INVALID_QUANTITY_DOCUMENT", "input.changes.0.ledgerDocumentUri"],
      ["INVALID_INVENTORY_ITEM", "input.changes.0.inventoryItemId"],
      ["INVALID_QUANTITY_DOCUMENT", "input.changes.1.ledgerDocumentUri"],
      ["INVALID_LOCATION", "input.changes.1.locationId"],
    ]);
  });

  it("requires the @idempotent directive and an explicit changeFromQuantity, as Shopify does since 2026-04", async () => {
    const withoutKey = `mutation Adjust($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) { userErrors { code } } }`;
    const input = adjustInput([{ sku: "TB-TOTE-NAT", location: "Warehouse", delta: 1, changeFromQuantity: null }]);

    const missingKey = (await rejection(graphql(withoutKey, { input }))) as GraphqlQueryError;
    expect(missingKey.message).toBe("The @idempotent directive is required for this mutation but was not provided.");
    expect(missingKey.body?.errors).toMatchObject({ graphQLErrors: [{ extensions: { code: "BAD_REQUEST" }, path: ["inventoryAdjustQuantities"] }] });

    const { changeFromQuantity: _omitted, ...change } = input.changes[0]!;
    const missingCas = (await rejection(graphql(ADJUST, { input: { ...input, changes: [change] }, key: randomUUID() }))) as GraphqlQueryError;
    expect(missingCas.message).toBe("InventoryChangeInput must include the following argument: changeFromQuantity.");
    expect(missingCas.body?.errors).toMatchObject({ graphQLErrors: [{ extensions: { code: "INVALID_FIELD_ARGUMENTS" } }] });
  });
});

describe("idempotency keys", () => {
  it("answers the same key and input with the first result, applying once", async () => {
    const warehouse = locationId("Warehouse");
    const before = sandbox.available(DEMO_SHOP, "TB-BEANIE-CHR", warehouse)!;
    const variables = { input: adjustInput([{ sku: "TB-BEANIE-CHR", location: "Warehouse", delta: 4, changeFromQuantity: before }]), key: randomUUID() };

    const first = await graphql<AdjustAnswer>(ADJUST, variables);
    const second = await graphql<AdjustAnswer>(ADJUST, variables);

    expect(first.data!.inventoryAdjustQuantities.userErrors).toEqual([]);
    expect(second.data).toEqual(first.data);
    expect(sandbox.available(DEMO_SHOP, "TB-BEANIE-CHR", warehouse)).toBe(before + 4);
    expect(sandbox.stats()).toMatchObject({ idempotentReplays: 1 });
  });

  it("refuses the same key with other input", async () => {
    const before = sandbox.available(DEMO_SHOP, "TB-BEANIE-NVY", locationId("Warehouse"))!;
    const key = randomUUID();
    await graphql<AdjustAnswer>(ADJUST, { input: adjustInput([{ sku: "TB-BEANIE-NVY", location: "Warehouse", delta: 1, changeFromQuantity: before }]), key });

    const reused = await graphql<AdjustAnswer>(ADJUST, { input: adjustInput([{ sku: "TB-BEANIE-NVY", location: "Warehouse", delta: 2, changeFromQuantity: before + 1 }]), key });

    expect(reused.data!.inventoryAdjustQuantities).toEqual({
      inventoryAdjustmentGroup: null,
      userErrors: [{ field: null, message: "The same idempotency key cannot be used with different operation parameters.", code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH" }],
    });
    expect(sandbox.available(DEMO_SHOP, "TB-BEANIE-NVY", locationId("Warehouse"))).toBe(before + 1);
  });

  it("applies a change whose answer was lost once, when the app retries with the same key", async () => {
    const main = locationId("Main Street Store");
    const before = sandbox.available(DEMO_SHOP, "TB-MUG-16OZ", main)!;
    const variables = { input: adjustInput([{ sku: "TB-MUG-16OZ", location: "Main Street Store", delta: -2, changeFromQuantity: before }]), key: randomUUID() };
    sandbox.setFaults({ lostResponseRate: 1 });

    await rejection(graphql(ADJUST, variables));
    expect(sandbox.available(DEMO_SHOP, "TB-MUG-16OZ", main)).toBe(before - 2);

    sandbox.setFaults({ lostResponseRate: 0 });
    const retried = await graphql<AdjustAnswer>(ADJUST, variables);

    expect(retried.data!.inventoryAdjustQuantities).toMatchObject({ userErrors: [], inventoryAdjustmentGroup: { changes: [{ name: "available", delta: -2, quantityAfterChange: before - 2 }, { name: "on_hand" }] } });
    expect(sandbox.available(DEMO_SHOP, "TB-MUG-16OZ", main)).toBe(before - 2);
    expect(sandbox.stats()).toMatchObject({ lostResponses: 1, idempotentReplays: 1 });
    await waitUntil(() => levelUpdates("TB-MUG-16OZ").length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(levelUpdates("TB-MUG-16OZ")).toHaveLength(1);
  });

  it("remembers a key for 24 hours", () => {
    let now = 0;
    const registry = new IdempotencyRegistry<string>(() => now);
    registry.complete("shop", "key", "arguments", "first answer");

    now = IDEMPOTENCY_RETENTION_MS - 1;
    expect(registry.begin("shop", "key", "arguments", {})).toEqual({ kind: "replay", result: "first answer" });
    expect(registry.begin("other-shop", "key", "arguments", {})).toEqual({ kind: "new" });
    now = IDEMPOTENCY_RETENTION_MS;
    expect(registry.begin("shop", "key", "arguments", {})).toEqual({ kind: "new" });
  });

  it("refuses a key while a call holding it is in flight, and serves it once that call is gone", async () => {
    const before = sandbox.available(DEMO_SHOP, "TB-NOTE-A5-DOT", locationId("Warehouse"))!;
    const variables = { input: adjustInput([{ sku: "TB-NOTE-A5-DOT", location: "Warehouse", delta: 3, changeFromQuantity: before }]), key: randomUUID() };
    sandbox.setFaults({ timeoutRate: 1 });
    const giveUp = new AbortController();
    const hanging = rejection(graphql(ADJUST, variables, { signal: giveUp.signal }));
    await waitUntil(() => sandbox.stats().timeouts === 1);
    sandbox.setFaults({ timeoutRate: 0 });

    const concurrent = await graphql<AdjustAnswer>(ADJUST, variables);
    expect(concurrent.data!.inventoryAdjustQuantities.userErrors).toEqual([
      { field: null, message: "This request is currently in progress, please try again.", code: "IDEMPOTENCY_CONCURRENT_REQUEST" },
    ]);

    giveUp.abort();
    await hanging;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const retried = await graphql<AdjustAnswer>(ADJUST, variables);
    expect(retried.data!.inventoryAdjustQuantities.userErrors).toEqual([]);
    expect(sandbox.available(DEMO_SHOP, "TB-NOTE-A5-DOT", locationId("Warehouse"))).toBe(before + 3);
  });
});

describe("inventorySetQuantities", () => {
  it("sets available and on_hand absolutely, with the same compare-and-swap", async () => {
    const main = locationId("Main Street Store");
    const before = sandbox.available(DEMO_SHOP, "TB-COF-HSE-12OZ", main)!;
    const quantities = (quantity: number, changeFromQuantity: number | null) => [{ inventoryItemId: itemId("TB-COF-HSE-12OZ"), locationId: main, quantity, changeFromQuantity }];

    const set = await graphql<SetAnswer>(SET, { input: { name: "available", reason: "cycle_count_available", quantities: quantities(30, before) }, key: randomUUID() });
    expect(set.data!.inventorySetQuantities.inventoryAdjustmentGroup!.changes).toEqual([
      { name: "available", delta: 30 - before, quantityAfterChange: 30 },
      // 3 units are committed to orders.
      { name: "on_hand", delta: 30 - before, quantityAfterChange: 33 },
    ]);

    const stale = await graphql<SetAnswer>(SET, { input: { name: "on_hand", reason: "correction", quantities: quantities(40, 30) }, key: randomUUID() });
    expect(stale.data!.inventorySetQuantities.userErrors).toEqual([
      { field: ["input", "quantities", "0", "changeFromQuantity"], message: "The changeFromQuantity value does not match persisted value.", code: "CHANGE_FROM_QUANTITY_STALE" },
    ]);

    const onHand = await graphql<SetAnswer>(SET, { input: { name: "on_hand", reason: "correction", quantities: quantities(40, 33) }, key: randomUUID() });
    expect(onHand.data!.inventorySetQuantities.inventoryAdjustmentGroup!.changes).toEqual([
      { name: "on_hand", delta: 7, quantityAfterChange: 40 },
      { name: "available", delta: 7, quantityAfterChange: 37 },
    ]);
    expect(sandbox.available(DEMO_SHOP, "TB-COF-HSE-12OZ", main)).toBe(37);

    const invalid = await graphql<SetAnswer>(SET, { input: { name: "committed", reason: "correction", quantities: quantities(-1, null) }, key: randomUUID() });
    expect(invalid.data!.inventorySetQuantities.userErrors.map((error) => error.code)).toEqual(["INVALID_NAME", "INVALID_QUANTITY_NEGATIVE"]);
  });
});

describe("inventory_levels/update", () => {
  it("is delivered once per changed level, with the REST payload and a signature the library accepts", async () => {
    const [main, warehouse] = [locationId("Main Street Store"), locationId("Warehouse")];
    const levels = [sandbox.available(DEMO_SHOP, "TB-BTL-750-STL", main)!, sandbox.available(DEMO_SHOP, "TB-BTL-750-STL", warehouse)!];

    await graphql<AdjustAnswer>(ADJUST, {
      input: adjustInput([
        { sku: "TB-BTL-750-STL", location: "Main Street Store", delta: 2, changeFromQuantity: levels[0]! },
        { sku: "TB-BTL-750-STL", location: "Warehouse", delta: -1, changeFromQuantity: levels[1]! },
      ]),
      key: randomUUID(),
    });
    await waitUntil(() => levelUpdates("TB-BTL-750-STL").length === 2);

    const item = Number(itemId("TB-BTL-750-STL").split("/").at(-1));
    const byLocation = Object.fromEntries(levelUpdates("TB-BTL-750-STL").map((webhook) => [webhook.payload.location_id, webhook]));
    for (const [location, available] of [
      [main, levels[0]! + 2],
      [warehouse, levels[1]! - 1],
    ] as const) {
      const id = Number(location.split("/").at(-1));
      const webhook = byLocation[id]!;
      expect(webhook.validation).toMatchObject({ valid: true, topic: "INVENTORY_LEVELS_UPDATE", domain: DEMO_SHOP });
      expect(webhook.payload).toEqual({
        inventory_item_id: item,
        location_id: id,
        available,
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/),
        admin_graphql_api_id: `gid://shopify/InventoryLevel/${id}?inventory_item_id=${item}`,
      });
    }
    expect(new Set(levelUpdates("TB-BTL-750-STL").map((webhook) => webhook.headers["x-shopify-event-id"])).size).toBe(2);
  });
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

describe("generated catalog and bulk operations", () => {
  const shop = "bench-catalog.myshopify.com";
  let catalogSession: Session;
  beforeAll(async () => {
    const created = await control("POST", "/_sandbox/shops", { shop, seed: "catalog", variants: 2000, locations: 2 });
    expect(created).toMatchObject({ status: 201, body: { variants: 2000, locations: 2 } });
    catalogSession = await offlineSession(shop);
  });

  it("has the SKUs of the rule, stocked at every location", async () => {
    const answer = await graphql<{ productVariantsCount: { count: number }; productVariants: { nodes: { sku: string; barcode: string; inventoryItem: { inventoryLevels: { nodes: { quantities: { quantity: number }[] }[] } } }[] } }>(
      `{ productVariantsCount { count } productVariants(first: 2, query: "sku:SKU-00001 OR sku:SKU-02000") { nodes { sku barcode inventoryItem { inventoryLevels(first: 5) { nodes { quantities(names: ["available"]) { quantity } } } } } } }`,
      {},
      { session: catalogSession },
    );
    expect(answer.data!.productVariantsCount.count).toBe(2000);
    expect(answer.data!.productVariants.nodes.map((variant) => [variant.sku, variant.barcode, variant.inventoryItem.inventoryLevels.nodes.map((level) => level.quantities[0]!.quantity)])).toEqual([
      [catalogSku(1), "2000000000015", [7, 20]],
      [catalogSku(2000), "2000000020006", [0, 13]],
    ]);
  });

  it("runs a bulk query and serves Shopify's JSONL: one line per node, nested nodes with __parentId", async () => {
    const query = `{ productVariants { edges { node { id sku barcode inventoryItem { id inventoryLevels { edges { node { location { id } quantities(names: ["available"]) { name quantity } } } } } } } } }`;
    const started = await graphql<{ bulkOperationRunQuery: { bulkOperation: { id: string; status: string }; userErrors: UserError[] } }>(
      `mutation Run($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message code } } }`,
      { query },
      { session: catalogSession },
    );
    const { bulkOperation, userErrors } = started.data!.bulkOperationRunQuery;
    expect(userErrors).toEqual([]);
    expect(bulkOperation.status).toBe("CREATED");

    type Operation = { status: string; objectCount: string; rootObjectCount: string; fileSize: string | null; url: string | null };
    let operation: Operation | undefined;
    for (let poll = 0; poll < 100 && operation?.status !== "COMPLETED"; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      operation = (await graphql<{ bulkOperation: Operation }>(`query Poll($id: ID!) { bulkOperation(id: $id) { status objectCount rootObjectCount fileSize url } }`, { id: bulkOperation.id }, { session: catalogSession }))
        .data!.bulkOperation;
    }
    expect(operation).toMatchObject({ status: "COMPLETED", objectCount: "6000", rootObjectCount: "2000" });

    const file = await fetch(operation!.url!);
    const body = await file.text();
    expect(Number(operation!.fileSize)).toBe(Buffer.byteLength(body));
    const lines = body.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(6000);
    const [variant, level] = lines;
    expect(variant).toEqual({ id: expect.stringMatching(/^gid:\/\/shopify\/ProductVariant\/\d+$/), sku: "SKU-00001", barcode: "2000000000015", inventoryItem: { id: expect.stringMatching(/^gid:\/\/shopify\/InventoryItem\//) } });
    expect(level).toEqual({ location: { id: locationId("Main Street Store", shop) }, quantities: [{ name: "available", quantity: 7 }], __parentId: variant!.id });
    expect(lines.filter((line) => line.__parentId === undefined).map((line) => line.sku)).toEqual(Array.from({ length: 2000 }, (_, index) => catalogSku(index + 1)));

    await waitUntil(() => received.some((webhook) => webhook.headers["x-shopify-topic"] === "bulk_operations/finish"));
    expect(received.find((webhook) => webhook.headers["x-shopify-topic"] === "bulk_operations/finish")!.payload).toMatchObject({
      admin_graphql_api_id: bulkOperation.id,
      status: "completed",
      type: "query",
      error_code: null,
    });
  });

  it("refuses a bulk query Shopify would refuse", async () => {
    const run = (query: string) =>
      graphql<{ bulkOperationRunQuery: { bulkOperation: null; userErrors: UserError[] } }>(
        `mutation Run($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { field message code } } }`,
        { query },
        { session: catalogSession },
      );

    expect((await run("{ shop { name } }")).data!.bulkOperationRunQuery.userErrors).toEqual([
      { field: ["query"], message: "Bulk queries must contain at least one connection.", code: "INVALID" },
    ]);
    expect((await run("{ products { edges { node { title variants { edges { node { id } } } } } } }")).data!.bulkOperationRunQuery.userErrors).toEqual([
      {
        field: ["query"],
        message: "The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': products.",
        code: "INVALID",
      },
    ]);
  });
});

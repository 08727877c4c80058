import { randomUUID } from "node:crypto";
import { serialization, SquareClient, SquareError, WebhooksHelper, type Square } from "square";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SANDBOX_SQUARE_APPLICATION_ID as APP_ID,
  SANDBOX_SQUARE_APPLICATION_SECRET as APP_SECRET,
  SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY as SIGNATURE_KEY,
  startSquareSandbox,
  type SquareSandbox,
} from "../../sandbox/square/index";
import { startWebhookReceiver, waitUntil, type ReceivedWebhook, type WebhookReceiver } from "../support/webhook-receiver";

/**
 * The Square sandbox's Catalog and Inventory APIs and register sales, driven by the real `square` SDK (v46, API
 * 2026-09-16). Every answer the SDK receives is also parsed with the SDK's own serialization schema for that
 * endpoint, failing on unknown keys (the SDK itself drops them silently), and webhooks are received by a local
 * stand-in for the app and checked with WebhooksHelper.
 */

const SELLER = "MLTB0DEMO0001";
const MAIN = "LTB0COFFEE001";
const CART = "LTB0COFFEE002";
const OTHER_SELLER = "MLTB0DEMO0002";
const ALL_SCOPES = "MERCHANT_PROFILE_READ ITEMS_READ ITEMS_WRITE INVENTORY_READ INVENTORY_WRITE";

interface WireCall {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

interface StrictSchema {
  parse(raw: unknown, options: object): { ok: true; value: unknown } | { ok: false; errors: { path: string[]; message: string }[] };
}

let sandbox: SquareSandbox;
let receiver: WebhookReceiver;
let token: string;
const wire: WireCall[] = [];

/** What the SDK really received: fetch wrapped to keep each raw JSON body. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const text = await response.clone().text();
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  wire.push({ method: init?.method ?? "GET", path: url.pathname, status: response.status, body: text === "" ? undefined : JSON.parse(text) });
  return response;
};

function client(accessToken = token, maxRetries = 0) {
  return new SquareClient({ token: accessToken, baseUrl: sandbox.url, fetch: recordingFetch, maxRetries });
}

/** The SDK schema of each endpoint's answer. */
function schemaFor(call: WireCall): StrictSchema {
  const { path, method } = call;
  if (path === "/oauth2/token") return serialization.ObtainTokenResponse;
  if (path === "/v2/catalog/list") return serialization.ListCatalogResponse;
  if (path === "/v2/catalog/search") return serialization.SearchCatalogObjectsResponse;
  if (path === "/v2/catalog/batch-retrieve") return serialization.BatchGetCatalogObjectsResponse;
  if (path === "/v2/catalog/batch-upsert") return serialization.BatchUpsertCatalogObjectsResponse;
  if (path === "/v2/catalog/batch-delete") return serialization.BatchDeleteCatalogObjectsResponse;
  if (path === "/v2/catalog/info") return serialization.CatalogInfoResponse;
  if (path === "/v2/catalog/object") return serialization.UpsertCatalogObjectResponse;
  if (path.startsWith("/v2/catalog/object/")) return method === "DELETE" ? serialization.DeleteCatalogObjectResponse : serialization.GetCatalogObjectResponse;
  if (path === "/v2/inventory/changes/batch-create") return serialization.BatchChangeInventoryResponse;
  if (path === "/v2/inventory/counts/batch-retrieve") return serialization.BatchGetInventoryCountsResponse;
  if (path === "/v2/inventory/changes/batch-retrieve") return serialization.BatchGetInventoryChangesResponse;
  if (path.startsWith("/v2/inventory/")) return serialization.GetInventoryCountResponse;
  throw new Error(`no schema for ${method} ${path}`);
}

/**
 * Parses a body as the SDK's schema would, but failing on unknown keys. Error codes may be outside the SDK's enum
 * (VERSION_MISMATCH is not in it), so enums are strict only for successful answers.
 */
function expectStrict(schema: StrictSchema, body: unknown, strictEnums = true): void {
  const result = schema.parse(body, { unrecognizedObjectKeys: "fail", allowUnrecognizedEnumValues: !strictEnums, allowUnrecognizedUnionMembers: false });
  expect(result.ok ? [] : result.errors, JSON.stringify(body).slice(0, 2_000)).toEqual([]);
}

async function squareError(promise: Promise<unknown>): Promise<SquareError> {
  const error = await promise.then(
    () => expect.unreachable("expected a rejection"),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SquareError);
  return error as SquareError;
}

/** A token for the seller with the scopes, through the consent form and ObtainToken. */
async function accessToken(merchantId: string, scope: string): Promise<string> {
  const form = new URLSearchParams({ client_id: APP_ID, scope, merchant_id: merchantId, decision: "approve" });
  const redirect = await fetch(`${sandbox.url}/oauth2/authorize`, { method: "POST", body: form, redirect: "manual" });
  const code = new URL(redirect.headers.get("location")!).searchParams.get("code")!;
  const obtained = await client("unused").oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code });
  return obtained.accessToken!;
}

function variationId(sku: string, merchantId = SELLER): string {
  const entries = sandbox.catalog(merchantId).filter((entry) => entry.sku === sku);
  expect(entries, sku).toHaveLength(1);
  return entries[0]!.variationId;
}

async function control(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function adjustment(catalogObjectId: string, fields: Partial<Square.InventoryAdjustment> = {}): Square.InventoryChange {
  return {
    type: "ADJUSTMENT",
    adjustment: { catalogObjectId, fromState: "IN_STOCK", toState: "WASTE", fromLocationId: MAIN, toLocationId: MAIN, quantity: "1", occurredAt: new Date().toISOString(), ...fields },
  };
}

/** The webhooks received of one type, parsed. */
function events(type: string): { raw: ReceivedWebhook; event: Record<string, unknown> }[] {
  return receiver.received.map((raw) => ({ raw, event: JSON.parse(raw.rawBody) as Record<string, unknown> })).filter(({ event }) => event.type === type);
}

async function verified(raw: ReceivedWebhook): Promise<boolean> {
  return WebhooksHelper.verifySignature({
    requestBody: raw.rawBody,
    signatureHeader: String(raw.headers["x-square-hmacsha256-signature"]),
    signatureKey: SIGNATURE_KEY,
    notificationUrl: `${receiver.url}/webhooks/square`,
  });
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSquareSandbox({ port: 0, appUrl: receiver.url, applicationId: APP_ID, applicationSecret: APP_SECRET, webhookSignatureKey: SIGNATURE_KEY });
  token = await accessToken(SELLER, ALL_SCOPES);
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

beforeEach(() => {
  sandbox.resetFaults();
  sandbox.setSettings({ catalogWriteMs: 10, allowNegativeSales: false });
  receiver.received.length = 0;
  wire.length = 0;
});

afterEach(() => {
  // Every answer the SDK got, parsed strictly with its schema.
  for (const call of wire) expectStrict(schemaFor(call), call.body, call.status < 400);
});

describe("catalog reads", () => {
  it("lists the demo catalog: items with their variations, SKUs shared with the Shopify demo shop, one SKU twice", async () => {
    const objects: Square.CatalogObject[] = [];
    for await (const object of await client().catalog.list({ types: "ITEM,ITEM_VARIATION" })) objects.push(object);
    const items = objects.filter((object): object is Square.CatalogObject.Item => object.type === "ITEM");
    const variations = objects.filter((object): object is Square.CatalogObject.ItemVariation => object.type === "ITEM_VARIATION");
    expect(items.map((item) => item.itemData?.name)).toContain("Tillbridge Tee");
    const skus = variations.map((variation) => variation.itemVariationData?.sku);
    expect(skus).toEqual(expect.arrayContaining(["TB-TEE-BLK-M", "TB-MUG-12OZ", "TB-POUR-KIT"]));
    expect(skus.filter((sku) => sku === "TB-TOTE-NAT")).toHaveLength(2);
    expect(skus).not.toContain("TB-TEE-WHT-M");

    const tee = items.find((item) => item.itemData?.name === "Tillbridge Tee")!;
    expect(tee).toMatchObject({ isDeleted: false, presentAtAllLocations: true });
    expect(typeof tee.version).toBe("bigint");
    expect(tee.updatedAt).toBe(new Date(Number(tee.version)).toISOString());
    const teeVariations = tee.itemData!.variations!.map((variation) => (variation as Square.CatalogObject.ItemVariation).itemVariationData);
    expect(teeVariations[0]).toMatchObject({ itemId: tee.id, sku: "TB-TEE-BLK-M", trackInventory: true, sellable: true, stockable: true, pricingType: "FIXED_PRICING", priceMoney: { amount: 2800n, currency: "USD" } });
  });

  it("searches by SKU (exact, set, prefix), by text and by begin_time, with the parent item as related object", async () => {
    const exact = await client().catalog.search({
      objectTypes: ["ITEM_VARIATION"],
      query: { exactQuery: { attributeName: "sku", attributeValue: "tb-tee-blk-m" } },
      includeRelatedObjects: true,
    });
    expect(exact.objects?.map((object) => (object as Square.CatalogObject.ItemVariation).itemVariationData?.sku)).toEqual(["TB-TEE-BLK-M"]);
    expect(exact.relatedObjects?.map((object) => (object as Square.CatalogObject.Item).itemData?.name)).toEqual(["Tillbridge Tee"]);
    expect(exact.latestTime).toBeTruthy();

    const set = await client().catalog.search({ objectTypes: ["ITEM_VARIATION"], query: { setQuery: { attributeName: "sku", attributeValues: ["TB-TOTE-NAT", "tb-pour-kit"] } } });
    expect(set.objects).toHaveLength(3);
    const prefix = await client().catalog.search({ objectTypes: ["ITEM_VARIATION"], query: { prefixQuery: { attributeName: "sku", attributePrefix: "TB-COF" } }, limit: 2 });
    expect(prefix.objects).toHaveLength(2);
    const rest = await client().catalog.search({ objectTypes: ["ITEM_VARIATION"], query: { prefixQuery: { attributeName: "sku", attributePrefix: "TB-COF" } }, limit: 2, cursor: prefix.cursor });
    expect(rest.objects).toHaveLength(1);
    expect(rest.cursor).toBeUndefined();
    const text = await client().catalog.search({ objectTypes: ["ITEM"], query: { textQuery: { keywords: ["blend", "portland"] } } });
    expect(text.objects?.map((object) => (object as Square.CatalogObject.Item).itemData?.name)).toEqual(["House Blend Coffee"]);
    const nothingNewer = await client().catalog.search({ objectTypes: ["ITEM", "ITEM_VARIATION"], beginTime: "2030-01-01T00:00:00Z" });
    expect(nothingNewer.objects).toBeUndefined();

    const combined = await squareError(client().catalog.search({ query: { setQuery: { attributeName: "sku", attributeValues: ["A"] }, prefixQuery: { attributeName: "name", attributePrefix: "B" } } }));
    expect(combined.statusCode).toBe(400);
  });

  it("retrieves objects by id, one or a batch, and 404s an unknown one", async () => {
    const mug = variationId("TB-MUG-12OZ");
    const { object, relatedObjects } = await client().catalog.object.get({ objectId: mug, includeRelatedObjects: true });
    expect(object).toMatchObject({ type: "ITEM_VARIATION", id: mug });
    expect(relatedObjects?.[0]).toMatchObject({ type: "ITEM", itemData: { name: "Tillbridge Mug" } });
    const batch = await client().catalog.batchGet({ objectIds: [mug, variationId("TB-POUR-KIT"), "NOSUCHOBJECT"] });
    expect(batch.objects?.map((entry) => entry.id)).toEqual([mug, variationId("TB-POUR-KIT")]);
    const missing = await squareError(client().catalog.object.get({ objectId: "NOSUCHOBJECT" }));
    expect(missing.statusCode).toBe(404);
    expect(missing.errors[0]?.code).toBe("NOT_FOUND");
    expect((await client().catalog.info()).limits).toMatchObject({ batchUpsertMaxObjectsPerBatch: 1000, batchUpsertMaxTotalObjects: 10000 });
  });
});

describe("catalog writes", () => {
  function newItem(name: string, skus: string[]): Square.CatalogObject {
    return {
      type: "ITEM",
      id: `#${name}`,
      itemData: {
        name,
        variations: skus.map((sku) => ({
          type: "ITEM_VARIATION" as const,
          id: `#${sku}`,
          itemVariationData: { name: sku, sku, pricingType: "FIXED_PRICING" as const, priceMoney: { amount: 2600n, currency: "USD" as const }, trackInventory: true },
        })),
      },
    };
  }

  it("creates an item with #temp ids and maps them; an update needs the current version; an omitted variation is deleted", async () => {
    const created = await client().catalog.object.upsert({ idempotencyKey: randomUUID(), object: newItem("Travel Mug", ["TB-TRAVEL-BLK", "TB-TRAVEL-WHT"]) });
    const ids = Object.fromEntries(created.idMappings!.map((mapping) => [mapping.clientObjectId!, mapping.objectId!]));
    expect(Object.keys(ids).sort()).toEqual(["#TB-TRAVEL-BLK", "#TB-TRAVEL-WHT", "#Travel Mug"]);
    const item = created.catalogObject as Square.CatalogObject.Item;
    expect(item.id).toBe(ids["#Travel Mug"]);
    for (const id of Object.values(ids)) expect(id).toMatch(/^[A-Z2-7]{24}$/);
    const [black, white] = item.itemData!.variations! as Square.CatalogObject.ItemVariation[];
    expect(black).toMatchObject({ id: ids["#TB-TRAVEL-BLK"], version: item.version, itemVariationData: { itemId: item.id, sku: "TB-TRAVEL-BLK", ordinal: 1 } });

    // Full replacement: renamed, and the white variation left out.
    const updated = await client().catalog.object.upsert({
      idempotencyKey: randomUUID(),
      object: { ...item, itemData: { ...item.itemData, name: "Travel Mug 2", variations: [black!] } },
    });
    expect(updated.catalogObject!.version! > item.version!).toBe(true);
    expect((updated.catalogObject as Square.CatalogObject.Item).itemData?.variations?.map((variation) => variation.id)).toEqual([black!.id]);
    expect((await squareError(client().catalog.object.get({ objectId: white!.id }))).statusCode).toBe(404);
    const deleted = await client().catalog.search({ objectTypes: ["ITEM_VARIATION"], includeDeletedObjects: true, query: { exactQuery: { attributeName: "sku", attributeValue: "TB-TRAVEL-WHT" } } });
    expect(deleted.objects).toMatchObject([{ id: white!.id, isDeleted: true }]);

    // The first version is stale now.
    const stale = await squareError(client().catalog.object.upsert({ idempotencyKey: randomUUID(), object: { ...item, itemData: { ...item.itemData, name: "Lost update" } } }));
    expect(stale.statusCode).toBe(400);
    expect(stale.errors).toEqual([{ category: "INVALID_REQUEST_ERROR", code: "VERSION_MISMATCH", detail: expect.any(String), field: "object.version" }]);
    expect((await client().catalog.object.get({ objectId: item.id })).object).toMatchObject({ itemData: { name: "Travel Mug 2" } });

    // A variation updated on its own, at its version.
    const current = (await client().catalog.object.get({ objectId: black!.id })).object as Square.CatalogObject.ItemVariation;
    const repriced = await client().catalog.object.upsert({
      idempotencyKey: randomUUID(),
      object: { ...current, itemVariationData: { ...current.itemVariationData, priceMoney: { amount: 2900n, currency: "USD" } } },
    });
    expect(repriced.catalogObject).toMatchObject({ id: black!.id, itemVariationData: { priceMoney: { amount: 2900n } } });
  });

  it("applies a batch all or nothing, and sends catalog.version.updated with only updated_at", async () => {
    const tee = (await client().catalog.object.get({ objectId: sandbox.catalog(SELLER).find((entry) => entry.sku === "TB-TEE-BLK-M")!.itemId })).object!;
    const refused = await squareError(
      client().catalog.batchUpsert({
        idempotencyKey: randomUUID(),
        batches: [{ objects: [newItem("Lost Item", ["TB-LOST-1"]), { ...tee, version: 1n }] }],
      }),
    );
    expect(refused.errors[0]).toMatchObject({ code: "VERSION_MISMATCH", field: "batches[0].objects[1].version" });
    expect(sandbox.catalog(SELLER).some((entry) => entry.sku === "TB-LOST-1")).toBe(false);

    const applied = await client().catalog.batchUpsert({
      idempotencyKey: randomUUID(),
      batches: [{ objects: [newItem("Cold Brew", ["TB-CB-12OZ"])] }, { objects: [newItem("Gift Card", ["TB-GIFT-25"])] }],
    });
    expect(applied.objects).toHaveLength(2);
    expect(applied.idMappings).toHaveLength(4);
    expect(applied.updatedAt).toBe(applied.objects![1]!.updatedAt);

    // Webhooks go out after the answer: wait for this write's (an earlier test's may still arrive).
    const updatedAt = (event: Record<string, unknown>) => (event.data as { object: { catalog_version: { updated_at: string } } }).object.catalog_version.updated_at;
    await waitUntil(() => events("catalog.version.updated").some(({ event }) => updatedAt(event) === applied.updatedAt));
    for (const { raw, event } of events("catalog.version.updated")) {
      expect(await verified(raw)).toBe(true);
      expectStrict(serialization.CatalogVersionUpdatedEvent, event);
      expect(event).toMatchObject({ merchant_id: SELLER, type: "catalog.version.updated", data: { type: "catalog_version", object: { catalog_version: { updated_at: expect.any(String) } } } });
    }
  });

  it("processes one catalog write per seller at a time: a second write meanwhile gets 429 RATE_LIMITED", async () => {
    sandbox.setSettings({ catalogWriteMs: 300 });
    const before = sandbox.stats();
    const outcomes = await Promise.allSettled([
      client().catalog.object.upsert({ idempotencyKey: randomUUID(), object: newItem("Race A", ["TB-RACE-A"]) }),
      client().catalog.object.upsert({ idempotencyKey: randomUUID(), object: newItem("Race B", ["TB-RACE-B"]) }),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    const limited = (outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult).reason as SquareError;
    expect(limited.statusCode).toBe(429);
    expect(limited.errors).toEqual([{ category: "RATE_LIMIT_ERROR", code: "RATE_LIMITED", detail: "This request was rate limited. Please retry later." }]);
    expect(sandbox.stats().catalogWritesLocked - before.catalogWritesLocked).toBe(1);
    // The SDK retries a 429 after about a second, by which time the first write is done.
    const retried = await Promise.all([
      client(token, 2).catalog.object.upsert({ idempotencyKey: randomUUID(), object: newItem("Retry A", ["TB-RETRY-A"]) }),
      client(token, 2).catalog.object.upsert({ idempotencyKey: randomUUID(), object: newItem("Retry B", ["TB-RETRY-B"]) }),
    ]);
    expect(retried.map((answer) => (answer.catalogObject as Square.CatalogObject.Item).itemData?.name).sort()).toEqual(["Retry A", "Retry B"]);
    expect(sandbox.stats().catalogWritesLocked - before.catalogWritesLocked).toBe(2);
    // Reads are not held up by a write.
    const writing = client().catalog.object.upsert({ idempotencyKey: randomUUID(), object: newItem("Race C", ["TB-RACE-C"]) });
    const started = performance.now();
    await client().catalog.list({ types: "ITEM" });
    expect(performance.now() - started).toBeLessThan(250);
    await writing;
  });

  it("refuses catalog writes without ITEMS_WRITE, reads without ITEMS_READ, inventory calls without INVENTORY_*", async () => {
    // The other seller: authorizing again with fewer scopes narrows the seller's grant, and with it its webhooks.
    const readOnly = await accessToken(OTHER_SELLER, "ITEMS_READ INVENTORY_READ");
    await client(readOnly).catalog.list();
    const write = await squareError(client(readOnly).catalog.object.upsert({ idempotencyKey: randomUUID(), object: newItem("Nope", ["TB-NOPE"]) }));
    expect(write.statusCode).toBe(403);
    expect(write.errors[0]?.code).toBe("INSUFFICIENT_SCOPES");
    const notebook = variationId("TB-NOTE-A5-DOT", OTHER_SELLER);
    const inventoryWrite = await squareError(client(readOnly).inventory.batchCreateChanges({ idempotencyKey: randomUUID(), changes: [adjustment(notebook)] }));
    expect(inventoryWrite.statusCode).toBe(403);
    const profileOnly = await accessToken(OTHER_SELLER, "MERCHANT_PROFILE_READ");
    expect((await squareError(client(profileOnly).catalog.list())).errors[0]?.code).toBe("INSUFFICIENT_SCOPES");
    expect((await squareError(client(profileOnly).inventory.batchGetCounts({}))).errors[0]?.code).toBe("INSUFFICIENT_SCOPES");

    // Square sends a seller's inventory events only to an app it granted INVENTORY_READ.
    expect(sandbox.sell(OTHER_SELLER, { sku: "TB-NOTE-A5-DOT", quantity: 1 }).sold).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events("inventory.count.updated")).toEqual([]);
  });
});

describe("inventory changes", () => {
  it("moves stock with ADJUSTMENTs named by from/to location ids, sets it with a PHYSICAL_COUNT, and answers counts and changes", async () => {
    const mug = variationId("TB-MUG-12OZ");
    expect([sandbox.inStock(SELLER, mug, MAIN), sandbox.inStock(SELLER, "TB-MUG-12OZ", CART)]).toEqual([12, 4]);
    const result = await client().inventory.batchCreateChanges({
      idempotencyKey: randomUUID(),
      changes: [
        adjustment(mug, { quantity: "2", referenceId: "breakage-1" }),
        adjustment(mug, { toState: "IN_STOCK", toLocationId: CART, quantity: "3" }),
        { type: "PHYSICAL_COUNT", physicalCount: { catalogObjectId: variationId("TB-POUR-KIT"), state: "IN_STOCK", locationId: CART, quantity: "2.5", occurredAt: new Date().toISOString() } },
      ],
    });
    const counts = Object.fromEntries(result.counts!.map((count) => [`${count.catalogObjectId === mug ? "mug" : "kit"} ${count.locationId} ${count.state}`, count.quantity]));
    expect(counts).toEqual({ [`mug ${MAIN} IN_STOCK`]: "7", [`mug ${MAIN} WASTE`]: "2", [`mug ${CART} IN_STOCK`]: "7", [`kit ${CART} IN_STOCK`]: "2.5" });
    expect(result.changes).toHaveLength(3);
    expect(result.changes![0]).toMatchObject({
      type: "ADJUSTMENT",
      adjustment: { fromState: "IN_STOCK", toState: "WASTE", fromLocationId: MAIN, toLocationId: MAIN, quantity: "2", referenceId: "breakage-1", source: { product: "EXTERNAL_API", applicationId: APP_ID } },
    });
    expect(result.changes![2]).toMatchObject({ type: "PHYSICAL_COUNT", physicalCount: { state: "IN_STOCK", locationId: CART, quantity: "2.5" } });
    expect(sandbox.inStock(SELLER, mug, CART)).toBe(7);

    // A count left unchanged is ignored (ignore_unchanged_counts defaults to true).
    const unchanged = await client().inventory.batchCreateChanges({
      idempotencyKey: randomUUID(),
      changes: [{ type: "PHYSICAL_COUNT", physicalCount: { catalogObjectId: mug, state: "IN_STOCK", locationId: CART, quantity: "7", occurredAt: new Date().toISOString() } }],
    });
    expect(unchanged.changes).toBeUndefined();
    expect(unchanged.counts?.[0]).toMatchObject({ quantity: "7" });
  });

  it("goes negative as Square does, and applies an adjustment older than the last physical count to history only", async () => {
    const espresso = variationId("TB-COF-ESP-12OZ");
    expect(sandbox.inStock(SELLER, espresso, CART)).toBe(-1);
    const sold = await client().inventory.batchCreateChanges({ idempotencyKey: randomUUID(), changes: [adjustment(espresso, { fromLocationId: CART, toLocationId: CART, toState: "SOLD", quantity: "2" })] });
    expect(sold.counts).toMatchObject([{ state: "IN_STOCK", locationId: CART, quantity: "-3" }]);

    const earlier = new Date(Date.now() - 60_000).toISOString();
    await client().inventory.batchCreateChanges({
      idempotencyKey: randomUUID(),
      changes: [{ type: "PHYSICAL_COUNT", physicalCount: { catalogObjectId: espresso, state: "IN_STOCK", locationId: CART, quantity: "10", occurredAt: new Date().toISOString() } }],
    });
    const late = await client().inventory.batchCreateChanges({ idempotencyKey: randomUUID(), changes: [adjustment(espresso, { fromLocationId: CART, toLocationId: CART, toState: "SOLD", occurredAt: earlier })] });
    expect(late.counts).toMatchObject([{ locationId: CART, quantity: "10" }]);
    expect(late.changes).toHaveLength(1);
  });

  it("answers the same body for the same key and body, applied once, and refuses the key with another body", async () => {
    const tee = variationId("TB-TEE-BLK-M");
    const before = sandbox.inStock(SELLER, tee, MAIN)!;
    const request = { idempotencyKey: randomUUID(), changes: [adjustment(tee, { toState: "SOLD", quantity: "1" })] };
    const first = await client().inventory.batchCreateChanges(request);
    const firstWire = wire.at(-1)!.body;
    const second = await client().inventory.batchCreateChanges(request);
    expect(wire.at(-1)!.body).toEqual(firstWire);
    expect(second).toEqual(first);
    expect(sandbox.inStock(SELLER, tee, MAIN)).toBe(before - 1);
    expect(sandbox.stats().idempotentReplays).toBeGreaterThanOrEqual(1);

    const reused = await squareError(client().inventory.batchCreateChanges({ ...request, changes: [adjustment(tee, { toState: "SOLD", quantity: "2" })] }));
    expect(reused.statusCode).toBe(400);
    expect(reused.errors[0]).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", field: "idempotency_key" });
    expect(sandbox.inStock(SELLER, tee, MAIN)).toBe(before - 1);
  });

  it("a lost response: the change stands, and the retry with the same key applies nothing and gets the first answer", async () => {
    const kit = variationId("TB-POUR-KIT");
    const before = sandbox.inStock(SELLER, kit, MAIN)!;
    const request = { idempotencyKey: randomUUID(), changes: [adjustment(kit, { toState: "SOLD", quantity: "1", referenceId: "lost-1" })] };
    sandbox.setFaults({ lostResponseRate: 1 });
    const lost = await squareError(client(token, 2).inventory.batchCreateChanges(request));
    expect(lost.statusCode).toBeUndefined();
    expect(sandbox.stats().lostResponses).toBe(1);
    expect(sandbox.inStock(SELLER, kit, MAIN)).toBe(before - 1);

    // Reads are not writes: their answers are not lost.
    const history: Square.InventoryChange[] = [];
    for await (const change of await client().inventory.batchGetChanges({ catalogObjectIds: [kit], types: ["ADJUSTMENT"] })) history.push(change);
    const recorded = history.filter((change) => change.adjustment?.referenceId === "lost-1");
    expect(recorded).toHaveLength(1);

    sandbox.setFaults({ lostResponseRate: 0 });
    const retried = await client().inventory.batchCreateChanges(request);
    expect(retried.changes?.[0]?.adjustment?.id).toBe(recorded[0]!.adjustment!.id);
    expect(retried.counts).toMatchObject([{ locationId: MAIN, quantity: String(before - 1) }]);
    expect(sandbox.inStock(SELLER, kit, MAIN)).toBe(before - 1);
  });

  it("refuses unknown objects and locations, untracked variations, bad quantities and times, naming the field; nothing is applied", async () => {
    const mug = variationId("TB-MUG-16OZ");
    const before = sandbox.inStock(SELLER, mug, MAIN);
    const refused = async (change: Square.InventoryChange, code: string, field: string) => {
      const error = await squareError(client().inventory.batchCreateChanges({ idempotencyKey: randomUUID(), changes: [adjustment(mug, { quantity: "1" }), change] }));
      expect(error.statusCode).toBe(400);
      expect(error.errors[0]).toMatchObject({ category: "INVALID_REQUEST_ERROR", code, field });
    };
    await refused(adjustment("NOSUCHVARIATION"), "NOT_FOUND", "changes[1].adjustment.catalog_object_id");
    await refused(adjustment(mug, { toLocationId: "LNOSUCHPLACE1" }), "NOT_FOUND", "changes[1].adjustment.to_location_id");
    await refused(adjustment(variationId("TB-SVC-WRAP")), "INVALID_VALUE", "changes[1].adjustment.catalog_object_id");
    await refused(adjustment(mug, { quantity: "1.234567" }), "INVALID_VALUE", "changes[1].adjustment.quantity");
    await refused(adjustment(mug, { quantity: "0" }), "INVALID_VALUE", "changes[1].adjustment.quantity");
    await refused(adjustment(mug, { occurredAt: new Date(Date.now() - 25 * 3600 * 1000).toISOString() }), "INVALID_VALUE", "changes[1].adjustment.occurred_at");
    await refused(adjustment(mug, { occurredAt: new Date(Date.now() + 60_000).toISOString() }), "INVALID_VALUE", "changes[1].adjustment.occurred_at");
    await refused(adjustment(mug, { fromState: "RESERVED_FOR_SALE" }), "INVALID_VALUE", "changes[1].adjustment.from_state");
    await refused(adjustment(mug, { fromLocationId: undefined }), "MISSING_REQUIRED_PARAMETER", "changes[1].adjustment.from_location_id");
    const longKey = await squareError(client().inventory.batchCreateChanges({ idempotencyKey: "k".repeat(129), changes: [adjustment(mug)] }));
    expect(longKey.errors[0]).toMatchObject({ code: "VALUE_TOO_LONG", field: "idempotency_key" });
    expect(sandbox.inStock(SELLER, mug, MAIN)).toBe(before);

    // location_id (API versions before 2026-09-16) is no field of the adjustment any more: the SDK would strip it, a
    // raw request is told what to send instead.
    const raw = await fetch(`${sandbox.url}/v2/inventory/changes/batch-create`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        idempotency_key: randomUUID(),
        changes: [{ type: "ADJUSTMENT", adjustment: { catalog_object_id: mug, from_state: "IN_STOCK", to_state: "WASTE", location_id: MAIN, quantity: "1", occurred_at: new Date().toISOString() } }],
      }),
    });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as { errors: { code: string; field: string; detail: string }[] };
    expect(body.errors[0]).toMatchObject({ code: "MISSING_REQUIRED_PARAMETER", field: "changes[0].adjustment.from_location_id" });
    expect(body.errors[0]!.detail).toContain("from_location_id and to_location_id");
  });
});

describe("inventory reads", () => {
  it("retrieves counts by object, location, state and updated_after; one object's counts", async () => {
    const house = variationId("TB-COF-HSE-12OZ");
    const twoPound = variationId("TB-COF-HSE-2LB");
    const counts: Square.InventoryCount[] = [];
    for await (const count of await client().inventory.batchGetCounts({ catalogObjectIds: [house, twoPound], states: ["IN_STOCK"] })) counts.push(count);
    expect(counts.map((count) => [count.catalogObjectId === house ? "12oz" : "2lb", count.locationId, count.quantity]).sort()).toEqual([
      ["12oz", MAIN, "30"],
      ["12oz", CART, "12"],
      ["2lb", MAIN, "6"],
    ]);
    expect(counts[0]).toMatchObject({ catalogObjectType: "ITEM_VARIATION", state: "IN_STOCK", calculatedAt: expect.any(String) });

    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await client().inventory.batchCreateChanges({ idempotencyKey: randomUUID(), changes: [adjustment(house, { toState: "SOLD" })] });
    const changed: Square.InventoryCount[] = [];
    for await (const count of await client().inventory.batchGetCounts({ updatedAfter: since, locationIds: [MAIN] })) changed.push(count);
    expect(changed).toMatchObject([{ catalogObjectId: house, locationId: MAIN, quantity: "29" }]);

    const one: Square.InventoryCount[] = [];
    for await (const count of await client().inventory.get({ catalogObjectId: twoPound })) one.push(count);
    expect(one).toMatchObject([{ locationId: MAIN, quantity: "6" }]);
  });
});

describe("webhooks", () => {
  it("sends inventory.count.updated with the counts that moved, signed, through the webhook fault switches", async () => {
    const tee = variationId("TB-TEE-BLK-L");
    sandbox.setFaults({ webhooks: { duplicateRate: 1 } });
    await client().inventory.batchCreateChanges({ idempotencyKey: randomUUID(), changes: [adjustment(tee, { toState: "IN_STOCK", toLocationId: CART, quantity: "1" })] });
    await waitUntil(() => events("inventory.count.updated").length === 2);
    const [first, second] = events("inventory.count.updated");
    expect(second!.raw.rawBody).toBe(first!.raw.rawBody);
    expect(await verified(first!.raw)).toBe(true);
    expectStrict(serialization.InventoryCountUpdatedEvent, first!.event);
    expect(first!.event).toMatchObject({ merchant_id: SELLER, type: "inventory.count.updated", data: { type: "inventory_counts", id: expect.any(String) } });
    const counts = (first!.event.data as { object: { inventory_counts: Record<string, string>[] } }).object.inventory_counts;
    expect(counts.map((count) => [count.location_id, count.state, count.quantity]).sort()).toEqual([
      [MAIN, "IN_STOCK", "3"],
      [CART, "IN_STOCK", "1"],
    ]);
  });
});

describe("register sales and stock (control API)", () => {
  it("a sale moves IN_STOCK to SOLD as an adjustment the API shows, sends the webhook, and is refused when short", async () => {
    const sale = await control(`/sellers/${SELLER}/sales`, { sku: "TB-POUR-KIT", quantity: 2 });
    expect(sale.status).toBe(200);
    const kit = variationId("TB-POUR-KIT");
    const before = sale.body.inStock as number;
    expect(sale.body).toMatchObject({ sold: true, variationId: kit, locationId: MAIN, adjustmentId: expect.any(String) });
    expect(sandbox.inStock(SELLER, "TB-POUR-KIT", MAIN)).toBe(before);

    await waitUntil(() => events("inventory.count.updated").length === 1);
    expect(events("inventory.count.updated")[0]!.event).toMatchObject({ data: { object: { inventory_counts: [{ catalog_object_id: kit, location_id: MAIN, quantity: String(before) }] } } });
    const history: Square.InventoryChange[] = [];
    for await (const change of await client().inventory.batchGetChanges({ catalogObjectIds: [kit], states: ["SOLD"] })) history.push(change);
    expect(history.at(-1)).toMatchObject({
      type: "ADJUSTMENT",
      adjustment: { id: sale.body.adjustmentId, fromState: "IN_STOCK", toState: "SOLD", quantity: "2", totalPriceMoney: { amount: 9000n, currency: "USD" }, source: { product: "SQUARE_POS" } },
    });

    const short = await control(`/sellers/${SELLER}/sales`, { variationId: kit, quantity: before + 1 });
    expect(short.status).toBe(409);
    expect(short.body).toMatchObject({ sold: false, inStock: before });
    expect(sandbox.stats().salesRefused).toBeGreaterThanOrEqual(1);
    expect(sandbox.sell(SELLER, { sku: "TB-POUR-KIT", quantity: before + 1, allowNegative: true })).toMatchObject({ sold: true, inStock: -1 });

    expect((await control(`/sellers/${SELLER}/sales`, { sku: "TB-TOTE-NAT", quantity: 1 })).status).toBe(400);
    expect((await control(`/sellers/${SELLER}/sales`, { sku: "TB-NO-SUCH", quantity: 1 })).status).toBe(404);
    expect((await control(`/sellers/${SELLER}/sales`, { sku: "TB-SVC-WRAP", quantity: 1 })).body).toMatchObject({ sold: true, inStock: null });
  });

  it("sets stock as the dashboard would, at the location asked for", async () => {
    const set = await control(`/sellers/${SELLER}/inventory`, { sku: "TB-MUG-16OZ", locationId: CART, inStock: 15 });
    expect(set).toMatchObject({ status: 200, body: { inStock: 15, locationId: CART } });
    expect(sandbox.inStock(SELLER, "TB-MUG-16OZ", CART)).toBe(15);
    await waitUntil(() => events("inventory.count.updated").length === 1);
    sandbox.setInStock(SELLER, { sku: "TB-MUG-16OZ", locationId: CART, inStock: 16, silent: true });
    expect(sandbox.stock(SELLER, CART).find((entry) => entry.sku === "TB-MUG-16OZ")?.inStock).toBe(16);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events("inventory.count.updated")).toHaveLength(1);
    expect((await control(`/sellers/${SELLER}/inventory`, { sku: "TB-MUG-16OZ", inStock: 1 })).status).toBe(400);
  });
});

describe("generated catalog", () => {
  it("generates 2,000 variations with SKUs SKU-00001… and stock at every location, which the SDK pages through", async () => {
    const otherToken = await accessToken(OTHER_SELLER, ALL_SCOPES);
    const generated = await control(`/sellers/${OTHER_SELLER}/catalog`, { variants: 2_000, inStock: 7 });
    expect(generated).toMatchObject({ status: 200, body: { items: 2_000, variations: 2_000 } });

    const skus: string[] = [];
    for await (const object of await client(otherToken).catalog.list({ types: "ITEM_VARIATION" })) skus.push((object as Square.CatalogObject.ItemVariation).itemVariationData!.sku!);
    expect(skus).toHaveLength(2_000);
    expect(skus[0]).toBe("SKU-00001");
    expect(skus.at(-1)).toBe("SKU-02000");
    expect(new Set(skus).size).toBe(2_000);

    const found = await client(otherToken).catalog.search({ objectTypes: ["ITEM_VARIATION"], query: { exactQuery: { attributeName: "sku", attributeValue: "SKU-01234" } } });
    expect(found.objects).toHaveLength(1);

    let counts = 0;
    for await (const count of await client(otherToken).inventory.batchGetCounts({ states: ["IN_STOCK"] })) {
      expect(count.quantity).toBe("7");
      counts++;
    }
    expect(counts).toBe(4_000);
    // The demo seller's catalog is untouched.
    expect(sandbox.catalog(SELLER).some((entry) => entry.sku === "TB-TEE-BLK-M")).toBe(true);
  });
});

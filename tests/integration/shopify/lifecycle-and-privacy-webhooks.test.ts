import { Session } from "@shopify/shopify-api";
import type { ActionFunctionArgs } from "@remix-run/node";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { installShopifyTenant } from "~/models/tenants.server";
import { action as uninstalledAction } from "~/routes/webhooks.shopify.app.uninstalled";
import { action as scopesUpdateAction } from "~/routes/webhooks.shopify.app.scopes_update";
import { action as dataRequestAction } from "~/routes/webhooks.shopify.customers.data_request";
import { action as customersRedactAction } from "~/routes/webhooks.shopify.customers.redact";
import { action as shopRedactAction } from "~/routes/webhooks.shopify.shop.redact";
import { action as eventsAction } from "~/routes/webhooks.shopify.events";
import { sessionStorage } from "~/shopify.server";
import { shopifyWebhookRequest } from "../../support/shopify-webhooks";

// Shopify's lifecycle and privacy webhooks through the real routes and the real library's authenticate.webhook,
// with their effects checked in the database (PGlite, or PostgreSQL when DATABASE_URL is set).

type Action = (args: ActionFunctionArgs) => Promise<Response>;
let shop: string;
let tenantId: string;
let counter = 0;

async function deliver(action: Action, options: Omit<Parameters<typeof shopifyWebhookRequest>[0], "secret" | "shop"> & { shop?: string }) {
  const request = shopifyWebhookRequest({ shop, secret: getConfig().shopify.apiSecret, ...options });
  try {
    return await action({ request, params: {}, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

async function storeOfflineSession(forShop: string) {
  await sessionStorage.storeSession(
    new Session({ id: `offline_${forShop}`, shop: forShop, state: "", isOnline: false, scope: "read_products", accessToken: "shpat_test_token", expires: new Date(Date.now() + 3_600_000) }),
  );
}

async function databaseCounts() {
  const prisma = db();
  return {
    events: await prisma.webhookEvent.count(),
    sessions: await prisma.session.count(),
    audit: await prisma.auditLog.count(),
    tenants: await prisma.tenant.count(),
  };
}

beforeAll(async () => {
  // Workers only (no web role, so no sandboxes): the uninstall webhook enqueues a job.
  const { startRuntime } = await import("~/runtime.server");
  await startRuntime(["worker"]);
});

beforeEach(async () => {
  counter += 1;
  shop = `webhook-shop-${counter}.myshopify.com`;
  ({ tenantId } = await installShopifyTenant(db(), { shop, shopName: `Webhook Shop ${counter}`, scopes: ["read_products"] }));
  await storeOfflineSession(shop);
});

describe("signature and header checks", () => {
  it("answers 401 to a wrong HMAC and writes nothing", async () => {
    const before = await databaseCounts();
    const response = await deliver(uninstalledAction, { path: "/webhooks/shopify/app/uninstalled", topic: "app/uninstalled", payload: {}, hmac: "bm90IHRoZSByaWdodCBobWFj" });
    expect(response.status).toBe(401);
    expect(await databaseCounts()).toEqual(before);
    expect((await db().connection.findFirstOrThrow({ where: { tenantId } })).status).toBe("ACTIVE");
  });

  it("answers 400 when a required Shopify header is missing, and writes nothing", async () => {
    const before = await databaseCounts();
    const response = await deliver(uninstalledAction, { path: "/webhooks/shopify/app/uninstalled", topic: "app/uninstalled", payload: {}, omitHeaders: ["X-Shopify-Webhook-Id"] });
    expect(response.status).toBe(400);
    expect(await databaseCounts()).toEqual(before);
  });

  it("answers 413 to a body over 1 MB and 400 to a signed body that is not JSON, and writes nothing", async () => {
    const before = await databaseCounts();
    const oversized = await deliver(eventsAction, { path: "/webhooks/shopify/events", topic: "orders/paid", payload: { note: "x".repeat(1024 * 1024) } });
    expect(oversized.status).toBe(413);
    const notJson = await deliver(eventsAction, { path: "/webhooks/shopify/events", topic: "orders/paid", payload: null, rawBody: "{not json" });
    expect(notJson.status).toBe(400);
    expect(await databaseCounts()).toEqual(before);
  });

  it("answers 400 to a signed payload of the wrong shape, and writes nothing", async () => {
    const before = await databaseCounts();
    const response = await deliver(customersRedactAction, { path: "/webhooks/shopify/customers/redact", topic: "customers/redact", payload: { unexpected: true } });
    expect(response.status).toBe(400);
    expect(await databaseCounts()).toEqual(before);
  });
});

describe("app/uninstalled", () => {
  it("disconnects the shop, stops its syncs and deletes its sessions; a second delivery changes nothing", async () => {
    const square = await db().connection.create({ data: { tenantId, provider: "SQUARE", externalId: `merchant-${counter}` } });
    const shopifyConnection = await db().connection.findFirstOrThrow({ where: { tenantId, provider: "SHOPIFY" } });
    await db().sync.create({ data: { tenantId, kind: "INVENTORY", sourceConnectionId: shopifyConnection.id, targetConnectionId: square.id, enabled: true } });

    const first = await deliver(uninstalledAction, { path: "/webhooks/shopify/app/uninstalled", topic: "app/uninstalled", payload: { id: 1, domain: shop }, webhookId: `uninstall-${counter}` });
    expect(first.status).toBe(200);
    expect((await db().connection.findFirstOrThrow({ where: { tenantId, provider: "SHOPIFY" } })).status).toBe("DISCONNECTED");
    expect(await db().session.count({ where: { shop } })).toBe(0);
    expect(await db().sync.count({ where: { tenantId, enabled: true } })).toBe(0);
    expect((await db().tenant.findUniqueOrThrow({ where: { id: tenantId } })).status).toBe("UNINSTALLED");

    // Square is disconnected by a job enqueued with the uninstall (the vendor call happens outside the webhook).
    const deadline = Date.now() + 20_000;
    while ((await db().connection.findUniqueOrThrow({ where: { id: square.id } })).status !== "DISCONNECTED") {
      if (Date.now() > deadline) throw new Error("the Square connection was not disconnected by the job");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await db().auditLog.count({ where: { tenantId, action: "connection.disconnected", target: "SQUARE" } })).toBe(1);

    const countsAfterFirst = await databaseCounts();
    const again = await deliver(uninstalledAction, { path: "/webhooks/shopify/app/uninstalled", topic: "app/uninstalled", payload: { id: 1, domain: shop }, webhookId: `uninstall-${counter}` });
    expect(again.status).toBe(200);
    expect(await databaseCounts()).toEqual(countsAfterFirst);

    // A different delivery after the sessions are gone is harmless too.
    const late = await deliver(uninstalledAction, { path: "/webhooks/shopify/app/uninstalled", topic: "app/uninstalled", payload: { id: 1, domain: shop } });
    expect(late.status).toBe(200);
  });

  it("is answered for a shop Tillbridge does not know, without creating anything", async () => {
    const response = await deliver(uninstalledAction, { path: "/webhooks/shopify/app/uninstalled", topic: "app/uninstalled", payload: {}, shop: "stranger.myshopify.com" });
    expect(response.status).toBe(200);
    expect(await db().connection.count({ where: { externalId: "stranger.myshopify.com" } })).toBe(0);
  });

  it("a reinstall brings the same tenant back", async () => {
    await deliver(uninstalledAction, { path: "/webhooks/shopify/app/uninstalled", topic: "app/uninstalled", payload: {} });
    const again = await installShopifyTenant(db(), { shop, shopName: `Webhook Shop ${counter}`, scopes: ["read_products"] });
    expect(again).toEqual({ tenantId, reinstalled: true });
    expect((await db().connection.findFirstOrThrow({ where: { tenantId, provider: "SHOPIFY" } })).status).toBe("ACTIVE");
    expect((await db().tenant.findUniqueOrThrow({ where: { id: tenantId } })).status).toBe("ACTIVE");
  });
});

describe("app/scopes_update", () => {
  it("records the current scopes on the sessions and the connection", async () => {
    const response = await deliver(scopesUpdateAction, {
      path: "/webhooks/shopify/app/scopes_update",
      topic: "app/scopes_update",
      payload: { id: 1, previous: ["read_products"], current: ["read_products", "read_orders"], updated_at: new Date().toISOString() },
    });
    expect(response.status).toBe(200);
    expect((await db().connection.findFirstOrThrow({ where: { tenantId, provider: "SHOPIFY" } })).scopes).toEqual(["read_products", "read_orders"]);
    expect((await db().session.findFirstOrThrow({ where: { shop } })).scope).toBe("read_products,read_orders");
  });
});

describe("sync topics (/webhooks/shopify/events)", () => {
  it("stores an event once: Shopify's retry (same webhook id) and a redelivery (new webhook id, same event id) change nothing", async () => {
    const eventId = "shopify-event-4711";
    const levels = { inventory_item_id: 271_878_346_596_884, location_id: 24_826_418, available: 6 };
    const first = await deliver(eventsAction, { path: "/webhooks/shopify/events", topic: "inventory_levels/update", payload: levels, eventId, webhookId: "delivery-1" });
    const retry = await deliver(eventsAction, { path: "/webhooks/shopify/events", topic: "inventory_levels/update", payload: levels, eventId, webhookId: "delivery-1" });
    const redelivery = await deliver(eventsAction, { path: "/webhooks/shopify/events", topic: "inventory_levels/update", payload: levels, eventId, webhookId: "delivery-2" });
    // One event can notify several topics: each is its own entry.
    const otherTopic = await deliver(eventsAction, { path: "/webhooks/shopify/events", topic: "products/update", payload: { id: 632_910_392 }, eventId, webhookId: "delivery-3" });
    expect([first.status, retry.status, redelivery.status, otherTopic.status]).toEqual([200, 200, 200, 200]);
    const stored = await db().webhookEvent.findMany({ where: { accountRef: shop }, orderBy: { receivedAt: "asc" }, select: { topic: true, tenantId: true, status: true } });
    expect(stored).toEqual([
      { topic: "INVENTORY_LEVELS_UPDATE", tenantId, status: expect.any(String) },
      { topic: "PRODUCTS_UPDATE", tenantId, status: expect.any(String) },
    ]);
  });
});

describe("privacy webhooks", () => {
  const customer = { id: 7_001_234, email: "Ada.Lovelace@example.com", phone: "+15555550123" };

  async function storeOrderEvents() {
    const mentioning = await deliver(eventsAction, {
      path: "/webhooks/shopify/events",
      topic: "orders/paid",
      payload: { id: 820_982_911_946_154, email: "ada.lovelace@example.com", customer: { id: customer.id, admin_graphql_api_id: `gid://shopify/Customer/${customer.id}` } },
    });
    const unrelated = await deliver(eventsAction, {
      path: "/webhooks/shopify/events",
      topic: "orders/paid",
      payload: { id: 820_982_911_946_999, email: "someone.else@example.com", customer: { id: 9_999_999 } },
    });
    expect([mentioning.status, unrelated.status]).toEqual([200, 200]);
  }

  it("customers/data_request assembles what is held about the customer into the audit log", async () => {
    await storeOrderEvents();
    const response = await deliver(dataRequestAction, {
      path: "/webhooks/shopify/customers/data_request",
      topic: "customers/data_request",
      payload: { shop_id: 1, shop_domain: shop, orders_requested: [], customer, data_request: { id: 9_001 } },
    });
    expect(response.status).toBe(200);
    const entry = await db().auditLog.findFirstOrThrow({ where: { tenantId, action: "privacy.customer_data_request" } });
    const details = entry.details as { dataRequestId: string; report: { webhookEvents: { topic: string }[] } };
    expect(details.dataRequestId).toBe("9001");
    expect(details.report.webhookEvents).toHaveLength(1);
    expect(details.report.webhookEvents[0]!.topic).toBe("ORDERS_PAID");
    // The inbox keeps ids only for privacy topics, never the email.
    const inbox = await db().webhookEvent.findFirstOrThrow({ where: { tenantId, topic: "CUSTOMERS_DATA_REQUEST" } });
    expect(JSON.stringify(inbox.payload)).not.toContain("example.com");
  });

  it("customers/redact erases the customer's data everywhere and leaves other customers alone", async () => {
    await storeOrderEvents();
    await db().auditLog.create({ data: { tenantId, actorType: "SYSTEM", action: "test.note", details: { customerEmail: customer.email } } });
    // An issue whose retry job alone names the customer: the job's payload goes, and with it Retry.
    const issue = await db().syncIssue.create({
      data: { tenantId, key: "loyalty:customer", code: "TEST", message: "Points could not be added.", retriable: true, retryJob: { name: "system.noop", payload: { note: customer.email } } },
    });
    const response = await deliver(customersRedactAction, {
      path: "/webhooks/shopify/customers/redact",
      topic: "customers/redact",
      payload: { shop_id: 1, shop_domain: shop, customer, orders_to_redact: [] },
    });
    expect(response.status).toBe(200);
    const everything = JSON.stringify([
      await db().webhookEvent.findMany({ where: { tenantId } }),
      await db().auditLog.findMany({ where: { tenantId } }),
      await db().syncIssue.findMany({ where: { tenantId } }),
    ], (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    expect(everything.toLowerCase()).not.toContain("ada.lovelace@example.com");
    expect(await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).toMatchObject({ retryJob: null, retriable: false });
    expect(everything).not.toContain(String(customer.id) + ",");
    expect(everything).toContain("someone.else@example.com");
  });

  it("shop/redact leaves an installed shop alone, and erases everything of an uninstalled one", async () => {
    await storeOrderEvents();
    const whileInstalled = await deliver(shopRedactAction, { path: "/webhooks/shopify/shop/redact", topic: "shop/redact", payload: { shop_id: 1, shop_domain: shop } });
    expect(whileInstalled.status).toBe(200);
    expect(await db().tenant.count({ where: { id: tenantId } })).toBe(1);

    await deliver(uninstalledAction, { path: "/webhooks/shopify/app/uninstalled", topic: "app/uninstalled", payload: {} });
    const response = await deliver(shopRedactAction, { path: "/webhooks/shopify/shop/redact", topic: "shop/redact", payload: { shop_id: 1, shop_domain: shop } });
    expect(response.status).toBe(200);
    expect(await db().tenant.count({ where: { id: tenantId } })).toBe(0);
    expect(await db().connection.count({ where: { tenantId } })).toBe(0);
    expect(await db().webhookEvent.count({ where: { tenantId } })).toBe(0);
    expect(await db().auditLog.count({ where: { tenantId } })).toBe(0);
    expect(await db().session.count({ where: { shop } })).toBe(0);
    expect(await db().auditLog.count({ where: { action: "privacy.shop_redact.erased", target: shop } })).toBe(1);
  });
});

describe("installation", () => {
  it("creates one tenant when several requests install the same shop at once", async () => {
    const newShop = `parallel-${counter}.myshopify.com`;
    const results = await Promise.all(Array.from({ length: 4 }, () => installShopifyTenant(db(), { shop: newShop, shopName: "Parallel", scopes: [] })));
    expect(new Set(results.map((result) => result.tenantId)).size).toBe(1);
    expect(await db().connection.count({ where: { externalId: newShop } })).toBe(1);
  });
});

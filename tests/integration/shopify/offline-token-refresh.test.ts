import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../../sandbox/shopify/index";

// Expiring offline tokens against the Shopify sandbox, through the real library: install by token exchange,
// one refresh for two concurrent callers, and a refused refresh turning into NEEDS_REAUTH.

let sandbox: ShopifySandbox;
let app: {
  db: typeof import("~/db.server");
  tokens: typeof import("~/integrations/shopify/offline-token.server");
  shopify: typeof import("~/shopify.server");
  encryption: typeof import("~/security/encryption.server");
  keyRing: typeof import("~/security/key-ring.server");
  config: typeof import("~/config.server");
};
const shop = DEMO_SHOP;
const browserUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

beforeAll(async () => {
  sandbox = await startShopifySandbox({ port: 0, appUrl: "http://localhost:3000", apiKey: SANDBOX_SHOPIFY_API_KEY, apiSecret: SANDBOX_SHOPIFY_API_SECRET });
  // The app reads its configuration on first use: point it at this sandbox before loading it.
  process.env.SANDBOX_URL = sandbox.url;
  app = {
    db: await import("~/db.server"),
    tokens: await import("~/integrations/shopify/offline-token.server"),
    shopify: await import("~/shopify.server"),
    encryption: await import("~/security/encryption.server"),
    keyRing: await import("~/security/key-ring.server"),
    config: await import("~/config.server"),
  };
});

afterAll(async () => {
  await sandbox.close();
});

/** What the embedded app does on a merchant's first visit: a request with App Bridge's session token. */
async function openAppAsMerchant() {
  sandbox.install(shop);
  const request = new Request(`http://localhost:3000/app?shop=${shop}`, {
    headers: { Authorization: `Bearer ${sandbox.sessionToken(shop)}`, "User-Agent": browserUserAgent },
  });
  return app.shopify.authenticate.admin(request);
}

async function expireStoredAccessToken() {
  sandbox.expireAccessTokens(shop);
  await app.db.db().session.updateMany({ where: { shop, isOnline: false }, data: { expires: new Date(Date.now() - 60_000) } });
}

describe("Shopify offline tokens", () => {
  it("installs through token exchange: an expiring offline session, sealed at rest, and the tenant", async () => {
    const { session } = await openAppAsMerchant();
    expect(session.shop).toBe(shop);
    const row = await app.db.db().session.findUniqueOrThrow({ where: { id: `offline_${shop}` } });
    expect(row.expires!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(row.refreshTokenEncrypted).toBeTruthy();
    expect(row.accessTokenEncrypted).not.toContain(session.accessToken!);
    const connection = await app.db.db().connection.findFirstOrThrow({ where: { provider: "SHOPIFY", externalId: shop } });
    expect(connection.status).toBe("ACTIVE");
    expect(connection.displayName).toBe("Tillbridge Demo Store");
    expect(sandbox.stats().byShop[shop]?.tokenExchange).toBeGreaterThanOrEqual(1);
  });

  it("refreshes once when two workers need a fresh token at the same moment", async () => {
    await openAppAsMerchant();
    const before = await app.db.db().session.findUniqueOrThrow({ where: { id: `offline_${shop}` } });
    await expireStoredAccessToken();
    sandbox.resetStats();

    // A second client with its own connection pool stands in for a second worker process.
    // On the embedded database there is one process, and its one connection serialises the two.
    const databaseConfig = app.config.getConfig().database;
    const secondWorker = databaseConfig.kind === "postgres" ? app.db.openDatabase(databaseConfig) : null;
    const clients = [app.db.db(), secondWorker?.prisma ?? app.db.db()];
    try {
      const [first, second] = await Promise.all(clients.map((client) => app.tokens.getFreshOfflineSession(client, shop)));
      expect(sandbox.stats().tokenRefresh).toBe(1);
      expect(first!.accessToken).toBe(second!.accessToken);
      expect(first!.expires!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    } finally {
      await secondWorker?.close();
    }
    const after = await app.db.db().session.findUniqueOrThrow({ where: { id: `offline_${shop}` } });
    expect(after.refreshTokenEncrypted).not.toBe(before.refreshTokenEncrypted);

    // The fresh token works against the Admin API.
    const { admin } = await app.shopify.unauthenticated.admin(shop);
    const response = await admin.graphql(`#graphql
      query TillbridgeTestShopName {
        shop {
          name
        }
      }`);
    expect(((await response.json()) as { data: { shop: { name: string } } }).data.shop.name).toBe("Tillbridge Demo Store");
  });

  it("marks the connection NEEDS_REAUTH and tells the merchant when Shopify refuses the refresh", async () => {
    await openAppAsMerchant();
    const current = await app.tokens.getFreshOfflineSession(app.db.db(), shop);
    // Shopify keeps a used refresh token alive until its replacement is used: rotate twice, and the first one
    // is dead for good. Putting it back makes Shopify refuse the refresh.
    for (let rotation = 0; rotation < 2; rotation++) {
      await expireStoredAccessToken();
      await app.tokens.getFreshOfflineSession(app.db.db(), shop);
    }
    const ring = app.keyRing.getKeyRing(app.config.getConfig());
    await app.db.db().session.update({
      where: { id: `offline_${shop}` },
      data: { refreshTokenEncrypted: app.encryption.sealSecret(ring, current.refreshToken!, `session:offline_${shop}`) },
    });
    await expireStoredAccessToken();

    await expect(app.tokens.getFreshOfflineSession(app.db.db(), shop)).rejects.toBeInstanceOf(app.tokens.ShopifyReauthorizationRequiredError);
    const connection = await app.db.db().connection.findFirstOrThrow({ where: { provider: "SHOPIFY", externalId: shop } });
    expect(connection.status).toBe("NEEDS_REAUTH");
    const issue = await app.db.db().syncIssue.findFirstOrThrow({ where: { tenantId: connection.tenantId, code: "CONNECTION_NEEDS_REAUTH" } });
    expect(issue.status).toBe("OPEN");
    expect(issue.message).toMatch(/Open Tillbridge from your Shopify admin/);

    // The merchant opens the app: token exchange restores access and the issue closes itself.
    await openAppAsMerchant();
    expect((await app.db.db().connection.findFirstOrThrow({ where: { id: connection.id } })).status).toBe("ACTIVE");
    expect((await app.db.db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).status).toBe("RESOLVED");
  });

  it("a refresh token past its expiry needs the merchant, without asking Shopify", async () => {
    await openAppAsMerchant();
    await app.db.db().session.update({ where: { id: `offline_${shop}` }, data: { refreshTokenExpires: new Date(Date.now() - 1000) } });
    await expireStoredAccessToken();
    sandbox.resetStats();
    await expect(app.tokens.getFreshOfflineSession(app.db.db(), shop)).rejects.toThrow(/refresh token has expired/);
    expect(sandbox.stats().tokenRefresh).toBe(0);
  });
});

describe("tenant walls in the embedded app", () => {
  it("a merchant sees and changes only their own connections", async () => {
    const otherShop = "walled-garden.myshopify.com";
    const created = await fetch(`${sandbox.url}/_sandbox/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ shop: otherShop, name: "Walled Garden" }) });
    expect(created.ok).toBe(true);
    const requestAs = (forShop: string, init: RequestInit = {}) =>
      new Request(`http://localhost:3000/app/connections?shop=${forShop}`, {
        ...init,
        headers: { Authorization: `Bearer ${sandbox.sessionToken(forShop)}`, "User-Agent": browserUserAgent },
      });
    sandbox.install(shop);
    sandbox.install(otherShop);
    const connections = await import("~/routes/app.connections");

    // Each shop's first request installs its tenant; the demo shop also has a Square seller connected.
    const demo = await connections.loader({ request: requestAs(shop), params: {}, context: {} });
    const other = await connections.loader({ request: requestAs(otherShop), params: {}, context: {} });
    const demoTenant = (await app.db.db().connection.findFirstOrThrow({ where: { provider: "SHOPIFY", externalId: shop } })).tenantId;
    await app.db.db().connection.create({ data: { tenantId: demoTenant, provider: "SQUARE", externalId: "WALL-SELLER", displayName: "Demo's Square" } });
    expect(demo.shopify?.account).toBe("Tillbridge Demo Store");
    expect(other.shopify?.account).not.toBe("Tillbridge Demo Store");
    const otherNow = await connections.loader({ request: requestAs(otherShop), params: {}, context: {} });
    expect(otherNow.square).toBeNull();

    // Disconnecting "Square" as the other merchant touches nothing of the demo shop's.
    const form = new URLSearchParams({ intent: "disconnect", provider: "SQUARE" });
    const answer = await connections.action({ request: requestAs(otherShop, { method: "POST", body: form }), params: {}, context: {} });
    expect(answer).toEqual({ message: "Square is disconnected." });
    expect((await app.db.db().connection.findFirstOrThrow({ where: { externalId: "WALL-SELLER" } })).status).toBe("ACTIVE");
  });
});

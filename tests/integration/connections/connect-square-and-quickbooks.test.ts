import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECOND_DEMO_REALM_ID, type IntuitSandbox } from "../../../sandbox/intuit/index";
import { SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY, squareSignature, type SquareSandbox } from "../../../sandbox/square/index";
import { answerConsentPage } from "../../support/consent-forms";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// Connecting Square and QuickBooks through their sandboxes with the real SDKs: state checks, refusals,
// sealed tokens, disconnect and health checks, with the effects read from the database.

const APP_URL = "http://localhost:3000";
const SELLER_A = "MLTB0DEMO0001";
const SELLER_B = "MLTB0DEMO0002";
let square: SquareSandbox;
let intuit: IntuitSandbox;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes>>;
let app: {
  db: typeof import("~/db.server");
  flow: typeof import("~/integrations/connections/flow.server");
  tenants: typeof import("~/models/tenants.server");
  refresh: typeof import("~/integrations/connections/token-refresh.server");
  keyRing: typeof import("~/security/key-ring.server");
  encryption: typeof import("~/security/encryption.server");
  config: typeof import("~/config.server");
};
let counter = 0;

beforeAll(async () => {
  sandboxes = await startVendorSandboxes(APP_URL, ["square", "intuit"]);
  ({ square, intuit } = sandboxes);
  app = {
    db: await import("~/db.server"),
    flow: await import("~/integrations/connections/flow.server"),
    tenants: await import("~/models/tenants.server"),
    refresh: await import("~/integrations/connections/token-refresh.server"),
    keyRing: await import("~/security/key-ring.server"),
    encryption: await import("~/security/encryption.server"),
    config: await import("~/config.server"),
  };
});

afterAll(async () => {
  await sandboxes.close();
});

async function newTenant() {
  counter += 1;
  const shop = `connect-${counter}.myshopify.com`;
  const { tenantId } = await app.tenants.installShopifyTenant(app.db.db(), { shop, shopName: `Connect ${counter}`, scopes: [] });
  return tenantId;
}

async function approveSquare(tenantId: string, seller = SELLER_A) {
  const authorizeUrl = await app.flow.startConnection(app.db.db(), { tenantId, provider: "SQUARE", actor: "shopify-user:1001", returnTo: "http://admin.example/connections" });
  return answerConsentPage(authorizeUrl, { account: { field: "merchant_id", value: seller }, button: { field: "decision", value: "approve" } });
}

async function approveQuickBooks(tenantId: string) {
  const authorizeUrl = await app.flow.startConnection(app.db.db(), { tenantId, provider: "QUICKBOOKS", actor: "shopify-user:1001", returnTo: "http://admin.example/connections" });
  return answerConsentPage(authorizeUrl, { account: { field: "realmId", value: SECOND_DEMO_REALM_ID }, button: { field: "action", value: "connect" } });
}

async function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  const { logger } = await import("~/observability/logger.server");
  const level = logger.level;
  logger.level = "debug";
  try {
    return { result: await work(), output: chunks.join("") };
  } finally {
    logger.level = level;
    process.stdout.write = original;
  }
}

describe("connecting Square", () => {
  it("stores the seller's tokens sealed, shows the business name, and never logs a token", async () => {
    const tenantId = await newTenant();
    const callback = await approveSquare(tenantId, SELLER_B);
    const { result: outcome, output } = await captureStdout(() => app.flow.completeConnection(app.db.db(), "SQUARE", callback));
    expect(outcome).toEqual({ ok: true, returnTo: "http://admin.example/connections", account: "Tillbridge Books & Games" });

    const connection = await app.db.db().connection.findUniqueOrThrow({ where: { tenantId_provider: { tenantId, provider: "SQUARE" } } });
    expect(connection).toMatchObject({ status: "ACTIVE", externalId: SELLER_B, displayName: "Tillbridge Books & Games" });
    expect(connection.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
    // Sealed: Square's tokens start EAAA (access) and EQAA (refresh); neither prefix survives encryption.
    expect(connection.credentialsEncrypted).toMatch(/^v1\./);
    expect(connection.credentialsEncrypted).not.toMatch(/EAAA|EQAA/);
    expect(output).toContain("connection established");
    expect(output).not.toMatch(/EAAA|EQAA|sq0cgb-/);
    await app.flow.disconnect(app.db.db(), { tenantId, provider: "SQUARE", actor: "test" });
  });

  it("refuses a replayed state: the second use stores nothing", async () => {
    const tenantId = await newTenant();
    const callback = await approveSquare(tenantId);
    expect((await app.flow.completeConnection(app.db.db(), "SQUARE", callback)).ok).toBe(true);
    await app.flow.disconnect(app.db.db(), { tenantId, provider: "SQUARE", actor: "test" });
    const replay = await app.flow.completeConnection(app.db.db(), "SQUARE", callback);
    expect(replay).toMatchObject({ ok: false, message: expect.stringMatching(/already used or is not from Tillbridge/) });
    expect((await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "SQUARE" } })).status).toBe("DISCONNECTED");
  });

  it("refuses a tampered or missing state, and one meant for another vendor, storing nothing", async () => {
    const tenantId = await newTenant();
    const callback = await approveSquare(tenantId);
    const tampered = new URL(callback);
    tampered.searchParams.set("state", `${callback.searchParams.get("state")}x`);
    expect(await app.flow.completeConnection(app.db.db(), "SQUARE", tampered)).toMatchObject({ ok: false, message: expect.stringMatching(/not from Tillbridge/) });
    const missing = new URL(callback);
    missing.searchParams.delete("state");
    expect(await app.flow.completeConnection(app.db.db(), "SQUARE", missing)).toMatchObject({ ok: false, message: expect.stringMatching(/missing its security check/) });
    expect(await app.flow.completeConnection(app.db.db(), "QUICKBOOKS", callback)).toMatchObject({ ok: false, message: expect.stringMatching(/belongs to another connection/) });
    expect(await app.db.db().connection.count({ where: { tenantId, provider: "SQUARE" } })).toBe(0);
  });

  it("refuses an expired state", async () => {
    const tenantId = await newTenant();
    const callback = await approveSquare(tenantId);
    await app.db.db().oAuthState.updateMany({ where: { tenantId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await app.flow.completeConnection(app.db.db(), "SQUARE", callback)).toMatchObject({ ok: false, message: expect.stringMatching(/has expired/) });
    expect(await app.db.db().connection.count({ where: { tenantId, provider: "SQUARE" } })).toBe(0);
  });

  it("says plainly that the merchant declined, and stores nothing", async () => {
    const tenantId = await newTenant();
    const authorizeUrl = await app.flow.startConnection(app.db.db(), { tenantId, provider: "SQUARE", actor: "u", returnTo: "http://admin.example/c" });
    const callback = await answerConsentPage(authorizeUrl, { account: { field: "merchant_id", value: SELLER_A }, button: { field: "decision", value: "deny" } });
    expect(await app.flow.completeConnection(app.db.db(), "SQUARE", callback)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/You declined the connection on Square's page/),
      returnTo: "http://admin.example/c",
    });
    expect(await app.db.db().connection.count({ where: { tenantId, provider: "SQUARE" } })).toBe(0);
  });

  it("refuses a seller that already belongs to another tenant, and leaves that tenant's connection alone", async () => {
    const first = await newTenant();
    expect((await app.flow.completeConnection(app.db.db(), "SQUARE", await approveSquare(first, SELLER_A))).ok).toBe(true);
    const second = await newTenant();
    const outcome = await app.flow.completeConnection(app.db.db(), "SQUARE", await approveSquare(second, SELLER_A));
    expect(outcome).toMatchObject({ ok: false, message: expect.stringMatching(/already connected to another Tillbridge account/) });
    expect(await app.db.db().connection.count({ where: { tenantId: second, provider: "SQUARE" } })).toBe(0);
    expect((await app.db.db().connection.findFirstOrThrow({ where: { tenantId: first, provider: "SQUARE" } })).status).toBe("ACTIVE");
    await app.flow.disconnect(app.db.db(), { tenantId: first, provider: "SQUARE", actor: "test" });
  });

  it("disconnect revokes at Square, deletes the tokens and keeps the history; a revoked token shows as NEEDS_REAUTH on test", async () => {
    const tenantId = await newTenant();
    expect((await app.flow.completeConnection(app.db.db(), "SQUARE", await approveSquare(tenantId, SELLER_B))).ok).toBe(true);
    expect(await app.flow.testConnection(app.db.db(), { tenantId, provider: "SQUARE" })).toMatchObject({ ok: true, detail: expect.stringMatching(/locations? visible/) });

    // Revoked from Square's side (e.g. the seller's dashboard): the next check finds out and tells the merchant.
    await fetch(`${square.url}/_sandbox/sellers/${SELLER_B}/revoke`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ revokerType: "MERCHANT" }) });
    expect(await app.flow.testConnection(app.db.db(), { tenantId, provider: "SQUARE" })).toMatchObject({ ok: false, authorizationLost: true });
    expect((await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "SQUARE" } })).status).toBe("NEEDS_REAUTH");
    expect(await app.db.db().syncIssue.count({ where: { tenantId, code: "CONNECTION_NEEDS_REAUTH", status: "OPEN" } })).toBe(1);

    // Reconnecting resolves the issue; disconnecting revokes upstream and deletes the tokens.
    expect((await app.flow.completeConnection(app.db.db(), "SQUARE", await approveSquare(tenantId, SELLER_B))).ok).toBe(true);
    expect(await app.db.db().syncIssue.count({ where: { tenantId, code: "CONNECTION_NEEDS_REAUTH", status: "OPEN" } })).toBe(0);
    const revokesBefore = square.stats().revokes;
    await app.flow.disconnect(app.db.db(), { tenantId, provider: "SQUARE", actor: "shopify-user:1001" });
    expect(square.stats().revokes).toBe(revokesBefore + 1);
    const connection = await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "SQUARE" } });
    expect(connection).toMatchObject({ status: "DISCONNECTED", credentialsEncrypted: null });
    expect(await app.db.db().auditLog.count({ where: { tenantId, action: "connection.disconnected", target: "SQUARE" } })).toBe(1);
  });
});

describe("connecting QuickBooks", () => {
  it("stores the realm and company name, tests CompanyInfo, and revokes at Intuit on disconnect", async () => {
    const tenantId = await newTenant();
    const outcome = await app.flow.completeConnection(app.db.db(), "QUICKBOOKS", await approveQuickBooks(tenantId));
    expect(outcome.ok).toBe(true);
    const connection = await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } });
    expect(connection.externalId).toBe(SECOND_DEMO_REALM_ID);
    expect(connection.displayName).toBeTruthy();
    expect(connection.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 99 * 24 * 3600_000);
    expect(await app.flow.testConnection(app.db.db(), { tenantId, provider: "QUICKBOOKS" })).toMatchObject({ ok: true, detail: expect.stringMatching(/QuickBooks answered for/) });

    const revokesBefore = intuit.stats().revokes;
    await app.flow.disconnect(app.db.db(), { tenantId, provider: "QUICKBOOKS", actor: "shopify-user:1001" });
    expect(intuit.stats().revokes).toBe(revokesBefore + 1);
    expect(await app.db.db().connection.findFirstOrThrow({ where: { id: connection.id } })).toMatchObject({ status: "DISCONNECTED", credentialsEncrypted: null });
  });
});

async function storedCredentials(connectionId: string): Promise<Record<string, string>> {
  const connection = await app.db.db().connection.findUniqueOrThrow({ where: { id: connectionId } });
  const ring = app.keyRing.getKeyRing(app.config.getConfig());
  return JSON.parse(app.encryption.openSecret(ring, connection.credentialsEncrypted!, `connection:${connectionId}`)) as Record<string, string>;
}

/** Makes the stored QuickBooks tokens look issued `seconds` earlier, as if time had passed. */
async function ageStoredCredentials(connectionId: string, seconds: number) {
  const credentials = await storedCredentials(connectionId);
  credentials.createdAt = new Date(Date.parse(credentials.createdAt!) - seconds * 1000).toISOString();
  const ring = app.keyRing.getKeyRing(app.config.getConfig());
  await app.db.db().connection.update({
    where: { id: connectionId },
    data: { credentialsEncrypted: app.encryption.sealSecret(ring, JSON.stringify(credentials), `connection:${connectionId}`) },
  });
}

describe("token renewal", () => {
  it("renews QuickBooks once for two concurrent workers, and keeps the newest refresh token", async () => {
    const tenantId = await newTenant();
    expect((await app.flow.completeConnection(app.db.db(), "QUICKBOOKS", await approveQuickBooks(tenantId))).ok).toBe(true);
    const connection = await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } });
    expect(await app.refresh.refreshConnectionTokens(app.db.db(), connection.id)).toBe("not-due");
    const before = await storedCredentials(connection.id);

    // Fifty-five minutes on, the hour-long token is due; two workers notice at once.
    await ageStoredCredentials(connection.id, 55 * 60);
    const refreshesBefore = intuit.stats().tokenRefreshes;
    const outcomes = await Promise.all([app.refresh.refreshConnectionTokens(app.db.db(), connection.id), app.refresh.refreshConnectionTokens(app.db.db(), connection.id)]);
    expect(outcomes.sort()).toEqual(["not-due", "renewed"]);
    expect(intuit.stats().tokenRefreshes).toBe(refreshesBefore + 1);
    const after = await storedCredentials(connection.id);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await app.flow.testConnection(app.db.db(), { tenantId, provider: "QUICKBOOKS" })).toMatchObject({ ok: true });
    await app.flow.disconnect(app.db.db(), { tenantId, provider: "QUICKBOOKS", actor: "test" });
  });

  it("turns QuickBooks' invalid_grant into NEEDS_REAUTH with an issue for the merchant, in one run", async () => {
    const tenantId = await newTenant();
    expect((await app.flow.completeConnection(app.db.db(), "QUICKBOOKS", await approveQuickBooks(tenantId))).ok).toBe(true);
    const connection = await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } });
    const { refreshToken } = await storedCredentials(connection.id);
    await fetch(`${intuit.url}/_sandbox/refresh-tokens`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refreshToken, action: "revoke" }) });

    const outcome = await app.refresh.refreshConnectionTokens(app.db.db(), connection.id, new Date(Date.now() + 3600 * 1000));
    expect(outcome).toBe("authorization-lost");
    expect((await app.db.db().connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe("NEEDS_REAUTH");
    const issue = await app.db.db().syncIssue.findFirstOrThrow({ where: { tenantId, code: "CONNECTION_NEEDS_REAUTH" } });
    expect(issue.message).toMatch(/Reconnect QuickBooks/);
    // Not retried: a connection that needs the merchant is left alone by later sweeps.
    expect(await app.refresh.connectionsDueForRefresh(app.db.db(), new Date(Date.now() + 3600 * 1000))).not.toContain(connection.id);
    await app.flow.disconnect(app.db.db(), { tenantId, provider: "QUICKBOOKS", actor: "test" });
  });

  it("renews Square after six days, and a revoked Square token turns into NEEDS_REAUTH", async () => {
    const tenantId = await newTenant();
    expect((await app.flow.completeConnection(app.db.db(), "SQUARE", await approveSquare(tenantId, SELLER_A))).ok).toBe(true);
    const connection = await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "SQUARE" } });
    expect(await app.refresh.refreshConnectionTokens(app.db.db(), connection.id, new Date(Date.now() + 5 * 24 * 3600 * 1000))).toBe("not-due");
    const sevenDaysOn = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    expect(await app.refresh.connectionsDueForRefresh(app.db.db(), sevenDaysOn)).toContain(connection.id);
    const before = await storedCredentials(connection.id);
    expect(await app.refresh.refreshConnectionTokens(app.db.db(), connection.id, sevenDaysOn)).toBe("renewed");
    expect((await storedCredentials(connection.id)).accessToken).not.toBe(before.accessToken);

    await fetch(`${square.url}/_sandbox/sellers/${SELLER_A}/revoke`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ revokerType: "MERCHANT" }) });
    expect(await app.refresh.refreshConnectionTokens(app.db.db(), connection.id, new Date(Date.now() + 14 * 24 * 3600 * 1000))).toBe("authorization-lost");
    expect((await app.db.db().connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe("NEEDS_REAUTH");
    await app.flow.disconnect(app.db.db(), { tenantId, provider: "SQUARE", actor: "test" });
  });
});

describe("Square webhooks", () => {
  async function deliverSquare(body: string, signature?: string) {
    const { action } = await import("~/routes/webhooks.square");
    const request = new Request(`${APP_URL}/webhooks/square`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-square-hmacsha256-signature": signature ?? squareSignature(SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY, `${APP_URL}/webhooks/square`, body) },
      body,
    });
    return action({ request, params: {}, context: {} });
  }

  function revokedEvent(merchantId: string, eventId: string) {
    return JSON.stringify({
      merchant_id: merchantId,
      type: "oauth.authorization.revoked",
      event_id: eventId,
      created_at: new Date().toISOString(),
      data: { type: "revocation", id: eventId, object: { revocation: { revoked_at: new Date().toISOString(), revoker_type: "MERCHANT" } } },
    });
  }

  it("oauth.authorization.revoked disconnects the seller; a redelivery changes nothing", async () => {
    const tenantId = await newTenant();
    expect((await app.flow.completeConnection(app.db.db(), "SQUARE", await approveSquare(tenantId, SELLER_A))).ok).toBe(true);
    const eventId = `evt-${tenantId}`;
    expect((await deliverSquare(revokedEvent(SELLER_A, eventId))).status).toBe(200);
    const connection = await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "SQUARE" } });
    expect(connection).toMatchObject({ status: "DISCONNECTED", credentialsEncrypted: null });
    const events = await app.db.db().webhookEvent.count({ where: { provider: "SQUARE" } });
    expect((await deliverSquare(revokedEvent(SELLER_A, eventId))).status).toBe(200);
    expect(await app.db.db().webhookEvent.count({ where: { provider: "SQUARE" } })).toBe(events);
  });

  it("refuses a wrong signature (401), a malformed body (400) and an oversized one (413), writing nothing", async () => {
    const before = await app.db.db().webhookEvent.count();
    expect((await deliverSquare(revokedEvent(SELLER_B, "evt-forged"), "bm90LXRoZS1zaWduYXR1cmU=")).status).toBe(401);
    expect((await deliverSquare("{not json")).status).toBe(400);
    expect((await deliverSquare(JSON.stringify({ type: "x" }))).status).toBe(400);
    expect((await deliverSquare(`{"padding":"${"x".repeat(1024 * 1024)}"}`)).status).toBe(413);
    expect(await app.db.db().webhookEvent.count()).toBe(before);
  });
});

describe("Intuit's Disconnect URL", () => {
  async function openDisconnectUrl(realmId: string) {
    const { loader } = await import("~/routes/quickbooks.disconnect");
    return loader({ request: new Request(`${APP_URL}/quickbooks/disconnect?realmId=${realmId}`), params: {}, context: {} });
  }

  it("changes nothing while QuickBooks still accepts the token, and disconnects once it does not", async () => {
    const tenantId = await newTenant();
    expect((await app.flow.completeConnection(app.db.db(), "QUICKBOOKS", await approveQuickBooks(tenantId))).ok).toBe(true);
    // Anyone can open the URL: without QuickBooks confirming, the connection stays.
    expect(await openDisconnectUrl(SECOND_DEMO_REALM_ID)).toEqual({ outcome: "still-connected" });
    expect((await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } })).status).toBe("ACTIVE");

    // The merchant disconnects Tillbridge inside QuickBooks, which then sends them to the Disconnect URL.
    const disconnected = await fetch(`${intuit.url}/_sandbox/companies/${SECOND_DEMO_REALM_ID}/disconnect`, { method: "POST" });
    expect(disconnected.ok).toBe(true);
    expect(await openDisconnectUrl(SECOND_DEMO_REALM_ID)).toEqual({ outcome: "disconnected" });
    expect(await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } })).toMatchObject({ status: "DISCONNECTED", credentialsEncrypted: null });
  });

  it("answers an unknown or malformed realm without changing anything", async () => {
    const before = await app.db.db().connection.count({ where: { status: "DISCONNECTED" } });
    expect(await openDisconnectUrl("999999")).toEqual({ outcome: "unknown" });
    expect(await openDisconnectUrl("not-a-realm';--")).toEqual({ outcome: "unknown" });
    expect(await app.db.db().connection.count({ where: { status: "DISCONNECTED" } })).toBe(before);
  });
});

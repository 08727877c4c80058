import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SECOND_DEMO_REALM_ID, DEMO_REALM_ID, type IntuitSandbox } from "../../../sandbox/intuit/index";
import { answerConsentPage } from "../../support/consent-forms";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// A merchant arriving from the Square App Marketplace: Square sign-in creates (or finds) their tenant, the Square
// merchant area's session, joining a Shopify store with a one-time code, and QuickBooks' five-year hard expiry.
// Route modules are called with real Requests; vendors are the sandboxes, reached by the real SDKs.

const APP_URL = "http://localhost:3000";
const SELLER = "MLTB0DEMO0001";
let intuit: IntuitSandbox;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes>>;
let app: {
  db: typeof import("~/db.server");
  flow: typeof import("~/integrations/connections/flow.server");
  tenants: typeof import("~/models/tenants.server");
  linking: typeof import("~/models/tenant-linking.server");
  sessions: typeof import("~/security/merchant-session.server");
  refresh: typeof import("~/integrations/connections/token-refresh.server");
  page: typeof import("~/integrations/connections/connections-page.server");
  callbackRoute: typeof import("~/routes/square_.oauth.callback");
  connectionsRoute: typeof import("~/routes/square.connections");
  signOutRoute: typeof import("~/routes/square_.sign-out");
};

beforeAll(async () => {
  sandboxes = await startVendorSandboxes(APP_URL, ["square", "intuit"]);
  ({ intuit } = sandboxes);
  app = {
    db: await import("~/db.server"),
    flow: await import("~/integrations/connections/flow.server"),
    tenants: await import("~/models/tenants.server"),
    linking: await import("~/models/tenant-linking.server"),
    sessions: await import("~/security/merchant-session.server"),
    refresh: await import("~/integrations/connections/token-refresh.server"),
    page: await import("~/integrations/connections/connections-page.server"),
    callbackRoute: await import("~/routes/square_.oauth.callback"),
    connectionsRoute: await import("~/routes/square.connections"),
    signOutRoute: await import("~/routes/square_.sign-out"),
  };
});

afterAll(async () => {
  await sandboxes.close();
});

beforeEach(async () => {
  // Each test starts with no tenant at all (the cascade takes connections, sessions, codes and history).
  await app.db.db().tenant.deleteMany();
  await app.db.db().oAuthState.deleteMany();
});

const db = () => app.db.db();

async function squareSignInCallback(decision: "approve" | "deny" = "approve"): Promise<URL> {
  return answerConsentPage(await app.flow.startSquareSignIn(db()), { account: { field: "merchant_id", value: SELLER }, button: { field: "decision", value: decision } });
}

/** Runs the callback route like Remix does; returns the redirect (with its cookie) or the page's data. */
async function runCallbackRoute(callback: URL): Promise<{ location: string | null; cookie: string | null; data: unknown }> {
  try {
    const data = await app.callbackRoute.loader({ request: new Request(callback), params: {}, context: {} });
    return { location: null, cookie: null, data };
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    return { location: thrown.headers.get("location"), cookie: thrown.headers.get("set-cookie"), data: null };
  }
}

async function signInWithSquare(): Promise<{ cookie: string; tenantId: string }> {
  const { location, cookie } = await runCallbackRoute(await squareSignInCallback());
  expect(location).toBe("/square");
  expect(cookie).toMatch(/^tb_square_session=[^;]+; Max-Age=43200; Path=\/square; .*HttpOnly; Secure; SameSite=Lax/);
  const connection = await db().connection.findUniqueOrThrow({ where: { provider_externalId: { provider: "SQUARE", externalId: SELLER } } });
  return { cookie: cookie!.split(";")[0]!, tenantId: connection.tenantId };
}

function squareAreaRequest(path: string, cookie: string | null, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  if (cookie) headers.set("Cookie", cookie);
  return new Request(`${APP_URL}${path}`, { ...init, headers });
}

async function loaderOutcome(run: () => Promise<unknown>): Promise<{ redirect?: string; status?: number; data?: unknown }> {
  try {
    return { data: await run() };
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    return thrown.headers.get("location") ? { redirect: thrown.headers.get("location")! } : { status: thrown.status };
  }
}

async function shopifyTenant(shop = "linked-store.myshopify.com") {
  return (await app.tenants.installShopifyTenant(db(), { shop, shopName: "Linked Store", scopes: ["read_products"] })).tenantId;
}

async function connectQuickBooks(tenantId: string, realmId = SECOND_DEMO_REALM_ID) {
  const authorizeUrl = await app.flow.startConnection(db(), { tenantId, provider: "QUICKBOOKS", actor: "test", returnTo: "/square/connections" });
  const callback = await answerConsentPage(authorizeUrl, { account: { field: "realmId", value: realmId }, button: { field: "action", value: "connect" } });
  expect((await app.flow.completeConnection(db(), "QUICKBOOKS", callback)).ok).toBe(true);
}

describe("installing from the Square App Marketplace", () => {
  it("creates a Square-first tenant with the seller's connection, and a later sign-in finds the same tenant", async () => {
    const first = await signInWithSquare();
    const tenant = await db().tenant.findUniqueOrThrow({ where: { id: first.tenantId }, include: { connections: true } });
    expect(tenant).toMatchObject({ origin: "SQUARE", status: "ACTIVE", name: "Tillbridge Coffee Roasters" });
    expect(tenant.connections).toHaveLength(1);
    expect(tenant.connections[0]).toMatchObject({ provider: "SQUARE", externalId: SELLER, status: "ACTIVE" });
    const sealedBefore = tenant.connections[0]!.credentialsEncrypted;

    const again = await signInWithSquare();
    expect(again.tenantId).toBe(first.tenantId);
    expect(await db().tenant.count()).toBe(1);
    // The new sign-in's tokens replace the old ones.
    expect((await db().connection.findFirstOrThrow({ where: { tenantId: first.tenantId } })).credentialsEncrypted).not.toBe(sealedBefore);
    const actions = (await db().auditLog.findMany({ where: { tenantId: first.tenantId }, orderBy: { createdAt: "asc" } })).map((entry) => entry.action);
    expect(actions.filter((action) => action === "tenant.installed")).toHaveLength(1);
    expect(actions.filter((action) => action === "merchant.signed_in")).toHaveLength(2);
  });

  it("signs in to the tenant that already holds the seller, even one installed from Shopify", async () => {
    const tenantId = await shopifyTenant();
    const callback = await answerConsentPage(await app.flow.startConnection(db(), { tenantId, provider: "SQUARE", actor: "test", returnTo: "/app" }), {
      account: { field: "merchant_id", value: SELLER },
      button: { field: "decision", value: "approve" },
    });
    expect((await app.flow.completeConnection(db(), "SQUARE", callback)).ok).toBe(true);
    expect((await signInWithSquare()).tenantId).toBe(tenantId);
    expect(await db().tenant.count()).toBe(1);
  });

  it("says what happened when the merchant declines on Square's page, and creates nothing", async () => {
    const { location, cookie, data } = await runCallbackRoute(await squareSignInCallback("deny"));
    expect(location).toBeNull();
    expect(cookie).toBeNull();
    expect(data).toMatchObject({ ok: false, title: "You are not signed in", message: expect.stringMatching(/declined on Square's page/), returnTo: "/square/sign-in" });
    expect(await db().tenant.count()).toBe(0);
  });

  it("refuses a replayed sign-in callback without opening a second session", async () => {
    const callback = await squareSignInCallback();
    expect((await runCallbackRoute(callback)).location).toBe("/square");
    const replay = await runCallbackRoute(callback);
    expect(replay.cookie).toBeNull();
    expect(replay.data).toMatchObject({ ok: false, message: expect.stringMatching(/already used/) });
    expect(await db().merchantSession.count()).toBe(1);
  });
});

describe("the Square merchant area's session", () => {
  it("shows the signed-in merchant's own connections and nothing without a valid session", async () => {
    const { cookie, tenantId } = await signInWithSquare();
    const signedIn = await loaderOutcome(() => app.connectionsRoute.loader({ request: squareAreaRequest("/square/connections", cookie), params: {}, context: {} }));
    expect(signedIn.data).toMatchObject({ square: { status: "ACTIVE", account: "Tillbridge Coffee Roasters" }, quickbooks: null, shopify: null });

    for (const badCookie of [null, "tb_square_session=forged-token", `${cookie}x`]) {
      const outcome = await loaderOutcome(() => app.connectionsRoute.loader({ request: squareAreaRequest("/square/connections", badCookie), params: {}, context: {} }));
      expect(outcome).toEqual({ redirect: "/square/sign-in" });
    }

    // Twelve hours later the session is over.
    await db().merchantSession.updateMany({ where: { tenantId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await loaderOutcome(() => app.connectionsRoute.loader({ request: squareAreaRequest("/square/connections", cookie), params: {}, context: {} }))).toEqual({
      redirect: "/square/sign-in",
    });
  });

  it("keeps the session token only as a hash, ends it on sign-out, and refuses cross-site posts", async () => {
    const { cookie } = await signInWithSquare();
    const token = decodeURIComponent(cookie.split("=")[1]!);
    const stored = await db().merchantSession.findFirstOrThrow();
    expect(stored.tokenHash).not.toContain(token.replace(/^"|"$/g, ""));

    const crossSite = await loaderOutcome(() =>
      app.connectionsRoute.action({
        request: squareAreaRequest("/square/connections", cookie, { method: "POST", headers: { Origin: "https://evil.example" }, body: new URLSearchParams({ intent: "create-link-code" }) }),
        params: {},
        context: {},
      }),
    );
    expect(crossSite).toEqual({ status: 403 });
    expect(await db().linkCode.count()).toBe(0);

    const signOut = await loaderOutcome(() => app.signOutRoute.action({ request: squareAreaRequest("/square/sign-out", cookie, { method: "POST" }), params: {}, context: {} }));
    expect(signOut).toEqual({ redirect: "/square/sign-in?signed-out=1" });
    expect(await db().merchantSession.count()).toBe(0);
    expect(await loaderOutcome(() => app.connectionsRoute.loader({ request: squareAreaRequest("/square/connections", cookie), params: {}, context: {} }))).toEqual({
      redirect: "/square/sign-in",
    });
  });

  it("answers a malformed form with 400 and changes nothing", async () => {
    const { cookie, tenantId } = await signInWithSquare();
    const before = await db().auditLog.count({ where: { tenantId } });
    const malformed: Record<string, string>[] = [{ intent: "connect", provider: "PAYPAL" }, { intent: "explode", provider: "SQUARE" }, {}];
    for (const body of malformed) {
      const answer = await app.connectionsRoute.action({
        request: squareAreaRequest("/square/connections", cookie, { method: "POST", body: new URLSearchParams(body) }),
        params: {},
        context: {},
      });
      expect(answer).toBeInstanceOf(Response);
      expect((answer as Response).status).toBe(400);
    }
    expect(await db().auditLog.count({ where: { tenantId } })).toBe(before);
    expect(await db().oAuthState.count()).toBe(0);
  });

  it("connects QuickBooks from the Square area and comes back to it", async () => {
    const { cookie, tenantId } = await signInWithSquare();
    const started = (await app.connectionsRoute.action({
      request: squareAreaRequest("/square/connections", cookie, { method: "POST", headers: { Origin: APP_URL }, body: new URLSearchParams({ intent: "connect", provider: "QUICKBOOKS" }) }),
      params: {},
      context: {},
    })) as { authorizeUrl: string };
    const callback = await answerConsentPage(started.authorizeUrl, { account: { field: "realmId", value: SECOND_DEMO_REALM_ID }, button: { field: "action", value: "connect" } });
    expect(await app.flow.completeConnection(db(), "QUICKBOOKS", callback)).toMatchObject({ ok: true, returnTo: `${APP_URL}/square/connections` });
    expect(await db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } })).toMatchObject({ status: "ACTIVE", externalId: SECOND_DEMO_REALM_ID });
  });
});

describe("linking a Square-first account with a Shopify store", () => {
  it("moves the Square account's connections, history and sessions into the Shopify store's tenant", async () => {
    const { cookie, tenantId: squareTenantId } = await signInWithSquare();
    await connectQuickBooks(squareTenantId);
    const storeTenantId = await shopifyTenant();
    const { code, expiresAt } = await app.linking.createLinkCode(db(), { tenantId: squareTenantId, actor: "square-merchant:test" });
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(10 * 60 * 1000);
    const storedCode = await db().linkCode.findFirstOrThrow();
    expect(storedCode.codeHash).not.toContain(code.replace("-", ""));

    // Typed with spaces and in lower case, as people do.
    const outcome = await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code: ` ${code.toLowerCase().replace("-", " ")} `, actor: "shopify-user:1" });
    expect(outcome).toEqual({ ok: true, survivorTenantId: storeTenantId, joinedName: "Tillbridge Coffee Roasters" });
    expect(await db().tenant.findUnique({ where: { id: squareTenantId } })).toBeNull();
    const providers = (await db().connection.findMany({ where: { tenantId: storeTenantId } })).map((connection) => connection.provider).sort();
    expect(providers).toEqual(["QUICKBOOKS", "SHOPIFY", "SQUARE"]);
    // The Square area's session now opens the joined account, with the Shopify store in it.
    const joined = await loaderOutcome(() => app.connectionsRoute.loader({ request: squareAreaRequest("/square/connections", cookie), params: {}, context: {} }));
    expect(joined.data).toMatchObject({ shopify: { status: "ACTIVE", account: "Linked Store" }, square: { status: "ACTIVE" }, quickbooks: { status: "ACTIVE" } });
    const history = (await db().auditLog.findMany({ where: { tenantId: storeTenantId } })).map((entry) => entry.action);
    expect(history).toEqual(expect.arrayContaining(["tenant.installed", "merchant.signed_in", "connection.connected", "tenant.linked"]));
    // Tokens sealed for a connection stay readable after the move (they are bound to the connection, not the tenant).
    expect(await app.flow.testConnection(db(), { tenantId: storeTenantId, provider: "SQUARE" })).toMatchObject({ ok: true });

    // Used once: the same code again is refused.
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code, actor: "shopify-user:1" })).toMatchObject({ ok: false, message: expect.stringMatching(/not valid/) });
  });

  it("refuses a wrong, malformed or expired code and changes nothing", async () => {
    const { tenantId: squareTenantId } = await signInWithSquare();
    const storeTenantId = await shopifyTenant();
    const { code } = await app.linking.createLinkCode(db(), { tenantId: squareTenantId, actor: "square-merchant:test" });
    const wrong = code.startsWith("A") ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code: wrong, actor: "shopify-user:1" })).toMatchObject({ ok: false, message: expect.stringMatching(/not valid/) });
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code: "hello", actor: "shopify-user:1" })).toMatchObject({ ok: false, message: expect.stringMatching(/not a link code/) });
    const elevenMinutesLater = new Date(Date.now() + 11 * 60 * 1000);
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code, actor: "shopify-user:1" }, elevenMinutesLater)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/expired/),
    });
    expect(await db().tenant.count()).toBe(2);
    expect(await db().connection.count({ where: { tenantId: storeTenantId } })).toBe(1);
  });

  it("stops a tenant after five refused codes in fifteen minutes", async () => {
    const { tenantId: squareTenantId } = await signInWithSquare();
    const storeTenantId = await shopifyTenant();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code: "ZZZZ-ZZZ" + String(attempt + 2), actor: "shopify-user:1" })).ok).toBe(false);
    }
    const { code } = await app.linking.createLinkCode(db(), { tenantId: squareTenantId, actor: "square-merchant:test" });
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code, actor: "shopify-user:1" })).toMatchObject({ ok: false, message: expect.stringMatching(/wait 15 minutes/) });
    expect(await db().tenant.count()).toBe(2);
  });

  it("refuses to join two accounts that both have QuickBooks, and the code still works once one is disconnected", async () => {
    const { tenantId: squareTenantId } = await signInWithSquare();
    await connectQuickBooks(squareTenantId, SECOND_DEMO_REALM_ID);
    const storeTenantId = await shopifyTenant();
    await connectQuickBooks(storeTenantId, DEMO_REALM_ID);
    const { code } = await app.linking.createLinkCode(db(), { tenantId: squareTenantId, actor: "square-merchant:test" });
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code, actor: "shopify-user:1" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Both accounts have QuickBooks connected/),
    });
    expect(await db().tenant.count()).toBe(2);

    await app.flow.disconnect(db(), { tenantId: storeTenantId, provider: "QUICKBOOKS", actor: "test" });
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeTenantId, code, actor: "shopify-user:1" })).toMatchObject({ ok: true });
    const quickBooks = await db().connection.findMany({ where: { tenantId: storeTenantId, provider: "QUICKBOOKS" } });
    expect(quickBooks).toHaveLength(1);
    expect(quickBooks[0]).toMatchObject({ externalId: SECOND_DEMO_REALM_ID, status: "ACTIVE" });
  });

  it("refuses a code entered by the account that showed it, or between two Shopify stores", async () => {
    const storeA = await shopifyTenant("store-a.myshopify.com");
    const storeB = await shopifyTenant("store-b.myshopify.com");
    const { code } = await app.linking.createLinkCode(db(), { tenantId: storeA, actor: "shopify-user:1" });
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeA, code, actor: "shopify-user:1" })).toMatchObject({ ok: false, message: expect.stringMatching(/same account/) });
    expect(await app.linking.redeemLinkCode(db(), { tenantId: storeB, code, actor: "shopify-user:2" })).toMatchObject({ ok: false, message: expect.stringMatching(/Both accounts already have a Shopify store/) });
    expect(await db().tenant.count()).toBe(2);
  });

  it("moves every table that belongs to a tenant (the list is complete)", async () => {
    const columns = await db().$queryRaw<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_name = 'tenantId' ORDER BY table_name`;
    expect(columns.map((column) => column.table_name).sort()).toEqual([...app.linking.TENANT_SCOPED_TABLES].sort());
  });
});

describe("QuickBooks' five-year hard expiry", () => {
  it("is stored when Intuit reports it, survives renewals, and warns the merchant two weeks ahead", async () => {
    // A grant made now that ends in ten days, as a five-year-old one would.
    intuit.configure({ refreshTokenHardCapSeconds: 10 * 24 * 3600 });
    try {
      const tenantId = await shopifyTenant();
      await connectQuickBooks(tenantId);
      const connection = await db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } });
      const tenDays = Date.now() + 10 * 24 * 3600 * 1000;
      expect(Math.abs(connection.refreshTokenExpiresAt!.getTime() - tenDays)).toBeLessThan(60_000);

      // A renewal pushes the rolling life back, never the hard end.
      intuit.expireAccessTokens(SECOND_DEMO_REALM_ID);
      expect(await app.refresh.refreshConnectionTokens(db(), connection.id, new Date(Date.now() + 3600 * 1000))).toBe("renewed");
      const renewed = await db().connection.findUniqueOrThrow({ where: { id: connection.id } });
      expect(Math.abs(renewed.refreshTokenExpiresAt!.getTime() - tenDays)).toBeLessThan(60_000);

      expect(await app.refresh.warnAboutExpiringAuthorizations(db())).toBe(1);
      const issue = await db().syncIssue.findFirstOrThrow({ where: { tenantId, code: "CONNECTION_AUTHORIZATION_EXPIRING" } });
      expect(issue.message).toMatch(new RegExp(`QuickBooks's authorization ends on ${new Date(tenDays).toISOString().slice(0, 10)}`));
      expect((await app.page.summarizeConnections(db(), tenantId)).quickbooks).toMatchObject({ authorizationEndsSoon: true });

      // Reconnecting makes a new grant (a new five years here) and closes the warning.
      intuit.configure({ refreshTokenHardCapSeconds: 5 * 365 * 24 * 3600 });
      await connectQuickBooks(tenantId);
      expect((await db().syncIssue.findFirstOrThrow({ where: { tenantId, code: "CONNECTION_AUTHORIZATION_EXPIRING" } })).status).toBe("RESOLVED");
      expect((await app.page.summarizeConnections(db(), tenantId)).quickbooks).toMatchObject({ authorizationEndsSoon: false });
    } finally {
      intuit.configure({ refreshTokenHardCapSeconds: 5 * 365 * 24 * 3600 });
    }
  });
});

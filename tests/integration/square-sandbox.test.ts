import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { serialization, SquareClient, SquareError, WebhooksHelper } from "square";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SANDBOX_SQUARE_APPLICATION_ID as APP_ID,
  SANDBOX_SQUARE_APPLICATION_SECRET as APP_SECRET,
  SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY as SIGNATURE_KEY,
  startSquareSandbox,
  type SquareSandbox,
} from "../../sandbox/square/index";

/**
 * The Square sandbox driven by the real `square` SDK (v46) with baseUrl pointed at it, the consent page by plain
 * HTTP, and webhooks received by a local stand-in for the app. Every body the sandbox sends is also parsed with the
 * SDK's own serialization schemas in strict mode: the SDK itself strips unknown keys silently, so this is what
 * catches a field the real Square (API 2026-09-16) would not send.
 */

const SELLER_A = "MLTB0DEMO0001";
const SELLER_B = "MLTB0DEMO0002";
const SCOPES = "MERCHANT_PROFILE_READ ORDERS_READ ITEMS_READ";

interface WireCall {
  method: string;
  path: string;
  status: number;
  body: unknown;
}
interface ReceivedWebhook {
  url: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

let sandbox: SquareSandbox;
let app: http.Server;
let appUrl: string;
const wire: WireCall[] = [];
const received: ReceivedWebhook[] = [];

/** What the SDK really received: fetch wrapped to keep each raw JSON body. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const text = await response.clone().text();
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  wire.push({ method: init?.method ?? "GET", path: url.pathname, status: response.status, body: text === "" ? undefined : JSON.parse(text) });
  return response;
};

function client(token?: string, options: { maxRetries?: number } = {}) {
  return new SquareClient({ token: token ?? "unused", baseUrl: sandbox.url, fetch: recordingFetch, maxRetries: options.maxRetries ?? 0 });
}

/** The client for RevokeToken: no Bearer header, the application secret per request as Square requires. */
const revokeClient = () => new SquareClient({ baseUrl: sandbox.url, fetch: recordingFetch, auth: false, maxRetries: 0 });
const clientAuth = { headers: { Authorization: `Client ${APP_SECRET}` } };

interface StrictSchema {
  parse(raw: unknown, options: object): { ok: true; value: unknown } | { ok: false; errors: { path: string[]; message: string }[] };
}

/** Parses a wire body as the SDK's schema would, but failing on unknown keys and unknown enum values. */
function expectStrict(schema: StrictSchema, body: unknown): void {
  const result = schema.parse(body, { unrecognizedObjectKeys: "fail", allowUnrecognizedEnumValues: false, allowUnrecognizedUnionMembers: false });
  expect(result.ok ? [] : result.errors, JSON.stringify(body)).toEqual([]);
}

function lastWire(path: string): WireCall {
  const call = wire.findLast((entry) => entry.path === path);
  if (!call) throw new Error(`no call to ${path} recorded`);
  return call;
}

async function squareError(promise: Promise<unknown>): Promise<SquareError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SquareError);
  return error as SquareError;
}

/** Opens the consent page, checks it, submits its form for the seller with Allow or Deny; returns the redirect. */
async function consent(merchantId: string, decision: "approve" | "deny", query: Record<string, string> = {}): Promise<URL> {
  const params = new URLSearchParams({ client_id: APP_ID, scope: SCOPES, session: "false", state: "state-123", ...query });
  const pageResponse = await fetch(`${sandbox.url}/oauth2/authorize?${params}`);
  expect(pageResponse.status).toBe(200);
  const page = await pageResponse.text();
  expect(page).toMatch(/<form method="post" action="\/oauth2\/authorize">/);
  for (const scope of params.get("scope")!.split(" ")) expect(page).toContain(`<code>${scope}</code>`);
  expect(page).toContain(`value="${SELLER_A}"`);
  expect(page).toContain(`value="${SELLER_B}"`);
  expect(page).toMatch(/<button[^>]*name="decision" value="approve"/);
  expect(page).toMatch(/<button[^>]*name="decision" value="deny"/);
  // Submit what the form holds: its hidden inputs, the chosen seller and the pressed button.
  const form = new URLSearchParams();
  for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(match[1]!, match[2]!.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))));
  form.set("merchant_id", merchantId);
  form.set("decision", decision);
  const response = await fetch(`${sandbox.url}/oauth2/authorize`, { method: "POST", body: form, redirect: "manual" });
  expect(response.status).toBe(302);
  return new URL(response.headers.get("location")!);
}

async function connect(merchantId: string) {
  const redirect = await consent(merchantId, "approve");
  const code = redirect.searchParams.get("code")!;
  const token = await client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code });
  return { code, token };
}

async function waitForWebhook(predicate: (webhook: ReceivedWebhook) => boolean): Promise<ReceivedWebhook> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = received.find(predicate);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("webhook not received");
}

beforeAll(async () => {
  app = http.createServer((request, response) => {
    let rawBody = "";
    request.on("data", (chunk) => (rawBody += chunk));
    request.on("end", () => {
      received.push({ url: request.url ?? "", headers: request.headers, rawBody });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  sandbox = await startSquareSandbox({ port: 0, appUrl, applicationId: APP_ID, applicationSecret: APP_SECRET, webhookSignatureKey: SIGNATURE_KEY });
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise((resolve) => app?.close(resolve));
});

beforeEach(() => {
  sandbox.setFaults({ next: 0, fraction: 0 });
});

describe("OAuth code flow", () => {
  it("approving gives a code for the picked seller that ObtainToken exchanges once", async () => {
    const redirect = await consent(SELLER_B, "approve");
    expect(`${redirect.origin}${redirect.pathname}`).toBe(`${appUrl}/square/oauth/callback`);
    expect(redirect.searchParams.get("state")).toBe("state-123");
    const code = redirect.searchParams.get("code");
    expect(code).toBeTruthy();

    const token = await client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code });
    expectStrict(serialization.ObtainTokenResponse, lastWire("/oauth2/token").body);
    expect(token.merchantId).toBe(SELLER_B);
    expect(token.tokenType).toBe("bearer");
    expect(token.shortLived).toBe(false);
    const lifetimeDays = (Date.parse(token.expiresAt!) - Date.now()) / 86_400_000;
    expect(lifetimeDays).toBeGreaterThan(29.9);
    expect(lifetimeDays).toBeLessThanOrEqual(30);

    const reuse = await squareError(client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code }));
    expect(reuse.statusCode).toBe(401);
    expect(reuse.errors).toEqual([{ category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED", detail: "The authorization code has already been used." }]);
    expectStrict(serialization.ObtainTokenResponse, lastWire("/oauth2/token").body);
  });

  it("refuses a wrong client secret and an unknown code", async () => {
    const code = (await consent(SELLER_A, "approve")).searchParams.get("code")!;
    const wrongSecret = await squareError(client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: "nope", grantType: "authorization_code", code }));
    expect(wrongSecret.statusCode).toBe(401);
    const unknown = await squareError(client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code: "sq0cgb-unknown" }));
    expect(unknown.errors[0]?.code).toBe("UNAUTHORIZED");
  });

  it("denying redirects with access_denied as Square does, and no code", async () => {
    const redirect = await consent(SELLER_A, "deny");
    expect(`${redirect.origin}${redirect.pathname}`).toBe(`${appUrl}/square/oauth/callback`);
    expect(Object.fromEntries(redirect.searchParams)).toEqual({ error: "access_denied", error_description: "user_denied", state: "state-123" });
  });

  it("shows an error page for an unknown client or an unregistered redirect_uri", async () => {
    const unknownClient = await fetch(`${sandbox.url}/oauth2/authorize?client_id=someone-else&scope=MERCHANT_PROFILE_READ`);
    expect(unknownClient.status).toBe(400);
    const foreignRedirect = await fetch(`${sandbox.url}/oauth2/authorize?client_id=${APP_ID}&redirect_uri=${encodeURIComponent("https://evil.example/cb")}`);
    expect(foreignRedirect.status).toBe(400);
  });

  it("refreshes: a new access token, the same (non-rotating) refresh token, and the API answers with it", async () => {
    const { token } = await connect(SELLER_A);
    const refreshed = await client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "refresh_token", refreshToken: token.refreshToken });
    expectStrict(serialization.ObtainTokenResponse, lastWire("/oauth2/token").body);
    expect(refreshed.accessToken).not.toBe(token.accessToken);
    expect(refreshed.refreshToken).toBe(token.refreshToken);
    expect(refreshed.merchantId).toBe(SELLER_A);

    const { merchant } = await client(refreshed.accessToken).merchants.get({ merchantId: "me" });
    expectStrict(serialization.GetMerchantResponse, lastWire("/v2/merchants/me").body);
    expect(merchant).toMatchObject({ id: SELLER_A, businessName: "Tillbridge Coffee Roasters", country: "US", currency: "USD", status: "ACTIVE", mainLocationId: "LTB0COFFEE001" });
    await client(refreshed.accessToken).merchants.get({ merchantId: SELLER_A });
    expectStrict(serialization.GetMerchantResponse, lastWire(`/v2/merchants/${SELLER_A}`).body);

    const { locations } = await client(refreshed.accessToken).locations.list();
    expectStrict(serialization.ListLocationsResponse, lastWire("/v2/locations").body);
    expect(locations).toHaveLength(2);
    for (const location of locations!) {
      expect(location).toMatchObject({ merchantId: SELLER_A, status: "ACTIVE", currency: "USD", timezone: "America/Los_Angeles" });
      expect(location.address?.postalCode).toBeTruthy();
    }
  });

  it("reports the token's status and refuses a token of another seller's id", async () => {
    const { token } = await connect(SELLER_B);
    const status = await client(token.accessToken).oAuth.retrieveTokenStatus();
    expectStrict(serialization.RetrieveTokenStatusResponse, lastWire("/oauth2/token/status").body);
    expect(status).toMatchObject({ clientId: APP_ID, merchantId: SELLER_B, scopes: SCOPES.split(" "), expiresAt: token.expiresAt });
    const foreign = await squareError(client(token.accessToken).merchants.get({ merchantId: SELLER_A }));
    expect(foreign.statusCode).toBe(404);
  });
});

describe("revocation", () => {
  it("revokes every token of the seller, answers ACCESS_TOKEN_REVOKED after, and sends a signed webhook", async () => {
    const { token } = await connect(SELLER_A);
    const older = await connect(SELLER_A);
    received.length = 0;

    const missingSecret = await squareError(revokeClient().oAuth.revokeToken({ clientId: APP_ID, accessToken: token.accessToken }));
    expect(missingSecret.statusCode).toBe(401);

    const revoked = await revokeClient().oAuth.revokeToken({ clientId: APP_ID, accessToken: token.accessToken }, clientAuth);
    expectStrict(serialization.RevokeTokenResponse, lastWire("/oauth2/revoke").body);
    expect(revoked.success).toBe(true);

    for (const accessToken of [token.accessToken, older.token.accessToken]) {
      const status = await squareError(client(accessToken).oAuth.retrieveTokenStatus());
      expect(status.statusCode).toBe(401);
      expect(status.errors).toEqual([{ category: "AUTHENTICATION_ERROR", code: "ACCESS_TOKEN_REVOKED", detail: "The access token has been revoked." }]);
      expectStrict(serialization.RetrieveTokenStatusResponse, lastWire("/oauth2/token/status").body);
    }
    const api = await squareError(client(token.accessToken).locations.list());
    expect(api.errors[0]?.code).toBe("ACCESS_TOKEN_REVOKED");
    expectStrict(serialization.ListLocationsResponse, lastWire("/v2/locations").body);
    const refresh = await squareError(client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "refresh_token", refreshToken: token.refreshToken }));
    expect(refresh.statusCode).toBe(401);

    const webhook = await waitForWebhook((entry) => entry.rawBody.includes("oauth.authorization.revoked"));
    const notificationUrl = `${appUrl}/webhooks/square`;
    expect(`${appUrl}${webhook.url}`).toBe(notificationUrl);
    const signatureHeader = String(webhook.headers["x-square-hmacsha256-signature"]);
    // As Square documents it: base64(HMAC-SHA256(signature key, notification URL + raw body)).
    expect(signatureHeader).toBe(createHmac("sha256", SIGNATURE_KEY).update(notificationUrl + webhook.rawBody).digest("base64"));
    expect(await WebhooksHelper.verifySignature({ requestBody: webhook.rawBody, signatureHeader, signatureKey: SIGNATURE_KEY, notificationUrl })).toBe(true);
    expect(await WebhooksHelper.verifySignature({ requestBody: `${webhook.rawBody} `, signatureHeader, signatureKey: SIGNATURE_KEY, notificationUrl })).toBe(false);

    const event = JSON.parse(webhook.rawBody) as Record<string, unknown>;
    expectStrict(serialization.OauthAuthorizationRevokedEvent, event);
    expect(event).toMatchObject({
      merchant_id: SELLER_A,
      type: "oauth.authorization.revoked",
      data: { type: "revocation", object: { revocation: { revoker_type: "APPLICATION" } } },
    });
    expect(sandbox.deliveries()[0]).toMatchObject({ type: "oauth.authorization.revoked", status: 200, ok: true });
    // Only one event per authorization: the seller's second revoke has nothing left to end.
    expect(await sandbox.revoke(SELLER_A)).toBeNull();
  });

  it("a seller revoking from the dashboard sends revoker_type MERCHANT", async () => {
    await connect(SELLER_B);
    const delivery = await sandbox.revoke(SELLER_B);
    expect(delivery?.ok).toBe(true);
    expect(JSON.parse(delivery!.body)).toMatchObject({ merchant_id: SELLER_B, data: { object: { revocation: { revoker_type: "MERCHANT" } } } });
  });
});

describe("token errors on /v2", () => {
  it("answers ACCESS_TOKEN_EXPIRED for an expired token, which a refresh fixes", async () => {
    const { token } = await connect(SELLER_B);
    expect(sandbox.expireAccessTokens(SELLER_B)).toBeGreaterThan(0);
    const expired = await squareError(client(token.accessToken).merchants.get({ merchantId: "me" }));
    expect(expired.statusCode).toBe(401);
    expect(expired.errors).toEqual([{ category: "AUTHENTICATION_ERROR", code: "ACCESS_TOKEN_EXPIRED", detail: "The access token has expired." }]);
    expectStrict(serialization.GetMerchantResponse, lastWire("/v2/merchants/me").body);
    const status = await squareError(client(token.accessToken).oAuth.retrieveTokenStatus());
    expect(status.errors[0]?.code).toBe("ACCESS_TOKEN_EXPIRED");

    const refreshed = await client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "refresh_token", refreshToken: token.refreshToken });
    const { locations } = await client(refreshed.accessToken).locations.list();
    expect(locations?.map((location) => location.id)).toEqual(["LTB0BOOKS0001", "LTB0BOOKS0002"]);
  });

  it("answers UNAUTHORIZED for an unknown token and INSUFFICIENT_SCOPES without MERCHANT_PROFILE_READ", async () => {
    const unknown = await squareError(client("EAAAnot-a-token").locations.list());
    expect(unknown.statusCode).toBe(401);
    expect(unknown.errors[0]).toMatchObject({ category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED" });
    expectStrict(serialization.ListLocationsResponse, lastWire("/v2/locations").body);

    const redirect = await consent(SELLER_A, "approve", { scope: "ORDERS_READ" });
    const token = await client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code: redirect.searchParams.get("code") });
    const forbidden = await squareError(client(token.accessToken).locations.list());
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.errors[0]?.code).toBe("INSUFFICIENT_SCOPES");
  });
});

describe("faults", () => {
  it("answers 429 RATE_LIMITED while the switch is on, and the SDK's retry gets through after it", async () => {
    const { token } = await connect(SELLER_A);
    const before = sandbox.stats().rateLimited;
    const switched = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rateLimit: { next: 2 } }),
    });
    expect(await switched.json()).toMatchObject({ rateLimit: { next: 2, fraction: 0 }, forcedThrottles: 2, throttleRate: 0 });

    for (const call of [() => client(token.accessToken).locations.list(), () => client(token.accessToken).oAuth.retrieveTokenStatus()]) {
      const limited = await squareError(call());
      expect(limited.statusCode).toBe(429);
      expect(limited.errors).toEqual([{ category: "RATE_LIMIT_ERROR", code: "RATE_LIMITED", detail: "This request was rate limited. Please retry later." }]);
    }
    expectStrict(serialization.RetrieveTokenStatusResponse, lastWire("/oauth2/token/status").body);
    expect(sandbox.stats().rateLimited - before).toBe(2);

    sandbox.setFaults({ next: 1 });
    const { locations } = await client(token.accessToken, { maxRetries: 2 }).locations.list();
    expect(locations).toHaveLength(2);
    expect(sandbox.stats().rateLimited - before).toBe(3);

    sandbox.setFaults({ fraction: 1 });
    expect((await squareError(client(token.accessToken).merchants.get({ merchantId: "me" }))).statusCode).toBe(429);
    sandbox.setFaults({ fraction: 0 });
    await client(token.accessToken).merchants.get({ merchantId: "me" });
  });
});

describe("control API and pages", () => {
  it("delivers an arbitrary signed event and records it", async () => {
    const response = await fetch(`${sandbox.url}/_sandbox/webhooks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        merchantId: SELLER_A,
        type: "location.updated",
        locationId: "LTB0COFFEE001",
        data: { type: "location", id: "LTB0COFFEE001", object: {} },
      }),
    });
    expect(response.status).toBe(200);
    const { delivery } = (await response.json()) as { delivery: { eventId: string; ok: boolean; status: number } };
    expect(delivery).toMatchObject({ ok: true, status: 200 });
    const webhook = await waitForWebhook((entry) => entry.rawBody.includes(delivery.eventId));
    expect(
      await WebhooksHelper.verifySignature({
        requestBody: webhook.rawBody,
        signatureHeader: String(webhook.headers["x-square-hmacsha256-signature"]),
        signatureKey: SIGNATURE_KEY,
        notificationUrl: `${appUrl}/webhooks/square`,
      }),
    ).toBe(true);
    expect(JSON.parse(webhook.rawBody)).toMatchObject({ merchant_id: SELLER_A, location_id: "LTB0COFFEE001", type: "location.updated" });

    const invalid = await fetch(`${sandbox.url}/_sandbox/webhooks`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(invalid.status).toBe(400);
  });

  it("counts calls per endpoint and lists sellers; the index page never shows a whole token", async () => {
    const { token } = await connect(SELLER_B);
    const stats = sandbox.stats();
    expect(stats.tokenExchanges).toBeGreaterThan(0);
    expect(stats.tokenRefreshes).toBeGreaterThan(0);
    expect(stats.revokes).toBeGreaterThan(0);
    expect(stats.statusChecks).toBeGreaterThan(0);
    expect(stats.byEndpoint["POST /oauth2/token"]).toBe(stats.tokenExchanges + stats.tokenRefreshes);
    expect(stats.byEndpoint["GET /v2/merchants/:merchantId"]).toBeGreaterThan(0);

    const sellers = (await (await fetch(`${sandbox.url}/_sandbox/sellers`)).json()) as { merchantId: string; authorized: boolean }[];
    expect(sellers.map((seller) => seller.merchantId)).toEqual([SELLER_A, SELLER_B]);
    expect(sellers.find((seller) => seller.merchantId === SELLER_B)?.authorized).toBe(true);

    const index = await (await fetch(`${sandbox.url}/`)).text();
    expect(index).toContain(SELLER_B);
    expect(index).toContain(token.accessToken!.slice(0, 8));
    expect(index).not.toContain(token.accessToken!);
  });
});

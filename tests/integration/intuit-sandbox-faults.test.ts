import { createHmac } from "node:crypto";
import OAuthClient from "intuit-oauth";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_REALM_ID,
  SANDBOX_QUICKBOOKS_CLIENT_ID,
  SANDBOX_QUICKBOOKS_CLIENT_SECRET,
  SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
  intuitOAuthEndpoints,
  startIntuitSandbox,
  type CloudEvent,
  type IntuitSandbox,
} from "../../sandbox/intuit/index";
import { answerConsentPage } from "../support/consent-forms";
import { startWebhookReceiver, waitUntil, type WebhookReceiver } from "../support/webhook-receiver";

/**
 * The Intuit sandbox's fault switches, seen through the real intuit-oauth (endpoint statics pointed at the
 * sandbox, as the app does; its token-call retries off, so each raw answer shows), plain fetch for raw bodies,
 * and a local receiver standing in for the app's webhook route.
 */

let sandbox: IntuitSandbox;
let receiver: WebhookReceiver;
let redirectUri: string;
const originalStatics = {
  authorizeEndpoint: OAuthClient.authorizeEndpoint,
  tokenEndpoint: OAuthClient.tokenEndpoint,
  revokeEndpoint: OAuthClient.revokeEndpoint,
  userinfo: OAuthClient.userinfo_endpoint_sandbox,
  apiBase: OAuthClient.environment.sandbox,
  retries: OAuthClient.retryConfig.maxRetries,
};

const companyInfo = `v3/company/${DEMO_REALM_ID}/companyinfo/${DEMO_REALM_ID}?minorversion=75`;

function newClient(): OAuthClient {
  return new OAuthClient({ clientId: SANDBOX_QUICKBOOKS_CLIENT_ID, clientSecret: SANDBOX_QUICKBOOKS_CLIENT_SECRET, environment: "sandbox", redirectUri, logging: false });
}

async function connect(): Promise<OAuthClient> {
  const client = newClient();
  const callback = await answerConsentPage(client.authorizeUri({ scope: [OAuthClient.scopes.Accounting], state: "faults" }), {
    account: { field: "realmId", value: DEMO_REALM_ID },
    button: { field: "action", value: "connect" },
  });
  await client.createToken(callback.toString());
  return client;
}

async function rawApi(path: string, accessToken: string, accept = "application/json"): Promise<{ status: number; body: string }> {
  const response = await fetch(`${sandbox.url}/${path}`, { headers: { Authorization: `Bearer ${accessToken}`, Accept: accept } });
  return { status: response.status, body: await response.text() };
}

/** The token endpoint as intuit-oauth calls it: HTTP Basic, form body. */
function tokenRequest(form: Record<string, string>): Promise<Response> {
  return fetch(`${sandbox.url}/oauth2/v1/tokens/bearer`, {
    method: "POST",
    headers: {
      Authorization: `Basic ${Buffer.from(`${SANDBOX_QUICKBOOKS_CLIENT_ID}:${SANDBOX_QUICKBOOKS_CLIENT_SECRET}`).toString("base64")}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(form),
  });
}

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (error: unknown) => error as Record<string, unknown>,
  );
}

async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const entityIds = (requests: { rawBody: string }[]) => requests.map((request) => (JSON.parse(request.rawBody) as CloudEvent[])[0]!.intuitentityid);
const signed = (request: { rawBody: string; headers: Record<string, unknown> }) =>
  request.headers["intuit-signature"] === createHmac("sha256", SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN).update(request.rawBody).digest("base64");
const itemEvent = (entityId: string) => [{ realmId: DEMO_REALM_ID, entity: "Item", operation: "updated", entityId }];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  redirectUri = `${receiver.url}/auth/quickbooks/callback`;
  sandbox = await startIntuitSandbox({
    port: 0,
    appUrl: receiver.url,
    clientId: SANDBOX_QUICKBOOKS_CLIENT_ID,
    clientSecret: SANDBOX_QUICKBOOKS_CLIENT_SECRET,
    webhookVerifierToken: SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
  });
  const endpoints = intuitOAuthEndpoints(sandbox.url);
  OAuthClient.authorizeEndpoint = endpoints.authorizeEndpoint;
  OAuthClient.tokenEndpoint = endpoints.tokenEndpoint;
  OAuthClient.revokeEndpoint = endpoints.revokeEndpoint;
  OAuthClient.userinfo_endpoint_sandbox = endpoints.userInfoEndpoint;
  OAuthClient.environment.sandbox = endpoints.apiBaseUrl;
  OAuthClient.retryConfig.maxRetries = 0;
});

afterAll(async () => {
  OAuthClient.authorizeEndpoint = originalStatics.authorizeEndpoint;
  OAuthClient.tokenEndpoint = originalStatics.tokenEndpoint;
  OAuthClient.revokeEndpoint = originalStatics.revokeEndpoint;
  OAuthClient.userinfo_endpoint_sandbox = originalStatics.userinfo;
  OAuthClient.environment.sandbox = originalStatics.apiBase;
  OAuthClient.retryConfig.maxRetries = originalStatics.retries;
  await sandbox?.close();
  await receiver?.close();
});

beforeEach(() => {
  sandbox.resetFaults();
  sandbox.resetStats();
  receiver.received.length = 0;
});

describe("QuickBooks API faults", () => {
  it("adds latency to every call", async () => {
    const client = await connect();
    await client.makeApiCall({ url: companyInfo });
    const baseline = await elapsed(() => client.makeApiCall({ url: companyInfo }));
    sandbox.setFaults({ latencyMs: 300 });
    const slow = await elapsed(() => client.makeApiCall({ url: companyInfo }));
    expect(slow).toBeGreaterThanOrEqual(295);
    expect(slow).toBeGreaterThan(baseline);
  });

  it("answers a SystemFault 5xx, in JSON and in XML; the OAuth endpoints answer an OAuth error", async () => {
    const client = await connect();
    const token = client.getToken();
    sandbox.setFaults({ serverErrorRate: 1, serverErrorStatus: 502 });
    expect((await rejection(client.makeApiCall({ url: companyInfo }))).code).toBe("502");

    const json = await rawApi(companyInfo, token.access_token);
    expect(json.status).toBe(502);
    expect(JSON.parse(json.body)).toEqual({
      Fault: { type: "SystemFault", Error: [{ Message: "An application error has occurred while processing your request", Detail: expect.any(String), code: "10000" }] },
      time: expect.any(String),
    });
    const xml = await rawApi(companyInfo, token.access_token, "application/xml");
    expect(xml.body).toMatch(/<Fault type="SystemFault"><Error code="10000">/);

    sandbox.setFaults({ serverErrorStatus: 503 });
    const refresh = await tokenRequest({ grant_type: "refresh_token", refresh_token: token.refresh_token });
    expect(refresh.status).toBe(503);
    expect(await refresh.json()).toMatchObject({ error: "temporarily_unavailable" });
    expect(sandbox.stats()).toMatchObject({ apiServerErrors: 4, tokenRefreshes: 0, byRealm: { [DEMO_REALM_ID]: expect.objectContaining({ apiServerErrors: 3 }) } });
  });

  it("throttles the next N calls with 429 ThrottleExceeded, then answers", async () => {
    const client = await connect();
    sandbox.setFaults({ forcedThrottles: 3 });
    for (let call = 0; call < 2; call++) expect((await rejection(client.makeApiCall({ url: companyInfo }))).code).toBe("RATE_LIMIT_EXCEEDED");
    const raw = await rawApi(companyInfo, client.getToken().access_token);
    expect(raw.status).toBe(429);
    expect(JSON.parse(raw.body).Fault).toEqual({
      type: "SERVICE",
      Error: [{ Message: "message=ThrottleExceeded; errorCode=003001; statusCode=429", Detail: "The request limit was reached.  Try again later", code: "3001" }],
    });
    expect((await client.makeApiCall({ url: companyInfo })).status).toBe(200);
    expect(sandbox.stats()).toMatchObject({ apiThrottled: 3 });
  });

  it("throttles for a period on the sandbox clock (throttleRate, throttleForMs)", async () => {
    const client = await connect();
    sandbox.setFaults({ throttleRate: 1, throttleForMs: 60_000 });
    expect((await rejection(client.makeApiCall({ url: companyInfo }))).code).toBe("RATE_LIMIT_EXCEEDED");
    sandbox.advanceClock(61);
    expect((await client.makeApiCall({ url: companyInfo })).status).toBe(200);
    expect(sandbox.faults()).toMatchObject({ throttleRate: 0, throttleUntil: null });
  });

  it("accepts a call and never answers it: the library's timeout fires", async () => {
    const client = await connect();
    sandbox.setFaults({ timeoutRate: 1 });
    const started = performance.now();
    const error = await rejection(client.makeApiCall({ url: companyInfo, timeout: 300 }));
    expect(error.code).toBe("TIMEOUT_ERROR");
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(sandbox.stats()).toMatchObject({ timeouts: 1 });
  });
});

describe("lost responses", () => {
  it("revokes, then loses the answer: the client sees a reset connection, the grant is revoked", async () => {
    const client = await connect();
    const { access_token: accessToken } = client.getToken();
    sandbox.setFaults({ lostResponseRate: 1 });
    // Reads are answered.
    expect((await client.makeApiCall({ url: companyInfo })).status).toBe(200);

    const lost = await rejection(client.revoke({ access_token: accessToken }));
    // intuit-oauth wraps the network error: message and originalMessage are axios's.
    expect(lost.originalMessage).toMatch(/socket hang up|ECONNRESET/);
    sandbox.setFaults({ lostResponseRate: 0 });
    const after = await rawApi(companyInfo, accessToken);
    expect(after.status).toBe(401);
    expect(JSON.parse(after.body).Fault.Error[0].Detail).toBe("Token revoked");
    expect(sandbox.stats()).toMatchObject({ revokes: 1, lostResponses: 1 });
  });

  it("refreshes, then loses the answer: the refresh happened, and the used token still works for its grace day", async () => {
    const client = await connect();
    const usedRefreshToken = client.getToken().refresh_token;
    sandbox.setFaults({ lostResponseRate: 1 });
    const lost = await rejection(client.refreshUsingToken(usedRefreshToken));
    // intuit-oauth wraps the network error: message and originalMessage are axios's.
    expect(lost.originalMessage).toMatch(/socket hang up|ECONNRESET/);
    expect(sandbox.stats()).toMatchObject({ tokenRefreshes: 1, lostResponses: 1 });

    // An error answer is not lost.
    const refused = await tokenRequest({ grant_type: "refresh_token", refresh_token: "not-a-token" });
    expect(refused.status).toBe(400);

    sandbox.setFaults({ lostResponseRate: 0 });
    const retried = await client.refreshUsingToken(usedRefreshToken);
    expect(retried.getToken().refresh_token).not.toBe(usedRefreshToken);
    expect((await client.makeApiCall({ url: companyInfo })).status).toBe(200);
  });
});

describe("webhook faults", () => {
  it("duplicates a delivery: the same signed CloudEvents twice", async () => {
    sandbox.setFaults({ webhooks: { duplicateRate: 1 } });
    const delivery = await sandbox.deliverWebhook(itemEvent("7"));
    const [first, second] = await receiver.waitFor(2);
    expect(receiver.received).toHaveLength(2);
    expect(second!.rawBody).toBe(first!.rawBody);
    expect(signed(first!) && signed(second!)).toBe(true);
    expect((JSON.parse(second!.rawBody) as CloudEvent[])[0]!.id).toBe(delivery.events[0]!.id);
    // The sandbox logs the copy once the app has answered it, just after the receiver saw it.
    const log = () => sandbox.deliveries().filter((entry) => entry.events[0]!.id === delivery.events[0]!.id);
    await waitUntil(() => log().length === 2);
    expect(log().map((entry) => entry.duplicate)).toEqual([true, false]);
  });

  it("delays a delivery", async () => {
    sandbox.setFaults({ webhooks: { delayMs: 250 } });
    const started = performance.now();
    const response = await fetch(`${sandbox.url}/_sandbox/webhooks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ events: itemEvent("8") }),
    });
    expect(response.status).toBe(200);
    const [received] = await receiver.waitFor(1);
    expect(received!.receivedAt - started).toBeGreaterThanOrEqual(240);
  });

  it("holds deliveries and sends them reversed, or shuffled the same way for the same seed", async () => {
    sandbox.setFaults({ webhooks: { reorder: { batchSize: 4, order: "reverse" } } });
    await Promise.all(["1", "2", "3", "4"].map((id) => sandbox.deliverWebhook(itemEvent(id))));
    expect(entityIds(receiver.received)).toEqual(["4", "3", "2", "1"]);
    expect(receiver.received.every(signed)).toBe(true);

    const orders: string[][] = [];
    for (let run = 0; run < 2; run++) {
      receiver.received.length = 0;
      sandbox.setFaults({ seed: 2026, webhooks: { reorder: { batchSize: 5, order: "shuffle" } } });
      await Promise.all(["a", "b", "c", "d", "e"].map((id) => sandbox.deliverWebhook(itemEvent(id))));
      orders.push(entityIds(receiver.received));
    }
    expect(orders[1]).toEqual(orders[0]);
    expect([...orders[0]!].sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("sends a batch that does not fill after maxHoldMs", async () => {
    sandbox.setFaults({ webhooks: { reorder: { batchSize: 10, maxHoldMs: 200 } } });
    const started = performance.now();
    await Promise.all(["x", "y"].map((id) => sandbox.deliverWebhook(itemEvent(id))));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(entityIds(receiver.received)).toEqual(["y", "x"]);
  });
});

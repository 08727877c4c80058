import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import OAuthClient from "intuit-oauth";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_REALM_ID,
  SANDBOX_QUICKBOOKS_CLIENT_ID,
  SANDBOX_QUICKBOOKS_CLIENT_SECRET,
  SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
  SECOND_DEMO_REALM_ID,
  intuitOAuthEndpoints,
  startIntuitSandbox,
  type CloudEvent,
  type IntuitSandbox,
} from "../../sandbox/intuit/index";

/**
 * The Intuit sandbox driven by the real intuit-oauth library, as the app drives it: the library's endpoint statics
 * (process-wide) point at the sandbox, the consent page is answered with plain HTTP as a merchant's browser would,
 * and webhooks arrive at a local "app" that checks intuit-signature.
 */

interface ReceivedWebhook {
  signature: string;
  rawBody: string;
}

let sandbox: IntuitSandbox;
let app: http.Server;
let appUrl: string;
let redirectUri: string;
const received: ReceivedWebhook[] = [];
const originalStatics = {
  authorizeEndpoint: OAuthClient.authorizeEndpoint,
  tokenEndpoint: OAuthClient.tokenEndpoint,
  revokeEndpoint: OAuthClient.revokeEndpoint,
  userinfo: OAuthClient.userinfo_endpoint_sandbox,
  apiBase: OAuthClient.environment.sandbox,
};

function newClient(clientSecret = SANDBOX_QUICKBOOKS_CLIENT_SECRET): OAuthClient {
  // logging stays off: intuit-oauth's log file would hold the Basic credentials and the tokens.
  return new OAuthClient({ clientId: SANDBOX_QUICKBOOKS_CLIENT_ID, clientSecret, environment: "sandbox", redirectUri, logging: false });
}

/** Opens the authorize URL and answers the consent form like the merchant's browser; returns the redirect target. */
async function consent(authorizeUrl: string, action: "connect" | "cancel", realmId = DEMO_REALM_ID): Promise<URL> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('name="action" value="connect"');
  expect(html).toContain(`value="${realmId}"`);
  const consentId = /name="consent" value="([^"]+)"/.exec(html)?.[1];
  expect(consentId).toBeTruthy();
  const formAction = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? "";
  const answer = await fetch(new URL(formAction, authorizeUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ consent: consentId ?? "", action, realmId }).toString(),
    redirect: "manual",
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location") ?? "");
}

async function connect(realmId = DEMO_REALM_ID): Promise<{ client: OAuthClient; callback: URL }> {
  const client = newClient();
  const state = `state-${Math.random()}`;
  const callback = await consent(client.authorizeUri({ scope: [OAuthClient.scopes.Accounting], state }), "connect", realmId);
  expect(callback.searchParams.get("state")).toBe(state);
  await client.createToken(callback.toString());
  return { client, callback };
}

function companyInfoUrl(realmId: string): string {
  return `v3/company/${realmId}/companyinfo/${realmId}?minorversion=75`;
}

/** The library turns non-400 faults into bare errors; read the Fault itself as the app's logs would. */
async function rawApi(path: string, accessToken: string, accept = "application/json"): Promise<{ status: number; body: string }> {
  const response = await fetch(`${sandbox.url}/${path}`, { headers: { Authorization: `Bearer ${accessToken}`, Accept: accept } });
  return { status: response.status, body: await response.text() };
}

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error("expected a rejection");
}

beforeAll(async () => {
  app = http.createServer((request, response) => {
    let rawBody = "";
    request.on("data", (chunk: Buffer) => (rawBody += chunk.toString("utf8")));
    request.on("end", () => {
      if (request.url === "/webhooks/quickbooks") received.push({ signature: String(request.headers["intuit-signature"]), rawBody });
      // An endpoint that refuses every delivery, as an app with the wrong verifier token would.
      response.writeHead(request.url === "/webhooks/refusing" ? 401 : 200).end();
    });
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://localhost:${(app.address() as AddressInfo).port}`;
  redirectUri = `${appUrl}/auth/quickbooks/callback`;
  sandbox = await startIntuitSandbox({
    port: 0,
    appUrl,
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
});

afterAll(async () => {
  OAuthClient.authorizeEndpoint = originalStatics.authorizeEndpoint;
  OAuthClient.tokenEndpoint = originalStatics.tokenEndpoint;
  OAuthClient.revokeEndpoint = originalStatics.revokeEndpoint;
  OAuthClient.userinfo_endpoint_sandbox = originalStatics.userinfo;
  OAuthClient.environment.sandbox = originalStatics.apiBase;
  await sandbox?.close();
  await new Promise((resolve) => app?.close(resolve));
});

afterEach(() => {
  sandbox.setFaults({ latencyMs: 0, serverErrorRate: 0, forcedThrottles: 0 });
  sandbox.configure({ requestsPerMinute: 500, maxConcurrent: 10 });
});

describe("OAuth with intuit-oauth", () => {
  it("connects: consent page, code, tokens and realmId; the code is single-use", async () => {
    const client = newClient();
    const authorizeUrl = client.authorizeUri({ scope: [OAuthClient.scopes.Accounting], state: "s-1" });
    expect(authorizeUrl.startsWith(`${sandbox.url}/connect/oauth2?`)).toBe(true);

    const callback = await consent(authorizeUrl, "connect", SECOND_DEMO_REALM_ID);
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect(callback.searchParams.get("realmId")).toBe(SECOND_DEMO_REALM_ID);
    expect(callback.searchParams.get("code")).toBeTruthy();

    const before = sandbox.stats();
    const response = await client.createToken(callback.toString());
    const token = response.getJson() as Record<string, unknown>;
    expect(token).toMatchObject({ token_type: "bearer", expires_in: 3600, x_refresh_token_expires_in: 100 * 24 * 3600 });
    expect(token.access_token).toEqual(expect.any(String));
    expect(token.refresh_token).toEqual(expect.any(String));
    expect(client.getToken().realmId).toBe(SECOND_DEMO_REALM_ID);
    expect(client.isAccessTokenValid()).toBe(true);
    expect(sandbox.stats().byRealm[SECOND_DEMO_REALM_ID]?.tokenExchanges).toBe((before.byRealm[SECOND_DEMO_REALM_ID]?.tokenExchanges ?? 0) + 1);

    const reuse = await rejection(newClient().createToken(callback.toString()));
    expect(reuse.error).toBe("invalid_grant");
  });

  it("Cancel redirects with access_denied and the state", async () => {
    const client = newClient();
    const callback = await consent(client.authorizeUri({ scope: [OAuthClient.scopes.Accounting], state: "s-cancel" }), "cancel");
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe("s-cancel");
    expect(callback.searchParams.has("code")).toBe(false);
  });

  it("refuses a wrong client secret with invalid_client", async () => {
    const { callback } = await connect();
    const error = await rejection(newClient("not-the-secret").refreshUsingToken("whatever"));
    expect(error.error).toBe("invalid_client");
    expect(callback.searchParams.get("realmId")).toBe(DEMO_REALM_ID);
  });

  it("rotates refresh tokens; the previous one works for 24 hours, then invalid_grant", async () => {
    const { client } = await connect();
    const first = client.getToken().refresh_token;
    await client.refresh();
    const second = client.getToken().refresh_token;
    expect(second).not.toBe(first);

    sandbox.advanceClock(23 * 3600);
    const retry = newClient();
    await retry.refreshUsingToken(first);
    expect(retry.getToken().refresh_token).not.toBe(first);

    sandbox.advanceClock(3600 + 1);
    expect((await rejection(newClient().refreshUsingToken(first))).error).toBe("invalid_grant");
    // The replacement has not been used yet: still valid.
    await client.refreshUsingToken(second);
    expect(sandbox.stats().byRealm[DEMO_REALM_ID]?.tokenRefreshes).toBeGreaterThanOrEqual(3);
  });

  it("gives invalid_grant for a refresh token past its life", async () => {
    const { client } = await connect();
    const refreshToken = client.getToken().refresh_token;
    sandbox.advanceClock(100 * 24 * 3600 + 1);
    expect((await rejection(newClient().refreshUsingToken(refreshToken))).error).toBe("invalid_grant");
  });

  it("revoke() ends the grant: the API answers the 3200 fault, the refresh token invalid_grant", async () => {
    const { client } = await connect();
    const { access_token: accessToken, refresh_token: refreshToken } = client.getToken();
    await client.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) });
    await client.revoke();
    expect(sandbox.stats().revokes).toBeGreaterThanOrEqual(1);

    const api = newClient();
    api.setToken({ ...client.getToken(), access_token: accessToken, realmId: DEMO_REALM_ID });
    const error = await rejection(api.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) }));
    expect(error.code).toBe("401");
    const raw = await rawApi(companyInfoUrl(DEMO_REALM_ID), accessToken);
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.body)).toMatchObject({
      Fault: { type: "AUTHENTICATION", Error: [{ code: "3200", Message: "message=AuthenticationFailed; errorCode=003200; statusCode=401", Detail: "Token revoked" }] },
      time: expect.any(String),
    });
    expect((await rejection(newClient().refreshUsingToken(refreshToken))).error).toBe("invalid_grant");
  });
});

describe("QuickBooks API", () => {
  it("returns CompanyInfo by id and by query, JSON or XML", async () => {
    const { client } = await connect();
    const byId = await client.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) });
    expect(byId.json.CompanyInfo).toMatchObject({ CompanyName: "Tillbridge Demo Coffee Co.", Country: "US", domain: "QBO", Id: "1" });
    expect(byId.json.time).toEqual(expect.any(String));

    const query = encodeURIComponent("select * from CompanyInfo");
    const byQuery = await client.makeApiCall({ url: `v3/company/${DEMO_REALM_ID}/query?query=${query}&minorversion=75` });
    expect(byQuery.json.QueryResponse.CompanyInfo[0].CompanyName).toBe("Tillbridge Demo Coffee Co.");
    expect(sandbox.apiCalls()[0]).toMatchObject({ realmId: DEMO_REALM_ID, path: `/v3/company/${DEMO_REALM_ID}/query`, minorVersion: 75, status: 200 });

    const xml = await rawApi(companyInfoUrl(DEMO_REALM_ID), client.getToken().access_token, "application/xml");
    expect(xml.body).toContain('<IntuitResponse xmlns="http://schema.intuit.com/finance/v3"');
    expect(xml.body).toContain('<CompanyInfo domain="QBO" sparse="false"><Id>1</Id>');
    expect(xml.body).toContain("<CompanyName>Tillbridge Demo Coffee Co.</CompanyName>");
  });

  it("answers an expired access token with 401, and works again after refresh()", async () => {
    const { client } = await connect();
    expect(sandbox.expireAccessTokens(DEMO_REALM_ID)).toBeGreaterThanOrEqual(1);
    expect((await rejection(client.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) }))).code).toBe("401");
    expect(JSON.parse((await rawApi(companyInfoUrl(DEMO_REALM_ID), client.getToken().access_token)).body).Fault.Error[0].Detail).toBe("Token expired");
    await client.refresh();
    expect((await client.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) })).status).toBe(200);
  });

  it("answers 403 3100 for another realm's token, and fault 120 when the user lost access", async () => {
    const { client } = await connect(SECOND_DEMO_REALM_ID);
    const token = client.getToken().access_token;
    const mismatch = await rawApi(companyInfoUrl(DEMO_REALM_ID), token);
    expect(mismatch.status).toBe(403);
    expect(JSON.parse(mismatch.body).Fault).toMatchObject({ type: "SERVICE", Error: [{ code: "3100" }] });

    await fetch(`${sandbox.url}/_sandbox/companies/${SECOND_DEMO_REALM_ID}/access`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lost: true }),
    });
    const lost = await rawApi(companyInfoUrl(SECOND_DEMO_REALM_ID), token);
    expect(lost.status).toBe(403);
    expect(JSON.parse(lost.body).Fault).toMatchObject({ type: "AuthorizationFault", Error: [{ code: "120", Message: "Authorization Failure" }] });
    await fetch(`${sandbox.url}/_sandbox/companies/${SECOND_DEMO_REALM_ID}/access`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lost: false }),
    });
    expect((await rawApi(companyInfoUrl(SECOND_DEMO_REALM_ID), token)).status).toBe(200);
  });

  it("throttles over the per-minute limit with the 3001 fault, until the minute has passed", async () => {
    const { client } = await connect();
    sandbox.advanceClock(61);
    sandbox.configure({ requestsPerMinute: 3 });
    const throttledBefore = sandbox.stats().apiThrottled;
    for (let call = 0; call < 3; call++) await client.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) });
    const error = await rejection(client.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) }));
    expect(error.code).toBe("RATE_LIMIT_EXCEEDED");
    const raw = await rawApi(companyInfoUrl(DEMO_REALM_ID), client.getToken().access_token);
    expect(raw.status).toBe(429);
    expect(JSON.parse(raw.body).Fault).toMatchObject({ type: "SERVICE", Error: [{ code: "3001", Message: "message=ThrottleExceeded; errorCode=003001; statusCode=429" }] });
    expect(sandbox.stats().apiThrottled).toBe(throttledBefore + 2);

    sandbox.advanceClock(61);
    expect((await client.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) })).status).toBe(200);
  });

  it("throttles over the concurrency limit, and on demand; injects 5xx", async () => {
    const { client } = await connect();
    const token = client.getToken().access_token;
    sandbox.configure({ maxConcurrent: 2 });
    sandbox.setFaults({ latencyMs: 300 });
    const statuses = await Promise.all(Array.from({ length: 4 }, () => rawApi(companyInfoUrl(DEMO_REALM_ID), token).then((raw) => raw.status)));
    expect(statuses.sort()).toEqual([200, 200, 429, 429]);

    sandbox.setFaults({ latencyMs: 0, forcedThrottles: 1 });
    expect((await rawApi(companyInfoUrl(DEMO_REALM_ID), token)).status).toBe(429);
    expect((await rawApi(companyInfoUrl(DEMO_REALM_ID), token)).status).toBe(200);

    sandbox.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 });
    expect((await rejection(client.makeApiCall({ url: companyInfoUrl(DEMO_REALM_ID) }))).code).toBe("503");
  });
});

describe("webhooks", () => {
  it("delivers a signed CloudEvents array to /webhooks/quickbooks", async () => {
    const delivery = await sandbox.deliverWebhook([{ realmId: DEMO_REALM_ID, entity: "Item", operation: "updated", entityId: "42" }]);
    expect(delivery).toMatchObject({ ok: true, status: 200, url: `${appUrl}/webhooks/quickbooks` });
    const webhook = received.at(-1);
    if (!webhook) throw new Error("no webhook received");
    const expected = createHmac("sha256", SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN).update(webhook.rawBody).digest("base64");
    expect(timingSafeEqual(Buffer.from(webhook.signature), Buffer.from(expected))).toBe(true);
    const events = JSON.parse(webhook.rawBody) as CloudEvent[];
    expect(events).toEqual([
      expect.objectContaining({ specversion: "1.0", type: "qbo.item.updated.v1", intuitentityid: "42", intuitaccountid: DEMO_REALM_ID, datacontenttype: "application/json" }),
    ]);
    expect(sandbox.stats().byRealm[DEMO_REALM_ID]?.webhooksDelivered).toBe(1);
  });

  it("delivers through the control API, and redelivers the same bytes under the same signature", async () => {
    const control = async (path: string, body?: unknown) => {
      const response = await fetch(`${sandbox.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { delivery: { id: string; ok: boolean; status: number; body: string; signature: string; events: CloudEvent[] } } };
    };
    const first = await control("/_sandbox/webhooks", {
      events: [
        { realmId: DEMO_REALM_ID, entity: "Customer", operation: "created", entityId: "58" },
        { realmId: SECOND_DEMO_REALM_ID, entity: "Invoice", operation: "voided", entityId: "130", data: { note: "as given" } },
      ],
    });
    expect(first.status).toBe(200);
    expect(first.body.delivery).toMatchObject({ ok: true, status: 200 });
    expect(first.body.delivery.events.map((event) => [event.type, event.intuitaccountid, event.data])).toEqual([
      ["qbo.customer.created.v1", DEMO_REALM_ID, {}],
      ["qbo.invoice.voided.v1", SECOND_DEMO_REALM_ID, { note: "as given" }],
    ]);

    const again = await control(`/_sandbox/deliveries/${first.body.delivery.id}/redeliver`);
    expect(again.status).toBe(200);
    expect(again.body.delivery.id).not.toBe(first.body.delivery.id);
    expect(again.body.delivery).toMatchObject({ ok: true, body: first.body.delivery.body, signature: first.body.delivery.signature });
    expect(received.slice(-2).map((webhook) => webhook.rawBody)).toEqual([first.body.delivery.body, first.body.delivery.body]);
    expect(sandbox.deliveries()[0]?.id).toBe(again.body.delivery.id);

    expect((await control("/_sandbox/deliveries/no-such-delivery/redeliver")).status).toBe(404);
    expect((await control("/_sandbox/webhooks", { events: [] })).status).toBe(400);
    expect((await control("/_sandbox/webhooks", { events: [{ realmId: "123", entity: "Item", operation: "updated", entityId: "1" }] })).status).toBe(404);
  });

  it("delivers to the configured webhook URL, and logs a refused delivery as failed", async () => {
    const elsewhere = await startIntuitSandbox({
      port: 0,
      appUrl,
      webhookUrl: `${appUrl}/webhooks/refusing`,
      clientId: SANDBOX_QUICKBOOKS_CLIENT_ID,
      clientSecret: SANDBOX_QUICKBOOKS_CLIENT_SECRET,
      webhookVerifierToken: SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
    });
    try {
      const delivery = await elsewhere.deliverWebhook([{ realmId: DEMO_REALM_ID, entity: "Item", operation: "deleted", entityId: "9" }]);
      expect(delivery).toMatchObject({ url: `${appUrl}/webhooks/refusing`, ok: false, status: 401, error: null });
      expect(elsewhere.stats().byRealm[DEMO_REALM_ID]?.webhooksFailed).toBe(1);
    } finally {
      await elsewhere.close();
    }
  });
});

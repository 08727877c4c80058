import { serialization, SquareClient, SquareError, SquareTimeoutError, WebhooksHelper } from "square";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SANDBOX_SQUARE_APPLICATION_ID as APP_ID,
  SANDBOX_SQUARE_APPLICATION_SECRET as APP_SECRET,
  SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY as SIGNATURE_KEY,
  startSquareSandbox,
  type SquareSandbox,
} from "../../sandbox/square/index";
import { startWebhookReceiver, waitUntil, type WebhookReceiver } from "../support/webhook-receiver";

/**
 * The Square sandbox's fault switches, seen through the real `square` SDK (maxRetries 0, so each raw answer shows)
 * and a local receiver standing in for the app's webhook route.
 */

const SELLER = "MLTB0DEMO0001";

let sandbox: SquareSandbox;
let receiver: WebhookReceiver;

function client(token = "unused", options: { timeoutInSeconds?: number } = {}) {
  return new SquareClient({ token, baseUrl: sandbox.url, maxRetries: 0, ...options });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (error: unknown) => error,
  );
}

async function squareError(promise: Promise<unknown>): Promise<SquareError> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(SquareError);
  return error as SquareError;
}

async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** A code from the consent form, as the seller's Allow gives it. */
async function authorizationCode(): Promise<string> {
  const form = new URLSearchParams({ client_id: APP_ID, scope: "MERCHANT_PROFILE_READ", merchant_id: SELLER, decision: "approve" });
  const response = await fetch(`${sandbox.url}/oauth2/authorize`, { method: "POST", body: form, redirect: "manual" });
  return new URL(response.headers.get("location")!).searchParams.get("code")!;
}

async function accessToken(): Promise<string> {
  const token = await client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code: await authorizationCode() });
  return token.accessToken!;
}

function event(id: string) {
  return { merchant_id: SELLER, type: "location.updated", data: { type: "location", id, object: { location: { id } } } };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSquareSandbox({ port: 0, appUrl: receiver.url, applicationId: APP_ID, applicationSecret: APP_SECRET, webhookSignatureKey: SIGNATURE_KEY });
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

beforeEach(() => {
  sandbox.resetFaults();
  sandbox.resetStats();
  receiver.received.length = 0;
});

describe("API faults", () => {
  it("adds latency, with jitter, to every call", async () => {
    const token = await accessToken();
    await client(token).locations.list();
    const baseline = await elapsed(() => client(token).locations.list());
    sandbox.setFaults({ latencyMs: 300 });
    const slow = await elapsed(() => client(token).locations.list());
    expect(slow).toBeGreaterThanOrEqual(295);
    expect(slow).toBeGreaterThan(baseline);
    sandbox.setFaults({ latencyMs: 100, latencyJitterMs: 200, seed: 5 });
    const jittered = await Promise.all(Array.from({ length: 4 }, () => elapsed(() => client(token).merchants.get({ merchantId: "me" }))));
    for (const time of jittered) expect(time).toBeGreaterThanOrEqual(95);
    for (const time of jittered) expect(time).toBeLessThan(2_000);
  });

  it("answers Square's 5xx error body, which the SDK types, and does nothing", async () => {
    sandbox.setFaults({ serverErrorRate: 1, serverErrorStatus: 502 });
    const code = await authorizationCode();
    const error = await squareError(client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code }));
    expect(error.statusCode).toBe(502);
    expect(error.errors).toEqual([{ category: "API_ERROR", code: "BAD_GATEWAY", detail: expect.any(String) }]);
    const strict = serialization.ObtainTokenResponse.parse(error.body, { unrecognizedObjectKeys: "fail", allowUnrecognizedEnumValues: false });
    expect(strict.ok).toBe(true);

    // Nothing was done: the code is still good.
    sandbox.setFaults({ serverErrorRate: 0 });
    await client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code });
    expect(sandbox.stats()).toMatchObject({ serverErrors: 1, tokenExchanges: 1 });
  });

  it("throttles the next N calls with 429 RATE_LIMITED, then answers", async () => {
    const token = await accessToken();
    const control = await fetch(`${sandbox.url}/_sandbox/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ forcedThrottles: 3 }) });
    expect(await control.json()).toMatchObject({ forcedThrottles: 3, rateLimit: { next: 3, fraction: 0 } });

    for (let call = 0; call < 3; call++) {
      const error = await squareError(client(token).locations.list());
      expect(error.statusCode).toBe(429);
      expect(error.errors).toEqual([{ category: "RATE_LIMIT_ERROR", code: "RATE_LIMITED", detail: "This request was rate limited. Please retry later." }]);
      expect(error.rawResponse?.headers.get("retry-after")).toBeNull();
    }
    expect((await client(token).locations.list()).locations).toHaveLength(2);
    expect(sandbox.stats()).toMatchObject({ rateLimited: 3 });
  });

  it("throttles a fraction of calls for a period (throttleRate, throttleForMs)", async () => {
    const token = await accessToken();
    const settings = sandbox.setFaults({ throttleRate: 1, throttleForMs: 1_000 });
    expect(Date.parse(settings.throttleUntil!) - Date.now()).toBeGreaterThan(900);
    expect((await squareError(client(token).merchants.get({ merchantId: "me" }))).statusCode).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect((await client(token).merchants.get({ merchantId: "me" })).merchant?.id).toBe(SELLER);
    expect(sandbox.faults()).toMatchObject({ throttleRate: 0, throttleUntil: null });
  });

  it("accepts a call and never answers it: the SDK's timeout fires", async () => {
    const token = await accessToken();
    sandbox.setFaults({ timeoutRate: 1 });
    const started = performance.now();
    // SDK 46 on Node's own fetch: its timer aborts with the string "timeout", which the fetcher does not recognise
    // as a timeout, so the error is a SquareError with no status and cause "timeout", not a SquareTimeoutError.
    const timedOut = await squareError(client(token, { timeoutInSeconds: 0.3 }).locations.list());
    expect(timedOut).not.toBeInstanceOf(SquareTimeoutError);
    expect(timedOut.statusCode).toBeUndefined();
    expect(timedOut.cause).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(2_000);

    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    expect(await failure(client(token).locations.list({ abortSignal: abort.signal }))).toBeInstanceOf(Error);
    expect(sandbox.stats()).toMatchObject({ timeouts: 2 });
  });

  it("loses the answer of a write it committed: the code is used, the revoke stands; reads are answered", async () => {
    sandbox.setFaults({ lostResponseRate: 1 });
    const code = await authorizationCode();
    const lost = await squareError(client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code }));
    expect(lost.statusCode).toBeUndefined();
    expect(lost.message).toContain("fetch failed");
    expect((lost.cause as Error).cause).toMatchObject({ code: "UND_ERR_SOCKET" });
    expect(sandbox.stats()).toMatchObject({ tokenExchanges: 1, lostResponses: 1 });

    // The exchange happened: the code is spent (an error answer is not lost), and a token was issued.
    const again = await squareError(client().oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code }));
    expect(again.statusCode).toBe(401);
    expect(again.errors[0]?.detail).toBe("The authorization code has already been used.");
    const tokens = (await (await fetch(`${sandbox.url}/_sandbox/tokens`)).json()) as { merchantId: string; state: string }[];
    expect(tokens[0]).toMatchObject({ merchantId: SELLER, state: "live" });

    sandbox.setFaults({ lostResponseRate: 0 });
    const token = await accessToken();
    sandbox.setFaults({ lostResponseRate: 1 });
    expect((await client(token).locations.list()).locations).toHaveLength(2);
    expect((await client(token).oAuth.retrieveTokenStatus()).merchantId).toBe(SELLER);

    const revokeClient = new SquareClient({ baseUrl: sandbox.url, auth: false, maxRetries: 0 });
    await squareError(revokeClient.oAuth.revokeToken({ clientId: APP_ID, accessToken: token }, { headers: { Authorization: `Client ${APP_SECRET}` } }));
    const status = await squareError(client(token).oAuth.retrieveTokenStatus());
    expect(status.errors[0]?.code).toBe("ACCESS_TOKEN_REVOKED");
    expect(sandbox.stats()).toMatchObject({ lostResponses: 2 });
  });

  it("refuses invalid switches and reads them back", async () => {
    const post = (body: unknown) => fetch(`${sandbox.url}/_sandbox/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect((await post({ serverErrorStatus: 501 })).status).toBe(400);
    expect((await post({ timeoutRate: 1.5 })).status).toBe(400);
    expect((await post({ webhooks: { reorder: { batchSize: 1 } } })).status).toBe(400);
    expect((await post({ latencyMs: 20, webhooks: { delayMs: 10 } })).status).toBe(200);
    expect(await (await fetch(`${sandbox.url}/_sandbox/faults`)).json()).toMatchObject({ latencyMs: 20, webhooks: { delayMs: 10, duplicateRate: 0 } });
    expect(await (await fetch(`${sandbox.url}/_sandbox/faults/reset`, { method: "POST" })).json()).toMatchObject({ latencyMs: 0, webhooks: { delayMs: 0 } });
  });
});

describe("webhook faults", () => {
  async function verified(rawBody: string, signature: string | string[] | undefined): Promise<boolean> {
    return WebhooksHelper.verifySignature({ requestBody: rawBody, signatureHeader: String(signature), signatureKey: SIGNATURE_KEY, notificationUrl: `${receiver.url}/webhooks/square` });
  }

  it("duplicates a delivery: the same signed request twice, same event_id", async () => {
    sandbox.setFaults({ webhooks: { duplicateRate: 1 } });
    const delivery = await sandbox.deliverEvent(event("L1"));
    const [first, second] = await receiver.waitFor(2);
    expect(receiver.received).toHaveLength(2);
    expect(second!.rawBody).toBe(first!.rawBody);
    expect(second!.headers["x-square-hmacsha256-signature"]).toBe(first!.headers["x-square-hmacsha256-signature"]);
    expect(await verified(second!.rawBody, second!.headers["x-square-hmacsha256-signature"])).toBe(true);
    expect(JSON.parse(second!.rawBody).event_id).toBe(delivery.eventId);
    // The sandbox logs the copy once the app has answered it, just after the receiver saw it.
    const log = () => sandbox.deliveries().filter((entry) => entry.eventId === delivery.eventId);
    await waitUntil(() => log().length === 2);
    expect(log().map((entry) => entry.duplicate)).toEqual([true, false]);
  });

  it("delays a delivery", async () => {
    sandbox.setFaults({ webhooks: { delayMs: 300 } });
    const started = performance.now();
    const response = await fetch(`${sandbox.url}/_sandbox/webhooks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ merchantId: SELLER, type: "location.updated", data: event("L2").data }),
    });
    expect(((await response.json()) as { delivery: { ok: boolean } }).delivery.ok).toBe(true);
    const [received] = await receiver.waitFor(1);
    expect(received!.receivedAt - started).toBeGreaterThanOrEqual(290);
    expect(receiver.received).toHaveLength(1);
  });

  it("holds deliveries and sends each batch in reverse; a short batch after maxHoldMs, or on flush", async () => {
    sandbox.setFaults({ webhooks: { reorder: { batchSize: 3, order: "reverse", maxHoldMs: 5_000 } } });
    await Promise.all(["A", "B", "C"].map((id) => sandbox.deliverEvent(event(id))));
    expect(receiver.received.map((request) => JSON.parse(request.rawBody).data.id)).toEqual(["C", "B", "A"]);
    for (const request of receiver.received) expect(await verified(request.rawBody, request.headers["x-square-hmacsha256-signature"])).toBe(true);

    receiver.received.length = 0;
    const held = Promise.all(["D", "E"].map((id) => sandbox.deliverEvent(event(id))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(0);
    expect(await (await fetch(`${sandbox.url}/_sandbox/faults/flush`, { method: "POST" })).json()).toEqual({ flushed: 2 });
    await held;
    expect(receiver.received.map((request) => JSON.parse(request.rawBody).data.id)).toEqual(["E", "D"]);
  });

  it("shuffles a batch the same way for the same seed", async () => {
    const ids = ["1", "2", "3", "4", "5", "6"];
    const orders: string[][] = [];
    for (let run = 0; run < 2; run++) {
      receiver.received.length = 0;
      sandbox.setFaults({ seed: 99, webhooks: { reorder: { batchSize: ids.length, order: "shuffle" } } });
      await Promise.all(ids.map((id) => sandbox.deliverEvent(event(id))));
      orders.push(receiver.received.map((request) => JSON.parse(request.rawBody).data.id as string));
    }
    expect(orders[1]).toEqual(orders[0]);
    expect([...orders[0]!].sort()).toEqual(ids);
    expect(orders[0]).not.toEqual(ids);
  });
});

describe("closing", () => {
  it("closes promptly with a call hanging, one in its latency and a delivery held", async () => {
    const local = await startSquareSandbox({ port: 0, appUrl: receiver.url, applicationId: APP_ID, applicationSecret: APP_SECRET, webhookSignatureKey: SIGNATURE_KEY });
    local.setFaults({ timeoutRate: 1 });
    const hanging = fetch(`${local.url}/v2/locations`).catch((error: unknown) => error);
    local.setFaults({ timeoutRate: 0, latencyMs: 30_000, webhooks: { reorder: { batchSize: 10, maxHoldMs: 60_000 } } });
    const slow = fetch(`${local.url}/v2/locations`).catch((error: unknown) => error);
    const held = local.deliverEvent(event("Z"));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = performance.now();
    await local.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await hanging).toBeInstanceOf(TypeError);
    expect(await slow).toBeInstanceOf(TypeError);
    expect(await held).toMatchObject({ ok: false, error: "the sandbox closed" });
  });
});

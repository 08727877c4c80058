import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_SQUARE_APPLICATION_ID, SANDBOX_SQUARE_APPLICATION_SECRET, SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY, startSquareSandbox, type SquareSandbox } from "../../sandbox/square/index";
import { freePorts } from "../../tests/support/ports";
import { getDatabase, openDatabase, type Database } from "~/db.server";
import { RateLimitedError } from "~/jobs/errors";
import { DEFAULT_BUCKETS, takeBudget, recordShopifyThrottleStatus } from "./budgets.server";
import { tryAcquireLease } from "./leases.server";
import { callVendor, withSquareCatalogWrite } from "./vendor-calls.server";
import { SquareClient, SquareError } from "square";

// Shared vendor budgets and leases on the real database. On PostgreSQL, extra connection pools stand in for
// other worker processes; PGlite has one process by design.

let database: Database;
let square: SquareSandbox;
const otherProcesses: Database[] = [];

beforeAll(async () => {
  database = getDatabase();
  if (process.env.DATABASE_URL) {
    for (let n = 0; n < 3; n += 1) otherProcesses.push(openDatabase({ kind: "postgres", url: process.env.DATABASE_URL, poolSize: 5 }));
  }
  square = await startSquareSandbox({
    port: await freePorts(),
    appUrl: "http://localhost:3000",
    applicationId: SANDBOX_SQUARE_APPLICATION_ID,
    applicationSecret: SANDBOX_SQUARE_APPLICATION_SECRET,
    webhookSignatureKey: SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY,
  });
});

afterAll(async () => {
  for (const other of otherProcesses) await other.close();
  await square.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("token buckets in the database", () => {
  it("grants up to the capacity, then says how long to wait, and refills with time", async () => {
    const shape = { capacity: 5, refillPerSecond: 2 };
    const take = () => takeBudget(database.prisma, { provider: "QUICKBOOKS", account: "realm-refill", cost: 1, shape });
    for (let n = 0; n < 5; n += 1) expect((await take()).granted).toBe(true);
    const refused = await take();
    expect(refused.granted).toBe(false);
    if (!refused.granted) {
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
      await sleep(refused.retryAfterMs + 50);
    }
    expect((await take()).granted).toBe(true);
  });

  it("never grants more than the bucket holds to many processes taking at once", async () => {
    const shape = { capacity: 30, refillPerSecond: 0.001 };
    const clients = [database, ...otherProcesses];
    const attempts = clients.flatMap((client) => Array.from({ length: 40 }, () => takeBudget(client.prisma, { provider: "QUICKBOOKS", account: "realm-contended", cost: 1, shape })));
    const decisions = await Promise.all(attempts);
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(30);
  });

  it("follows Shopify's own throttleStatus for a shop", async () => {
    await recordShopifyThrottleStatus(database.prisma, "budget.myshopify.com", { maximumAvailable: 2000, currentlyAvailable: 150, restoreRate: 100 });
    const shape = { capacity: 2000, refillPerSecond: 100 };
    expect((await takeBudget(database.prisma, { provider: "SHOPIFY", account: "budget.myshopify.com", cost: 140, shape })).granted).toBe(true);
    const refused = await takeBudget(database.prisma, { provider: "SHOPIFY", account: "budget.myshopify.com", cost: 500, shape });
    expect(refused).toMatchObject({ granted: false });
    // About 490 points short at 100 a second.
    if (!refused.granted) expect(refused.retryAfterMs).toBeGreaterThan(4_000);
  });
});

describe("leases", () => {
  it("hands out at most `limit` slots, frees them on release, and takes over an expired one", async () => {
    const clients = [database, ...otherProcesses];
    const leases = await Promise.all(Array.from({ length: 6 }, (_, n) => tryAcquireLease(clients[n % clients.length]!.prisma, "lease-test", { limit: 3, ttlMs: 60_000 })));
    const held = leases.filter((lease) => lease !== null);
    expect(held).toHaveLength(3);
    expect(new Set(held.map((lease) => lease!.slot))).toEqual(new Set([0, 1, 2]));
    await held[0]!.release();
    expect(await tryAcquireLease(database.prisma, "lease-test", { limit: 3, ttlMs: 60_000 })).not.toBeNull();

    const dying = await tryAcquireLease(database.prisma, "lease-expiring", { limit: 1, ttlMs: 200 });
    expect(await tryAcquireLease(database.prisma, "lease-expiring", { limit: 1, ttlMs: 60_000 })).toBeNull();
    await sleep(300);
    const takenOver = await tryAcquireLease(database.prisma, "lease-expiring", { limit: 1, ttlMs: 60_000 });
    expect(takenOver?.slot).toBe(0);
    // The dead holder's release does not free the new holder's slot.
    await dying!.release();
    expect(await tryAcquireLease(database.prisma, "lease-expiring", { limit: 1, ttlMs: 60_000 })).toBeNull();
  });
});

describe("calling a vendor", () => {
  it("keeps QuickBooks at ten requests in flight per realm: the eleventh waits instead of calling", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const inFlight = Array.from({ length: 10 }, () =>
      callVendor(database.prisma, { provider: "QUICKBOOKS", account: "9130000000000001" }, async () => {
        calls += 1;
        await gate;
      }),
    );
    await sleep(300);
    await expect(callVendor(database.prisma, { provider: "QUICKBOOKS", account: "9130000000000001" }, async () => (calls += 1))).rejects.toBeInstanceOf(RateLimitedError);
    expect(calls).toBe(10);
    release();
    await Promise.all(inFlight);
    await callVendor(database.prisma, { provider: "QUICKBOOKS", account: "9130000000000001" }, async () => (calls += 1));
    expect(calls).toBe(11);
  });

  it("stops at QuickBooks' per-minute budget without calling, and says how long to wait", async () => {
    let calls = 0;
    let refusal: unknown;
    const started = Date.now();
    for (let n = 0; n < 200 && !refusal; n += 1) {
      await callVendor(database.prisma, { provider: "QUICKBOOKS", account: "9130000000000002" }, async () => (calls += 1)).catch((error: unknown) => (refusal = error));
    }
    expect(refusal).toBeInstanceOf(RateLimitedError);
    // The burst of 25, plus what refilled at 475 a minute while the loop ran.
    const { capacity, refillPerSecond } = DEFAULT_BUCKETS.QUICKBOOKS;
    expect(capacity + refillPerSecond * 60).toBeLessThanOrEqual(500);
    const refilled = ((Date.now() - started) / 1000) * refillPerSecond;
    expect(calls).toBeGreaterThanOrEqual(capacity);
    expect(calls).toBeLessThanOrEqual(capacity + Math.ceil(refilled));
    expect((refusal as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
  });

  it("turns Square's 429 into a wait, through the real SDK against the sandbox", async () => {
    square.setFaults({ next: 1 });
    const client = new SquareClient({ baseUrl: square.url, token: "not-needed-for-a-429", maxRetries: 0 });
    const error = await withSquareCatalogWrite(database.prisma, "MLTB0DEMO0001", () => client.locations.list()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).provider).toBe("SQUARE");
    // And an ordinary error stays what it was.
    const other = await callVendor(database.prisma, { provider: "SQUARE", account: "MLTB0DEMO0001" }, () => client.locations.list()).catch((caught: unknown) => caught);
    expect(other).toBeInstanceOf(SquareError);
    expect(other).not.toBeInstanceOf(RateLimitedError);
  });

  it("lets one Square catalog write per seller run at a time", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = withSquareCatalogWrite(database.prisma, "MLTB0DEMO0002", () => gate);
    await sleep(200);
    await expect(withSquareCatalogWrite(database.prisma, "MLTB0DEMO0002", async () => "second")).rejects.toBeInstanceOf(RateLimitedError);
    expect(await withSquareCatalogWrite(database.prisma, "MLTB0DEMO0001", async () => "another seller")).toBe("another seller");
    release();
    await first;
    expect(await withSquareCatalogWrite(database.prisma, "MLTB0DEMO0002", async () => "now")).toBe("now");
  });
});

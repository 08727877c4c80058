import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDatabase, type Database } from "~/db.server";
import { startJobQueue, type JobQueue } from "~/jobs/queue.server";
import { InboxWriter, type IncomingWebhookEvent } from "./inbox-writer.server";
import { processWebhookEventJob } from "./processing.server";

// The inbox's group commit on the real database and queue: deliveries arriving together share transactions,
// each is answered only once stored with its tenant and processing job, and one the database refuses fails alone.

let database: Database;
let queue: JobQueue;
let tenantId: string;
let transactions = 0;
let writer: InboxWriter;

beforeAll(async () => {
  database = getDatabase();
  queue = await startJobQueue(database, { definitions: [processWebhookEventJob], runWorkers: false });
  tenantId = (await database.prisma.tenant.create({ data: { name: "Writer Co", origin: "SHOPIFY" } })).id;
  await database.prisma.connection.create({ data: { tenantId, provider: "SHOPIFY", externalId: "writer-shop.myshopify.com" } });
  await database.prisma.connection.create({ data: { tenantId, provider: "SQUARE", externalId: "MLWRITER0001" } });
  writer = new InboxWriter({
    database: () => {
      transactions += 1;
      return database.prisma;
    },
    queue: () => queue,
    maxInFlight: 2,
    maxBatch: 50,
  });
});

afterAll(async () => {
  await queue.stop({ timeoutMs: 2_000 });
});

function event(n: number, overrides: Partial<IncomingWebhookEvent> = {}): IncomingWebhookEvent {
  const square = n % 2 === 0;
  return {
    provider: square ? "SQUARE" : "SHOPIFY",
    externalEventId: `writer-event-${n}`,
    topic: square ? "inventory.count.updated" : "INVENTORY_LEVELS_UPDATE",
    accountRef: square ? "MLWRITER0001" : "writer-shop.myshopify.com",
    payload: { n },
    ...overrides,
  };
}

async function queuedJobs(): Promise<number> {
  const rows = await database.prisma.$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM pgboss.job WHERE name = 'webhooks.process'`);
  return Number(rows[0]!.count);
}

describe("InboxWriter", () => {
  it("writes 200 deliveries that arrive together in a handful of transactions, each with its tenant and job", async () => {
    transactions = 0;
    const jobsBefore = await queuedJobs();
    const results = await Promise.all(Array.from({ length: 200 }, (_, n) => writer.record(event(n))));
    expect(results.every((fresh) => fresh)).toBe(true);
    expect(transactions).toBeGreaterThan(1);
    expect(transactions).toBeLessThanOrEqual(10);
    const stored = await database.prisma.webhookEvent.findMany({ where: { externalEventId: { startsWith: "writer-event-" } }, select: { tenantId: true, status: true } });
    expect(stored).toHaveLength(200);
    expect(stored.every((row) => row.tenantId === tenantId && row.status === "RECEIVED")).toBe(true);
    expect((await queuedJobs()) - jobsBefore).toBe(200);
  });

  it("answers a redelivery as such, also when it comes in the same batch as the first delivery", async () => {
    const [first, sameBatch] = await Promise.all([writer.record(event(1_000)), writer.record(event(1_000))]);
    expect([first, sameBatch].sort()).toEqual([false, true]);
    expect(await writer.record(event(1_000))).toBe(false);
    expect(await database.prisma.webhookEvent.count({ where: { externalEventId: "writer-event-1000" } })).toBe(1);
  });

  it("stores an event for an unknown account without a tenant, to be dropped by processing", async () => {
    expect(await writer.record(event(2_000, { accountRef: "MLNOBODY0001" }))).toBe(true);
    expect((await database.prisma.webhookEvent.findFirstOrThrow({ where: { externalEventId: "writer-event-2000" } })).tenantId).toBeNull();
  });

  it("fails only the delivery the database refuses; the others of its batch are stored", async () => {
    // PostgreSQL refuses a NUL character in JSON: the whole batch's transaction fails, then each is written alone.
    const poisoned = event(3_001, { payload: { text: "\u0000" } });
    const outcomes = await Promise.allSettled([...Array.from({ length: 20 }, (_, n) => writer.record(event(3_100 + n))), writer.record(poisoned)]);
    expect(outcomes.slice(0, 20).every((outcome) => outcome.status === "fulfilled" && outcome.value === true)).toBe(true);
    expect(outcomes[20]!.status).toBe("rejected");
    expect(await database.prisma.webhookEvent.count({ where: { externalEventId: { in: Array.from({ length: 20 }, (_, n) => `writer-event-${3_100 + n}`) } } })).toBe(20);
    expect(await database.prisma.webhookEvent.count({ where: { externalEventId: "writer-event-3001" } })).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDatabase, type Database } from "~/db.server";
import { startJobQueue, type JobQueue } from "~/jobs/queue.server";
import { recordWebhookEvent } from "./inbox.server";
import { processWebhookEvent, processWebhookEventJob, registerWebhookProcessor } from "./processing.server";

// The inbox and its processing job on the real database and queue: stored and enqueued together, processed
// once, and events for nobody dropped with a log line.

let database: Database;
let queue: JobQueue;
let tenantId: string;
const applied: string[] = [];
let failNext = false;

beforeAll(async () => {
  database = getDatabase();
  queue = await startJobQueue(database, { definitions: [processWebhookEventJob], runWorkers: false });
  const tenant = await database.prisma.tenant.create({ data: { name: "Inbox Co", origin: "SQUARE" } });
  tenantId = tenant.id;
  await database.prisma.connection.create({ data: { tenantId, provider: "SQUARE", externalId: "MLINBOX00001" } });
  await database.prisma.connection.create({ data: { tenantId, provider: "QUICKBOOKS", externalId: "9130000000000099", status: "DISCONNECTED" } });
  registerWebhookProcessor("SQUARE", "inventory.count.updated", async (event) => {
    if (failNext) {
      failNext = false;
      throw new Error("vendor unreachable");
    }
    applied.push(event.id);
  });
});

afterAll(async () => {
  await queue.stop({ timeoutMs: 2_000 });
});

async function store(eventId: string, account = "MLINBOX00001", topic = "inventory.count.updated", provider: "SQUARE" | "QUICKBOOKS" = "SQUARE") {
  let fresh = false;
  await database.prisma.$transaction(async (tx) => {
    fresh = await recordWebhookEvent(tx, queue, { provider, externalEventId: eventId, topic, accountRef: account, tenantId: account === "MLINBOX00001" ? tenantId : null, payload: { eventId } });
  });
  const event = await database.prisma.webhookEvent.findUniqueOrThrow({ where: { provider_externalEventId: { provider, externalEventId: eventId } } });
  return { fresh, event };
}

async function processingJobsFor(webhookEventId: string): Promise<number> {
  const rows = await database.prisma.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) AS count FROM pgboss.job WHERE name = 'webhooks.process' AND data->>'webhookEventId' = ${webhookEventId}`;
  return Number(rows[0]!.count);
}

describe("the webhook inbox", () => {
  it("stores an event and its processing job together; a redelivery adds neither", async () => {
    const first = await store("evt-stored-1");
    expect(first.fresh).toBe(true);
    expect(await processingJobsFor(first.event.id)).toBe(1);
    const again = await store("evt-stored-1");
    expect(again.fresh).toBe(false);
    expect(await database.prisma.webhookEvent.count({ where: { externalEventId: "evt-stored-1" } })).toBe(1);
    expect(await processingJobsFor(first.event.id)).toBe(1);
  });

  it("stores nothing and enqueues nothing when the transaction rolls back", async () => {
    await expect(
      database.prisma.$transaction(async (tx) => {
        await recordWebhookEvent(tx, queue, { provider: "SQUARE", externalEventId: "evt-rolled-back", topic: "inventory.count.updated", accountRef: "MLINBOX00001", tenantId, payload: {} });
        throw new Error("the request failed before answering");
      }),
    ).rejects.toThrow();
    expect(await database.prisma.webhookEvent.count({ where: { externalEventId: "evt-rolled-back" } })).toBe(0);
    const jobs = await database.prisma.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM pgboss.job WHERE name = 'webhooks.process' AND data->>'tenantId' = ${tenantId}`;
    expect(Number(jobs[0]!.count)).toBe(1);
  });
});

describe("processing an event", () => {
  it("applies it once, however often the job runs", async () => {
    const { event } = await store("evt-apply-1");
    expect(await processWebhookEvent(database.prisma, event.id)).toBe("processed");
    expect(await processWebhookEvent(database.prisma, event.id)).toBe("already-done");
    expect(applied.filter((id) => id === event.id)).toHaveLength(1);
    expect(await database.prisma.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ status: "PROCESSED", tenantId });
  });

  it("leaves the event to retry when its processor fails", async () => {
    const { event } = await store("evt-retry-1");
    failNext = true;
    await expect(processWebhookEvent(database.prisma, event.id)).rejects.toThrow("vendor unreachable");
    expect((await database.prisma.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).status).toBe("RECEIVED");
    expect(await processWebhookEvent(database.prisma, event.id)).toBe("processed");
  });

  it("drops events for an unknown or disconnected account, and topics no sync uses", async () => {
    const unknown = await store("evt-unknown-1", "MLNOBODY0001");
    expect(unknown.event.tenantId).toBeNull();
    expect(await processWebhookEvent(database.prisma, unknown.event.id)).toBe("dropped");
    const disconnected = await store("evt-disconnected-1", "9130000000000099", "qbo.invoice.created.v1", "QUICKBOOKS");
    expect(await processWebhookEvent(database.prisma, disconnected.event.id)).toBe("dropped");
    const unused = await store("evt-unused-topic-1", "MLINBOX00001", "team_member.created");
    expect(await processWebhookEvent(database.prisma, unused.event.id)).toBe("dropped");
    const statuses = await database.prisma.webhookEvent.findMany({ where: { externalEventId: { in: ["evt-unknown-1", "evt-disconnected-1", "evt-unused-topic-1"] } } });
    expect(statuses.map((row) => row.status)).toEqual(["DROPPED", "DROPPED", "DROPPED"]);
  });

  it("is done by the workers from the job sent with the event", async () => {
    const workers = await startJobQueue(database, { definitions: [processWebhookEventJob], runWorkers: true });
    try {
      const { event } = await store("evt-worked-1");
      const deadline = Date.now() + 20_000;
      while ((await database.prisma.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).status === "RECEIVED" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await database.prisma.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).status).toBe("PROCESSED");
      expect(applied).toContain(event.id);
    } finally {
      await workers.stop({ timeoutMs: 2_000 });
    }
  });

  it("runs every processor registered for a topic, each once, however often it is registered", async () => {
    const seen: string[] = [];
    const stock = async () => void seen.push("stock");
    const books = async () => void seen.push("books");
    registerWebhookProcessor("SQUARE", "order.updated", stock);
    registerWebhookProcessor("SQUARE", "order.updated", books);
    registerWebhookProcessor("SQUARE", "order.updated", stock);
    const { event } = await store("evt-two-syncs", "MLINBOX00001", "order.updated");
    expect(await processWebhookEvent(database.prisma, event.id)).toBe("processed");
    expect(seen).toEqual(["stock", "books"]);
  });
});

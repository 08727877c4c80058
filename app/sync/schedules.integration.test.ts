import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getDatabase, type Database } from "~/db.server";
import { runJob, startJobQueue, type JobQueue } from "~/jobs/queue.server";
import { defineJob } from "~/jobs/registry";
import { createSync, deleteSync, reconcileSyncJob } from "./schedules.server";

// Recurring reconciliation schedules that live and die with their sync, and ordering keys that keep work on
// one record from interleaving.

let database: Database;
let queue: JobQueue;
let tenantId: string;
let connections: { source: string; target: string };

beforeAll(async () => {
  database = getDatabase();
  queue = await startJobQueue(database, { definitions: [reconcileSyncJob], runWorkers: false });
  const tenant = await database.prisma.tenant.create({ data: { name: "Schedules Co", origin: "SHOPIFY" } });
  tenantId = tenant.id;
  const source = await database.prisma.connection.create({ data: { tenantId, provider: "SHOPIFY", externalId: "schedules.myshopify.com" } });
  const target = await database.prisma.connection.create({ data: { tenantId, provider: "SQUARE", externalId: "MLSCHEDULE01" } });
  connections = { source: source.id, target: target.id };
});

afterAll(async () => {
  await queue.stop({ timeoutMs: 2_000 });
});

describe("reconciliation schedules", () => {
  it("are created with the sync, removed with it, and never exist without it", async () => {
    const sync = await database.prisma.$transaction((tx) =>
      createSync(tx, queue, { tenantId, kind: "INVENTORY", sourceConnectionId: connections.source, targetConnectionId: connections.target, reconciliationCron: "*/15 * * * *" }),
    );
    const schedule = await queue.boss.getSchedule(reconcileSyncJob.name, sync.id);
    expect(schedule).toMatchObject({ cron: "*/15 * * * *", data: { tenantId, syncId: sync.id } });

    await database.prisma.$transaction((tx) => deleteSync(tx, queue, sync));
    expect(await queue.boss.getSchedule(reconcileSyncJob.name, sync.id)).toBeNull();
    expect(await database.prisma.sync.count({ where: { id: sync.id } })).toBe(0);

    let rolledBackId = "";
    await expect(
      database.prisma.$transaction(async (tx) => {
        rolledBackId = (await createSync(tx, queue, { tenantId, kind: "ACCOUNTING", sourceConnectionId: connections.source, targetConnectionId: connections.target })).id;
        throw new Error("the merchant's setup failed half way");
      }),
    ).rejects.toThrow();
    expect(await queue.boss.getSchedule(reconcileSyncJob.name, rolledBackId)).toBeNull();
  });
});

describe("ordering keys", () => {
  it("run jobs with the same key one at a time: the second waits and is sent again", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran: string[] = [];
    const recordJob = defineJob({
      name: "test.ordered",
      payload: z.object({ sku: z.string(), step: z.string() }).strict(),
      orderingKey: (payload) => `variant:${payload.sku}`,
      async handle({ step }) {
        ran.push(`start ${step}`);
        if (step === "first") await gate;
        ran.push(`end ${step}`);
      },
    });
    const ordered = await startJobQueue(database, { definitions: [recordJob], runWorkers: false });
    try {
      const first = runJob(recordJob, { id: crypto.randomUUID(), data: { sku: "ABC-1", step: "first" }, retryCount: 0 }, ordered);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const second = await runJob(recordJob, { id: crypto.randomUUID(), data: { sku: "ABC-1", step: "second" }, retryCount: 0 }, ordered);
      expect(second.status).toBe("completed");
      expect(second.output).toMatchObject({ rescheduled: expect.any(String) });
      // Another record is not held up.
      expect((await runJob(recordJob, { id: crypto.randomUUID(), data: { sku: "XYZ-9", step: "other" }, retryCount: 0 }, ordered)).status).toBe("completed");
      release();
      await first;
      expect(ran).toEqual(["start first", "start other", "end other", "end first"]);
      const again = await database.prisma.$queryRaw<{ data: unknown }[]>`SELECT data FROM pgboss.job WHERE name = 'test.ordered'`;
      expect(again.map((row) => row.data)).toEqual([{ sku: "ABC-1", step: "second" }]);
    } finally {
      await ordered.stop({ timeoutMs: 2_000 });
    }
  });
});

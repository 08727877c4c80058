import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getDatabase, type Database } from "~/db.server";
import { noopJob } from "./definitions.server";
import { startJobQueue, type JobQueue } from "./queue.server";
import { PermanentJobError } from "./errors";
import { defineJob } from "./registry";

// Runs on the embedded PGlite by default and on PostgreSQL when DATABASE_URL is set (npm test runs both in CI).

let database: Database;
let queue: JobQueue;
const handled: string[] = [];
let failuresBeforeSuccess = 0;
let causeFixed = false;

const recordJob = defineJob({
  name: "test.record",
  payload: z.object({ label: z.string() }).strict(),
  policy: { retryLimit: 2, retryDelaySeconds: 1, retryDelayMaxSeconds: 1, batchSize: 10 },
  async handle({ label }) {
    if (label.startsWith("flaky") && failuresBeforeSuccess > 0) {
      failuresBeforeSuccess--;
      throw new Error("transient failure");
    }
    if (label.startsWith("broken") && !causeFixed) throw new PermanentJobError("this can never succeed");
    handled.push(label);
  },
});

async function jobRows(name: string): Promise<{ state: string; data: { label?: string } }[]> {
  return database.prisma.$queryRawUnsafe(`SELECT state::text AS state, data FROM pgboss.job WHERE name = $1`, name);
}

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  database = getDatabase();
  queue = await startJobQueue(database, { definitions: [noopJob, recordJob], runWorkers: false });
});

afterAll(async () => {
  await queue.stop({ timeoutMs: 2_000 });
});

describe(`job queue on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("keeps a job sent in a committed transaction, together with the data", async () => {
    await database.prisma.$transaction(async (tx) => {
      await tx.tenant.create({ data: { name: "Committed Co", origin: "SHOPIFY" } });
      await queue.send(recordJob, { label: "committed" }, { tx });
    });
    expect(await database.prisma.tenant.count({ where: { name: "Committed Co" } })).toBe(1);
    expect((await jobRows(recordJob.name)).map((row) => row.data.label)).toContain("committed");
  });

  it("drops a job sent in a rolled-back transaction, together with the data", async () => {
    await expect(
      database.prisma.$transaction(async (tx) => {
        await tx.tenant.create({ data: { name: "Rolled Back Co", origin: "SHOPIFY" } });
        await queue.send(recordJob, { label: "rolled-back" }, { tx });
        throw new Error("abort the transaction");
      }),
    ).rejects.toThrow("abort the transaction");
    expect(await database.prisma.tenant.count({ where: { name: "Rolled Back Co" } })).toBe(0);
    expect((await jobRows(recordJob.name)).map((row) => row.data.label)).not.toContain("rolled-back");
  });

  it("refuses a payload that does not match the job's schema, and sends nothing", async () => {
    const before = (await jobRows(recordJob.name)).length;
    // @ts-expect-error: the wrong payload is the point of the test
    await expect(queue.send(recordJob, { label: 42 })).rejects.toThrow(/Invalid payload for job test.record: label/);
    expect((await jobRows(recordJob.name)).length).toBe(before);
  });

  it("runs jobs, retries transient failures and dead-letters permanent ones; dead letters can be replayed", async () => {
    const workerQueue = await startJobQueue(database, { definitions: [recordJob], runWorkers: true });
    try {
      failuresBeforeSuccess = 1;
      await queue.send(recordJob, { label: "flaky-1" });
      await queue.send(recordJob, { label: "broken-1" });
      await waitFor(() => handled.includes("committed") && handled.includes("flaky-1"));
      await waitFor(async () => (await jobRows("test.record.dead")).length === 1);
      const broken = (await jobRows(recordJob.name)).find((row) => row.data.label === "broken-1");
      expect(broken?.state).toBe("failed");
      expect(handled.filter((label) => label === "flaky-1")).toHaveLength(1);

      expect(handled).not.toContain("broken-1");

      // Once the cause is fixed, replaying runs the job again under its own name, once.
      causeFixed = true;
      expect(await queue.replayDeadLetters(recordJob)).toBe(1);
      await waitFor(() => handled.includes("broken-1"));
      expect(await queue.replayDeadLetters(recordJob)).toBe(0);
    } finally {
      await workerQueue.stop({ timeoutMs: 2_000 });
    }
  });

  it("runs at most tenantConcurrency jobs of one tenant at once, while other tenants' jobs run", async () => {
    let running = 0;
    let mostAtOnce = 0;
    const finished: string[] = [];
    const tenantJob = defineJob({
      name: "test.tenant-limited",
      payload: z.object({ tenantId: z.string(), n: z.number() }).strict(),
      // One fetch loop: pg-boss counts a group's running jobs in the database, but two fetches at the same
      // instant can both see room (seen in this test with two loops), so the exact limit is tested with one.
      policy: { batchSize: 10, localConcurrency: 1, tenantConcurrency: 2, retryLimit: 0 },
      tenantOf: (payload) => payload.tenantId,
      async handle({ tenantId, n }) {
        if (tenantId === "big") {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
        }
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (tenantId === "big") running -= 1;
        finished.push(`${tenantId}:${n}`);
      },
    });
    const producer = await startJobQueue(database, { definitions: [tenantJob], runWorkers: false });
    await producer.sendMany(tenantJob, Array.from({ length: 12 }, (_, n) => ({ tenantId: "big", n })));
    await producer.send(tenantJob, { tenantId: "small", n: 0 });
    const workersA = await startJobQueue(database, { definitions: [tenantJob], runWorkers: true });
    try {
      await waitFor(() => finished.length === 13, 30_000);
      expect(mostAtOnce).toBeLessThanOrEqual(2);
      // The small tenant's job did not wait for the big tenant's backlog.
      expect(finished.indexOf("small:0")).toBeLessThan(finished.length - 1);
    } finally {
      await workersA.stop({ timeoutMs: 2_000 });
      await producer.stop({ timeoutMs: 2_000 });
    }
  });
});

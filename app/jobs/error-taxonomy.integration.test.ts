import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getDatabase, type Database } from "~/db.server";
import { ConnectionAuthorizationError, PermanentJobError, RateLimitedError, RecordValidationError, TransientError } from "./errors";
import { runJob, startJobQueue, type JobQueue } from "./queue.server";
import { defineJob, JobPriority } from "./registry";

// The error taxonomy applied by the job runner, against the real queue tables and data (no workers: runJob is
// called the way a worker calls it, and its result is what pg-boss would settle the job with).

let database: Database;
let queue: JobQueue;
let tenantId: string;
let nextError: unknown;

const syncRecordJob = defineJob({
  name: "test.sync-record",
  payload: z.object({ tenantId: z.uuid(), sku: z.string() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  async handle() {
    if (nextError) throw nextError;
  },
});

beforeAll(async () => {
  database = getDatabase();
  queue = await startJobQueue(database, { definitions: [syncRecordJob], runWorkers: false });
  const tenant = await database.prisma.tenant.create({ data: { name: "Taxonomy Co", origin: "SHOPIFY" } });
  tenantId = tenant.id;
  await database.prisma.connection.create({ data: { tenantId, provider: "QUICKBOOKS", externalId: "4620816365000001", displayName: "Books" } });
});

afterAll(async () => {
  await queue.stop({ timeoutMs: 2_000 });
});

async function run(error: unknown, priority = JobPriority.realtime) {
  nextError = error;
  return runJob(syncRecordJob, { id: crypto.randomUUID(), data: { tenantId, sku: "ABC-1" }, retryCount: 0, priority }, queue);
}

describe("the job runner's error taxonomy", () => {
  it("a rate limit waits: the job is sent again to start later, with its priority and tenant group, and this attempt completes", async () => {
    const result = await run(new RateLimitedError("QuickBooks asked to slow down", 30_000, "QUICKBOOKS"));
    expect(result.status).toBe("completed");
    const rescheduled = (result.output as { rescheduled: string }).rescheduled;
    const [row] = await database.prisma.$queryRaw<{ start_after: Date; priority: number; group_id: string | null; data: unknown }[]>`
      SELECT start_after, priority, group_id, data FROM pgboss.job WHERE id = ${rescheduled}::uuid`;
    expect(row!.data).toEqual({ tenantId, sku: "ABC-1" });
    expect(row!.priority).toBe(JobPriority.realtime);
    expect(row!.group_id).toBe(tenantId);
    expect(row!.start_after.getTime()).toBeGreaterThan(Date.now() + 25_000);
  });

  it("a lost authorization pauses the connection and tells the merchant, without a retry", async () => {
    const result = await run(new ConnectionAuthorizationError("QuickBooks no longer accepts Tillbridge's authorization (fault 120).", { tenantId, provider: "QUICKBOOKS" }));
    expect(result.status).toBe("completed");
    expect((await database.prisma.connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } })).status).toBe("NEEDS_REAUTH");
    const issue = await database.prisma.syncIssue.findFirstOrThrow({ where: { tenantId, code: "CONNECTION_NEEDS_REAUTH" } });
    expect(issue.message).toMatch(/paused until you reconnect/);
  });

  it("a rejected record becomes one issue in plain words, counted on repeats, with the job Retry sends", async () => {
    const problem = {
      tenantId,
      key: "qbo-item-missing:sku:ABC-1",
      code: "QBO_ITEM_MISSING",
      message: "QuickBooks has no item for SKU ABC-1. Map it to an item under Accounting, then press Retry.",
      entityType: "variant",
      entityRef: "ABC-1",
    };
    expect((await run(new RecordValidationError(problem))).status).toBe("completed");
    expect((await run(new RecordValidationError(problem))).status).toBe("completed");
    const issue = await database.prisma.syncIssue.findUniqueOrThrow({ where: { tenantId_key: { tenantId, key: problem.key } } });
    expect(issue).toMatchObject({ status: "OPEN", occurrences: 2, retriable: true, message: problem.message, entityRef: "ABC-1" });
    expect(issue.retryJob).toEqual({ name: "test.sync-record", payload: { tenantId, sku: "ABC-1" } });
  });

  it("a defect goes to the dead letter queue at once; transient failures and network errors are retried", async () => {
    expect((await run(new TypeError("Cannot read properties of undefined (reading 'sku')"))).status).toBe("deadletter");
    expect((await run(new PermanentJobError("impossible state"))).status).toBe("deadletter");
    expect((await run(new TransientError("QuickBooks answered 503"))).status).toBe("failed");
    expect((await run(new TypeError("fetch failed", { cause: { code: "ECONNRESET" } }))).status).toBe("failed");
    expect((await run(new Error("socket hang up"))).status).toBe("failed");
  });

  it("logs with the job's id and its tenant on every line", async () => {
    const lines: string[] = [];
    const { logger } = await import("~/observability/logger.server");
    const level = logger.level;
    logger.level = "info";
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      return true;
    }) as typeof process.stdout.write;
    try {
      nextError = new TransientError("QuickBooks answered 503");
      await runJob(syncRecordJob, { id: "7d1f9a52-0000-4000-8000-000000000001", data: { tenantId, sku: "ABC-1" }, retryCount: 0 }, queue);
    } finally {
      process.stdout.write = original;
      logger.level = level;
    }
    const line = JSON.parse(lines.find((text) => text.includes("job failed; it will be retried"))!) as Record<string, unknown>;
    expect(line).toMatchObject({ jobId: "7d1f9a52-0000-4000-8000-000000000001", jobName: "test.sync-record", tenantId });
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db, getDatabase } from "~/db.server";
import { noopJob } from "~/jobs/definitions.server";
import { startJobQueue, type JobQueue } from "~/jobs/queue.server";
import { retryJobSender } from "~/sync/retry-jobs.server";
import {
  dismissSyncIssue,
  listOpenIssues,
  reportSyncIssue,
  resolveSyncIssues,
  RetryRefusedError,
  retrySyncIssue,
  SyncNotOfTenantError,
  type RetryJob,
  type SendRetryJob,
} from "./sync-issues.server";

// Sync issues on the real schema (PGlite, or PostgreSQL when DATABASE_URL is set), and Retry through the real
// job queue (no workers, so the sent jobs stay in pg-boss's table to be read).

let tenantA: string;
let tenantB: string;
let queue: JobQueue;

beforeAll(async () => {
  queue = await startJobQueue(getDatabase(), { definitions: [noopJob], runWorkers: false });
});

afterAll(async () => {
  await queue.stop({ timeoutMs: 2_000 });
});

beforeEach(async () => {
  await db().tenant.deleteMany();
  await db().$executeRawUnsafe(`DELETE FROM pgboss.job WHERE name = 'system.noop'`);
  tenantA = (await db().tenant.create({ data: { name: "Issues A", origin: "SHOPIFY" } })).id;
  tenantB = (await db().tenant.create({ data: { name: "Issues B", origin: "SQUARE" } })).id;
});

const at = (iso: string) => new Date(iso);
const RETRY_JOB: RetryJob = { name: "system.noop", payload: { note: "order 1042" } };

function orderIssue(tenantId: string, overrides: Partial<Parameters<typeof reportSyncIssue>[1]> = {}) {
  return {
    tenantId,
    key: "qbo-receipt:order:1042",
    code: "QBO_VALIDATION",
    message: "QuickBooks refused the receipt for order 1042: the tax code is inactive.",
    entityType: "order",
    entityRef: "1042",
    retriable: true,
    retryJob: RETRY_JOB,
    ...overrides,
  };
}

/** A send that records what it was asked to send. */
function recordingSend() {
  const sent: RetryJob[] = [];
  const send: SendRetryJob = async (job) => {
    sent.push(job);
  };
  return { sent, send };
}

async function queuedNoopJobs(): Promise<unknown[]> {
  const rows = await db().$queryRawUnsafe<{ data: unknown }[]>(`SELECT data FROM pgboss.job WHERE name = 'system.noop' ORDER BY created_on`);
  return rows.map((row) => row.data);
}

describe("reporting and resolving an issue", () => {
  it("opens an issue, and a repeat updates it: message, occurrences, last seen", async () => {
    const first = await reportSyncIssue(db(), orderIssue(tenantA), at("2026-03-10T10:00:00Z"));
    expect(first).toMatchObject({ status: "OPEN", occurrences: 1, firstSeenAt: at("2026-03-10T10:00:00Z"), lastSeenAt: at("2026-03-10T10:00:00Z"), retryJob: RETRY_JOB });

    const again = await reportSyncIssue(db(), orderIssue(tenantA, { message: "QuickBooks refused the receipt for order 1042 again." }), at("2026-03-10T11:00:00Z"));
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ status: "OPEN", occurrences: 2, message: "QuickBooks refused the receipt for order 1042 again.", firstSeenAt: at("2026-03-10T10:00:00Z"), lastSeenAt: at("2026-03-10T11:00:00Z") });
    expect(await db().syncIssue.count()).toBe(1);
  });

  it("resolves when a later run succeeds for the record, and reopens when it fails again", async () => {
    const issue = await reportSyncIssue(db(), orderIssue(tenantA));
    const otherTenantsIssue = await reportSyncIssue(db(), orderIssue(tenantB));

    expect(await resolveSyncIssues(db(), tenantA, ["qbo-receipt:order:1042", "qbo-receipt:order:9999"], at("2026-03-10T12:00:00Z"))).toBe(1);
    expect(await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).toMatchObject({ status: "RESOLVED", resolvedAt: at("2026-03-10T12:00:00Z") });
    // The same key at another tenant is another record.
    expect((await db().syncIssue.findUniqueOrThrow({ where: { id: otherTenantsIssue.id } })).status).toBe("OPEN");
    expect(await resolveSyncIssues(db(), tenantA, [])).toBe(0);

    const reopened = await reportSyncIssue(db(), orderIssue(tenantA), at("2026-03-10T13:00:00Z"));
    expect(reopened).toMatchObject({ id: issue.id, status: "OPEN", resolvedAt: null, occurrences: 2, lastSeenAt: at("2026-03-10T13:00:00Z") });
    expect(await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).toMatchObject({ status: "OPEN", resolvedAt: null });
  });

  it("keeps the latest way to retry: a repeat without a job is no longer retriable by job", async () => {
    const issue = await reportSyncIssue(db(), orderIssue(tenantA));
    await reportSyncIssue(db(), orderIssue(tenantA, { retriable: false, retryJob: undefined }));
    expect(await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).toMatchObject({ retriable: false, retryJob: null });
  });

  it("refuses a sync of another tenant and a malformed retry job", async () => {
    const source = await db().connection.create({ data: { tenantId: tenantB, provider: "SQUARE", externalId: "issues-seller" } });
    const target = await db().connection.create({ data: { tenantId: tenantB, provider: "QUICKBOOKS", externalId: "issues-realm" } });
    const sync = await db().sync.create({ data: { tenantId: tenantB, kind: "ACCOUNTING", sourceConnectionId: source.id, targetConnectionId: target.id } });
    await expect(reportSyncIssue(db(), orderIssue(tenantA, { syncId: sync.id }))).rejects.toBeInstanceOf(SyncNotOfTenantError);
    await expect(reportSyncIssue(db(), orderIssue(tenantA, { retryJob: { name: "system.noop" } as unknown as RetryJob }))).rejects.toThrow();
    expect(await db().syncIssue.count()).toBe(0);
  });

  it("lists only the tenant's open issues, most recently seen first", async () => {
    await reportSyncIssue(db(), orderIssue(tenantA, { key: "a:1", entityRef: "1" }), at("2026-03-10T10:00:00Z"));
    await reportSyncIssue(db(), orderIssue(tenantA, { key: "a:2", entityRef: "2" }), at("2026-03-10T12:00:00Z"));
    await reportSyncIssue(db(), orderIssue(tenantA, { key: "a:3", entityRef: "3" }), at("2026-03-10T11:00:00Z"));
    await resolveSyncIssues(db(), tenantA, ["a:3"]);
    await reportSyncIssue(db(), orderIssue(tenantB, { key: "b:1", entityRef: "b1" }));
    expect((await listOpenIssues(db(), tenantA)).map((issue) => issue.entityRef)).toEqual(["2", "1"]);
  });
});

describe("dismissing an issue", () => {
  it("hides it; repeats stay hidden until a success resolves it, and a failure after that shows it again", async () => {
    const issue = await reportSyncIssue(db(), orderIssue(tenantA));
    expect(await dismissSyncIssue(db(), tenantA, issue.id, { actor: "shopify-user:1" })).toMatchObject({ ok: true });
    expect(await listOpenIssues(db(), tenantA)).toEqual([]);
    expect(await db().auditLog.count({ where: { tenantId: tenantA, action: "sync_issue.dismissed", target: issue.id, actorId: "shopify-user:1" } })).toBe(1);

    expect(await reportSyncIssue(db(), orderIssue(tenantA))).toMatchObject({ status: "DISMISSED", occurrences: 2 });
    expect(await listOpenIssues(db(), tenantA)).toEqual([]);

    await resolveSyncIssues(db(), tenantA, [issue.key]);
    expect(await reportSyncIssue(db(), orderIssue(tenantA))).toMatchObject({ status: "OPEN", occurrences: 3 });

    // Dismissing an issue that is not open says so.
    await resolveSyncIssues(db(), tenantA, [issue.key]);
    expect(await dismissSyncIssue(db(), tenantA, issue.id)).toMatchObject({ ok: false, reason: "not-open" });
  });

  it("does not find another tenant's issue, and changes nothing", async () => {
    const issue = await reportSyncIssue(db(), orderIssue(tenantA));
    const before = await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } });
    expect(await dismissSyncIssue(db(), tenantB, issue.id, { actor: "square-merchant:B" })).toEqual({ ok: false, reason: "not-found", message: "That problem was not found." });
    expect(await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).toEqual(before);
    expect(await db().auditLog.count({ where: { tenantId: { in: [tenantA, tenantB] } } })).toBe(0);
  });
});

describe("retrying an issue", () => {
  it("sends exactly the stored job again, updates last seen, and leaves the issue open", async () => {
    const issue = await reportSyncIssue(db(), orderIssue(tenantA), at("2026-03-10T10:00:00Z"));
    const { sent, send } = recordingSend();
    const outcome = await retrySyncIssue(db(), tenantA, issue.id, send, { actor: "shopify-user:1", now: at("2026-03-10T10:30:00Z") });
    expect(outcome).toEqual({ ok: true, message: "Trying again. This problem closes itself once it works." });
    expect(sent).toEqual([RETRY_JOB]);
    expect(await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).toMatchObject({ status: "OPEN", occurrences: 1, lastSeenAt: at("2026-03-10T10:30:00Z") });
    expect(await db().auditLog.findFirstOrThrow({ where: { tenantId: tenantA, action: "sync_issue.retried" } })).toMatchObject({ target: issue.id, details: { job: "system.noop" } });
  });

  it("enqueues the stored job through the job queue, in the same transaction", async () => {
    const issue = await reportSyncIssue(db(), orderIssue(tenantA));
    expect(await retrySyncIssue(db(), tenantA, issue.id, retryJobSender(queue, [noopJob]))).toMatchObject({ ok: true });
    expect(await queuedNoopJobs()).toEqual([{ note: "order 1042" }]);

    // A send that fails after enqueueing rolls the job back with the transaction.
    const failing: SendRetryJob = async (job, options) => {
      await retryJobSender(queue, [noopJob])(job, options);
      throw new Error("database went away");
    };
    await expect(retrySyncIssue(db(), tenantA, issue.id, failing)).rejects.toThrow("database went away");
    expect(await queuedNoopJobs()).toHaveLength(1);
  });

  it("refuses a stored job whose name the workers do not run, or whose payload they would reject", async () => {
    const stored: RetryJob[] = [
      { name: "no.such-job", payload: {} },
      { name: "system.noop", payload: { note: 42 } },
      { name: "system.noop", payload: { note: "ok", extra: true } },
    ];
    for (const retryJob of stored) {
      const issue = await reportSyncIssue(db(), orderIssue(tenantA, { key: `refused:${JSON.stringify(retryJob)}`, retryJob }), at("2026-03-10T10:00:00Z"));
      const outcome = await retrySyncIssue(db(), tenantA, issue.id, retryJobSender(queue, [noopJob]));
      expect(outcome).toEqual({ ok: false, reason: "not-retriable", message: expect.stringMatching(/can no longer be retried from here/) });
      expect((await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).lastSeenAt).toEqual(at("2026-03-10T10:00:00Z"));
    }
    expect(await queuedNoopJobs()).toEqual([]);
  });

  it("answers plainly for an issue that is not retriable, has no job, or is no longer open", async () => {
    const { sent, send } = recordingSend();
    const notRetriable = await reportSyncIssue(db(), orderIssue(tenantA, { key: "k:1", retriable: false }));
    const withoutJob = await reportSyncIssue(db(), orderIssue(tenantA, { key: "k:2", retryJob: undefined }));
    for (const issue of [notRetriable, withoutJob]) {
      expect(await retrySyncIssue(db(), tenantA, issue.id, send)).toEqual({
        ok: false,
        reason: "not-retriable",
        message: "Trying again would not fix this problem. Follow what it says, or dismiss it.",
      });
    }
    const resolved = await reportSyncIssue(db(), orderIssue(tenantA, { key: "k:3" }));
    await resolveSyncIssues(db(), tenantA, ["k:3"]);
    expect(await retrySyncIssue(db(), tenantA, resolved.id, send)).toMatchObject({ ok: false, reason: "not-open" });
    const refusing: SendRetryJob = async () => {
      throw new RetryRefusedError("Not today.");
    };
    const open = await reportSyncIssue(db(), orderIssue(tenantA, { key: "k:4" }));
    expect(await retrySyncIssue(db(), tenantA, open.id, refusing)).toEqual({ ok: false, reason: "not-retriable", message: "Not today." });
    expect(sent).toEqual([]);
  });

  it("does not find another tenant's issue: nothing is sent and nothing changes", async () => {
    const issue = await reportSyncIssue(db(), orderIssue(tenantA));
    const before = await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } });
    const { sent, send } = recordingSend();
    expect(await retrySyncIssue(db(), tenantB, issue.id, send, { actor: "square-merchant:B" })).toEqual({ ok: false, reason: "not-found", message: "That problem was not found." });
    expect(sent).toEqual([]);
    expect(await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } })).toEqual(before);
    expect(await db().auditLog.count({ where: { tenantId: { in: [tenantA, tenantB] } } })).toBe(0);
  });
});

import type { Prisma, PrismaClient } from "~/db.server";
import type { SyncRunStatus } from "~/generated/prisma/client";

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * Run history: one SyncRun per run of a sync (or of a job acting for a tenant), with what it read, wrote,
 * skipped and failed, and how long it took. Every function takes the tenant.
 */

export interface SyncRunCounts {
  read: number;
  written: number;
  skipped: number;
  failed: number;
}

export class SyncRunNotFoundError extends Error {
  override name = "SyncRunNotFoundError";
}

/** Opens a run (RUNNING). A sync of another tenant is refused, never linked. */
export async function startSyncRun(db: Db, input: { tenantId: string; syncId?: string; kind: string; trigger: string }, now = new Date()) {
  if (input.syncId) {
    const sync = await db.sync.findFirst({ where: { id: input.syncId, tenantId: input.tenantId }, select: { id: true } });
    if (!sync) throw new SyncRunNotFoundError(`Sync ${input.syncId} does not belong to tenant ${input.tenantId}`);
  }
  return db.syncRun.create({
    data: { tenantId: input.tenantId, syncId: input.syncId ?? null, kind: input.kind, trigger: input.trigger, status: "RUNNING", startedAt: now },
  });
}

/**
 * The status a finished run gets unless the caller says otherwise: FAILED when the run itself failed (an error),
 * PARTIAL when some records failed, SUCCEEDED otherwise.
 */
export function finishedRunStatus(counts: SyncRunCounts, error?: string | null): Exclude<SyncRunStatus, "RUNNING"> {
  if (error) return "FAILED";
  return counts.failed > 0 ? "PARTIAL" : "SUCCEEDED";
}

/** Closes a running run with its counts. A run of another tenant, or one already finished, is not found. */
export async function finishSyncRun(
  db: Db,
  tenantId: string,
  runId: string,
  outcome: { status?: Exclude<SyncRunStatus, "RUNNING">; counts: SyncRunCounts; error?: string | null; summary?: string | null },
  now = new Date(),
) {
  for (const [name, value] of Object.entries(outcome.counts)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`Sync run count ${name} must be a whole number >= 0, got ${value}`);
  }
  const { count } = await db.syncRun.updateMany({
    where: { id: runId, tenantId, status: "RUNNING" },
    data: {
      status: outcome.status ?? finishedRunStatus(outcome.counts, outcome.error),
      finishedAt: now,
      readCount: outcome.counts.read,
      writtenCount: outcome.counts.written,
      skippedCount: outcome.counts.skipped,
      failedCount: outcome.counts.failed,
      error: outcome.error ?? null,
      summary: outcome.summary?.slice(0, 500) ?? null,
    },
  });
  if (count === 0) throw new SyncRunNotFoundError(`No running sync run ${runId} for tenant ${tenantId}`);
  return db.syncRun.findUniqueOrThrow({ where: { id: runId } });
}

/** The tenant's latest runs, newest first. */
export async function listRecentRuns(db: Db, tenantId: string, limit = 20) {
  return db.syncRun.findMany({
    where: { tenantId },
    orderBy: [{ startedAt: "desc" }, { id: "asc" }],
    take: Math.max(1, Math.min(limit, 200)),
    select: {
      id: true,
      kind: true,
      trigger: true,
      status: true,
      startedAt: true,
      finishedAt: true,
      readCount: true,
      writtenCount: true,
      skippedCount: true,
      failedCount: true,
      error: true,
      summary: true,
    },
  });
}

const HOUR_MS = 3600 * 1000;

/**
 * Records written per hour over the last day: 24 UTC hours, oldest first, the last one being the current
 * (unfinished) hour. A run counts in the hour it finished; hours without runs are zero.
 */
export async function recordsSyncedPerHour(db: Db, tenantId: string, now = new Date()): Promise<{ hourStart: Date; records: number }[]> {
  const currentHour = Math.floor(now.getTime() / HOUR_MS);
  const firstHour = currentHour - 23;
  // Times are stored as UTC timestamps without a zone: bounds go in as UTC text (the zone suffix is ignored by
  // the cast), so the session's TimeZone setting cannot shift the window.
  const rows = await db.$queryRaw<{ hour: number; records: number }[]>`
    SELECT floor(extract(epoch FROM "finishedAt") / 3600)::int AS hour, sum("writtenCount")::int AS records
    FROM "SyncRun"
    WHERE "tenantId" = ${tenantId}::uuid
      AND "finishedAt" >= ${new Date(firstHour * HOUR_MS).toISOString()}::timestamp(3)
      AND "finishedAt" <= ${now.toISOString()}::timestamp(3)
    GROUP BY 1`;
  const byHour = new Map(rows.map((row) => [Number(row.hour), Number(row.records)]));
  return Array.from({ length: 24 }, (_, index) => ({ hourStart: new Date((firstHour + index) * HOUR_MS), records: byHour.get(firstHour + index) ?? 0 }));
}

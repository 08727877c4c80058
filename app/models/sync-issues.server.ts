import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * Sync issues: what needs the merchant's attention, one row per problem and record (its `key`), so a repeat
 * updates the same issue instead of piling up rows. Every function takes the tenant.
 *
 * Life of an issue: a failure reports it (OPEN); repeats update its message, occurrences and last-seen time; a
 * later success for the same record resolves it (RESOLVED); a failure after that reopens it. The merchant can
 * dismiss it (DISMISSED): repeats of the same failure then stay out of sight, until a success resolves it, so a
 * failure after that is new and shown again. Retry sends the issue's stored job again.
 */

/** The job Retry sends again: a job name from app/jobs/definitions.server.ts and its payload. */
export const retryJobSchema = z.object({ name: z.string().min(1).max(200), payload: z.record(z.string(), z.json()) }).strict();
export type RetryJob = z.infer<typeof retryJobSchema>;

/**
 * Enqueues a retry job inside the transaction that marks the issue, so the job exists exactly when the retry is
 * recorded. Throws RetryRefusedError for a job it will not send (the issue is then left unchanged).
 */
export type SendRetryJob = (job: RetryJob, options: { tx: Prisma.TransactionClient }) => Promise<unknown>;

export class RetryRefusedError extends Error {
  override name = "RetryRefusedError";
}

export class SyncNotOfTenantError extends Error {
  override name = "SyncNotOfTenantError";
}

export interface SyncIssueReport {
  tenantId: string;
  syncId?: string;
  connectionId?: string;
  /** Stable identity of the problem: its code plus the record it concerns, e.g. "qbo-receipt:order:1234". */
  key: string;
  code: string;
  /** Plain language: what happened and what the merchant can do. */
  message: string;
  entityType?: string;
  entityRef?: string;
  retriable: boolean;
  retryJob?: RetryJob;
}

/** Opens an issue, or updates the one with the same key (a resolved one reopens; a dismissed one stays dismissed). */
export async function reportSyncIssue(db: Db, report: SyncIssueReport, now = new Date()) {
  const retryJob = report.retryJob === undefined ? undefined : retryJobSchema.parse(report.retryJob);
  if (report.syncId) {
    const sync = await db.sync.findFirst({ where: { id: report.syncId, tenantId: report.tenantId }, select: { id: true } });
    if (!sync) throw new SyncNotOfTenantError(`Sync ${report.syncId} does not belong to tenant ${report.tenantId}`);
  }
  const described = {
    code: report.code,
    message: report.message,
    retriable: report.retriable,
    // The latest report says how to retry; one without a job clears an earlier one.
    retryJob: retryJob ?? Prisma.DbNull,
    ...(report.syncId !== undefined && { syncId: report.syncId }),
    ...(report.connectionId !== undefined && { connectionId: report.connectionId }),
    ...(report.entityType !== undefined && { entityType: report.entityType }),
    ...(report.entityRef !== undefined && { entityRef: report.entityRef }),
  };
  const issue = await db.syncIssue.upsert({
    where: { tenantId_key: { tenantId: report.tenantId, key: report.key } },
    create: { tenantId: report.tenantId, key: report.key, ...described, status: "OPEN", firstSeenAt: now, lastSeenAt: now },
    update: { ...described, occurrences: { increment: 1 }, lastSeenAt: now },
  });
  if (issue.status !== "RESOLVED") return issue;
  await db.syncIssue.updateMany({ where: { id: issue.id, tenantId: report.tenantId, status: "RESOLVED" }, data: { status: "OPEN", resolvedAt: null } });
  return { ...issue, status: "OPEN" as const, resolvedAt: null };
}

/**
 * A later run succeeded for these records: their open (or dismissed) issues are resolved. Returns how many.
 */
export async function resolveSyncIssues(db: Db, tenantId: string, keys: readonly string[], now = new Date()): Promise<number> {
  if (keys.length === 0) return 0;
  const { count } = await db.syncIssue.updateMany({
    where: { tenantId, key: { in: [...keys] }, status: { in: ["OPEN", "DISMISSED"] } },
    data: { status: "RESOLVED", resolvedAt: now },
  });
  return count;
}

/** The tenant's open issues, most recently seen first. */
export async function listOpenIssues(db: Db, tenantId: string, limit = 100) {
  return db.syncIssue.findMany({
    where: { tenantId, status: "OPEN" },
    orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }],
    take: Math.max(1, Math.min(limit, 500)),
    select: {
      id: true,
      code: true,
      message: true,
      entityType: true,
      entityRef: true,
      retriable: true,
      retryJob: true,
      occurrences: true,
      firstSeenAt: true,
      lastSeenAt: true,
    },
  });
}

export type IssueActionOutcome =
  | { ok: true; message: string }
  | { ok: false; reason: "not-found" | "not-open" | "not-retriable"; message: string };

const NOT_FOUND: IssueActionOutcome = { ok: false, reason: "not-found", message: "That problem was not found." };
const NOT_OPEN: IssueActionOutcome = { ok: false, reason: "not-open", message: "That problem is no longer open." };

/** The merchant hides an open issue. Another tenant's issue is not found, and unchanged. */
export async function dismissSyncIssue(db: PrismaClient, tenantId: string, issueId: string, options: { actor?: string } = {}): Promise<IssueActionOutcome> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.syncIssue.updateMany({ where: { id: issueId, tenantId, status: "OPEN" }, data: { status: "DISMISSED" } });
    if (count === 0) return (await tx.syncIssue.count({ where: { id: issueId, tenantId } })) === 0 ? NOT_FOUND : NOT_OPEN;
    if (options.actor) await audit(tx, tenantId, options.actor, "sync_issue.dismissed", issueId);
    return { ok: true, message: "Dismissed. It comes back if the problem happens again after a successful sync." };
  });
}

/**
 * The merchant asks to try again: the issue's stored job is sent again and its last-seen time updated; it stays
 * OPEN until the retried work succeeds and resolves it. Another tenant's issue is not found, and unchanged.
 */
export async function retrySyncIssue(
  db: PrismaClient,
  tenantId: string,
  issueId: string,
  send: SendRetryJob,
  options: { actor?: string; now?: Date } = {},
): Promise<IssueActionOutcome> {
  try {
    return await db.$transaction(async (tx): Promise<IssueActionOutcome> => {
      const issue = await tx.syncIssue.findFirst({ where: { id: issueId, tenantId }, select: { id: true, status: true, retriable: true, retryJob: true } });
      if (!issue) return NOT_FOUND;
      if (issue.status !== "OPEN") return NOT_OPEN;
      const job = retryJobSchema.safeParse(issue.retryJob);
      if (!issue.retriable || !job.success) {
        return { ok: false, reason: "not-retriable", message: "Trying again would not fix this problem. Follow what it says, or dismiss it." };
      }
      await send(job.data, { tx });
      await tx.syncIssue.update({ where: { id: issue.id }, data: { lastSeenAt: options.now ?? new Date() } });
      if (options.actor) await audit(tx, tenantId, options.actor, "sync_issue.retried", issueId, { job: job.data.name });
      return { ok: true, message: "Trying again. This problem closes itself once it works." };
    });
  } catch (error) {
    if (error instanceof RetryRefusedError) return { ok: false, reason: "not-retriable", message: error.message };
    throw error;
  }
}

async function audit(tx: Prisma.TransactionClient, tenantId: string, actor: string, action: string, issueId: string, details: Prisma.InputJsonObject = {}) {
  await tx.auditLog.create({ data: { tenantId, actorType: "MERCHANT", actorId: actor, action, target: issueId, details } });
}

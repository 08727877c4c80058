import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import type { SyncRunStatus } from "~/generated/prisma/client";
import { providerLabel } from "~/models/connections.server";
import { dismissSyncIssue, listOpenIssues, retryJobSchema, retrySyncIssue, type SendRetryJob } from "~/models/sync-issues.server";
import { listRecentRuns, recordsSyncedPerHour } from "~/models/sync-runs.server";

/**
 * What both merchant areas' Activity pages show and do (the embedded Shopify app and the Square merchant area
 * differ only in who the merchant is): recent runs, open issues with Retry and Dismiss, records synced per hour.
 */

export const RECENT_RUNS_SHOWN = 25;

export interface ActivityRun {
  id: string;
  kind: string;
  trigger: string;
  status: SyncRunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  read: number;
  written: number;
  skipped: number;
  failed: number;
  error: string | null;
  /** What the run changed, in words, when it says. */
  summary: string | null;
}

export interface ActivityIssue {
  id: string;
  message: string;
  /** The record the issue concerns, in words ("Order 1042"), or null when it is not about one record. */
  record: string | null;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Retry is offered only for retriable issues that carry a job to send again. */
  canRetry: boolean;
}

export interface SyncedHour {
  hourStart: string;
  records: number;
}

export interface ActivityPageData {
  runs: ActivityRun[];
  issues: ActivityIssue[];
  syncedPerHour: SyncedHour[];
}

export async function loadActivityPage(db: PrismaClient, tenantId: string, now = new Date()): Promise<ActivityPageData> {
  const [runs, issues, hours] = await Promise.all([listRecentRuns(db, tenantId, RECENT_RUNS_SHOWN), listOpenIssues(db, tenantId), recordsSyncedPerHour(db, tenantId, now)]);
  return {
    runs: runs.map((run) => ({
      id: run.id,
      kind: run.kind,
      trigger: run.trigger,
      status: run.status,
      startedAt: run.startedAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
      durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
      read: run.readCount,
      written: run.writtenCount,
      skipped: run.skippedCount,
      failed: run.failedCount,
      error: run.error,
      summary: run.summary,
    })),
    // The stored retry job stays on the server: the page only needs to know whether Retry applies.
    issues: issues.map((issue) => ({
      id: issue.id,
      message: issue.message,
      record: describeRecord(issue.entityType, issue.entityRef),
      occurrences: issue.occurrences,
      firstSeenAt: issue.firstSeenAt.toISOString(),
      lastSeenAt: issue.lastSeenAt.toISOString(),
      canRetry: issue.retriable && retryJobSchema.safeParse(issue.retryJob).success,
    })),
    syncedPerHour: hours.map((hour) => ({ hourStart: hour.hourStart.toISOString(), records: hour.records })),
  };
}

/** The record an issue concerns, in words ("Order 1042", "Square connection"), or null. */
export function describeRecord(entityType: string | null, entityRef: string | null): string | null {
  if (entityType === "connection" && (entityRef === "SHOPIFY" || entityRef === "SQUARE" || entityRef === "QUICKBOOKS")) {
    return `${providerLabel(entityRef)} connection`;
  }
  const type = entityType ? entityType.charAt(0).toUpperCase() + entityType.slice(1).replace(/[_-]+/g, " ") : null;
  return [type, entityRef].filter(Boolean).join(" ") || null;
}

export const activityForm = z.object({
  intent: z.enum(["retry", "dismiss"]),
  issueId: z.uuid(),
});

export type ActivityActionResult = { ok: boolean; message: string; issueId?: string };

/** Retry or dismiss one of the tenant's open issues; a malformed form gets a 400, another tenant's issue a 404. */
export async function performActivityAction(
  db: PrismaClient,
  form: Record<string, FormDataEntryValue>,
  who: { tenantId: string; actor: string; send: SendRetryJob },
): Promise<ActivityActionResult | Response> {
  const parsed = activityForm.safeParse(form);
  if (!parsed.success) return Response.json({ ok: false, message: "Unknown request." } satisfies ActivityActionResult, { status: 400 });
  const { intent, issueId } = parsed.data;
  const outcome =
    intent === "dismiss" ? await dismissSyncIssue(db, who.tenantId, issueId, { actor: who.actor }) : await retrySyncIssue(db, who.tenantId, issueId, who.send, { actor: who.actor });
  if (outcome.ok) return { ok: true, message: outcome.message, issueId };
  return Response.json({ ok: false, message: outcome.message, issueId } satisfies ActivityActionResult, { status: outcome.reason === "not-found" ? 404 : 409 });
}

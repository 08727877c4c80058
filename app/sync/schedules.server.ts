import { fromPrisma } from "pg-boss";
import { z } from "zod";
import { db, type Prisma } from "~/db.server";
import type { SyncKind } from "~/generated/prisma/enums";
import type { JobQueue } from "~/jobs/queue.server";
import { resumeTenantPausedJobs } from "~/jobs/paused-jobs.server";
import { defineJob, type JobContext } from "~/jobs/registry";

/**
 * Each sync's recurring reconciliation: a pg-boss schedule keyed by the sync's id, created and removed in the
 * same transaction as the sync itself, so a sync never exists without its schedule or the other way round.
 * The inventory and accounting syncs register what reconciling means for their kind.
 */

export const DEFAULT_RECONCILIATION_CRON = "*/10 * * * *";

/** What a reconciler gets of its job: the job's logger, and `send` for work it hands on (e.g. posting one order). */
type Reconciler = (sync: { id: string; tenantId: string }, context: Pick<JobContext, "send" | "logger">) => Promise<void>;
const reconcilers = new Map<SyncKind, Reconciler>();

export function registerReconciler(kind: SyncKind, reconcile: Reconciler): void {
  reconcilers.set(kind, reconcile);
}

export const reconcileSyncJob = defineJob({
  name: "sync.reconcile",
  payload: z.object({ tenantId: z.uuid(), syncId: z.uuid() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  orderingKey: (payload) => `sync:${payload.syncId}`,
  policy: { retryLimit: 3, retryDelaySeconds: 30, retryDelayMaxSeconds: 600, batchSize: 5, localConcurrency: 2 },
  async handle({ tenantId, syncId }, context) {
    const sync = await db().sync.findFirst({
      where: { id: syncId, tenantId },
      select: { id: true, tenantId: true, kind: true, enabled: true, sourceConnection: { select: { status: true } }, targetConnection: { select: { status: true } } },
    });
    if (!sync?.enabled || sync.sourceConnection.status !== "ACTIVE" || sync.targetConnection.status !== "ACTIVE") {
      context.logger.info({ syncId }, "sync is off or a connection is not active; reconciliation skipped");
      return;
    }
    // Jobs paused by a lost authorization go again if their reconnect did not send them (it was cut short).
    // Imported when used: the sender knows every job definition, and those modules register their reconcilers here.
    const { retryJobSender } = await import("./retry-jobs.server");
    await resumeTenantPausedJobs(db(), retryJobSender(context), tenantId);
    const reconcile = reconcilers.get(sync.kind);
    if (!reconcile) {
      context.logger.info({ syncId, kind: sync.kind }, "no reconciler for this kind of sync yet");
      return;
    }
    await reconcile(sync, context);
  },
});

export async function createSync(
  tx: Prisma.TransactionClient,
  queue: Pick<JobQueue, "boss">,
  input: { tenantId: string; kind: SyncKind; sourceConnectionId: string; targetConnectionId: string; settings?: Prisma.InputJsonValue; reconciliationCron?: string },
) {
  const sync = await tx.sync.create({
    data: { tenantId: input.tenantId, kind: input.kind, sourceConnectionId: input.sourceConnectionId, targetConnectionId: input.targetConnectionId, settings: input.settings ?? {} },
  });
  await scheduleReconciliation(tx, queue, sync, input.reconciliationCron ?? DEFAULT_RECONCILIATION_CRON);
  return sync;
}

/** Changes how often a sync is reconciled (the merchant's setting). */
export async function scheduleReconciliation(tx: Prisma.TransactionClient, queue: Pick<JobQueue, "boss">, sync: { id: string; tenantId: string }, cron: string): Promise<void> {
  await queue.boss.schedule(reconcileSyncJob.name, cron, { tenantId: sync.tenantId, syncId: sync.id }, { key: sync.id, tz: "UTC", db: fromPrisma(tx) });
}

export async function deleteSync(tx: Prisma.TransactionClient, queue: Pick<JobQueue, "boss">, sync: { id: string; tenantId: string }): Promise<void> {
  await tx.sync.deleteMany({ where: { id: sync.id, tenantId: sync.tenantId } });
  await queue.boss.unschedule(reconcileSyncJob.name, sync.id, { db: fromPrisma(tx) });
}

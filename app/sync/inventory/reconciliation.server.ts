import { db } from "~/db.server";
import { ConnectionAuthorizationError, RateLimitedError, RecordValidationError } from "~/jobs/errors";
import { inOrderingTurn } from "~/jobs/queue.server";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { logger } from "~/observability/logger.server";
import { registerReconciler } from "~/sync/schedules.server";
import { levelOrderingKey, propagateInventoryLevel } from "./propagation.server";

/**
 * Inventory reconciliation (every 10 minutes by default, per sync): every linked level is read on both sides,
 * whatever changed without a webhook is carried over, and counts still apart are repaired by the sync's
 * conflict rule. Every repair is written to the audit log and counted in the run; nothing is absorbed silently.
 * A level whose propagation is running right now is skipped: that propagation is reading it anyway.
 */
export async function reconcileInventorySync(sync: { id: string; tenantId: string }): Promise<{ read: number; written: number; skipped: number; failed: number; repaired: number }> {
  const run = await startSyncRun(db(), { tenantId: sync.tenantId, syncId: sync.id, kind: "inventory.reconcile", trigger: "schedule" });
  const counts = { read: 0, written: 0, skipped: 0, failed: 0 };
  let repaired = 0;
  const levels = await db().inventoryLevelLink.findMany({ where: { tenantId: sync.tenantId, syncId: sync.id }, select: { id: true, sku: true }, orderBy: { sku: "asc" } });
  try {
    for (const level of levels) {
      try {
        const turn = await inOrderingTurn(levelOrderingKey(level.id), () => propagateInventoryLevel(db(), sync.tenantId, level.id, { repairDrift: true }));
        if (!turn.ran) {
          counts.skipped += 1;
          continue;
        }
        counts.read += 1;
        const result = turn.value;
        if (result.outcome === "propagated" || result.outcome === "repaired") counts.written += 1;
        if (result.outcome === "repaired") {
          repaired += 1;
          await db().auditLog.create({
            data: {
              tenantId: sync.tenantId,
              actorType: "SYSTEM",
              action: "inventory.drift_repaired",
              target: level.sku,
              details: { levelLinkId: level.id, side: result.side, from: result.from, to: result.to, runId: run.id },
            },
          });
          logger.warn({ tenantId: sync.tenantId, runId: run.id, sku: level.sku, side: result.side, from: result.from, to: result.to }, "inventory drift repaired");
        }
        await resolveSyncIssues(db(), sync.tenantId, [`inventory-level:${level.id}`]);
      } catch (error) {
        // Waiting and lost access concern the whole sync: stop here, the job's taxonomy handles them.
        if (error instanceof RateLimitedError || error instanceof ConnectionAuthorizationError) throw error;
        counts.failed += 1;
        const problem = error instanceof RecordValidationError ? error.problem : null;
        await reportSyncIssue(db(), {
          tenantId: sync.tenantId,
          syncId: sync.id,
          key: `inventory-level:${level.id}`,
          code: problem?.code ?? "INVENTORY_RECONCILE_FAILED",
          message: problem?.message ?? `Tillbridge could not compare the stock of ${level.sku} in Shopify and Square this time; it tries again at the next reconciliation.`,
          entityType: "inventory_level",
          entityRef: level.sku,
          retriable: false,
        });
      }
    }
    await finishSyncRun(db(), sync.tenantId, run.id, { counts });
  } catch (error) {
    await finishSyncRun(db(), sync.tenantId, run.id, { counts, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  return { ...counts, repaired };
}

export function registerInventoryReconciler(): void {
  registerReconciler("INVENTORY", async (sync) => {
    await reconcileInventorySync(sync);
  });
}

import { z } from "zod";
import { db } from "~/db.server";
import type { Prisma } from "~/generated/prisma/client";
import { ConnectionAuthorizationError, RateLimitedError, RecordValidationError } from "~/jobs/errors";
import { inOrderingTurn } from "~/jobs/queue.server";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { finishSyncRun, startSyncRun, SyncRunNotFoundError } from "~/models/sync-runs.server";
import { logger } from "~/observability/logger.server";
import { registerReconciler } from "~/sync/schedules.server";
import { inventoryAccounts, levelOrderingKey, propagateInventoryLevel, reportOversoldLevel } from "./propagation.server";

/**
 * Inventory reconciliation (every 10 minutes by default, per sync): every linked level is read on both sides,
 * whatever changed without a webhook is carried over, and counts still apart are repaired by the sync's
 * conflict rule. Every repair is written to the audit log and counted in the run; nothing is absorbed silently.
 * A level whose propagation is running right now is skipped: that propagation is reading it anyway.
 *
 * A pass over a large catalog costs more than a shop's Shopify budget holds at once (three points a level
 * against a bucket of 2,000). When the budget runs out the pass stops where it is, keeps its place and its run
 * in the sync's cursors, and the job waits and continues from there: it never starts over, so it always ends.
 */

const reconciliationCursor = z.object({
  runId: z.uuid(),
  /** The last level done (ordered by id); null when the budget ran out before the first. */
  afterLevelId: z.uuid().nullable(),
  counts: z.object({ read: z.number().int(), written: z.number().int(), skipped: z.number().int(), failed: z.number().int() }),
  repaired: z.number().int(),
  /** The level the budget ran out on, with its revision before the pass touched it (its writes may have landed). */
  inProgress: z.object({ levelId: z.uuid(), revisionAtStart: z.number().int() }).nullable().default(null),
});
type ReconciliationCursor = z.output<typeof reconciliationCursor>;
const CURSOR_KEY = "inventoryReconciliation";

async function readCursor(sync: { id: string; tenantId: string }): Promise<{ cursors: Record<string, unknown>; place: ReconciliationCursor | null }> {
  const row = await db().sync.findFirst({ where: { id: sync.id, tenantId: sync.tenantId }, select: { cursors: true } });
  if (!row) throw new SyncRunNotFoundError(`Sync ${sync.id} does not belong to tenant ${sync.tenantId}`);
  const cursors = (row.cursors ?? {}) as Record<string, unknown>;
  const place = reconciliationCursor.safeParse(cursors[CURSOR_KEY]);
  if (!place.success) return { cursors, place: null };
  // A run that is no longer RUNNING (finished, or closed by hand) is not continued.
  const run = await db().syncRun.findFirst({ where: { id: place.data.runId, tenantId: sync.tenantId, status: "RUNNING" }, select: { id: true } });
  return { cursors, place: run ? place.data : null };
}

async function saveCursor(sync: { id: string; tenantId: string }, cursors: Record<string, unknown>, place: ReconciliationCursor | null): Promise<void> {
  const next = { ...cursors };
  if (place) next[CURSOR_KEY] = place;
  else delete next[CURSOR_KEY];
  await db().sync.updateMany({ where: { id: sync.id, tenantId: sync.tenantId }, data: { cursors: next as Prisma.InputJsonValue } });
}

export async function reconcileInventorySync(sync: { id: string; tenantId: string }): Promise<{ read: number; written: number; skipped: number; failed: number; repaired: number }> {
  const { cursors, place } = await readCursor(sync);
  const run = place ? { id: place.runId } : await startSyncRun(db(), { tenantId: sync.tenantId, syncId: sync.id, kind: "inventory.reconcile", trigger: "schedule" });
  const counts = place ? { ...place.counts } : { read: 0, written: 0, skipped: 0, failed: 0 };
  let repaired = place?.repaired ?? 0;
  const levels = await db().inventoryLevelLink.findMany({
    where: { tenantId: sync.tenantId, syncId: sync.id, ...(place?.afterLevelId && { id: { gt: place.afterLevelId } }) },
    select: { id: true, sku: true, revision: true },
    orderBy: { id: "asc" },
  });
  let lastDone: string | null = place?.afterLevelId ?? null;

  let inProgress: { levelId: string; revisionAtStart: number } | null = null;
  try {
    // One read of the connections for the whole pass, not one per level (a pass reads thousands).
    const accounts = await inventoryAccounts(db(), sync.tenantId);
    for (const level of levels) {
      // A level an earlier attempt stopped in may have had its writes land then: they count for this pass.
      const revisionAtStart = place?.inProgress?.levelId === level.id ? place.inProgress.revisionAtStart : level.revision;
      inProgress = { levelId: level.id, revisionAtStart };
      try {
        const turn = await inOrderingTurn(levelOrderingKey(level.id), () => propagateInventoryLevel(db(), sync.tenantId, level.id, { repairDrift: true, accounts }));
        if (!turn.ran) {
          counts.skipped += 1;
          lastDone = level.id;
          continue;
        }
        counts.read += 1;
        const result = turn.value;
        const landedEarlier = result.outcome === "in-step" && revisionAtStart !== level.revision;
        if (result.outcome === "propagated" || result.outcome === "repaired" || landedEarlier) counts.written += 1;
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
        if (result.outcome !== "in-step" || landedEarlier) await reportOversoldLevel(db(), sync.tenantId, level.id);
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
      lastDone = level.id;
    }
    await finishSyncRun(db(), sync.tenantId, run.id, { counts });
    if (place) await saveCursor(sync, cursors, null);
  } catch (error) {
    if (error instanceof RateLimitedError) {
      // Out of budget: keep the place and the run, and continue after the wait.
      await saveCursor(sync, cursors, { runId: run.id, afterLevelId: lastDone, counts, repaired, inProgress });
      throw error;
    }
    await finishSyncRun(db(), sync.tenantId, run.id, { counts, error: error instanceof Error ? error.message : String(error) });
    if (place) await saveCursor(sync, cursors, null);
    throw error;
  }
  return { ...counts, repaired };
}

export function registerInventoryReconciler(): void {
  registerReconciler("INVENTORY", async (sync) => {
    await reconcileInventorySync(sync);
  });
}

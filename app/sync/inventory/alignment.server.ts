import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import { planAlignment, type AlignmentReading, type AlignmentRow } from "~/domain/inventory/alignment";
import type { InventoryMatchReport } from "~/domain/inventory/matching";
import { Prisma } from "~/generated/prisma/client";
import { readShopifyAvailableAt } from "~/integrations/shopify/inventory.server";
import { readSquareInStockAt } from "~/integrations/square/inventory.server";
import { ConnectionAuthorizationError, RateLimitedError } from "~/jobs/errors";
import type { JobQueue } from "~/jobs/queue.server";
import { inOrderingTurn } from "~/jobs/queue.server";
import { defineJob, JobPriority } from "~/jobs/registry";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { createSync } from "~/sync/schedules.server";
import { inventoryAccounts, levelOrderingKey, propagateInventoryLevel } from "./propagation.server";
import { inventorySyncSettings, type InventorySyncSettings } from "./settings";
import { enableInventorySync } from "./setup.server";

/**
 * Setting up an inventory sync and its first alignment, the merchant's way in:
 *
 * 1. Setup: which Shopify location is kept in step with which Square location (with an optional buffer held back
 *    from Shopify), the direction, and which side wins a conflict. Saved on the sync, which stays off until aligned.
 * 2. Preview: every matched item at every newly mapped location pair is read on both sides (in bulk, through each
 *    vendor's budget) and the differences are shown before anything is written.
 * 3. Confirm: the previewed levels are linked with the counts read as their bases, the sync is switched on, and a
 *    pass aligns them through the same exactly-once propagation as every later change: a sale made between the
 *    preview and the confirmation is carried over, not overwritten, and each repair is in the audit log.
 *
 * Changing the locations of a running sync unlinks the pairs no longer mapped at once (nothing more is written to
 * them) and leaves new pairs to be previewed and confirmed like the first.
 */

export const INVENTORY_ALIGNMENT_STATUSES = ["READING", "READY", "APPLYING", "APPLIED", "FAILED", "SUPERSEDED"] as const;
export type InventoryAlignmentStatus = (typeof INVENTORY_ALIGNMENT_STATUSES)[number];

type Sync = { id: string; tenantId: string; enabled: boolean; settings: Prisma.JsonValue };

async function activeConnections(database: PrismaClient | Prisma.TransactionClient, tenantId: string) {
  const connections = await database.connection.findMany({ where: { tenantId, provider: { in: ["SQUARE", "SHOPIFY"] }, status: "ACTIVE" }, select: { id: true, provider: true } });
  return { square: connections.find((connection) => connection.provider === "SQUARE"), shopify: connections.find((connection) => connection.provider === "SHOPIFY") };
}

export async function findInventorySync(database: PrismaClient | Prisma.TransactionClient, tenantId: string): Promise<Sync | null> {
  return database.sync.findFirst({ where: { tenantId, kind: "INVENTORY" }, select: { id: true, tenantId: true, enabled: true, settings: true }, orderBy: { createdAt: "asc" } });
}

export type SetupOutcome = { ok: true; unlinkedLevels: number } | { ok: false; message: string };

/**
 * Saves the merchant's setup on the tenant's inventory sync (creating it, switched off, the first time). On a sync
 * that is running, location pairs no longer mapped are unlinked in the same transaction.
 */
export async function saveInventorySetup(database: PrismaClient, queue: Pick<JobQueue, "boss">, input: { tenantId: string; actor: string; settings: Partial<InventorySyncSettings> }): Promise<SetupOutcome> {
  const parsed = inventorySyncSettings.safeParse(input.settings);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "Those settings are not valid." };
  const settings = parsed.data;
  return database.$transaction(async (tx) => {
    const { square, shopify } = await activeConnections(tx, input.tenantId);
    if (!square || !shopify) return { ok: false, message: "Connect both Shopify and Square first, under Connections." } as const;
    const existing = await findInventorySync(tx, input.tenantId);
    const previous = existing ? inventorySyncSettings.safeParse(existing.settings).data : undefined;
    const merged = { ...settings, reconciliationCron: previous?.reconciliationCron ?? settings.reconciliationCron };
    const sync = existing
      ? await tx.sync.update({ where: { id: existing.id }, data: { settings: merged as Prisma.InputJsonValue } })
      : await createSync(tx, queue, { tenantId: input.tenantId, kind: "INVENTORY", sourceConnectionId: square.id, targetConnectionId: shopify.id, settings: merged as Prisma.InputJsonValue });
    const kept = merged.locations.map((pair) => ({ shopifyLocationId: pair.shopifyLocationId, squareLocationId: pair.squareLocationId }));
    const unlinked = await tx.inventoryLevelLink.deleteMany({ where: { tenantId: input.tenantId, syncId: sync.id, NOT: kept.length > 0 ? { OR: kept } : undefined } });
    // A preview made for other locations no longer describes what would be written.
    await tx.inventoryAlignment.updateMany({ where: { tenantId: input.tenantId, syncId: sync.id, status: { in: ["READING", "READY"] } }, data: { status: "SUPERSEDED", finishedAt: new Date() } });
    await tx.auditLog.create({
      data: {
        tenantId: input.tenantId,
        actorType: "MERCHANT",
        actorId: input.actor,
        action: "inventory.setup_saved",
        target: sync.id,
        details: { direction: merged.direction, conflictWinner: merged.conflictWinner, locations: merged.locations, caseInsensitiveSkus: merged.caseInsensitiveSkus, unlinkedLevels: unlinked.count },
      },
    });
    return { ok: true, unlinkedLevels: unlinked.count } as const;
  });
}

/** A stored preview row: the domain's row, checked loosely (this module wrote it). */
const storedRows = z.array(z.object({ sku: z.string(), action: z.string() }).loose());

export type PreviewOutcome = { ok: true; alignmentId: string } | { ok: false; message: string };

/** Starts reading both sides for a preview of the first alignment of the newly mapped location pairs. */
export async function startInventoryPreview(database: PrismaClient, queue: Pick<JobQueue, "send">, tenantId: string): Promise<PreviewOutcome> {
  return database.$transaction(async (tx) => {
    const sync = await findInventorySync(tx, tenantId);
    const settings = sync ? inventorySyncSettings.safeParse(sync.settings).data : undefined;
    if (!sync || !settings || settings.locations.length === 0) return { ok: false, message: "Choose at least one pair of locations to keep in step, and save, first." } as const;
    const scan = await tx.inventoryScan.findFirst({ where: { tenantId, status: "DONE" }, orderBy: { createdAt: "desc" }, select: { id: true } });
    if (!scan) return { ok: false, message: "Scan your catalogs first: the preview covers the items the scan matched." } as const;
    const running = await tx.inventoryAlignment.findFirst({ where: { tenantId, syncId: sync.id, status: { in: ["READING", "APPLYING"] } }, select: { id: true } });
    if (running) return { ok: true, alignmentId: running.id } as const;
    await tx.inventoryAlignment.updateMany({ where: { tenantId, syncId: sync.id, status: "READY" }, data: { status: "SUPERSEDED", finishedAt: new Date() } });
    const alignment = await tx.inventoryAlignment.create({ data: { tenantId, syncId: sync.id, scanId: scan.id }, select: { id: true } });
    await queue.send(previewInventoryAlignmentJob, { tenantId, alignmentId: alignment.id }, { tx, priority: JobPriority.realtime });
    return { ok: true, alignmentId: alignment.id } as const;
  });
}

/** Where a preview that ran out of a vendor's budget stopped: the readings of the location pairs already read. */
const previewCheckpoint = z.object({ pairsDone: z.number().int().nonnegative(), readings: z.array(z.unknown()) });

/** Reads both sides of every matched item at every mapped pair not yet linked, and stores the preview. */
export async function runInventoryPreview(database: PrismaClient, tenantId: string, alignmentId: string): Promise<InventoryAlignmentStatus | "missing"> {
  const alignment = await database.inventoryAlignment.findFirst({ where: { id: alignmentId, tenantId } });
  if (!alignment) return "missing";
  if (alignment.status !== "READING") return alignment.status as InventoryAlignmentStatus;
  const [sync, scan] = await Promise.all([
    database.sync.findFirstOrThrow({ where: { id: alignment.syncId, tenantId }, select: { settings: true } }),
    database.inventoryScan.findFirstOrThrow({ where: { id: alignment.scanId, tenantId }, select: { report: true } }),
  ]);
  const settings = inventorySyncSettings.parse(sync.settings);
  const report = scan.report as unknown as InventoryMatchReport;
  const linked = await database.inventoryLevelLink.findMany({ where: { tenantId, syncId: alignment.syncId }, select: { shopifyLocationId: true, squareLocationId: true } });
  const linkedPairs = new Set(linked.map((level) => `${level.shopifyLocationId}|${level.squareLocationId}`));
  const pairs = settings.locations.filter((pair) => !linkedPairs.has(`${pair.shopifyLocationId}|${pair.squareLocationId}`));
  const matched = report.matched.entries;

  const checkpoint = previewCheckpoint.safeParse(alignment.rows);
  const readings: AlignmentReading[] = checkpoint.success ? (checkpoint.data.readings as AlignmentReading[]) : [];
  let pairsDone = checkpoint.success ? checkpoint.data.pairsDone : 0;
  await database.inventoryAlignment.updateMany({ where: { id: alignmentId, tenantId }, data: { total: pairs.length * matched.length, done: readings.length } });

  try {
    const accounts = await inventoryAccounts(database, tenantId);
    for (; pairsDone < pairs.length; pairsDone += 1) {
      const pair = pairs[pairsDone]!;
      const shopifyCounts = await readShopifyAvailableAt(database, accounts.shopify, { inventoryItemIds: matched.map((entry) => entry.shopify.inventoryItemId), locationId: pair.shopifyLocationId });
      const squareCounts = await readSquareInStockAt(database, accounts.square, { variationIds: matched.map((entry) => entry.square.variationId), locationIds: [pair.squareLocationId] });
      for (const entry of matched) {
        readings.push({
          sku: entry.shopify.sku ?? entry.square.sku ?? entry.shopify.barcode ?? entry.shopify.variantId,
          title: entry.shopify.title,
          shopifyInventoryItemId: entry.shopify.inventoryItemId,
          shopifyLocationId: pair.shopifyLocationId,
          squareVariationId: entry.square.variationId,
          squareLocationId: pair.squareLocationId,
          shopify: shopifyCounts.get(entry.shopify.inventoryItemId) ?? null,
          square: squareCounts.get(`${entry.square.variationId}|${pair.squareLocationId}`) ?? 0,
          buffer: pair.buffer,
        });
      }
      await database.inventoryAlignment.updateMany({ where: { id: alignmentId, tenantId }, data: { done: readings.length } });
    }
  } catch (error) {
    if (error instanceof RateLimitedError) {
      // Keep what was read; the job waits for the budget and continues with the next location pair.
      await database.inventoryAlignment.updateMany({ where: { id: alignmentId, tenantId }, data: { rows: { pairsDone, readings } as unknown as Prisma.InputJsonValue } });
      throw error;
    }
    const message =
      error instanceof ConnectionAuthorizationError
        ? `${error.message}. Reconnect it under Connections, then preview again.`
        : "Reading your stock stopped on an unexpected error. Preview again; if it happens again, contact support.";
    await database.inventoryAlignment.updateMany({ where: { id: alignmentId, tenantId }, data: { status: "FAILED", error: message, finishedAt: new Date() } });
    throw error;
  }
  const plan = planAlignment(readings, settings);
  await database.inventoryAlignment.updateMany({
    where: { id: alignmentId, tenantId, status: "READING" },
    data: { status: "READY", rows: plan.rows as unknown as Prisma.InputJsonValue, summary: plan.summary as unknown as Prisma.InputJsonValue, done: readings.length },
  });
  return "READY";
}

export const previewInventoryAlignmentJob = defineJob({
  name: "inventory.preview-alignment",
  payload: z.object({ tenantId: z.uuid(), alignmentId: z.uuid() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  orderingKey: (payload) => `inventory-alignment:${payload.tenantId}`,
  policy: { retryLimit: 3, retryDelaySeconds: 10, batchSize: 2, localConcurrency: 1, expireInSeconds: 900 },
  async handle({ tenantId, alignmentId }, context) {
    const status = await runInventoryPreview(db(), tenantId, alignmentId);
    context.logger.info({ alignmentId, status }, "inventory alignment previewed");
  },
});

export type ConfirmOutcome = { ok: true; levels: number } | { ok: false; message: string };

/**
 * The merchant confirmed a preview: its stocked rows are linked with the counts read as their bases, the sync is
 * switched on, and the alignment pass is queued. Confirming twice links nothing twice.
 */
export async function confirmInventoryAlignment(database: PrismaClient, queue: Pick<JobQueue, "boss" | "send">, input: { tenantId: string; alignmentId: string; actor: string }): Promise<ConfirmOutcome> {
  const alignment = await database.inventoryAlignment.findFirst({ where: { id: input.alignmentId, tenantId: input.tenantId } });
  if (!alignment || alignment.status !== "READY") return { ok: false, message: "That preview is no longer current. Preview again." };
  const claimed = await database.inventoryAlignment.updateMany({
    where: { id: alignment.id, tenantId: input.tenantId, status: "READY" },
    data: { status: "APPLYING", confirmedBy: input.actor, confirmedAt: new Date(), done: 0 },
  });
  if (claimed.count === 0) return { ok: false, message: "That preview is no longer current. Preview again." };
  const sync = await database.sync.findFirstOrThrow({ where: { id: alignment.syncId, tenantId: input.tenantId }, select: { settings: true } });
  const rows = storedRows.parse(alignment.rows) as unknown as AlignmentRow[];
  const stocked = rows.filter((row) => row.shopify !== null);
  const { levelIds } = await enableInventorySync(database, queue, {
    tenantId: input.tenantId,
    settings: inventorySyncSettings.parse(sync.settings),
    levels: stocked.map((row) => ({
      sku: row.sku,
      shopifyInventoryItemId: row.shopifyInventoryItemId,
      shopifyLocationId: row.shopifyLocationId,
      squareVariationId: row.squareVariationId,
      squareLocationId: row.squareLocationId,
      shopifyCount: row.shopify!,
      squareCount: row.square,
    })),
  });
  await database.$transaction(async (tx) => {
    await tx.inventoryAlignment.updateMany({ where: { id: alignment.id, tenantId: input.tenantId }, data: { total: levelIds.length, summary: { ...(alignment.summary as Record<string, unknown> | null), levelIds } as Prisma.InputJsonValue } });
    await tx.auditLog.create({
      data: {
        tenantId: input.tenantId,
        actorType: "MERCHANT",
        actorId: input.actor,
        action: "inventory.alignment_confirmed",
        target: alignment.syncId,
        details: { alignmentId: alignment.id, summary: alignment.summary ?? {}, levels: levelIds.length },
      },
    });
    await queue.send(applyInventoryAlignmentJob, { tenantId: input.tenantId, alignmentId: alignment.id }, { tx, priority: JobPriority.realtime });
  });
  return { ok: true, levels: levelIds.length };
}

/**
 * The alignment pass: each confirmed level is read again and aligned, in its ordering turn, by the exactly-once
 * propagation (changes since the preview carried over, the rest repaired by the rule). Every repair is in the audit
 * log with the run it belongs to. Out of budget, it keeps its place (`done`) and continues after the wait.
 */
export async function applyInventoryAlignment(database: PrismaClient, tenantId: string, alignmentId: string): Promise<InventoryAlignmentStatus | "missing"> {
  const alignment = await database.inventoryAlignment.findFirst({ where: { id: alignmentId, tenantId } });
  if (!alignment) return "missing";
  if (alignment.status !== "APPLYING") return alignment.status as InventoryAlignmentStatus;
  const levelIds = z.object({ levelIds: z.array(z.uuid()) }).loose().parse(alignment.summary).levelIds;
  // Levels unlinked since (locations changed) are simply no longer there.
  const levels = await database.inventoryLevelLink.findMany({ where: { tenantId, syncId: alignment.syncId, id: { in: levelIds } }, select: { id: true, sku: true }, orderBy: { id: "asc" } });
  const run = alignment.runId
    ? { id: alignment.runId }
    : await startSyncRun(database, { tenantId, syncId: alignment.syncId, kind: "inventory.align", trigger: "merchant" });
  if (!alignment.runId) await database.inventoryAlignment.updateMany({ where: { id: alignmentId, tenantId }, data: { runId: run.id } });
  const previous = z.object({ written: z.number().int(), failed: z.number().int(), skipped: z.number().int() }).safeParse(alignment.summary && (alignment.summary as Record<string, unknown>).applied);
  const counts = { read: alignment.done, written: previous.data?.written ?? 0, skipped: previous.data?.skipped ?? 0, failed: previous.data?.failed ?? 0 };
  let done = alignment.done;
  const saveProgress = () =>
    database.inventoryAlignment.updateMany({
      where: { id: alignmentId, tenantId },
      data: { done, summary: { ...((alignment.summary as Record<string, unknown> | null) ?? {}), applied: { written: counts.written, failed: counts.failed, skipped: counts.skipped } } as Prisma.InputJsonValue },
    });
  try {
    const accounts = await inventoryAccounts(database, tenantId);
    for (; done < levels.length; done += 1) {
      const level = levels[done]!;
      const turn = await inOrderingTurn(levelOrderingKey(level.id), () => propagateInventoryLevel(database, tenantId, level.id, { repairDrift: true, accounts }));
      counts.read += 1;
      if (!turn.ran) {
        // Its propagation is running right now; reconciliation checks it again within minutes.
        counts.skipped += 1;
        continue;
      }
      const result = turn.value;
      if (result.outcome === "propagated" || result.outcome === "repaired") counts.written += 1;
      if (result.outcome === "repaired") {
        await database.auditLog.create({
          data: { tenantId, actorType: "SYSTEM", action: "inventory.aligned", target: level.sku, details: { levelLinkId: level.id, side: result.side, from: result.from, to: result.to, runId: run.id } },
        });
      }
      if (done % 50 === 0) await saveProgress();
    }
  } catch (error) {
    await saveProgress();
    if (error instanceof RateLimitedError) throw error;
    await finishSyncRun(database, tenantId, run.id, { counts, error: error instanceof Error ? error.message : String(error) });
    await database.inventoryAlignment.updateMany({
      where: { id: alignmentId, tenantId },
      data: { status: "FAILED", error: error instanceof ConnectionAuthorizationError ? `${error.message}. Reconnect it under Connections; the sync continues once it is back.` : "The alignment stopped on an unexpected error; reconciliation finishes it within minutes.", finishedAt: new Date() },
    });
    throw error;
  }
  await saveProgress();
  await finishSyncRun(database, tenantId, run.id, { counts });
  await database.inventoryAlignment.updateMany({ where: { id: alignmentId, tenantId }, data: { status: "APPLIED", finishedAt: new Date() } });
  return "APPLIED";
}

export const applyInventoryAlignmentJob = defineJob({
  name: "inventory.apply-alignment",
  payload: z.object({ tenantId: z.uuid(), alignmentId: z.uuid() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  orderingKey: (payload) => `inventory-alignment:${payload.tenantId}`,
  policy: { retryLimit: 5, retryDelaySeconds: 10, retryDelayMaxSeconds: 300, batchSize: 2, localConcurrency: 1, expireInSeconds: 1800 },
  async handle({ tenantId, alignmentId }, context) {
    const status = await applyInventoryAlignment(db(), tenantId, alignmentId);
    context.logger.info({ alignmentId, status }, "inventory alignment applied");
  },
});

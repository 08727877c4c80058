import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import type { JobQueue } from "~/jobs/queue.server";
import { ConnectionAuthorizationError } from "~/jobs/errors";
import { defineJob, JobPriority } from "~/jobs/registry";
import { inventorySyncSettings } from "./settings";
import { InventoryScanPausedError, scanInventoryMatches, type InventoryScan, type InventoryScanCheckpoint, type InventoryScanPhase } from "./matching.server";

/**
 * The catalog scan as a job, so a catalog of tens of thousands of variants is read in the background within
 * Shopify's budget while the merchant watches its progress: each step is written to the InventoryScan row (at most
 * twice a second), a pause for budget keeps what was read in the row and the job continues from there after the
 * wait, and the report is stored when done.
 */

export const INVENTORY_SCAN_STATUSES = ["RUNNING", "DONE", "FAILED"] as const;
export type InventoryScanStatus = (typeof INVENTORY_SCAN_STATUSES)[number];

/** A checkpoint as stored: plain data written by this module; its shape is checked loosely, its contents trusted. */
const storedCheckpoint = z.object({ shopify: z.object({ variants: z.array(z.unknown()) }).loose(), square: z.object({ variations: z.array(z.unknown()) }).loose() }).loose();

const PROGRESS_WRITE_INTERVAL_MS = 500;
/** Scans kept per tenant, the new one included; older ones are deleted when a scan starts. */
const SCANS_KEPT = 3;

export async function runInventoryScan(database: PrismaClient, tenantId: string, scanId: string): Promise<InventoryScanStatus | "missing"> {
  const scan = await database.inventoryScan.findFirst({ where: { id: scanId, tenantId } });
  if (!scan) return "missing";
  if (scan.status !== "RUNNING") return scan.status as InventoryScanStatus;
  const resumeFrom = storedCheckpoint.safeParse(scan.checkpoint).success ? (scan.checkpoint as unknown as InventoryScanCheckpoint) : undefined;

  let lastWrite = 0;
  let lastPhase: InventoryScanPhase | null = null;
  const onProgress = async (phase: InventoryScanPhase, done: number, total?: number) => {
    const now = Date.now();
    if (phase === lastPhase && now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
    lastPhase = phase;
    lastWrite = now;
    await database.inventoryScan.updateMany({ where: { id: scanId, tenantId }, data: { phase, done, total: total ?? null } });
  };

  const sync = await database.sync.findFirst({ where: { tenantId, kind: "INVENTORY" }, select: { settings: true } });
  const caseInsensitiveSkus = inventorySyncSettings.safeParse(sync?.settings ?? {}).data?.caseInsensitiveSkus ?? false;
  let result: InventoryScan;
  try {
    result = await scanInventoryMatches(database, tenantId, { resumeFrom, onProgress, caseInsensitiveSkus });
  } catch (error) {
    if (error instanceof InventoryScanPausedError) {
      await database.inventoryScan.updateMany({ where: { id: scanId, tenantId }, data: { checkpoint: error.checkpoint as unknown as Prisma.InputJsonValue, phase: "waiting-for-budget" } });
      throw error; // a RateLimitedError: the job waits and runs again, continuing from the checkpoint
    }
    const message =
      error instanceof ConnectionAuthorizationError
        ? `${error.message}. Reconnect it under Connections, then scan again.`
        : "The scan stopped on an unexpected error. Scan again; if it happens again, contact support.";
    await database.inventoryScan.updateMany({ where: { id: scanId, tenantId }, data: { status: "FAILED", error: message, finishedAt: new Date() } });
    throw error;
  }
  await database.inventoryScan.updateMany({
    where: { id: scanId, tenantId },
    data: {
      status: "DONE",
      phase: "matching",
      report: result.report as unknown as Prisma.InputJsonValue,
      locations: result.locations as unknown as Prisma.InputJsonValue,
      checkpoint: Prisma.DbNull,
      finishedAt: new Date(),
    },
  });
  return "DONE";
}

export const scanInventoryJob = defineJob({
  name: "inventory.scan",
  payload: z.object({ tenantId: z.uuid(), scanId: z.uuid() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  orderingKey: (payload) => `inventory-scan:${payload.tenantId}`,
  policy: { retryLimit: 3, retryDelaySeconds: 10, batchSize: 2, localConcurrency: 1, expireInSeconds: 900 },
  async handle({ tenantId, scanId }, context) {
    const status = await runInventoryScan(db(), tenantId, scanId);
    context.logger.info({ scanId, status }, "inventory scan");
  },
});

/** Starts a scan unless one is running; returns the running or new scan's id. */
export async function startInventoryScan(database: PrismaClient, queue: Pick<JobQueue, "send">, tenantId: string): Promise<string> {
  return database.$transaction(async (tx) => {
    const running = await tx.inventoryScan.findFirst({ where: { tenantId, status: "RUNNING" }, select: { id: true } });
    if (running) return running.id;
    // Only the latest scans are of use (the page shows the newest; a preview keeps its own copy of what it read).
    const stale = await tx.inventoryScan.findMany({ where: { tenantId, status: { not: "RUNNING" } }, orderBy: { createdAt: "desc" }, skip: SCANS_KEPT - 1, select: { id: true } });
    if (stale.length > 0) await tx.inventoryScan.deleteMany({ where: { tenantId, id: { in: stale.map((scan) => scan.id) } } });
    const scan = await tx.inventoryScan.create({ data: { tenantId, phase: "starting" }, select: { id: true } });
    await queue.send(scanInventoryJob, { tenantId, scanId: scan.id }, { tx, priority: JobPriority.realtime });
    return scan.id;
  });
}

import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import { baseAfterWrite, planDriftRepair, planPropagation, type CarryOver, type LevelCounts } from "~/domain/inventory/propagation";
import { Prisma } from "~/generated/prisma/client";
import { adjustShopifyAvailable, readShopifyAvailable, type ShopifyInventoryAccount } from "~/integrations/shopify/inventory.server";
import { adjustSquareInStock, readSquareInStock, squareInventoryAccount, type SquareInventoryAccount } from "~/integrations/square/inventory.server";
import { TransientError } from "~/jobs/errors";
import { defineJob } from "~/jobs/registry";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { bufferOf, inventorySyncSettings } from "./settings";
import { shopifyAdminAccount } from "~/integrations/shopify/admin-request.server";

/**
 * Carrying one linked level's changes across (see app/domain/inventory/propagation.ts for the arithmetic).
 *
 * Exactly once, whatever fails where: the writes a propagation will make are recorded on the level (with their
 * idempotency keys, derived from the level and its revision) before the first is sent. If the process dies or a
 * call goes unanswered, the next attempt finds them and sends the same requests again, which Shopify
 * (`@idempotent`) and Square (`idempotency_key`) answer with the first outcome without applying twice; only then
 * does it read afresh. One level's propagations never run at once (the job's ordering key).
 */

const carryOver = z.object({
  side: z.enum(["shopify", "square"]),
  delta: z.number().int(),
  sourceDelta: z.number().int().optional(),
  expectedBefore: z.number().int(),
  kind: z.enum(["carry", "repair"]).optional(),
  idempotencyKey: z.string().min(1).max(128),
});
const levelCounts = z.object({ shopify: z.number().int(), square: z.number().int() });
const pendingWrites = z.object({ revision: z.number().int(), occurredAt: z.iso.datetime(), baseBeforeWrites: levelCounts, writes: z.array(carryOver) });
type PendingWrites = z.output<typeof pendingWrites>;

/** Shopify answered "changed since read" this many times in a row: give the level a rest and retry the job. */
const MAX_STALE_ROUNDS = 3;

export type PropagationOutcome =
  | { outcome: "in-step" }
  | { outcome: "propagated"; toShopify: number; toSquare: number }
  | { outcome: "repaired"; side: "shopify" | "square"; from: number; to: number; toShopify: number; toSquare: number }
  | { outcome: "skipped"; reason: string };

/** The ordering key of a level's propagations: its job's, and reconciliation's turn for the level. */
export function levelOrderingKey(levelLinkId: string): string {
  return `inventory-level:${levelLinkId}`;
}

type LevelLink = NonNullable<Awaited<ReturnType<typeof loadLevel>>>;

function loadLevel(database: PrismaClient, tenantId: string, levelLinkId: string) {
  return database.inventoryLevelLink.findFirst({
    where: { id: levelLinkId, tenantId },
    include: { sync: { select: { enabled: true, settings: true } } },
  });
}

/** The tenant's two connected accounts, read (and Square's token decrypted) once per propagation or pass. */
export interface InventoryAccounts {
  shopify: ShopifyInventoryAccount;
  square: SquareInventoryAccount;
}
type Accounts = InventoryAccounts;

export async function inventoryAccounts(database: PrismaClient, tenantId: string): Promise<Accounts> {
  return { shopify: await shopifyAdminAccount(database, tenantId), square: await squareInventoryAccount(database, tenantId) };
}

function idempotencyKey(level: LevelLink, side: "shopify" | "square"): string {
  return `tb-inv-${level.id}-${level.revision}-${side}`;
}

/** Sends the recorded writes (again, after a crash: same keys, same bodies) and moves the bases by what landed. */
async function sendPendingWrites(database: PrismaClient, level: LevelLink, pending: PendingWrites, accounts: Accounts): Promise<{ applied: Record<"shopify" | "square", number>; stale: boolean }> {
  let base: LevelCounts = pending.baseBeforeWrites;
  const applied = { shopify: 0, square: 0 };
  let stale = false;
  for (const write of pending.writes) {
    if (write.side === "shopify") {
      const outcome = await adjustShopifyAvailable(database, accounts.shopify, {
        inventoryItemId: level.shopifyInventoryItemId,
        locationId: level.shopifyLocationId,
        delta: write.delta,
        changeFromQuantity: write.expectedBefore,
        idempotencyKey: write.idempotencyKey,
        referenceDocumentUri: `gid://tillbridge/InventoryPropagation/${level.id}-${pending.revision}`,
        sku: level.sku,
      });
      if (!outcome.applied) {
        stale = true;
        continue;
      }
    } else {
      await adjustSquareInStock(database, accounts.square, {
        variationId: level.squareVariationId,
        locationId: level.squareLocationId,
        delta: write.delta,
        idempotencyKey: write.idempotencyKey,
        occurredAt: pending.occurredAt,
        sku: level.sku,
      });
    }
    base = baseAfterWrite(base, write);
    applied[write.side] += write.delta;
  }
  const settled = await database.inventoryLevelLink.updateMany({
    where: { id: level.id, revision: pending.revision },
    data: { shopifyCount: base.shopify, squareCount: base.square, revision: { increment: 1 }, pendingWrites: Prisma.DbNull, lastPropagatedAt: new Date() },
  });
  if (settled.count === 0) throw new TransientError(`inventory level ${level.id} was settled by another worker`);
  return { applied, stale };
}

/**
 * Reads both sides of a linked level and carries over what changed since its base; finishes an interrupted one
 * first. With `repairDrift` (reconciliation), counts still apart once nothing is left to carry are repaired.
 */
export async function propagateInventoryLevel(
  database: PrismaClient,
  tenantId: string,
  levelLinkId: string,
  options: { repairDrift?: boolean; now?: () => Date; accounts?: InventoryAccounts } = {},
): Promise<PropagationOutcome> {
  const now = options.now ?? (() => new Date());
  let accounts = options.accounts ?? null;
  const total = { shopify: 0, square: 0 };
  let repaired: { side: "shopify" | "square"; from: number; to: number } | null = null;
  for (let round = 0; ; round += 1) {
    const level = await loadLevel(database, tenantId, levelLinkId);
    if (!level) return { outcome: "skipped", reason: "no such linked level" };
    if (!level.sync.enabled) return { outcome: "skipped", reason: "the inventory sync is off" };
    accounts ??= await inventoryAccounts(database, tenantId);

    const recorded = level.pendingWrites === null ? null : pendingWrites.parse(level.pendingWrites);
    if (recorded) {
      const { applied } = await sendPendingWrites(database, level, recorded, accounts);
      total.shopify += applied.shopify;
      total.square += applied.square;
      continue; // read afresh from the settled bases
    }

    const settings = inventorySyncSettings.parse(level.sync.settings);
    const { direction, conflictWinner } = settings;
    const buffer = bufferOf(settings, level);
    const shopifyNow = await readShopifyAvailable(database, accounts.shopify, { inventoryItemId: level.shopifyInventoryItemId, locationId: level.shopifyLocationId });
    const squareNow = await readSquareInStock(database, accounts.square, { variationId: level.squareVariationId, locationId: level.squareLocationId, sku: level.sku });
    const counts = { shopify: shopifyNow ?? 0, square: squareNow };
    const plan = planPropagation({ shopify: level.shopifyCount, square: level.squareCount }, counts, direction, buffer);
    const repair: CarryOver | null = plan.writes.length === 0 && options.repairDrift && !repaired ? planDriftRepair(counts, direction, conflictWinner, buffer) : null;
    if (repair) {
      plan.writes.push(repair);
      repaired = { side: repair.side, from: repair.expectedBefore, to: repair.expectedBefore + repair.delta };
    }

    if (plan.writes.length === 0) {
      const absorbed = plan.baseBeforeWrites.shopify !== level.shopifyCount || plan.baseBeforeWrites.square !== level.squareCount;
      if (absorbed) {
        await database.inventoryLevelLink.updateMany({
          where: { id: level.id, revision: level.revision, pendingWrites: { equals: Prisma.DbNull } },
          data: { shopifyCount: plan.baseBeforeWrites.shopify, squareCount: plan.baseBeforeWrites.square },
        });
      }
      if (repaired) return { outcome: "repaired", ...repaired, toShopify: total.shopify, toSquare: total.square };
      return total.shopify === 0 && total.square === 0 ? { outcome: "in-step" } : { outcome: "propagated", toShopify: total.shopify, toSquare: total.square };
    }
    if (round > MAX_STALE_ROUNDS) throw new TransientError(`the stock of ${level.sku} keeps changing on Shopify while it is being carried over`);

    const pending: PendingWrites = {
      revision: level.revision,
      occurredAt: now().toISOString(),
      baseBeforeWrites: plan.baseBeforeWrites,
      writes: plan.writes.map((write) => ({ ...write, idempotencyKey: idempotencyKey(level, write.side) })),
    };
    const claimed = await database.inventoryLevelLink.updateMany({
      where: { id: level.id, revision: level.revision, pendingWrites: { equals: Prisma.DbNull } },
      data: { pendingWrites: pending },
    });
    if (claimed.count === 0) continue; // settled meanwhile: read again
    const { applied } = await sendPendingWrites(database, level, pending, accounts);
    total.shopify += applied.shopify;
    total.square += applied.square;
    // A stale Shopify write, and anything that changed meanwhile, is picked up by the next round's reading.
  }
}

/**
 * Stock below zero after a propagation: more units were sold than there were, typically the last unit sold on both
 * channels at the same moment. Tillbridge never drops either sale; it tells the merchant, who knows what is really
 * on the shelf. The issue closes itself once the counts are back at 0 or above.
 */
export async function reportOversoldLevel(database: PrismaClient, tenantId: string, levelLinkId: string): Promise<boolean> {
  const level = await database.inventoryLevelLink.findFirst({ where: { id: levelLinkId, tenantId }, select: { syncId: true, sku: true, shopifyCount: true, squareCount: true } });
  if (!level) return false;
  const key = `inventory-oversold:${levelLinkId}`;
  const lowest = Math.min(level.shopifyCount, level.squareCount);
  if (lowest >= 0) {
    await resolveSyncIssues(database, tenantId, [key]);
    return false;
  }
  await reportSyncIssue(database, {
    tenantId,
    syncId: level.syncId,
    key,
    code: "INVENTORY_OVERSOLD",
    message: `${level.sku} sold ${-lowest} more than was in stock (sales on both channels at the same moment): stock now shows ${lowest}. Both sales were kept. Check the shelf, then set the real count in Square or Shopify; Tillbridge carries it to the other channel.`,
    entityType: "inventory_level",
    entityRef: level.sku,
    retriable: false,
  });
  return true;
}

/** "TB-MUG-12OZ: Shopify 12 → 11": each side written, from the level's bases once the writes landed. */
function propagationSummary(level: { sku: string; shopifyCount: number; squareCount: number }, result: { toShopify: number; toSquare: number }): string {
  const changes: string[] = [];
  if (result.toShopify !== 0) changes.push(`Shopify ${level.shopifyCount - result.toShopify} → ${level.shopifyCount}`);
  if (result.toSquare !== 0) changes.push(`Square ${level.squareCount - result.toSquare} → ${level.squareCount}`);
  return `${level.sku}: ${changes.join(", ")}`;
}

export const propagateInventoryLevelJob = defineJob({
  name: "inventory.propagate-level",
  payload: z.object({ tenantId: z.uuid(), levelLinkId: z.uuid() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  // One level's propagations take turns: each reads both sides and moves the bases, which must not interleave.
  orderingKey: (payload) => levelOrderingKey(payload.levelLinkId),
  policy: { retryLimit: 10, retryDelaySeconds: 1, retryDelayMaxSeconds: 120, batchSize: 20, localConcurrency: 4 },
  async handle({ tenantId, levelLinkId }, context) {
    const started = new Date();
    const result = await propagateInventoryLevel(db(), tenantId, levelLinkId);
    // Only propagations that changed something are runs worth showing; a reading that found both sides in step
    // (the echo of Tillbridge's own write, a duplicate webhook) is not.
    if (result.outcome !== "propagated") return;
    const level = await db().inventoryLevelLink.findFirstOrThrow({ where: { id: levelLinkId, tenantId }, select: { syncId: true, sku: true, shopifyCount: true, squareCount: true } });
    const run = await startSyncRun(db(), { tenantId, syncId: level.syncId, kind: "inventory.propagate", trigger: "webhook" }, started);
    const written = (result.toShopify !== 0 ? 1 : 0) + (result.toSquare !== 0 ? 1 : 0);
    await finishSyncRun(db(), tenantId, run.id, { counts: { read: 2, written, skipped: 0, failed: 0 }, summary: propagationSummary(level, result) });
    await reportOversoldLevel(db(), tenantId, levelLinkId);
    context.logger.info({ runId: run.id, levelLinkId, sku: level.sku, toShopify: result.toShopify, toSquare: result.toSquare }, "inventory carried over");
  },
});

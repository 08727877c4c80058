import type { PrismaClient } from "~/db.server";
import type { Prisma } from "~/generated/prisma/client";
import type { JobQueue } from "~/jobs/queue.server";
import { createSync, scheduleReconciliation } from "~/sync/schedules.server";
import { inventorySyncSettings, type InventorySyncSettings } from "./settings";

/** One matched item at one mapped location pair, with the counts both sides hold (already aligned). */
export interface InventoryLevelToLink {
  sku: string;
  shopifyInventoryItemId: string;
  shopifyLocationId: string;
  squareVariationId: string;
  squareLocationId: string;
  shopifyCount: number;
  squareCount: number;
}

/**
 * Creates (or updates) the tenant's inventory sync between its Square and Shopify connections, with its
 * reconciliation schedule, and links the given levels, their counts becoming the bases changes are measured
 * from. The sync is switched on.
 */
export async function enableInventorySync(
  db: PrismaClient,
  queue: Pick<JobQueue, "boss">,
  input: { tenantId: string; settings: Partial<InventorySyncSettings>; levels: InventoryLevelToLink[] },
): Promise<{ syncId: string; levelIds: string[] }> {
  const settings = inventorySyncSettings.parse(input.settings);
  return db.$transaction(async (tx) => {
    const connections = await tx.connection.findMany({ where: { tenantId: input.tenantId, provider: { in: ["SQUARE", "SHOPIFY"] }, status: "ACTIVE" }, select: { id: true, provider: true } });
    const square = connections.find((connection) => connection.provider === "SQUARE");
    const shopify = connections.find((connection) => connection.provider === "SHOPIFY");
    if (!square || !shopify) throw new Error("Inventory sync needs both Square and Shopify connected");
    const existing = await tx.sync.findUnique({
      where: { tenantId_kind_sourceConnectionId_targetConnectionId: { tenantId: input.tenantId, kind: "INVENTORY", sourceConnectionId: square.id, targetConnectionId: shopify.id } },
    });
    const created = existing ?? (await createSync(tx, queue, { tenantId: input.tenantId, kind: "INVENTORY", sourceConnectionId: square.id, targetConnectionId: shopify.id, reconciliationCron: settings.reconciliationCron }));
    const sync = await tx.sync.update({ where: { id: created.id }, data: { settings: settings as Prisma.InputJsonValue, enabled: true } });
    if (existing) await scheduleReconciliation(tx, queue, sync, settings.reconciliationCron);
    const levelIds: string[] = [];
    for (const level of input.levels) {
      const linked = await tx.inventoryLevelLink.upsert({
        where: { syncId_shopifyInventoryItemId_shopifyLocationId: { syncId: sync.id, shopifyInventoryItemId: level.shopifyInventoryItemId, shopifyLocationId: level.shopifyLocationId } },
        create: { tenantId: input.tenantId, syncId: sync.id, ...level },
        update: { ...level, pendingWrites: undefined },
        select: { id: true },
      });
      levelIds.push(linked.id);
    }
    return { syncId: sync.id, levelIds };
  });
}

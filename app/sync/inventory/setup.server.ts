import type { PrismaClient } from "~/db.server";
import type { Prisma } from "~/generated/prisma/client";
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
 * Creates (or updates) the tenant's inventory sync between its Square and Shopify connections and links the
 * given levels, their counts becoming the bases changes are measured from. The sync is switched on.
 */
export async function enableInventorySync(
  db: PrismaClient,
  input: { tenantId: string; settings: Partial<InventorySyncSettings>; levels: InventoryLevelToLink[] },
): Promise<{ syncId: string; levelIds: string[] }> {
  const settings = inventorySyncSettings.parse(input.settings);
  return db.$transaction(async (tx) => {
    const connections = await tx.connection.findMany({ where: { tenantId: input.tenantId, provider: { in: ["SQUARE", "SHOPIFY"] }, status: "ACTIVE" }, select: { id: true, provider: true } });
    const square = connections.find((connection) => connection.provider === "SQUARE");
    const shopify = connections.find((connection) => connection.provider === "SHOPIFY");
    if (!square || !shopify) throw new Error("Inventory sync needs both Square and Shopify connected");
    const sync = await tx.sync.upsert({
      where: { tenantId_kind_sourceConnectionId_targetConnectionId: { tenantId: input.tenantId, kind: "INVENTORY", sourceConnectionId: square.id, targetConnectionId: shopify.id } },
      create: { tenantId: input.tenantId, kind: "INVENTORY", sourceConnectionId: square.id, targetConnectionId: shopify.id, settings: settings as Prisma.InputJsonValue, enabled: true },
      update: { settings: settings as Prisma.InputJsonValue, enabled: true },
    });
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

import { z } from "zod";
import { JobPriority } from "~/jobs/registry";
import { logger } from "~/observability/logger.server";
import { registerWebhookProcessor, type WebhookProcessor } from "~/webhooks/processing.server";
import { propagateInventoryLevelJob } from "./propagation.server";

/**
 * Stock webhooks are hints, not values: each one only says which linked levels to read again. The propagation job
 * reads both sides itself, so a duplicate, delayed or reordered delivery can change nothing twice.
 */

const squareInventoryCounts = z.object({
  data: z.object({
    object: z.object({
      inventory_counts: z.array(z.object({ catalog_object_id: z.string(), location_id: z.string(), state: z.string() }).loose()).max(1000),
    }),
  }),
});

const shopifyInventoryLevel = z.object({ inventory_item_id: z.union([z.number(), z.string()]), location_id: z.union([z.number(), z.string()]) }).loose();

const squareCountsUpdated: WebhookProcessor = async (event, database, send) => {
  const parsed = squareInventoryCounts.safeParse(event.payload);
  if (!parsed.success) {
    logger.warn({ webhookEventId: event.id }, "Square inventory.count.updated without inventory counts; nothing to do");
    return;
  }
  const changed = parsed.data.data.object.inventory_counts.filter((count) => count.state === "IN_STOCK");
  if (changed.length === 0) return;
  const levels = await database.inventoryLevelLink.findMany({
    where: { tenantId: event.tenantId, sync: { enabled: true }, OR: changed.map((count) => ({ squareVariationId: count.catalog_object_id, squareLocationId: count.location_id })) },
    select: { id: true },
  });
  for (const level of levels) await send(propagateInventoryLevelJob, { tenantId: event.tenantId, levelLinkId: level.id }, { priority: JobPriority.realtime });
};

const shopifyLevelUpdated: WebhookProcessor = async (event, database, send) => {
  const parsed = shopifyInventoryLevel.safeParse(event.payload);
  if (!parsed.success) {
    logger.warn({ webhookEventId: event.id }, "Shopify inventory_levels/update without item and location; nothing to do");
    return;
  }
  const levels = await database.inventoryLevelLink.findMany({
    where: {
      tenantId: event.tenantId,
      sync: { enabled: true },
      shopifyInventoryItemId: `gid://shopify/InventoryItem/${parsed.data.inventory_item_id}`,
      shopifyLocationId: `gid://shopify/Location/${parsed.data.location_id}`,
    },
    select: { id: true },
  });
  for (const level of levels) await send(propagateInventoryLevelJob, { tenantId: event.tenantId, levelLinkId: level.id }, { priority: JobPriority.realtime });
};

const shopifyOrder = z.object({ line_items: z.array(z.object({ sku: z.string().nullable().optional() }).loose()).max(5000) }).loose();

/**
 * A Shopify order is a hint too: its line items' SKUs say which linked levels to read again. Shopify also sends
 * inventory_levels/update for the same sale; whichever arrives first does the work and the other finds nothing new.
 * (Square's order webhooks carry no line items, and every Square sale sends inventory.count.updated, so Square's
 * stock webhook is the only Square trigger.)
 */
const shopifyOrderCreated: WebhookProcessor = async (event, database, send) => {
  const parsed = shopifyOrder.safeParse(event.payload);
  if (!parsed.success) {
    logger.warn({ webhookEventId: event.id }, "Shopify order without line items; nothing to do for inventory");
    return;
  }
  const skus = [...new Set(parsed.data.line_items.map((item) => item.sku?.trim()).filter((sku): sku is string => Boolean(sku)))];
  if (skus.length === 0) return;
  const levels = await database.inventoryLevelLink.findMany({ where: { tenantId: event.tenantId, sync: { enabled: true }, sku: { in: skus } }, select: { id: true } });
  for (const level of levels) await send(propagateInventoryLevelJob, { tenantId: event.tenantId, levelLinkId: level.id }, { priority: JobPriority.realtime });
};

export function registerInventoryWebhookProcessors(): void {
  registerWebhookProcessor("SQUARE", "inventory.count.updated", squareCountsUpdated);
  // authenticate/validate upper-cases Shopify topics.
  registerWebhookProcessor("SHOPIFY", "INVENTORY_LEVELS_UPDATE", shopifyLevelUpdated);
  registerWebhookProcessor("SHOPIFY", "ORDERS_CREATE", shopifyOrderCreated);
}

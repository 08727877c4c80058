import type { Prisma } from "~/db.server";
import type { Provider, WebhookEventStatus } from "~/generated/prisma/client";

/**
 * The webhook inbox: every delivery is recorded before it is acknowledged, keyed by the vendor's event id, so a
 * redelivery is recognised and changes nothing. Returns false for a duplicate.
 */
export async function recordWebhookEvent(
  tx: Prisma.TransactionClient,
  event: {
    provider: Provider;
    externalEventId: string;
    topic: string;
    accountRef: string;
    tenantId: string | null;
    payload: Prisma.InputJsonValue;
    status?: WebhookEventStatus;
  },
): Promise<boolean> {
  const inserted = await tx.webhookEvent.createMany({
    data: [{ ...event, status: event.status ?? "RECEIVED", processedAt: event.status === "PROCESSED" ? new Date() : null }],
    skipDuplicates: true,
  });
  return inserted.count === 1;
}

/** A verified Shopify delivery, as authenticate.webhook returns it. */
export interface ShopifyWebhook {
  shop: string;
  topic: string;
  webhookId: string;
  payload: unknown;
}

/** Records a Shopify delivery in the inbox (keyed by its webhook id); false for a redelivery. */
export function recordShopifyWebhook(
  tx: Prisma.TransactionClient,
  webhook: ShopifyWebhook,
  tenantId: string | null,
  stored: { payload: Prisma.InputJsonValue; status: WebhookEventStatus },
): Promise<boolean> {
  return recordWebhookEvent(tx, {
    provider: "SHOPIFY",
    externalEventId: webhook.webhookId,
    topic: webhook.topic,
    accountRef: webhook.shop,
    tenantId,
    ...stored,
  });
}

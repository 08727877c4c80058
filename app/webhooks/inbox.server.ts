import { randomUUID } from "node:crypto";
import type { Prisma } from "~/db.server";
import type { Provider, WebhookEventStatus } from "~/generated/prisma/client";
import type { JobQueue } from "~/jobs/queue.server";
import { JobPriority } from "~/jobs/registry";
import { countWebhook } from "~/observability/metrics.server";
import { processWebhookEventJob } from "./processing.server";

/** The queue the inbox sends processing jobs to; null where none runs (the sweep picks those events up). */
export type InboxQueue = Pick<JobQueue, "send"> | null;

/**
 * The webhook inbox: every delivery is recorded before it is acknowledged, keyed by the vendor's event id, so a
 * redelivery is recognised and changes nothing. An event left to process gets its processing job in the same
 * transaction (app/webhooks/processing.server.ts). Returns false for a duplicate.
 */
export async function recordWebhookEvent(
  tx: Prisma.TransactionClient,
  queue: InboxQueue,
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
  const id = randomUUID();
  const status = event.status ?? "RECEIVED";
  const inserted = await tx.webhookEvent.createMany({
    data: [{ ...event, id, status, processedAt: status === "RECEIVED" ? null : new Date() }],
    skipDuplicates: true,
  });
  countWebhook(event.provider, inserted.count === 1 ? "stored" : "duplicate");
  if (inserted.count === 1 && status === "RECEIVED" && queue) {
    await queue.send(processWebhookEventJob, { webhookEventId: id, tenantId: event.tenantId }, { tx, priority: JobPriority.realtime });
  }
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
  queue: InboxQueue,
  webhook: ShopifyWebhook,
  tenantId: string | null,
  stored: { payload: Prisma.InputJsonValue; status: WebhookEventStatus },
): Promise<boolean> {
  return recordWebhookEvent(tx, queue, {
    provider: "SHOPIFY",
    externalEventId: webhook.webhookId,
    topic: webhook.topic,
    accountRef: webhook.shop,
    tenantId,
    ...stored,
  });
}

import { randomUUID } from "node:crypto";
import type { Prisma } from "~/db.server";
import type { Provider, WebhookEventStatus } from "~/generated/prisma/client";
import type { JobQueue } from "~/jobs/queue.server";
import { JobPriority } from "~/jobs/registry";
import { countWebhook } from "~/observability/metrics.server";
import { processWebhookEventJob } from "./processing.server";

/** The queue the inbox sends processing jobs to; null where none runs (the sweep picks those events up). */
export type InboxQueue = Pick<JobQueue, "sendMany"> | null;

/** One delivered event, as the inbox keeps it. */
export interface InboxEvent {
  provider: Provider;
  externalEventId: string;
  topic: string;
  accountRef: string;
  tenantId: string | null;
  payload: Prisma.InputJsonValue;
  status?: WebhookEventStatus;
}

/**
 * The webhook inbox: every delivery is recorded before it is acknowledged, keyed by the vendor's event id, so a
 * redelivery is recognised and changes nothing. An event left to process gets its processing job in the same
 * transaction (app/webhooks/processing.server.ts). Returns false for a duplicate.
 */
export async function recordWebhookEvent(tx: Prisma.TransactionClient, queue: InboxQueue, event: InboxEvent): Promise<boolean> {
  const [fresh] = await recordWebhookEvents(tx, queue, [event]);
  return fresh === true;
}

/**
 * Records several events with one insert, and their processing jobs with one more (a vendor that batches, such as
 * QuickBooks, sends up to a thousand in one delivery; a statement each would not answer in time). Returns, for
 * each event in order, whether it is new: false for an event recorded before, or earlier in the same list.
 */
export async function recordWebhookEvents(tx: Prisma.TransactionClient, queue: InboxQueue, events: InboxEvent[]): Promise<boolean[]> {
  if (events.length === 0) return [];
  const rows = events.map((event) => {
    const status = event.status ?? "RECEIVED";
    return { ...event, id: randomUUID(), status, processedAt: status === "RECEIVED" ? null : new Date() };
  });
  // Ids are chosen here, so the ids the insert returns say exactly which rows are new.
  const inserted = await tx.webhookEvent.createManyAndReturn({ data: rows, skipDuplicates: true, select: { id: true } });
  const insertedIds = new Set(inserted.map((row) => row.id));
  const fresh = rows.map((row) => insertedIds.has(row.id));
  rows.forEach((row, index) => countWebhook(row.provider, fresh[index] ? "stored" : "duplicate"));
  const toProcess = rows.filter((row, index) => fresh[index] && row.status === "RECEIVED");
  if (queue && toProcess.length > 0) {
    await queue.sendMany(
      processWebhookEventJob,
      toProcess.map((row) => ({ webhookEventId: row.id, tenantId: row.tenantId })),
      { tx, priority: JobPriority.realtime },
    );
  }
  return fresh;
}

/** A verified Shopify delivery, as authenticate.webhook returns it. */
export interface ShopifyWebhook {
  shop: string;
  topic: string;
  /** X-Shopify-Webhook-Id: one delivery. Shopify's retries repeat it; a redelivery of the same event gets a new one. */
  webhookId: string;
  /** X-Shopify-Event-Id: the same for every delivery of one event (absent from older deliveries). */
  eventId?: string;
  payload: unknown;
}

/**
 * The inbox key of a Shopify delivery: its event and topic when Shopify says which event it is, so a redelivery
 * with a new webhook id is still recognised (one event can notify several topics, hence the topic), otherwise
 * the webhook id.
 */
export function shopifyInboxKey(webhook: Pick<ShopifyWebhook, "topic" | "webhookId" | "eventId">): string {
  return webhook.eventId ? `event:${webhook.eventId}:${webhook.topic}` : webhook.webhookId;
}

/** Records a Shopify delivery in the inbox (keyed by shopifyInboxKey); false for a redelivery. */
export function recordShopifyWebhook(
  tx: Prisma.TransactionClient,
  queue: InboxQueue,
  webhook: ShopifyWebhook,
  tenantId: string | null,
  stored: { payload: Prisma.InputJsonValue; status: WebhookEventStatus },
): Promise<boolean> {
  return recordWebhookEvent(tx, queue, {
    provider: "SHOPIFY",
    externalEventId: shopifyInboxKey(webhook),
    topic: webhook.topic,
    accountRef: webhook.shop,
    tenantId,
    ...stored,
  });
}

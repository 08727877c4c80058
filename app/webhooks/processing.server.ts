import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import type { Provider } from "~/generated/prisma/enums";
import { defineJob, JobPriority, type JobDefinition } from "~/jobs/registry";
import { logger } from "~/observability/logger.server";

/**
 * Processing what the webhook inbox stored. A route only verifies, stores and answers; this job, enqueued in the
 * same transaction as the event, does the work: it finds the tenant, drops what belongs to nobody (an unknown or
 * disconnected account, a topic no sync uses), and hands the rest to the processor registered for its topic.
 * An event is processed once: its status moves from RECEIVED exactly once, under the row's lock.
 */

export interface StoredWebhookEvent {
  id: string;
  provider: Provider;
  topic: string;
  accountRef: string;
  tenantId: string;
  payload: unknown;
}

/** Sends follow-up jobs (the work an event asks for, with its own ordering and retries). */
export type SendJob = <S extends z.ZodType>(job: JobDefinition<S>, payload: z.input<S>, options?: { singletonKey?: string; priority?: number }) => Promise<string | null>;

/** Applies one event for its tenant. Throws the job error taxonomy's errors (app/jobs/errors.ts). */
export type WebhookProcessor = (event: StoredWebhookEvent, dbClient: PrismaClient, send: SendJob) => Promise<void>;

const processors = new Map<string, WebhookProcessor[]>();

/**
 * Syncs register what they do with a topic ("SQUARE:inventory.count.updated", "SHOPIFY:ORDERS_CREATE"). Several
 * syncs may use one topic (an order is a stock change and a sale to post): each processor runs, in the order
 * registered, and a retry runs them all again, so each must be safe to repeat. Registering the same processor
 * twice has no effect.
 */
export function registerWebhookProcessor(provider: Provider, topic: string, processor: WebhookProcessor): void {
  const key = `${provider}:${topic}`;
  const registered = processors.get(key) ?? [];
  if (!registered.includes(processor)) processors.set(key, [...registered, processor]);
}

export type ProcessingOutcome = "processed" | "dropped" | "already-done";

const noFollowUps: SendJob = async () => {
  throw new Error("this caller cannot send follow-up jobs");
};

export async function processWebhookEvent(dbClient: PrismaClient, webhookEventId: string, send: SendJob = noFollowUps): Promise<ProcessingOutcome> {
  const event = await dbClient.webhookEvent.findUnique({ where: { id: webhookEventId } });
  if (!event || event.status !== "RECEIVED") return "already-done";
  const log = logger.child({ webhookEventId, provider: event.provider, topic: event.topic });

  const connection = await dbClient.connection.findUnique({
    where: { provider_externalId: { provider: event.provider, externalId: event.accountRef } },
    select: { tenantId: true, status: true, tenant: { select: { status: true } } },
  });
  if (!connection || connection.status === "DISCONNECTED" || connection.tenant.status !== "ACTIVE") {
    log.info({ account: event.accountRef, known: Boolean(connection) }, "webhook for an unknown, disconnected or uninstalled account dropped");
    return settle(dbClient, event.id, "DROPPED", connection?.tenantId ?? null);
  }
  const topicProcessors = processors.get(`${event.provider}:${event.topic}`) ?? [];
  if (topicProcessors.length === 0) {
    log.info({ tenantId: connection.tenantId }, "no sync uses this topic yet; webhook dropped");
    return settle(dbClient, event.id, "DROPPED", connection.tenantId);
  }
  const stored = { id: event.id, provider: event.provider, topic: event.topic, accountRef: event.accountRef, tenantId: connection.tenantId, payload: event.payload };
  for (const processor of topicProcessors) await processor(stored, dbClient, send);
  return settle(dbClient, event.id, "PROCESSED", connection.tenantId);
}

async function settle(dbClient: PrismaClient, id: string, status: "PROCESSED" | "DROPPED", tenantId: string | null): Promise<ProcessingOutcome> {
  const changed = await dbClient.webhookEvent.updateMany({ where: { id, status: "RECEIVED" }, data: { status, processedAt: new Date(), ...(tenantId && { tenantId }) } });
  if (changed.count === 0) return "already-done";
  return status === "PROCESSED" ? "processed" : "dropped";
}

export const processWebhookEventJob = defineJob({
  name: "webhooks.process",
  payload: z.object({ webhookEventId: z.uuid(), tenantId: z.uuid().nullable() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  policy: { retryLimit: 8, retryDelaySeconds: 5, retryDelayMaxSeconds: 900, batchSize: 20, localConcurrency: 2 },
  async handle({ webhookEventId }, context) {
    const outcome = await processWebhookEvent(db(), webhookEventId, context.send);
    context.logger.debug({ webhookEventId, outcome }, "webhook processed");
  },
});

/**
 * The safety net: an event stored while no queue was reachable (or whose job was lost) is found here and sent
 * for processing. Two minutes of grace leave the normal path alone.
 */
export const sweepPendingWebhooksJob = defineJob({
  name: "webhooks.sweep-pending",
  payload: z.object({}).strict(),
  policy: { retryLimit: 1, batchSize: 1, localConcurrency: 1 },
  schedule: "* * * * *",
  async handle(_payload, context) {
    const pending = await db().webhookEvent.findMany({
      where: { status: "RECEIVED", receivedAt: { lt: new Date(Date.now() - 2 * 60_000) } },
      select: { id: true, tenantId: true },
      orderBy: { receivedAt: "asc" },
      take: 500,
    });
    for (const event of pending) {
      await context.send(processWebhookEventJob, { webhookEventId: event.id, tenantId: event.tenantId }, { singletonKey: event.id, priority: JobPriority.normal });
    }
    if (pending.length > 0) context.logger.warn({ count: pending.length }, "webhooks left unprocessed were sent for processing");
  },
});

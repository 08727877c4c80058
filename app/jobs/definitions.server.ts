import { z } from "zod";
import { db } from "~/db.server";
import { disconnect } from "~/integrations/connections/flow.server";
import { connectionsDueForRefresh, refreshConnectionTokens, warnAboutExpiringAuthorizations } from "~/integrations/connections/token-refresh.server";
import { planSquareDaysJob, postSquareDayJob, sweepSquareDaysJob } from "~/sync/accounting/daily-summaries.server";
import { planShopifyDaysJob, postShopifyDayJob, sweepShopifyDaysJob } from "~/sync/accounting/shopify-daily-summaries.server";
import { postShopifyOrderJob, registerShopifyAccountingProcessors } from "~/sync/accounting/shopify-orders.server";
import { runAccountingImportJob } from "~/sync/accounting/import.server";
import { registerAccountingReconciler } from "~/sync/accounting/reconciliation.server";
import { postSquareOrderJob, registerSquareAccountingProcessors } from "~/sync/accounting/square-orders.server";
import { applyInventoryAlignmentJob, previewInventoryAlignmentJob } from "~/sync/inventory/alignment.server";
import { propagateInventoryLevelJob } from "~/sync/inventory/propagation.server";
import { registerInventoryReconciler } from "~/sync/inventory/reconciliation.server";
import { scanInventoryJob } from "~/sync/inventory/scan-job.server";
import { registerInventoryWebhookProcessors } from "~/sync/inventory/webhooks.server";
import { reconcileSyncJob } from "~/sync/schedules.server";
import { processWebhookEventJob, sweepPendingWebhooksJob } from "~/webhooks/processing.server";
import { defineJob, type JobDefinition } from "./registry";

/**
 * Does nothing but prove the queue works end to end: used by tests and bench/jobs.ts (the no-op processing rate
 * measures the engine's own overhead).
 */
export const noopJob = defineJob({
  name: "system.noop",
  payload: z.object({ note: z.string().max(200).optional() }).strict(),
  policy: { retryLimit: 0, batchSize: 50, localConcurrency: 4 },
  async handle() {},
});

/** Renews one connection's tokens if they are due (serialized per connection inside). */
export const refreshConnectionTokensJob = defineJob({
  name: "connections.refresh-tokens",
  payload: z.object({ connectionId: z.uuid() }).strict(),
  policy: { retryLimit: 8, retryDelaySeconds: 30, retryDelayMaxSeconds: 1800, batchSize: 10, localConcurrency: 1 },
  async handle({ connectionId }, context) {
    const outcome = await refreshConnectionTokens(db(), connectionId);
    context.logger.info({ connectionId, outcome }, "token renewal");
  },
});

/** Every five minutes: one renewal job per connection that may be due, and warnings for authorizations ending. */
export const refreshSweepJob = defineJob({
  name: "connections.refresh-sweep",
  payload: z.object({}).strict(),
  policy: { retryLimit: 1, batchSize: 1, localConcurrency: 1 },
  schedule: "*/5 * * * *",
  async handle(_payload, context) {
    for (const connectionId of await connectionsDueForRefresh(db())) {
      await context.send(refreshConnectionTokensJob, { connectionId }, { singletonKey: connectionId });
    }
    await warnAboutExpiringAuthorizations(db());
  },
});

/** Revokes a tenant's Square and QuickBooks authorizations upstream and deletes the tokens (e.g. on uninstall). */
export const disconnectTenantConnectionsJob = defineJob({
  name: "connections.disconnect-all",
  payload: z.object({ tenantId: z.uuid(), reason: z.string().max(200) }).strict(),
  policy: { retryLimit: 5, retryDelaySeconds: 30, batchSize: 5, localConcurrency: 1 },
  async handle({ tenantId, reason }, context) {
    const connections = await db().connection.findMany({
      where: { tenantId, provider: { in: ["SQUARE", "QUICKBOOKS"] }, status: { not: "DISCONNECTED" } },
      select: { provider: true },
    });
    for (const { provider } of connections) {
      await disconnect(db(), { tenantId, provider: provider as "SQUARE" | "QUICKBOOKS", actor: "system" });
    }
    context.logger.info({ tenantId, count: connections.length, reason }, "connections disconnected");
  },
});

// What each sync does with the webhook topics it uses (app/webhooks/processing.server.ts).
registerInventoryWebhookProcessors();
registerInventoryReconciler();
registerSquareAccountingProcessors();
registerShopifyAccountingProcessors();
registerAccountingReconciler();

/** Every job type the workers run. A job type not listed here is never worked. */
export const jobDefinitions: readonly JobDefinition[] = [
  noopJob,
  refreshConnectionTokensJob,
  refreshSweepJob,
  disconnectTenantConnectionsJob,
  processWebhookEventJob,
  sweepPendingWebhooksJob,
  reconcileSyncJob,
  propagateInventoryLevelJob,
  scanInventoryJob,
  previewInventoryAlignmentJob,
  applyInventoryAlignmentJob,
  postSquareOrderJob,
  sweepSquareDaysJob,
  planSquareDaysJob,
  postSquareDayJob,
  sweepShopifyDaysJob,
  planShopifyDaysJob,
  postShopifyDayJob,
  postShopifyOrderJob,
  runAccountingImportJob,
];

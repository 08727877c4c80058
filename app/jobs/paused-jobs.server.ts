import { createHash } from "node:crypto";
import type { Prisma, PrismaClient } from "~/db.server";
import type { Provider } from "~/generated/prisma/client";
import { RetryRefusedError, retryJobSchema, type SendRetryJob } from "~/models/sync-issues.server";
import { logger } from "~/observability/logger.server";

/**
 * Jobs stopped by a lost authorization. When a vendor stops accepting a tenant's token, the job that found out
 * completes (retrying cannot help) and the connection waits for the merchant to reconnect. The job is kept here,
 * and sent again once the connection is authorized again: a revoked grant delays work, it never loses it.
 *
 * Every job is idempotent (the ledger, EntityLink and the vendors' idempotency keys see to that), so sending one
 * again after a reconnect does only what was not done. The same job paused twice is kept once.
 */

type Db = PrismaClient | Prisma.TransactionClient;

/** The job's name and a hash of its payload (zod-parsed, so its keys come in the schema's order). */
export function pausedJobKey(name: string, payload: unknown): string {
  return `${name}:${createHash("sha256").update(JSON.stringify(payload)).digest("base64url")}`;
}

export async function keepPausedJob(db: Db, input: { tenantId: string; provider: Provider; name: string; payload: unknown }): Promise<void> {
  const key = pausedJobKey(input.name, input.payload);
  await db.pausedJob.upsert({
    where: { tenantId_key: { tenantId: input.tenantId, key } },
    create: { tenantId: input.tenantId, provider: input.provider, jobName: input.name, payload: input.payload as Prisma.InputJsonValue, key },
    update: {},
  });
}

/**
 * Sends the tenant's jobs paused for this provider again, if its connection is active, and forgets them, in one
 * transaction: each is sent once. A job the workers no longer know is dropped with a log line. Returns how many
 * were sent.
 */
export async function resumePausedJobs(database: PrismaClient, send: SendRetryJob, input: { tenantId: string; provider: Provider }): Promise<number> {
  return database.$transaction(async (tx) => {
    const connection = await tx.connection.findUnique({ where: { tenantId_provider: input }, select: { status: true } });
    if (connection?.status !== "ACTIVE") return 0;
    // Taken and deleted in one statement: two reconnects at once cannot both send a job.
    const rows = await tx.$queryRaw<{ jobName: string; payload: unknown }[]>`
      DELETE FROM "PausedJob" WHERE "tenantId" = ${input.tenantId}::uuid AND "provider" = ${input.provider}::"Provider"
      RETURNING "jobName", "payload"`;
    let sent = 0;
    for (const row of rows) {
      const job = retryJobSchema.safeParse({ name: row.jobName, payload: row.payload });
      try {
        if (!job.success) throw new RetryRefusedError("not a job");
        await send(job.data, { tx });
        sent += 1;
      } catch (error) {
        if (!(error instanceof RetryRefusedError)) throw error;
        logger.warn({ tenantId: input.tenantId, jobName: row.jobName }, "a paused job is no longer known to the workers; dropped");
      }
    }
    if (sent > 0) logger.info({ tenantId: input.tenantId, provider: input.provider, sent }, "paused jobs sent again after reconnecting");
    return sent;
  });
}

/** resumePausedJobs for every provider of the tenant (a sync's reconciliation runs it, in case a reconnect's was cut short). */
export async function resumeTenantPausedJobs(database: PrismaClient, send: SendRetryJob, tenantId: string): Promise<number> {
  const providers = await database.pausedJob.findMany({ where: { tenantId }, distinct: ["provider"], select: { provider: true } });
  let sent = 0;
  for (const { provider } of providers) sent += await resumePausedJobs(database, send, { tenantId, provider });
  return sent;
}

import { PgBoss, fromPglite, fromPrisma, type JobResult, type JobWithMetadata } from "pg-boss";
import type { z } from "zod";
import { db, type Database, type Prisma } from "~/db.server";
import type { JobTimingConfig } from "~/config.server";
import { markConnectionNeedsReauth, providerLabel } from "~/models/connections.server";
import { reportSyncIssue } from "~/models/sync-issues.server";
import { logger, withLogContext } from "~/observability/logger.server";
import { observeJob } from "~/observability/metrics.server";
import { classifyJobError, ConnectionAuthorizationError, RateLimitedError, RecordValidationError } from "./errors";
import { withLease } from "~/sync/leases.server";
import { deadLetterQueueName, type JobDefinition } from "./registry";

/** A job whose ordering key is busy runs again after about this long (plus jitter). */
const ORDERING_RETRY_MS = 1_000;
/** The turn of an ordering key is renewed while its job runs; a worker that died gives it up this long after. */
const ORDERING_LEASE_MS = 30_000;

/**
 * The job engine: pg-boss in the application's own database (PGlite or PostgreSQL), so a job can be sent in
 * the same transaction as the data it is about, and no other service is needed.
 */

export interface SendOptions {
  /** Send inside this Prisma transaction: the job exists only if the transaction commits. */
  tx?: Prisma.TransactionClient;
  /** With the queue's policy, at most one queued job per key (e.g. one refresh per connection). */
  singletonKey?: string;
  startAfter?: Date | number;
  priority?: number;
}

export interface JobQueue {
  send<S extends z.ZodType>(job: JobDefinition<S>, payload: z.input<S>, options?: SendOptions): Promise<string | null>;
  /** Bulk insert (one statement per call): for imports and benchmarks. */
  sendMany<S extends z.ZodType>(job: JobDefinition<S>, payloads: z.input<S>[], options?: Pick<SendOptions, "tx" | "priority">): Promise<void>;
  /** Move dead-lettered jobs of a type back to its queue; returns how many were replayed. */
  replayDeadLetters(job: JobDefinition, options?: { limit?: number }): Promise<number>;
  readonly workersRunning: boolean;
  isRunning(): boolean;
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** The underlying pg-boss instance, for the sync engine's scheduling and for tests. */
  readonly boss: PgBoss;
}

export async function startJobQueue(
  database: Database,
  options: { definitions: readonly JobDefinition[]; runWorkers: boolean; timing?: JobTimingConfig },
): Promise<JobQueue> {
  const timing = options.timing ?? { heartbeatSeconds: 30, superviseIntervalSeconds: 30 };
  // A worker that dies mid-job (killed, out of memory, machine lost) stops its heartbeat: the supervisor fails
  // the job and pg-boss retries it within about heartbeat + supervise interval, not after expireInSeconds.
  const supervision = { superviseIntervalSeconds: timing.superviseIntervalSeconds, monitorIntervalSeconds: timing.superviseIntervalSeconds };
  const boss =
    database.pglite !== null
      ? new PgBoss({ db: fromPglite(database.pglite), backend: "pglite", schema: "pgboss", ...supervision })
      : new PgBoss({ connectionString: database.migrationTarget.kind === "postgres" ? database.migrationTarget.url : "", useListenNotify: true, schema: "pgboss", ...supervision });
  boss.on("error", (error) => logger.error({ err: error }, "job queue error"));

  await boss.start();
  for (const definition of options.definitions) await ensureQueues(boss, definition, { notify: database.kind === "postgres", heartbeatSeconds: timing.heartbeatSeconds });

  let running = true;
  const queue: JobQueue = {
    boss,
    workersRunning: options.runWorkers,
    isRunning: () => running,
    async send(job, payload, sendOptions = {}) {
      const data = validate(job, payload);
      const { tx, ...jobOptions } = sendOptions;
      // pg-boss validates every key it is given, including ones set to undefined.
      const defined = Object.fromEntries(Object.entries(jobOptions).filter(([, value]) => value !== undefined));
      return boss.send(job.name, data, { ...defined, ...groupOf(job, data), ...(tx ? { db: fromPrisma(tx) } : {}) });
    },
    async sendMany(job, payloads, sendOptions = {}) {
      const jobs = payloads.map((payload) => {
        const data = validate(job, payload);
        return { data, ...groupOf(job, data), ...(sendOptions.priority !== undefined && { priority: sendOptions.priority }) };
      });
      await boss.insert(job.name, jobs, sendOptions.tx ? { db: fromPrisma(sendOptions.tx) } : {});
    },
    async replayDeadLetters(job, replayOptions = {}) {
      const deadQueue = deadLetterQueueName(job.name);
      let replayed = 0;
      const limit = replayOptions.limit ?? 1000;
      while (replayed < limit) {
        const batch = await boss.fetch(deadQueue, { batchSize: Math.min(100, limit - replayed) });
        if (batch.length === 0) break;
        // Insert the copies before completing the dead letters: a crash in between leaves a duplicate
        // dead letter to replay again, never a lost job.
        await boss.insert(job.name, batch.map((dead) => ({ data: dead.data as object })));
        await boss.complete(deadQueue, batch.map((dead) => dead.id));
        replayed += batch.length;
      }
      return replayed;
    },
    async stop(stopOptions = {}) {
      if (!running) return;
      running = false;
      await boss.stop({ graceful: true, timeout: stopOptions.timeoutMs ?? 20_000, close: true });
    },
  };
  if (options.runWorkers) {
    for (const definition of options.definitions) await startWorker(boss, definition, queue);
  }
  return queue;
}

/** A tenant's jobs form a pg-boss group, which the workers limit per tenant (fairness, decision 006). */
function groupOf(job: JobDefinition, data: object): { group?: { id: string } } {
  const tenantId = job.tenantOf?.(data as never);
  return tenantId ? { group: { id: tenantId } } : {};
}

function validate<S extends z.ZodType>(job: JobDefinition<S>, payload: unknown): object {
  const parsed = job.payload.safeParse(payload);
  if (!parsed.success) {
    throw new TypeError(`Invalid payload for job ${job.name}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; ")}`);
  }
  return parsed.data as object;
}

async function ensureQueues(boss: PgBoss, definition: JobDefinition, { notify, heartbeatSeconds }: { notify: boolean; heartbeatSeconds: number }): Promise<void> {
  const deadQueue = deadLetterQueueName(definition.name);
  const policy = definition.policy;
  const queueOptions = {
    retryLimit: policy.retryLimit,
    retryDelay: policy.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: policy.retryDelayMaxSeconds,
    expireInSeconds: policy.expireInSeconds,
    heartbeatSeconds,
    deadLetter: deadQueue,
  };
  // Dead letters are kept for replay, so they must not expire: a long retention and no retries of their own.
  if (!(await boss.getQueue(deadQueue))) await boss.createQueue(deadQueue, { retryLimit: 0, retentionSeconds: 60 * 60 * 24 * 30 });
  if (await boss.getQueue(definition.name)) {
    await boss.updateQueue(definition.name, queueOptions);
  } else {
    await boss.createQueue(definition.name, { ...queueOptions, notify });
  }
  // pg-boss keeps one schedule per name: every process may declare it, one worker sends each occurrence.
  if (definition.schedule) await boss.schedule(definition.name, definition.schedule, {}, { tz: "UTC" });
}

async function startWorker(boss: PgBoss, definition: JobDefinition, queue: JobQueue): Promise<void> {
  await boss.work(
    definition.name,
    {
      batchSize: definition.policy.batchSize,
      localConcurrency: definition.policy.localConcurrency,
      burstWhenBatchFull: true,
      pollingIntervalSeconds: 0.5,
      // NOTIFY wakes workers for new jobs only; retries and delayed jobs are found by this backstop poll.
      notifyPollingIntervalSeconds: 2,
      includeMetadata: true,
      perJobResults: true,
      // Counted in the database, so it holds across processes; two fetches at the same instant can still
      // briefly exceed it (seen once in tests with two processes), which fairness tolerates.
      ...(definition.tenantOf && { groupConcurrency: definition.policy.tenantConcurrency }),
    },
    (jobs: JobWithMetadata<unknown>[]) => Promise.all(jobs.map((job) => runJob(definition, job, queue))),
  );
}

/**
 * Runs `work` in the turn of an ordering key, as a job with that key would: null when a job (or anything else)
 * holds the turn now. For work outside jobs that must not interleave with them (reconciliation of one record).
 */
export function inOrderingTurn<T>(orderingKey: string, work: () => Promise<T>) {
  return withLease(db(), `job-order:${orderingKey}`, { limit: 1, ttlMs: ORDERING_LEASE_MS }, work);
}

export async function runJob(
  definition: JobDefinition,
  job: Pick<JobWithMetadata<unknown>, "id" | "data" | "retryCount"> & Partial<Pick<JobWithMetadata<unknown>, "priority">>,
  queue: Pick<JobQueue, "send">,
): Promise<JobResult> {
  const parsed = definition.payload.safeParse(job.data);
  const tenantId = (parsed.success && definition.tenantOf?.(parsed.data)) || undefined;
  // Every log line written while the job runs (in the handler and below it) carries the job and its tenant.
  return withLogContext({ jobId: job.id, jobName: definition.name, ...(tenantId && { tenantId }) }, async () => {
    if (!parsed.success) {
      logger.error({ issues: parsed.error.issues }, "job payload is invalid; sent to the dead letter queue");
      return { id: job.id, status: "deadletter", output: { error: "invalid payload" } };
    }
    const started = performance.now();
    try {
      const handle = () =>
        definition.handle(parsed.data, {
          jobId: job.id,
          retryCount: job.retryCount,
          logger: logger.child({}),
          send: (next, payload, sendOptions) => queue.send(next, payload, sendOptions),
        });
      const orderingKey = definition.orderingKey?.(parsed.data);
      if (orderingKey) {
        const turn = await inOrderingTurn(orderingKey, handle);
        if (!turn.ran) throw new RateLimitedError(`Another job for ${orderingKey} is running`, ORDERING_RETRY_MS + Math.round(Math.random() * ORDERING_RETRY_MS));
      } else {
        await handle();
      }
      logger.debug({ durationMs: Math.round(performance.now() - started) }, "job completed");
      observeJob(definition.name, "completed", (performance.now() - started) / 1000);
      return { id: job.id, status: "completed" };
    } catch (error) {
      const result = await settleFailure(definition, job, parsed.data, error, queue);
      observeJob(definition.name, outcomeLabel(result), (performance.now() - started) / 1000);
      return result;
    }
  });
}

function outcomeLabel(result: JobResult): string {
  const output = (result.output ?? {}) as Record<string, unknown>;
  if (result.status !== "completed") return result.status;
  if ("rescheduled" in output) return "rescheduled";
  if ("paused" in output) return "paused";
  return "issue";
}

/** Applies the error taxonomy (app/jobs/errors.ts) to a failed run. */
async function settleFailure(
  definition: JobDefinition,
  job: Pick<JobWithMetadata<unknown>, "id" | "retryCount"> & Partial<Pick<JobWithMetadata<unknown>, "priority">>,
  payload: unknown,
  error: unknown,
  queue: Pick<JobQueue, "send">,
): Promise<JobResult> {
  const kind = classifyJobError(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (kind) {
    case "rate-limit": {
      // Waiting is not failing: the job is sent again to start after the wait, and this attempt completes.
      const wait = (error as RateLimitedError).retryAfterMs;
      const again = await queue.send(definition, payload as never, { startAfter: new Date(Date.now() + wait), priority: job.priority });
      if (again === null) return { id: job.id, status: "failed", output: { error: message } };
      logger.info({ waitMs: wait, provider: (error as RateLimitedError).provider, nextJobId: again }, "rate limited; job rescheduled");
      return { id: job.id, status: "completed", output: { rescheduled: again, waitMs: wait } };
    }
    case "authorization": {
      const { connection } = error as ConnectionAuthorizationError;
      await markConnectionNeedsReauth(db(), {
        tenantId: connection.tenantId,
        provider: connection.provider,
        reason: message,
        message: `${message} Syncing with ${providerLabel(connection.provider)} is paused until you reconnect; nothing is lost.`,
        pausedJob: { name: definition.name, payload },
      });
      logger.warn({ tenantId: connection.tenantId, provider: connection.provider }, "authorization lost; connection paused until the merchant reconnects");
      return { id: job.id, status: "completed", output: { paused: connection.provider } };
    }
    case "validation": {
      await reportSyncIssue(db(), { ...(error as RecordValidationError).problem, retriable: true, retryJob: { name: definition.name, payload: payload as Record<string, never> } });
      logger.info({ key: (error as RecordValidationError).problem.key }, "record rejected; the merchant is told and can retry");
      return { id: job.id, status: "completed", output: { issue: (error as RecordValidationError).problem.key } };
    }
    case "defect":
      logger.error({ err: error, retryCount: job.retryCount }, "job failed with a defect; sent to the dead letter queue");
      return { id: job.id, status: "deadletter", output: { error: message } };
    case "transient":
      logger.warn({ err: error, retryCount: job.retryCount }, "job failed; it will be retried if attempts remain");
      return { id: job.id, status: "failed", output: { error: message } };
  }
}

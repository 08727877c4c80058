import type { Logger } from "pino";
import type { z } from "zod";
import type { Prisma } from "~/db.server";

/**
 * A job type: a name, the zod schema of its payload and the handler. The payload is validated when the job is
 * sent (a bad payload never reaches the queue) and again when it is run (the queue may hold payloads written by
 * an older version of the code).
 */
export interface JobDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly payload: Schema;
  readonly policy: JobPolicy;
  /** A cron expression (UTC): the job is sent with an empty payload on that schedule, once across all workers. */
  readonly schedule?: string;
  /**
   * The tenant a job works for. Jobs of one tenant form a group, and at most `policy.tenantConcurrency` of a
   * group run at once across all workers: one tenant's backlog cannot take every worker (docs/decisions/006).
   */
  readonly tenantOf?: (payload: z.output<Schema>) => string | null;
  /**
   * Work that must not interleave (one connection's token renewal, one record's changes): jobs with the same
   * key run one at a time across all workers; one that finds the key busy waits and runs again shortly.
   */
  readonly orderingKey?: (payload: z.output<Schema>) => string;
  handle(payload: z.output<Schema>, context: JobContext): Promise<void>;
}

export interface JobContext {
  jobId: string;
  /** 0 on the first attempt. */
  retryCount: number;
  logger: Logger;
  /** Sends follow-up jobs (e.g. a sweep fanning out one job per connection, or the next step of a paced import). */
  send<S extends z.ZodType>(job: JobDefinition<S>, payload: z.input<S>, options?: { singletonKey?: string; priority?: number; startAfter?: Date; tx?: Prisma.TransactionClient }): Promise<string | null>;
}

export interface JobPolicy {
  /** Retries after the first attempt; then the job goes to its dead letter queue. */
  retryLimit: number;
  /** First retry delay; doubled each retry, with jitter, up to retryDelayMaxSeconds. */
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number;
  /** An active job not finished by then is considered lost (its worker died) and is retried. */
  expireInSeconds: number;
  /** Jobs fetched per poll. pg-boss crawls at one job per fetch (about 20 jobs/s), so fetch in batches. */
  batchSize: number;
  /** Concurrent fetch loops per process. */
  localConcurrency: number;
  /** For jobs with a tenant: how many of one tenant's jobs of this type may run at once, across all workers. */
  tenantConcurrency: number;
}

export const defaultJobPolicy: JobPolicy = {
  retryLimit: 5,
  retryDelaySeconds: 2,
  retryDelayMaxSeconds: 300,
  expireInSeconds: 300,
  batchSize: 20,
  localConcurrency: 2,
  tenantConcurrency: 20,
};

/** Priorities within a queue: fresh work (a webhook, a merchant's click) goes before backfill (an import). */
export const JobPriority = { backfill: 0, normal: 5, realtime: 10 } as const;

export function defineJob<Schema extends z.ZodType>(definition: {
  name: string;
  payload: Schema;
  policy?: Partial<JobPolicy>;
  schedule?: string;
  tenantOf?: (payload: z.output<Schema>) => string | null;
  orderingKey?: (payload: z.output<Schema>) => string;
  handle(payload: z.output<Schema>, context: JobContext): Promise<void>;
}): JobDefinition<Schema> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/.test(definition.name)) {
    throw new Error(`Job name "${definition.name}" must be lower-case words separated by dots or dashes`);
  }
  return { ...definition, policy: { ...defaultJobPolicy, ...definition.policy } };
}

export function deadLetterQueueName(jobName: string): string {
  return `${jobName}.dead`;
}

import type { Logger } from "pino";
import type { z } from "zod";

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
  handle(payload: z.output<Schema>, context: JobContext): Promise<void>;
}

export interface JobContext {
  jobId: string;
  /** 0 on the first attempt. */
  retryCount: number;
  logger: Logger;
  /** Sends follow-up jobs (e.g. a sweep fanning out one job per connection). */
  send<S extends z.ZodType>(job: JobDefinition<S>, payload: z.input<S>, options?: { singletonKey?: string }): Promise<string | null>;
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
}

export const defaultJobPolicy: JobPolicy = {
  retryLimit: 5,
  retryDelaySeconds: 2,
  retryDelayMaxSeconds: 300,
  expireInSeconds: 300,
  batchSize: 20,
  localConcurrency: 2,
};

export function defineJob<Schema extends z.ZodType>(definition: {
  name: string;
  payload: Schema;
  policy?: Partial<JobPolicy>;
  schedule?: string;
  handle(payload: z.output<Schema>, context: JobContext): Promise<void>;
}): JobDefinition<Schema> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/.test(definition.name)) {
    throw new Error(`Job name "${definition.name}" must be lower-case words separated by dots or dashes`);
  }
  return { ...definition, policy: { ...defaultJobPolicy, ...definition.policy } };
}

/** Thrown by a handler when retrying cannot help (the job goes straight to its dead letter queue). */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export function deadLetterQueueName(jobName: string): string {
  return `${jobName}.dead`;
}

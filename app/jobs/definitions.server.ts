import { z } from "zod";
import { defineJob, type JobDefinition } from "./registry";

/**
 * Does nothing but prove the queue works end to end: used by /readyz-style smoke checks, tests and
 * bench/jobs.ts (the no-op processing rate measures the engine's own overhead).
 */
export const noopJob = defineJob({
  name: "system.noop",
  payload: z.object({ note: z.string().max(200).optional() }).strict(),
  policy: { retryLimit: 0, batchSize: 50, localConcurrency: 4 },
  async handle() {},
});

/** Every job type the workers run. A job type not listed here is never worked. */
export const jobDefinitions: readonly JobDefinition[] = [noopJob];

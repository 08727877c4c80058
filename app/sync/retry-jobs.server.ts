import { jobDefinitions } from "~/jobs/definitions.server";
import type { JobQueue } from "~/jobs/queue.server";
import type { JobDefinition } from "~/jobs/registry";
import { RetryRefusedError, type SendRetryJob } from "~/models/sync-issues.server";
import { logger } from "~/observability/logger.server";

/**
 * Sends an issue's stored retry job ({ name, payload }) through the job queue, in the caller's transaction. Only
 * job types the workers run (app/jobs/definitions.server.ts) and payloads their schema accepts are sent: a stored
 * job from an older release, or one written wrongly, is refused and the issue left as it was.
 */
export function retryJobSender(queue: Pick<JobQueue, "send">, definitions: readonly JobDefinition[] = jobDefinitions): SendRetryJob {
  return async (job, { tx }) => {
    const definition = definitions.find((candidate) => candidate.name === job.name);
    const valid = definition?.payload.safeParse(job.payload).success ?? false;
    if (!definition || !valid) {
      logger.warn({ jobName: job.name, known: definition !== undefined }, "retry refused: the stored job is unknown or its payload is invalid");
      throw new RetryRefusedError("This problem can no longer be retried from here. Dismiss it, or contact support if it keeps happening.");
    }
    await queue.send(definition, job.payload, { tx });
  };
}

/**
 * The error taxonomy every job follows. A handler (or the vendor client under it) throws one of these, and the
 * job runner (app/jobs/queue.server.ts) does the one right thing for its kind:
 *
 *  - transient: retried with exponential backoff and jitter, up to the job type's attempts, then dead-lettered;
 *  - rate limit: waits (the job is sent again to start after the wait) without using up an attempt;
 *  - authorization: the connection is marked NEEDS_REAUTH, its syncs wait, the merchant is told; no retry;
 *  - validation: a SyncIssue in plain words about the record, with the job to send again on Retry; no retry;
 *  - defect: a bug (a TypeError, an impossible state): dead-lettered at once, logged with the job id.
 *
 * Errors of no known kind are treated as transient: a network failure deep in a library is far more common
 * than a bug, and a bug still ends in the dead letter queue after the last attempt.
 */

import type { Provider } from "~/generated/prisma/enums";
import type { SyncIssueReport } from "~/models/sync-issues.server";

export type JobErrorKind = "transient" | "rate-limit" | "authorization" | "validation" | "defect";

/** Worth trying again later (a 5xx, a timeout, a dropped connection). */
export class TransientError extends Error {
  override name = "TransientError";
}

/** The vendor said "slow down" (429), or the shared budget has nothing left: wait, then run again. */
export class RateLimitedError extends Error {
  override name = "RateLimitedError";
  constructor(
    message: string,
    readonly retryAfterMs: number,
    readonly provider?: Provider,
  ) {
    super(message);
  }
}

/** The vendor refuses the connection's authorization for good: the merchant has to reconnect. */
export class ConnectionAuthorizationError extends Error {
  override name = "ConnectionAuthorizationError";
  constructor(
    message: string,
    readonly connection: { tenantId: string; provider: Provider },
  ) {
    super(message);
  }
}

/** What the merchant sees about a record the vendor would not accept, and must fix before Retry helps. */
export type RecordProblem = Omit<SyncIssueReport, "retriable" | "retryJob">;

/** The vendor rejected a record (missing mapping, invalid value): retrying as is cannot help. */
export class RecordValidationError extends Error {
  override name = "RecordValidationError";
  constructor(readonly problem: RecordProblem) {
    super(problem.message);
  }
}

/** A bug or an impossible state: retrying cannot help, someone has to look. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

const TRANSIENT_NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT"]);

export function classifyJobError(error: unknown): JobErrorKind {
  if (error instanceof RateLimitedError) return "rate-limit";
  if (error instanceof ConnectionAuthorizationError) return "authorization";
  if (error instanceof RecordValidationError) return "validation";
  if (error instanceof PermanentJobError) return "defect";
  if (error instanceof TransientError) return "transient";
  // Programming errors: the same input fails the same way every time.
  if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError) {
    return isNetworkError(error) ? "transient" : "defect";
  }
  return "transient";
}

/** fetch() reports a network failure as a TypeError ("fetch failed") with the socket error as its cause. */
function isNetworkError(error: Error): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return error.message === "fetch failed" || (cause?.code !== undefined && TRANSIENT_NETWORK_CODES.has(cause.code));
}

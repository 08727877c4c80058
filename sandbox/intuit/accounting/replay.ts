import type { Json } from "./schema";

/**
 * Intuit's idempotency: a request carrying a `requestid` already seen for the company is answered with the
 * original response (status and body) and not carried out again (Intuit blog 2015-04-06, reference §7). That holds
 * when the first answer never reached the app (the lostResponse fault): the work was done and its answer kept.
 * Bounded: the oldest ids are forgotten first.
 */

export interface KeptAnswer {
  status: number;
  body: Json;
}

/** requestid lengths Intuit accepts: 50 characters, 36 on a batch request. */
export const MAX_REQUEST_ID_LENGTH = 50;
export const MAX_BATCH_REQUEST_ID_LENGTH = 36;

const MAX_KEPT_ANSWERS = 20_000;

export class ReplayCache {
  private readonly answers = new Map<string, KeptAnswer>();

  private static key(realmId: string, requestId: string): string {
    return `${realmId}\u0000${requestId}`;
  }

  find(realmId: string, requestId: string): KeptAnswer | undefined {
    return this.answers.get(ReplayCache.key(realmId, requestId));
  }

  keep(realmId: string, requestId: string, answer: KeptAnswer): void {
    this.answers.set(ReplayCache.key(realmId, requestId), answer);
    for (const oldest of this.answers.keys()) {
      if (this.answers.size <= MAX_KEPT_ANSWERS) break;
      this.answers.delete(oldest);
    }
  }
}

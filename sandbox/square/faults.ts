/**
 * Injected failures. Square does not publish its rate limits and answers over-limit calls with 429
 * `{"errors":[{"code":"RATE_LIMITED","detail":"This request was rate limited. Please retry later.",
 * "category":"RATE_LIMIT_ERROR"}]}` (square-qbo.md §3, Square forum t/24167) and no Retry-After header, so the
 * SDK's own backoff (1 s, 2 s; 2 retries) applies. A switch turns them on for the next N calls, for a fraction of
 * calls, or both (the next N first).
 */

export interface FaultSettings {
  rateLimit: {
    /** Answer the next N calls with 429. */
    next: number;
    /** Then answer this fraction (0..1) of calls with 429. */
    fraction: number;
  };
}

export class FaultSwitch {
  private settings: FaultSettings = { rateLimit: { next: 0, fraction: 0 } };

  constructor(private readonly random: () => number = Math.random) {}

  configure(rateLimit: Partial<FaultSettings["rateLimit"]>): FaultSettings {
    this.settings = { rateLimit: { ...this.settings.rateLimit, ...rateLimit } };
    return this.current();
  }

  current(): FaultSettings {
    return { rateLimit: { ...this.settings.rateLimit } };
  }

  /** Whether this call is rate limited; consumes one of the "next N". */
  takeRateLimit(): boolean {
    const { rateLimit } = this.settings;
    if (rateLimit.next > 0) {
      rateLimit.next--;
      return true;
    }
    return rateLimit.fraction > 0 && this.random() < rateLimit.fraction;
  }
}

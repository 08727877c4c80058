/**
 * Intuit's per-realm limits on the Accounting API: requestsPerMinute (500) in any 60 s and maxConcurrent (10)
 * requests in flight (Intuit blog 2016-08-08, reference §7), and batchRequestsPerMinute (40) batch calls in any
 * 60 s, each batch item counting as one call of the 500 (Intuit blog 2023-07-19); over any answers 429. The
 * switches that make the API slow, flaky or throttled on demand are the shared ones (sandbox/common/faults.ts).
 */

export interface LimitSettings {
  requestsPerMinute: number;
  maxConcurrent: number;
  batchRequestsPerMinute: number;
}

interface RealmUsage {
  /** Start times (sandbox clock) of the accepted calls of the last minute, oldest first (a batch adds one per item). */
  recent: number[];
  /** Start times of the accepted batch calls of the last minute. */
  batches: number[];
  inFlight: number;
}

export class RealmLimiter {
  private readonly usage = new Map<string, RealmUsage>();

  constructor(
    private settings: LimitSettings,
    private readonly now: () => number,
  ) {}

  configure(settings: Partial<LimitSettings>): LimitSettings {
    this.settings = { ...this.settings, ...settings };
    return { ...this.settings };
  }

  getSettings(): LimitSettings {
    return { ...this.settings };
  }

  /**
   * Takes a slot for a call to the realm, worth `calls` of the per-minute budget (a batch: its item count): a
   * release function, or undefined when over a limit (nothing counted).
   */
  acquire(realmId: string, { calls = 1, batch = false }: { calls?: number; batch?: boolean } = {}): (() => void) | undefined {
    let usage = this.usage.get(realmId);
    if (!usage) this.usage.set(realmId, (usage = { recent: [], batches: [], inFlight: 0 }));
    const windowStart = this.now() - 60_000;
    while (usage.recent.length > 0 && (usage.recent[0] ?? 0) <= windowStart) usage.recent.shift();
    while (usage.batches.length > 0 && (usage.batches[0] ?? 0) <= windowStart) usage.batches.shift();
    if (usage.recent.length + calls > this.settings.requestsPerMinute || usage.inFlight >= this.settings.maxConcurrent) return undefined;
    if (batch && usage.batches.length >= this.settings.batchRequestsPerMinute) return undefined;
    for (let call = 0; call < calls; call++) usage.recent.push(this.now());
    if (batch) usage.batches.push(this.now());
    usage.inFlight++;
    const taken = usage;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      taken.inFlight--;
    };
  }
}

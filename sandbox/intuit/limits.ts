/**
 * Intuit's per-realm limits on the Accounting API: requestsPerMinute (500) in any 60 s and maxConcurrent (10)
 * requests in flight (Intuit blog 2016-08-08, reference §7); over either answers 429. The switches that make the
 * API slow, flaky or throttled on demand are the shared ones (sandbox/common/faults.ts).
 */

export interface LimitSettings {
  requestsPerMinute: number;
  maxConcurrent: number;
}

interface RealmUsage {
  /** Start times (sandbox clock) of the accepted calls of the last minute, oldest first. */
  recent: number[];
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

  /** Takes a slot for a call to the realm: a release function, or undefined when over a limit (call not counted). */
  acquire(realmId: string): (() => void) | undefined {
    let usage = this.usage.get(realmId);
    if (!usage) this.usage.set(realmId, (usage = { recent: [], inFlight: 0 }));
    const windowStart = this.now() - 60_000;
    while (usage.recent.length > 0 && (usage.recent[0] ?? 0) <= windowStart) usage.recent.shift();
    if (usage.recent.length >= this.settings.requestsPerMinute || usage.inFlight >= this.settings.maxConcurrent) return undefined;
    usage.recent.push(this.now());
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

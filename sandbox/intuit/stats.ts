/** Calls the sandbox has answered, by kind, in total and per realm, so tests can assert on them. */
export interface SandboxCounts {
  consents: number;
  consentsCancelled: number;
  tokenExchanges: number;
  tokenRefreshes: number;
  /** Token endpoint calls answered with invalid_grant or invalid_client. */
  tokenRejected: number;
  revokes: number;
  apiCalls: number;
  /** Items of the batch calls (each counts against the per-minute limit like a call). */
  apiBatchItems: number;
  /** Calls answered from the kept answer of an earlier call with the same requestid. */
  apiReplays: number;
  /** 429s, from the per-minute or concurrency limit or a forced throttle. */
  apiThrottled: number;
  apiUnauthorized: number;
  apiForbidden: number;
  /** Injected 5xx answers (the QuickBooks API and the OAuth endpoints). */
  apiServerErrors: number;
  /** Injected timeouts (calls never answered) and lost responses (writes done, connection dropped). */
  timeouts: number;
  lostResponses: number;
  webhooksDelivered: number;
  webhooksFailed: number;
}

export interface SandboxStats extends SandboxCounts {
  byRealm: Record<string, SandboxCounts>;
}

function zeroCounts(): SandboxCounts {
  return {
    consents: 0,
    consentsCancelled: 0,
    tokenExchanges: 0,
    tokenRefreshes: 0,
    tokenRejected: 0,
    revokes: 0,
    apiCalls: 0,
    apiBatchItems: 0,
    apiReplays: 0,
    apiThrottled: 0,
    apiUnauthorized: 0,
    apiForbidden: 0,
    apiServerErrors: 0,
    timeouts: 0,
    lostResponses: 0,
    webhooksDelivered: 0,
    webhooksFailed: 0,
  };
}

/** Realms are counted only once known (a rejected token call may not name one); the map is bounded by companies. */
export class StatsCounter {
  private total = zeroCounts();
  private byRealm = new Map<string, SandboxCounts>();

  count(realmId: string | undefined, kind: keyof SandboxCounts, amount = 1): void {
    this.total[kind] += amount;
    if (realmId === undefined) return;
    let counts = this.byRealm.get(realmId);
    if (!counts) this.byRealm.set(realmId, (counts = zeroCounts()));
    counts[kind] += amount;
  }

  snapshot(): SandboxStats {
    return { ...this.total, byRealm: Object.fromEntries([...this.byRealm].map(([realmId, counts]) => [realmId, { ...counts }])) };
  }

  reset(): void {
    this.total = zeroCounts();
    this.byRealm.clear();
  }
}

/** Calls the sandbox has answered, by kind and by endpoint, so tests can assert on them. */
export interface SandboxCounts {
  authorizePages: number;
  approvals: number;
  denials: number;
  tokenExchanges: number;
  tokenRefreshes: number;
  /** Token endpoint calls answered with an error (bad client, used or expired code, unknown refresh token). */
  tokenRejected: number;
  revokes: number;
  statusChecks: number;
  /** /v2 calls, answered or not. */
  apiCalls: number;
  /** 401/403 answers for a missing, unknown, expired or revoked token, or missing scopes. */
  unauthorized: number;
  /** Injected 429s (fault switches). */
  rateLimited: number;
  /** Injected 5xx answers, timeouts (calls never answered) and lost responses (writes done, connection dropped). */
  serverErrors: number;
  timeouts: number;
  lostResponses: number;
  webhooksDelivered: number;
  webhooksFailed: number;
  /** Catalog writes processed (upsert, batch upsert, delete; applied or refused as invalid), and those refused with
   * 429 because another write of the seller was running. */
  catalogWrites: number;
  catalogWritesLocked: number;
  /** Inventory changes (physical counts and adjustments) applied through the API. */
  inventoryChanges: number;
  /** Writes answered again from their idempotency key (nothing done). */
  idempotentReplays: number;
  /** Register sales (control API / sell()), and those refused for want of stock. */
  sales: number;
  salesRefused: number;
  /** Orders made at the register (sellOrder, its control call, generateSales), and PaymentRefunds created (register or API). */
  orders: number;
  refunds: number;
}

export interface SandboxStats extends SandboxCounts {
  /** Calls per endpoint, keyed "METHOD /route" with the route pattern (e.g. "GET /v2/merchants/:merchantId"). */
  byEndpoint: Record<string, number>;
}

function zeroCounts(): SandboxCounts {
  return {
    authorizePages: 0,
    approvals: 0,
    denials: 0,
    tokenExchanges: 0,
    tokenRefreshes: 0,
    tokenRejected: 0,
    revokes: 0,
    statusChecks: 0,
    apiCalls: 0,
    unauthorized: 0,
    rateLimited: 0,
    serverErrors: 0,
    timeouts: 0,
    lostResponses: 0,
    webhooksDelivered: 0,
    webhooksFailed: 0,
    catalogWrites: 0,
    catalogWritesLocked: 0,
    inventoryChanges: 0,
    idempotentReplays: 0,
    sales: 0,
    salesRefused: 0,
    orders: 0,
    refunds: 0,
  };
}

export class StatsCounter {
  private total = zeroCounts();
  // Keys are route patterns of this sandbox, never raw paths, so the map stays small.
  private byEndpoint = new Map<string, number>();

  count(kind: keyof SandboxCounts, by = 1): void {
    this.total[kind] += by;
  }

  endpoint(key: string): void {
    this.byEndpoint.set(key, (this.byEndpoint.get(key) ?? 0) + 1);
  }

  snapshot(): SandboxStats {
    return { ...this.total, byEndpoint: Object.fromEntries(this.byEndpoint) };
  }

  reset(): void {
    this.total = zeroCounts();
    this.byEndpoint.clear();
  }
}

/** Calls the sandbox has answered, by endpoint and kind, in total and per shop, so tests can assert on them. */
export interface SandboxCounts {
  tokenExchange: number;
  tokenRefresh: number;
  /** Token endpoint calls answered with an error (bad client credentials, subject token or refresh token). */
  tokenRejected: number;
  graphql: number;
  graphqlThrottled: number;
  graphqlUnauthorized: number;
  sessionTokens: number;
  /** Injected 5xx answers, timeouts (calls never answered) and lost responses (writes done, connection dropped). */
  serverErrors: number;
  timeouts: number;
  lostResponses: number;
  webhooksDelivered: number;
  webhooksFailed: number;
  /** Inventory mutations answered with a former call's result (same idempotency key and arguments). */
  idempotentReplays: number;
  /** Sales through the control API, and those refused for want of stock. */
  sales: number;
  salesRefused: number;
  /** Orders and refunds recorded through the control API (or generated). */
  orders: number;
  refunds: number;
}

export interface SandboxStats extends SandboxCounts {
  byShop: Record<string, SandboxCounts>;
}

function zeroCounts(): SandboxCounts {
  return {
    tokenExchange: 0,
    tokenRefresh: 0,
    tokenRejected: 0,
    graphql: 0,
    graphqlThrottled: 0,
    graphqlUnauthorized: 0,
    sessionTokens: 0,
    serverErrors: 0,
    timeouts: 0,
    lostResponses: 0,
    webhooksDelivered: 0,
    webhooksFailed: 0,
    idempotentReplays: 0,
    sales: 0,
    salesRefused: 0,
    orders: 0,
    refunds: 0,
  };
}

export class StatsCounter {
  private total = zeroCounts();
  private byShop = new Map<string, SandboxCounts>();

  count(shop: string, kind: keyof SandboxCounts): void {
    this.total[kind]++;
    let counts = this.byShop.get(shop);
    if (!counts) this.byShop.set(shop, (counts = zeroCounts()));
    counts[kind]++;
  }

  snapshot(): SandboxStats {
    return {
      ...this.total,
      byShop: Object.fromEntries([...this.byShop].map(([shop, counts]) => [shop, { ...counts }])),
    };
  }

  reset(): void {
    this.total = zeroCounts();
    this.byShop.clear();
  }
}

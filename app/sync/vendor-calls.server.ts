import type { Prisma, PrismaClient } from "~/db.server";
import { RateLimitedError } from "~/jobs/errors";
import { providerLabel } from "~/models/connections.server";
import { countBudgetWait, countVendorCall } from "~/observability/metrics.server";
import { DEFAULT_BUCKETS, takeBudget } from "./budgets.server";
import { tryAcquireLease } from "./leases.server";

/**
 * Every call a sync makes to a vendor goes through here: it waits its turn in the shared budget (QuickBooks:
 * 500 a minute and 10 in flight per realm; Shopify: the shop's query-cost bucket), and a vendor's 429 becomes a
 * RateLimitedError, so the job waits and runs again instead of failing (app/jobs/errors.ts). Nothing spins:
 * without budget the job is rescheduled for when there will be some.
 */

type Db = PrismaClient | Prisma.TransactionClient;

const QUICKBOOKS_IN_FLIGHT_PER_REALM = 10;
/** Longer than any single QuickBooks call should take: a holder that died frees its slot after this. */
const IN_FLIGHT_LEASE_MS = 120_000;
/** When every in-flight slot is taken, try again about this much later (jittered). */
const SLOT_RETRY_MS = 500;
/** A vendor 429 without a usable Retry-After waits this long (jittered); QuickBooks publishes none. */
const DEFAULT_THROTTLE_WAIT_MS = 5_000;

export type VendorTarget =
  | { provider: "QUICKBOOKS"; account: string }
  | { provider: "SHOPIFY"; account: string; cost: number }
  | { provider: "SQUARE"; account: string };

export async function callVendor<T>(db: Db, target: VendorTarget, call: () => Promise<T>): Promise<T> {
  const label = providerLabel(target.provider);
  if (target.provider !== "SQUARE") {
    const cost = target.provider === "SHOPIFY" ? target.cost : 1;
    const budget = await takeBudget(db, { provider: target.provider, account: target.account, cost, shape: DEFAULT_BUCKETS[target.provider] });
    if (!budget.granted) countBudgetWait(target.provider);
    if (!budget.granted) throw new RateLimitedError(`${label}'s request budget for ${target.account} is used up for now`, budget.retryAfterMs, target.provider);
  }
  const lease =
    target.provider === "QUICKBOOKS" ? await tryAcquireLease(db, `quickbooks-in-flight:${target.account}`, { limit: QUICKBOOKS_IN_FLIGHT_PER_REALM, ttlMs: IN_FLIGHT_LEASE_MS }) : undefined;
  if (lease === null) countBudgetWait(target.provider);
  if (lease === null) throw new RateLimitedError(`${label} already has ${QUICKBOOKS_IN_FLIGHT_PER_REALM} requests in flight for ${target.account}`, jitter(SLOT_RETRY_MS), target.provider);
  try {
    const result = await call();
    countVendorCall(target.provider, "ok");
    return result;
  } catch (error) {
    const throttled = throttleWaitMs(error);
    countVendorCall(target.provider, throttled === null ? "error" : "rate_limited");
    if (throttled !== null) throw new RateLimitedError(`${label} answered 429 (too many requests)`, throttled, target.provider);
    throw error;
  } finally {
    await lease?.release();
  }
}

/** Square processes one catalog write per seller at a time (concurrent ones get 429): writes take turns. */
export async function withSquareCatalogWrite<T>(db: Db, merchantId: string, write: () => Promise<T>): Promise<T> {
  const lease = await tryAcquireLease(db, `square-catalog-write:${merchantId}`, { limit: 1, ttlMs: IN_FLIGHT_LEASE_MS });
  if (!lease) countBudgetWait("SQUARE");
  if (!lease) throw new RateLimitedError("Another catalog write for this Square seller is in progress", jitter(SLOT_RETRY_MS), "SQUARE");
  try {
    return await callVendor(db, { provider: "SQUARE", account: merchantId }, write);
  } finally {
    await lease.release();
  }
}

/** How long a vendor's 429 asks to wait, or null when the error is not a 429. Knows the three SDKs' shapes. */
export function throttleWaitMs(error: unknown): number | null {
  const candidate = error as { statusCode?: number; status?: number; code?: string | number; rawResponse?: { headers?: Headers }; response?: { status?: number; headers?: Headers } };
  const status = candidate.statusCode ?? candidate.status ?? candidate.response?.status ?? (String(candidate.code) === "429" ? 429 : undefined);
  if (status !== 429) return null;
  const retryAfter = candidate.rawResponse?.headers?.get?.("retry-after") ?? candidate.response?.headers?.get?.("retry-after");
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 600) * 1000;
  if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) return Math.max(0, Math.min(Date.parse(retryAfter) - Date.now(), 600_000));
  return jitter(DEFAULT_THROTTLE_WAIT_MS);
}

/** ±25 %, so workers that were refused together do not come back together. */
function jitter(ms: number): number {
  return Math.round(ms * (0.75 + Math.random() * 0.5));
}

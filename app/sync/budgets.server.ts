import type { Prisma, PrismaClient } from "~/db.server";
import type { Provider } from "~/generated/prisma/enums";

/**
 * Vendor request budgets shared by every worker process, as token buckets in the VendorBudget table. Taking
 * from a bucket is one UPDATE under the row's lock, computed with the database's clock, so any number of
 * processes on any number of machines agree. Work that finds the bucket empty is told how long to wait.
 *
 *  - QuickBooks: 500 requests per minute per realm, counted by Intuit over any 60 seconds. A bucket of 25 refilled
 *    at 475 a minute can never let more than 500 through in any 60 seconds (25 + 475), so QuickBooks never answers
 *    429 for our pace; steadily it runs at 95% of the ceiling. A bigger burst would cost steady pace one for one,
 *    and ten calls in flight per realm already keep the pipe full.
 *  - Shopify: the GraphQL query-cost bucket per shop. Each response's `throttleStatus` is the truth and
 *    replaces the local estimate (recordShopifyThrottleStatus); the defaults are the Standard plan's.
 *  - Square publishes no numbers: it is not metered here; its 429s make the job wait (rate-limit errors).
 */

type Db = PrismaClient | Prisma.TransactionClient;

export interface BucketShape {
  capacity: number;
  refillPerSecond: number;
}

export const DEFAULT_BUCKETS: Record<"QUICKBOOKS" | "SHOPIFY", BucketShape> = {
  QUICKBOOKS: { capacity: 25, refillPerSecond: 475 / 60 },
  SHOPIFY: { capacity: 2_000, refillPerSecond: 100 },
};

export type BudgetDecision = { granted: true; remaining: number } | { granted: false; retryAfterMs: number };

/** Takes `cost` tokens if the bucket has them; otherwise takes nothing and says when it will have them. */
export async function takeBudget(db: Db, input: { provider: Provider; account: string; cost: number; shape: BucketShape }): Promise<BudgetDecision> {
  const { provider, account, cost, shape } = input;
  if (cost > shape.capacity) throw new RangeError(`A cost of ${cost} can never fit a bucket of ${shape.capacity}`);
  // FOR UPDATE in the CTE makes a concurrent taker wait and then see this one's result.
  const take = () =>
    db.$queryRaw<{ available: number; refill: number }[]>`
    WITH refilled AS (
      SELECT LEAST(capacity, tokens + EXTRACT(EPOCH FROM clock_timestamp() - "updatedAt")::float8 * "refillPerSecond") AS available,
             "refillPerSecond" AS refill
      FROM "VendorBudget" WHERE provider = ${provider}::"Provider" AND account = ${account}
      FOR UPDATE
    )
    UPDATE "VendorBudget" b
    SET tokens = r.available - CASE WHEN r.available >= ${cost} THEN ${cost}::float8 ELSE 0 END, "updatedAt" = clock_timestamp()
    FROM refilled r
    WHERE b.provider = ${provider}::"Provider" AND b.account = ${account}
    RETURNING r.available AS available, r.refill AS refill`;
  let rows = await take();
  if (rows.length === 0) {
    // The account's first call: create its full bucket (once, whoever wins the race), then take from it.
    await db.$executeRaw`
      INSERT INTO "VendorBudget" (provider, account, tokens, capacity, "refillPerSecond", "updatedAt")
      VALUES (${provider}::"Provider", ${account}, ${shape.capacity}, ${shape.capacity}, ${shape.refillPerSecond}, clock_timestamp())
      ON CONFLICT (provider, account) DO NOTHING`;
    rows = await take();
  }
  const row = rows[0];
  if (!row) throw new Error(`The ${provider} budget of ${account} could not be read`);
  if (row.available >= cost) return { granted: true, remaining: row.available - cost };
  return { granted: false, retryAfterMs: Math.ceil(((cost - row.available) / row.refill) * 1000) };
}

/**
 * Shopify tells, with every GraphQL response, how much of the shop's bucket is left and how fast it refills:
 * that replaces whatever the bucket held, so the shared budget follows Shopify's own count.
 */
export async function recordShopifyThrottleStatus(
  db: Db,
  shop: string,
  status: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number },
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "VendorBudget" (provider, account, tokens, capacity, "refillPerSecond", "updatedAt")
    VALUES ('SHOPIFY'::"Provider", ${shop}, ${status.currentlyAvailable}, ${status.maximumAvailable}, ${status.restoreRate}, clock_timestamp())
    ON CONFLICT (provider, account) DO UPDATE SET tokens = EXCLUDED.tokens, capacity = EXCLUDED.capacity,
      "refillPerSecond" = EXCLUDED."refillPerSecond", "updatedAt" = EXCLUDED."updatedAt"`;
}

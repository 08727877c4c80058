import { randomInt, randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "~/db.server";

/**
 * Limited concurrency shared by every worker process: `limit` numbered slots per key in the Lease table. Taking
 * a slot is one statement (the first slot that is free or whose holder's lease expired); a holder that dies
 * loses its slot when the lease expires, so nothing stays blocked for good.
 */

type Db = PrismaClient | Prisma.TransactionClient;

export interface Lease {
  key: string;
  slot: number;
  holder: string;
  /** Extends the lease by its ttl from now; false if it was lost (expired and taken by another). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export async function tryAcquireLease(db: Db, key: string, options: { limit: number; ttlMs: number }): Promise<Lease | null> {
  const holder = randomUUID();
  // Two takers can race for the same free slot: the loser's upsert finds it held and gets no row. Each round
  // starts at a random slot, so racers rarely pick the same one, and a taker gives up only once all are held.
  for (let attempt = 0; attempt < options.limit + 2; attempt += 1) {
    const start = randomInt(options.limit);
    const rows = await db.$queryRaw<{ slot: number }[]>`
      INSERT INTO "Lease" (key, slot, holder, "expiresAt")
      SELECT ${key}, s, ${holder}, clock_timestamp() + make_interval(secs => ${options.ttlMs / 1000})
      FROM generate_series(0, ${options.limit - 1}::int) AS s
      WHERE NOT EXISTS (SELECT 1 FROM "Lease" l WHERE l.key = ${key} AND l.slot = s AND l."expiresAt" > clock_timestamp())
      ORDER BY (s + ${start}::int) % ${options.limit}::int
      LIMIT 1
      ON CONFLICT (key, slot) DO UPDATE SET holder = EXCLUDED.holder, "expiresAt" = EXCLUDED."expiresAt"
        WHERE "Lease"."expiresAt" <= clock_timestamp()
      RETURNING slot`;
    const slot = rows[0]?.slot;
    if (slot !== undefined) {
      return {
        key,
        slot,
        holder,
        renew: async () => {
          const renewed = await db.$executeRaw`
            UPDATE "Lease" SET "expiresAt" = clock_timestamp() + make_interval(secs => ${options.ttlMs / 1000})
            WHERE key = ${key} AND slot = ${slot} AND holder = ${holder}`;
          return renewed > 0;
        },
        release: async () => {
          await db.lease.deleteMany({ where: { key, slot, holder } });
        },
      };
    }
    const free = await db.$queryRaw<{ free: number }[]>`
      SELECT ${options.limit}::int - count(*)::int AS free FROM "Lease" WHERE key = ${key} AND "expiresAt" > clock_timestamp()`;
    if ((free[0]?.free ?? 0) <= 0) return null;
  }
  return null;
}

/**
 * Runs `work` holding a slot; null (and `work` not run) when every slot is taken. The lease is renewed while
 * `work` runs, so the ttl only needs to cover a holder that died: its slot frees that long after its last renewal.
 */
export async function withLease<T>(db: Db, key: string, options: { limit: number; ttlMs: number }, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const lease = await tryAcquireLease(db, key, options);
  if (!lease) return { ran: false };
  const renewal = setInterval(() => void lease.renew().catch(() => {}), Math.max(1_000, options.ttlMs / 3));
  try {
    return { ran: true, value: await work() };
  } finally {
    clearInterval(renewal);
    await lease.release();
  }
}

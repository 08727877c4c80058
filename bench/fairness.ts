/**
 * Fairness: one tenant's huge backlog (a historical import) must not delay other tenants' fresh work.
 *
 * One tenant sends BACKLOG jobs at once (backfill priority); then, while those run, SMALL_TENANTS other tenants
 * each send FRESH jobs, one every FRESH_INTERVAL_MS (realtime priority, as webhooks do). Every job "calls a
 * vendor" for WORK_MS. Printed: how long the fresh jobs waited (sent until done; p50, p95, max) with
 * Tillbridge's scheduling (a pg-boss group per tenant limited to `tenantConcurrency` running jobs across all
 * workers, and priorities), and with plain first-in-first-out in the same run (same workers, no groups, one
 * priority). Also the backlog's throughput in both, which fairness should not cost much.
 *
 *   npm run bench -- fairness                  (PGlite)
 *   DATABASE_URL=postgres://... npm run bench -- fairness
 */
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Database } from "~/db.server";
import { applyMigrations } from "~/db/migrations.server";
import { startJobQueue } from "~/jobs/queue.server";
import { defineJob, JobPriority, type JobDefinition } from "~/jobs/registry";
import { logger } from "~/observability/logger.server";
import { openBenchDatabase } from "./support/database";

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const SMALL_TENANTS = Number(process.env.BENCH_SMALL_TENANTS ?? 20);
const FRESH = Number(process.env.BENCH_FRESH_PER_TENANT ?? 10);
const FRESH_INTERVAL_MS = Number(process.env.BENCH_FRESH_INTERVAL_MS ?? 200);
const WORK_MS = Number(process.env.BENCH_WORK_MS ?? 10);
// Half of one process's 40 job slots (4 fetch loops of 10): a tenant can never take them all.
const TENANT_CONCURRENCY = Number(process.env.BENCH_TENANT_CONCURRENCY ?? 20);

logger.level = "warn";

const payload = z.object({ tenantId: z.string(), sentAt: z.number(), fresh: z.boolean() }).strict();

interface Outcome {
  freshLatenciesMs: number[];
  backlogPerSecond: number;
}

async function runScenario(database: Database, fair: boolean): Promise<Outcome> {
  const freshLatenciesMs: number[] = [];
  let backlogDone = 0;
  const job: JobDefinition = defineJob({
    name: fair ? "bench.fair" : "bench.fifo",
    payload,
    policy: { batchSize: 10, localConcurrency: 4, tenantConcurrency: TENANT_CONCURRENCY, retryLimit: 0 },
    ...(fair && { tenantOf: (data: z.output<typeof payload>) => data.tenantId }),
    async handle(data) {
      await sleep(WORK_MS);
      if (data.fresh) freshLatenciesMs.push(Date.now() - data.sentAt);
      else backlogDone += 1;
    },
  });
  const queue = await startJobQueue(database, { definitions: [job], runWorkers: false });
  const bigTenant = "00000000-0000-4000-8000-000000000000";
  for (let sent = 0; sent < BACKLOG; sent += 500) {
    const batch = Array.from({ length: Math.min(500, BACKLOG - sent) }, () => ({ tenantId: bigTenant, sentAt: Date.now(), fresh: false }));
    await queue.sendMany(job, batch, fair ? { priority: JobPriority.backfill } : {});
  }
  const workers = await startJobQueue(database, { definitions: [job], runWorkers: true });
  const started = performance.now();
  await sleep(1_000);
  for (let round = 0; round < FRESH; round += 1) {
    for (let tenant = 1; tenant <= SMALL_TENANTS; tenant += 1) {
      const tenantId = `00000000-0000-4000-8000-${String(tenant).padStart(12, "0")}`;
      await queue.send(job, { tenantId, sentAt: Date.now(), fresh: true }, fair ? { priority: JobPriority.realtime } : {});
    }
    await sleep(FRESH_INTERVAL_MS);
  }
  const deadline = Date.now() + 10 * 60_000;
  while ((freshLatenciesMs.length < SMALL_TENANTS * FRESH || backlogDone < BACKLOG) && Date.now() < deadline) await sleep(50);
  const seconds = (performance.now() - started) / 1000;
  await workers.stop({ timeoutMs: 5_000 });
  await queue.stop({ timeoutMs: 5_000 });
  return { freshLatenciesMs, backlogPerSecond: backlogDone / seconds };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const ms = (value: number) => `${Math.round(value).toLocaleString("en-US")} ms`;

const { database, label, dispose } = await openBenchDatabase();
try {
  await applyMigrations(database.migrationTarget, { migrationsDir: path.resolve("prisma/migrations") });
  console.log(`bench/fairness on ${label}; ${os.cpus().length} cores, Node ${process.version}`);
  console.log(
    `backlog ${BACKLOG} jobs from one tenant; ${SMALL_TENANTS} other tenants send ${FRESH} fresh jobs each, every ${FRESH_INTERVAL_MS} ms; ${WORK_MS} ms of work per job; 4 fetch loops of 10`,
  );
  const fair = await runScenario(database, true);
  const fifo = await runScenario(database, false);
  for (const [name, outcome] of [
    [`tillbridge (tenant groups of ${TENANT_CONCURRENCY}, priorities)`, fair],
    ["baseline (first in, first out)          ", fifo],
  ] as const) {
    const latencies = outcome.freshLatenciesMs;
    console.log(
      `${name}  fresh jobs waited p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(Math.max(...latencies))} (${latencies.length} jobs); backlog ${Math.round(outcome.backlogPerSecond)} jobs/s`,
    );
  }
  console.log(`ratio baseline/tillbridge, fresh p95 wait   ${(percentile(fifo.freshLatenciesMs, 95) / percentile(fair.freshLatenciesMs, 95)).toFixed(1)}x`);
  console.log(`ratio tillbridge/baseline, backlog rate    ${(fair.backlogPerSecond / fifo.backlogPerSecond).toFixed(2)}`);
} finally {
  await database.close();
  await dispose();
}

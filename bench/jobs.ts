/**
 * Job engine throughput on the configured database: PostgreSQL when DATABASE_URL is set (a scratch database
 * is created on that server and dropped afterwards), otherwise an embedded PGlite in a temporary directory.
 *
 * Prints: send() rate one at a time, bulk insert rate, no-op processing rate with the production fetch
 * settings, and the same processing with one job per fetch (the naive baseline) measured in the same run.
 *
 *   npm run bench -- jobs                       (PGlite)
 *   DATABASE_URL=postgres://... npm run bench -- jobs
 */
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Database } from "~/db.server";
import { applyMigrations } from "~/db/migrations.server";
import { noopJob } from "~/jobs/definitions.server";
import { startJobQueue } from "~/jobs/queue.server";
import { defineJob, type JobDefinition } from "~/jobs/registry";
import { logger } from "~/observability/logger.server";
import { openBenchDatabase } from "./support/database";

const SEND_COUNT = Number(process.env.BENCH_SEND_COUNT ?? 2_000);
const BULK_COUNT = Number(process.env.BENCH_BULK_COUNT ?? 20_000);
const PROCESS_COUNT = Number(process.env.BENCH_PROCESS_COUNT ?? 20_000);
const BASELINE_COUNT = Number(process.env.BENCH_BASELINE_COUNT ?? 200);

logger.level = "warn";

async function completedCount(database: Database, name: string): Promise<number> {
  const rows = await database.prisma.$queryRawUnsafe<{ count: bigint }[]>(
    `SELECT count(*) AS count FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
    name,
  );
  return Number(rows[0]?.count ?? 0);
}

async function measureProcessing(database: Database, job: JobDefinition, count: number): Promise<number> {
  const producer = await startJobQueue(database, { definitions: [job], runWorkers: false });
  for (let sent = 0; sent < count; sent += 1_000) {
    await producer.sendMany(job, Array.from({ length: Math.min(1_000, count - sent) }, () => ({})));
  }
  const started = performance.now();
  const workers = await startJobQueue(database, { definitions: [job], runWorkers: true });
  while ((await completedCount(database, job.name)) < count) await new Promise((resolve) => setTimeout(resolve, 25));
  const seconds = (performance.now() - started) / 1000;
  await workers.stop({ timeoutMs: 5_000 });
  await producer.stop({ timeoutMs: 5_000 });
  return count / seconds;
}

const rate = (value: number) => `${Math.round(value).toLocaleString("en-US")} jobs/s`;

const { database, label, dispose } = await openBenchDatabase();
try {
  await applyMigrations(database.migrationTarget, { migrationsDir: path.resolve("prisma/migrations") });
  console.log(`bench/jobs on ${label}; ${os.cpus().length} cores, Node ${process.version}`);

  const sendJob = defineJob({ name: "bench.send", payload: z.object({ n: z.number() }), async handle() {} });
  const queue = await startJobQueue(database, { definitions: [sendJob], runWorkers: false });
  let started = performance.now();
  for (let n = 0; n < SEND_COUNT; n++) await queue.send(sendJob, { n });
  const sendRate = SEND_COUNT / ((performance.now() - started) / 1000);

  started = performance.now();
  for (let sent = 0; sent < BULK_COUNT; sent += 500) {
    await queue.sendMany(sendJob, Array.from({ length: 500 }, (_, index) => ({ n: sent + index })));
  }
  const bulkRate = BULK_COUNT / ((performance.now() - started) / 1000);
  await queue.stop({ timeoutMs: 5_000 });

  const batched = await measureProcessing(database, noopJob, PROCESS_COUNT);
  const oneByOne = defineJob({
    name: "bench.noop-one-per-fetch",
    payload: noopJob.payload,
    policy: { batchSize: 1, localConcurrency: 10, retryLimit: 0 },
    handle: noopJob.handle,
  });
  const baseline = await measureProcessing(database, oneByOne, BASELINE_COUNT);

  const { batchSize, localConcurrency } = noopJob.policy;
  console.log(`send() one at a time        ${rate(sendRate)}  (${SEND_COUNT} jobs)`);
  console.log(`sendMany() 500 per insert   ${rate(bulkRate)}  (${BULK_COUNT} jobs)`);
  console.log(`no-op processing            ${rate(batched)}  (${PROCESS_COUNT} jobs; batchSize ${batchSize}, localConcurrency ${localConcurrency}, burst on full batch)`);
  console.log(`baseline, one job per fetch ${rate(baseline)}  (${BASELINE_COUNT} jobs; batchSize 1, localConcurrency 10)`);
  console.log(`ratio processing/baseline   ${(batched / baseline).toFixed(1)}x`);
} finally {
  await database.close();
  await dispose();
}

/**
 * How fast the webhook routes answer: verify, store the event and its processing job in one transaction, reply.
 * Vendors give up after 5 s (Shopify), 10 s (Square) and 3 s (Intuit); the figures printed are the answer times
 * of the real route actions (Request in, Response out, in this process, with the job workers running), as
 * percentiles and as the share of each vendor's window the slowest answer used. The baseline, measured in the
 * same run, is the same deliveries stored one transaction per event without the job (the least a durable inbox
 * must do), so the ratio shows what the processing job and the checks cost.
 *
 *   npm run bench -- webhooks                  (PGlite)
 *   DATABASE_URL=postgres://... npm run bench -- webhooks
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN } from "../sandbox/intuit/credentials";
import { signWebhookBody } from "../sandbox/intuit/webhooks";
import { createScratchDatabase } from "./support/database";
import { SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY } from "../sandbox/square/credentials";
import { squareSignature } from "../sandbox/square/webhooks";

const SQUARE_DELIVERIES = Number(process.env.BENCH_SQUARE_DELIVERIES ?? 500);
const QUICKBOOKS_BATCHES = Number(process.env.BENCH_QUICKBOOKS_BATCHES ?? 50);
const QUICKBOOKS_BATCH_SIZE = Number(process.env.BENCH_QUICKBOOKS_BATCH_SIZE ?? 20);
const APP_URL = "http://localhost:3000";

// The runtime reads its configuration on start: an embedded database of its own (or the given PostgreSQL), and
// sandboxes said to run elsewhere so none starts here.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-bench-webhooks-"));
process.env.TILLBRIDGE_DATA_DIR = dataDir;
process.env.APP_URL = APP_URL;
process.env.SANDBOX_URL = "http://localhost:9";
process.env.LOG_LEVEL = "warn";
process.env.RUN_WORKERS_IN_WEB = "true";
process.env.MIGRATE_ON_START = "true";
// On PostgreSQL, a scratch database created here and dropped at the end.
let dropScratch = async () => {};
if (process.env.DATABASE_URL) {
  const scratch = await createScratchDatabase(process.env.DATABASE_URL);
  process.env.DATABASE_URL = scratch.url;
  dropScratch = scratch.drop;
  process.env.ENCRYPTION_KEYS ??= `k1:${Buffer.alloc(32, 7).toString("base64")}`;
}

const { startRuntime, stopRuntime } = await import("~/runtime.server");
const { db } = await import("~/db.server");
const squareRoute = await import("~/routes/webhooks.square");
const quickBooksRoute = await import("~/routes/webhooks.quickbooks");

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function squareDelivery(): Request {
  const body = JSON.stringify({ merchant_id: "MLBENCH00001", type: "inventory.count.updated", event_id: randomUUID(), created_at: new Date().toISOString(), data: { type: "inventory", id: randomUUID(), object: {} } });
  return new Request(`${APP_URL}/webhooks/square`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", "x-square-hmacsha256-signature": squareSignature(SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY, `${APP_URL}/webhooks/square`, body) },
  });
}

function quickBooksDelivery(size: number): Request {
  const events = Array.from({ length: size }, () => ({
    specversion: "1.0",
    id: randomUUID(),
    source: "intuit.bench",
    type: "qbo.item.updated.v1",
    datacontenttype: "application/json",
    time: new Date().toISOString(),
    intuitentityid: "42",
    intuitaccountid: "9130000000000777",
    data: {},
  }));
  const body = JSON.stringify(events);
  return new Request(`${APP_URL}/webhooks/quickbooks`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", "intuit-signature": signWebhookBody(body, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN) },
  });
}

const line = (label: string, samples: number[], windowMs: number) =>
  `${label.padEnd(44)} p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms = ${((Math.max(...samples) / windowMs) * 100).toFixed(2)}% of the ${windowMs / 1000} s window`;

const runtime = await startRuntime(["web"]);
try {
  const tenant = await db().tenant.create({ data: { name: "Bench Co", origin: "SQUARE" } });
  await db().connection.create({ data: { tenantId: tenant.id, provider: "SQUARE", externalId: "MLBENCH00001" } });
  await db().connection.create({ data: { tenantId: tenant.id, provider: "QUICKBOOKS", externalId: "9130000000000777" } });
  console.log(`bench/webhooks on ${runtime.database.kind}; ${os.cpus().length} cores, Node ${process.version}`);

  // Warm up the code paths once.
  await squareRoute.action({ request: squareDelivery(), params: {}, context: {} });

  const square: number[] = [];
  for (let n = 0; n < SQUARE_DELIVERIES; n += 1) {
    square.push(await timed(async () => {
      const response = (await squareRoute.action({ request: squareDelivery(), params: {}, context: {} })) as Response;
      if (response.status !== 200) throw new Error(`Square route answered ${response.status}`);
    }));
  }
  const quickBooks: number[] = [];
  for (let n = 0; n < QUICKBOOKS_BATCHES; n += 1) {
    quickBooks.push(await timed(async () => {
      const response = (await quickBooksRoute.action({ request: quickBooksDelivery(QUICKBOOKS_BATCH_SIZE), params: {}, context: {} })) as Response;
      if (response.status !== 200) throw new Error(`QuickBooks route answered ${response.status}`);
    }));
  }
  const fullBatch = await timed(() => quickBooksRoute.action({ request: quickBooksDelivery(1000), params: {}, context: {} }));

  // Baseline: the bare minimum of a durable inbox, one insert per event in its own transaction, no job.
  const baseline: number[] = [];
  for (let n = 0; n < SQUARE_DELIVERIES; n += 1) {
    baseline.push(await timed(() => db().webhookEvent.create({ data: { provider: "SQUARE", externalEventId: randomUUID(), topic: "inventory.count.updated", accountRef: "MLBENCH00001", tenantId: tenant.id, payload: {} } })));
  }

  console.log(line(`Square, ${SQUARE_DELIVERIES} deliveries of one event`, square, 10_000));
  console.log(line(`QuickBooks, ${QUICKBOOKS_BATCHES} deliveries of ${QUICKBOOKS_BATCH_SIZE} events`, quickBooks, 3_000));
  console.log(`QuickBooks, one delivery of 1,000 events (the cap)  ${fullBatch.toFixed(1)} ms = ${((fullBatch / 3_000) * 100).toFixed(1)}% of the 3 s window`);
  console.log(line("baseline: bare insert per event, no job", baseline, 10_000));
  console.log(`ratio Square route p50 / baseline p50          ${(percentile(square, 50) / percentile(baseline, 50)).toFixed(1)}x`);
} finally {
  await stopRuntime();
  await dropScratch();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

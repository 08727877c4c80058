/**
 * The webhook inbox under load, over HTTP, as the vendors reach it: signed Shopify and Square deliveries at a
 * concurrency of 50 against the production build (`node build/main.js web`) on PostgreSQL. A worker process
 * (`node build/main.js worker`) then processes what was stored; it starts after the intake is measured because
 * on a two-core machine it would otherwise take its CPU from the web process, which production keeps apart.
 *
 * Prints accepted deliveries per second, p50/p99 answer times, whether anything was lost (the inbox holds exactly
 * one row per delivery sent, and every one of them gets processed), and the baseline measured in the same run:
 * the same payloads stored with plain INSERTs through `pg` at the same concurrency and pool size, which is what
 * the database itself allows; the ratio shows how close the inbox comes to it. Ends with QuickBooks' largest
 * batch (1,000 CloudEvents in one delivery) against Intuit's 3 s window.
 *
 *   npm run build && npm run bench -- webhooks
 *   DATABASE_URL=postgresql://user@host:5432/db BENCH_DELIVERIES=20000 npm run bench -- webhooks
 *
 * DATABASE_URL names the server (a scratch database is created on it and dropped afterwards); without it the
 * local PostgreSQL service is used. The build must exist (npm run build); BENCH_BUILD=1 builds it first.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import pg from "pg";
import { SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN } from "../sandbox/intuit/credentials";
import { signWebhookBody } from "../sandbox/intuit/webhooks";
import { SANDBOX_SHOPIFY_API_SECRET } from "../sandbox/shopify/credentials";
import { SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY } from "../sandbox/square/credentials";
import { squareSignature } from "../sandbox/square/webhooks";
import { freePorts } from "../tests/support/ports";
import { createScratchDatabase } from "./support/database";

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 12_000);
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 10);
// One web process per core, as the README advises for production (WEB_CONCURRENCY).
const WEB_PROCESSES = Number(process.env.BENCH_WEB_PROCESSES ?? os.cpus().length);
const SHOPS = 20;
const SELLERS = 20;
const serverUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

interface Delivery {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** For the plain-INSERT baseline: what the inbox stores of it. */
  row: { provider: string; eventId: string; topic: string; accountRef: string };
}

function shopifyDelivery(n: number): Delivery {
  const shop = `bench-shop-${n % SHOPS}.myshopify.com`;
  const body = JSON.stringify({ inventory_item_id: 49_000_000_000_000 + n, location_id: 24_826_418, available: n % 40, updated_at: new Date().toISOString(), admin_graphql_api_id: `gid://shopify/InventoryLevel/24826418?inventory_item_id=${n}` });
  const eventId = randomUUID();
  return {
    path: "/webhooks/shopify/events",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": "inventory_levels/update",
      "X-Shopify-Hmac-Sha256": createHmac("sha256", SANDBOX_SHOPIFY_API_SECRET).update(body).digest("base64"),
      "X-Shopify-Shop-Domain": shop,
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
    row: { provider: "SHOPIFY", eventId: `event:${eventId}:INVENTORY_LEVELS_UPDATE`, topic: "INVENTORY_LEVELS_UPDATE", accountRef: shop },
  };
}

function squareDelivery(n: number, appUrl: string): Delivery {
  const merchantId = `MLBENCH${String(n % SELLERS).padStart(5, "0")}`;
  const eventId = randomUUID();
  const body = JSON.stringify({
    merchant_id: merchantId,
    type: "inventory.count.updated",
    event_id: eventId,
    created_at: new Date().toISOString(),
    data: { type: "inventory_counts", id: randomUUID(), object: { inventory_counts: [{ catalog_object_id: `VAR${n}`, catalog_object_type: "ITEM_VARIATION", state: "IN_STOCK", location_id: "LBENCH", quantity: String(n % 40), calculated_at: new Date().toISOString() }] } },
  });
  return {
    path: "/webhooks/square",
    body,
    headers: { "Content-Type": "application/json", "x-square-hmacsha256-signature": squareSignature(SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY, `${appUrl}/webhooks/square`, body) },
    row: { provider: "SQUARE", eventId, topic: "inventory.count.updated", accountRef: merchantId },
  };
}

function quickBooksBatch(size: number): Delivery {
  const events = Array.from({ length: size }, (_, n) => ({
    specversion: "1.0",
    id: randomUUID(),
    source: "intuit.bench",
    type: "qbo.item.updated.v1",
    datacontenttype: "application/json",
    time: new Date().toISOString(),
    intuitentityid: String(n + 1),
    intuitaccountid: "9130000000000777",
    data: {},
  }));
  const body = JSON.stringify(events);
  return {
    path: "/webhooks/quickbooks",
    body,
    headers: { "Content-Type": "application/json", "intuit-signature": signWebhookBody(body, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN) },
    row: { provider: "QUICKBOOKS", eventId: "", topic: "", accountRef: "" },
  };
}

/** Half Shopify, half Square, interleaved. */
function deliveries(count: number, offset: number, appUrl: string): Delivery[] {
  return Array.from({ length: count }, (_, index) => ((index + offset) % 2 === 0 ? shopifyDelivery(index + offset) : squareDelivery(index + offset, appUrl)));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Runs `work` over `items` with `concurrency` in flight; returns the elapsed milliseconds. */
async function withConcurrency<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
  return performance.now() - started;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(baseUrl: URL, delivery: Delivery): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: baseUrl.hostname, port: baseUrl.port, path: delivery.path, method: "POST", headers: { ...delivery.headers, "Content-Length": Buffer.byteLength(delivery.body) } },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    request.on("error", reject);
    request.end(delivery.body);
  });
}

/** CPU seconds (user + system) a process and its children have used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  const statOf = (id: string) => {
    try {
      return fs.readFileSync(`/proc/${id}/stat`, "utf8").split(") ")[1]!.split(" ");
    } catch {
      return null;
    }
  };
  const own = statOf(String(pid ?? process.pid));
  if (!own) return NaN;
  let total = (Number(own[11]) + Number(own[12])) / 100;
  if (pid !== undefined) {
    for (const id of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
      const fields = statOf(id);
      if (fields && Number(fields[1]) === pid) total += (Number(fields[11]) + Number(fields[12])) / 100;
    }
  }
  return total;
}

function startProcess(role: "web" | "worker", env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = "";
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of each process there (open it in Chrome's DevTools).
  const profile = [...(process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), ...(process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...profile, "build/main.js", role], { env: { ...process.env, ...env, NODE_ENV: "production" }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function waitUntilReady(baseUrl: URL, web: { child: ChildProcess; output: () => string }): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (web.child.exitCode !== null) throw new Error(`the web process exited:\n${web.output()}`);
    if (await fetch(new URL("/readyz", baseUrl)).then((response) => response.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the web process was not ready in time:\n${web.output()}`);
}

if (process.env.BENCH_BUILD === "1" || !fs.existsSync("build/main.js")) {
  console.log("building the production server (npm run build) ...");
  const built = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const scratch = await createScratchDatabase(serverUrl);
const port = await freePorts();
const appUrl = `http://localhost:${port}`;
const baseUrl = new URL(`http://127.0.0.1:${port}`);
const processEnv = {
  DATABASE_URL: scratch.url,
  DATABASE_POOL_SIZE: String(POOL_SIZE),
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
  APP_URL: appUrl,
  PORT: String(port),
  // Sandbox credentials (the defaults) and a sandbox said to run elsewhere: nothing here calls a vendor.
  SANDBOX_URL: "http://localhost:9",
  LOG_LEVEL: "warn",
};
const children: ChildProcess[] = [];
const database = new pg.Pool({ connectionString: scratch.url, max: POOL_SIZE });
// Dropping the scratch database at the end terminates whatever is still connected; that is expected.
database.on("error", () => {});

try {
  const web = startProcess("web", { ...processEnv, MIGRATE_ON_START: "true", WEB_CONCURRENCY: String(WEB_PROCESSES) });
  children.push(web.child);
  await waitUntilReady(baseUrl, web);

  // Tenants the deliveries route to: shops by domain, sellers by merchant id, one realm.
  for (let n = 0; n < Math.max(SHOPS, SELLERS); n += 1) {
    const tenant = await database.query<{ id: string }>(`INSERT INTO "Tenant" (id, name, origin, "updatedAt") VALUES (gen_random_uuid(), $1, 'SHOPIFY', now()) RETURNING id`, [`Bench tenant ${n}`]);
    const tenantId = tenant.rows[0]!.id;
    await database.query(`INSERT INTO "Connection" (id, "tenantId", provider, "externalId", "updatedAt") VALUES (gen_random_uuid(), $1, 'SHOPIFY', $2, now())`, [tenantId, `bench-shop-${n}.myshopify.com`]);
    await database.query(`INSERT INTO "Connection" (id, "tenantId", provider, "externalId", "updatedAt") VALUES (gen_random_uuid(), $1, 'SQUARE', $2, now())`, [tenantId, `MLBENCH${String(n).padStart(5, "0")}`]);
    if (n === 0) await database.query(`INSERT INTO "Connection" (id, "tenantId", provider, "externalId", "updatedAt") VALUES (gen_random_uuid(), $1, 'QUICKBOOKS', '9130000000000777', now())`, [tenantId]);
  }

  const warmUp = deliveries(WARM_UP, 0, appUrl);
  const measured = deliveries(DELIVERIES, WARM_UP, appUrl);
  console.log(`bench/webhooks: ${DELIVERIES.toLocaleString("en-US")} signed deliveries (half Shopify inventory_levels/update, half Square inventory.count.updated) at concurrency ${CONCURRENCY}`);
  console.log(`  PostgreSQL ${scratch.version}, pool ${POOL_SIZE} per process; production build, ${WEB_PROCESSES} web process(es) (WEB_CONCURRENCY), then 1 worker; ${os.cpus().length} cores, Node ${process.version}`);

  const refused: string[] = [];
  const check = (delivery: Delivery, status: number) => {
    if (status !== 200 && refused.length < 5) refused.push(`${delivery.path} answered ${status}`);
  };
  await withConcurrency(warmUp, CONCURRENCY, async (delivery) => check(delivery, (await post(baseUrl, delivery)).status));

  const latencies: number[] = [];
  let accepted = 0;
  const cpuBefore = { web: cpuSeconds(web.child.pid), bench: cpuSeconds(undefined) };
  const elapsed = await withConcurrency(measured, CONCURRENCY, async (delivery) => {
    const { status, ms } = await post(baseUrl, delivery);
    check(delivery, status);
    if (status === 200) accepted += 1;
    latencies.push(ms);
  });
  const cpuUsed = { web: cpuSeconds(web.child.pid) - cpuBefore.web, bench: cpuSeconds(undefined) - cpuBefore.bench };
  latencies.sort((a, b) => a - b);
  const sent = WARM_UP + DELIVERIES;
  const stored = Number((await database.query<{ count: string }>(`SELECT count(*) FROM "WebhookEvent"`)).rows[0]!.count);
  const acceptedPerSecond = accepted / (elapsed / 1000);

  // Every stored event gets processed by the worker (RECEIVED → PROCESSED or DROPPED): none left behind.
  const worker = startProcess("worker", processEnv);
  children.push(worker.child);
  const drainStarted = performance.now();
  let waiting = Infinity;
  while (waiting > 0 && performance.now() - drainStarted < 300_000) {
    waiting = Number((await database.query<{ count: string }>(`SELECT count(*) FROM "WebhookEvent" WHERE status = 'RECEIVED'`)).rows[0]!.count);
    if (waiting > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const drainSeconds = (performance.now() - drainStarted) / 1000;

  // QuickBooks' largest delivery, 1,000 events in one request, three times.
  const batchTimes: number[] = [];
  for (let n = 0; n < 3; n += 1) {
    const { status, ms } = await post(baseUrl, quickBooksBatch(1_000));
    if (status !== 200) refused.push(`/webhooks/quickbooks answered ${status}`);
    batchTimes.push(ms);
  }

  // Baseline: the same payloads, one plain INSERT each (autocommit) at the same concurrency through a pool of the
  // same size, into a table shaped like the inbox's (JSON payload, unique event key).
  await database.query(`CREATE TABLE bench_plain_insert (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), provider text NOT NULL, external_event_id text NOT NULL, topic text NOT NULL, account_ref text NOT NULL, payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now(), UNIQUE (provider, external_event_id))`);
  const baselineElapsed = await withConcurrency(measured, CONCURRENCY, async ({ row, body }) => {
    await database.query(`INSERT INTO bench_plain_insert (provider, external_event_id, topic, account_ref, payload) VALUES ($1, $2, $3, $4, $5)`, [row.provider, row.eventId, row.topic, row.accountRef, body]);
  });
  const insertsPerSecond = DELIVERIES / (baselineElapsed / 1000);

  const fmt = (value: number) => Math.round(value).toLocaleString("en-US");
  console.log(`accepted                    ${fmt(acceptedPerSecond)} deliveries/s (${fmt(accepted)} of ${fmt(DELIVERIES)} answered 200 in ${(elapsed / 1000).toFixed(2)} s)   target >= 1,500/s`);
  console.log(`answer time                 p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms   target p99 < 50 ms`);
  console.log(`nothing lost                ${stored === sent ? "yes" : "NO"}: ${fmt(stored)} in the inbox for ${fmt(sent)} sent (warm-up included); all processed ${waiting === 0 ? `by the worker in ${drainSeconds.toFixed(1)} s (${fmt(sent / drainSeconds)} events/s, its start included)` : `NOT: ${fmt(waiting)} still waiting`}`);
  const perDelivery = (seconds: number) => `${((seconds * 1000) / DELIVERIES).toFixed(2)} ms`;
  console.log(`CPU per delivery            web processes ${perDelivery(cpuUsed.web)}, load generator ${perDelivery(cpuUsed.bench)} (PostgreSQL has the rest of ${os.cpus().length} cores)`);
  console.log(`baseline: plain pg INSERT   ${fmt(insertsPerSecond)} rows/s (same payloads, concurrency ${CONCURRENCY}, pool ${POOL_SIZE})`);
  console.log(`ratio inbox / plain INSERT  ${(acceptedPerSecond / insertsPerSecond).toFixed(2)}`);
  console.log(`QuickBooks, 1,000 events in one delivery   ${batchTimes.map((ms) => `${ms.toFixed(0)} ms`).join(", ")} (Intuit waits 3 s)`);
  if (refused.length > 0) console.log(`refused: ${refused.join("; ")}`);
  if (stored !== sent || refused.length > 0) process.exitCode = 1;
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once("exit", resolve)) : null)));
  agent.destroy();
  await database.end();
  await scratch.drop();
}

/**
 * How fast a sale in one channel reaches the other, and whether anything is lost or doubled on the way.
 *
 * One merchant with 1,000 linked SKUs (the sandboxes' generated catalogs, 20 units each), every sandbox call
 * taking 50 ms, and 200 sales a minute split between Square's register and the Shopify store for 5 minutes. The
 * whole path is real: the sandboxes sign and deliver webhooks over HTTP to the app's webhook routes, the job
 * workers propagate through the Shopify library and the Square SDK. Prints the propagation latency (the sale
 * accepted by one vendor until the other vendor shows the new count) as p50/p95/max, the drift left before and
 * after a reconciliation pass (target 0), and oversells (target 0: total sales stay within stock, no buffer).
 *
 *   npm run bench -- inventory                                   (PGlite)
 *   DATABASE_URL=postgresql://... npm run bench -- inventory      (a scratch database on that server)
 *   BENCH_MINUTES=1 BENCH_SKUS=200 npm run bench -- inventory    (shorter)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generatedSkus, loadInventoryApp, setUpInventoryMerchant } from "../tests/support/inventory-merchants";
import { startAppWebhookServer } from "../tests/support/app-webhook-server";
import { freePorts } from "../tests/support/ports";
import { startVendorSandboxes } from "../tests/support/vendor-sandboxes";
import { createScratchDatabase } from "./support/database";

const MINUTES = Number(process.env.BENCH_MINUTES ?? 5);
const SKUS = Number(process.env.BENCH_SKUS ?? 1_000);
const SALES_PER_MINUTE = Number(process.env.BENCH_SALES_PER_MINUTE ?? 200);
const VENDOR_LATENCY_MS = Number(process.env.BENCH_VENDOR_LATENCY_MS ?? 50);
const STOCK = 20;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-bench-inventory-"));
process.env.TILLBRIDGE_DATA_DIR = dataDir;
process.env.LOG_LEVEL = "warn";
let dropScratch = async () => {};
let databaseLabel = "PGlite (embedded)";
if (process.env.DATABASE_URL) {
  const scratch = await createScratchDatabase(process.env.DATABASE_URL);
  process.env.DATABASE_URL = scratch.url;
  process.env.MIGRATE_ON_START = "true";
  process.env.ENCRYPTION_KEYS ??= `k1:${Buffer.alloc(32, 7).toString("base64")}`;
  dropScratch = scratch.drop;
  databaseLabel = `PostgreSQL ${scratch.version}`;
}

const webhookServer = await startAppWebhookServer(await freePorts());
const sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square"]);
const app = await loadInventoryApp();
const { RateLimitedError } = await import("~/jobs/errors");

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

try {
  await app.runtime.startRuntime(["worker"]);
  const merchant = await setUpInventoryMerchant(app, sandboxes, app.runtime.jobQueue(), { shop: "bench-inventory.myshopify.com", sellerIndex: 0, skuCount: SKUS, stock: STOCK, appUrl: webhookServer.url });
  sandboxes.shopify.setFaults({ latencyMs: VENDOR_LATENCY_MS });
  sandboxes.square.setFaults({ latencyMs: VENDOR_LATENCY_MS });
  console.log(`bench/inventory: ${SKUS.toLocaleString("en-US")} linked SKUs, ${SALES_PER_MINUTE} sales/min for ${MINUTES} min, ${VENDOR_LATENCY_MS} ms per vendor call`);
  console.log(`  ${databaseLabel}; workers in this process; ${os.cpus().length} cores, Node ${process.version}`);

  const shopifyCount = (sku: string) => sandboxes.shopify.available(merchant.shop, sku, merchant.shopifyLocationId) ?? NaN;
  const squareCount = (sku: string) => sandboxes.square.inStock(merchant.sellerId, sku, merchant.squareLocationId) ?? NaN;

  // A sale is propagated once the other channel's count has dropped below what it was when the sale happened.
  interface Pending {
    sku: string;
    other: "shopify" | "square";
    below: number;
    soldAt: number;
  }
  const pending = new Set<Pending>();
  const latencies: number[] = [];
  let refused = 0;
  const watcher = setInterval(() => {
    for (const sale of pending) {
      const now = sale.other === "shopify" ? shopifyCount(sale.sku) : squareCount(sale.sku);
      if (now < sale.below) {
        latencies.push(performance.now() - sale.soldAt);
        pending.delete(sale);
      }
    }
  }, 5);

  const skus = generatedSkus(SKUS);
  const totalSales = Math.round(SALES_PER_MINUTE * MINUTES);
  const interval = 60_000 / SALES_PER_MINUTE;
  const started = performance.now();
  for (let n = 0; n < totalSales; n += 1) {
    const due = started + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sku = skus[Math.floor(Math.random() * skus.length)]!;
    const onSquare = n % 2 === 0;
    const other = onSquare ? "shopify" : "square";
    const before = other === "shopify" ? shopifyCount(sku) : squareCount(sku);
    const sold = onSquare ? sandboxes.square.sell(merchant.sellerId, { sku, quantity: 1 }).sold : sandboxes.shopify.sell(merchant.shop, { sku }, { quantity: 1 }).sold;
    if (!sold) {
      refused += 1;
      continue;
    }
    pending.add({ sku, other, below: before, soldAt: performance.now() });
    if (n > 0 && n % SALES_PER_MINUTE === 0) console.log(`  minute ${n / SALES_PER_MINUTE}: ${latencies.length} propagated, ${pending.size} in flight`);
  }
  const deadline = performance.now() + 60_000;
  while (pending.size > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  clearInterval(watcher);

  const drifted = () => skus.filter((sku) => shopifyCount(sku) !== squareCount(sku)).length;
  const driftBefore = drifted();
  sandboxes.shopify.setFaults({ latencyMs: 0 });
  sandboxes.square.setFaults({ latencyMs: 0 });
  // As the scheduled job runs it: out of Shopify budget, it waits as told and continues where it stopped.
  const reconcileStarted = performance.now();
  let reconciled: Awaited<ReturnType<typeof app.reconciliation.reconcileInventorySync>> | null = null;
  let budgetWaits = 0;
  while (!reconciled) {
    try {
      reconciled = await app.reconciliation.reconcileInventorySync({ id: merchant.syncId, tenantId: merchant.tenantId });
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      budgetWaits += 1;
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs));
    }
  }
  const reconcileSeconds = (performance.now() - reconcileStarted) / 1000;
  const driftAfter = drifted();
  const oversold = skus.filter((sku) => shopifyCount(sku) < 0 || squareCount(sku) < 0).length;

  latencies.sort((a, b) => a - b);
  console.log(`propagation latency        p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${latencies.at(-1)?.toFixed(0)} ms over ${latencies.length} sales (${pending.size} never seen)   target p95 <= 1,500 ms`);
  console.log(`drift                      ${driftBefore} SKUs apart before reconciliation, ${driftAfter} after (it repaired ${reconciled.repaired}, carried over ${reconciled.written - reconciled.repaired})   target 0`);
  console.log(`reconciliation pass        ${reconciled.read.toLocaleString("en-US")} levels read in ${reconcileSeconds.toFixed(1)} s, ${budgetWaits} waits for Shopify's cost budget`);
  console.log(`oversells                  ${oversold} SKUs below zero, ${refused} sales refused for lack of stock   target 0`);
  if (pending.size > 0 || driftAfter > 0 || oversold > 0) process.exitCode = 1;
} finally {
  await app.runtime.stopRuntime();
  await sandboxes.close();
  await webhookServer.close();
  await dropScratch();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

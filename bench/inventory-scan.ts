/**
 * The first scan of a large catalog for inventory matching: 10,000 Shopify variants and 10,000 Square
 * variations, read through the real Shopify library and Square SDK while the shop's cost budget is Shopify's
 * Standard plan (a bucket of 2,000 points refilled at 100 a second). Prints the elapsed time, and its ratio to the
 * least time that budget allows for the points the scan spent (what a perfect client, waiting exactly as long as
 * needed and never being throttled, would take), and how many times Shopify throttled it (target 0).
 *
 *   npm run bench -- inventory-scan
 *   BENCH_VARIANTS=2000 npm run bench -- inventory-scan
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectInventoryMerchant, loadInventoryApp } from "../tests/support/inventory-merchants";
import { startVendorSandboxes } from "../tests/support/vendor-sandboxes";

const VARIANTS = Number(process.env.BENCH_VARIANTS ?? 10_000);
const BUCKET = 2_000;
const RESTORE_PER_SECOND = 100;
const APP_URL = "http://localhost:3000";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-bench-scan-"));
process.env.TILLBRIDGE_DATA_DIR = dataDir;
process.env.LOG_LEVEL = "warn";
delete process.env.DATABASE_URL;

const sandboxes = await startVendorSandboxes(APP_URL, ["shopify", "square"]);
const app = await loadInventoryApp();
const { CATALOG_REQUEST_COSTS, VARIANT_PAGE_SIZE } = await import("~/integrations/shopify/catalog.server");

try {
  await app.runtime.startRuntime(["worker"]);
  const { tenantId } = await connectInventoryMerchant(app, sandboxes, { shop: "bench-scan.myshopify.com", sellerIndex: 0, skuCount: VARIANTS, stock: 5, appUrl: APP_URL });
  sandboxes.shopify.configure({ bucketSize: BUCKET, restoreRatePerSecond: RESTORE_PER_SECOND });
  sandboxes.shopify.resetStats();
  console.log(`bench/inventory-scan: ${VARIANTS.toLocaleString("en-US")} variants on each side; Shopify bucket ${BUCKET} points refilled at ${RESTORE_PER_SECOND}/s`);
  console.log(`  PGlite (embedded); ${os.cpus().length} cores, Node ${process.version}`);

  // As a job would run it: out of budget, the scan pauses with a checkpoint; wait as told, then continue.
  const started = performance.now();
  let checkpoint: import("~/sync/inventory/matching.server").InventoryScanCheckpoint | undefined;
  let scan: Awaited<ReturnType<typeof app.matching.scanInventoryMatches>> | null = null;
  let pauses = 0;
  let lastShown = 0;
  while (!scan) {
    try {
      scan = await app.matching.scanInventoryMatches(app.db.db(), tenantId, {
        resumeFrom: checkpoint,
        onProgress: (phase, done, total) => {
          if (phase === "shopify-variants" && done - lastShown >= 2_500) {
            lastShown = done;
            console.log(`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${done.toLocaleString("en-US")} of ${total?.toLocaleString("en-US") ?? "?"} Shopify variants read`);
          }
        },
      });
    } catch (error) {
      if (!(error instanceof app.matching.InventoryScanPausedError)) throw error;
      pauses += 1;
      checkpoint = error.checkpoint;
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs));
    }
  }
  const elapsed = (performance.now() - started) / 1000;

  const pages = Math.ceil(VARIANTS / VARIANT_PAGE_SIZE);
  const points = CATALOG_REQUEST_COSTS.variantCount + CATALOG_REQUEST_COSTS.locationPage + pages * CATALOG_REQUEST_COSTS.variantPage;
  // The bucket starts full; everything beyond it arrives at the restore rate.
  const leastSeconds = Math.max(0, points - BUCKET) / RESTORE_PER_SECOND;
  const stats = sandboxes.shopify.stats() as unknown as { graphql: number; graphqlThrottled: number };
  console.log(`first scan                 ${elapsed.toFixed(1)} s for ${VARIANTS.toLocaleString("en-US")} + ${VARIANTS.toLocaleString("en-US")} variants (${stats.graphql} Shopify requests, ${pauses} pauses for budget)`);
  console.log(`least time the budget allows ${leastSeconds.toFixed(1)} s for ${points.toLocaleString("en-US")} points; ratio ${(elapsed / leastSeconds).toFixed(2)}`);
  console.log(`throttled by Shopify       ${stats.graphqlThrottled}   target 0`);
  console.log(`matched                    ${scan.report.counts.matched.toLocaleString("en-US")} by SKU, ${scan.report.counts.unmatchedShopify} unmatched in Shopify, ${scan.report.counts.unmatchedSquare} in Square`);
} finally {
  await app.runtime.stopRuntime();
  await sandboxes.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

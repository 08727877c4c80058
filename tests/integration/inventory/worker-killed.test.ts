import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopifySandbox } from "../../../sandbox/shopify/index";
import type { SquareSandbox } from "../../../sandbox/square/index";
import { setUpInventoryMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { withoutVitestVariables } from "../../support/dev-server";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// A worker process is killed (SIGKILL) in the middle of a propagation: a sale on each channel is being carried to
// the other, the write to Shopify has landed and the write to Square is on its way. Another worker notices the
// dead one's job by its missing heartbeat, retries it, finds the recorded writes and sends them again with the
// same idempotency keys: each sale shows once on the other channel, none twice.
// PostgreSQL only: the embedded database admits one process, and this needs three.

const APP_URL = "http://localhost:3000";
const SKU = "SKU-00001";
const shop = "worker-killed.myshopify.com";
let sandboxes: { shopify: ShopifySandbox; square: SquareSandbox; close(): Promise<void> };
let app: InventoryApp;
let producer: import("~/jobs/queue.server").JobQueue | undefined;
const workers: ChildProcess[] = [];

function startWorker(): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "tests/support/worker-main.ts"], {
    env: {
      ...withoutVitestVariables(process.env),
      LOG_LEVEL: "info",
      // A dead worker's job is failed and retried ten seconds after its last heartbeat.
      JOB_HEARTBEAT_SECONDS: "10",
      JOB_SUPERVISE_INTERVAL_SECONDS: "1",
    } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  workers.push(child);
  return { child, output: () => output };
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!process.env.DATABASE_URL)("a worker killed in the middle of a propagation", () => {
  let tenantId: string;
  let levelId: string;

  beforeAll(async () => {
    sandboxes = await startVendorSandboxes(APP_URL, ["shopify", "square"]);
    app = await loadInventoryApp();
    producer = await app.queue.startJobQueue(app.db.getDatabase(), { definitions: [app.propagation.propagateInventoryLevelJob, app.schedules.reconcileSyncJob], runWorkers: false });
    const merchant = await setUpInventoryMerchant(app, sandboxes, producer, { shop, sellerIndex: 0, skuCount: 1, stock: 40, appUrl: APP_URL });
    tenantId = merchant.tenantId;
    const levelIds = merchant.levelIds;
    levelId = levelIds[0]!;
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL");
    await producer?.stop({ timeoutMs: 2_000 });
    await sandboxes?.close();
  });

  it("retries the job in another worker and each sale lands once on the other channel", async () => {
    const seller = sandboxes.square.sellers()[0]!;
    const squareLocationId = seller.locations[0]!.id;
    expect(sandboxes.square.sell(seller.id, { sku: SKU, quantity: 1 }).inStock).toBe(39);
    expect(sandboxes.shopify.sell(shop, { sku: SKU }, { quantity: 1 }).available).toBe(39);

    // Square takes three seconds per call: long enough to kill the worker while its write to Square is under way.
    sandboxes.square.setFaults({ latencyMs: 3_000 });
    const first = startWorker();
    await producer!.send(app.propagation.propagateInventoryLevelJob, { tenantId, levelLinkId: levelId });

    await waitFor("the writes to be recorded", async () => (await app.db.db().inventoryLevelLink.findUniqueOrThrow({ where: { id: levelId } })).pendingWrites !== null, 60_000);
    // The Square sale reached Shopify; the Shopify sale is on its way to Square when the worker dies.
    await waitFor("the write to Shopify to land", async () => sandboxes.shopify.available(shop, SKU) === 38, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    sandboxes.square.setFaults({ latencyMs: 0 });
    expect((await app.db.db().inventoryLevelLink.findUniqueOrThrow({ where: { id: levelId } })).revision).toBe(0);

    const second = startWorker();
    const settled = await waitFor(
      "another worker to finish the propagation",
      async () => {
        const level = await app.db.db().inventoryLevelLink.findUniqueOrThrow({ where: { id: levelId } });
        return level.pendingWrites === null && level.revision > 0 ? level : null;
      },
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${second.output()}`);
    });

    expect(sandboxes.shopify.available(shop, SKU)).toBe(38);
    expect(sandboxes.square.inStock(seller.id, SKU, squareLocationId)).toBe(38);
    expect({ shopifyCount: settled.shopifyCount, squareCount: settled.squareCount }).toEqual({ shopifyCount: 38, squareCount: 38 });
    // The second worker sent the recorded write to Shopify again, and Shopify answered from its idempotency record.
    expect((sandboxes.shopify.stats() as unknown as { idempotentReplays: number }).idempotentReplays).toBe(1);
    // One job, run twice: the killed attempt and the retry that completed it.
    const jobs = await waitFor(
      "the job to complete",
      async () => {
        const rows = await app.db.db().$queryRawUnsafe<{ state: string; retry_count: number }[]>(`SELECT state, retry_count FROM pgboss.job WHERE name = 'inventory.propagate-level'`);
        return rows.every((row) => row.state === "completed") ? rows : null;
      },
      10_000,
    );
    expect(jobs).toEqual([{ state: "completed", retry_count: 1 }]);
  }, 150_000);
});

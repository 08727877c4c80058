/**
 * Square orders into QuickBooks at scale, under QuickBooks' real limits (the Intuit sandbox: 500 requests a minute
 * and 10 in flight per realm, 429 beyond either).
 *
 * Run 1: ORDERS register sales of a Square seller (the sandbox's generateSales: card, cash, gift card and split
 * payments, tips, discounts, card fees present from the sale) and REFUNDS refunds of them, made silently, then one
 * accounting.post-square-order job per order and return order, sent at once as a historical import would. The
 * merchant's setup: a fresh US company with a gift card liability account, accounting on with the default mapping.
 * Job workers read each order through the Square SDK and post its documents through the app's QuickBooks client.
 * Printed: documents per minute (from the ledger) and QuickBooks calls per minute (counted by the sandbox) against
 * the 500 ceiling (target: documents at least 90 %), 429s received, duplicates (target 0), missing receipts
 * (target 0) and the books' totals against Square's to the cent.
 *
 * Baseline, in the same run: some of run 1's documents posted again (renumbered) by a bare loop through the app's
 * QuickBooks client, the shared budget and in-flight limit included but no jobs, ledger or Square reads, starting
 * from an empty budget: the sustained rate the app's own budget lets any poster reach.
 *
 * Run 2 (PostgreSQL only: it kills processes, and the embedded database admits one): the same for another seller
 * into another realm with QuickBooks failing (10 % 5xx, 5 % of writes done with their answer lost) and each of the
 * two worker processes killed once (SIGKILL), at a third and at two thirds of the records posted, and replaced at
 * once (the job heartbeat is the app's: 30 s unless JOB_HEARTBEAT_SECONDS says otherwise). Targets: duplicates 0,
 * missing 0, the books' totals equal to Square's to the cent.
 *
 *   npm run bench -- accounting                                   (PGlite: run 1 and the baseline, workers in-process)
 *   DATABASE_URL=postgresql://... npm run bench -- accounting      (a scratch database; two worker processes)
 *   ACCOUNTING_BENCH_ORDERS=100 ACCOUNTING_BENCH_REFUNDS=20 npm run bench -- accounting    (smaller)
 * Also ACCOUNTING_BENCH_BASELINE_DOCUMENTS (600) and ACCOUNTING_BENCH_TIMEOUT_MINUTES (30, per run).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DEMO_SHOP } from "../sandbox/shopify/index";
import { startAppWebhookServer } from "../tests/support/app-webhook-server";
import { answerConsentPage } from "../tests/support/consent-forms";
import { connectExistingMerchant, loadInventoryApp } from "../tests/support/inventory-merchants";
import { freePorts } from "../tests/support/ports";
import { startVendorSandboxes } from "../tests/support/vendor-sandboxes";
import { createScratchDatabase } from "./support/database";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-processes";

const ORDERS = Number(process.env.ACCOUNTING_BENCH_ORDERS ?? 1_000);
const REFUNDS = Number(process.env.ACCOUNTING_BENCH_REFUNDS ?? 200);
const BASELINE_DOCUMENTS = Number(process.env.ACCOUNTING_BENCH_BASELINE_DOCUMENTS ?? 600);
const TIMEOUT_MS = Number(process.env.ACCOUNTING_BENCH_TIMEOUT_MINUTES ?? 30) * 60_000;
const CEILING_PER_MINUTE = 500;
const WORKER_PROCESSES = 2;
const BASELINE_LOOPS = 10;
const JOB_NAME = "accounting.post-square-order";
const DOCUMENT_ENTITIES = ["SalesReceipt", "RefundReceipt", "JournalEntry"] as const;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-bench-accounting-"));
process.env.TILLBRIDGE_DATA_DIR = dataDir;
process.env.LOG_LEVEL = "warn";
let dropScratch = async () => {};
let databaseLabel = "PGlite (embedded)";
const onPostgres = Boolean(process.env.DATABASE_URL);
if (process.env.DATABASE_URL) {
  const scratch = await createScratchDatabase(process.env.DATABASE_URL);
  process.env.DATABASE_URL = scratch.url;
  process.env.MIGRATE_ON_START = "true";
  process.env.ENCRYPTION_KEYS ??= `k1:${Buffer.alloc(32, 7).toString("base64")}`;
  dropScratch = scratch.drop;
  databaseLabel = `PostgreSQL ${scratch.version}`;
}

const webhookServer = await startAppWebhookServer(await freePorts());
const sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
// Card fees are on the payments from the sale on, so each order is read and posted once (the fee's own late
// webhook is not part of an import).
sandboxes.square.setSettings({ processingFeeDelayMs: 0 });
const app = await loadInventoryApp();
const { enableAccountingSync } = await import("~/sync/accounting/setup.server");
const { postSquareOrderJob } = await import("~/sync/accounting/square-orders.server");
const { JobPriority } = await import("~/jobs/registry");
const { RateLimitedError } = await import("~/jobs/errors");
const { createDocument } = await import("~/integrations/quickbooks/accounting.server");
const { quickBooksRequest } = await import("~/integrations/quickbooks/api-client.server");
const { DEFAULT_BUCKETS, takeBudget } = await import("~/sync/budgets.server");
const { orderDocNumber } = await import("~/domain/accounting/document-keys");

type Documents = ReturnType<typeof sandboxes.intuit.documents>;

const minutes = (ms: number) => ms / 60_000;
const fmt = (value: number) => Math.round(value).toLocaleString("en-US");
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const dollars = (cents: number) => `${cents < 0 ? "-" : ""}$${(Math.abs(cents) / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The tenant's posting jobs in these states. */
async function countJobs(tenantId: string, states: string[]): Promise<number> {
  const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(
    `SELECT count(*) AS count FROM pgboss.job WHERE name = $1 AND data->>'tenantId' = $2 AND state::text = ANY($3::text[])`,
    JOB_NAME,
    tenantId,
    states,
  );
  return Number(rows[0]?.count ?? 0);
}

/** A tenant with a Shopify shop, a Square seller and a fresh QuickBooks company, accounting on, per order. */
async function setUpMerchant(input: { shop: string; sellerId: string; company: string }): Promise<{ tenantId: string; realmId: string }> {
  if (input.shop !== DEMO_SHOP) sandboxes.shopify.addShop(input.shop, { seed: "empty" });
  const tenantId = await connectExistingMerchant(app, sandboxes, { shop: input.shop, sellerId: input.sellerId, appUrl: webhookServer.url });
  const created = await fetch(`${sandboxes.intuit.url}/_sandbox/companies`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: input.company }) });
  const realmId = ((await created.json()) as { realmId: string }).realmId;
  const authorizeUrl = await app.flow.startConnection(app.db.db(), { tenantId, provider: "QUICKBOOKS", actor: "bench", returnTo: "http://admin.example/connections" });
  const callback = await answerConsentPage(authorizeUrl, { account: { field: "realmId", value: realmId }, button: { field: "action", value: "connect" } });
  const connected = await app.flow.completeConnection(app.db.db(), "QUICKBOOKS", callback);
  if (!connected.ok) throw new Error(`connecting QuickBooks failed: ${JSON.stringify(connected)}`);
  // A merchant who sells gift cards keeps a liability account for them, which the default mapping takes for gift
  // card payments; without one, Tillbridge asks where they go and posts no sale paid by gift card until told.
  await quickBooksRequest(
    app.db.db(),
    { tenantId, realmId },
    { method: "POST", path: "account", body: { Name: "Gift Cards Outstanding", AccountType: "Other Current Liability", AccountSubType: "OtherCurrentLiabilities" }, requestId: randomUUID() },
    z.object({ Account: z.object({ Id: z.string() }).loose() }).loose(),
  );
  const enabled = await enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "bench", modes: { square: "per_order" } });
  if (!enabled.ok) throw new Error(`turning accounting on failed: ${JSON.stringify(enabled)}`);
  return { tenantId, realmId };
}

/**
 * The realm's QuickBooks calls by kind ("POST salesreceipt", "GET query", "GET item/:id") and answer (2xx, 429,
 * 5xx...), read from the sandbox's log of its last 200 calls often enough to see each call once.
 */
function tallyCalls(realmId: string) {
  const seen = new WeakSet<object>();
  const counts = new Map<string, number>();
  let overflowed = false;
  for (const call of sandboxes.intuit.apiCalls()) seen.add(call);
  const poll = () => {
    const log = sandboxes.intuit.apiCalls();
    if (log.length > 0 && log.every((call) => !seen.has(call))) overflowed = true;
    for (const call of log) {
      if (seen.has(call)) break; // newest first: the rest were seen before
      seen.add(call);
      if (call.realmId !== realmId) continue;
      const [, entity = "?", id] = /\/v3\/company\/[^/]+\/([a-z]+)(\/[^/?]+)?/.exec(call.path) ?? [];
      const status = call.status < 300 ? "" : ` ${call.status}`;
      const key = `${call.method} ${entity}${id ? "/:id" : ""}${status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  const timer = setInterval(poll, 200);
  return {
    stop() {
      clearInterval(timer);
      poll();
      const sorted = [...counts].sort((a, b) => b[1] - a[1]);
      return `${sorted.map(([key, count]) => `${key} ${count}`).join(", ")}${overflowed ? " (the sandbox's log overflowed between looks: some calls not seen)" : ""}`;
    },
  };
}

interface RunPlan {
  label: string;
  shop: string;
  sellerId: string;
  company: string;
  seed: number;
  /** Intuit's fault switches during the run. */
  faults: { serverErrorRate: number; lostResponseRate: number } | null;
  /** Kill (SIGKILL) and replace worker process n when this fraction of the records is posted. */
  killsAt: number[];
}

interface RunOutcome {
  tenantId: string;
  realmId: string;
  documentsPerMinute: number;
  ok: boolean;
}

/** Documents per calendar minute of the run, from the ledger's postedAt. */
function perMinute(postedAt: Date[], startedAt: number): number[] {
  const buckets: number[] = [];
  for (const at of postedAt) {
    const minute = Math.floor(minutes(at.getTime() - startedAt));
    while (buckets.length <= minute) buckets.push(0);
    buckets[minute]! += 1;
  }
  return buckets;
}

/**
 * What the books hold against what was expected: duplicates are documents beyond one per DocNumber plus documents
 * no ledger row accounts for; missing are sales and refunds of the source without their receipt, and ledger rows
 * marked posted that QuickBooks does not have.
 */
function auditBooks(realmId: string, ledger: { entity: string; docNumber: string; qboId: string | null; status: string }[], expectedSales: string[], expectedRefunds: number) {
  const books = Object.fromEntries(DOCUMENT_ENTITIES.map((entity) => [entity, sandboxes.intuit.documents(realmId, entity)])) as Record<(typeof DOCUMENT_ENTITIES)[number], Documents>;
  let beyondOne = 0;
  let unaccounted = 0;
  let postedButAbsent = 0;
  for (const entity of DOCUMENT_ENTITIES) {
    const rows = ledger.filter((row) => row.entity === entity && row.status === "POSTED");
    const byNumber = new Map<string, number>();
    for (const document of books[entity].documents) byNumber.set(document.docNumber ?? "", (byNumber.get(document.docNumber ?? "") ?? 0) + 1);
    const ledgerNumbers = new Set(rows.map((row) => row.docNumber));
    for (const [docNumber, count] of byNumber) {
      beyondOne += count - 1;
      if (!ledgerNumbers.has(docNumber)) unaccounted += count;
    }
    const ids = new Set(books[entity].documents.map((document) => document.id));
    postedButAbsent += rows.filter((row) => !row.qboId || !ids.has(row.qboId)).length;
  }
  const receiptNumbers = new Set(books.SalesReceipt.documents.map((document) => document.docNumber));
  const missingSales = expectedSales.filter((docNumber) => !receiptNumbers.has(docNumber)).length;
  // Each generated refund is of a different sale, so it is that sale's first refund: <sale's number>-R1.
  const refundNumbers = new Set(books.RefundReceipt.documents.map((document) => document.docNumber));
  const refundsFound = expectedSales.filter((docNumber) => refundNumbers.has(`${docNumber}-R1`)).length;
  const missingRefunds = Math.max(0, expectedRefunds - refundsFound);
  return { books, duplicates: beyondOne + unaccounted, beyondOne, unaccounted, missingSales, missingRefunds, postedButAbsent };
}

async function runOnce(plan: RunPlan, workers: WorkerProcess[], workerEnv: Record<string, string>): Promise<RunOutcome> {
  const { tenantId, realmId } = await setUpMerchant(plan);
  const db = app.db.db();
  const generated = sandboxes.square.generateSales(plan.sellerId, { count: ORDERS, seed: plan.seed, refunds: REFUNDS });
  const records = generated.orderIds.length + generated.returnOrderIds.length;
  const expectedSales = generated.orderIds.map((orderId) => orderDocNumber({ source: "square", saleSourceId: orderId, kind: "sale" }));

  console.log(`\n${plan.label}`);
  console.log(`  ${generated.orderIds.length} sales (${dollars(generated.collected)}) and ${generated.returnOrderIds.length} refunds (${dollars(generated.refunded)}) of Square seller ${plan.sellerId} into realm ${realmId}`);
  if (plan.faults) {
    sandboxes.intuit.setFaults({ ...plan.faults, seed: plan.seed });
    console.log(`  QuickBooks faults: ${pct(plan.faults.serverErrorRate)} 5xx, ${pct(plan.faults.lostResponseRate)} of writes done with the answer lost; ${plan.killsAt.length} worker kills`);
  }

  const intuitBefore = sandboxes.intuit.stats().byRealm[realmId] ?? { apiCalls: 0, apiThrottled: 0, apiServerErrors: 0, lostResponses: 0, apiReplays: 0 };
  const squareBefore = sandboxes.square.stats().apiCalls;
  const callTally = tallyCalls(realmId);
  const startedAt = Date.now();
  // As a historical import sends them: one job per order, all at once, behind fresh work.
  const payloads = [...generated.orderIds, ...generated.returnOrderIds].map((orderId) => ({ tenantId, orderId }));
  for (let sent = 0; sent < payloads.length; sent += 500) await app.runtime.jobQueue().sendMany(postSquareOrderJob, payloads.slice(sent, sent + 500), { priority: JobPriority.backfill });

  const kills = [...plan.killsAt];
  const killedAt: number[] = [];
  let killed = 0;
  let nextReport = startedAt + 30_000;
  let settledAt = 0;
  for (;;) {
    const postedRecords = await db.accountingDocument.count({ where: { tenantId, kind: { in: ["sale", "refund"] }, status: "POSTED" } });
    if (kills.length > 0 && postedRecords >= kills[0]! * records) {
      kills.shift();
      const index = killed % workers.length;
      const active = await countJobs(tenantId, ["active"]);
      await workers[index]!.kill();
      killedAt.push(Date.now());
      killed += 1;
      console.log(`  ${((Date.now() - startedAt) / 1000).toFixed(0)} s: worker process ${index + 1} killed (SIGKILL) with ${postedRecords} of ${records} records posted, ${active} jobs active across workers; replaced`);
      workers[index] = await startWorkerProcess(workerEnv);
    }
    if (Date.now() >= nextReport) {
      const documents = await db.accountingDocument.count({ where: { tenantId, status: "POSTED" } });
      const calls = (sandboxes.intuit.stats().byRealm[realmId]?.apiCalls ?? 0) - intuitBefore.apiCalls;
      console.log(`  ${((Date.now() - startedAt) / 1000).toFixed(0)} s: ${postedRecords} of ${records} records, ${documents} documents posted, ${calls} QuickBooks calls`);
      nextReport += 30_000;
    }
    const open = await countJobs(tenantId, ["created", "retry", "active"]);
    const pending = await db.accountingDocument.count({ where: { tenantId, status: "PENDING" } });
    if (open === 0 && pending === 0 && kills.length === 0) {
      settledAt = Date.now();
      break;
    }
    if (Date.now() - startedAt > TIMEOUT_MS) {
      console.log(`  not settled after ${minutes(TIMEOUT_MS)} min: ${open} jobs open, ${pending} documents pending`);
      settledAt = Date.now();
      break;
    }
    await sleep(1_000);
  }
  if (plan.faults) sandboxes.intuit.resetFaults();
  const callsByKind = callTally.stop();

  const ledger = await db.accountingDocument.findMany({ where: { tenantId }, select: { entity: true, kind: true, docNumber: true, qboId: true, status: true, postedAt: true } });
  const posted = ledger.filter((row) => row.status === "POSTED");
  const lastPostedAt = Math.max(startedAt + 1, ...posted.map((row) => row.postedAt!.getTime()));
  const documentsPerMinute = posted.length / minutes(lastPostedAt - startedAt);
  const intuitAfter = sandboxes.intuit.stats().byRealm[realmId]!;
  const calls = intuitAfter.apiCalls - intuitBefore.apiCalls;
  const callsPerMinute = calls / minutes(settledAt - startedAt);
  const squareCalls = sandboxes.square.stats().apiCalls - squareBefore;
  const jobRows = await db.$queryRawUnsafe<{ runs: bigint; retries: bigint; rescheduled: bigint; failed: bigint }[]>(
    `SELECT count(*) AS runs, coalesce(sum(retry_count), 0) AS retries, count(*) FILTER (WHERE output ? 'rescheduled') AS rescheduled, count(*) FILTER (WHERE state = 'failed') AS failed
     FROM pgboss.job WHERE name = $1 AND data->>'tenantId' = $2`,
    JOB_NAME,
    tenantId,
  );
  const jobs = jobRows[0]!;
  const openIssues = await db.syncIssue.findMany({ where: { tenantId, resolvedAt: null }, select: { message: true } });
  const issues = openIssues.length;
  const audit = auditBooks(realmId, ledger, expectedSales, generated.returnOrderIds.length);
  const receiptsCents = audit.books.SalesReceipt.totalCents;
  const refundsCents = audit.books.RefundReceipt.totalCents;
  const totalsMatch = receiptsCents === generated.collected && refundsCents === generated.refunded;
  const byKind = (kind: string) => posted.filter((row) => row.kind === kind).length;

  const seconds = (lastPostedAt - startedAt) / 1000;
  console.log(`  documents per minute       ${fmt(documentsPerMinute)} (${pct(documentsPerMinute / CEILING_PER_MINUTE)} of QuickBooks' ${CEILING_PER_MINUTE} ceiling)   target >= 90%`);
  console.log(`                             ${posted.length} documents in ${seconds.toFixed(0)} s: ${byKind("sale")} sales receipts, ${byKind("sale_tenders")} tender and ${byKind("sale_fees")} fee entries, ${byKind("refund")} refund receipts, ${byKind("refund_tenders") + byKind("refund_fees")} refund entries`);
  console.log(`                             per minute of the run: ${perMinute(posted.map((row) => row.postedAt!), startedAt).join(", ")}`);
  const times = posted.map((row) => row.postedAt!.getTime()).sort((a, b) => a - b);
  const longestPause = times.reduce((longest, at, index) => Math.max(longest, index === 0 ? at - startedAt : at - times[index - 1]!), 0);
  console.log(`                             longest pause between two documents posted: ${(longestPause / 1000).toFixed(1)} s`);
  for (const [index, at] of killedAt.entries()) {
    const within = (from: number, to: number) => times.filter((time) => time >= from && time < to).length;
    console.log(`                             kill ${index + 1}: ${within(at - 30_000, at)} documents in the 30 s before, ${within(at, at + 30_000)} in the 30 s after, ${within(at + 30_000, at + 60_000)} in the 30 s after that`);
  }
  console.log(`  QuickBooks calls           ${calls} accepted (${fmt(callsPerMinute)}/min, ${pct(callsPerMinute / CEILING_PER_MINUTE)} of the ceiling; ${(calls / Math.max(1, posted.length)).toFixed(2)} per document), ${intuitAfter.apiThrottled - intuitBefore.apiThrottled} answered 429   target 0 429s`);
  console.log(`    by kind: ${callsByKind}`);
  if (plan.faults) {
    console.log(`  faults met                 ${intuitAfter.apiServerErrors - intuitBefore.apiServerErrors} 5xx, ${intuitAfter.lostResponses - intuitBefore.lostResponses} lost answers, ${intuitAfter.apiReplays - intuitBefore.apiReplays} writes answered from their requestid`);
  }
  console.log(`  jobs                       ${jobs.runs} job runs for ${records} records (${jobs.rescheduled} rescheduled to wait for the budget or a busy order, ${jobs.retries} retries, ${jobs.failed} failed for good); ${squareCalls} Square API calls (${(squareCalls / records).toFixed(1)} per record)`);
  console.log(`  duplicates                 ${audit.duplicates} (${audit.beyondOne} beyond one per DocNumber, ${audit.unaccounted} without a ledger row)   target 0`);
  console.log(`  missing                    ${audit.missingSales} sales and ${audit.missingRefunds} refunds without their receipt, ${audit.postedButAbsent} ledger rows posted but not in QuickBooks; ${ledger.length - posted.length} rows not posted, ${issues} open issues   target 0`);
  console.log(
    `  books vs Square            receipts ${dollars(receiptsCents)} vs sales ${dollars(generated.collected)}, refunds ${dollars(refundsCents)} vs ${dollars(generated.refunded)}, net ${dollars(receiptsCents - refundsCents)} vs ${dollars(generated.collected - generated.refunded)}: ${totalsMatch ? "equal to the cent" : `off by ${dollars(receiptsCents - refundsCents - (generated.collected - generated.refunded))}`}`,
  );
  // What the merchant would read, once per kind of problem (order ids left out).
  const problems = [...new Set(openIssues.map((issue) => issue.message.replace(/Square order \S+/g, "Square order …")))];
  for (const problem of problems.slice(0, 5)) console.log(`    open issue: ${problem}`);
  const ok = audit.duplicates === 0 && audit.missingSales === 0 && audit.missingRefunds === 0 && audit.postedButAbsent === 0 && totalsMatch && posted.length === ledger.length;
  return { tenantId, realmId, documentsPerMinute, ok };
}

/**
 * The baseline: documents of run 1, renumbered (BL- for SQ-), posted again into the same company by BASELINE_LOOPS
 * bare loops through the app's QuickBooks client, which takes from the same shared budget and in-flight slots as
 * the jobs do. The budget is emptied first, so the figure is the sustained rate it allows, without its burst.
 */
async function baseline(tenantId: string, realmId: string): Promise<number> {
  const db = app.db.db();
  const rows = await db.accountingDocument.findMany({ where: { tenantId, status: "POSTED" }, orderBy: { postedAt: "asc" }, take: BASELINE_DOCUMENTS, select: { entity: true, docNumber: true, payload: true } });
  const queue = rows.map((row) => ({
    entity: row.entity as (typeof DOCUMENT_ENTITIES)[number],
    payload: { ...(row.payload as Record<string, unknown>), DocNumber: `BL${row.docNumber.slice(2)}` },
    requestId: randomUUID(),
  }));
  while ((await takeBudget(db, { provider: "QUICKBOOKS", account: realmId, cost: 1, shape: DEFAULT_BUCKETS.QUICKBOOKS })).granted);
  const before = sandboxes.intuit.stats().byRealm[realmId]!;
  const started = Date.now();
  let next = 0;
  let created = 0;
  let refused = 0;
  const account = { tenantId, realmId };
  await Promise.all(
    Array.from({ length: BASELINE_LOOPS }, async () => {
      while (next < queue.length) {
        const document = queue[next++]!;
        for (;;) {
          try {
            await createDocument(db, account, document.entity, document.payload, document.requestId);
            created += 1;
            break;
          } catch (error) {
            if (error instanceof RateLimitedError) {
              await sleep(error.retryAfterMs);
              continue;
            }
            refused += 1;
            console.log(`  baseline: ${document.entity} ${String(document.payload.DocNumber)} refused: ${error instanceof Error ? error.message : String(error)}`);
            break;
          }
        }
      }
    }),
  );
  const elapsed = Date.now() - started;
  const after = sandboxes.intuit.stats().byRealm[realmId]!;
  const rate = created / minutes(elapsed);
  console.log(`\nbaseline: a bare poster through the app's QuickBooks client (shared budget, 10 in flight; no jobs, ledger or Square reads; budget emptied first)`);
  console.log(`  documents per minute       ${fmt(rate)} (${pct(rate / CEILING_PER_MINUTE)} of the ceiling): ${created} documents in ${(elapsed / 1000).toFixed(0)} s, ${refused} refused, ${after.apiThrottled - before.apiThrottled} answered 429`);
  return rate;
}

const workers: WorkerProcess[] = [];
let failed = false;
try {
  // On PostgreSQL this process is the web process (webhooks in, jobs out) and the workers are processes of their
  // own; the embedded database admits one process, so there the workers run here.
  await app.runtime.startRuntime(["web"]);
  const workerEnv = { LOG_LEVEL: "warn", MIGRATE_ON_START: "false" };
  if (onPostgres) for (let n = 0; n < WORKER_PROCESSES; n++) workers.push(await startWorkerProcess(workerEnv));
  console.log(`bench/accounting: ${ORDERS.toLocaleString("en-US")} Square sales and ${REFUNDS} refunds per run into one QuickBooks company (500 requests/min, 10 in flight)`);
  const heartbeat = process.env.JOB_HEARTBEAT_SECONDS ?? "30";
  console.log(`  ${databaseLabel}; ${onPostgres ? `${WORKER_PROCESSES} worker processes` : "workers in this process"}, job heartbeat ${heartbeat} s; ${os.cpus().length} cores, Node ${process.version}`);

  const first = await runOnce({ label: "run 1: no faults", shop: DEMO_SHOP, sellerId: "MLTB0DEMO0002", company: "Books & Games Ledger Co", seed: 1, faults: null, killsAt: [] }, workers, workerEnv);
  failed ||= !first.ok;
  const baselineRate = await baseline(first.tenantId, first.realmId);
  console.log(`  ratio run 1 / baseline     ${(first.documentsPerMinute / baselineRate).toFixed(2)}`);

  if (!onPostgres) {
    console.log(`\nrun 2 (QuickBooks faults, worker processes killed) needs PostgreSQL: set DATABASE_URL.`);
  } else {
    const second = await runOnce(
      {
        label: "run 2: QuickBooks faults, each worker process killed once",
        shop: "bench-accounting-2.myshopify.com",
        sellerId: "MLTB0DEMO0001",
        company: "Coffee Roasters Ledger Co",
        seed: 2,
        faults: { serverErrorRate: 0.1, lostResponseRate: 0.05 },
        killsAt: [1 / 3, 2 / 3],
      },
      workers,
      workerEnv,
    );
    failed ||= !second.ok;
    console.log(`  ratio run 2 / run 1        ${(second.documentsPerMinute / first.documentsPerMinute).toFixed(2)} documents per minute`);
  }
  if (failed) process.exitCode = 1;
} catch (error) {
  for (const [index, worker] of workers.entries()) console.error(`worker process ${index + 1} said:\n${worker.output()}`);
  throw error;
} finally {
  await Promise.all(workers.map((worker) => worker.stop()));
  await app.runtime.stopRuntime();
  await sandboxes.close();
  await webhookServer.close();
  await dropScratch();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

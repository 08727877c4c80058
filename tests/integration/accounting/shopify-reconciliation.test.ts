import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { orderTotals, refundTotal } from "../../../sandbox/shopify/order-totals";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// The accounting sync's daily reconciliation for Shopify, run as the scheduled job runs it (sync.reconcile through
// the queue): an order and a refund whose webhooks never arrived are found by the look-back over the Admin API and
// posted once; a day whose ledger lacks what Shopify's records call for (fees QuickBooks refused) becomes one
// problem with the amounts, seen again (not doubled) by the next run, and resolved once the books match.

const SELLER = "MLTB0DEMO0002";
const HOUR_MS = 3600 * 1000;
let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let tenantId: string;
let realmId: string;
let syncId: string;

interface ReconcileRun {
  summary: string | null;
  readCount: number;
  writtenCount: number;
  failedCount: number;
  skippedCount: number;
}

/** Sends the sync's reconciliation job and waits for the run it records. */
async function reconcileNow(): Promise<ReconcileRun> {
  const before = await app.db.db().syncRun.count({ where: { tenantId, syncId, kind: "accounting.reconcile" } });
  await app.runtime.jobQueue().send(app.schedules.reconcileSyncJob, { tenantId, syncId });
  await expect.poll(async () => app.db.db().syncRun.count({ where: { tenantId, syncId, kind: "accounting.reconcile", status: { not: "RUNNING" } } }), { timeout: 120_000, interval: 250 }).toBe(before + 1);
  const run = await app.db.db().syncRun.findFirstOrThrow({ where: { tenantId, syncId, kind: "accounting.reconcile" }, orderBy: { startedAt: "desc" } });
  expect(run.error).toBeNull();
  return run;
}

/** Until no webhook, posting job or pending document is left. */
async function waitUntilSettled(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    sandboxes.shopify.flushWebhooks();
    const waiting = await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } });
    const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM pgboss.job WHERE name IN ('webhooks.process', 'accounting.post-shopify-order', 'sync.reconcile') AND state IN ('created', 'retry', 'active')`,
    );
    const pending = await app.db.db().accountingDocument.count({ where: { tenantId, status: "PENDING" } });
    if (waiting === 0 && Number(rows[0]!.count) === 0 && pending === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${waiting} events, ${rows[0]!.count} jobs, ${pending} documents pending`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What the Intuit sandbox holds: how many documents of each entity (a second posting would show here). */
function booksCounts() {
  return {
    receipts: sandboxes.intuit.documents(realmId, "SalesReceipt").count,
    refunds: sandboxes.intuit.documents(realmId, "RefundReceipt").count,
    journals: sandboxes.intuit.documents(realmId, "JournalEntry").count,
  };
}

async function openDifferences() {
  return app.db.db().syncIssue.findMany({ where: { tenantId, code: "ACCOUNTING_RECONCILIATION_DIFFERENCE", status: "OPEN" } });
}

/** Sets the QuickBooks fee account active or not, as the merchant would in QuickBooks. */
async function setFeeAccountActive(active: boolean): Promise<void> {
  const { quickBooksRequest } = await import("~/integrations/quickbooks/api-client.server");
  const account = { tenantId, realmId };
  const read = await quickBooksRequest(app.db.db(), account, { method: "GET", path: "account/9" }, z.object({ Account: z.looseObject({ Id: z.string(), SyncToken: z.string(), Name: z.string() }) }));
  // QuickBooks renames an account it makes inactive "… (deleted)"; the merchant gives it its name back with it.
  expect(read.Account.Name).toBe(active ? "Merchant Processing Fees (deleted)" : "Merchant Processing Fees");
  const body = { Id: "9", SyncToken: read.Account.SyncToken, sparse: true, Active: active, ...(active && { Name: "Merchant Processing Fees" }) };
  await quickBooksRequest(app.db.db(), account, { method: "POST", path: "account", body }, z.looseObject({}));
}

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  app = await loadInventoryApp();
  await app.runtime.startRuntime(["worker"]);
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Reconciled Tees Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
  const setup = await import("~/sync/accounting/setup.server");
  expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "per_order" } })).toMatchObject({ ok: true });
  syncId = (await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SHOPIFY" } } })).id;
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("daily accounting reconciliation of Shopify", () => {
  it("is scheduled once a day for the Shopify accounting sync", async () => {
    const { ACCOUNTING_RECONCILIATION_CRON } = await import("~/sync/accounting/reconciliation.server");
    const schedules = await app.runtime.jobQueue().boss.getSchedules(app.schedules.reconcileSyncJob.name, syncId);
    expect(schedules).toEqual([expect.objectContaining({ key: syncId, cron: ACCOUNTING_RECONCILIATION_CRON })]);
  });

  it("finds an order and a refund whose webhooks never arrived, posts each once, then finds their day in balance", async () => {
    const shop = sandboxes.shopify;
    // A sale at the counter yesterday whose webhooks came: posted as it happened.
    const counter = shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 2 }], taxRate: "0.08875", source: "pos", processedAt: new Date(Date.now() - 30 * HOUR_MS) });
    await expect.poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, sourceId: `gid://shopify/Order/${counter.id}`, kind: "sale", status: "POSTED" } }), { timeout: 60_000, interval: 250 }).toBe(1);
    await waitUntilSettled(60_000);

    // An online order of the same day, and a refund of it an hour later, whose webhooks never reached the app.
    const lost = shop.createOrder(
      DEMO_SHOP,
      { lines: [{ sku: "TB-TEE-BLK-M", quantity: 2 }, { sku: "TB-MUG-12OZ", quantity: 1 }], shippingAmount: "6.50", taxRate: "0.08875", customerEmail: "ana.ruiz@example.com", processedAt: new Date(Date.now() - 30 * HOUR_MS) },
      { silent: true },
    );
    const { refund } = shop.refundOrder(DEMO_SHOP, lost.id, { lines: [{ lineItemId: lost.lineItems[1]!.id, quantity: 1 }], processedAt: new Date(Date.now() - 29 * HOUR_MS) }, { silent: true });
    const orderId = `gid://shopify/Order/${lost.id}`;
    const refundId = `gid://shopify/Refund/${refund.id}`;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await app.db.db().accountingDocument.count({ where: { tenantId, sourceId: { in: [orderId, refundId] } } })).toBe(0);
    const before = booksCounts();

    const first = await reconcileNow();
    expect(first.readCount).toBeGreaterThanOrEqual(2);
    expect(first.writtenCount).toBe(2);
    expect(first.summary).toMatch(/^Shopify orders of the last 72 hours: \d+ read, 2 sent to be posted;/);
    // Their day is left for the next run, when they are in.
    expect(first.skippedCount).toBeGreaterThanOrEqual(1);
    await expect
      .poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, sourceId: { in: [orderId, refundId] }, kind: { in: ["sale", "refund"] }, status: "POSTED" } }), { timeout: 60_000, interval: 250 })
      .toBe(2);
    await waitUntilSettled(60_000);

    const receipts = sandboxes.intuit.documents(realmId, "SalesReceipt").documents.filter((document) => document.docNumber === `SH-${lost.name}`);
    expect(receipts.map((receipt) => receipt.totalCents)).toEqual([orderTotals(lost).total.shop]);
    const refundReceipts = sandboxes.intuit.documents(realmId, "RefundReceipt").documents.filter((document) => document.docNumber === `SH-${lost.name}-R1`);
    expect(refundReceipts.map((receipt) => receipt.totalCents)).toEqual([refundTotal(lost, refund).shop]);
    expect(booksCounts()).toMatchObject({ receipts: before.receipts + 1, refunds: before.refunds + 1 });

    // The next run sends nothing again and compares the day (the counter's location and the online store): it matches.
    const second = await reconcileNow();
    expect(second.writtenCount).toBe(0);
    expect(second.skippedCount).toBe(0);
    expect(second.failedCount).toBe(0);
    expect(Number(/; (\d+) days? compared, 0 with differences$/.exec(second.summary ?? "")?.[1])).toBeGreaterThanOrEqual(2);
    expect(await openDifferences()).toEqual([]);
    await waitUntilSettled(60_000);
    expect(booksCounts()).toMatchObject({ receipts: before.receipts + 1, refunds: before.refunds + 1 });
    expect(await app.db.db().accountingDocument.count({ where: { tenantId, sourceId: { in: [orderId, refundId] }, kind: { in: ["sale", "refund"] } } })).toBe(2);
  }, 300_000);

  it("turns a day whose fees QuickBooks refused into one problem with the amounts, sees it again without doubling it, and resolves it once the books match", async () => {
    // The merchant makes the fee account inactive in QuickBooks: the sale still posts, its fee entry is refused.
    await setFeeAccountActive(false);
    const order = sandboxes.shopify.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-TOTE-NAT", quantity: 1 }], taxRate: "0.08875", processedAt: new Date(Date.now() - 30 * HOUR_MS) });
    const orderId = `gid://shopify/Order/${order.id}`;
    const fee = order.transactions.flatMap((transaction) => transaction.fees).reduce((total, entry) => total + entry.amount, 0);
    expect(fee).toBeGreaterThan(0);
    await expect.poll(async () => app.db.db().accountingDocument.findFirst({ where: { tenantId, sourceId: orderId, kind: "sale_fees" }, select: { status: true } }), { timeout: 60_000, interval: 250 }).toEqual({ status: "FAILED" });
    await waitUntilSettled(60_000);
    expect((await app.db.db().accountingDocument.findFirstOrThrow({ where: { tenantId, sourceId: orderId, kind: "sale" } })).status).toBe("POSTED");
    const books = booksCounts();

    const run = await reconcileNow();
    expect(run.writtenCount).toBe(0);
    expect(run.failedCount).toBe(1);
    const issues = await openDifferences();
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    const amount = (fee / 100).toFixed(2);
    expect(issue!.entityRef).toMatch(/^Shopify · Online Store · \d{4}-\d{2}-\d{2}$/);
    expect(issue!.message).toContain("Shopify sales at Online Store on");
    expect(issue!.message).toContain(`QuickBooks has ${amount} USD less processing fees on “Merchant Processing Fees”`);
    // The day's online orders include the first test's: what is posted falls short of what they call for by this fee.
    expect(issue!.message).toMatch(/Shopify has 2 sales for \d+\.\d{2} USD and 1 refund for \d+\.\d{2} USD that day\./);
    const fees = /less processing fees on “Merchant Processing Fees” than the records of Shopify at Online Store on \S+ call for \((\d+)\.(\d{2}) instead of (\d+)\.(\d{2})\)/.exec(issue!.message);
    expect(fees).not.toBeNull();
    const [postedFees, expectedFees] = [Number(fees![1]) * 100 + Number(fees![2]), Number(fees![3]) * 100 + Number(fees![4])];
    expect(expectedFees - postedFees).toBe(fee);
    expect(issue!.message).toContain(`QuickBooks has ${amount} USD more money received on “`);
    expect(issue!.retriable).toBe(true);
    expect(issue!.retryJob).toEqual({ name: "sync.reconcile", payload: { tenantId, syncId } });

    // Running again finds the same difference: the same problem seen twice, nothing sent or posted.
    const again = await reconcileNow();
    expect({ written: again.writtenCount, failed: again.failedCount }).toEqual({ written: 0, failed: 1 });
    expect(await app.db.db().syncIssue.findMany({ where: { tenantId, code: "ACCOUNTING_RECONCILIATION_DIFFERENCE" } })).toEqual([expect.objectContaining({ id: issue!.id, status: "OPEN", occurrences: 2 })]);
    await waitUntilSettled(60_000);
    expect(booksCounts()).toEqual(books);

    // The merchant turns the account back on and retries the order: its fee entry posts, and the day matches.
    await setFeeAccountActive(true);
    const { postShopifyOrderJob } = await import("~/sync/accounting/shopify-orders.server");
    await app.runtime.jobQueue().send(postShopifyOrderJob, { tenantId, orderId });
    await expect.poll(async () => app.db.db().accountingDocument.findFirst({ where: { tenantId, sourceId: orderId, kind: "sale_fees" }, select: { status: true } }), { timeout: 60_000, interval: 250 }).toEqual({ status: "POSTED" });
    await waitUntilSettled(60_000);
    expect(booksCounts()).toEqual({ ...books, journals: books.journals + 1 });

    const matched = await reconcileNow();
    expect({ written: matched.writtenCount, failed: matched.failedCount }).toEqual({ written: 0, failed: 0 });
    expect(await app.db.db().syncIssue.findUniqueOrThrow({ where: { id: issue!.id } })).toMatchObject({ status: "RESOLVED" });

    // And once more: nothing changes.
    const ledger = await app.db.db().accountingDocument.count({ where: { tenantId } });
    const quiet = await reconcileNow();
    expect({ written: quiet.writtenCount, failed: quiet.failedCount }).toEqual({ written: 0, failed: 0 });
    await waitUntilSettled(60_000);
    expect(booksCounts()).toEqual({ ...books, journals: books.journals + 1 });
    expect(await app.db.db().accountingDocument.count({ where: { tenantId } })).toBe(ledger);
    expect(await app.db.db().syncIssue.findUniqueOrThrow({ where: { id: issue!.id } })).toMatchObject({ status: "RESOLVED", occurrences: 2 });
  }, 300_000);

  it("with Shopify posted as daily summaries, sends no order to the per-order job but still compares the days", async () => {
    // Daily summaries of Shopify are another change's; the sync's settings say so directly here.
    const row = await app.db.db().sync.findUniqueOrThrow({ where: { id: syncId } });
    const settings = row.settings as { posting: Record<string, string> };
    await app.db.db().sync.update({ where: { id: syncId }, data: { settings: { ...settings, posting: { ...settings.posting, shopify: "daily_summary" } } } });
    try {
      const order = sandboxes.shopify.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-PIN-LOGO", quantity: 3 }], taxRate: "0.08875", processedAt: new Date(Date.now() - 30 * HOUR_MS) }, { silent: true });
      const orderId = `gid://shopify/Order/${order.id}`;
      const books = booksCounts();

      const run = await reconcileNow();
      expect(run.writtenCount).toBe(0);
      expect(run.skippedCount).toBe(0);
      expect(run.summary).toMatch(/0 sent to be posted; [1-9]\d* days? compared/);
      await waitUntilSettled(60_000);
      expect(await app.db.db().accountingDocument.count({ where: { tenantId, sourceId: orderId } })).toBe(0);
      expect(booksCounts()).toEqual(books);
      // The day the summary has yet to cover is reported with the order it lacks.
      const issues = await openDifferences();
      expect(issues.some((issue) => issue.entityRef?.startsWith("Shopify · Online Store · ") && issue.message.includes(`Shopify order ${order.name} (`) && issue.message.includes("has no QuickBooks document"))).toBe(true);
    } finally {
      await app.db.db().sync.update({ where: { id: syncId }, data: { settings: row.settings as object } });
    }
  }, 300_000);
});

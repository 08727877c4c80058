import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// The accounting sync's daily reconciliation, run as the scheduled job runs it (sync.reconcile through the queue):
// a sale made offline and uploaded a day late, with no webhook, is found by the 72-hour look-back and posted; a
// day whose processing fees QuickBooks refused to take becomes one problem saying, with the amounts, what differs.

const SELLER = "MLTB0DEMO0002";
const DOWNTOWN = "LTB0BOOKS0001";
const EVANSTON = "LTB0BOOKS0002";
let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let tenantId: string;
let realmId: string;
let syncId: string;

/** Sends the sync's reconciliation job and waits for the run it records. */
async function reconcileNow(): Promise<{ summary: string | null; readCount: number; writtenCount: number; failedCount: number }> {
  const before = await app.db.db().syncRun.count({ where: { tenantId, kind: "accounting.reconcile" } });
  await app.runtime.jobQueue().send(app.schedules.reconcileSyncJob, { tenantId, syncId });
  await expect.poll(async () => app.db.db().syncRun.count({ where: { tenantId, kind: "accounting.reconcile", status: { not: "RUNNING" } } }), { timeout: 60_000, interval: 250 }).toBe(before + 1);
  const run = await app.db.db().syncRun.findFirstOrThrow({ where: { tenantId, kind: "accounting.reconcile" }, orderBy: { startedAt: "desc" } });
  expect(run.error).toBeNull();
  return run;
}

/** Until no webhook, posting job or pending document is left. */
async function waitUntilSettled(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    sandboxes.square.flushWebhooks();
    const waiting = await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } });
    const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM pgboss.job WHERE name IN ('webhooks.process', 'accounting.post-square-order', 'sync.reconcile') AND state IN ('created', 'retry', 'active')`,
    );
    const pending = await app.db.db().accountingDocument.count({ where: { tenantId, status: "PENDING" } });
    if (waiting === 0 && Number(rows[0]!.count) === 0 && pending === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${waiting} events, ${rows[0]!.count} jobs, ${pending} documents pending`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  sandboxes.square.setSettings({ processingFeeDelayMs: 0 });
  app = await loadInventoryApp();
  await app.runtime.startRuntime(["worker"]);
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Reconciled Books Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
  const setup = await import("~/sync/accounting/setup.server");
  expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { square: "per_order" } })).toMatchObject({ ok: true });
  syncId = (await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING" } })).id;
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("daily accounting reconciliation", () => {
  it("is scheduled once a day for the accounting sync", async () => {
    const { ACCOUNTING_RECONCILIATION_CRON } = await import("~/sync/accounting/reconciliation.server");
    const schedules = await app.runtime.jobQueue().boss.getSchedules(app.schedules.reconcileSyncJob.name, syncId);
    expect(schedules).toEqual([expect.objectContaining({ key: syncId, cron: ACCOUNTING_RECONCILIATION_CRON })]);
    expect(ACCOUNTING_RECONCILIATION_CRON).toBe("0 6 * * *");

    // A sync made when reconciliation ran every ten minutes gets the daily schedule when it is turned on again.
    const setup = await import("~/sync/accounting/setup.server");
    await setup.disableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test" });
    await app.db.db().$transaction((tx) => app.schedules.scheduleReconciliation(tx, app.runtime.jobQueue(), { id: syncId, tenantId }, app.schedules.DEFAULT_RECONCILIATION_CRON));
    expect(await app.runtime.jobQueue().boss.getSchedules(app.schedules.reconcileSyncJob.name, syncId)).toEqual([expect.objectContaining({ cron: "*/10 * * * *" })]);
    expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { square: "per_order" } })).toMatchObject({ ok: true });
    expect(await app.runtime.jobQueue().boss.getSchedules(app.schedules.reconcileSyncJob.name, syncId)).toEqual([expect.objectContaining({ cron: ACCOUNTING_RECONCILIATION_CRON })]);
  });

  it("finds a sale uploaded a day late without a webhook, posts it, and then finds its day in balance", async () => {
    const late = sandboxes.square.sellOrder(SELLER, { locationId: DOWNTOWN, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 2 }], closedAt: new Date(Date.now() - 30 * 3600 * 1000).toISOString(), allowNegative: true, silent: true });
    if (!late.sold) throw new Error("the sale was refused");

    const first = await reconcileNow();
    expect(first.writtenCount).toBe(1);
    expect(first.summary).toMatch(/1 sent to be posted/);
    await expect.poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, sourceId: late.order.id, kind: "sale", status: "POSTED" } }), { timeout: 60_000, interval: 250 }).toBe(1);
    await waitUntilSettled(60_000);
    const receipts = sandboxes.intuit.documents(realmId, "SalesReceipt");
    expect(receipts.count).toBe(1);
    expect(receipts.totalCents).toBe(Number((late.order as { total_money: { amount: number } }).total_money.amount));

    // The next run sends nothing again and compares the day: it matches, so no problem is raised.
    const second = await reconcileNow();
    expect(second.writtenCount).toBe(0);
    expect(second.summary).toMatch(/0 with differences/);
    expect(await app.db.db().syncIssue.count({ where: { tenantId, code: "ACCOUNTING_RECONCILIATION_DIFFERENCE", status: "OPEN" } })).toBe(0);
    expect(sandboxes.intuit.documents(realmId, "SalesReceipt").count).toBe(1);
  }, 180_000);

  it("turns a day that does not match into one problem with the amounts in plain words", async () => {
    // The merchant makes the fee account inactive in QuickBooks: sales still post, their fee entries are refused.
    const { quickBooksRequest } = await import("~/integrations/quickbooks/api-client.server");
    const account = { tenantId, realmId };
    const read = await quickBooksRequest(app.db.db(), account, { method: "GET", path: "account/9" }, z.object({ Account: z.looseObject({ Id: z.string(), SyncToken: z.string(), Name: z.string() }) }));
    expect(read.Account.Name).toBe("Merchant Processing Fees");
    await quickBooksRequest(app.db.db(), account, { method: "POST", path: "account", body: { Id: "9", SyncToken: read.Account.SyncToken, sparse: true, Active: false } }, z.looseObject({}));

    const sale = sandboxes.square.sellOrder(SELLER, { locationId: EVANSTON, lines: [{ sku: "TB-NOTE-A6-DOT", quantity: 1 }], closedAt: new Date(Date.now() - 30 * 3600 * 1000).toISOString(), allowNegative: true });
    if (!sale.sold) throw new Error("the sale was refused");
    const fee = Number((sale.payments[0] as { processing_fee: { amount_money: { amount: number } }[] }).processing_fee[0]!.amount_money.amount);
    expect(fee).toBeGreaterThan(0);
    // Its webhooks post the receipt; the fee entry is refused.
    await expect.poll(async () => app.db.db().accountingDocument.findFirst({ where: { tenantId, sourceId: sale.order.id, kind: "sale_fees" }, select: { status: true } }), { timeout: 60_000, interval: 250 }).toEqual({ status: "FAILED" });
    await waitUntilSettled(60_000);
    expect((await app.db.db().accountingDocument.findFirstOrThrow({ where: { tenantId, sourceId: sale.order.id, kind: "sale" } })).status).toBe("POSTED");

    const run = await reconcileNow();
    expect(run.writtenCount).toBe(0);
    expect(run.failedCount).toBe(1);
    const issues = await app.db.db().syncIssue.findMany({ where: { tenantId, code: "ACCOUNTING_RECONCILIATION_DIFFERENCE", status: "OPEN" } });
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    const amount = (fee / 100).toFixed(2);
    expect(issue!.entityRef).toMatch(/^Square · Evanston Store · \d{4}-\d{2}-\d{2}$/);
    expect(issue!.message).toContain("Square sales at Evanston Store on");
    expect(issue!.message).toContain(`QuickBooks has ${amount} USD less processing fees on “Merchant Processing Fees”`);
    expect(issue!.message).toContain(`(0.00 instead of ${amount})`);
    expect(issue!.message).toContain(`QuickBooks has ${amount} USD more money received on “Undeposited Funds”`);
    expect(issue!.retriable).toBe(true);
    expect(issue!.retryJob).toEqual({ name: "sync.reconcile", payload: { tenantId, syncId } });

    // The next run finds the same difference: the same problem, seen again, not a second one.
    const again = await reconcileNow();
    expect(again.failedCount).toBe(1);
    const repeated = await app.db.db().syncIssue.findMany({ where: { tenantId, code: "ACCOUNTING_RECONCILIATION_DIFFERENCE" } });
    expect(repeated).toEqual([expect.objectContaining({ id: issue!.id, status: "OPEN", occurrences: 2 })]);
    // The Downtown day of the first test is still in balance.
    expect(repeated.some((entry) => entry.entityRef?.includes("Downtown"))).toBe(false);
  }, 180_000);
});

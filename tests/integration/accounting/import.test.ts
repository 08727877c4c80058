import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { businessDateOf } from "~/domain/accounting/source-sale";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// A historical import end to end: Square sales made before accounting was on (no webhooks announce them) are found
// by SearchOrders from a start date and posted to the Intuit sandbox by the per-order job, a few at a time. Midway,
// the merchant's QuickBooks grant is revoked: the import pauses and the merchant is told; once QuickBooks is
// reconnected it carries on from where it stopped, and the books end with every order exactly once.

const SELLER = "MLTB0DEMO0002";
const DOWNTOWN = "LTB0BOOKS0001";
const EVANSTON = "LTB0BOOKS0002";
const TIME_ZONE = "America/Chicago";
const PAGE_SIZE = 5;
let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let importing: typeof import("~/sync/accounting/import.server");
let page: typeof import("~/sync/accounting/accounting-page.server");
let tenantId: string;
let realmId: string;

async function importRow(importId: string) {
  return app.db.db().accountingImport.findFirstOrThrow({ where: { id: importId, tenantId } });
}

function cents(order: unknown): number {
  return Number((order as { total_money: { amount: number } }).total_money.amount);
}

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  sandboxes.square.setSettings({ processingFeeDelayMs: 0 });
  app = await loadInventoryApp();
  importing = await import("~/sync/accounting/import.server");
  page = await import("~/sync/accounting/accounting-page.server");
  await app.runtime.startRuntime(["worker"]);
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Import Books Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
  const setup = await import("~/sync/accounting/setup.server");
  expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { square: "per_order" } })).toMatchObject({ ok: true });
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("historical import of Square sales", () => {
  it("posts every order closed since the start date exactly once, pausing while QuickBooks is revoked and continuing after reconnecting", async () => {
    const now = Date.now();
    // The start date: yesterday in Chicago. One sale closed the evening before it (offline, uploaded now) stays out.
    const startDate = businessDateOf(new Date(now - 24 * 3600 * 1000).toISOString(), TIME_ZONE);
    const { startOfBusinessDay } = await import("~/sync/accounting/business-time");
    const dayStart = Date.parse(startOfBusinessDay(startDate, TIME_ZONE));
    const before = sandboxes.square.sellOrder(SELLER, { locationId: DOWNTOWN, lines: [{ sku: "BG-PUZ-1000", quantity: 1 }], closedAt: new Date(dayStart - 2 * 3600 * 1000).toISOString(), allowNegative: true, silent: true });
    const early = sandboxes.square.sellOrder(SELLER, { locationId: EVANSTON, lines: [{ sku: "TB-NOTE-A6-DOT", quantity: 1 }], tenders: [{ type: "CASH" }], closedAt: new Date(dayStart + 3600 * 1000).toISOString(), allowNegative: true, silent: true });
    const sales = [early];
    for (let index = 0; index < 22; index++) {
      sales.push(
        sandboxes.square.sellOrder(SELLER, {
          locationId: index % 2 === 0 ? DOWNTOWN : EVANSTON,
          lines: [{ sku: index % 3 === 0 ? "TB-NOTE-A5-DOT" : "BG-PUZ-1000", quantity: 1 + (index % 2) }],
          tenders: index % 4 === 0 ? [{ type: "CASH" }] : [{ type: "CARD" }],
          allowNegative: true,
          silent: true,
        }),
      );
    }
    expect(before.sold).toBe(true);
    for (const sale of sales) expect(sale.sold).toBe(true);
    const orders = sales.map((sale) => (sale.sold ? sale.order : null)!);
    const refund = sandboxes.square.refundAtRegister(SELLER, { orderId: orders[0]!.id, lines: [{ sku: "TB-NOTE-A6-DOT", quantity: 1 }], silent: true });
    const found = orders.length + 1;

    const searchesBefore = sandboxes.square.stats().byEndpoint["POST /v2/orders/search"] ?? 0;
    const started = await importing.startAccountingImport(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", source: "square", startDate, pageSize: PAGE_SIZE });
    if (!started.ok) throw new Error(started.message);

    // A second import while this one goes is refused, from the page's form as from anywhere.
    const second = await page.performAccountingAction(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test" }, { intent: "import", source: "square", startDate });
    expect(second).toMatchObject({ ok: false, message: expect.stringMatching(/still going/) });
    const malformed = await page.performAccountingAction(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test" }, { intent: "import", source: "square", startDate: "last week" });
    expect(malformed).toBeInstanceOf(Response);

    // The count comes first, then a few pages are posted.
    await expect.poll(async () => (await importRow(started.importId)).ordersFound, { timeout: 30_000, interval: 200 }).toBe(found);
    await expect
      .poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, kind: "sale", status: "POSTED" } }), { timeout: 60_000, interval: 100 })
      .toBeGreaterThanOrEqual(2 * PAGE_SIZE);

    // QuickBooks is disconnected from its side in the middle of the import.
    const revoked = await fetch(`${sandboxes.intuit.url}/_sandbox/companies/${realmId}/disconnect`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(revoked.ok).toBe(true);
    await expect.poll(async () => (await importRow(started.importId)).status, { timeout: 60_000, interval: 250 }).toBe("PAUSED");

    const paused = await importRow(started.importId);
    expect(paused.ordersPosted).toBeLessThan(found);
    expect(paused.error).toMatch(/Reconnect QuickBooks under Connections: the import continues where it stopped/);
    expect((await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } })).status).toBe("NEEDS_REAUTH");
    const reauth = await app.db.db().syncIssue.findFirstOrThrow({ where: { tenantId, code: "CONNECTION_NEEDS_REAUTH" } });
    expect(reauth).toMatchObject({ status: "OPEN" });
    expect(reauth.message).toMatch(/Reconnect QuickBooks/);
    const shown = await page.loadAccountingPage(app.db.db(), tenantId);
    expect(shown.accountingImports.find((progress) => progress.source === "square")).toMatchObject({ status: "PAUSED", ordersFound: found, reason: expect.stringMatching(/Reconnect QuickBooks/) });

    // While paused, nothing more is posted.
    const postedWhilePaused = await app.db.db().accountingDocument.count({ where: { tenantId, status: "POSTED" } });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await app.db.db().accountingDocument.count({ where: { tenantId, status: "POSTED" } })).toBe(postedWhilePaused);
    expect((await importRow(started.importId)).status).toBe("PAUSED");

    // The merchant reconnects: the import goes on by itself and finishes.
    await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
    await expect.poll(async () => (await importRow(started.importId)).status, { timeout: 120_000, interval: 500 }).toBe("DONE");

    const done = await importRow(started.importId);
    expect(done).toMatchObject({ ordersFound: found, ordersPosted: found, ordersNotPosted: 0, error: null });
    expect(done.finishedAt).not.toBeNull();
    expect((await app.db.db().syncIssue.findFirstOrThrow({ where: { tenantId, code: "CONNECTION_NEEDS_REAUTH" } })).status).toBe("RESOLVED");

    // The books hold each sale and the refund once, and nothing from before the start date.
    const receipts = sandboxes.intuit.documents(realmId, "SalesReceipt");
    expect(receipts.count).toBe(orders.length);
    expect(new Set(receipts.documents.map((document) => document.docNumber)).size).toBe(orders.length);
    expect(receipts.totalCents).toBe(orders.reduce((total, order) => total + cents(order), 0));
    const refunds = sandboxes.intuit.documents(realmId, "RefundReceipt");
    expect(refunds.count).toBe(1);
    expect(refunds.totalCents).toBe(refund.refunds.reduce((total, entry) => total + Number((entry as { amount_money: { amount: number } }).amount_money.amount), 0));
    expect(await app.db.db().accountingDocument.count({ where: { tenantId, sourceId: before.sold ? before.order.id : "" } })).toBe(0);
    const ledger = await app.db.db().accountingDocument.groupBy({ by: ["status"], where: { tenantId }, _count: true });
    expect(ledger).toEqual([expect.objectContaining({ status: "POSTED" })]);

    // It continued where it stopped: one count search per location, then each page read once (plus each
    // location's closing empty page at most), not the whole range again after the pause.
    const perLocation = [DOWNTOWN, EVANSTON].map((location) => orders.filter((order) => order.location_id === location).length + (location === EVANSTON ? 1 : 0));
    const searches = (sandboxes.square.stats().byEndpoint["POST /v2/orders/search"] ?? 0) - searchesBefore;
    expect(searches).toBeLessThanOrEqual(2 + perLocation.reduce((total, count) => total + Math.ceil(count / PAGE_SIZE) + 1, 0));

    const run = await app.db.db().syncRun.findFirstOrThrow({ where: { tenantId, kind: "accounting.import" } });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.summary).toContain(`${found} orders in QuickBooks`);
    const finished = await page.loadAccountingPage(app.db.db(), tenantId);
    expect(finished.accountingImports.find((progress) => progress.source === "square")).toMatchObject({ status: "DONE", ordersPosted: found, minutesLeft: null });
  }, 300_000);

  it("counts orders already in QuickBooks without sending them again, and a step the import does not name does nothing", async () => {
    const receiptsBefore = sandboxes.intuit.documents(realmId, "SalesReceipt").count;
    const jobsBefore = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM pgboss.job WHERE name = 'accounting.post-square-order'`);
    const today = businessDateOf(new Date().toISOString(), TIME_ZONE);
    const started = await importing.startAccountingImport(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", source: "square", startDate: today });
    if (!started.ok) throw new Error(started.message);

    // A step with a token the row does not hold (a duplicate a crash left behind) ends without doing anything.
    const sent: unknown[] = [];
    const fakeContext = { send: async (...args: unknown[]) => (sent.push(args), "job"), logger: (await import("~/observability/logger.server")).logger };
    expect(await importing.stepAccountingImport(app.db.db(), fakeContext, { tenantId, importId: started.importId, step: crypto.randomUUID() })).toBe("superseded");
    expect(sent).toEqual([]);

    await expect.poll(async () => (await importRow(started.importId)).status, { timeout: 60_000, interval: 250 }).toBe("DONE");
    const done = await importRow(started.importId);
    expect(done.ordersPosted).toBeGreaterThan(0);
    expect(done).toMatchObject({ ordersNotPosted: 0, ordersFound: done.ordersPosted });
    expect(sandboxes.intuit.documents(realmId, "SalesReceipt").count).toBe(receiptsBefore);
    const jobsAfter = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM pgboss.job WHERE name = 'accounting.post-square-order'`);
    expect(Number(jobsAfter[0]!.count)).toBe(Number(jobsBefore[0]!.count));
  }, 120_000);
});

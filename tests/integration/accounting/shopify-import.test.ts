import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { businessDateOf } from "~/domain/accounting/source-sale";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { orderTotals, refundTotal } from "../../../sandbox/shopify/order-totals";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// A historical import of Shopify orders end to end: paid orders processed before accounting was on (their
// webhooks came while it was off, so nothing posted them) are found by the Admin API's orders search from a start
// date, in the shop's time zone, and posted with their refunds to the Intuit sandbox by the per-order job, a page
// at a time. The books end with each order and refund once, equal to Shopify's shop money to the cent; an order
// from before the start date stays out; an import run again posts nothing; a start date beyond Shopify's 60-day
// window (the app has no read_all_orders scope) is refused in plain words.

const SELLER = "MLTB0DEMO0002";
const SHOP_TIME_ZONE = "America/New_York";
const PAGE_SIZE = 2;
const DAY_MS = 24 * 3600 * 1000;
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

/** Until every webhook is processed and no posting job waits (the webhooks of orders made while accounting was off). */
async function waitUntilQuiet(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    sandboxes.shopify.flushWebhooks();
    const waiting = await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } });
    const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM pgboss.job WHERE name IN ('webhooks.process', 'accounting.post-shopify-order') AND state IN ('created', 'retry', 'active')`,
    );
    if (waiting === 0 && Number(rows[0]!.count) === 0) return;
    if (Date.now() > deadline) throw new Error(`not quiet: ${waiting} events, ${rows[0]!.count} jobs`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  app = await loadInventoryApp();
  importing = await import("~/sync/accounting/import.server");
  page = await import("~/sync/accounting/accounting-page.server");
  await app.runtime.startRuntime(["worker"]);
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Shopify History Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("historical import of Shopify orders", () => {
  it("posts the paid orders processed since the start date and their refunds exactly once, and the page shows its progress", async () => {
    const shop = sandboxes.shopify;
    const now = Date.now();
    // The start date: ten days ago in the shop's time zone. One order processed the evening before stays out.
    const startDate = businessDateOf(new Date(now - 10 * DAY_MS).toISOString(), SHOP_TIME_ZONE);
    const { startOfBusinessDay } = await import("~/sync/accounting/business-time");
    const dayStart = Date.parse(startOfBusinessDay(startDate, SHOP_TIME_ZONE));

    // Made while accounting is off: their webhooks arrive and post nothing.
    const before = shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-MUG-12OZ", quantity: 1 }], processedAt: new Date(dayStart - 2 * 3600 * 1000) });
    const orders = [
      shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-TEE-BLK-M", quantity: 2 }], taxRate: "0.08875", shippingAmount: "6.50", customerEmail: "ana.ruiz@example.com", processedAt: new Date(dayStart + 3600 * 1000) }),
      shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-PIN-LOGO", quantity: 3 }], discountPercent: "10", discountCode: "WELCOME10", processedAt: new Date(now - 7 * DAY_MS) }),
      shop.createOrder(DEMO_SHOP, {
        lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 2 }],
        tipAmount: "2.00",
        taxRate: "0.08875",
        gateways: [{ gateway: "cash", amount: "10.00" }, { gateway: "shopify_payments" }],
        source: "pos",
        processedAt: new Date(now - 5 * DAY_MS),
      }),
      shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-BEANIE-CHR", quantity: 1 }], presentmentCurrency: "CAD", rate: "1.3725", taxRate: "0.13", processedAt: new Date(now - 3 * DAY_MS) }),
      shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-TOTE-NAT", quantity: 1 }], processedAt: new Date(now - 2 * DAY_MS) }),
    ];
    // A refund of the first order, two days after it.
    const refunded = shop.refundOrder(DEMO_SHOP, orders[0]!.id, { lines: [{ lineItemId: orders[0]!.lineItems[0]!.id, quantity: 1 }], processedAt: new Date(dayStart + 2 * DAY_MS) });
    // Their webhooks reach the app (delivered over HTTP, after the orders are made) and are processed.
    const delivered = (topic: string) => shop.deliveries().filter((delivery) => delivery.topic === topic && delivery.ok).length;
    await expect
      .poll(() => (shop.flushWebhooks(), { paid: delivered("orders/paid"), refunds: delivered("refunds/create"), updated: delivered("orders/updated") > 0 }), { timeout: 120_000, interval: 200 })
      .toEqual({ paid: orders.length + 1, refunds: 1, updated: true });
    await waitUntilQuiet(60_000);
    expect(await app.db.db().accountingDocument.count({ where: { tenantId } })).toBe(0);

    // Accounting turned on for Shopify (and Square, whose latest import the page shows too).
    const setup = await import("~/sync/accounting/setup.server");
    expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "per_order", square: "per_order" } })).toMatchObject({ ok: true });

    // Before starting, the page says how far back Shopify lets Tillbridge see.
    const offered = await page.loadAccountingPage(app.db.db(), tenantId);
    expect(offered.shopifyImportEarliest).toMatchObject({ windowDays: 60 });
    expect(offered.shopifyImportEarliest!.date <= startDate).toBe(true);

    const started = await importing.startAccountingImport(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", source: "shopify", startDate, pageSize: PAGE_SIZE });
    if (!started.ok) throw new Error(started.message);
    expect(started.message).toMatch(/Importing Shopify sales since/);

    // A second Shopify import while this one goes is refused, from the page's form as from anywhere.
    const second = await page.performAccountingAction(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test" }, { intent: "import", source: "shopify", startDate });
    expect(second).toMatchObject({ ok: false, message: expect.stringMatching(/Shopify sales since .* is still going/) });

    // The count comes first: the page shows it with the progress.
    await expect.poll(async () => (await importRow(started.importId)).ordersFound, { timeout: 60_000, interval: 200 }).toBe(orders.length);
    const shown = await page.loadAccountingPage(app.db.db(), tenantId);
    const progress = shown.accountingImports.find((entry) => entry.source === "shopify");
    expect(progress).toMatchObject({ id: started.importId, startDate, ordersFound: orders.length });
    expect(["RUNNING", "DONE"]).toContain(progress!.status);

    await expect.poll(async () => (await importRow(started.importId)).status, { timeout: 180_000, interval: 500 }).toBe("DONE");
    await waitUntilQuiet(60_000);
    const done = await importRow(started.importId);
    expect(done).toMatchObject({ ordersFound: orders.length, ordersPosted: orders.length, ordersNotPosted: 0, error: null });

    // The books hold each order and the refund once, in shop money to the cent, and nothing from before the start.
    const receipts = sandboxes.intuit.documents(realmId, "SalesReceipt");
    expect(receipts.documents.map((document) => document.docNumber).sort()).toEqual(orders.map((order) => `SH-${order.name}`).sort());
    for (const order of orders) {
      const receipt = receipts.documents.find((document) => document.docNumber === `SH-${order.name}`)!;
      expect({ order: order.name, cents: receipt.totalCents, currency: receipt.currency }).toEqual({ order: order.name, cents: orderTotals(order).total.shop, currency: "USD" });
    }
    expect(receipts.totalCents).toBe(orders.reduce((total, order) => total + orderTotals(order).total.shop, 0));
    const refunds = sandboxes.intuit.documents(realmId, "RefundReceipt");
    expect(refunds.count).toBe(1);
    expect(refunds.documents[0]!.docNumber).toBe(`SH-${orders[0]!.name}-R1`);
    expect(refunds.totalCents).toBe(refundTotal(refunded.order, refunded.refund).shop);
    expect(await app.db.db().accountingDocument.count({ where: { tenantId, sourceId: `gid://shopify/Order/${before.id}` } })).toBe(0);
    const ledger = await app.db.db().accountingDocument.groupBy({ by: ["status"], where: { tenantId }, _count: true });
    expect(ledger).toEqual([expect.objectContaining({ status: "POSTED" })]);

    const run = await app.db.db().syncRun.findFirstOrThrow({ where: { tenantId, kind: "accounting.import" } });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.summary).toContain(`Shopify sales since ${startDate}: ${orders.length} orders in QuickBooks`);

    // The page shows the latest import of each channel: Square's (a finished one) and this one.
    const square = await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SQUARE" } } });
    await app.db.db().accountingImport.create({ data: { tenantId, syncId: square.id, source: "square", startDate, status: "DONE", ordersFound: 3, ordersPosted: 3, finishedAt: new Date() } });
    const finished = await page.loadAccountingPage(app.db.db(), tenantId);
    expect(finished.accountingImports).toEqual([
      expect.objectContaining({ source: "square", status: "DONE", ordersPosted: 3 }),
      expect.objectContaining({ source: "shopify", status: "DONE", ordersFound: orders.length, ordersPosted: orders.length, minutesLeft: null }),
    ]);

    // Importing the same range again posts nothing twice: every order is found in the ledger and counted.
    const again = await importing.startAccountingImport(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", source: "shopify", startDate, pageSize: PAGE_SIZE });
    if (!again.ok) throw new Error(again.message);
    await expect.poll(async () => (await importRow(again.importId)).status, { timeout: 120_000, interval: 500 }).toBe("DONE");
    expect(await importRow(again.importId)).toMatchObject({ ordersFound: orders.length, ordersPosted: orders.length, ordersNotPosted: 0 });
    expect(sandboxes.intuit.documents(realmId, "SalesReceipt").count).toBe(orders.length);
    expect(sandboxes.intuit.documents(realmId, "RefundReceipt").count).toBe(1);
  }, 420_000);

  it("refuses a start date beyond the 60 days of orders Shopify shows without read_all_orders, in plain words", async () => {
    const scopes = (await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "SHOPIFY" } })).scopes;
    expect(scopes).not.toContain("read_all_orders");
    const tooOld = businessDateOf(new Date(Date.now() - 75 * DAY_MS).toISOString(), SHOP_TIME_ZONE);
    const refused = await page.performAccountingAction(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test" }, { intent: "import", source: "shopify", startDate: tooOld });
    expect(refused).toMatchObject({ ok: false, message: expect.stringMatching(/only the last 60 days of orders .*read_all_orders.* Choose \d{4}-\d{2}-\d{2} or later/) });
    const earliest = /Choose (\d{4}-\d{2}-\d{2}) or later/.exec((refused as { message: string }).message)![1]!;
    expect(earliest > tooOld).toBe(true);
    expect(await app.db.db().accountingImport.count({ where: { tenantId, source: "shopify", startDate: tooOld } })).toBe(0);

    // The earliest day it names is accepted.
    const accepted = await importing.startAccountingImport(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", source: "shopify", startDate: earliest });
    expect(accepted).toMatchObject({ ok: true });
    if (accepted.ok) await expect.poll(async () => (await importRow(accepted.importId)).status, { timeout: 120_000, interval: 500 }).toBe("DONE");
  }, 180_000);
});

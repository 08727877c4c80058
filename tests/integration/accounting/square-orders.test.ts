import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// Square sales and a refund reach QuickBooks exactly once, end to end: register sales in the Square sandbox send
// their webhooks to the app's routes over HTTP, workers read each order through the Square SDK and post it through
// the QuickBooks client to the Intuit sandbox, while QuickBooks answers with 5xx and loses responses after
// committing, and Square delivers webhooks twice. In the end the books hold one document per order and refund, and
// their totals equal Square's to the cent.

const SELLER = "MLTB0DEMO0002";
let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let tenantId: string;
let realmId: string;

async function waitUntilPosted(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    sandboxes.square.flushWebhooks();
    const waiting = await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } });
    const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM pgboss.job WHERE name IN ('webhooks.process', 'accounting.post-square-order') AND state IN ('created', 'retry', 'active')`,
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
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Books & Games Ledger Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("Square orders into QuickBooks", () => {
  it("turns accounting on with the default mapping of a common US company", async () => {
    const setup = await import("~/sync/accounting/setup.server");
    expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { square: "daily_summary" } })).toMatchObject({ ok: false });
    const enabled = await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { square: "per_order" } });
    expect(enabled).toMatchObject({ ok: true });
    const sync = await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING" } });
    expect(sync.enabled).toBe(true);
  });

  it("posts every sale and refund once, with the books equal to Square to the cent, through faults and duplicate webhooks", async () => {
    const location = sandboxes.square.sellers().find((seller) => seller.id === SELLER)!.locations[0]!.id;
    sandboxes.intuit.setFaults({ seed: 11, serverErrorRate: 0.1, lostResponseRate: 0.1 });
    sandboxes.square.setFaults({ webhooks: { duplicateRate: 0.5 } });

    const sales = [
      sandboxes.square.sellOrder(SELLER, { locationId: location, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 2 }] }),
      sandboxes.square.sellOrder(SELLER, { locationId: location, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 1 }], tenders: [{ type: "CASH", amount: 500 }, { type: "CARD" }] }),
      sandboxes.square.sellOrder(SELLER, { locationId: location, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 3 }], discountPercent: 10, tipAmount: 200 }),
      sandboxes.square.sellOrder(SELLER, { locationId: location, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 1 }], tenders: [{ type: "CASH" }] }),
    ];
    for (const sale of sales) expect(sale.sold).toBe(true);
    const orders = sales.map((sale) => (sale.sold ? sale.order : null)!);
    const refund = sandboxes.square.refundAtRegister(SELLER, { orderId: orders[0]!.id, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 1 }] });

    // Webhooks are on their way: wait until every order and the refund has its receipt, then until all is quiet.
    await expect
      .poll(async () => (await app.db.db().accountingDocument.count({ where: { tenantId, kind: { in: ["sale", "refund"] }, status: "POSTED" } })), { timeout: 240_000, interval: 250 })
      .toBe(sales.length + 1);
    await waitUntilPosted(240_000);
    sandboxes.intuit.resetFaults();
    sandboxes.square.resetFaults();

    const stats = sandboxes.intuit.stats();
    expect(stats.lostResponses + stats.apiServerErrors).toBeGreaterThan(0);

    const receipts = sandboxes.intuit.documents(realmId, "SalesReceipt");
    expect(receipts.count).toBe(sales.length);
    const squareTotal = orders.reduce((total, order) => total + Number((order as { total_money: { amount: number } }).total_money.amount), 0);
    expect(receipts.totalCents).toBe(squareTotal);
    expect(new Set(receipts.documents.map((document) => document.docNumber)).size).toBe(sales.length);

    const refunds = sandboxes.intuit.documents(realmId, "RefundReceipt");
    expect(refunds.count).toBe(1);
    const refunded = refund.refunds.reduce((total, entry) => total + Number((entry as { amount_money: { amount: number } }).amount_money.amount), 0);
    expect(refunds.totalCents).toBe(refunded);

    // Split payments and card fees are journal entries; nothing is left pending or failed.
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").count).toBeGreaterThan(0);
    const ledger = await app.db.db().accountingDocument.groupBy({ by: ["status"], where: { tenantId }, _count: true });
    expect(ledger).toEqual([expect.objectContaining({ status: "POSTED" })]);

    // A late duplicate of every order's webhook posts nothing more.
    const before = sandboxes.intuit.documents(realmId, "SalesReceipt").count;
    for (const order of orders) {
      await sandboxes.square.deliverEvent({ merchant_id: SELLER, type: "order.updated", location_id: location, data: { type: "order_updated", id: order.id, object: { order_updated: { order_id: order.id, state: "COMPLETED", location_id: location, version: 9 } } } } as never);
    }
    await waitUntilPosted(120_000);
    expect(sandboxes.intuit.documents(realmId, "SalesReceipt").count).toBe(before);
  }, 600_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { orderTotals } from "../../../sandbox/shopify/order-totals";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// A Shopify order edited after its receipt was posted, end to end: the edit (a line added, the difference collected
// by card) sends orders/updated to the app's route, a worker reads the order again and finds its receipt's content
// changed, and posts the next revision as an update of the same QuickBooks receipt (same DocNumber, SyncToken
// advanced), its fee entry likewise; a webhook delivered again sends nothing. With the books closed through the
// receipt's date, the change is a correcting receipt in the open period holding only the difference.

const SELLER = "MLTB0DEMO0002";
const JOB = "accounting.post-shopify-order";
const DAY_MS = 24 * 3600 * 1000;
let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let tenantId: string;
let realmId: string;

async function waitUntilSettled(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    sandboxes.shopify.flushWebhooks();
    const waiting = await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } });
    const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM pgboss.job WHERE name IN ('webhooks.process', '${JOB}') AND state IN ('created', 'retry', 'active')`,
    );
    const pending = await app.db.db().accountingDocument.count({ where: { tenantId, status: "PENDING" } });
    if (waiting === 0 && Number(rows[0]!.count) === 0 && pending === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${waiting} events, ${rows[0]!.count} jobs, ${pending} documents pending`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function receiptOf(docNumber: string) {
  return sandboxes.intuit.documents(realmId, "SalesReceipt").documents.filter((document) => document.docNumber === docNumber);
}

async function ledgerRow(sourceId: string, kind: string) {
  return app.db.db().accountingDocument.findUniqueOrThrow({ where: { tenantId_source_sourceId_kind: { tenantId, source: "shopify", sourceId, kind } } });
}

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  app = await loadInventoryApp();
  await app.runtime.startRuntime(["worker"]);
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Edited Orders Ledger Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
  const setup = await import("~/sync/accounting/setup.server");
  expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "per_order" } })).toMatchObject({ ok: true });
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("Shopify orders edited after posting", () => {
  it("updates the same receipt and its fee entry (next revision, SyncToken advanced); a duplicate webhook sends nothing", async () => {
    const shop = sandboxes.shopify;
    const order = shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-TEE-BLK-M", quantity: 1 }], taxRate: "0.08875", customerEmail: "ana.ruiz@example.com" });
    const orderId = `gid://shopify/Order/${order.id}`;
    const docNumber = `SH-${order.name}`;
    await expect.poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, sourceId: orderId, status: "POSTED" } }), { timeout: 120_000, interval: 250 }).toBe(2);
    await waitUntilSettled(120_000);
    const [posted] = receiptOf(docNumber);
    expect(posted!.totalCents).toBe(orderTotals(order).total.shop);
    const feesBefore = await ledgerRow(orderId, "sale_fees");

    // The merchant adds two mugs to the paid order; Shopify collects the difference by card.
    const edited = shop.editOrder(DEMO_SHOP, order.id, { addLines: [{ sku: "TB-MUG-12OZ", quantity: 2 }] });
    const newTotal = orderTotals(edited).total.shop;
    expect(newTotal).toBeGreaterThan(posted!.totalCents);
    await expect.poll(async () => (await ledgerRow(orderId, "sale")).revision, { timeout: 120_000, interval: 250 }).toBe(1);
    await waitUntilSettled(120_000);

    const receipts = receiptOf(docNumber);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ id: posted!.id, totalCents: newTotal, voided: false });
    expect(Number(receipts[0]!.syncToken)).toBe(Number(posted!.syncToken) + 1);
    const sale = await ledgerRow(orderId, "sale");
    expect(sale).toMatchObject({ status: "POSTED", revision: 1, qboId: posted!.id, syncToken: receipts[0]!.syncToken, totalMinor: newTotal, docNumber });
    // The second card payment's fee: the fee entry is the same entry, updated to both fees.
    const fees = await ledgerRow(orderId, "sale_fees");
    expect(fees).toMatchObject({ status: "POSTED", revision: 1, qboId: feesBefore.qboId });
    expect(fees.totalMinor).toBeGreaterThan(feesBefore.totalMinor);
    const feeEntry = sandboxes.intuit.documents(realmId, "JournalEntry").documents.find((document) => document.id === fees.qboId)!;
    expect(feeEntry.totalCents).toBe(fees.totalMinor);
    expect(sandboxes.intuit.documents(realmId, "SalesReceipt").count).toBe(1);
    const run = await app.db.db().syncRun.findFirst({ where: { tenantId, kind: "accounting.post" }, orderBy: { startedAt: "desc" } });
    expect(run?.summary).toContain(`${docNumber} updated`);

    // The same orders/updated again (and once more as a new event): nothing is sent.
    const updates = shop.deliveries().filter((delivery) => delivery.topic === "orders/updated" && (JSON.parse(delivery.body) as { id: number }).id === order.id);
    expect(updates.length).toBeGreaterThan(0);
    await shop.deliverWebhook(DEMO_SHOP, "orders/updated", JSON.parse(updates.at(-1)!.body));
    await shop.deliverWebhook(DEMO_SHOP, "orders/paid", JSON.parse(updates.at(-1)!.body));
    await waitUntilSettled(120_000);
    expect(receiptOf(docNumber)).toEqual(receipts);
    expect(await ledgerRow(orderId, "sale")).toMatchObject({ revision: 1, syncToken: sale.syncToken, attempts: sale.attempts });
    expect(await ledgerRow(orderId, "sale_fees")).toMatchObject({ revision: 1, syncToken: fees.syncToken });
    expect(await app.db.db().syncIssue.findMany({ where: { tenantId, status: "OPEN" }, select: { key: true, message: true } })).toEqual([]);
  }, 300_000);

  it("with the books closed through the receipt's date, posts a correcting receipt of the difference today and leaves the closed one alone", async () => {
    const shop = sandboxes.shopify;
    const setup = await import("~/sync/accounting/setup.server");
    const shopifyOrders = await import("~/sync/accounting/shopify-orders.server");
    const daily = await import("~/sync/accounting/daily-summaries.server");
    // Paid in cash (no processing fees) three days ago.
    const order = shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-PIN-LOGO", quantity: 2 }], taxRate: "0.08875", gateways: [{ gateway: "cash" }], processedAt: new Date(Date.now() - 3 * DAY_MS) });
    const orderId = `gid://shopify/Order/${order.id}`;
    const docNumber = `SH-${order.name}`;
    await expect.poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, sourceId: orderId, kind: "sale", status: "POSTED" } }), { timeout: 120_000, interval: 250 }).toBe(1);
    await waitUntilSettled(120_000);
    const [posted] = receiptOf(docNumber);
    const row = await ledgerRow(orderId, "sale");

    // The merchant closes the books through the receipt's day, then edits the order; the edit's webhook finds
    // accounting off (so the job below is the one that posts it, with books that know the closing date).
    await setup.disableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test" });
    const edited = shop.editOrder(DEMO_SHOP, order.id, { addLines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], gateway: "cash" });
    await waitUntilSettled(60_000);
    expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "per_order" } })).toMatchObject({ ok: true });
    const closedBooks = (account: Parameters<typeof daily.dailyBooks>[1]) => ({ ...daily.dailyBooks(app.db.db(), account), closedThrough: async () => row.txnDate });

    const corrected = await shopifyOrders.postShopifyOrder(app.db.db(), tenantId, orderId, undefined, { books: closedBooks });
    const difference = orderTotals(edited).total.shop - posted!.totalCents;
    expect(difference).toBeGreaterThan(0);
    expect(corrected).toMatchObject({ outcome: "posted", documents: [{ outcome: "posted", docNumber: `${docNumber}-C1`, how: "created", corrects: { docNumber, closedThrough: row.txnDate } }] });

    // The closed receipt is untouched; the correction is a receipt of the difference, dated after the closing date.
    expect(receiptOf(docNumber)).toEqual([posted]);
    const [correction] = receiptOf(`${docNumber}-C1`);
    expect(correction!.totalCents).toBe(difference);
    expect(correction!.txnDate > row.txnDate).toBe(true);
    expect(posted!.totalCents + correction!.totalCents).toBe(orderTotals(edited).total.shop);
    expect(await ledgerRow(orderId, "sale")).toMatchObject({ revision: 0, syncToken: row.syncToken });
    expect(await ledgerRow(`${orderId}#sale-C1`, "order_correction")).toMatchObject({ status: "POSTED", totalMinor: difference, qboId: correction!.id });

    // Run again (a duplicate webhook): the books already hold the order as it is, nothing is sent.
    const again = await shopifyOrders.postShopifyOrder(app.db.db(), tenantId, orderId, undefined, { books: closedBooks });
    expect(again).toMatchObject({ outcome: "posted", documents: [{ outcome: "already-posted" }] });
    expect(receiptOf(`${docNumber}-C1`)).toEqual([correction]);
    expect(await app.db.db().accountingDocument.count({ where: { tenantId, kind: "order_correction" } })).toBe(1);
  }, 300_000);
});

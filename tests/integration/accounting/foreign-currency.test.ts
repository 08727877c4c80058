import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderTotals } from "../../../sandbox/shopify/order-totals";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// A sale in another currency than the QuickBooks company's, end to end: a Shopify shop that sells in CAD, a
// QuickBooks company keeping its books in USD with multicurrency on and its own CAD rate. The sale is posted in
// CAD (CurrencyRef) with the rate Tillbridge read from QuickBooks for the sale's day, to the cent of shop money.

const SELLER = "MLTB0DEMO0002";
const MAPLE = "maple-goods.myshopify.com";
const CAD_RATE = 0.7312;
const DAY_MS = 24 * 3600 * 1000;
let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let tenantId: string;
let realmId: string;

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  app = await loadInventoryApp();
  await app.runtime.startRuntime(["worker"]);
  sandboxes.shopify.addShop(MAPLE, { name: "Maple Goods", seed: "demo", currency: "CAD" });
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: MAPLE, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Maple Goods US Holdings" });
  // The merchant keeps USD books with multicurrency on, and their own CAD rate from a few days back.
  sandboxes.intuit.setPreferences(realmId, { multiCurrency: true });
  sandboxes.intuit.setExchangeRate(realmId, "CAD", CAD_RATE, new Date(Date.now() - 5 * DAY_MS).toISOString().slice(0, 10));
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
  const setup = await import("~/sync/accounting/setup.server");
  expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "per_order" } })).toMatchObject({ ok: true });
}, 180_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("a sale in a foreign currency", () => {
  it("is posted in CAD with the company's rate for its day, totals exact in CAD and in USD", async () => {
    const sync = await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SHOPIFY" } } });
    expect(sync.settings).toMatchObject({ company: { homeCurrency: "USD", multiCurrencyEnabled: true } });

    const order = sandboxes.shopify.createOrder(MAPLE, { lines: [{ sku: "TB-TOTE-NAT", quantity: 2 }, { sku: "TB-MUG-12OZ", quantity: 1 }], taxRate: "0.13", shippingAmount: "9.00" });
    const orderId = `gid://shopify/Order/${order.id}`;
    await expect
      .poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, sourceId: orderId, status: "POSTED" } }), { timeout: 180_000, interval: 500 })
      .toBe(2);

    const total = orderTotals(order).total.shop;
    const [receipt, ...others] = sandboxes.intuit.documents(realmId, "SalesReceipt").documents.filter((document) => document.docNumber === `SH-${order.name}`);
    expect(others).toEqual([]);
    expect(receipt).toMatchObject({ currency: "CAD", totalCents: total, exchangeRate: CAD_RATE });
    // QuickBooks' home-currency total: the CAD total at the rate, rounded to the cent (half away from zero).
    expect(receipt!.homeTotalCents).toBe(Math.round((total * 7312) / 10_000));

    // What Tillbridge sent: the CAD currency and the rate it read from QuickBooks (not left to QuickBooks).
    const sale = await app.db.db().accountingDocument.findUniqueOrThrow({ where: { tenantId_source_sourceId_kind: { tenantId, source: "shopify", sourceId: orderId, kind: "sale" } } });
    expect(sale).toMatchObject({ currency: "CAD", totalMinor: total, payload: { CurrencyRef: { value: "CAD" }, ExchangeRate: CAD_RATE } });
    const fees = await app.db.db().accountingDocument.findUniqueOrThrow({ where: { tenantId_source_sourceId_kind: { tenantId, source: "shopify", sourceId: orderId, kind: "sale_fees" } } });
    expect(fees).toMatchObject({ currency: "CAD", payload: { CurrencyRef: { value: "CAD" }, ExchangeRate: CAD_RATE } });
    const feeEntry = sandboxes.intuit.documents(realmId, "JournalEntry").documents.find((document) => document.id === fees.qboId)!;
    expect(feeEntry).toMatchObject({ currency: "CAD", exchangeRate: CAD_RATE, totalCents: fees.totalMinor });
    expect(await app.db.db().syncIssue.findMany({ where: { tenantId, status: "OPEN" }, select: { key: true, message: true } })).toEqual([]);
  }, 300_000);
});

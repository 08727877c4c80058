import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { orderTotals, refundTotal } from "../../../sandbox/shopify/order-totals";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// Shopify orders and refunds reach QuickBooks exactly once, end to end: paid orders and refunds made in the Shopify
// sandbox send their webhooks to the app's route over HTTP (some twice), workers read each order through the Admin
// GraphQL API (which now and then answers 503) and post it through the QuickBooks client to the Intuit sandbox,
// which answers with 5xx and loses responses after committing. In the end the books hold one receipt per order and
// per refund, with Shopify's shop-money totals to the cent, and a webhook delivered again posts nothing.

const SELLER = "MLTB0DEMO0002";
const JOB = "accounting.post-shopify-order";
let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let tenantId: string;
let realmId: string;

async function jobCount(states: string[]): Promise<number> {
  const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM pgboss.job WHERE name = $1 AND state::text = ANY($2::text[])`, JOB, states);
  return Number(rows[0]!.count);
}

async function waitUntilPosted(timeoutMs: number): Promise<void> {
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

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  app = await loadInventoryApp();
  await app.runtime.startRuntime(["worker"]);
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Tote & Tee Ledger Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("Shopify orders into QuickBooks", () => {
  it("turns accounting on for Shopify with the default mapping of a common US company", async () => {
    const setup = await import("~/sync/accounting/setup.server");
    const enabled = await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "per_order" } });
    expect(enabled).toMatchObject({ ok: true });
    const sync = await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SHOPIFY" } } });
    expect(sync.enabled).toBe(true);
  });

  it("posts every paid order and refund once, with the books equal to Shopify's shop money to the cent, through faults and duplicate webhooks", async () => {
    sandboxes.intuit.setFaults({ seed: 11, serverErrorRate: 0.1, lostResponseRate: 0.1 });
    sandboxes.shopify.setFaults({ serverErrorRate: 0.05, webhooks: { duplicateRate: 0.5 } });
    const shop = sandboxes.shopify;

    // Several lines, a discount code, shipping and tax, bought by a customer with an email (matched in QuickBooks).
    const online = shop.createOrder(DEMO_SHOP, {
      lines: [
        { sku: "TB-TEE-BLK-M", quantity: 2 },
        { sku: "TB-MUG-12OZ", quantity: 1 },
        { sku: "TB-PIN-LOGO", quantity: 3 },
      ],
      discountPercent: "10",
      discountCode: "WELCOME10",
      shippingAmount: "6.50",
      taxRate: "0.08875",
      customerEmail: "ana.ruiz@example.com",
    });
    // A sale at the counter with a tip, paid partly in cash and partly by card.
    const counter = shop.createOrder(DEMO_SHOP, {
      lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 3 }],
      tipAmount: "3.00",
      taxRate: "0.08875",
      gateways: [{ gateway: "cash", amount: "20.00" }, { gateway: "shopify_payments" }],
      source: "pos",
    });
    // A Canadian buyer paying in CAD for a USD shop: posted in shop money.
    const canadian = shop.createOrder(DEMO_SHOP, {
      lines: [
        { sku: "TB-HOOD-BLK-M", quantity: 1 },
        { sku: "TB-BEANIE-CHR", quantity: 2 },
      ],
      presentmentCurrency: "CAD",
      rate: "1.3725",
      shippingAmount: "12.00",
      taxRate: "0.13",
      discountPercent: "5",
      customerEmail: "luc.tremblay@example.ca",
    });
    // A manual discount, nothing else.
    const tote = shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-TOTE-NAT", quantity: 1 }], discountPercent: "15" });
    const orders = [online, counter, canadian, tote];

    // Two partial refunds of the first order (a tee, then the mug), and one of the Canadian order's shipping.
    const first = shop.refundOrder(DEMO_SHOP, online.id, { lines: [{ lineItemId: online.lineItems[0]!.id, quantity: 1 }], restock: true });
    const second = shop.refundOrder(DEMO_SHOP, online.id, { lines: [{ lineItemId: online.lineItems[1]!.id, quantity: 1 }], note: "Chipped on arrival" });
    const shipping = shop.refundOrder(DEMO_SHOP, canadian.id, { shippingAmount: "12.00" });
    const refunds = [first, second, shipping];

    // Webhooks are on their way: wait until every order and refund has its receipt, then until all is quiet.
    await expect
      .poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, kind: { in: ["sale", "refund"] }, status: "POSTED" } }), { timeout: 240_000, interval: 250 })
      .toBe(orders.length + refunds.length);
    // A job that met several faults in a row may still wait out its retry backoff, with nothing left to post.
    await waitUntilPosted(240_000);
    sandboxes.intuit.resetFaults();
    sandboxes.shopify.resetFaults();

    const qboStats = sandboxes.intuit.stats();
    expect(qboStats.lostResponses + qboStats.apiServerErrors).toBeGreaterThan(0);
    expect(shop.deliveries().some((delivery) => delivery.duplicate)).toBe(true);

    const receipts = sandboxes.intuit.documents(realmId, "SalesReceipt");
    expect(receipts.count).toBe(orders.length);
    expect(new Set(receipts.documents.map((document) => document.docNumber))).toEqual(new Set(orders.map((order) => `SH-${order.name}`)));
    for (const order of orders) {
      const receipt = receipts.documents.find((document) => document.docNumber === `SH-${order.name}`)!;
      expect({ order: order.name, cents: receipt.totalCents, currency: receipt.currency }).toEqual({ order: order.name, cents: orderTotals(order).total.shop, currency: "USD" });
    }

    const refundReceipts = sandboxes.intuit.documents(realmId, "RefundReceipt");
    expect(refundReceipts.count).toBe(refunds.length);
    const refundNumbers = [`SH-${online.name}-R1`, `SH-${online.name}-R2`, `SH-${canadian.name}-R1`];
    expect(new Set(refundReceipts.documents.map((document) => document.docNumber))).toEqual(new Set(refundNumbers));
    refunds.forEach(({ order, refund }, index) => {
      const receipt = refundReceipts.documents.find((document) => document.docNumber === refundNumbers[index])!;
      expect(receipt.totalCents).toBe(refundTotal(order, refund).shop);
    });

    // The buyer with an email is a QuickBooks customer of their own, for the sale and its refunds; the counter sale
    // without one goes to the channel's customer.
    const customerOf = (docNumber: string) => [...receipts.documents, ...refundReceipts.documents].find((document) => document.docNumber === docNumber)?.customer;
    expect(customerOf(`SH-${online.name}`)).not.toBe("Shopify customer");
    expect(customerOf(`SH-${online.name}-R1`)).toBe(customerOf(`SH-${online.name}`));
    expect(customerOf(`SH-${online.name}-R2`)).toBe(customerOf(`SH-${online.name}`));
    expect(customerOf(`SH-${canadian.name}`)).not.toBe(customerOf(`SH-${online.name}`));
    expect(customerOf(`SH-${counter.name}`)).toBe("Shopify customer");

    // Split payments and Shopify Payments fees are journal entries; nothing is left pending or failed.
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").count).toBeGreaterThan(0);
    const ledger = await app.db.db().accountingDocument.groupBy({ by: ["status"], where: { tenantId }, _count: true });
    expect(ledger).toEqual([expect.objectContaining({ status: "POSTED" })]);
    expect(await app.db.db().syncIssue.findMany({ where: { tenantId, status: "OPEN" }, select: { key: true, message: true } })).toEqual([]);
  }, 600_000);

  it("posts nothing for a webhook delivered again, as a redelivery or as a new event", async () => {
    const before = { receipts: sandboxes.intuit.documents(realmId, "SalesReceipt").count, refunds: sandboxes.intuit.documents(realmId, "RefundReceipt").count };
    const ledgerBefore = await app.db.db().accountingDocument.count({ where: { tenantId } });
    const jobsBefore = await jobCount(["completed"]);
    const originals = sandboxes.shopify.deliveries().filter((delivery) => !delivery.duplicate && ["orders/paid", "refunds/create", "orders/updated"].includes(delivery.topic));
    expect(originals.length).toBeGreaterThanOrEqual(4 + 3);

    // A redelivery repeats the event id: the inbox knows it already.
    for (const delivery of originals) {
      const answer = await fetch(`${sandboxes.shopify.url}/_sandbox/deliveries/${delivery.id}/redeliver`, { method: "POST" });
      expect(answer.status).toBeLessThan(300);
    }
    // The same bodies as new events reach the jobs, which find everything posted.
    for (const delivery of originals.filter((entry) => entry.topic !== "orders/updated")) {
      await sandboxes.shopify.deliverWebhook(DEMO_SHOP, delivery.topic, JSON.parse(delivery.body));
    }
    await waitUntilPosted(60_000);

    expect(await jobCount(["completed"])).toBeGreaterThanOrEqual(jobsBefore + 4 + 3);
    expect(sandboxes.intuit.documents(realmId, "SalesReceipt").count).toBe(before.receipts);
    expect(sandboxes.intuit.documents(realmId, "RefundReceipt").count).toBe(before.refunds);
    expect(await app.db.db().accountingDocument.count({ where: { tenantId } })).toBe(ledgerBefore);
  }, 120_000);

  it("catches up from orders/updated on a sale and a refund whose own webhooks led nowhere", async () => {
    const setup = await import("~/sync/accounting/setup.server");
    await setup.disableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test" });
    const order = sandboxes.shopify.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-MUG-16OZ", quantity: 2 }], taxRate: "0.08875" });
    const { refund } = sandboxes.shopify.refundOrder(DEMO_SHOP, order.id, { lines: [{ lineItemId: order.lineItems[0]!.id, quantity: 1 }] });
    await waitUntilPosted(60_000);
    const orderId = `gid://shopify/Order/${order.id}`;
    const refundId = `gid://shopify/Refund/${refund.id}`;
    expect(await app.db.db().accountingDocument.count({ where: { tenantId, sourceId: { in: [orderId, refundId] } } })).toBe(0);

    // Accounting back on: the order's next update (the one its refund raised) brings both.
    expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "per_order" } })).toMatchObject({ ok: true });
    const update = sandboxes.shopify.deliveries().find((delivery) => delivery.topic === "orders/updated" && (JSON.parse(delivery.body) as { id: number }).id === order.id)!;
    await sandboxes.shopify.deliverWebhook(DEMO_SHOP, "orders/updated", JSON.parse(update.body));
    await expect.poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, sourceId: { in: [orderId, refundId] }, kind: { in: ["sale", "refund"] }, status: "POSTED" } }), { timeout: 60_000, interval: 250 }).toBe(2);
    await waitUntilPosted(60_000);

    const receipt = sandboxes.intuit.documents(realmId, "SalesReceipt").documents.find((document) => document.docNumber === `SH-${order.name}`);
    expect(receipt?.totalCents).toBe(orderTotals(order).total.shop);
    const refundReceipt = sandboxes.intuit.documents(realmId, "RefundReceipt").documents.find((document) => document.docNumber === `SH-${order.name}-R1`);
    expect(refundReceipt?.totalCents).toBe(refundTotal(order, refund).shop);
  }, 150_000);

  it("keeps an order whose posting met a revoked QuickBooks grant, and posts it once the merchant reconnects", async () => {
    const revoked = await fetch(`${sandboxes.intuit.url}/_sandbox/companies/${realmId}/disconnect`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(revoked.ok).toBe(true);
    const order = sandboxes.shopify.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-PIN-LOGO", quantity: 4 }], taxRate: "0.08875" });
    const orderId = `gid://shopify/Order/${order.id}`;

    // The job finds QuickBooks refusing the token: the connection waits for the merchant, and so does the job.
    await expect.poll(async () => (await app.db.db().connection.findFirstOrThrow({ where: { tenantId, provider: "QUICKBOOKS" } })).status, { timeout: 60_000, interval: 250 }).toBe("NEEDS_REAUTH");
    await expect.poll(async () => app.db.db().pausedJob.count({ where: { tenantId, jobName: JOB } }), { timeout: 60_000, interval: 250 }).toBe(1);
    const paused = await app.db.db().pausedJob.findMany({ where: { tenantId }, select: { provider: true, jobName: true, payload: true } });
    expect(paused).toContainEqual({ provider: "QUICKBOOKS", jobName: JOB, payload: expect.objectContaining({ orderId }) });
    expect(await app.db.db().accountingDocument.count({ where: { tenantId, sourceId: orderId, status: "POSTED" } })).toBe(0);
    // Nothing else runs it meanwhile, however long the merchant takes.
    expect(await jobCount(["created", "retry", "active"])).toBe(0);

    // Another tenant's reconnect sends none of this tenant's jobs.
    const { resumePausedJobs } = await import("~/jobs/paused-jobs.server");
    const { retryJobSender } = await import("~/sync/retry-jobs.server");
    const send = retryJobSender(app.runtime.jobQueue());
    expect(await resumePausedJobs(app.db.db(), send, { tenantId: crypto.randomUUID(), provider: "QUICKBOOKS" })).toBe(0);
    // Nor does a reconnect of this tenant before the connection is active again.
    expect(await resumePausedJobs(app.db.db(), send, { tenantId, provider: "QUICKBOOKS" })).toBe(0);
    expect(await app.db.db().pausedJob.count({ where: { tenantId } })).toBe(paused.length);

    // The merchant reconnects QuickBooks, as the callback route does it.
    await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId }, { resumeJobs: send });
    expect(await app.db.db().pausedJob.count({ where: { tenantId } })).toBe(0);

    await expect.poll(async () => app.db.db().accountingDocument.count({ where: { tenantId, sourceId: orderId, kind: "sale", status: "POSTED" } }), { timeout: 60_000, interval: 250 }).toBe(1);
    await waitUntilPosted(60_000);
    const receipts = sandboxes.intuit.documents(realmId, "SalesReceipt").documents.filter((document) => document.docNumber === `SH-${order.name}`);
    expect(receipts.map((receipt) => receipt.totalCents)).toEqual([orderTotals(order).total.shop]);
    // A second reconnect has nothing left to send.
    expect(await resumePausedJobs(app.db.db(), send, { tenantId, provider: "QUICKBOOKS" })).toBe(0);
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { orderTotals } from "../../../sandbox/shopify/order-totals";
import type { OrderRecord, RefundRecord } from "../../../sandbox/shopify/store";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// Shopify sales summarized by day, end to end: online orders and a POS sale placed just before and just after
// midnight in the shop's time zone (New York), and a refund made just after midnight of an order of the day before,
// are found by the Admin API's `orders(query:)` per business day and read through the shop's cost budget; each
// location's day (the online store is one location, the register's retail location another) becomes one QuickBooks
// journal entry in the Intuit sandbox, through 5xx and lost responses, whose payments, sales, discounts, shipping,
// tax and fees equal Shopify's shop money to the cent, the refund netted into the day it was made. A late order
// (its orders/paid webhook) updates its day's entry (same document, next SyncToken); a day run again posts nothing.

const SELLER = "MLTB0DEMO0002";
const NEW_YORK = "America/New_York"; // the demo shop's ianaTimezone
const HOUR = 3600 * 1000;
const JOBS = ["webhooks.process", "accounting.post-shopify-order", "accounting.post-shopify-day", "accounting.plan-shopify-days", "accounting.sweep-shopify-days"];

let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let daily: typeof import("~/sync/accounting/daily-summaries.server");
let shopifyDaily: typeof import("~/sync/accounting/shopify-daily-summaries.server");
let tenantId: string;
let realmId: string;

/** Yesterday and the day before in New York: both closed. */
let dayBefore: string;
let yesterday: string;
/** The midnight between them, in ms. */
let midnight: number;

const ONLINE = "online";
let register: string;

interface DayTotals {
  payments: number;
  sales: number;
  discounts: number;
  shipping: number;
  tips: number;
  tax: number;
  fees: number;
}

const zero = (): DayTotals => ({ payments: 0, sales: 0, discounts: 0, shipping: 0, tips: 0, tax: 0, fees: 0 });

/** What Shopify says a day's sales and refunds add up to in shop money (cents), as a daily summary groups them. */
function shopifyTotals(sales: OrderRecord[], refunds: { order: OrderRecord; refund: RefundRecord }[] = []): DayTotals {
  const totals = zero();
  for (const order of sales) {
    const order_ = orderTotals(order);
    totals.payments += order_.received.shop;
    totals.sales += order_.lineItems.shop;
    totals.discounts += order_.discounts.shop;
    totals.shipping += order_.shipping.shop;
    totals.tips += order_.tip.shop;
    totals.tax += order_.tax.shop;
    for (const transaction of order.transactions) if (transaction.kind === "SALE") totals.fees += transaction.fees.reduce((sum, fee) => sum + fee.amount, 0);
  }
  for (const { order, refund } of refunds) {
    totals.payments -= order.transactions.filter((transaction) => refund.transactionIds.includes(transaction.id)).reduce((sum, transaction) => sum + transaction.amount.shop, 0);
    totals.sales -= refund.lineItems.reduce((sum, line) => sum + line.subtotal.shop, 0);
    totals.shipping -= refund.shippingLines.reduce((sum, line) => sum + line.subtotal.shop, 0);
    totals.tax -= refund.lineItems.reduce((sum, line) => sum + line.totalTax.shop, 0) + refund.shippingLines.reduce((sum, line) => sum + line.tax.shop, 0);
  }
  return totals;
}

const journalEntry = z.looseObject({
  Id: z.string(),
  SyncToken: z.string(),
  DocNumber: z.string(),
  TxnDate: z.string(),
  Line: z.array(z.looseObject({ Amount: z.number(), Description: z.string(), JournalEntryLineDetail: z.looseObject({ PostingType: z.enum(["Debit", "Credit"]) }) })),
});

/** A journal entry as QuickBooks holds it, its lines summed the way shopifyTotals sums Shopify (debits positive). */
async function entryTotals(qboId: string): Promise<{ entry: z.infer<typeof journalEntry>; totals: DayTotals; balance: number }> {
  const { readDocument } = await import("~/integrations/quickbooks/accounting.server");
  const { quickBooksAccount } = await import("~/integrations/quickbooks/api-client.server");
  const entry = journalEntry.parse(await readDocument(app.db.db(), await quickBooksAccount(app.db.db(), tenantId), "JournalEntry", qboId));
  const totals = zero();
  let balance = 0;
  for (const line of entry.Line) {
    const cents = Math.round(line.Amount * 100) * (line.JournalEntryLineDetail.PostingType === "Debit" ? 1 : -1);
    balance += cents;
    if (line.Description.startsWith("Payments ·")) totals.payments += cents;
    else if (line.Description.startsWith("Sales ·")) totals.sales -= cents;
    else if (line.Description === "Discounts") totals.discounts += cents;
    else if (line.Description === "Shipping") totals.shipping -= cents;
    else if (line.Description === "Tips") totals.tips -= cents;
    else if (line.Description === "Sales tax") totals.tax -= cents;
    else if (line.Description === "Processing fees") totals.fees += cents;
    else if (!line.Description.startsWith("Fees ·")) throw new Error(`unexpected line ${line.Description}`);
  }
  return { entry, totals, balance };
}

async function settle(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    sandboxes.shopify.flushWebhooks();
    const waiting = await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } });
    const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM pgboss.job WHERE name = ANY($1) AND state IN ('created', 'retry', 'active')`, JOBS);
    const pending = await app.db.db().accountingDocument.count({ where: { tenantId, status: "PENDING" } });
    if (waiting === 0 && Number(rows[0]!.count) === 0 && pending === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${waiting} events, ${rows[0]!.count} jobs, ${pending} documents pending`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const summaryRow = (locationId: string, businessDate: string) =>
  app.db.db().accountingDocument.findUniqueOrThrow({ where: { tenantId_source_sourceId_kind: { tenantId, source: "shopify", sourceId: `${locationId}@${businessDate}`, kind: "daily_summary" } } });

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  app = await loadInventoryApp();
  daily = await import("~/sync/accounting/daily-summaries.server");
  shopifyDaily = await import("~/sync/accounting/shopify-daily-summaries.server");
  await app.runtime.startRuntime(["worker"]);
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Tote & Tee Daily Ledger Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });

  yesterday = daily.lastClosedBusinessDay(new Date(), NEW_YORK, 0);
  dayBefore = daily.addDays(yesterday, -1);
  midnight = Date.parse(daily.businessDayWindow(yesterday, NEW_YORK).startAt);
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("Shopify daily summaries into QuickBooks", () => {
  // What was sold and refunded on each day, per location, as the tests below expect it in the books.
  const sold: Record<string, OrderRecord[]> = {};
  const refunded: Record<string, { order: OrderRecord; refund: RefundRecord }[]> = {};
  const key = (locationId: string, businessDate: string) => `${locationId}@${businessDate}`;

  it("turns on daily summaries for Shopify once sales tax collected has a liability account", async () => {
    const setup = await import("~/sync/accounting/setup.server");
    const refused = await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "daily_summary" } });
    expect(refused).toMatchObject({ ok: false, problems: expect.arrayContaining([expect.stringContaining("liability account")]) });

    const { quickBooksAccount, quickBooksRequest } = await import("~/integrations/quickbooks/api-client.server");
    await quickBooksRequest(app.db.db(), await quickBooksAccount(app.db.db(), tenantId), { method: "POST", path: "account", body: { Name: "POS Sales Tax Collected", AccountType: "Other Current Liability" } }, z.unknown());
    const enabled = await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "daily_summary" } });
    expect(enabled).toMatchObject({ ok: true, message: expect.stringContaining("one journal entry per day for the online store and for each point-of-sale location") });
    const sync = await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SHOPIFY" } } });
    expect(sync.cursors).toMatchObject({ shopifyDailySummaries: { since: expect.any(String), locations: {} } });
    // As if the sync had been turned on three days ago, so the two days before today are to be summarized.
    await app.db.db().sync.update({ where: { id: sync.id }, data: { cursors: { shopifyDailySummaries: { since: new Date(Date.now() - 3 * 24 * HOUR).toISOString(), locations: {} } } } });
  });

  it("posts one journal entry per location and business day of the shop, equal to Shopify's shop money to the cent, through faults", async () => {
    const shop = sandboxes.shopify;
    const at = (ms: number) => new Date(ms);
    // The day before, online: a discounted order with shipping and tax 40 minutes before midnight, and one 5 minutes before.
    const early = shop.createOrder(DEMO_SHOP, {
      lines: [
        { sku: "TB-TEE-BLK-M", quantity: 2 },
        { sku: "TB-MUG-12OZ", quantity: 1 },
      ],
      discountPercent: "10",
      discountCode: "WELCOME10",
      shippingAmount: "6.50",
      taxRate: "0.08875",
      customerEmail: "ana.ruiz@example.com",
      processedAt: at(midnight - 40 * 60_000),
    });
    const late = shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-TOTE-NAT", quantity: 1 }], taxRate: "0.08875", processedAt: at(midnight - 5 * 60_000) });
    // Yesterday: an online order 5 minutes after midnight, and a sale at the register in the afternoon, with a tip,
    // paid partly in cash.
    const afterMidnight = shop.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-PIN-LOGO", quantity: 3 }], taxRate: "0.08875", processedAt: at(midnight + 5 * 60_000) });
    const counter = shop.createOrder(DEMO_SHOP, {
      lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 3 }],
      tipAmount: "3.00",
      taxRate: "0.08875",
      gateways: [{ gateway: "cash", amount: "20.00" }, { gateway: "shopify_payments" }],
      source: "pos",
      processedAt: at(midnight + 15 * HOUR),
    });
    register = `gid://shopify/Location/${counter.locationId}`;
    // Ten minutes after midnight, a tee of the day before's first order is refunded: the refund is yesterday's.
    const refund = shop.refundOrder(DEMO_SHOP, early.id, { lines: [{ lineItemId: early.lineItems[0]!.id, quantity: 1 }], processedAt: at(midnight + 10 * 60_000) });

    sold[key(ONLINE, dayBefore)] = [early, late];
    sold[key(ONLINE, yesterday)] = [afterMidnight];
    sold[key(register, yesterday)] = [counter];
    refunded[key(ONLINE, yesterday)] = [{ order: refund.order, refund: refund.refund }];

    // Their webhooks arrive first: in daily mode no order is posted on its own.
    await settle(60_000);
    expect(sandboxes.intuit.documents(realmId, "SalesReceipt").count).toBe(0);
    expect(sandboxes.intuit.documents(realmId, "RefundReceipt").count).toBe(0);

    sandboxes.intuit.setFaults({ seed: 5, serverErrorRate: 0.15, lostResponseRate: 0.2 });
    const sync = await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SHOPIFY" } } });
    const queued = await shopifyDaily.queueDueShopifyDays(app.db.db(), (day) => app.runtime.jobQueue().send(shopifyDaily.postShopifyDayJob, day), sync, { graceMinutes: 0 });
    // The online store and each active location of the shop, the three days since the sync was turned on.
    expect(queued.filter((day) => day.locationId === ONLINE).map((day) => day.businessDate)).toEqual([daily.addDays(dayBefore, -1), dayBefore, yesterday]);
    expect(queued.filter((day) => day.locationId === register).map((day) => day.businessDate)).toEqual([daily.addDays(dayBefore, -1), dayBefore, yesterday]);
    await settle(180_000);
    sandboxes.intuit.resetFaults();
    const stats = sandboxes.intuit.stats();
    expect(stats.lostResponses + stats.apiServerErrors).toBeGreaterThan(0);

    // Three location days had sales or refunds: three entries, dated on the shop's days.
    const entries = sandboxes.intuit.documents(realmId, "JournalEntry");
    expect(entries.count).toBe(3);
    expect(entries.documents.map((document) => document.txnDate).sort()).toEqual([dayBefore, yesterday, yesterday]);
    for (const [locationId, businessDate] of [[ONLINE, dayBefore], [ONLINE, yesterday], [register, yesterday]] as const) {
      const row = await summaryRow(locationId, businessDate);
      expect(row).toMatchObject({ status: "POSTED", revision: 0, entity: "JournalEntry", txnDate: businessDate, docNumber: expect.stringMatching(new RegExp(`^SHD-${businessDate.replace(/-/g, "")}-`)) });
      const expected = shopifyTotals(sold[key(locationId, businessDate)]!, refunded[key(locationId, businessDate)]);
      const { entry, totals, balance } = await entryTotals(row.qboId!);
      expect({ locationId, businessDate, txnDate: entry.TxnDate, balance, totals }).toEqual({ locationId, businessDate, txnDate: businessDate, balance: 0, totals: expected });
      // The ledger's total is the day's sales less its refunds.
      expect(row.totalMinor).toBe(expected.payments);
    }
    const beforeTotals = shopifyTotals(sold[key(ONLINE, dayBefore)]!);
    expect(beforeTotals.discounts).toBeGreaterThan(0);
    expect(beforeTotals.shipping).toBeGreaterThan(0);
    expect(beforeTotals.fees).toBeGreaterThan(0);
    expect(shopifyTotals(sold[key(register, yesterday)]!).tips).toBe(300);
    // The refund is netted into yesterday, not into its order's day.
    expect(shopifyTotals(sold[key(ONLINE, yesterday)]!, refunded[key(ONLINE, yesterday)]).payments).toBeLessThan(shopifyTotals(sold[key(ONLINE, yesterday)]!).payments);
    const ledger = await app.db.db().accountingDocument.groupBy({ by: ["status", "kind"], where: { tenantId }, _count: true });
    expect(ledger).toEqual([expect.objectContaining({ status: "POSTED", kind: "daily_summary", _count: 3 })]);
    expect(await app.db.db().syncIssue.findMany({ where: { tenantId, status: "OPEN" }, select: { key: true, message: true } })).toEqual([]);
  }, 300_000);

  it("posts nothing twice when days are run again or planned again", async () => {
    const before = sandboxes.intuit.documents(realmId, "JournalEntry").documents.map((document) => [document.docNumber, document.syncToken]);
    for (const [locationId, businessDate] of [[ONLINE, dayBefore], [ONLINE, yesterday], [register, yesterday]] as const) {
      expect(await shopifyDaily.postShopifyDay(app.db.db(), { tenantId, locationId, businessDate })).toMatchObject({ outcome: "unchanged" });
      await app.runtime.jobQueue().send(shopifyDaily.postShopifyDayJob, { tenantId, locationId, businessDate });
    }
    // The hourly sweep plans each tenant's closed days: nothing is due again.
    await app.runtime.jobQueue().send(shopifyDaily.sweepShopifyDaysJob, {});
    await settle(60_000);
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").documents.map((document) => [document.docNumber, document.syncToken])).toEqual(before);
    expect(await app.db.db().accountingDocument.count({ where: { tenantId } })).toBe(3);
  }, 120_000);

  it("updates a posted day when a late order arrives: the same entry, its next SyncToken", async () => {
    const row = await summaryRow(ONLINE, yesterday);
    const before = await entryTotals(row.qboId!);
    // An order placed yesterday evening is recorded only now (as an import or an offline register would): its
    // orders/paid webhook runs yesterday again.
    const lateOrder = sandboxes.shopify.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-MUG-12OZ", quantity: 2 }], taxRate: "0.08875", shippingAmount: "4.00", processedAt: new Date(midnight + 20 * HOUR) });
    await expect.poll(async () => (await summaryRow(ONLINE, yesterday)).revision, { timeout: 90_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    await settle(60_000);

    const after = await summaryRow(ONLINE, yesterday);
    expect(after).toMatchObject({ status: "POSTED", revision: 1, qboId: row.qboId, docNumber: row.docNumber });
    const { entry, totals, balance } = await entryTotals(after.qboId!);
    expect(Number(entry.SyncToken)).toBeGreaterThan(Number(before.entry.SyncToken));
    expect(balance).toBe(0);
    expect(totals).toEqual(shopifyTotals([...sold[key(ONLINE, yesterday)]!, lateOrder], refunded[key(ONLINE, yesterday)]));
    expect(after.totalMinor).toBe(row.totalMinor + orderTotals(lateOrder).received.shop);
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").count).toBe(3);

    // Run again, the revised day posts nothing.
    const tokens = sandboxes.intuit.documents(realmId, "JournalEntry").documents.map((document) => [document.docNumber, document.syncToken]);
    expect(await shopifyDaily.postShopifyDay(app.db.db(), { tenantId, locationId: ONLINE, businessDate: yesterday })).toMatchObject({ outcome: "unchanged" });
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").documents.map((document) => [document.docNumber, document.syncToken])).toEqual(tokens);
  }, 180_000);

  it("nets a late refund into the posted day it was made: its refunds/create webhook runs that day again", async () => {
    const row = await summaryRow(ONLINE, dayBefore);
    const [early, late] = sold[key(ONLINE, dayBefore)]!;
    // Recorded only now, but made two minutes before that midnight (as an import of a refund would be).
    const refund = sandboxes.shopify.refundOrder(DEMO_SHOP, late!.id, { lines: [{ lineItemId: late!.lineItems[0]!.id, quantity: 1 }], processedAt: new Date(midnight - 2 * 60_000) });
    await expect.poll(async () => (await summaryRow(ONLINE, dayBefore)).revision, { timeout: 90_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    await settle(60_000);

    const after = await summaryRow(ONLINE, dayBefore);
    expect(after).toMatchObject({ status: "POSTED", revision: 1, qboId: row.qboId, docNumber: row.docNumber });
    const { totals, balance } = await entryTotals(after.qboId!);
    expect(balance).toBe(0);
    // The orders as Shopify holds them now (the earlier refund of `early` is yesterday's, not this day's).
    expect(totals).toEqual(shopifyTotals([early!, late!], [{ order: refund.order, refund: refund.refund }]));
    expect(totals.payments).toBeLessThan(shopifyTotals([early!, late!]).payments);
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").count).toBe(3);
  }, 180_000);

  it("leaves an order of today to today's summary: its webhook runs no day", async () => {
    const rows = await app.db.db().accountingDocument.findMany({ where: { tenantId }, select: { sourceId: true, revision: true }, orderBy: { sourceId: "asc" } });
    const order = sandboxes.shopify.createOrder(DEMO_SHOP, { lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }] });
    const { postShopifyOrder } = await import("~/sync/accounting/shopify-orders.server");
    expect(await postShopifyOrder(app.db.db(), tenantId, `gid://shopify/Order/${order.id}`)).toEqual({ outcome: "skipped", reason: `it will be in the summary of ${daily.addDays(yesterday, 1)}` });
    await settle(60_000);
    expect(await app.db.db().accountingDocument.findMany({ where: { tenantId }, select: { sourceId: true, revision: true }, orderBy: { sourceId: "asc" } })).toEqual(rows);
  }, 120_000);
});

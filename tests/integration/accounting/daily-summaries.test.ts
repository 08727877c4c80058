import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEMO_SHOP } from "../../../sandbox/shopify/index";
import { startAppWebhookServer, type AppWebhookServer } from "../../support/app-webhook-server";
import { connectExistingMerchant, loadInventoryApp, type InventoryApp } from "../../support/inventory-merchants";
import { freePorts } from "../../support/ports";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// Square sales summarized by day, end to end: register sales (some closed just before and just after midnight in
// Chicago, uploaded late as offline sales would be) are read back by SearchOrders per business day of the
// location's time zone, and each day becomes one QuickBooks journal entry in the Intuit sandbox, through 5xx and
// lost responses, whose payments, sales, discounts, tips, tax and fees equal Square's to the cent. A late sale
// updates its day's entry (same document, next SyncToken); with the books closed through that day it becomes a
// correcting entry instead; a day run again posts nothing.

const SELLER = "MLTB0DEMO0002"; // Tillbridge Books & Games, Chicago (America/Chicago)
const CHICAGO = "America/Chicago";
const HOUR = 3600 * 1000;
const JOBS = ["webhooks.process", "accounting.post-square-order", "accounting.post-square-day", "accounting.plan-square-days", "accounting.sweep-square-days"];

let webhookServer: AppWebhookServer;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes<["shopify", "square", "intuit"]>>>;
let app: InventoryApp;
let daily: typeof import("~/sync/accounting/daily-summaries.server");
let tenantId: string;
let realmId: string;
let downtown: string;
let evanston: string;

/** Yesterday and the day before in Chicago: both closed, and within Square's 72 hours for offline uploads. */
let dayBefore: string;
let yesterday: string;
/** The midnight between them, in ms. */
let midnight: number;

const wireOrder = z.looseObject({
  id: z.string(),
  total_money: z.object({ amount: z.number() }),
  total_tax_money: z.object({ amount: z.number() }),
  total_discount_money: z.object({ amount: z.number() }),
  total_tip_money: z.object({ amount: z.number() }),
  line_items: z.array(z.looseObject({ gross_sales_money: z.object({ amount: z.number() }) })),
});
const wirePayment = z.looseObject({ processing_fee: z.array(z.object({ amount_money: z.object({ amount: z.number() }) })).optional() });

interface DayTotals {
  payments: number;
  sales: number;
  discounts: number;
  tips: number;
  tax: number;
  fees: number;
}

/** What Square says a set of sales adds up to, in cents, as a daily summary groups it. */
function squareTotals(sales: { order: unknown; payments: unknown[] }[]): DayTotals {
  const totals: DayTotals = { payments: 0, sales: 0, discounts: 0, tips: 0, tax: 0, fees: 0 };
  for (const sale of sales) {
    const order = wireOrder.parse(sale.order);
    totals.payments += order.total_money.amount;
    totals.tax += order.total_tax_money.amount;
    totals.discounts += order.total_discount_money.amount;
    totals.tips += order.total_tip_money.amount;
    totals.sales += order.line_items.reduce((total, line) => total + line.gross_sales_money.amount, 0);
    for (const payment of sale.payments) totals.fees += (wirePayment.parse(payment).processing_fee ?? []).reduce((total, fee) => total + fee.amount_money.amount, 0);
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

/** A journal entry as QuickBooks holds it, its lines summed the way squareTotals sums Square (debits positive). */
async function entryTotals(qboId: string): Promise<{ entry: z.infer<typeof journalEntry>; totals: DayTotals; balance: number }> {
  const { readDocument } = await import("~/integrations/quickbooks/accounting.server");
  const { quickBooksAccount } = await import("~/integrations/quickbooks/api-client.server");
  const entry = journalEntry.parse(await readDocument(app.db.db(), await quickBooksAccount(app.db.db(), tenantId), "JournalEntry", qboId));
  const totals: DayTotals = { payments: 0, sales: 0, discounts: 0, tips: 0, tax: 0, fees: 0 };
  let balance = 0;
  for (const line of entry.Line) {
    const cents = Math.round(line.Amount * 100) * (line.JournalEntryLineDetail.PostingType === "Debit" ? 1 : -1);
    balance += cents;
    if (line.Description.startsWith("Payments ·")) totals.payments += cents;
    else if (line.Description.startsWith("Sales ·")) totals.sales -= cents;
    else if (line.Description === "Discounts") totals.discounts += cents;
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
    sandboxes.square.flushWebhooks();
    const waiting = await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } });
    const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM pgboss.job WHERE name = ANY($1) AND state IN ('created', 'retry', 'active')`, JOBS);
    const pending = await app.db.db().accountingDocument.count({ where: { tenantId, status: "PENDING" } });
    if (waiting === 0 && Number(rows[0]!.count) === 0 && pending === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${waiting} events, ${rows[0]!.count} jobs, ${pending} documents pending`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function sell(spec: { at: number; lines: { sku: string; quantity: number }[]; tenders?: { type: "CARD" | "CASH"; amount?: number }[]; discountPercent?: number; tipAmount?: number; silent?: boolean; locationId?: string }) {
  const sale = sandboxes.square.sellOrder(SELLER, {
    locationId: spec.locationId ?? downtown,
    lines: spec.lines,
    closedAt: new Date(spec.at).toISOString(),
    allowNegative: true,
    ...(spec.tenders && { tenders: spec.tenders }),
    ...(spec.discountPercent !== undefined && { discountPercent: spec.discountPercent }),
    ...(spec.tipAmount !== undefined && { tipAmount: spec.tipAmount }),
    ...(spec.silent && { silent: true }),
  });
  if (!sale.sold) throw new Error("the sale was refused");
  return { order: sale.order as unknown, payments: sale.payments as unknown[] };
}

const summaryRow = (locationId: string, businessDate: string) =>
  app.db.db().accountingDocument.findUniqueOrThrow({ where: { tenantId_source_sourceId_kind: { tenantId, source: "square", sourceId: `${locationId}@${businessDate}`, kind: "daily_summary" } } });

beforeAll(async () => {
  webhookServer = await startAppWebhookServer(await freePorts());
  sandboxes = await startVendorSandboxes(webhookServer.url, ["shopify", "square", "intuit"] as const);
  sandboxes.square.setSettings({ processingFeeDelayMs: 0 });
  app = await loadInventoryApp();
  daily = await import("~/sync/accounting/daily-summaries.server");
  await app.runtime.startRuntime(["worker"]);
  tenantId = await connectExistingMerchant(app, sandboxes, { shop: DEMO_SHOP, sellerId: SELLER, appUrl: webhookServer.url });
  realmId = await createIntuitCompany(sandboxes.intuit.url, { name: "Books & Games Ledger Co" });
  await connectQuickBooks(app.flow, app.db.db(), { tenantId, realmId });

  const seller = sandboxes.square.sellers().find((entry) => entry.id === SELLER)!;
  downtown = seller.locations[0]!.id;
  evanston = seller.locations[1]!.id;
  yesterday = daily.lastClosedBusinessDay(new Date(), CHICAGO, 0);
  dayBefore = daily.addDays(yesterday, -1);
  midnight = Date.parse(daily.businessDayWindow(yesterday, CHICAGO).startAt);
}, 120_000);

afterAll(async () => {
  await app?.runtime.stopRuntime();
  await sandboxes?.close();
  await webhookServer?.close();
});

describe("business days", () => {
  it("are the location's calendar days, through daylight saving changes and in half-hour zones", () => {
    // 8 March 2026: Chicago moves from CST (−6) to CDT (−5) at 2:00, so the day is 23 hours long.
    expect(daily.businessDayWindow("2026-03-08", CHICAGO)).toEqual({ startAt: "2026-03-08T06:00:00.000Z", endAt: "2026-03-09T04:59:59.999Z" });
    expect(daily.businessDayWindow("2026-11-26", "America/Los_Angeles")).toEqual({ startAt: "2026-11-26T08:00:00.000Z", endAt: "2026-11-27T07:59:59.999Z" });
    expect(daily.businessDayWindow("2026-11-26", "Asia/Kolkata")).toEqual({ startAt: "2026-11-25T18:30:00.000Z", endAt: "2026-11-26T18:29:59.999Z" });
    // 00:30 in Chicago on the 27th: the 26th has closed, but not yet its hour of grace.
    const now = new Date("2026-11-27T06:30:00Z");
    expect(daily.lastClosedBusinessDay(now, CHICAGO, 0)).toBe("2026-11-26");
    expect(daily.lastClosedBusinessDay(now, CHICAGO, 60)).toBe("2026-11-25");
  });
});

describe("Square daily summaries into QuickBooks", () => {
  it("turns on daily summaries once sales tax collected has a liability account", async () => {
    const setup = await import("~/sync/accounting/setup.server");
    const refused = await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { square: "daily_summary" } });
    expect(refused).toMatchObject({ ok: false, problems: expect.arrayContaining([expect.stringContaining("liability account")]) });
    expect(await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { shopify: "daily_summary" } })).toMatchObject({ ok: false });

    // The merchant adds the account the point of sale's tax is recorded on.
    const { quickBooksAccount, quickBooksRequest } = await import("~/integrations/quickbooks/api-client.server");
    await quickBooksRequest(app.db.db(), await quickBooksAccount(app.db.db(), tenantId), { method: "POST", path: "account", body: { Name: "POS Sales Tax Collected", AccountType: "Other Current Liability" } }, z.unknown());
    const enabled = await setup.enableAccountingSync(app.db.db(), app.runtime.jobQueue(), { tenantId, actor: "test", modes: { square: "daily_summary" } });
    expect(enabled).toMatchObject({ ok: true, message: expect.stringContaining("one journal entry per location and day") });
    const sync = await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING" } });
    expect(sync.cursors).toMatchObject({ squareDailySummaries: { since: expect.any(String), locations: {} } });
    // As if the sync had been turned on three days ago, so the two days before today are to be summarized.
    await app.db.db().sync.update({ where: { id: sync.id }, data: { cursors: { squareDailySummaries: { since: new Date(Date.now() - 3 * 24 * HOUR).toISOString(), locations: {} } } } });
  });

  it("posts one journal entry per location and business day, equal to Square's sales to the cent, through faults", async () => {
    const dayBeforeSales = [
      sell({ at: midnight - 40 * 60_000, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 2 }] }),
      sell({ at: midnight - 5 * 60_000, lines: [{ sku: "TB-NOTE-A6-DOT", quantity: 1 }, { sku: "BG-HARBOR-STD", quantity: 3 }], tenders: [{ type: "CASH", amount: 500 }, { type: "CARD" }], discountPercent: 10 }),
    ];
    const yesterdaySales = [
      sell({ at: midnight + 5 * 60_000, lines: [{ sku: "BG-PUZ-1000", quantity: 1 }], tipAmount: 300 }),
      sell({ at: midnight + 3 * HOUR, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 1 }], tenders: [{ type: "CASH" }] }),
    ];
    // Their webhooks arrive first: in daily mode no order is posted on its own.
    await settle(60_000);
    expect(sandboxes.intuit.documents(realmId, "SalesReceipt").count).toBe(0);

    sandboxes.intuit.setFaults({ seed: 7, serverErrorRate: 0.15, lostResponseRate: 0.2 });
    const sync = await app.db.db().sync.findFirstOrThrow({ where: { tenantId, kind: "ACCOUNTING" } });
    const queued = await daily.queueDueSquareDays(app.db.db(), (day) => app.runtime.jobQueue().send(daily.postSquareDayJob, day), sync, { graceMinutes: 0 });
    expect(queued.filter((day) => day.locationId === downtown).map((day) => day.businessDate)).toEqual([daily.addDays(dayBefore, -1), dayBefore, yesterday]);
    expect(queued.filter((day) => day.locationId === evanston)).toHaveLength(3);
    await settle(120_000);
    sandboxes.intuit.resetFaults();
    const stats = sandboxes.intuit.stats();
    expect(stats.lostResponses + stats.apiServerErrors).toBeGreaterThan(0);

    // Two days had sales, at one location: two entries, numbered by day and location.
    const entries = sandboxes.intuit.documents(realmId, "JournalEntry");
    expect(entries.count).toBe(2);
    expect(entries.documents.map((document) => document.txnDate).sort()).toEqual([dayBefore, yesterday]);
    for (const [businessDate, sales] of [[dayBefore, dayBeforeSales], [yesterday, yesterdaySales]] as const) {
      const row = await summaryRow(downtown, businessDate);
      expect(row).toMatchObject({ status: "POSTED", revision: 0, entity: "JournalEntry", txnDate: businessDate, docNumber: expect.stringMatching(new RegExp(`^SQD-${businessDate.replace(/-/g, "")}-`)) });
      const { entry, totals, balance } = await entryTotals(row.qboId!);
      expect(entry.TxnDate).toBe(businessDate);
      expect(balance).toBe(0);
      expect(totals).toEqual(squareTotals(sales));
      expect(totals.fees).toBeGreaterThan(0);
      // The ledger's total is the day's sales less refunds.
      expect(row.totalMinor).toBe(squareTotals(sales).payments);
    }
    expect(squareTotals(dayBeforeSales).discounts).toBeGreaterThan(0);
    expect(squareTotals(yesterdaySales).tips).toBe(300);
    const ledger = await app.db.db().accountingDocument.groupBy({ by: ["status", "kind"], where: { tenantId }, _count: true });
    expect(ledger).toEqual([expect.objectContaining({ status: "POSTED", kind: "daily_summary", _count: 2 })]);
  });

  it("posts nothing twice when days are run again or planned again", async () => {
    const before = sandboxes.intuit.documents(realmId, "JournalEntry").documents.map((document) => [document.docNumber, document.syncToken]);
    for (const businessDate of [dayBefore, yesterday]) {
      expect(await daily.postSquareDay(app.db.db(), { tenantId, locationId: downtown, businessDate })).toMatchObject({ outcome: "unchanged" });
      await app.runtime.jobQueue().send(daily.postSquareDayJob, { tenantId, locationId: downtown, businessDate });
    }
    // The hourly sweep plans each tenant's closed days: nothing is due again.
    await app.runtime.jobQueue().send(daily.sweepSquareDaysJob, {});
    await settle(60_000);
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").documents.map((document) => [document.docNumber, document.syncToken])).toEqual(before);
  });

  it("updates a posted day when a late sale arrives: the same entry, its next SyncToken", async () => {
    const row = await summaryRow(downtown, yesterday);
    const before = await entryTotals(row.qboId!);
    // An offline register uploads a sale it closed yesterday evening; its webhooks run yesterday again.
    const late = sell({ at: midnight + 20 * HOUR, lines: [{ sku: "BG-HARBOR-STD", quantity: 2 }] });
    await expect.poll(async () => (await summaryRow(downtown, yesterday)).revision, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    await settle(60_000);

    const after = await summaryRow(downtown, yesterday);
    expect(after).toMatchObject({ status: "POSTED", qboId: row.qboId, docNumber: row.docNumber });
    const { entry, totals, balance } = await entryTotals(after.qboId!);
    expect(Number(entry.SyncToken)).toBeGreaterThan(Number(before.entry.SyncToken));
    expect(balance).toBe(0);
    const added = squareTotals([late]);
    expect(totals).toEqual({
      payments: before.totals.payments + added.payments,
      sales: before.totals.sales + added.sales,
      discounts: before.totals.discounts + added.discounts,
      tips: before.totals.tips + added.tips,
      tax: before.totals.tax + added.tax,
      fees: before.totals.fees + added.fees,
    });
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").count).toBe(2);
  });

  it("corrects a day of a closed period with a correcting entry dated today, leaving the closed entry untouched", async () => {
    const row = await summaryRow(downtown, dayBefore);
    const before = await entryTotals(row.qboId!);
    // QuickBooks' sandbox does not model closing the books: the books' closing date is given here instead.
    const closedBooks = (account: Parameters<typeof daily.dailyBooks>[1]) => ({ ...daily.dailyBooks(app.db.db(), account), closedThrough: async () => dayBefore });
    const today = daily.addDays(yesterday, 1);

    const first = sell({ at: midnight - 2 * HOUR, lines: [{ sku: "TB-NOTE-A6-DOT", quantity: 2 }], silent: true });
    const corrected = await daily.postSquareDay(app.db.db(), { tenantId, locationId: downtown, businessDate: dayBefore }, { books: closedBooks });
    expect(corrected).toMatchObject({ outcome: "posted", how: "corrected", docNumber: `${row.docNumber}-C1` });
    // Run again: the correction already holds the difference.
    expect(await daily.postSquareDay(app.db.db(), { tenantId, locationId: downtown, businessDate: dayBefore }, { books: closedBooks })).toMatchObject({ outcome: "unchanged" });

    const second = sell({ at: midnight - 3 * HOUR, lines: [{ sku: "BG-HARBOR-STD", quantity: 1 }], tenders: [{ type: "CASH" }], silent: true });
    expect(await daily.postSquareDay(app.db.db(), { tenantId, locationId: downtown, businessDate: dayBefore }, { books: closedBooks })).toMatchObject({ outcome: "posted", how: "corrected", docNumber: `${row.docNumber}-C2` });

    const closedEntry = await entryTotals(row.qboId!);
    expect(closedEntry.entry.SyncToken).toBe(before.entry.SyncToken);
    expect(closedEntry.totals).toEqual(before.totals);
    for (const [number, sale] of [[1, first], [2, second]] as const) {
      const correction = await app.db.db().accountingDocument.findUniqueOrThrow({
        where: { tenantId_source_sourceId_kind: { tenantId, source: "square", sourceId: `${downtown}@${dayBefore}#C${number}`, kind: "daily_correction" } },
      });
      expect(correction).toMatchObject({ status: "POSTED", txnDate: today, docNumber: `${row.docNumber}-C${number}` });
      const { entry, totals, balance } = await entryTotals(correction.qboId!);
      expect(entry.TxnDate).toBe(today);
      expect(balance).toBe(0);
      expect(totals).toEqual(squareTotals([sale]));
    }
    expect(sandboxes.intuit.documents(realmId, "JournalEntry").count).toBe(4);
  });

  it("nets a refund into the day it was made", async () => {
    const row = await summaryRow(downtown, yesterday);
    const { entry } = await entryTotals(row.qboId!);
    expect(entry.Line.length).toBeGreaterThan(0);
    const sale = sell({ at: Date.now() - 60_000, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 2 }], silent: true });
    const refund = sandboxes.square.refundAtRegister(SELLER, { orderId: wireOrder.parse(sale.order).id, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 1 }], silent: true });
    // The card refund completes now rather than after the sandbox's delay.
    sandboxes.square.settle();
    const today = daily.addDays(yesterday, 1);
    const outcome = await daily.postSquareDay(app.db.db(), { tenantId, locationId: downtown, businessDate: today });
    expect(outcome).toMatchObject({ outcome: "posted", how: "created", sales: 1, refunds: 1 });
    const todayRow = await summaryRow(downtown, today);
    const totals = await entryTotals(todayRow.qboId!);
    const refunded = refund.refunds.reduce((total, entry) => total + Number((entry as { amount_money: { amount: number } }).amount_money.amount), 0);
    const returned = z.looseObject({ return_amounts: z.object({ tax_money: z.object({ amount: z.number() }), total_money: z.object({ amount: z.number() }) }) }).parse(refund.returnOrder).return_amounts;
    const sold = squareTotals([sale]);
    expect(refunded).toBe(returned.total_money.amount);
    expect(totals.balance).toBe(0);
    expect(totals.totals.payments).toBe(sold.payments - refunded);
    expect(totals.totals.tax).toBe(sold.tax - returned.tax_money.amount);
    expect(todayRow.totalMinor).toBe(sold.payments - refunded);
  });
});

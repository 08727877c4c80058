import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import { DOCUMENT_KINDS } from "~/domain/accounting/document-keys";
import { itemRefSchema, type ItemRef } from "~/domain/accounting/mapping";
import { formatDecimal } from "~/domain/accounting/money";
import { itemsToCreate, type PostingContext } from "~/domain/accounting/posting";
import { reconcile, type DayReconciliation, type PostedDocument } from "~/domain/accounting/reconciliation";
import { businessDateOf, type SourceRefund, type SourceSale } from "~/domain/accounting/source-sale";
import { mapSquareReturn, mapSquareSale } from "~/domain/accounting/square-order";
import { squareInventoryAccount } from "~/integrations/square/inventory.server";
import { listSquareLocations, readSquareOrdersForBooks, searchSquareOrders, type SquareLocationSummary } from "~/integrations/square/order-search.server";
import { JobPriority, type JobContext } from "~/jobs/registry";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { reconcileSyncJob, registerReconciler } from "~/sync/schedules.server";
import { wholeBusinessDays } from "./business-time";
import { reviveStalledImports } from "./import.server";
import { findAccountingSync } from "./record-posting.server";
import type { AccountingSyncSettings } from "./settings";
import { postSquareOrderJob } from "./square-orders.server";

/**
 * The accounting sync's daily reconciliation, for Square (per-order posting):
 *
 *  1. Square's orders changed in the last 72 hours are read again (SearchOrders by updated_at). Square takes sales
 *     made offline up to 72 hours late, and their webhooks may never come; so any completed order without a posted
 *     receipt, or changed since its documents were posted (a processing fee that came later), is sent to the
 *     per-order posting job, which posts exactly what is missing.
 *  2. For each location, the business days the window saw whole (midnight to midnight in the location's time
 *     zone) are compared: the records Square has against the documents the ledger holds as posted, account by
 *     account (app/domain/accounting/reconciliation.ts). A day with orders sent for posting just now is left for
 *     the next run, when they are in. A day that does not match becomes one SyncIssue with the amounts in words;
 *     a day that matches resolves it.
 *
 * Runs once a day by default (ACCOUNTING_RECONCILIATION_CRON); the merchant can run it again from the issue.
 */

export const ACCOUNTING_RECONCILIATION_CRON = "0 6 * * *";
export const LOOK_BACK_HOURS = 72;
const SEARCH_PAGE = 500;

export interface AccountingReconciliationResult {
  ordersRead: number;
  /** Orders sent to be posted (missing, or changed since posted). */
  ordersSent: number;
  /** Business days compared, and of those the ones that did not match. */
  daysCompared: number;
  daysWithDifferences: number;
  /** Days not compared this time because orders of theirs are being posted now. */
  daysDeferred: number;
}

const ledgerLine = z.looseObject({
  Amount: z.number(),
  DetailType: z.string(),
  SalesItemLineDetail: z.looseObject({ ItemRef: z.looseObject({ value: z.string() }).optional() }).optional(),
  DiscountLineDetail: z.looseObject({ DiscountAccountRef: z.looseObject({ value: z.string() }).optional() }).optional(),
  JournalEntryLineDetail: z.looseObject({ PostingType: z.enum(["Debit", "Credit"]), AccountRef: z.looseObject({ value: z.string() }) }).optional(),
});
/** What the ledger keeps of a posted document (the payload sent), as far as account balances need it. */
const ledgerPayload = z.looseObject({
  Line: z.array(ledgerLine),
  CurrencyRef: z.looseObject({ value: z.string() }).optional(),
  DepositToAccountRef: z.looseObject({ value: z.string() }).optional(),
  TxnTaxDetail: z.looseObject({ TotalTax: z.number().optional() }).optional(),
  TotalAmt: z.number().optional(),
});
const ledgerEntity = z.enum(["SalesReceipt", "RefundReceipt", "JournalEntry"]);
const documentKind = z.enum(DOCUMENT_KINDS);

function issueKey(locationId: string, date: string): string {
  return `accounting-reconciliation:square:${locationId}@${date}`;
}

/** The closing instant of an order, when Square gives one. */
function closedAt(order: Record<string, unknown>): string | null {
  const value = order.closed_at ?? order.created_at;
  return typeof value === "string" ? value : null;
}

function updatedAt(order: Record<string, unknown>): number {
  return typeof order.updated_at === "string" ? Date.parse(order.updated_at) : 0;
}

/** Every completed order of a location changed in the window, oldest change first. */
async function ordersChangedAt(database: PrismaClient, account: Awaited<ReturnType<typeof squareInventoryAccount>>, locationId: string, from: Date, to: Date): Promise<Record<string, unknown>[]> {
  const orders: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const page = await searchSquareOrders(database, account, { locationIds: [locationId], field: "updated_at", startAt: from.toISOString(), endAt: to.toISOString() }, { cursor, limit: SEARCH_PAGE });
    orders.push(...page.orders);
    cursor = page.cursor;
  } while (cursor);
  return orders;
}

/**
 * Which orders need the posting job: no posted receipt yet, or changed after the last of their documents was
 * posted (Square adds processing fees some seconds after a sale).
 */
async function ordersToPost(database: PrismaClient, tenantId: string, orders: readonly Record<string, unknown>[]): Promise<string[]> {
  const ids = orders.map((order) => String(order.id));
  if (ids.length === 0) return [];
  const rows = await database.accountingDocument.findMany({ where: { tenantId, source: "square", sourceId: { in: ids } }, select: { sourceId: true, kind: true, status: true, postedAt: true } });
  return orders
    .filter((order) => {
      const own = rows.filter((row) => row.sourceId === order.id);
      if (!own.some((row) => (row.kind === "sale" || row.kind === "refund") && row.status === "POSTED")) return true;
      const lastPosted = Math.max(...own.map((row) => row.postedAt?.getTime() ?? 0));
      return updatedAt(order) > lastPosted;
    })
    .map((order) => String(order.id));
}

/** QuickBooks items the sync made for these records (remembered in EntityLink); for one not made yet, its income account. */
async function itemRefs(database: PrismaClient, tenantId: string, records: readonly (SourceSale | SourceRefund)[], settings: AccountingSyncSettings): Promise<Record<string, ItemRef>> {
  const wanted = itemsToCreate(records, settings);
  if (wanted.length === 0) return {};
  const links = await database.entityLink.findMany({
    where: { tenantId, entityType: "qbo_item", sourceProvider: "SQUARE", targetProvider: "QUICKBOOKS", sourceId: { in: wanted.map((entry) => entry.key) } },
    select: { sourceId: true, lastValue: true },
  });
  const refs: Record<string, ItemRef> = {};
  for (const { key, item } of wanted) {
    const made = itemRefSchema.safeParse(links.find((link) => link.sourceId === key)?.lastValue);
    // Not made yet means nothing posted uses it: only the account its sales belong on matters for comparing.
    refs[key] = made.success ? made.data : { id: `(not created yet: ${key})`, name: item.name, incomeAccount: item.incomeAccount };
  }
  return refs;
}

function ledgerDocuments(rows: { entity: string; kind: string; payload: unknown; sourceId: string; locationId: string | null; txnDate: string; docNumber: string }[], locationId: string): { documents: PostedDocument[]; unreadable: string[] } {
  const documents: PostedDocument[] = [];
  const unreadable: string[] = [];
  for (const row of rows) {
    const entity = ledgerEntity.safeParse(row.entity);
    const kind = documentKind.safeParse(row.kind);
    const payload = ledgerPayload.safeParse(row.payload);
    if (!entity.success || !kind.success || !payload.success) {
      unreadable.push(row.docNumber);
      continue;
    }
    documents.push({ entity: entity.data, payload: payload.data, source: "square", locationId: row.locationId ?? locationId, businessDate: row.txnDate, kind: kind.data, docNumber: row.docNumber, covers: [row.sourceId] });
  }
  return { documents, unreadable };
}

function dayMessage(day: DayReconciliation, locationName: string): string {
  const c = day.currency;
  const amount = (value: { amount: number; currency: string }) => `${formatDecimal(value)} ${c}`;
  const totals = day.sourceTotals;
  const parts = [
    `Square sales at ${locationName} on ${day.businessDate} do not match what Tillbridge posted to QuickBooks. ` +
      `Square has ${totals.saleCount} ${totals.saleCount === 1 ? "sale" : "sales"} for ${amount(totals.sales)} and ${totals.refundCount} ${totals.refundCount === 1 ? "refund" : "refunds"} for ${amount(totals.refunds)} that day.`,
    ...day.problems,
    ...day.differences.map((difference) => difference.explanation),
    ...day.missing.map((record) => record.explanation),
    ...day.duplicates.map((record) => record.explanation),
    ...day.unexpected.map((document) => document.explanation),
  ];
  return parts.join(" ");
}

/** Re-reads, sends what is missing, and compares one location's whole days. */
async function reconcileLocation(
  database: PrismaClient,
  context: Pick<JobContext, "send">,
  input: { sync: { id: string; tenantId: string }; settings: AccountingSyncSettings; account: Awaited<ReturnType<typeof squareInventoryAccount>>; location: SquareLocationSummary; from: Date; to: Date },
  result: AccountingReconciliationResult,
): Promise<void> {
  const { sync, settings, location } = input;
  const tenantId = sync.tenantId;
  const orders = await ordersChangedAt(database, input.account, location.id, input.from, input.to);
  result.ordersRead += orders.length;
  const toPost = new Set(await ordersToPost(database, tenantId, orders));
  for (const orderId of toPost) await context.send(postSquareOrderJob, { tenantId, orderId }, { priority: JobPriority.normal });
  result.ordersSent += toPost.size;

  const days = wholeBusinessDays(input.from, input.to, location.timeZone);
  const dayOf = (order: Record<string, unknown>) => {
    const at = closedAt(order);
    return at ? businessDateOf(at, location.timeZone) : null;
  };
  const deferred = new Set(orders.filter((order) => toPost.has(String(order.id))).map(dayOf));
  const compared = days.filter((day) => !deferred.has(day));
  result.daysDeferred += days.length - compared.length;
  if (compared.length === 0) return;

  const onComparedDays = orders.filter((order) => compared.includes(dayOf(order) ?? ""));
  const read = await readSquareOrdersForBooks(database, input.account, onComparedDays, { paymentsChangedSince: input.from.toISOString(), locations: [location] });
  const sales: SourceSale[] = [];
  const refunds: SourceRefund[] = [];
  const unmapped = new Map<string, string[]>();
  for (const entry of read) {
    const mapped = entry.isReturn
      ? mapSquareReturn({ order: entry.order, refunds: entry.refunds, location: entry.location, catalog: entry.catalog, sequence: 1 })
      : mapSquareSale({ order: entry.order, payments: entry.payments, location: entry.location, catalog: entry.catalog });
    if (mapped.ok) {
      if ("refundId" in mapped.value) refunds.push(mapped.value);
      else sales.push(mapped.value);
    } else {
      const day = dayOf(entry.order) ?? "";
      unmapped.set(day, [...(unmapped.get(day) ?? []), `Square order ${String(entry.order.id)} cannot be read for the books: ${mapped.problems.join(" ")}`]);
    }
  }
  const rows = await database.accountingDocument.findMany({
    where: { tenantId, source: "square", status: "POSTED", locationId: location.id, txnDate: { in: compared } },
    select: { entity: true, kind: true, payload: true, sourceId: true, locationId: true, txnDate: true, docNumber: true },
  });
  const { documents, unreadable } = ledgerDocuments(rows, location.id);
  const ctx: PostingContext = {
    tenantId,
    mapping: settings,
    company: settings.company,
    refs: { items: await itemRefs(database, tenantId, [...sales, ...refunds], settings), locationName: location.name },
  };

  const outcomes = reconcile(sales, refunds, documents, ctx);
  for (const day of compared) {
    const results = outcomes.filter((outcome) => outcome.businessDate === day);
    const notes = [...(unmapped.get(day) ?? []), ...(unreadable.length > 0 ? [`Tillbridge could not read its own record of ${unreadable.join(", ")}.`] : [])];
    const different = results.filter((outcome) => !outcome.inBalance);
    if (different.length === 0 && notes.length === 0) {
      await resolveSyncIssues(database, tenantId, [issueKey(location.id, day)]);
      continue;
    }
    result.daysWithDifferences += 1;
    const message = [...different.map((outcome) => dayMessage(outcome, location.name)), ...notes].join(" ");
    await reportSyncIssue(database, {
      tenantId,
      syncId: sync.id,
      key: issueKey(location.id, day),
      code: "ACCOUNTING_RECONCILIATION_DIFFERENCE",
      message: `${message} Once that is put right, Retry compares the day again; the daily check does too while the day is within the last ${LOOK_BACK_HOURS} hours.`,
      entityType: "accounting_day",
      entityRef: `Square · ${location.name} · ${day}`,
      retriable: true,
      retryJob: { name: reconcileSyncJob.name, payload: { tenantId, syncId: sync.id } },
    });
  }
  result.daysCompared += compared.length;
}

export async function reconcileAccountingSync(
  database: PrismaClient,
  context: Pick<JobContext, "send" | "logger">,
  sync: { id: string; tenantId: string },
  now = new Date(),
): Promise<AccountingReconciliationResult | null> {
  const tenantId = sync.tenantId;
  const row = await database.sync.findFirst({ where: { id: sync.id, tenantId, kind: "ACCOUNTING" }, select: { sourceConnection: { select: { provider: true } } } });
  if (row?.sourceConnection.provider !== "SQUARE") {
    context.logger.info({ syncId: sync.id }, "accounting reconciliation covers Square syncs only so far");
    return null;
  }
  const found = await findAccountingSync(database, tenantId, "square");
  if (!found || found.id !== sync.id) return null;
  if (found.settings.posting.square !== "per_order") {
    context.logger.info({ syncId: sync.id }, "daily summaries are reconciled when they are posted; nothing to do here");
    return null;
  }

  // A daily run is also the moment to pick up an import whose steps stopped.
  await reviveStalledImports(database, context, tenantId, now);

  const from = new Date(now.getTime() - LOOK_BACK_HOURS * 3600 * 1000);
  const run = await startSyncRun(database, { tenantId, syncId: sync.id, kind: "accounting.reconcile", trigger: "schedule" }, now);
  const result: AccountingReconciliationResult = { ordersRead: 0, ordersSent: 0, daysCompared: 0, daysWithDifferences: 0, daysDeferred: 0 };
  try {
    const account = await squareInventoryAccount(database, tenantId);
    for (const location of await listSquareLocations(database, account)) {
      await reconcileLocation(database, context, { sync, settings: found.settings, account, location, from, to: now }, result);
    }
  } catch (error) {
    await finishSyncRun(database, tenantId, run.id, { counts: { read: result.ordersRead, written: result.ordersSent, skipped: result.daysDeferred, failed: result.daysWithDifferences }, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  const days = (count: number) => `${count} ${count === 1 ? "day" : "days"}`;
  await finishSyncRun(database, tenantId, run.id, {
    counts: { read: result.ordersRead, written: result.ordersSent, skipped: result.daysDeferred, failed: result.daysWithDifferences },
    summary:
      `Square orders of the last ${LOOK_BACK_HOURS} hours: ${result.ordersRead} read, ${result.ordersSent} sent to be posted; ` +
      `${days(result.daysCompared)} compared, ${result.daysWithDifferences} with differences` +
      (result.daysDeferred > 0 ? `, ${days(result.daysDeferred)} left for the next run (orders being posted)` : ""),
  });
  context.logger.info({ syncId: sync.id, ...result }, "accounting reconciled");
  return result;
}

export function registerAccountingReconciler(): void {
  registerReconciler("ACCOUNTING", async (sync, context) => {
    await reconcileAccountingSync(db(), context, sync);
  });
}

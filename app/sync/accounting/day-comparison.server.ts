import type { PrismaClient } from "~/db.server";
import { itemRefSchema, type ItemRef } from "~/domain/accounting/mapping";
import { formatDecimal } from "~/domain/accounting/money";
import { itemsToCreate, type PostingContext } from "~/domain/accounting/posting";
import { postedDocumentsOf, reconcile, type DayReconciliation } from "~/domain/accounting/reconciliation";
import { SOURCE_NAMES, type Source, type SourceRefund, type SourceSale } from "~/domain/accounting/source-sale";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { reconcileSyncJob } from "~/sync/schedules.server";
import type { AccountingSyncSettings } from "./settings";

/**
 * The part of the daily reconciliation every source shares: one location's whole business days compared, the
 * records the source has against the documents the ledger holds as posted, account by account
 * (app/domain/accounting/reconciliation.ts). A day that does not match becomes one SyncIssue with the amounts in
 * words; a day that matches resolves it. How the records are read (and what is sent for posting first) is the
 * source's own: reconciliation.server.ts for Square, shopify-reconciliation.server.ts for Shopify.
 */

/** How far back each run reads the source again: Square takes offline sales up to 72 hours late. */
export const LOOK_BACK_HOURS = 72;

export interface AccountingReconciliationResult {
  ordersRead: number;
  /** Orders (or, for Shopify, sales and refunds) sent to be posted: missing, or changed since posted. */
  ordersSent: number;
  /** Business days compared, and of those the ones that did not match. */
  daysCompared: number;
  daysWithDifferences: number;
  /** Days not compared this time because orders of theirs are being posted now. */
  daysDeferred: number;
}

const PROVIDERS = { square: "SQUARE", shopify: "SHOPIFY" } as const;

/** The issue of one source's location and day; Square's keeps the form it had before Shopify was reconciled. */
export function reconciliationIssueKey(source: Source, locationId: string, date: string): string {
  return `accounting-reconciliation:${source}:${locationId}@${date}`;
}

/** The locations of a source with an open reconciliation issue: a day of theirs is compared again even with nothing left to read. */
export async function locationsWithOpenIssues(database: PrismaClient, tenantId: string, source: Source): Promise<string[]> {
  const prefix = reconciliationIssueKey(source, "", "").replace(/@$/, "");
  const issues = await database.syncIssue.findMany({ where: { tenantId, status: "OPEN", key: { startsWith: prefix } }, select: { key: true } });
  return [...new Set(issues.map((issue) => issue.key.slice(prefix.length).replace(/@\d{4}-\d{2}-\d{2}$/, "")))];
}

/** QuickBooks items the sync made for these records (remembered in EntityLink); for one not made yet, its income account. */
async function itemRefs(database: PrismaClient, tenantId: string, source: Source, records: readonly (SourceSale | SourceRefund)[], settings: AccountingSyncSettings): Promise<Record<string, ItemRef>> {
  const wanted = itemsToCreate(records, settings);
  if (wanted.length === 0) return {};
  const links = await database.entityLink.findMany({
    where: { tenantId, entityType: "qbo_item", sourceProvider: PROVIDERS[source], targetProvider: "QUICKBOOKS", sourceId: { in: wanted.map((entry) => entry.key) } },
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

function dayMessage(day: DayReconciliation, locationName: string): string {
  const c = day.currency;
  const amount = (value: { amount: number; currency: string }) => `${formatDecimal(value)} ${c}`;
  const totals = day.sourceTotals;
  const parts = [
    `${SOURCE_NAMES[day.source]} sales at ${locationName} on ${day.businessDate} do not match what Tillbridge posted to QuickBooks. ` +
      `${SOURCE_NAMES[day.source]} has ${totals.saleCount} ${totals.saleCount === 1 ? "sale" : "sales"} for ${amount(totals.sales)} and ${totals.refundCount} ${totals.refundCount === 1 ? "refund" : "refunds"} for ${amount(totals.refunds)} that day.`,
    ...day.problems,
    ...day.differences.map((difference) => difference.explanation),
    ...day.missing.map((record) => record.explanation),
    ...day.duplicates.map((record) => record.explanation),
    ...day.unexpected.map((document) => document.explanation),
  ];
  return parts.join(" ");
}

export interface LocationDays {
  sync: { id: string; tenantId: string };
  settings: AccountingSyncSettings;
  source: Source;
  location: { id: string; name: string };
  /** The whole business days to compare (YYYY-MM-DD). */
  days: readonly string[];
  /** The source's records; only those of this location and these days are compared. */
  sales: readonly SourceSale[];
  refunds: readonly SourceRefund[];
  /** Per day, records the source has that could not be read for the books, in the merchant's words. */
  notes: ReadonlyMap<string, readonly string[]>;
}

/** Compares one location's days, raising or resolving one issue per day; how many days did not match. */
export async function compareLocationDays(database: PrismaClient, input: LocationDays): Promise<{ compared: number; withDifferences: number }> {
  const { sync, settings, source, location, days } = input;
  const tenantId = sync.tenantId;
  if (days.length === 0) return { compared: 0, withDifferences: 0 };
  const onDays = <T extends { locationId: string; businessDate: string }>(records: readonly T[]) => records.filter((record) => record.locationId === location.id && days.includes(record.businessDate));
  const sales = onDays(input.sales);
  const refunds = onDays(input.refunds);

  const rows = await database.accountingDocument.findMany({
    where: { tenantId, source, status: "POSTED", locationId: location.id, txnDate: { in: [...days] } },
    select: { entity: true, kind: true, payload: true, sourceId: true, locationId: true, txnDate: true, docNumber: true },
  });
  const recordsOfDay = (day: string) => [...sales.filter((sale) => sale.businessDate === day).map((sale) => sale.sourceId), ...refunds.filter((refund) => refund.businessDate === day).map((refund) => refund.refundId)];
  const { documents, unreadable } = postedDocumentsOf(rows, { source, locationId: location.id, recordsOfDay });
  const ctx: PostingContext = {
    tenantId,
    mapping: settings,
    company: settings.company,
    refs: { items: await itemRefs(database, tenantId, source, [...sales, ...refunds], settings), locationName: location.name },
  };

  const outcomes = reconcile(sales, refunds, documents, ctx);
  let withDifferences = 0;
  for (const day of days) {
    const key = reconciliationIssueKey(source, location.id, day);
    const unreadableOfDay = unreadable.filter((row) => row.txnDate === day).map((row) => row.docNumber);
    const notes = [...(input.notes.get(day) ?? []), ...(unreadableOfDay.length > 0 ? [`Tillbridge could not read its own record of ${unreadableOfDay.join(", ")}.`] : [])];
    const different = outcomes.filter((outcome) => outcome.businessDate === day && !outcome.inBalance);
    if (different.length === 0 && notes.length === 0) {
      await resolveSyncIssues(database, tenantId, [key]);
      continue;
    }
    withDifferences += 1;
    const message = [...different.map((outcome) => dayMessage(outcome, location.name)), ...notes].join(" ");
    await reportSyncIssue(database, {
      tenantId,
      syncId: sync.id,
      key,
      code: "ACCOUNTING_RECONCILIATION_DIFFERENCE",
      message: `${message} Once that is put right, Retry compares the day again; the daily check does too while the day is within the last ${LOOK_BACK_HOURS} hours.`,
      entityType: "accounting_day",
      entityRef: `${SOURCE_NAMES[source]} · ${location.name} · ${day}`,
      retriable: true,
      retryJob: { name: reconcileSyncJob.name, payload: { tenantId, syncId: sync.id } },
    });
  }
  return { compared: days.length, withDifferences };
}

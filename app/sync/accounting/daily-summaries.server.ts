import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import { buildDailySummary, correctingEntry, contentHash, groupByBusinessDay, type DailyGroup, type PreviousSummary } from "~/domain/accounting/daily-summary";
import { dailySourceId, DOCUMENT_KINDS } from "~/domain/accounting/document-keys";
import { missingMappings, needsOf } from "~/domain/accounting/mapping";
import { fromQboAmount, sum } from "~/domain/accounting/money";
import { PostingError, type PostingContext } from "~/domain/accounting/posting";
import type { JournalLine } from "~/domain/accounting/quickbooks-documents";
import type { PlannedJournalEntry } from "~/domain/accounting/sales-receipt";
import { businessDateOf, isKnownTimeZone, type Source, type SourceRefund, type SourceSale } from "~/domain/accounting/source-sale";
import { mapSquareReturn, mapSquareSale } from "~/domain/accounting/square-order";
import type { Prisma } from "~/generated/prisma/client";
import { quickBooksAccount, quickBooksRequest, type QuickBooksAccount } from "~/integrations/quickbooks/api-client.server";
import { squareInventoryAccount } from "~/integrations/square/inventory.server";
import { listSquareLocationsForBooks, readSquareClosedOrdersForBooks, readSquareOrderPlace } from "~/integrations/square/orders.server";
import { defineJob, JobPriority } from "~/jobs/registry";
import { reportSyncIssue, resolveSyncIssues } from "~/models/sync-issues.server";
import { finishSyncRun, startSyncRun } from "~/models/sync-runs.server";
import { quickBooksBooks } from "./books.server";
import { postAccountingDocument, type BooksPort, type PostingOutcome } from "./posting.server";
import { findAccountingSync } from "./record-posting.server";
import { accountingSyncSettings, type AccountingSyncSettings } from "./settings";

/**
 * Square sales as daily summaries (decision 010): one QuickBooks JournalEntry per location and business day, the
 * day being the location's own calendar day in its time zone.
 *
 * - Every hour a sweep asks, for each tenant whose Square accounting sync posts daily summaries, which of its
 *   locations' days have closed (local midnight plus a grace period, so fees Square adds seconds after a sale and
 *   refunds that complete a little later are in) and were not summarized yet, and queues one job per location
 *   and day. Which days were queued is kept in the sync's cursors, per location, so a day is queued once.
 * - The day job reads the day's completed orders and returns from Square (SearchOrders on `closed_at`, so an
 *   offline sale uploaded late still counts on the day the register closed it), maps them, builds the summary and
 *   posts it exactly once through the ledger. Its content hash is the hash of the payload the ledger row keeps,
 *   so running a day again posts nothing when nothing changed.
 * - A late order (a webhook for an order of a day already summarized) runs its day again: a changed day is posted
 *   as the next revision of the same entry (an update with its SyncToken), or, when the merchant has closed the
 *   books through that day, as a correcting entry in the open period holding only the difference. A day that was
 *   corrected once is only ever corrected by further entries, so an update can never count a difference twice.
 *
 * The planning, the cursor, the posting of a day's records and the handling of late records are the same for every
 * source (Shopify's in shopify-daily-summaries.server.ts); only reading a day's records and a location's list are
 * the source's own.
 */

/** How long after a location's midnight its day is summarized: late fees and refunds settle in the meantime. */
export const DAILY_SUMMARY_GRACE_MINUTES = 60;

const POST_SQUARE_DAY_JOB = "accounting.post-square-day";

/** Where the sync's cursors keep which days were queued, per source. */
const CURSOR_KEYS: Record<Source, string> = { square: "squareDailySummaries", shopify: "shopifyDailySummaries" };

const DAY_MS = 24 * 60 * 60 * 1000;
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

// ---- Business days -------------------------------------------------------------------------------------------

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function localDate(instantMs: number, timeZone: string): string {
  return businessDateOf(new Date(instantMs).toISOString(), timeZone);
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(instantMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(instantMs));
  const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value ?? 0);
  const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return wall - Math.floor(instantMs / 1000) * 1000;
}

/** The first instant (ms) of `date` in `timeZone`. */
function startOfBusinessDay(date: string, timeZone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let start = wall - offsetAt(wall, timeZone);
  start = wall - offsetAt(start, timeZone);
  // Where a clock change skips midnight the day begins at the first instant that is on it. Offsets and their
  // changes fall on quarter hours, so stepping by quarter hours finds it.
  while (localDate(start, timeZone) < date) start += QUARTER_HOUR_MS;
  while (localDate(start - QUARTER_HOUR_MS, timeZone) === date) start -= QUARTER_HOUR_MS;
  return start;
}

/** The UTC window of a business day, both ends inclusive as Square's time filters are (to the millisecond). */
export function businessDayWindow(date: string, timeZone: string): { startAt: string; endAt: string } {
  const start = startOfBusinessDay(date, timeZone);
  const next = startOfBusinessDay(addDays(date, 1), timeZone);
  return { startAt: new Date(start).toISOString(), endAt: new Date(next - 1).toISOString() };
}

/** The latest business day whose end, plus the grace period, has passed at `now`. */
export function lastClosedBusinessDay(now: Date, timeZone: string, graceMinutes: number): string {
  return addDays(localDate(now.getTime() - graceMinutes * 60_000, timeZone), -1);
}

// ---- Which days were queued (the sync's cursor) ----------------------------------------------------------------

const dailyCursorSchema = z.object({
  /** When daily summaries were turned on: each location's first summarized day is that moment's local day. */
  since: z.iso.datetime({ offset: true }),
  /** Per location: its time zone and the last day queued for a summary. */
  locations: z.record(z.string(), z.object({ timeZone: z.string().min(1), through: isoDate })),
});
type DailyCursor = z.infer<typeof dailyCursorSchema>;

const cursorsSchema = z.record(z.string(), z.unknown());

function readCursor(cursors: unknown, source: Source): DailyCursor | null {
  const all = cursorsSchema.safeParse(cursors);
  if (!all.success) return null;
  return dailyCursorSchema.safeParse(all.data[CURSOR_KEYS[source]]).data ?? null;
}

function withCursor(cursors: unknown, source: Source, cursor: DailyCursor): Prisma.InputJsonValue {
  return { ...(cursorsSchema.safeParse(cursors).data ?? {}), [CURSOR_KEYS[source]]: cursor } as Prisma.InputJsonValue;
}

/**
 * The sync's cursors once daily summaries are turned on at `now`: days before it are not summarized (they are
 * history, or were posted order by order); locations already summarized keep their place.
 */
export function startDailySummaries(cursors: unknown, now: Date, source: Source = "square"): Prisma.InputJsonValue {
  return withCursor(cursors, source, { since: now.toISOString(), locations: readCursor(cursors, source)?.locations ?? {} });
}

// ---- The hourly sweep and the per-tenant plan ------------------------------------------------------------------

/** One location's business day of one tenant: what a day job summarizes. */
export interface SummaryDay {
  tenantId: string;
  locationId: string;
  /** YYYY-MM-DD in the location's time zone. */
  businessDate: string;
}
export type SquareDay = SummaryDay;

/** A day job's payload (the same shape for every source). */
export const summaryDayPayload = z.object({ tenantId: z.uuid(), locationId: z.string().min(1).max(64), businessDate: isoDate }).strict();

const PROVIDERS: Record<Source, "SQUARE" | "SHOPIFY"> = { square: "SQUARE", shopify: "SHOPIFY" };

/** Accounting syncs that summarize the source's sales by day, with both connections working. */
export async function dailySyncs(database: PrismaClient, source: Source): Promise<{ id: string; tenantId: string }[]> {
  const syncs = await database.sync.findMany({
    where: { kind: "ACCOUNTING", enabled: true, sourceConnection: { provider: PROVIDERS[source], status: "ACTIVE" }, targetConnection: { status: "ACTIVE" } },
    select: { id: true, tenantId: true, settings: true },
  });
  return syncs.filter((sync) => accountingSyncSettings.safeParse(sync.settings).data?.posting[source] === "daily_summary").map(({ id, tenantId }) => ({ id, tenantId }));
}

/** Accounting syncs that summarize Square sales by day, with both connections working. */
export const squareDailySyncs = (database: PrismaClient) => dailySyncs(database, "square");

export interface DayPlan {
  due: SummaryDay[];
  cursor: DailyCursor;
}

/** A location as the planner sees it: days are planned for active ones, in their time zone. */
export interface DayLocation {
  id: string;
  timeZone: string;
  active: boolean;
}

/**
 * The days of each active location that have closed (plus the grace period) and were not queued yet, from the day
 * daily summaries were turned on, and the cursor that records them as queued. Reads the seller's locations (one
 * call), which also gives each one's time zone.
 */
export async function planSquareDays(database: PrismaClient, sync: { id: string; tenantId: string }, options: { now?: Date; graceMinutes?: number } = {}): Promise<DayPlan | null> {
  return planDays(database, sync, "square", async () => listSquareLocationsForBooks(database, await squareInventoryAccount(database, sync.tenantId)), options);
}

/**
 * The days of each active location of the source (listed by `listLocations`, called only when the sync summarizes
 * that source by day) that have closed, plus the grace period, and were not queued yet.
 */
export async function planDays(
  database: PrismaClient,
  sync: { id: string; tenantId: string },
  source: Source,
  listLocations: () => Promise<DayLocation[]>,
  options: { now?: Date; graceMinutes?: number } = {},
): Promise<DayPlan | null> {
  const row = await database.sync.findFirst({ where: { id: sync.id, tenantId: sync.tenantId, kind: "ACCOUNTING", enabled: true }, select: { settings: true, cursors: true } });
  if (accountingSyncSettings.safeParse(row?.settings).data?.posting[source] !== "daily_summary") return null;
  const now = options.now ?? new Date();
  const grace = options.graceMinutes ?? DAILY_SUMMARY_GRACE_MINUTES;
  // A sync switched to daily summaries before this code kept no start: it starts now.
  const cursor = readCursor(row?.cursors, source) ?? { since: now.toISOString(), locations: {} };
  const locations = await listLocations();
  const due: SummaryDay[] = [];
  const next: DailyCursor = { since: cursor.since, locations: { ...cursor.locations } };
  for (const location of locations) {
    if (!location.active || !isKnownTimeZone(location.timeZone)) continue;
    const known = cursor.locations[location.id];
    const first = known ? addDays(known.through, 1) : localDate(Date.parse(cursor.since), location.timeZone);
    const lastClosed = lastClosedBusinessDay(now, location.timeZone, grace);
    for (let day = first; day <= lastClosed; day = addDays(day, 1)) due.push({ tenantId: sync.tenantId, locationId: location.id, businessDate: day });
    next.locations[location.id] = { timeZone: location.timeZone, through: first <= lastClosed ? lastClosed : addDays(first, -1) };
  }
  return { due, cursor: next };
}

/** Records the plan's days as queued, keeping whatever else the sync's cursors hold (read again just before). */
async function savePlan(database: PrismaClient, sync: { id: string; tenantId: string }, source: Source, plan: DayPlan): Promise<void> {
  const row = await database.sync.findFirst({ where: { id: sync.id, tenantId: sync.tenantId }, select: { cursors: true } });
  const current = readCursor(row?.cursors, source);
  const cursor: DailyCursor = { since: current?.since ?? plan.cursor.since, locations: { ...current?.locations, ...plan.cursor.locations } };
  await database.sync.updateMany({ where: { id: sync.id, tenantId: sync.tenantId }, data: { cursors: withCursor(row?.cursors, source, cursor) } });
}

/**
 * Plans the sync's closed days, queues a day job for each (through `send`), then records them as queued. Queued
 * first, recorded after: a crash in between queues the days again next time, and a day run twice posts nothing
 * twice.
 */
export async function queueDueSquareDays(
  database: PrismaClient,
  send: (day: SquareDay) => Promise<unknown>,
  sync: { id: string; tenantId: string },
  options: { now?: Date; graceMinutes?: number } = {},
): Promise<SquareDay[]> {
  return queueDueDays(database, "square", (plannedSync) => planSquareDays(database, plannedSync, options), send, sync);
}

/** queueDueSquareDays for any source, given its planner. */
export async function queueDueDays(
  database: PrismaClient,
  source: Source,
  plan: (sync: { id: string; tenantId: string }) => Promise<DayPlan | null>,
  send: (day: SummaryDay) => Promise<unknown>,
  sync: { id: string; tenantId: string },
): Promise<SummaryDay[]> {
  const planned = await plan(sync);
  if (!planned) return [];
  for (const day of planned.due) await send(day);
  await savePlan(database, sync, source, planned);
  return planned.due;
}

/** One queued run per tenant, location and day. */
export const daySingletonKey = (day: SummaryDay) => `${day.tenantId}:${dailySourceId(day.locationId, day.businessDate)}`;

// ---- One location's day ------------------------------------------------------------------------------------------

/** QuickBooks as the daily summaries use it: the poster's calls, and the date through which the books are closed. */
export interface DailyBooks extends BooksPort {
  /** The company's closing date (books closed through that day), or null when the books are open. */
  closedThrough(): Promise<string | null>;
}

const preferencesAnswer = z.looseObject({
  Preferences: z.looseObject({ AccountingInfoPrefs: z.looseObject({ BookCloseDate: isoDate.optional() }).optional() }),
});

/**
 * QuickBooks keeps the closing date a merchant sets under Close the books in Preferences
 * (AccountingInfoPrefs.BookCloseDate, read only); changes dated on or before it are refused.
 */
async function readBookCloseDate(database: PrismaClient, account: QuickBooksAccount): Promise<string | null> {
  const answer = await quickBooksRequest(database, account, { method: "GET", path: "preferences" }, preferencesAnswer);
  return answer.Preferences.AccountingInfoPrefs?.BookCloseDate ?? null;
}

export function dailyBooks(database: PrismaClient, account: QuickBooksAccount): DailyBooks {
  return { ...quickBooksBooks(database, account), closedThrough: () => readBookCloseDate(database, account) };
}

export type DayOutcome =
  | { outcome: "skipped"; reason: string }
  | { outcome: "problem"; problems: string[] }
  /** No sale or refund that moves money: nothing to post. */
  | { outcome: "empty" }
  | { outcome: "unchanged"; docNumber: string | null }
  | { outcome: "posted"; how: "created" | "updated" | "corrected"; docNumber: string; sales: number; refunds: number; leftOut: string[] }
  | { outcome: "failed"; problem: string };
export type SquareDayOutcome = DayOutcome;

const refStored = z.object({ value: z.string(), name: z.string().optional() });
const journalLineStored = z.object({
  DetailType: z.literal("JournalEntryLineDetail"),
  Amount: z.number().nonnegative(),
  Description: z.string().optional(),
  JournalEntryLineDetail: z.object({ PostingType: z.enum(["Debit", "Credit"]), AccountRef: refStored, DepartmentRef: refStored.optional(), ClassRef: refStored.optional() }),
});
const journalPayloadStored = z.object({
  DocNumber: z.string(),
  TxnDate: isoDate,
  PrivateNote: z.string(),
  DepartmentRef: refStored.optional(),
  CurrencyRef: refStored.optional(),
  ExchangeRate: z.number().optional(),
  Line: z.array(journalLineStored),
});

/** A journal line as Tillbridge writes it, from a line QuickBooks answers (which adds its own Id and LineNum). */
const heldLine = z.looseObject({
  Amount: z.number(),
  Description: z.string().optional(),
  DetailType: z.string(),
  JournalEntryLineDetail: z.looseObject({ PostingType: z.enum(["Debit", "Credit"]), AccountRef: refStored, DepartmentRef: refStored.optional(), ClassRef: refStored.optional() }).optional(),
});
const heldEntry = z.looseObject({ Line: z.array(heldLine).optional() });

function heldJournalLines(document: unknown): JournalLine[] {
  return (heldEntry.parse(document).Line ?? []).flatMap((line) => {
    const detail = line.JournalEntryLineDetail;
    if (line.DetailType !== "JournalEntryLineDetail" || !detail) return [];
    return [
      {
        DetailType: "JournalEntryLineDetail" as const,
        Amount: line.Amount,
        ...(line.Description !== undefined && { Description: line.Description }),
        JournalEntryLineDetail: {
          PostingType: detail.PostingType,
          AccountRef: detail.AccountRef,
          ...(detail.DepartmentRef && { DepartmentRef: detail.DepartmentRef }),
          ...(detail.ClassRef && { ClassRef: detail.ClassRef }),
        },
      },
    ];
  });
}

type LedgerRow = NonNullable<Awaited<ReturnType<PrismaClient["accountingDocument"]["findUnique"]>>>;

const documentKind = z.enum(DOCUMENT_KINDS);

/** The document a ledger row recorded, exactly as it was (or is being) sent. */
function recordedDocument(row: LedgerRow): PlannedJournalEntry {
  return { entity: "JournalEntry", kind: documentKind.parse(row.kind), requestId: row.requestId, docNumber: row.docNumber, payload: journalPayloadStored.parse(row.payload) };
}

/**
 * What the day's summary row says was posted. A failed row forces a new revision (a new requestid): QuickBooks
 * would answer the old one with the refusal it kept.
 */
function previousSummary(row: LedgerRow | null): PreviousSummary | undefined {
  if (!row) return undefined;
  return { revision: row.revision, contentHash: row.status === "POSTED" ? contentHash(row.payload) : "" };
}

function debitsOf(document: PlannedJournalEntry, currency: string): number {
  return document.payload.Line.filter((line) => line.JournalEntryLineDetail.PostingType === "Debit").reduce((total, line) => total + fromQboAmount(line.Amount, currency).amount, 0);
}

const orderHead = z.looseObject({ id: z.string(), returns: z.array(z.looseObject({ source_order_id: z.string().nullish() })).nullish() });

/** What differs between sources when a day is posted: the source, its day job (for Retry), and how a merchant finishes a record left out. */
export interface DaySource {
  source: Source;
  /** The job that posts one of the source's days, which Retry sends again. */
  jobName: string;
  /** What the merchant waits for before pressing Retry when records were left out ("Square shows them completed"). */
  leftOutHint: (count: number) => string;
}

const dayIssueKey = (source: Source, day: SummaryDay) => `accounting-${source}-day:${dailySourceId(day.locationId, day.businessDate)}`;

async function reportDay(database: PrismaClient, sync: { id: string }, from: DaySource, day: SummaryDay, label: string, code: string, message: string): Promise<void> {
  await reportSyncIssue(database, {
    tenantId: day.tenantId,
    syncId: sync.id,
    key: dayIssueKey(from.source, day),
    code,
    message,
    entityType: "accounting_record",
    entityRef: label,
    retriable: true,
    retryJob: { name: from.jobName, payload: { tenantId: day.tenantId, locationId: day.locationId, businessDate: day.businessDate } },
  });
}

const SQUARE_DAYS: DaySource = {
  source: "square",
  jobName: POST_SQUARE_DAY_JOB,
  leftOutHint: (count) => `Press Retry once Square shows ${count === 1 ? "it" : "them"} completed.`,
};

export interface DayOptions {
  /** QuickBooks as the day is posted to (tests wrap the real one); by default the tenant's company. */
  books?: (account: QuickBooksAccount) => DailyBooks;
  /** Today, for the date of a correcting entry. */
  now?: Date;
}

export type SquareDayOptions = DayOptions;

/** Reads one location's business day from Square and posts (or corrects) its summary exactly once. */
export async function postSquareDay(database: PrismaClient, day: SquareDay, options: SquareDayOptions = {}): Promise<SquareDayOutcome> {
  const sync = await findAccountingSync(database, day.tenantId, "square");
  if (!sync) return { outcome: "skipped", reason: "accounting is off for Square" };
  if (sync.settings.posting.square !== "daily_summary") return { outcome: "skipped", reason: "Square sales are posted one order at a time" };

  const square = await squareInventoryAccount(database, day.tenantId);
  const location = (await listSquareLocationsForBooks(database, square)).find((entry) => entry.id === day.locationId);
  if (!location) return { outcome: "skipped", reason: `Square has no location ${day.locationId}` };
  const label = `Square sales at ${location.name} on ${day.businessDate}`;
  const read = await readSquareClosedOrdersForBooks(database, square, location, businessDayWindow(day.businessDate, location.timeZone));

  // Orders already in the books one by one (posted before the switch to daily summaries) stay out of the summary.
  const orderIds = read.orders.map((entry) => orderHead.parse(entry.order).id);
  const postedPerOrder = new Set(
    (await database.accountingDocument.findMany({ where: { tenantId: day.tenantId, source: "square", kind: { in: ["sale", "refund"] }, sourceId: { in: orderIds } }, select: { sourceId: true } })).map((row) => row.sourceId),
  );
  const sales: SourceSale[] = [];
  const refunds: SourceRefund[] = [];
  const leftOut: string[] = [];
  const returnsOfSale = new Map<string, number>();
  for (const entry of read.orders) {
    const head = orderHead.parse(entry.order);
    if (postedPerOrder.has(head.id)) continue;
    if (entry.isReturn) {
      const saleId = head.returns?.[0]?.source_order_id ?? "";
      // Which refund of its sale this is, among the day's (it only names the refund in messages: no DocNumber of its own).
      const sequence = Math.min(99, (returnsOfSale.get(saleId) ?? 0) + 1);
      returnsOfSale.set(saleId, sequence);
      const mapped = mapSquareReturn({ order: entry.order, refunds: entry.refunds, location, catalog: read.catalog, sequence });
      if (mapped.ok) refunds.push(mapped.value);
      else leftOut.push(mapped.problems.join(" "));
    } else {
      const mapped = mapSquareSale({ order: entry.order, payments: entry.payments, location, catalog: read.catalog });
      if (mapped.ok) sales.push(mapped.value);
      else leftOut.push(mapped.problems.join(" "));
    }
  }
  return postDaySummary(database, sync, SQUARE_DAYS, day, { location, label, sales, refunds, leftOut }, options);
}

/** One location's day as its source reads it: the location, and the day's records mapped (or why some could not be). */
export interface DayRecords {
  location: { id: string; name: string; timeZone: string; currency?: string | null };
  /** How the day is named to the merchant ("Square sales at Downtown on 2026-11-26"). */
  label: string;
  /** The sales and refunds read for the day; those of another business day are left aside. */
  sales: SourceSale[];
  refunds: SourceRefund[];
  /** Why records of the day could not be mapped, in the merchant's words: the day is posted without them. */
  leftOut: string[];
}

/**
 * Posts (or corrects) one location's day from its records, exactly once: the summary through the ledger as a new
 * entry, the next revision of the posted one, or a correcting entry when the books are closed through the day.
 */
export async function postDaySummary(
  database: PrismaClient,
  sync: { id: string; settings: AccountingSyncSettings },
  from: DaySource,
  day: SummaryDay,
  records: DayRecords,
  options: DayOptions = {},
): Promise<DayOutcome> {
  const { location, label, sales, refunds, leftOut } = records;
  const source = from.source;
  const daySales = sales.filter((sale) => sale.businessDate === day.businessDate);
  const dayRefunds = refunds.filter((refund) => refund.businessDate === day.businessDate);

  const missing = missingMappings(sync.settings, needsOf(daySales, dayRefunds, sync.settings.company, { [`${source}:${location.id}`]: location.name }));
  if (missing.length > 0) {
    const problems = missing.map((problem) => problem.message);
    await reportDay(database, sync, from, day, label, "ACCOUNTING_CANNOT_POST", `${label} were not posted to QuickBooks: ${problems.join(" ")}`);
    return { outcome: "problem", problems };
  }
  const groups = groupByBusinessDay(daySales, dayRefunds);
  if (groups.length > 1) {
    const problem = `they are in several currencies (${groups.map((group) => group.currency).join(", ")}), and a day's summary is one journal entry in one currency.`;
    await reportDay(database, sync, from, day, label, "ACCOUNTING_CANNOT_POST", `${label} were not posted to QuickBooks: ${problem}`);
    return { outcome: "problem", problems: [problem] };
  }
  const currency = groups[0]?.currency ?? location.currency ?? sync.settings.company.homeCurrency;
  const group: DailyGroup = groups[0] ?? { source, locationId: location.id, businessDate: day.businessDate, currency, sales: [], refunds: [] };
  const ctx: PostingContext = { tenantId: day.tenantId, mapping: sync.settings, company: sync.settings.company, refs: { items: {}, locationName: location.name }, accountsOnly: true };

  const qbo = await quickBooksAccount(database, day.tenantId);
  const books = options.books?.(qbo) ?? dailyBooks(database, qbo);
  const dayKey = dailySourceId(location.id, day.businessDate);
  const post = (planned: PlannedJournalEntry, ledger: { sourceId: string; revision: number; txnDate: string; totalMinor: number }) =>
    postAccountingDocument(database, books, { tenantId: day.tenantId, syncId: sync.id, source, planned, locationId: location.id, currency, ...ledger });

  // Finish what an earlier run started before comparing: a document whose answer was lost may be in QuickBooks.
  const summaryWhere = { tenantId_source_sourceId_kind: { tenantId: day.tenantId, source, sourceId: dayKey, kind: "daily_summary" } };
  let summaryRow = await database.accountingDocument.findUnique({ where: summaryWhere });
  if (summaryRow?.status === "PENDING") {
    const resumed = await post(recordedDocument(summaryRow), { sourceId: dayKey, revision: summaryRow.revision, txnDate: summaryRow.txnDate, totalMinor: summaryRow.totalMinor });
    if (resumed.outcome === "failed") return resumed;
    summaryRow = await database.accountingDocument.findUnique({ where: summaryWhere });
  }
  const correctionsWhere = { tenantId: day.tenantId, source, kind: "daily_correction", sourceId: { startsWith: `${dayKey}#C` } };
  for (const row of await database.accountingDocument.findMany({ where: { ...correctionsWhere, status: "PENDING" }, orderBy: { createdAt: "asc" } })) {
    const resumed = await post(recordedDocument(row), { sourceId: row.sourceId, revision: row.revision, txnDate: row.txnDate, totalMinor: row.totalMinor });
    if (resumed.outcome === "failed") return resumed;
  }
  const corrections = await database.accountingDocument.findMany({ where: correctionsWhere, orderBy: { createdAt: "asc" } });

  let summary;
  try {
    summary = buildDailySummary(group, ctx, previousSummary(summaryRow));
  } catch (error) {
    if (!(error instanceof PostingError)) throw error;
    await reportDay(database, sync, from, day, label, "ACCOUNTING_CANNOT_POST", `${label} were not posted to QuickBooks: ${error.message}`);
    return { outcome: "problem", problems: [error.message] };
  }

  const settle = async (): Promise<void> => {
    if (leftOut.length === 0) {
      await resolveSyncIssues(database, day.tenantId, [dayIssueKey(source, day)]);
      return;
    }
    const count = `${leftOut.length} order${leftOut.length === 1 ? "" : "s"}`;
    await reportDay(database, sync, from, day, label, "ACCOUNTING_RECORDS_LEFT_OUT", `${label} were posted to QuickBooks without ${count} Tillbridge could not read: ${leftOut.join(" ")} ${from.leftOutHint(leftOut.length)}`);
  };

  if (summary.status === "empty") {
    if (summaryRow?.qboId) {
      // Decision 010: a day emptied (every sale cancelled or fully refunded the same day) keeps no summary.
      const message = `${label} no longer move any money, but their summary ${summaryRow.docNumber} is still in QuickBooks. Delete that journal entry in QuickBooks.`;
      await reportDay(database, sync, from, day, label, "ACCOUNTING_DAY_EMPTIED", message);
      return { outcome: "problem", problems: [message] };
    }
    await settle();
    return { outcome: "empty" };
  }
  if (summary.status === "unchanged") {
    await settle();
    return { outcome: "unchanged", docNumber: summaryRow?.docNumber ?? null };
  }

  const netSales = sum(currency, group.sales.map((sale) => sale.total)).amount - sum(currency, group.refunds.map((refund) => refund.total)).amount;
  const postedCorrections = corrections.filter((row) => row.status === "POSTED");
  // The closing date matters only when a posted summary would change: read it then, once.
  const closedThrough = summaryRow?.qboId ? await books.closedThrough() : null;
  const closed = postedCorrections.length > 0 || (closedThrough !== null && day.businessDate <= closedThrough);

  let outcome: PostingOutcome;
  let how: "created" | "updated" | "corrected";
  if (closed && summaryRow?.qboId) {
    // The difference between what QuickBooks holds for the day (the entry as it is there now, plus the
    // corrections) and what the day is now, as a new entry dated today in the location's time zone.
    const held = heldJournalLines(await books.read("JournalEntry", summaryRow.qboId));
    const posted: PlannedJournalEntry = {
      ...summary.document,
      docNumber: summaryRow.docNumber,
      payload: { ...summary.document.payload, Line: [...held, ...postedCorrections.flatMap((row) => recordedDocument(row).payload.Line)] },
    };
    const correctionDate = localDate((options.now ?? new Date()).getTime(), location.timeZone);
    if (closedThrough !== null && correctionDate <= closedThrough) {
      const message = `${label} changed after their summary ${summaryRow.docNumber} was posted, but your QuickBooks books are closed through ${closedThrough}, so not even a correcting entry can be dated today. Move the closing date back, then press Retry.`;
      await reportDay(database, sync, from, day, label, "ACCOUNTING_PERIOD_CLOSED", message);
      return { outcome: "problem", problems: [message] };
    }
    const number = corrections.length + 1;
    const entry = correctingEntry(posted, summary.document, group, ctx, { revision: number, correctionDate });
    if (!entry) {
      await settle();
      return { outcome: "unchanged", docNumber: summaryRow.docNumber };
    }
    outcome = await post(entry, { sourceId: `${dayKey}#C${number}`, revision: 0, txnDate: correctionDate, totalMinor: debitsOf(entry, currency) });
    how = "corrected";
  } else {
    outcome = await post(summary.document, { sourceId: dayKey, revision: summary.revision, txnDate: day.businessDate, totalMinor: netSales });
    how = summaryRow?.qboId ? "updated" : "created";
  }
  if (outcome.outcome === "failed") return outcome;
  await settle();
  return { outcome: "posted", how, docNumber: outcome.docNumber, sales: group.sales.length, refunds: group.refunds.length, leftOut };
}

// ---- Late orders -----------------------------------------------------------------------------------------------

/**
 * In daily mode an order is never posted on its own. When it belongs to a day that was already summarized (its
 * summary is in the ledger, or the day was queued and found empty), that day is run again; otherwise its day's
 * summary, still to come, will hold it.
 */
export async function dayOfLateSquareOrder(database: PrismaClient, tenantId: string, sync: { id: string }, orderId: string): Promise<{ outcome: "skipped"; reason: string; rerunDay?: SquareDay }> {
  const place = await readSquareOrderPlace(database, await squareInventoryAccount(database, tenantId), orderId);
  if (!place) return { outcome: "skipped", reason: "Square has no such order" };
  if (place.state !== "COMPLETED" || !place.closedAt) return { outcome: "skipped", reason: `the order is ${place.state.toLowerCase()}` };
  return lateRecordDay(database, { tenantId, source: "square", sync }, place.locationId, place.closedAt);
}

/**
 * For a record of the source's location that happened at `occurredAt`: when its day was summarized already (its
 * summary is in the ledger, or the day was queued and found empty), that day to run again; otherwise its day's
 * summary, still to come, will hold it.
 */
export async function lateRecordDay(
  database: PrismaClient,
  input: { tenantId: string; source: Source; sync: { id: string } },
  locationId: string,
  occurredAt: string,
): Promise<{ outcome: "skipped"; reason: string; rerunDay?: SummaryDay }> {
  const { tenantId, source, sync } = input;
  const row = await database.sync.findFirst({ where: { id: sync.id, tenantId }, select: { cursors: true } });
  const known = readCursor(row?.cursors, source)?.locations[locationId];
  if (!known) return { outcome: "skipped", reason: "no day of its location was summarized yet: it will be in its day's summary" };
  const businessDate = businessDateOf(occurredAt, known.timeZone);
  const summarized =
    businessDate <= known.through ||
    (await database.accountingDocument.count({ where: { tenantId, source, kind: "daily_summary", sourceId: dailySourceId(locationId, businessDate) } })) > 0;
  if (!summarized) return { outcome: "skipped", reason: `it will be in the summary of ${businessDate}` };
  return { outcome: "skipped", reason: `posted with the summary of ${businessDate}, which is run again`, rerunDay: { tenantId, locationId, businessDate } };
}

// ---- Jobs ------------------------------------------------------------------------------------------------------

export const postSquareDayJob = defineJob({
  name: POST_SQUARE_DAY_JOB,
  payload: summaryDayPayload,
  tenantOf: (payload) => payload.tenantId,
  // One run of a day at a time: its ledger rows (the summary and its corrections) are written by one job.
  orderingKey: (payload) => `accounting-square-day:${daySingletonKey(payload)}`,
  // A busy day reads hundreds of orders and their payments one by one.
  policy: { retryLimit: 10, retryDelaySeconds: 5, retryDelayMaxSeconds: 900, expireInSeconds: 900, batchSize: 5, localConcurrency: 2 },
  async handle(day, context) {
    const started = new Date();
    const result = await postSquareDay(db(), day);
    context.logger.info({ locationId: day.locationId, businessDate: day.businessDate, outcome: result.outcome }, "square day summarized");
    if (result.outcome !== "posted" && result.outcome !== "failed") return;
    const sync = await db().sync.findFirst({ where: { tenantId: day.tenantId, kind: "ACCOUNTING", sourceConnection: { provider: "SQUARE" } }, select: { id: true } });
    const run = await startSyncRun(db(), { tenantId: day.tenantId, ...(sync && { syncId: sync.id }), kind: "accounting.daily-summary", trigger: "schedule" }, started);
    const summary =
      result.outcome === "posted"
        ? `Square ${day.businessDate} at location ${day.locationId}: ${result.docNumber} ${result.how} (${result.sales} sales, ${result.refunds} refunds)`
        : `Square ${day.businessDate} at location ${day.locationId}: not posted`;
    await finishSyncRun(db(), day.tenantId, run.id, {
      counts: { read: result.outcome === "posted" ? result.sales + result.refunds : 0, written: result.outcome === "posted" ? 1 : 0, skipped: result.outcome === "posted" ? result.leftOut.length : 0, failed: result.outcome === "failed" ? 1 : 0 },
      summary,
    });
  },
});

/** One tenant's plan: the days that closed since the last one, each queued as a day job. */
export const planSquareDaysJob = defineJob({
  name: "accounting.plan-square-days",
  payload: z.object({ tenantId: z.uuid(), syncId: z.uuid() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  orderingKey: (payload) => `accounting-square-days:${payload.syncId}`,
  policy: { retryLimit: 5, retryDelaySeconds: 30, retryDelayMaxSeconds: 900, batchSize: 5, localConcurrency: 1 },
  async handle({ tenantId, syncId }, context) {
    const due = await queueDueSquareDays(db(), (day) => context.send(postSquareDayJob, day, { singletonKey: daySingletonKey(day), priority: JobPriority.normal }), { id: syncId, tenantId });
    if (due.length > 0) context.logger.info({ days: due.length }, "square days queued for their summaries");
  },
});

/** Every hour: each tenant summarizing Square sales by day plans its closed days. */
export const sweepSquareDaysJob = defineJob({
  name: "accounting.sweep-square-days",
  payload: z.object({}).strict(),
  schedule: "5 * * * *",
  policy: { retryLimit: 1, batchSize: 1, localConcurrency: 1 },
  async handle(_payload, context) {
    for (const sync of await squareDailySyncs(db())) {
      await context.send(planSquareDaysJob, { tenantId: sync.tenantId, syncId: sync.id }, { singletonKey: sync.id });
    }
  },
});

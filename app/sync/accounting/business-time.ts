import { businessDateOf } from "~/domain/accounting/source-sale";

/**
 * Business days as instants, and how long posting a backlog takes. A business day is a location's own calendar
 * day in its IANA time zone (as the documents' TxnDate is), so "from 1 March" means from midnight in Chicago for a
 * Chicago store and from midnight in Los Angeles for a Los Angeles one.
 */

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** The wall-clock time at `instant` in `timeZone`, read as if it were UTC (ms). */
function wallClockMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value ?? "0");
  return Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
}

/** The first instant of a business day (YYYY-MM-DD) in a time zone, as an ISO string. */
export function startOfBusinessDay(date: string, timeZone: string): string {
  const midnight = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(midnight)) throw new RangeError(`"${date}" is not a date (YYYY-MM-DD)`);
  // The zone's offset at UTC midnight, then again at the first guess: right unless the offset changes in between.
  let candidate = midnight - (wallClockMs(midnight, timeZone) - midnight);
  candidate = midnight - (wallClockMs(candidate, timeZone) - candidate);
  // Where a clock change skips midnight, the day starts at the first hour that exists.
  while (businessDateOf(new Date(candidate).toISOString(), timeZone) < date) candidate += HOUR_MS;
  while (businessDateOf(new Date(candidate - HOUR_MS).toISOString(), timeZone) === date) candidate -= HOUR_MS;
  return new Date(candidate).toISOString();
}

/** YYYY-MM-DD plus a number of days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The business days of a time zone that lie wholly inside [from, to]: those a look-back window has seen every
 * order of. Oldest first.
 */
export function wholeBusinessDays(from: Date, to: Date, timeZone: string): string[] {
  const days: string[] = [];
  let day = businessDateOf(from.toISOString(), timeZone);
  for (;;) {
    const start = Date.parse(startOfBusinessDay(day, timeZone));
    const end = Date.parse(startOfBusinessDay(addDays(day, 1), timeZone));
    if (end > to.getTime()) return days;
    if (start >= from.getTime()) days.push(day);
    day = addDays(day, 1);
  }
}

export interface BacklogEstimate {
  documentsLeft: number;
  /** Whole minutes, at least 1 while anything is left. */
  minutesLeft: number;
}

/**
 * How long the rest of an import takes at QuickBooks' pace: documents left × calls per document ÷ the calls the
 * realm's budget allows per minute. QuickBooks, not Square, sets the pace: 500 calls a minute per company, of
 * which the shared budget lets 475 a minute through steadily (app/sync/budgets.server.ts).
 */
export function estimateBacklog(input: { ordersLeft: number; documentsPerOrder: number; callsPerDocument: number; callsPerMinute: number }): BacklogEstimate {
  if (input.callsPerMinute <= 0) throw new RangeError("callsPerMinute must be positive");
  const ordersLeft = Math.max(0, input.ordersLeft);
  const documentsLeft = Math.ceil(ordersLeft * Math.max(1, input.documentsPerOrder));
  if (documentsLeft === 0) return { documentsLeft: 0, minutesLeft: 0 };
  return { documentsLeft, minutesLeft: Math.max(1, Math.ceil((documentsLeft * input.callsPerDocument) / input.callsPerMinute)) };
}

/**
 * The first whole business day inside a window of the last `days` days ending at `now` (Shopify shows apps only the
 * last 60 days of orders without read_all_orders): the day after the one the window starts in.
 */
export function firstWholeDayWithin(now: Date, days: number, timeZone: string): string {
  return addDays(businessDateOf(new Date(now.getTime() - days * DAY_MS).toISOString(), timeZone), 1);
}

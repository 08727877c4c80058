/**
 * Daily summaries: all of one location's sales and refunds of one business day as one QuickBooks JournalEntry.
 *
 * Why a journal entry and not a SalesReceipt: a day nets sales against refunds (a receipt cannot go below zero),
 * is paid in several ways (a receipt has one deposit account), and carries fees; a journal entry holds all of that
 * in one balanced document, with no Qty × UnitPrice constraint. Lines are grouped: sales per category (or mapped
 * item) on the item's income account, discounts, sales tax on the mapping's tax liability account, shipping,
 * tips, service charges, gift cards, each payment kind on its account, and fees.
 *
 * The business day is the location's calendar day (`businessDate`, reckoned in its IANA time zone), so a sale at
 * 23:30 in Los Angeles is in that day's entry, not the next UTC day's. A sale that arrives after its day was posted
 * (Square accepts offline sales up to 72 hours late) changes the day's content hash: the day is posted again as
 * the next revision, with the same DocNumber and a new requestid, as an update of the existing entry. If the period
 * is closed in QuickBooks, `correctingEntry` gives the difference as a new entry dated in the open period instead.
 */
import { createHash } from "node:crypto";
import { dailyDocNumber, dailySourceId, requestIdFor } from "./document-keys";
import type { AccountRef } from "./mapping";
import { formatDecimal, fromQboAmount, sum, toQboAmount, type Money } from "./money";
import {
  feeExpenseAccount,
  feeRefundTender,
  locationDimension,
  privateNote,
  PostingError,
  refundLines,
  routeFor,
  saleLines,
  tenderLabel,
  type LocationDimension,
  type PostingContext,
  type PostingLine,
} from "./posting";
import type { JournalLine } from "./quickbooks-documents";
import { journalEntry, type PlannedJournalEntry } from "./sales-receipt";
import { SOURCE_NAMES, type Source, type SourceRefund, type SourceSale } from "./source-sale";

export interface DailyGroup {
  source: Source;
  locationId: string;
  businessDate: string;
  currency: string;
  sales: SourceSale[];
  refunds: SourceRefund[];
}

/** Groups sales and refunds by source, location, business day and currency, in a stable order. */
export function groupByBusinessDay(sales: readonly SourceSale[], refunds: readonly SourceRefund[]): DailyGroup[] {
  const groups = new Map<string, DailyGroup>();
  const groupOf = (record: SourceSale | SourceRefund) => {
    const key = JSON.stringify([record.source, record.locationId, record.businessDate, record.currency]);
    let group = groups.get(key);
    if (!group) {
      group = { source: record.source, locationId: record.locationId, businessDate: record.businessDate, currency: record.currency, sales: [], refunds: [] };
      groups.set(key, group);
    }
    return group;
  };
  for (const sale of sales) groupOf(sale).sales.push(sale);
  for (const refund of refunds) groupOf(refund).refunds.push(refund);
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

export interface PreviousSummary {
  revision: number;
  contentHash: string;
}

export type DailySummary =
  | { status: "new" | "corrected" | "unchanged"; revision: number; contentHash: string; document: PlannedJournalEntry }
  /** Nothing to post: the day's sales and refunds move no money (all zero). */
  | { status: "empty"; revision: number; contentHash: null; document: null };

interface Accumulated {
  account: AccountRef;
  description: string;
  /** Debit positive, minor units. */
  amounts: Money[];
}

class JournalAccumulator {
  private readonly entries = new Map<string, Accumulated>();
  constructor(private readonly currency: string) {}

  debit(account: AccountRef, description: string, amount: Money): void {
    this.post(account, description, amount);
  }

  credit(account: AccountRef, description: string, amount: Money): void {
    this.post(account, description, { amount: -amount.amount, currency: amount.currency });
  }

  private post(account: AccountRef, description: string, amount: Money): void {
    const key = JSON.stringify([account.id, description]);
    const entry = this.entries.get(key) ?? { account, description, amounts: [] };
    entry.amounts.push(amount);
    this.entries.set(key, entry);
  }

  lines(dimension: LocationDimension): JournalLine[] {
    const totals = [...this.entries.values()].map((entry) => ({ entry, net: sum(this.currency, entry.amounts) }));
    const balance = sum(this.currency, totals.map(({ net }) => net));
    if (balance.amount !== 0) throw new Error(`daily summary does not balance: off by ${formatDecimal(balance)}`);
    return totals
      .filter(({ net }) => net.amount !== 0)
      .sort((a, b) => lineOrder(a.entry) - lineOrder(b.entry) || (a.entry.description < b.entry.description ? -1 : a.entry.description > b.entry.description ? 1 : 0) || (a.entry.account.id < b.entry.account.id ? -1 : 1))
      .map(({ entry, net }) => ({
        DetailType: "JournalEntryLineDetail" as const,
        Amount: toQboAmount({ amount: Math.abs(net.amount), currency: net.currency }),
        Description: entry.description,
        JournalEntryLineDetail: { PostingType: net.amount > 0 ? ("Debit" as const) : ("Credit" as const), AccountRef: { value: entry.account.id, name: entry.account.name }, ...dimension },
      }));
  }
}

/** Payments first, then sales, adjustments, tax and fees: the order a merchant reads a day's takings in. */
function lineOrder(entry: Accumulated): number {
  const order = ["Payments ·", "Sales ·", "Discounts", "Shipping", "Service charges", "Tips", "Gift cards", "Rounding", "Sales tax", "Processing fees", "Fees ·"];
  const index = order.findIndex((prefix) => entry.description.startsWith(prefix));
  return index === -1 ? order.length : index;
}

function lineDescription(line: PostingLine): string {
  switch (line.kind) {
    case "item":
      return `Sales · ${line.category ?? line.item.name}`;
    case "shipping":
      return "Shipping";
    case "serviceCharge":
      return "Service charges";
    case "tip":
      return "Tips";
    case "giftCard":
      return "Gift cards sold";
    default:
      return "Rounding and adjustments";
  }
}

function taxAccount(ctx: PostingContext): AccountRef {
  const account = ctx.mapping.taxLiabilityAccount;
  if (!account) throw new PostingError("Daily summaries need a liability account for the sales tax collected.");
  return account;
}

function discountAccount(ctx: PostingContext): AccountRef {
  const discounts = ctx.mapping.discounts;
  if (discounts.mode !== "separate_line") throw new Error("a separate discount without a discount account");
  return discounts.account;
}

/** A canonical JSON (keys sorted) hash of a payload: equal content, equal hash, whatever the key order. */
export function contentHash(value: unknown): string {
  const canonical = (input: unknown): unknown => {
    if (Array.isArray(input)) return input.map(canonical);
    if (input && typeof input === "object") {
      return Object.fromEntries(Object.entries(input).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, child]) => [key, canonical(child)]));
    }
    return input;
  };
  return createHash("sha256").update(JSON.stringify(canonical(value))).digest("hex");
}

export function buildDailySummary(group: DailyGroup, baseCtx: PostingContext, previous?: PreviousSummary): DailySummary {
  const ctx: PostingContext = { ...baseCtx, accountsOnly: true };
  const c = group.currency;
  for (const record of [...group.sales, ...group.refunds]) {
    if (record.source !== group.source || record.locationId !== group.locationId || record.businessDate !== group.businessDate || record.currency !== c) {
      throw new Error("a daily summary's records must share source, location, business day and currency");
    }
  }
  const journal = new JournalAccumulator(c);
  const dimension = locationDimension(ctx, group.source, group.locationId);

  for (const sale of group.sales) {
    const posting = saleLines(sale, ctx);
    for (const line of posting.lines) journal.credit(line.item.incomeAccount, lineDescription(line), line.amount);
    if (posting.discount.amount !== 0) journal.debit(discountAccount(ctx), "Discounts", posting.discount);
    if (sale.taxTotal.amount !== 0) journal.credit(taxAccount(ctx), "Sales tax", sale.taxTotal);
    for (const tender of sale.tenders) {
      const account = routeFor(ctx, tender).account;
      journal.debit(account, `Payments · ${tenderLabel(tender)}`, tender.amount);
      if (tender.processingFee && tender.processingFee.amount !== 0) {
        journal.debit(feeExpenseAccount(ctx), "Processing fees", tender.processingFee);
        journal.credit(account, `Fees · ${tenderLabel(tender)}`, tender.processingFee);
      }
    }
  }
  for (const refund of group.refunds) {
    const posting = refundLines(refund, ctx);
    for (const line of posting.lines) journal.debit(line.item.incomeAccount, lineDescription(line), line.amount);
    if (posting.discount.amount !== 0) journal.credit(discountAccount(ctx), "Discounts", posting.discount);
    if (refund.taxTotal.amount !== 0) journal.debit(taxAccount(ctx), "Sales tax", refund.taxTotal);
    for (const tender of refund.tenders) journal.credit(routeFor(ctx, tender).account, `Payments · ${tenderLabel(tender)}`, tender.amount);
    if (refund.feeRefunded.amount !== 0) {
      const tender = feeRefundTender(refund);
      if (!tender) throw new PostingError(`A refund of ${SOURCE_NAMES[refund.source]} order ${refund.saleSourceName ?? refund.saleSourceId} gives back a fee but pays nothing back.`);
      journal.credit(feeExpenseAccount(ctx), "Processing fees", refund.feeRefunded);
      journal.debit(routeFor(ctx, tender).account, `Fees · ${tenderLabel(tender)}`, refund.feeRefunded);
    }
  }

  const lines = journal.lines(dimension);
  const revisionIfChanged = previous ? previous.revision + 1 : 0;
  if (lines.length === 0) return { status: "empty", revision: previous?.revision ?? 0, contentHash: null, document: null };

  const salesTotal = sum(c, group.sales.map((sale) => sale.total));
  const refundsTotal = sum(c, group.refunds.map((refund) => refund.total));
  const note = privateNote([
    `${SOURCE_NAMES[group.source]} daily summary for ${group.businessDate}`,
    baseCtx.refs.locationName ?? `location ${group.locationId}`,
    `${group.sales.length} sale${group.sales.length === 1 ? "" : "s"} ${formatDecimal(salesTotal)} ${c}`,
    group.refunds.length > 0 && `${group.refunds.length} refund${group.refunds.length === 1 ? "" : "s"} ${formatDecimal(refundsTotal)} ${c}`,
  ]);
  const docNumber = dailyDocNumber(group.source, group.locationId, group.businessDate);
  const draft = journalEntry("daily_summary", { requestId: "", docNumber }, { businessDate: group.businessDate, currency: c }, lines, note, ctx);
  // The hash covers what QuickBooks would hold, not the revision: an unchanged day hashes the same.
  const hash = contentHash(draft.payload);
  const unchanged = previous?.contentHash === hash;
  const revision = unchanged ? (previous?.revision ?? 0) : revisionIfChanged;
  const requestId = requestIdFor({ tenantId: ctx.tenantId, source: group.source, sourceId: dailySourceId(group.locationId, group.businessDate), kind: "daily_summary", revision });
  return { status: unchanged ? "unchanged" : previous ? "corrected" : "new", revision, contentHash: hash, document: { ...draft, requestId } };
}

/**
 * For a day whose entry sits in a closed QuickBooks period (an update is refused): a new entry, dated
 * `correctionDate`, holding the difference between what was posted and what the day now is. Null when there is
 * no difference.
 */
export function correctingEntry(
  posted: PlannedJournalEntry,
  current: PlannedJournalEntry,
  group: Pick<DailyGroup, "source" | "locationId" | "businessDate" | "currency">,
  ctx: PostingContext,
  correction: { revision: number; correctionDate: string },
): PlannedJournalEntry | null {
  const c = group.currency;
  const signed = (entry: PlannedJournalEntry) => {
    const totals = new Map<string, { line: JournalLine; amount: number }>();
    for (const line of entry.payload.Line) {
      const detail = line.JournalEntryLineDetail;
      const key = JSON.stringify([detail.AccountRef.value, line.Description ?? "", detail.DepartmentRef?.value ?? "", detail.ClassRef?.value ?? ""]);
      const amount = fromQboAmount(line.Amount, c).amount * (detail.PostingType === "Debit" ? 1 : -1);
      const existing = totals.get(key);
      totals.set(key, { line, amount: (existing?.amount ?? 0) + amount });
    }
    return totals;
  };
  const before = signed(posted);
  const after = signed(current);
  const lines: JournalLine[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const difference = (after.get(key)?.amount ?? 0) - (before.get(key)?.amount ?? 0);
    if (difference === 0) continue;
    const template = (after.get(key) ?? before.get(key))?.line;
    if (!template) continue;
    lines.push({
      ...template,
      Amount: toQboAmount({ amount: Math.abs(difference), currency: c }),
      JournalEntryLineDetail: { ...template.JournalEntryLineDetail, PostingType: difference > 0 ? "Debit" : "Credit" },
    });
  }
  if (lines.length === 0) return null;
  const docNumber = dailyDocNumber(group.source, group.locationId, group.businessDate, correction.revision);
  const requestId = requestIdFor({ tenantId: ctx.tenantId, source: group.source, sourceId: dailySourceId(group.locationId, group.businessDate), kind: "daily_correction", revision: correction.revision });
  const note = privateNote([`Correction ${correction.revision} of ${SOURCE_NAMES[group.source]} daily summary ${posted.docNumber} for ${group.businessDate}`, "records that arrived after that period was closed"]);
  return journalEntry("daily_correction", { requestId, docNumber }, { businessDate: correction.correctionDate, currency: c }, lines, note, ctx);
}

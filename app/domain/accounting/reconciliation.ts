/**
 * Reconciliation: does QuickBooks hold, for each location and business day, what the sources say happened?
 *
 * For each (source, location, day, currency) it builds the documents the records call for (with the mapping as
 * it is now), turns those and the documents QuickBooks holds into account balances (ledger.ts), and compares them
 * account by account, in the sense a merchant reads each account (sales as income, money received, tax, fees). It
 * also lists records no document covers (not posted yet, or deleted in QuickBooks), records covered twice (a
 * duplicate: the complaint merchants make most about accounting syncs), and documents for records the source no
 * longer has. Every difference comes with its amount and a sentence saying what probably happened.
 */
import { z } from "zod";
import { buildDailySummary, groupByBusinessDay, type DailyGroup } from "./daily-summary";
import { DOCUMENT_KINDS, type DocumentKind } from "./document-keys";
import { balancesOf, itemIncomeAccounts, SALES_TAX_ACCOUNT, type Balances, type LedgerDocument } from "./ledger";
import { tenderRoute, TENDER_KIND_ORDER, type AccountingMapping } from "./mapping";
import { formatDecimal, money, sum, type Money } from "./money";
import type { PostingContext } from "./posting";
import { buildRefundDocuments } from "./refund-receipt";
import { buildSaleDocuments } from "./sales-receipt";
import { SOURCE_NAMES, type Source, type SourceRefund, type SourceSale } from "./source-sale";

export interface PostedDocument extends LedgerDocument {
  source: Source;
  locationId: string;
  businessDate: string;
  kind: DocumentKind;
  docNumber: string;
  /** The records the document stands for: a sale's order id, a refund's id, every record of a daily summary. */
  covers: string[];
}

export interface AccountDifference {
  account: { id: string; name: string };
  /** What the records call for, in the account's natural sense (income and liabilities as credits). */
  expected: Money;
  posted: Money;
  /** posted − expected, in the same sense. */
  difference: Money;
  explanation: string;
}

export interface RecordIssue {
  recordId: string;
  kind: "sale" | "refund";
  total: Money;
  docNumbers: string[];
  explanation: string;
}

export interface DayReconciliation {
  source: Source;
  locationId: string;
  businessDate: string;
  currency: string;
  sourceTotals: { sales: Money; refunds: Money; tax: Money; fees: Money; saleCount: number; refundCount: number };
  documents: number;
  differences: AccountDifference[];
  /** Records no document covers. */
  missing: RecordIssue[];
  /** Records covered by more than one document of the same kind. */
  duplicates: RecordIssue[];
  /** Documents for records the source does not have (canceled, deleted, or from another location or day). */
  unexpected: { docNumber: string; covers: string[]; explanation: string }[];
  /** Why the expected documents could not be worked out (the mapping is incomplete). */
  problems: string[];
  inBalance: boolean;
}

type Role = "money" | "fees" | "tax" | "discounts" | "sales";

const ROLE_WORDS: Record<Role, string> = { money: "money received", fees: "processing fees", tax: "sales tax", discounts: "discounts", sales: "sales" };

function roles(mapping: AccountingMapping): Map<string, Role> {
  const byAccount = new Map<string, Role>();
  const note = (id: string | undefined, role: Role) => {
    if (id && !byAccount.has(id)) byAccount.set(id, role);
  };
  note(mapping.fees.expenseAccount?.id, "fees");
  note(SALES_TAX_ACCOUNT, "tax");
  note(mapping.taxLiabilityAccount?.id, "tax");
  if (mapping.discounts.mode === "separate_line") note(mapping.discounts.account.id, "discounts");
  note(mapping.clearingAccount?.id, "money");
  for (const kind of TENDER_KIND_ORDER) note(tenderRoute(mapping, kind)?.account.id, "money");
  for (const route of Object.values(mapping.tenders.cardBrands)) note(route.account.id, "money");
  return byAccount;
}

/** Income, liabilities and tax read as credits; money, fees and discounts as debits. */
const creditNatured = (role: Role) => role === "sales" || role === "tax";

function accountNames(ctx: PostingContext): Map<string, string> {
  const names = new Map<string, string>([[SALES_TAX_ACCOUNT, "Sales tax"]]);
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") {
      if ("id" in value && "name" in value && "type" in value && typeof value.id === "string" && typeof value.name === "string") names.set(value.id, value.name);
      Object.values(value).forEach(visit);
    }
  };
  visit(ctx.mapping);
  visit(ctx.refs.items);
  return names;
}

function expectedDocuments(group: DailyGroup, ctx: PostingContext): LedgerDocument[] {
  if (ctx.mapping.posting[group.source] === "daily_summary") {
    const summary = buildDailySummary(group, ctx);
    return summary.document ? [summary.document] : [];
  }
  return [
    ...group.sales.flatMap((sale) => {
      const documents = buildSaleDocuments(sale, ctx);
      return [documents.receipt, documents.tenderTransfer, documents.fees].filter((document) => document !== null);
    }),
    ...group.refunds.flatMap((refund) => {
      const documents = buildRefundDocuments(refund, ctx);
      return [documents.receipt, documents.tenderTransfer, documents.fees].filter((document) => document !== null);
    }),
  ];
}

/** The kinds that stand for a record itself (the companion journal entries cover it too, but are not counted). */
const PRINCIPAL: Record<"sale" | "refund", DocumentKind[]> = { sale: ["sale", "daily_summary"], refund: ["refund", "daily_summary"] };

export function reconcile(sales: readonly SourceSale[], refunds: readonly SourceRefund[], posted: readonly PostedDocument[], ctx: PostingContext): DayReconciliation[] {
  const groups = new Map<string, DailyGroup>();
  for (const group of groupByBusinessDay(sales, refunds)) groups.set(JSON.stringify([group.source, group.locationId, group.businessDate, group.currency]), group);
  const postedByDay = new Map<string, PostedDocument[]>();
  for (const document of posted) {
    const currency = document.payload.CurrencyRef?.value ?? ctx.company.homeCurrency;
    const key = JSON.stringify([document.source, document.locationId, document.businessDate, currency]);
    postedByDay.set(key, [...(postedByDay.get(key) ?? []), document]);
    if (!groups.has(key)) groups.set(key, { source: document.source, locationId: document.locationId, businessDate: document.businessDate, currency, sales: [], refunds: [] });
  }
  const incomeOfItem = itemIncomeAccounts(ctx.mapping, ctx.refs);
  const accountRoles = roles(ctx.mapping);
  const names = accountNames(ctx);

  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, group]) => {
      const c = group.currency;
      const documents = postedByDay.get(key) ?? [];
      const where = `${SOURCE_NAMES[group.source]} at ${ctx.refs.locationName ?? `location ${group.locationId}`} on ${group.businessDate}`;
      const problems: string[] = [];
      let expected: Balances = new Map();
      try {
        expected = balancesOf(expectedDocuments(group, ctx), ctx.company.homeCurrency, incomeOfItem);
      } catch (error) {
        problems.push(`The documents ${where} calls for cannot be worked out: ${error instanceof Error ? error.message : String(error)}`);
      }
      const actual = balancesOf(documents, ctx.company.homeCurrency, incomeOfItem);

      const differences: AccountDifference[] = [];
      if (problems.length === 0) {
        for (const account of [...new Set([...expected.keys(), ...actual.keys()])].sort()) {
          const gap = (actual.get(account) ?? 0) - (expected.get(account) ?? 0);
          if (gap === 0) continue;
          const role = accountRoles.get(account) ?? "sales";
          const sense = creditNatured(role) ? -1 : 1;
          const expectedAmount = money(sense * (expected.get(account) ?? 0), c);
          const postedAmount = money(sense * (actual.get(account) ?? 0), c);
          const difference = money(sense * gap, c);
          const name = names.get(account) ?? account;
          const more = difference.amount > 0;
          differences.push({
            account: { id: account, name },
            expected: expectedAmount,
            posted: postedAmount,
            difference,
            explanation:
              `QuickBooks has ${formatDecimal(money(Math.abs(difference.amount), c))} ${c} ${more ? "more" : "less"} ${ROLE_WORDS[role]} on “${name}” than the records of ${where} call for ` +
              `(${formatDecimal(postedAmount)} instead of ${formatDecimal(expectedAmount)}): ` +
              (more
                ? "a document may have been posted twice, posted for a canceled order, or changed in QuickBooks."
                : "a sale or refund may not be posted yet, or a posted document was changed or deleted in QuickBooks.") +
              (names.has(account) || account === SALES_TAX_ACCOUNT ? "" : " This account or item is not in the mapping, so someone may have re-categorised the document in QuickBooks."),
          });
        }
      }

      const coverage = (recordId: string, kind: "sale" | "refund") => documents.filter((document) => PRINCIPAL[kind].includes(document.kind) && document.covers.includes(recordId));
      const missing: RecordIssue[] = [];
      const duplicates: RecordIssue[] = [];
      const records: { id: string; kind: "sale" | "refund"; total: Money; label: string }[] = [
        ...group.sales.map((sale) => ({ id: sale.sourceId, kind: "sale" as const, total: sale.total, label: `${SOURCE_NAMES[sale.source]} order ${sale.sourceName ?? sale.sourceId}` })),
        ...group.refunds.map((refund) => ({ id: refund.refundId, kind: "refund" as const, total: refund.total, label: `refund ${refund.sequence} of ${SOURCE_NAMES[refund.source]} order ${refund.saleSourceName ?? refund.saleSourceId}` })),
      ];
      for (const record of records) {
        const covering = coverage(record.id, record.kind);
        const docNumbers = covering.map((document) => document.docNumber);
        if (covering.length === 0) {
          missing.push({ recordId: record.id, kind: record.kind, total: record.total, docNumbers, explanation: `The ${record.label} (${formatDecimal(record.total)} ${c}) has no QuickBooks document: it is not posted yet, or its document was deleted in QuickBooks.` });
        } else if (covering.length > 1) {
          duplicates.push({ recordId: record.id, kind: record.kind, total: record.total, docNumbers, explanation: `The ${record.label} is in QuickBooks ${covering.length} times (${docNumbers.join(", ")}): keep one and delete the others.` });
        }
      }
      const known = new Set(records.map((record) => record.id));
      const unexpected = documents
        .filter((document) => document.covers.length > 0 && document.covers.every((id) => !known.has(id)))
        .map((document) => ({
          docNumber: document.docNumber,
          covers: document.covers,
          explanation: `QuickBooks document ${document.docNumber} is for ${document.covers.length === 1 ? "a record" : "records"} ${where} no longer has (canceled, deleted, or moved to another day or location in ${SOURCE_NAMES[group.source]}).`,
        }));

      const fees = sum(c, [
        ...group.sales.flatMap((sale) => sale.tenders.map((tender) => tender.processingFee ?? money(0, c))),
        ...group.refunds.map((refund) => money(-refund.feeRefunded.amount, c)),
      ]);
      return {
        source: group.source,
        locationId: group.locationId,
        businessDate: group.businessDate,
        currency: c,
        sourceTotals: {
          sales: sum(c, group.sales.map((sale) => sale.total)),
          refunds: sum(c, group.refunds.map((refund) => refund.total)),
          tax: money(sum(c, group.sales.map((sale) => sale.taxTotal)).amount - sum(c, group.refunds.map((refund) => refund.taxTotal)).amount, c),
          fees,
          saleCount: group.sales.length,
          refundCount: group.refunds.length,
        },
        documents: documents.length,
        differences,
        missing,
        duplicates,
        unexpected,
        problems,
        inBalance: problems.length === 0 && differences.length === 0 && missing.length === 0 && duplicates.length === 0 && unexpected.length === 0,
      };
    });
}

// ---- The ledger's side --------------------------------------------------------------------------------------

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

/** A posted row of the ledger (AccountingDocument), as far as reconciliation reads it. */
export interface LedgerRow {
  entity: string;
  kind: string;
  payload: unknown;
  sourceId: string;
  locationId: string | null;
  txnDate: string;
  docNumber: string;
}

/**
 * The ledger's posted rows of one source and location as documents to reconcile. A per-order document covers its
 * own record (the row's source id); a daily summary stands for every record of its day (`recordsOfDay`), so a day
 * summarized whole has no record missing whichever way it is posted. Rows whose payload cannot be read are
 * returned apart, so the merchant hears of them instead of a difference that is not there.
 */
export function postedDocumentsOf(
  rows: readonly LedgerRow[],
  input: { source: Source; locationId: string; recordsOfDay: (businessDate: string) => string[] },
): { documents: PostedDocument[]; unreadable: LedgerRow[] } {
  const documents: PostedDocument[] = [];
  const unreadable: LedgerRow[] = [];
  for (const row of rows) {
    const entity = ledgerEntity.safeParse(row.entity);
    const kind = documentKind.safeParse(row.kind);
    const payload = ledgerPayload.safeParse(row.payload);
    if (!entity.success || !kind.success || !payload.success) {
      unreadable.push(row);
      continue;
    }
    const covers = kind.data === "daily_summary" ? input.recordsOfDay(row.txnDate) : kind.data === "daily_correction" ? [] : [row.sourceId];
    documents.push({
      entity: entity.data,
      payload: payload.data,
      source: input.source,
      locationId: row.locationId ?? input.locationId,
      businessDate: row.txnDate,
      kind: kind.data,
      docNumber: row.docNumber,
      covers,
    });
  }
  return { documents, unreadable };
}

/**
 * A paid sale as QuickBooks documents: a SalesReceipt, plus a journal entry moving split payments out of the
 * clearing account (`-T`) and one for processing fees (`-F`) when there are any (see posting.ts for why).
 *
 * The receipt is tax-exclusive whatever the source did: each line is posted without the tax inside it, and
 * TxnTaxDetail.TotalTax carries the exact tax the source collected (with Automated Sales Tax, QuickBooks takes the
 * given total instead of computing its own; ShippingTaxIncludedInTotalTax stops it adding shipping tax on top).
 * So Σ lines − discount line + TotalTax equals the source total to the cent, which `buildSaleDocuments` checks
 * before it returns.
 */
import { orderDocNumber, requestIdFor, type DocumentKind } from "./document-keys";
import { formatDecimal, isZero, subtract, sum, toQboAmount, type Money } from "./money";
import {
  currencyFields,
  depositPlan,
  locationDimension,
  paymentsSummary,
  privateNote,
  qboNumber,
  qboRef,
  quantityAndUnitPrice,
  recordLabel,
  saleFeeLines,
  saleLines,
  taxCodeRef,
  transferLines,
  PostingError,
  type DepositPlan,
  type LocationDimension,
  type PostingContext,
  type PostingLine,
  type PostingLines,
} from "./posting";
import { clip, MAX_DESCRIPTION_LENGTH, type DiscountLine, type JournalLine, type PlannedDocument, type SalesItemLine, type SalesTransactionPayload } from "./quickbooks-documents";
import type { SourceRefund, SourceSale } from "./source-sale";

export type PlannedSalesReceipt = Extract<PlannedDocument, { entity: "SalesReceipt" }>;
export type PlannedRefundReceipt = Extract<PlannedDocument, { entity: "RefundReceipt" }>;
export type PlannedJournalEntry = Extract<PlannedDocument, { entity: "JournalEntry" }>;

export interface SaleDocuments {
  receipt: PlannedSalesReceipt;
  /** Moves split payments from the clearing account to their own accounts; null when deposited straight. */
  tenderTransfer: PlannedJournalEntry | null;
  /** Processing fees; null when the sale has none (yet: Square fills them in seconds after the payment). */
  fees: PlannedJournalEntry | null;
}

export function salesItemLine(line: PostingLine, ctx: PostingContext, dimension: LocationDimension): SalesItemLine {
  const { qty, unitPrice, keptQuantity } = quantityAndUnitPrice(line.amount, line.quantity);
  const description = keptQuantity ? line.description : `${line.quantity} × ${line.description}`;
  return {
    DetailType: "SalesItemLineDetail",
    Amount: toQboAmount(line.amount),
    Description: clip(description, MAX_DESCRIPTION_LENGTH),
    SalesItemLineDetail: {
      ItemRef: qboRef(line.item),
      Qty: qboNumber(qty),
      UnitPrice: qboNumber(unitPrice),
      TaxCodeRef: taxCodeRef(ctx, line.taxable),
      ...(dimension.ClassRef ? { ClassRef: dimension.ClassRef } : {}),
    },
  };
}

/** What a SalesReceipt or RefundReceipt of these lines adds up to: Σ lines − discount + tax. */
export function postedTotal(posting: PostingLines, tax: Money): Money {
  return subtract(sum(tax.currency, [...posting.lines.map((line) => line.amount), tax]), posting.discount);
}

/** The payload both receipts share (RefundReceipt has SalesReceipt's shape: both extend SalesTransaction). */
export function salesTransactionPayload(
  record: SourceSale | SourceRefund,
  posting: PostingLines,
  plan: DepositPlan,
  ctx: PostingContext,
  header: { docNumber: string; note: string },
): SalesTransactionPayload {
  const dimension = locationDimension(ctx, record.source, record.locationId);
  const lines: (SalesItemLine | DiscountLine)[] = posting.lines.map((line) => salesItemLine(line, ctx, dimension));
  if (!isZero(posting.discount)) {
    const discounts = ctx.mapping.discounts;
    if (discounts.mode !== "separate_line") throw new Error("a discount line without a discount account");
    lines.push({
      DetailType: "DiscountLineDetail",
      Amount: toQboAmount(posting.discount),
      Description: "Discounts",
      DiscountLineDetail: { PercentBased: false, DiscountAccountRef: qboRef(discounts.account), ...(dimension.ClassRef ? { ClassRef: dimension.ClassRef } : {}) },
    });
  }
  const tax = ctx.mapping.tax;
  return {
    DocNumber: header.docNumber,
    TxnDate: record.businessDate,
    PrivateNote: header.note,
    ...dimension,
    ...currencyFields(ctx, record.currency),
    ...(ctx.refs.customer ? { CustomerRef: qboRef(ctx.refs.customer) } : {}),
    ...(plan.paymentMethod ? { PaymentMethodRef: qboRef(plan.paymentMethod) } : {}),
    DepositToAccountRef: qboRef(plan.account),
    Line: lines,
    TxnTaxDetail: { TotalTax: toQboAmount(record.taxTotal), ...(tax.mode === "tax_codes" && tax.transactionTaxCode ? { TxnTaxCodeRef: qboRef(tax.transactionTaxCode) } : {}) },
    ShippingTaxIncludedInTotalTax: true,
    ...(tax.mode === "tax_codes" ? { GlobalTaxCalculation: "TaxExcluded" as const } : {}),
  };
}

export function journalEntry(
  kind: DocumentKind,
  keys: { requestId: string; docNumber: string },
  record: Pick<SourceSale, "businessDate" | "currency">,
  lines: JournalLine[],
  note: string,
  ctx: PostingContext,
): PlannedJournalEntry {
  return {
    entity: "JournalEntry",
    kind,
    requestId: keys.requestId,
    docNumber: keys.docNumber,
    payload: { DocNumber: keys.docNumber, TxnDate: record.businessDate, PrivateNote: note, ...currencyFields(ctx, record.currency), Line: lines },
  };
}

/**
 * The documents of a paid sale. `revision` is 0 for the first posting; a sale changed after it was posted is
 * posted again as revision 1, 2, ... (new requestids; the sync updates the existing documents by Id and SyncToken).
 */
export function buildSaleDocuments(sale: SourceSale, ctx: PostingContext, revision = 0): SaleDocuments {
  const label = recordLabel(sale);
  const keys = (kind: "sale" | "sale_tenders" | "sale_fees") => ({
    requestId: requestIdFor({ tenantId: ctx.tenantId, source: sale.source, sourceId: sale.sourceId, kind, revision }),
    docNumber: orderDocNumber({ source: sale.source, saleSourceId: sale.sourceId, ...(sale.sourceName ? { saleSourceName: sale.sourceName } : {}), kind }),
  });
  const posting = saleLines(sale, ctx);
  const total = postedTotal(posting, sale.taxTotal);
  if (total.amount !== sale.total.amount) {
    throw new PostingError(`${label} would be posted as ${formatDecimal(total)} instead of ${formatDecimal(sale.total)}.`);
  }
  const plan = depositPlan(sale.tenders, sale.currency, ctx);
  const dimension = locationDimension(ctx, sale.source, sale.locationId);
  const receiptKeys = keys("sale");
  const transferKeys = keys("sale_tenders");
  const presentment = sale.presentment;
  const note = privateNote([
    label,
    sale.sourceName ? `id ${sale.sourceId}` : undefined,
    ctx.refs.locationName,
    paymentsSummary(sale.tenders),
    !isZero(sale.tips) && `tips ${formatDecimal(sale.tips)}`,
    presentment && `customer paid ${formatDecimal(presentment.total)} ${presentment.currency} (1 ${presentment.currency} = ${presentment.exchangeRate} ${sale.currency})`,
    plan.transfers.length > 0 && `payments moved to their accounts by journal entry ${transferKeys.docNumber}`,
  ]);
  const receipt: PlannedSalesReceipt = {
    entity: "SalesReceipt",
    kind: "sale",
    ...receiptKeys,
    payload: salesTransactionPayload(sale, posting, plan, ctx, { docNumber: receiptKeys.docNumber, note }),
  };
  const transfer = transferLines(plan, "sale", dimension);
  const fees = saleFeeLines(sale, ctx, dimension);
  return {
    receipt,
    tenderTransfer: transfer.length > 0 ? journalEntry("sale_tenders", transferKeys, sale, transfer, privateNote([`Payments of ${label}`, `received through ${plan.account.name} by sales receipt ${receiptKeys.docNumber}`]), ctx) : null,
    fees: fees.length > 0 ? journalEntry("sale_fees", keys("sale_fees"), sale, fees, privateNote([`Processing fees of ${label}`]), ctx) : null,
  };
}

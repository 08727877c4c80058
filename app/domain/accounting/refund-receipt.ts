/**
 * A refund as QuickBooks documents: a RefundReceipt (the refunded lines, the tax given back as TotalTax, paid out
 * of the payment's account), a journal entry when the money went back several ways (`-R<n>T`: the receipt is paid
 * from the clearing account, and each payment's account is credited), and one reversing the fee the processor
 * gave back (`-R<n>F`). Numbered after the sale (`SQ-…-R1`, `SH-#1001-R2`), so the merchant finds a sale's
 * refunds next to it.
 */
import { orderDocNumber, requestIdFor } from "./document-keys";
import { formatDecimal, isZero } from "./money";
import { depositPlan, locationDimension, paymentsSummary, privateNote, recordLabel, refundFeeLines, refundLines, transferLines, PostingError, type PostingContext } from "./posting";
import { journalEntry, postedTotal, salesTransactionPayload, type PlannedJournalEntry, type PlannedRefundReceipt } from "./sales-receipt";
import type { SourceRefund } from "./source-sale";

export interface RefundDocuments {
  receipt: PlannedRefundReceipt;
  tenderTransfer: PlannedJournalEntry | null;
  /** The processing fee given back (or charged) with the refund; null when none. */
  fees: PlannedJournalEntry | null;
}

export function buildRefundDocuments(refund: SourceRefund, ctx: PostingContext, revision = 0): RefundDocuments {
  const label = recordLabel(refund);
  const keys = (kind: "refund" | "refund_tenders" | "refund_fees") => ({
    requestId: requestIdFor({ tenantId: ctx.tenantId, source: refund.source, sourceId: refund.refundId, kind, revision }),
    docNumber: orderDocNumber({
      source: refund.source,
      saleSourceId: refund.saleSourceId,
      ...(refund.saleSourceName ? { saleSourceName: refund.saleSourceName } : {}),
      kind,
      refundSequence: refund.sequence,
    }),
  });
  const posting = refundLines(refund, ctx);
  const total = postedTotal(posting, refund.taxTotal);
  if (total.amount !== refund.total.amount) {
    throw new PostingError(`${label} would be posted as ${formatDecimal(total)} instead of ${formatDecimal(refund.total)}.`);
  }
  const plan = depositPlan(refund.tenders, refund.currency, ctx);
  const dimension = locationDimension(ctx, refund.source, refund.locationId);
  const receiptKeys = keys("refund");
  const transferKeys = keys("refund_tenders");
  const note = privateNote([
    label,
    `refund id ${refund.refundId}`,
    ctx.refs.locationName,
    paymentsSummary(refund.tenders)?.replace(/^paid/, "paid back by"),
    refund.reason && `reason: ${refund.reason}`,
    !isZero(refund.adjustment) && `includes ${formatDecimal(refund.adjustment)} no refunded item explains`,
    plan.transfers.length > 0 && `payments taken from their accounts by journal entry ${transferKeys.docNumber}`,
  ]);
  const receipt: PlannedRefundReceipt = {
    entity: "RefundReceipt",
    kind: "refund",
    ...receiptKeys,
    payload: salesTransactionPayload(refund, posting, plan, ctx, { docNumber: receiptKeys.docNumber, note }),
  };
  const transfer = transferLines(plan, "refund", dimension);
  const fees = refundFeeLines(refund, ctx, dimension);
  return {
    receipt,
    tenderTransfer: transfer.length > 0 ? journalEntry("refund_tenders", transferKeys, refund, transfer, privateNote([`Money paid back for ${label}`, `paid out of ${plan.account.name} by refund receipt ${receiptKeys.docNumber}`]), ctx) : null,
    fees: fees.length > 0 ? journalEntry("refund_fees", keys("refund_fees"), refund, fees, privateNote([`Processing fee returned with ${label}`]), ctx) : null,
  };
}

/**
 * A sale or refund changed after its documents were posted (a Shopify order edit, a Square order updated after it
 * completed): decision 010's corrections, per order.
 *
 * - Whether a document changed: the newly built payload against the one the ledger keeps for the posted revision,
 *   by a content hash of what QuickBooks would hold. The DocNumber (a `-2` variant may have replaced it), the
 *   names inside references (QuickBooks reads only the id; a renamed customer is no change to the sale) and the
 *   exchange rate (QuickBooks' own rate for the day, which the merchant may edit later) are left out.
 * - While the period is open, the next revision is sent as an update of the same document (same DocNumber, a new
 *   requestid for the revision; the poster adds Id and the current SyncToken).
 * - Once the books are closed through the document's date, a correcting document in the open period holds only
 *   the difference between what the books hold (the posted revision plus earlier corrections) and what the record
 *   now is: for a receipt, a receipt of the same kind for an increase or of the opposite kind (a sale's refund
 *   receipt, a refund's sales receipt) for a decrease; for a journal entry, a journal entry of the differences.
 */
import { contentHash } from "./daily-summary";
import { requestIdFor, DOC_NUMBER_MAX_LENGTH } from "./document-keys";
import { formatDecimal, fromQboAmount, money, toQboAmount } from "./money";
import { privateNote } from "./posting";
import { clip, MAX_DESCRIPTION_LENGTH, type DiscountLine, type JournalLine, type PlannedDocument, type SalesItemLine, type SalesTransactionPayload } from "./quickbooks-documents";
import type { Source } from "./source-sale";

/** What a document's content is, for comparing revisions: the payload without what does not change the books. */
export function revisionContent(payload: unknown): unknown {
  const strip = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((entry) => strip(entry));
    if (value && typeof value === "object") {
      const entries = Object.entries(value).filter(([name, child]) => child !== undefined && name !== "DocNumber" && name !== "ExchangeRate");
      const isRef = key !== undefined && key.endsWith("Ref") && entries.some(([name]) => name === "value");
      return Object.fromEntries(entries.filter(([name]) => !(isRef && name === "name")).map(([name, child]) => [name, strip(child, name)]));
    }
    return value;
  };
  return strip(JSON.parse(JSON.stringify(payload)) as unknown);
}

export function revisionHash(payload: unknown): string {
  return contentHash(revisionContent(payload));
}

/** The ledger's view of a document already recorded for the record. */
export interface RecordedRevision {
  revision: number;
  payload: unknown;
}

export type RevisionPlan =
  | { action: "create"; revision: 0; document: PlannedDocument }
  | { action: "unchanged"; revision: number }
  | { action: "update"; revision: number; document: PlannedDocument };

/**
 * What to do with a freshly built document given the revision the ledger holds as posted: nothing when its
 * content is the same, else the next revision under its own requestid (`ledgerSourceId` is the ledger's key).
 */
export function planRevision(planned: PlannedDocument, posted: RecordedRevision | null, identity: { tenantId: string; source: Source; ledgerSourceId: string }): RevisionPlan {
  if (!posted) return { action: "create", revision: 0, document: planned };
  if (revisionHash(posted.payload) === revisionHash(planned.payload)) return { action: "unchanged", revision: posted.revision };
  const revision = posted.revision + 1;
  const requestId = requestIdFor({ tenantId: identity.tenantId, source: identity.source, sourceId: identity.ledgerSourceId, kind: planned.kind, revision });
  return { action: "update", revision, document: { ...planned, requestId } };
}

/** A correcting document's number: the document's own with `-C<n>`, cut to QuickBooks' 21 characters. */
export function correctionDocNumber(docNumber: string, correction: number): string {
  const suffix = `-C${correction}`;
  return `${docNumber.slice(0, DOC_NUMBER_MAX_LENGTH - suffix.length)}${suffix}`;
}

/** The ledger key of a document's n-th correcting document. */
export function correctionSourceId(ledgerSourceId: string, kind: PlannedDocument["kind"], correction: number): string {
  return `${correctionSourcePrefix(ledgerSourceId, kind)}${correction}`;
}

export function correctionSourcePrefix(ledgerSourceId: string, kind: PlannedDocument["kind"]): string {
  return `${ledgerSourceId}#${kind}-C`;
}

/** A document as the books hold it: the posted revision, or an earlier correcting document. */
export interface HeldDocument {
  entity: PlannedDocument["entity"];
  payload: unknown;
}

export interface CorrectionKeys {
  tenantId: string;
  source: Source;
  ledgerSourceId: string;
  /** The n-th correction of this document (1, 2, ...). */
  correction: number;
  /** The posted document's number (what the merchant finds in the closed period). */
  docNumber: string;
  /** The open period's date the correction is posted on. */
  correctionDate: string;
  closedThrough: string;
}

export type Correction =
  | { status: "none" }
  | { status: "correction"; document: PlannedDocument; totalMinor: number }
  /** The difference cannot be one document (tax and lines moved in opposite directions): the merchant decides. */
  | { status: "problem"; problem: string };

type SalesLine = SalesItemLine | DiscountLine;

interface Signed<T> {
  template: T;
  /** Minor units, signed: for a receipt, what it adds to the original document; for a journal line, debit positive. */
  amount: number;
}

function lineKey(line: SalesLine): string {
  if (line.DetailType === "DiscountLineDetail") return JSON.stringify(["discount", line.DiscountLineDetail.DiscountAccountRef.value, line.DiscountLineDetail.ClassRef?.value ?? ""]);
  const detail = line.SalesItemLineDetail;
  // Not the description: a correction's lines say "Change to …", and must cancel against the lines they change.
  return JSON.stringify(["item", detail.ItemRef.value, detail.TaxCodeRef?.value ?? "", detail.ClassRef?.value ?? ""]);
}

function salesLinesOf(payload: unknown): SalesLine[] {
  const lines = (payload as { Line?: unknown[] }).Line ?? [];
  return lines.filter((line): line is SalesLine => {
    const type = (line as { DetailType?: string }).DetailType;
    return type === "SalesItemLineDetail" || type === "DiscountLineDetail";
  });
}

/**
 * The correcting document for a document the books hold in a closed period. `current` is the document the record
 * now calls for; `held` the posted revision and any earlier corrections, in the order they were posted.
 */
export function correctionOf(current: PlannedDocument, held: readonly HeldDocument[], currency: string, keys: CorrectionKeys): Correction {
  const docNumber = correctionDocNumber(keys.docNumber, keys.correction);
  const requestId = requestIdFor({ tenantId: keys.tenantId, source: keys.source, sourceId: correctionSourceId(keys.ledgerSourceId, current.kind, keys.correction), kind: "order_correction", revision: 0 });
  const note = (what: string) =>
    privateNote([`Correction ${keys.correction} of ${keys.docNumber}`, `${what} after the books were closed through ${keys.closedThrough}`, "the closed document is left as it was"]);
  const minor = (amount: number) => fromQboAmount(amount, currency).amount;

  if (current.entity === "JournalEntry") {
    const totals = new Map<string, Signed<JournalLine>>();
    const add = (line: JournalLine, sign: number) => {
      const detail = line.JournalEntryLineDetail;
      const key = JSON.stringify([detail.AccountRef.value, line.Description ?? "", detail.DepartmentRef?.value ?? "", detail.ClassRef?.value ?? ""]);
      const amount = sign * minor(line.Amount) * (detail.PostingType === "Debit" ? 1 : -1);
      totals.set(key, { template: totals.get(key)?.template ?? line, amount: (totals.get(key)?.amount ?? 0) + amount });
    };
    for (const document of held) for (const line of (document.payload as { Line: JournalLine[] }).Line) add(line, -1);
    for (const line of current.payload.Line) add(line, 1);
    const lines: JournalLine[] = [...totals.values()]
      .filter((entry) => entry.amount !== 0)
      .map(({ template, amount }) => ({
        ...template,
        Amount: toQboAmount(money(Math.abs(amount), currency)),
        JournalEntryLineDetail: { ...template.JournalEntryLineDetail, PostingType: amount > 0 ? ("Debit" as const) : ("Credit" as const) },
      }));
    if (lines.length === 0) return { status: "none" };
    const debits = lines.filter((line) => line.JournalEntryLineDetail.PostingType === "Debit").reduce((total, line) => total + minor(line.Amount), 0);
    return {
      status: "correction",
      totalMinor: debits,
      document: { entity: "JournalEntry", kind: "order_correction", requestId, docNumber, payload: { ...current.payload, DocNumber: docNumber, TxnDate: keys.correctionDate, PrivateNote: note("changed"), Line: lines } },
    };
  }

  // A receipt: lines, discounts and tax as signed amounts relative to the original document's kind.
  const lines = new Map<string, Signed<SalesLine>>();
  let tax = 0;
  const add = (payload: SalesTransactionPayload, sign: number) => {
    for (const line of salesLinesOf(payload)) {
      const key = lineKey(line);
      lines.set(key, { template: lines.get(key)?.template ?? line, amount: (lines.get(key)?.amount ?? 0) + sign * minor(line.Amount) });
    }
    tax += sign * minor(payload.TxnTaxDetail?.TotalTax ?? 0);
  };
  for (const document of held) add(document.payload as SalesTransactionPayload, document.entity === current.entity ? -1 : 1);
  add(current.payload, 1);

  const changed = [...lines.values()].filter((entry) => entry.amount !== 0);
  if (changed.length === 0 && tax === 0) return { status: "none" };
  const total = changed.reduce((sum, entry) => sum + (entry.template.DetailType === "DiscountLineDetail" ? -entry.amount : entry.amount), 0) + tax;
  // An increase is a document of the original's kind; a decrease one of the opposite kind, with the signs turned.
  const direction = total >= 0 ? 1 : -1;
  const entity: "SalesReceipt" | "RefundReceipt" = direction === 1 ? current.entity : current.entity === "SalesReceipt" ? "RefundReceipt" : "SalesReceipt";
  const correctedTax = direction * tax;
  const discounts = changed.filter((entry) => entry.template.DetailType === "DiscountLineDetail").map((entry) => direction * entry.amount);
  if (correctedTax < 0 || discounts.some((amount) => amount < 0)) {
    return {
      status: "problem",
      problem: `${keys.docNumber} changed after your QuickBooks books were closed through ${keys.closedThrough}, and the change (${formatDecimal(money(total, currency))} ${currency}) moves its tax or discounts the other way from its total, so Tillbridge cannot post it as one correcting document. Move the closing date back so ${keys.docNumber} can be updated, then press Retry.`,
    };
  }
  const correctedLines: SalesLine[] = changed.map(({ template, amount }) => {
    const signed = money(direction * amount, currency);
    if (template.DetailType === "DiscountLineDetail") return { ...template, Amount: toQboAmount(signed) };
    // One of the line's amount (or the change of it), so Qty × UnitPrice is the amount exactly.
    return {
      ...template,
      Amount: toQboAmount(signed),
      Description: clip(`Change to ${(template.Description ?? "a line").replace(/^(Change to )+/, "")}`, MAX_DESCRIPTION_LENGTH),
      SalesItemLineDetail: { ...template.SalesItemLineDetail, Qty: 1, UnitPrice: toQboAmount(signed) },
    };
  });
  const payload: SalesTransactionPayload = {
    ...current.payload,
    DocNumber: docNumber,
    TxnDate: keys.correctionDate,
    PrivateNote: note(direction === 1 ? "increased" : "reduced"),
    Line: correctedLines,
    TxnTaxDetail: { ...current.payload.TxnTaxDetail, TotalTax: toQboAmount(money(correctedTax, currency)) },
  };
  const document: PlannedDocument =
    entity === "SalesReceipt" ? { entity, kind: "order_correction", requestId, docNumber, payload } : { entity, kind: "order_correction", requestId, docNumber, payload };
  return { status: "correction", document, totalMinor: Math.abs(total) };
}

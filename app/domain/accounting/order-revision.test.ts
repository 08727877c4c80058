import { describe, expect, it } from "vitest";
import { requestIdFor } from "./document-keys";
import { fromQboAmount } from "./money";
import { correctionDocNumber, correctionOf, planRevision, revisionHash, type CorrectionKeys } from "./order-revision";
import type { JournalLine, SalesTransactionPayload } from "./quickbooks-documents";
import { buildSaleDocuments } from "./sales-receipt";
import { fixtureContext, makeSale } from "./test-fixtures";

const identity = { tenantId: "tenant-1", source: "square" as const, ledgerSourceId: "ORDER-1" };
/** What the ledger keeps: the payload as JSON, read back. */
const stored = (payload: unknown): unknown => JSON.parse(JSON.stringify(payload));

function documentsOf(spec: Parameters<typeof makeSale>[0]) {
  const sale = makeSale(spec);
  return buildSaleDocuments(sale, fixtureContext([sale]));
}

const original = { lines: [{ sku: "SKU-1", unit: 1000, tax: 80 }], tenders: [{ kind: "card" as const, brand: "visa", fee: 59 }] };
const withAddedLine = { lines: [{ sku: "SKU-1", unit: 1000, tax: 80 }, { sku: "SKU-2", unit: 450, tax: 36 }], tenders: [{ kind: "card" as const, brand: "visa", fee: 75 }] };

describe("whether a posted document changed", () => {
  it("finds the same content unchanged, whatever its DocNumber variant, reference names or key order", () => {
    const { receipt } = documentsOf(original);
    const posted = stored({ ...receipt.payload, DocNumber: `${receipt.docNumber}-2`, CustomerRef: { value: "58", name: "Renamed in QuickBooks" } });
    const again = { ...receipt, payload: { ...receipt.payload, CustomerRef: { value: "58" } } };
    const postedWithCustomer = stored({ ...receipt.payload, CustomerRef: { value: "58", name: "Ana" } });
    expect(revisionHash(postedWithCustomer)).toBe(revisionHash(again.payload));
    expect(planRevision(again, { revision: 0, payload: postedWithCustomer }, identity)).toEqual({ action: "unchanged", revision: 0 });
    expect(revisionHash(posted)).not.toBe(revisionHash(receipt.payload)); // the customer differs, not the number
  });

  it("leaves QuickBooks' exchange rate out: a rate edited in QuickBooks is no change to the sale", () => {
    const { receipt } = documentsOf(original);
    expect(revisionHash({ ...receipt.payload, ExchangeRate: 1.36 })).toBe(revisionHash({ ...receipt.payload, ExchangeRate: 1.3725 }));
  });

  it("plans a first document as revision 0 as built", () => {
    const { receipt } = documentsOf(original);
    expect(planRevision(receipt, null, identity)).toEqual({ action: "create", revision: 0, document: receipt });
  });

  it("posts an edited sale as the next revision of the same document, under a requestid of its own", () => {
    const before = documentsOf(original);
    const after = documentsOf(withAddedLine);
    const plan = planRevision(after.receipt, { revision: 0, payload: stored(before.receipt.payload) }, identity);
    expect(plan.action).toBe("update");
    if (plan.action !== "update") return;
    expect(plan.revision).toBe(1);
    expect(plan.document.docNumber).toBe(before.receipt.docNumber);
    expect(plan.document.payload).toEqual(after.receipt.payload);
    expect(plan.document.requestId).toBe(requestIdFor({ ...identity, sourceId: "ORDER-1", kind: "sale", revision: 1 }));
    expect(plan.document.requestId).not.toBe(before.receipt.requestId);
    // A second edit after revision 1 was posted: revision 2.
    const third = documentsOf({ ...withAddedLine, lines: [...withAddedLine.lines, { sku: "SKU-3", unit: 100 }] });
    expect(planRevision(third.receipt, { revision: 1, payload: stored(after.receipt.payload) }, identity)).toMatchObject({ action: "update", revision: 2 });
    // The fee entry follows the same rule.
    expect(planRevision(after.fees!, { revision: 0, payload: stored(before.fees!.payload) }, identity)).toMatchObject({ action: "update", revision: 1, document: { docNumber: before.fees!.docNumber } });
    expect(planRevision(before.fees!, { revision: 0, payload: stored(before.fees!.payload) }, identity)).toEqual({ action: "unchanged", revision: 0 });
  });
});

describe("a correcting document for a closed period", () => {
  const keys = (docNumber: string, correction = 1): CorrectionKeys => ({ ...identity, correction, docNumber, correctionDate: "2026-12-02", closedThrough: "2026-11-30" });
  const cents = (amount: number) => fromQboAmount(amount, "USD").amount;
  const receiptTotal = (payload: SalesTransactionPayload) =>
    payload.Line.reduce((total, line) => total + (line.DetailType === "DiscountLineDetail" ? -cents(line.Amount) : cents(line.Amount)), 0) + cents(payload.TxnTaxDetail.TotalTax);

  it("holds only a line added after posting (and its tax), as a sales receipt dated in the open period", () => {
    const before = documentsOf(original);
    const after = documentsOf(withAddedLine);
    const correction = correctionOf(after.receipt, [{ entity: "SalesReceipt", payload: stored(before.receipt.payload) }], "USD", keys(before.receipt.docNumber));
    expect(correction.status).toBe("correction");
    if (correction.status !== "correction") return;
    const { document } = correction;
    expect(document).toMatchObject({ entity: "SalesReceipt", kind: "order_correction", docNumber: `${before.receipt.docNumber}-C1` });
    const payload = document.payload as SalesTransactionPayload;
    expect(payload.TxnDate).toBe("2026-12-02");
    expect(payload.DocNumber).toBe(document.docNumber);
    expect(payload.Line).toHaveLength(1);
    expect(payload.Line[0]).toMatchObject({ Amount: 4.5, SalesItemLineDetail: { Qty: 1, UnitPrice: 4.5 } });
    expect(payload.TxnTaxDetail.TotalTax).toBe(0.36);
    expect(receiptTotal(payload)).toBe(486);
    expect(correction.totalMinor).toBe(486);
    expect(payload.PrivateNote).toContain(`Correction 1 of ${before.receipt.docNumber}`);
  });

  it("gives a line removed back as a refund receipt, and a second change counts what the first correction holds", () => {
    const before = documentsOf(withAddedLine);
    const after = documentsOf(original);
    const first = correctionOf(after.receipt, [{ entity: "SalesReceipt", payload: stored(before.receipt.payload) }], "USD", keys(before.receipt.docNumber));
    expect(first).toMatchObject({ status: "correction", totalMinor: 486, document: { entity: "RefundReceipt" } });
    if (first.status !== "correction") return;
    expect(receiptTotal(first.document.payload as SalesTransactionPayload)).toBe(486);
    const held = [
      { entity: "SalesReceipt" as const, payload: stored(before.receipt.payload) },
      { entity: first.document.entity, payload: stored(first.document.payload) },
    ];
    // Nothing changed since the correction: nothing more.
    expect(correctionOf(after.receipt, held, "USD", keys(before.receipt.docNumber, 2))).toEqual({ status: "none" });
    // The line comes back: a second correction adds it again.
    expect(correctionOf(before.receipt, held, "USD", keys(before.receipt.docNumber, 2))).toMatchObject({ status: "correction", totalMinor: 486, document: { entity: "SalesReceipt", docNumber: `${before.receipt.docNumber}-C2` } });
  });

  it("corrects a fee entry by a journal entry of the differences, balanced", () => {
    const before = documentsOf(original);
    const after = documentsOf(withAddedLine);
    const correction = correctionOf(after.fees!, [{ entity: "JournalEntry", payload: stored(before.fees!.payload) }], "USD", keys(before.fees!.docNumber));
    expect(correction).toMatchObject({ status: "correction", totalMinor: 16, document: { entity: "JournalEntry", docNumber: `${before.fees!.docNumber}-C1` } });
    if (correction.status !== "correction") return;
    const lines = correction.document.payload.Line as JournalLine[];
    const side = (type: "Debit" | "Credit") => lines.filter((line) => line.JournalEntryLineDetail.PostingType === type).reduce((total, line) => total + cents(line.Amount), 0);
    expect(side("Debit")).toBe(16);
    expect(side("Credit")).toBe(16);
  });

  it("says when the change cannot be one document: the tax went down while the total went up", () => {
    const before = documentsOf({ lines: [{ sku: "SKU-1", unit: 1000, tax: 80 }] });
    const after = documentsOf({ lines: [{ sku: "SKU-1", unit: 1000, tax: 0 }, { sku: "SKU-2", unit: 500 }] });
    const correction = correctionOf(after.receipt, [{ entity: "SalesReceipt", payload: stored(before.receipt.payload) }], "USD", keys(before.receipt.docNumber));
    expect(correction.status).toBe("problem");
    if (correction.status === "problem") expect(correction.problem).toContain("Move the closing date back");
  });

  it("numbers corrections within QuickBooks' 21 characters", () => {
    expect(correctionDocNumber("SH-#1001", 1)).toBe("SH-#1001-C1");
    expect(correctionDocNumber("SQ-ABCD123456789-R9F", 12)).toHaveLength(21);
  });
});

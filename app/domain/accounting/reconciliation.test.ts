import { describe, expect, it } from "vitest";
import { buildDailySummary, groupByBusinessDay } from "./daily-summary";
import type { PostingContext } from "./posting";
import { journalEntryReadSchema, salesTransactionReadSchema, type PlannedDocument } from "./quickbooks-documents";
import { postedDocumentsOf, reconcile, type LedgerRow, type PostedDocument } from "./reconciliation";
import { buildRefundDocuments } from "./refund-receipt";
import { buildSaleDocuments } from "./sales-receipt";
import type { SourceRefund, SourceSale } from "./source-sale";
import { createdItem, fixtureContext, fixtureMapping, makeRefund, makeSale, usd } from "./test-fixtures";

const sales = [
  makeSale({ id: "A", lines: [{ sku: "BEAN-1KG", unit: 2400, tax: 198 }], tenders: [{ kind: "card", brand: "visa", fee: 79 }] }),
  makeSale({ id: "B", lines: [{ unit: 1000, tax: 83 }], tips: 200, tenders: [{ kind: "cash", amount: 500 }, { kind: "card", brand: "visa", fee: 23 }] }),
];
const refunds = [makeRefund({ id: "R1", saleId: "A", lines: [{ sku: "BEAN-1KG", unit: 1200, tax: 99 }], businessDate: "2026-11-26", feeRefunded: 10 })];

function posted(document: PlannedDocument | null, covers: string[], record: SourceSale | SourceRefund): PostedDocument[] {
  if (!document) return [];
  return [{ source: record.source, locationId: record.locationId, businessDate: record.businessDate, kind: document.kind, docNumber: document.docNumber, covers, entity: document.entity, payload: document.payload }];
}

function postAll(ctx: PostingContext): PostedDocument[] {
  return [
    ...sales.flatMap((sale) => Object.values(buildSaleDocuments(sale, ctx)).flatMap((document) => posted(document, [sale.sourceId], sale))),
    ...refunds.flatMap((refund) => Object.values(buildRefundDocuments(refund, ctx)).flatMap((document) => posted(document, [refund.refundId], refund))),
  ];
}

const perOrder = () => fixtureContext([...sales, ...refunds], fixtureMapping({ posting: { square: "per_order", shopify: "per_order" } }));

describe("reconcile", () => {
  it("finds a day in balance when QuickBooks holds what the records call for", () => {
    const ctx = perOrder();
    const [day] = reconcile(sales, refunds, postAll(ctx), ctx);
    expect(day).toMatchObject({
      source: "square",
      locationId: "LOC-1",
      businessDate: "2026-11-26",
      sourceTotals: { sales: usd(2598 + 1283), refunds: usd(1299), tax: usd(198 + 83 - 99), fees: usd(79 + 23 - 10), saleCount: 2, refundCount: 1 },
      // A: receipt and fees; B: receipt, payments moved, fees; the refund: receipt and fee returned.
      documents: 7,
      differences: [],
      missing: [],
      duplicates: [],
      unexpected: [],
      inBalance: true,
    });
  });

  it("reports a sale missing from QuickBooks, with the amounts per account and what probably happened", () => {
    const ctx = perOrder();
    const withoutB = postAll(ctx).filter((document) => !document.covers.includes("B"));
    const [day] = reconcile(sales, refunds, withoutB, ctx);
    expect(day?.inBalance).toBe(false);
    expect(day?.missing).toEqual([
      { recordId: "B", kind: "sale", total: usd(1283), docNumbers: [], explanation: "The Square order B (12.83 USD) has no QuickBooks document: it is not posted yet, or its document was deleted in QuickBooks." },
    ]);
    const cash = day?.differences.find((difference) => difference.account.name === "Cash on hand");
    expect(cash).toMatchObject({ expected: usd(500), posted: usd(0), difference: usd(-500) });
    expect(cash?.explanation).toBe(
      "QuickBooks has 5.00 USD less money received on “Cash on hand” than the records of Square at Main St on 2026-11-26 call for (0.00 instead of 5.00): a sale or refund may not be posted yet, or a posted document was changed or deleted in QuickBooks.",
    );
    const tax = day?.differences.find((difference) => difference.account.name === "Sales tax");
    expect(tax).toMatchObject({ expected: usd(198 + 83 - 99), posted: usd(198 - 99), difference: usd(-83) });
    expect(day?.differences.find((difference) => difference.account.name === "Tips Payable")?.difference).toEqual(usd(-200));
  });

  it("reports a sale posted twice, the complaint merchants make most", () => {
    const ctx = perOrder();
    const documents = postAll(ctx);
    const receiptOfA = documents.find((document) => document.kind === "sale" && document.covers.includes("A"));
    if (!receiptOfA) throw new Error("receipt of A expected");
    const [day] = reconcile(sales, refunds, [...documents, { ...receiptOfA, docNumber: `${receiptOfA.docNumber} (2)` }], ctx);
    expect(day?.duplicates).toEqual([
      { recordId: "A", kind: "sale", total: usd(2598), docNumbers: [receiptOfA.docNumber, `${receiptOfA.docNumber} (2)`], explanation: `The Square order A is in QuickBooks 2 times (${receiptOfA.docNumber}, ${receiptOfA.docNumber} (2)): keep one and delete the others.` },
    ]);
    const income = day?.differences.find((difference) => difference.account.name === "Coffee beans" || difference.account.name === "Sales of Product Income");
    expect(income?.difference).toEqual(usd(2400));
    expect(income?.explanation).toMatch(/^QuickBooks has 24.00 USD more sales on “Sales of Product Income”.*posted twice/);
  });

  it("notices a receipt edited in QuickBooks, and one moved to an item the mapping does not know", () => {
    const ctx = perOrder();
    const tipsItem = createdItem(ctx, { special: "tips" });
    const documents = postAll(ctx).map((document) => {
      if (document.kind !== "sale" || !document.covers.includes("B")) return document;
      const [first, ...rest] = document.payload.Line;
      if (!first || first.DetailType !== "SalesItemLineDetail") throw new Error("item line expected");
      // Someone re-categorised the line to another item and lowered the tip.
      const moved = { ...first, SalesItemLineDetail: { ...first.SalesItemLineDetail, ItemRef: { value: "777", name: "Misc" } } };
      const lines = rest.map((line) => (line.SalesItemLineDetail?.ItemRef?.value === tipsItem.id ? { ...line, Amount: 1.5 } : line));
      return { ...document, payload: { ...document.payload, Line: [moved, ...lines] } };
    });
    const [day] = reconcile(sales, refunds, documents, ctx);
    expect(day?.differences.map((difference) => [difference.account.name, difference.difference.amount])).toEqual(
      expect.arrayContaining([
        ["(item 777)", 1000],
        ["Sales of Product Income", -1000],
        ["Tips Payable", -50],
        ["Undeposited Funds", -50],
      ]),
    );
    expect(day?.differences.find((difference) => difference.account.id === "(item 777)")?.explanation).toMatch(/not in the mapping, so someone may have re-categorised the document in QuickBooks\.$/);
  });

  it("reports a document for an order the source no longer has", () => {
    const ctx = perOrder();
    const canceled = makeSale({ id: "GONE" });
    const extra = posted(buildSaleDocuments(canceled, ctx).receipt, ["GONE"], canceled);
    const [day] = reconcile(sales, refunds, [...postAll(ctx), ...extra], ctx);
    expect(day?.unexpected).toEqual([{ docNumber: extra[0]?.docNumber, covers: ["GONE"], explanation: expect.stringMatching(/is for a record Square at Main St on 2026-11-26 no longer has/) }]);
  });

  it("reconciles a daily summary against the day's records", () => {
    const ctx = fixtureContext([...sales, ...refunds]);
    const [group] = groupByBusinessDay(sales, refunds);
    if (!group) throw new Error("group expected");
    const summary = buildDailySummary(group, ctx);
    const documents = summary.document ? [{ source: "square" as const, locationId: "LOC-1", businessDate: "2026-11-26", kind: summary.document.kind, docNumber: summary.document.docNumber, covers: ["A", "B", "R1"], entity: summary.document.entity, payload: summary.document.payload }] : [];
    expect(reconcile(sales, refunds, documents, ctx)[0]?.inBalance).toBe(true);
    // A late sale makes the posted summary short by exactly that sale.
    const late = makeSale({ id: "C", lines: [{ unit: 700 }], tenders: [{ kind: "cash" }] });
    const [day] = reconcile([...sales, late], refunds, documents, ctx);
    expect(day?.missing.map((record) => record.recordId)).toEqual(["C"]);
    expect(day?.differences.map((difference) => [difference.account.name, difference.difference.amount])).toEqual([
      ["Cash on hand", -700],
      ["Sales of Product Income", -700],
    ]);
  });

  it("reads documents as QuickBooks answers them (Id, TotalAmt, a SubTotal line) and finds them in balance", () => {
    const ctx = perOrder();
    const answered = postAll(ctx).map((document) => {
      // What a read of the document returns: QuickBooks adds its ids, totals and a subtotal line.
      const response = JSON.parse(JSON.stringify({ ...document.payload, Id: "123", SyncToken: "0", domain: "QBO", MetaData: { CreateTime: "2026-11-27T01:00:00-08:00" } }));
      if (document.entity === "JournalEntry") return { ...document, payload: journalEntryReadSchema.parse(response) };
      const lines = document.payload.Line;
      const subtotal = lines.reduce((acc, line) => acc + (line.DetailType === "SalesItemLineDetail" ? Math.round(line.Amount * 100) : 0), 0);
      const total = subtotal - lines.reduce((acc, line) => acc + (line.DetailType === "DiscountLineDetail" ? Math.round(line.Amount * 100) : 0), 0) + Math.round((document.payload.TxnTaxDetail?.TotalTax ?? 0) * 100);
      response.Line.push({ Amount: subtotal / 100, DetailType: "SubTotalLineDetail", SubTotalLineDetail: {} });
      return { ...document, payload: salesTransactionReadSchema.parse({ ...response, TotalAmt: total / 100 }) };
    });
    expect(reconcile(sales, refunds, answered, ctx)[0]?.inBalance).toBe(true);
  });

  it("says when the expected documents cannot be worked out", () => {
    const ctx = fixtureContext([...sales, ...refunds], fixtureMapping({ fees: { expenseAccount: null }, posting: { square: "per_order", shopify: "per_order" } }));
    const [day] = reconcile(sales, refunds, [], ctx);
    expect(day?.problems).toEqual(["The documents Square at Main St on 2026-11-26 calls for cannot be worked out: Processing fees have no expense account."]);
    expect(day?.inBalance).toBe(false);
  });
});

describe("postedDocumentsOf", () => {
  const row = (document: PlannedDocument, sourceId: string, more: Partial<LedgerRow> = {}): LedgerRow => ({
    entity: document.entity,
    kind: document.kind,
    payload: JSON.parse(JSON.stringify(document.payload)),
    sourceId,
    locationId: "LOC-1",
    txnDate: "2026-11-26",
    docNumber: document.docNumber,
    ...more,
  });

  it("reads the ledger's per-order rows back into the documents QuickBooks holds, each covering its own record", () => {
    const ctx = perOrder();
    const rows = [
      ...sales.flatMap((sale) => Object.values(buildSaleDocuments(sale, ctx)).flatMap((document) => (document ? [row(document, sale.sourceId)] : []))),
      ...refunds.flatMap((refund) => Object.values(buildRefundDocuments(refund, ctx)).flatMap((document) => (document ? [row(document, refund.refundId)] : []))),
    ];
    const { documents, unreadable } = postedDocumentsOf(rows, { source: "square", locationId: "LOC-1", recordsOfDay: () => ["A", "B", "R1"] });
    expect(unreadable).toEqual([]);
    expect(documents.map((document) => [document.kind, document.covers])).toEqual(rows.map((entry) => [entry.kind, [entry.sourceId]]));
    expect(reconcile(sales, refunds, documents, ctx)[0]?.inBalance).toBe(true);
    // Without the fee entry of sale A, the day is short by exactly its fee.
    const withoutFee = postedDocumentsOf(rows.filter((entry) => !(entry.sourceId === "A" && entry.kind === "sale_fees")), { source: "square", locationId: "LOC-1", recordsOfDay: () => [] });
    const [day] = reconcile(sales, refunds, withoutFee.documents, ctx);
    expect(day?.differences.map((difference) => [difference.account.name, difference.difference.amount])).toEqual([
      ["Undeposited Funds", 79],
      ["Merchant account fees", -79],
    ]);
  });

  it("counts a daily summary as covering every record of its day, and sets apart a row it cannot read", () => {
    const ctx = fixtureContext([...sales, ...refunds]);
    const [group] = groupByBusinessDay(sales, refunds);
    const summary = buildDailySummary(group!, ctx).document!;
    const broken = { ...row(summary, "LOC-1@2026-11-25", { txnDate: "2026-11-25", docNumber: "SQD-BROKEN" }), payload: { Line: "not lines" } };
    const { documents, unreadable } = postedDocumentsOf([row(summary, "LOC-1@2026-11-26"), broken], {
      source: "square",
      locationId: "LOC-1",
      recordsOfDay: (day) => (day === "2026-11-26" ? ["A", "B", "R1"] : []),
    });
    expect(documents).toEqual([expect.objectContaining({ kind: "daily_summary", covers: ["A", "B", "R1"], businessDate: "2026-11-26" })]);
    expect(unreadable.map((entry) => entry.docNumber)).toEqual(["SQD-BROKEN"]);
    expect(reconcile(sales, refunds, documents, ctx)[0]).toMatchObject({ inBalance: true, missing: [] });
  });
});

import { describe, expect, it } from "vitest";
import { buildDailySummary, contentHash, correctingEntry, groupByBusinessDay, type DailyGroup } from "./daily-summary";
import type { PostingContext } from "./posting";
import { buildRefundDocuments } from "./refund-receipt";
import { buildSaleDocuments } from "./sales-receipt";
import { businessDateOf, type SourceRefund, type SourceSale } from "./source-sale";
import { books, fixtureContext, makeRefund, makeSale, randomSale, seeded } from "./test-fixtures";

const LA = "America/Los_Angeles";

function saleAt(id: string, occurredAt: string, spec: Parameters<typeof makeSale>[0] = {}): SourceSale {
  return makeSale({ id, occurredAt, businessDate: businessDateOf(occurredAt, LA), ...spec });
}

function onlyGroup(sales: SourceSale[], refunds: SourceRefund[] = []): DailyGroup {
  const groups = groupByBusinessDay(sales, refunds);
  expect(groups).toHaveLength(1);
  const [group] = groups;
  if (!group) throw new Error("no group");
  return group;
}

/** The books of the per-order documents of the same records, with their tax where a journal entry puts it. */
function perOrderBooks(sales: SourceSale[], refunds: SourceRefund[], ctx: PostingContext): Record<string, number> {
  const documents = [
    ...sales.flatMap((sale) => Object.values(buildSaleDocuments(sale, ctx))),
    ...refunds.flatMap((refund) => Object.values(buildRefundDocuments(refund, ctx))),
  ];
  const { "Sales tax": tax, ...rest } = books(documents, ctx);
  return Object.fromEntries(Object.entries({ ...rest, ...(tax ? { "POS Sales Tax Collected": tax } : {}) }).sort(([a], [b]) => a.localeCompare(b)));
}

const summaryLines = (summary: ReturnType<typeof buildDailySummary>) =>
  summary.document?.payload.Line.map((line) => [line.JournalEntryLineDetail.PostingType, line.JournalEntryLineDetail.AccountRef.name, line.Description, line.Amount]);

describe("groupByBusinessDay", () => {
  it("puts a sale at 23:30 in Los Angeles on that day, though it is already the next day in UTC", () => {
    const late = saleAt("A", "2026-11-27T07:30:00Z");
    const nextMorning = saleAt("B", "2026-11-27T16:00:00Z");
    const groups = groupByBusinessDay([nextMorning, late], []);
    expect(groups.map((group) => [group.businessDate, group.sales.map((sale) => sale.sourceId)])).toEqual([
      ["2026-11-26", ["A"]],
      ["2026-11-27", ["B"]],
    ]);
  });

  it("keeps locations, sources and currencies apart", () => {
    const groups = groupByBusinessDay([makeSale(), makeSale({ locationId: "LOC-2" }), makeSale({ source: "shopify" }), makeSale({ currency: "CAD" })], [makeRefund({ businessDate: "2026-11-26" })]);
    expect(groups.map((group) => [group.source, group.locationId, group.currency, group.sales.length, group.refunds.length])).toEqual([
      ["shopify", "LOC-1", "USD", 1, 0],
      ["square", "LOC-1", "CAD", 1, 0],
      ["square", "LOC-1", "USD", 1, 1],
      ["square", "LOC-2", "USD", 1, 0],
    ]);
  });
});

describe("a day's journal entry", () => {
  const sales = [
    saleAt("A", "2026-11-26T18:00:00Z", { lines: [{ sku: "BEAN-1KG", unit: 2400, tax: 198 }], tips: 300, tenders: [{ kind: "card", brand: "visa", fee: 79 }] }),
    saleAt("B", "2026-11-26T19:00:00Z", { lines: [{ unit: 1000, tax: 83, discount: 100 }], tenders: [{ kind: "cash", amount: 500 }, { kind: "card", brand: "mastercard", fee: 14 }] }),
  ];
  const refunds = [makeRefund({ saleId: "A0", lines: [{ unit: 500, tax: 41 }], businessDate: "2026-11-26", feeRefunded: 15 })];

  it("has one line per account and purpose, payments first, and balances", () => {
    const ctx = fixtureContext([...sales, ...refunds]);
    const summary = buildDailySummary(onlyGroup(sales, refunds), ctx);
    expect(summary.status).toBe("new");
    expect(summary.document?.docNumber).toMatch(/^SQD-20261126-[0-9A-Z]{4}$/);
    expect(summary.document?.payload.TxnDate).toBe("2026-11-26");
    expect(summaryLines(summary)).toEqual([
      ["Debit", "Cash on hand", "Payments · cash", 5],
      ["Debit", "Undeposited Funds", "Payments · mastercard card", 4.83],
      // 28.98 taken for sale A, 5.41 paid back by the refund.
      ["Debit", "Undeposited Funds", "Payments · visa card", 23.57],
      ["Credit", "Sales of Product Income", "Sales · Coffee beans", 24],
      ["Credit", "Sales of Product Income", "Sales · Item 1 (SKU-1)", 5],
      ["Debit", "Discounts given", "Discounts", 1],
      ["Credit", "Tips Payable", "Tips", 3],
      ["Credit", "POS Sales Tax Collected", "Sales tax", 2.4],
      ["Debit", "Merchant account fees", "Processing fees", 0.78],
      ["Credit", "Undeposited Funds", "Fees · mastercard card", 0.14],
      ["Credit", "Undeposited Funds", "Fees · visa card", 0.64],
    ]);
    const debits = summary.document?.payload.Line.filter((line) => line.JournalEntryLineDetail.PostingType === "Debit").reduce((acc, line) => acc + Math.round(line.Amount * 100), 0);
    const credits = summary.document?.payload.Line.filter((line) => line.JournalEntryLineDetail.PostingType === "Credit").reduce((acc, line) => acc + Math.round(line.Amount * 100), 0);
    expect(debits).toBe(credits);
    expect(summary.document?.payload.PrivateNote).toBe("Square daily summary for 2026-11-26 · Main St · 2 sales 38.81 USD · 1 refund 5.41 USD");
  });

  it("moves the same money per account as posting each order, with tax on the summary's tax account", () => {
    const ctx = fixtureContext([...sales, ...refunds]);
    const summary = buildDailySummary(onlyGroup(sales, refunds), ctx);
    expect(books([summary.document], ctx)).toEqual(perOrderBooks(sales, refunds, ctx));
  });

  it("does so for generated days too (seeded)", () => {
    const random = seeded(31337);
    for (let day = 0; day < 60; day += 1) {
      const daySales = Array.from({ length: random.int(1, 6) }, (_, index) => randomSale(random, day * 10 + index, { currency: "USD" }));
      const ctx = fixtureContext(daySales);
      const summary = buildDailySummary(onlyGroup(daySales), ctx);
      if (summary.status === "empty") continue;
      expect(books([summary.document], ctx), `day ${day}`).toEqual(perOrderBooks(daySales, [], ctx));
    }
  });

  it("tags every line with the location's QuickBooks location when sales are tracked by location", () => {
    const ctx = fixtureContext(sales);
    ctx.mapping = { ...ctx.mapping, locations: { dimension: "department", byLocation: { "square:LOC-1": { id: "3", name: "Main St" } } } };
    const summary = buildDailySummary(onlyGroup(sales), ctx);
    expect(summary.document?.payload.Line.every((line) => line.JournalEntryLineDetail.DepartmentRef?.value === "3")).toBe(true);
  });

  it("needs a tax liability account, and says so", () => {
    const ctx = fixtureContext(sales);
    ctx.mapping = { ...ctx.mapping, taxLiabilityAccount: null };
    expect(() => buildDailySummary(onlyGroup(sales), ctx)).toThrow("Daily summaries need a liability account for the sales tax collected.");
  });

  it("posts nothing for a day whose records move no money", () => {
    const free = saleAt("F", "2026-11-26T18:00:00Z", { lines: [{ unit: 0 }], tenders: [] });
    expect(buildDailySummary(onlyGroup([free]), fixtureContext([free]))).toEqual({ status: "empty", revision: 0, contentHash: null, document: null });
  });
});

describe("a late sale for a day already posted", () => {
  const first = [saleAt("A", "2026-11-26T18:00:00Z", { tenders: [{ kind: "card", brand: "visa", fee: 31 }] }), saleAt("B", "2026-11-26T20:00:00Z", { tenders: [{ kind: "cash" }] })];
  // Taken offline at 22:45 on the 26th, uploaded two days later.
  const late = saleAt("C", "2026-11-27T06:45:00Z", { lines: [{ unit: 1850, tax: 153 }], tenders: [{ kind: "card", brand: "visa", fee: 54 }] });

  it("gives the day a corrected revision: same DocNumber, new requestid, the late sale included", () => {
    const ctx = fixtureContext([...first, late]);
    const posted = buildDailySummary(onlyGroup(first), ctx);
    expect(posted.status).toBe("new");
    expect(late.businessDate).toBe("2026-11-26");
    const corrected = buildDailySummary(onlyGroup([...first, late]), ctx, { revision: posted.revision, contentHash: posted.contentHash ?? "" });
    expect(corrected.status).toBe("corrected");
    expect(corrected.revision).toBe(1);
    expect(corrected.document?.docNumber).toBe(posted.document?.docNumber);
    expect(corrected.document?.requestId).not.toBe(posted.document?.requestId);
    expect(corrected.contentHash).not.toBe(posted.contentHash);
    expect(books([corrected.document], ctx)).toEqual(perOrderBooks([...first, late], [], ctx));
  });

  it("changes nothing when the same records come again, in any order", () => {
    const ctx = fixtureContext([...first, late]);
    const posted = buildDailySummary(onlyGroup([...first, late]), ctx);
    const again = buildDailySummary(onlyGroup([late, ...first].reverse()), ctx, { revision: 3, contentHash: posted.contentHash ?? "" });
    expect(again.status).toBe("unchanged");
    expect(again.revision).toBe(3);
  });

  it("can instead be posted as a correcting entry in an open period, holding only the difference", () => {
    const ctx = fixtureContext([...first, late]);
    const posted = buildDailySummary(onlyGroup(first), ctx);
    const corrected = buildDailySummary(onlyGroup([...first, late]), ctx, { revision: 0, contentHash: posted.contentHash ?? "" });
    if (!posted.document || !corrected.document) throw new Error("documents expected");
    const entry = correctingEntry(posted.document, corrected.document, onlyGroup(first), ctx, { revision: 1, correctionDate: "2026-12-01" });
    expect(entry?.docNumber).toBe(`${posted.document.docNumber}-C1`);
    expect(entry?.payload.TxnDate).toBe("2026-12-01");
    expect(entry?.kind).toBe("daily_correction");
    expect(books([entry], ctx)).toEqual(perOrderBooks([late], [], ctx));
    expect(books([posted.document, entry], ctx)).toEqual(books([corrected.document], ctx));
    expect(correctingEntry(posted.document, posted.document, onlyGroup(first), ctx, { revision: 1, correctionDate: "2026-12-01" })).toBeNull();
  });
});

describe("contentHash", () => {
  it("ignores key order and notices any change of value", () => {
    expect(contentHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(contentHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(contentHash({ a: 1, b: [1, { c: 2, d: 3 }] })).not.toBe(contentHash({ a: 1, b: [1, { c: 2, d: 4 }] }));
  });
});

/**
 * Fixtures for the accounting tests: a common US QuickBooks company, its default mapping with the items
 * Tillbridge would have created, and builders of sales and refunds whose totals add up by construction.
 * Test-only; nothing in the app imports it.
 */
import { balancesOf, itemIncomeAccounts, SALES_TAX_ACCOUNT, type LedgerDocument } from "./ledger";
import { defaultMapping, type AccountingMapping, type AccountRef, type CompanySnapshot, type ItemRef } from "./mapping";
import { money, sum, type Money } from "./money";
import { itemKey, itemsToCreate, type PostingContext } from "./posting";
import { refundTotalFromParts, saleTotalFromParts, sourceSaleSchema, type Charge, type RefundLine, type SaleLine, type SourceRefund, type SourceSale, type Tender } from "./source-sale";

/** Accounts as a new US QuickBooks Online company has them (names and subtypes), plus the accounts a retailer adds. */
export const usCompany: CompanySnapshot = {
  homeCurrency: "USD",
  multiCurrencyEnabled: false,
  automatedSalesTax: true,
  accounts: [
    { id: "35", name: "Checking", type: "Bank", subType: "Checking" },
    { id: "36", name: "Cash on hand", type: "Bank", subType: "CashOnHand" },
    { id: "4", name: "Undeposited Funds", type: "Other Current Asset", subType: "UndepositedFunds" },
    { id: "79", name: "Sales of Product Income", type: "Income", subType: "SalesOfProductIncome" },
    { id: "1", name: "Services", type: "Income", subType: "ServiceFeeIncome" },
    { id: "86", name: "Discounts given", type: "Income", subType: "DiscountsRefundsGiven" },
    { id: "83", name: "Other Income", type: "Other Income", subType: "OtherMiscellaneousIncome" },
    { id: "8", name: "Bank Charges", type: "Expense", subType: "BankCharges" },
    { id: "90", name: "Merchant account fees", type: "Expense", subType: "OtherMiscellaneousServiceCost" },
    { id: "89", name: "Sales Tax Payable", type: "Other Current Liability", subType: "SalesTaxPayable" },
    { id: "91", name: "Gift Card Liability", type: "Other Current Liability", subType: "OtherCurrentLiabilities" },
    { id: "92", name: "Tips Payable", type: "Other Current Liability", subType: "OtherCurrentLiabilities" },
    { id: "93", name: "POS Sales Tax Collected", type: "Other Current Liability", subType: "OtherCurrentLiabilities" },
  ],
  paymentMethods: [
    { id: "1", name: "Cash" },
    { id: "2", name: "Check" },
    { id: "3", name: "Visa" },
    { id: "4", name: "MasterCard" },
    { id: "5", name: "Discover" },
    { id: "6", name: "American Express" },
    { id: "7", name: "Diners Club" },
  ],
  taxCodes: [
    { id: "TAX", name: "TAX" },
    { id: "NON", name: "NON" },
  ],
};

export const account = (id: string): AccountRef => {
  const found = usCompany.accounts.find((entry) => entry.id === id);
  if (!found) throw new Error(`no account ${id} in the fixture company`);
  return { id: found.id, name: found.name, type: found.type };
};

export const COFFEE: ItemRef = { id: "101", name: "Coffee beans", incomeAccount: account("79") };

/** The default mapping, with one SKU mapped to an existing item. */
export function fixtureMapping(overrides: Partial<AccountingMapping> = {}): AccountingMapping {
  const base = defaultMapping(usCompany);
  return { ...base, items: { ...base.items, bySku: { "BEAN-1KG": COFFEE } }, ...overrides };
}

/**
 * A posting context whose refs hold an item for everything the mapping says to create, as the sync would have
 * made them (ids 500+ in order of need).
 */
export function fixtureContext(records: readonly (SourceSale | SourceRefund)[] = [], mapping: AccountingMapping = fixtureMapping(), more: Partial<PostingContext> = {}): PostingContext {
  const items: Record<string, ItemRef> = {};
  let next = 500;
  for (const { key, item } of itemsToCreate(records, mapping)) items[key] = { id: String(next++), name: item.name, incomeAccount: item.incomeAccount };
  return { tenantId: "tenant-1", mapping, company: { homeCurrency: "USD", multiCurrencyEnabled: false }, refs: { items, locationName: "Main St" }, ...more };
}

export interface LineSpec {
  sku?: string | null;
  name?: string;
  quantity?: string;
  /** Minor units per unit (gross = round(quantity × unit) unless `gross` is given). */
  unit: number;
  gross?: number;
  discount?: number;
  tax?: number;
  /** Inclusive tax: `tax` is inside the gross. */
  inclusive?: boolean;
  category?: string;
}

export function saleLine(spec: LineSpec, currency = "USD", index = 0): SaleLine {
  const gross = spec.gross ?? Math.round(Number(spec.quantity ?? "1") * spec.unit);
  const tax = spec.tax ?? 0;
  return {
    lineId: `L${index + 1}`,
    sku: spec.sku === undefined ? `SKU-${index + 1}` : spec.sku,
    name: spec.name ?? `Item ${index + 1}`,
    quantity: spec.quantity ?? "1",
    unitPrice: money(spec.unit, currency),
    gross: money(gross, currency),
    discount: money(spec.discount ?? 0, currency),
    tax: money(tax, currency),
    taxIncluded: money(spec.inclusive ? tax : 0, currency),
    taxable: tax !== 0,
    ...(spec.category ? { category: spec.category } : {}),
  };
}

export interface SaleSpec {
  id?: string;
  source?: SourceSale["source"];
  currency?: string;
  lines?: LineSpec[];
  orderDiscounts?: number[];
  shipping?: { amount: number; tax?: number; inclusive?: boolean }[];
  tips?: number;
  serviceCharges?: { amount: number; tax?: number }[];
  giftCards?: number[];
  rounding?: number;
  /** Payments as [kind, share of the total or "rest", fee?]; default one Visa card payment of the whole total. */
  tenders?: { kind: Tender["kind"]; brand?: string; amount?: number; fee?: number }[];
  occurredAt?: string;
  businessDate?: string;
  locationId?: string;
}

/** A sale whose tax total and total are worked out from its parts; the last tender without an amount takes the rest. */
export function makeSale(spec: SaleSpec = {}): SourceSale {
  const c = spec.currency ?? "USD";
  const m = (amount: number) => money(amount, c);
  const lines = (spec.lines ?? [{ unit: 1000, tax: 80 }]).map((line, index) => saleLine(line, c, index));
  const shipping: Charge[] = (spec.shipping ?? []).map((charge) => ({ name: "Shipping", amount: m(charge.amount), tax: m(charge.tax ?? 0), taxIncluded: m(charge.inclusive ? (charge.tax ?? 0) : 0) }));
  const serviceCharges: Charge[] = (spec.serviceCharges ?? []).map((charge) => ({ name: "Service charge", amount: m(charge.amount), tax: m(charge.tax ?? 0), taxIncluded: m(0) }));
  const parts = {
    currency: c,
    lines,
    orderDiscounts: (spec.orderDiscounts ?? []).map((amount, index) => ({ name: `Order discount ${index + 1}`, amount: m(amount) })),
    shipping,
    tips: m(spec.tips ?? 0),
    serviceCharges,
    giftCardSales: (spec.giftCards ?? []).map((amount) => ({ name: "Gift card", amount: m(amount) })),
    roundingAdjustment: m(spec.rounding ?? 0),
    taxTotal: sum(c, [...lines.map((line) => line.tax), ...shipping.map((charge) => charge.tax), ...serviceCharges.map((charge) => charge.tax)]),
  };
  const total = saleTotalFromParts(parts);
  const tenderSpecs = spec.tenders ?? [{ kind: "card", brand: "visa" }];
  const given = tenderSpecs.reduce((acc, tender) => acc + (tender.amount ?? 0), 0);
  const tenders: Tender[] = tenderSpecs.map((tender, index) => ({
    kind: tender.kind,
    ...(tender.brand ? { brand: tender.brand } : {}),
    amount: m(tender.amount ?? total.amount - given),
    ...(tender.fee !== undefined ? { processingFee: m(tender.fee) } : {}),
    paymentId: `P${index + 1}`,
  }));
  const occurredAt = spec.occurredAt ?? "2026-11-26T18:30:00Z";
  return {
    source: spec.source ?? "square",
    sourceId: spec.id ?? "ORDER-1",
    locationId: spec.locationId ?? "LOC-1",
    timeZone: "America/Los_Angeles",
    occurredAt,
    businessDate: spec.businessDate ?? "2026-11-26",
    ...parts,
    tenders,
    total,
  };
}

export interface RefundSpec {
  id?: string;
  saleId?: string;
  sequence?: number;
  currency?: string;
  lines?: (LineSpec & { discount?: number })[];
  shipping?: { amount: number; tax?: number }[];
  tips?: number;
  adjustment?: number;
  tenders?: { kind: Tender["kind"]; brand?: string; amount?: number }[];
  feeRefunded?: number;
  businessDate?: string;
  locationId?: string;
}

export function makeRefund(spec: RefundSpec = {}): SourceRefund {
  const c = spec.currency ?? "USD";
  const m = (amount: number) => money(amount, c);
  const lines: RefundLine[] = (spec.lines ?? [{ unit: 1000, tax: 80 }]).map((line, index) => {
    const { lineId, unitPrice: _unitPrice, ...rest } = saleLine(line, c, index);
    return { ...rest, lineId };
  });
  const shipping: Charge[] = (spec.shipping ?? []).map((charge) => ({ name: "Shipping", amount: m(charge.amount), tax: m(charge.tax ?? 0), taxIncluded: m(0) }));
  const parts = {
    currency: c,
    lines,
    shipping,
    serviceCharges: [],
    tips: m(spec.tips ?? 0),
    adjustment: m(spec.adjustment ?? 0),
    taxTotal: sum(c, [...lines.map((line) => line.tax), ...shipping.map((charge) => charge.tax)]),
  };
  const total = refundTotalFromParts(parts);
  const tenderSpecs = spec.tenders ?? [{ kind: "card", brand: "visa" }];
  const given = tenderSpecs.reduce((acc, tender) => acc + (tender.amount ?? 0), 0);
  return {
    source: "square",
    refundId: spec.id ?? "RETURN-1",
    saleSourceId: spec.saleId ?? "ORDER-1",
    sequence: spec.sequence ?? 1,
    locationId: spec.locationId ?? "LOC-1",
    timeZone: "America/Los_Angeles",
    occurredAt: "2026-11-27T18:00:00Z",
    businessDate: spec.businessDate ?? "2026-11-27",
    ...parts,
    tenders: tenderSpecs.map((tender) => ({ kind: tender.kind, ...(tender.brand ? { brand: tender.brand } : {}), amount: m(tender.amount ?? total.amount - given) })),
    feeRefunded: m(spec.feeRefunded ?? 0),
    total,
  };
}

/** What documents do to the books, by account name (sales tax as "Sales tax"), in minor units, debit positive. */
export function books(documents: readonly (LedgerDocument | null)[], ctx: PostingContext): Record<string, number> {
  const names = new Map<string, string>([[SALES_TAX_ACCOUNT, "Sales tax"], ...usCompany.accounts.map((entry): [string, string] => [entry.id, entry.name])]);
  const balances = balancesOf(documents.filter((document) => document !== null), ctx.company.homeCurrency, itemIncomeAccounts(ctx.mapping, ctx.refs));
  return Object.fromEntries([...balances.entries()].map(([id, amount]) => [names.get(id) ?? id, amount]).sort(([a], [b]) => String(a).localeCompare(String(b))));
}

export const createdItem = (ctx: PostingContext, key: Parameters<typeof itemKey>[0]): ItemRef => {
  const item = ctx.refs.items[itemKey(key)];
  if (!item) throw new Error(`no created item for ${itemKey(key)}`);
  return item;
};

export const usd = (amount: number): Money => money(amount, "USD");

/** A small deterministic generator (a linear congruential one), so a failing case can be replayed from its seed. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  return {
    int: (min: number, max: number) => min + (next() % (max - min + 1)),
    pick: <T>(values: readonly T[]): T => values[next() % values.length] as T,
    chance: (percent: number) => next() % 100 < percent,
  };
}
export type Random = ReturnType<typeof seeded>;

/**
 * A random sale that adds up: up to five lines with fractional quantities and additive or inclusive taxes, line
 * and order discounts, shipping, tips, service charges, gift cards, rounding, and one to three payments of
 * random kinds, cards with a fee. Amounts are in USD, JPY or KWD.
 */
export function randomSale(random: Random, index: number, options: { currency?: string; businessDate?: string; occurredAt?: string; locationId?: string } = {}): SourceSale {
  const currency = options.currency ?? random.pick(["USD", "USD", "JPY", "KWD"]);
  const scale = currency === "JPY" ? 1 : currency === "KWD" ? 1000 : 100;
  const lines = Array.from({ length: random.int(0, 5) }, (_, line) => {
    const quantity = random.pick(["1", "2", "3", "0.5", "1.375", "2.25", "0.125", "12", "7"]);
    const unit = random.int(0, 80) * scale + random.int(0, scale - 1);
    const gross = Math.round(Number(quantity) * unit);
    const inclusive = random.chance(30);
    const tax = random.chance(70) ? Math.round(gross * (inclusive ? 0.1667 : random.pick([0.0725, 0.0825, 0.1]))) : 0;
    return { sku: random.pick(["BEAN-1KG", `SKU-${line}`, null]), quantity, unit, gross, tax, inclusive, discount: random.chance(20) ? Math.floor(gross / random.int(3, 10)) : 0 };
  });
  const spec: SaleSpec = {
    id: `ORDER-${index}`,
    currency,
    lines,
    orderDiscounts: random.chance(30) ? [random.int(0, 5 * scale)] : [],
    shipping: random.chance(20) ? [{ amount: random.int(0, 10 * scale), tax: random.int(0, scale) }] : [],
    tips: random.chance(30) ? random.int(0, 5 * scale) : 0,
    serviceCharges: random.chance(15) ? [{ amount: random.int(0, 5 * scale), tax: random.int(0, Math.floor(scale / 2)) }] : [],
    giftCards: random.chance(10) ? [random.int(1, 50) * scale] : [],
    rounding: random.chance(10) ? random.int(-2, 2) : 0,
    tenders: [],
    ...(options.businessDate ? { businessDate: options.businessDate } : {}),
    ...(options.occurredAt ? { occurredAt: options.occurredAt } : {}),
    ...(options.locationId ? { locationId: options.locationId } : {}),
  };
  let sale = makeSale(spec);
  // Discounts can exceed what was bought; a sale never totals below zero, so drop them then.
  if (sale.total.amount < 0) sale = makeSale({ ...spec, orderDiscounts: [], rounding: 0, lines: lines.map((line) => ({ ...line, discount: 0 })) });
  const kinds = Array.from({ length: random.int(1, 3) }, () =>
    random.pick([{ kind: "card" as const, brand: random.pick(["visa", "mastercard", "american_express"]) }, { kind: "cash" as const }, { kind: "gift_card" as const }, { kind: "other" as const, brand: "wallet" }]),
  );
  let left = sale.total.amount;
  const tenders = kinds.map((kind, position) => {
    const amount = position === kinds.length - 1 ? left : random.int(0, Math.max(left, 0));
    left -= amount;
    const fee = kind.kind === "card" ? Math.round(amount * 0.029) : undefined;
    return { ...kind, amount: money(amount, currency), ...(fee !== undefined ? { processingFee: money(fee, currency) } : {}), paymentId: `P${index}-${position}` };
  });
  return sourceSaleSchema.parse({ ...sale, tenders });
}

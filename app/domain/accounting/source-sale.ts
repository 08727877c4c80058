/**
 * One shape for a paid sale, and one for a refund, whichever channel they come from.
 *
 * `square-order.ts` and `shopify-order.ts` turn each vendor's order into a `SourceSale` (and its returns or
 * refunds into `SourceRefund`s); everything after that (QuickBooks documents, daily summaries, reconciliation)
 * reads only these shapes. All amounts are Money in the sale's currency (for Shopify, the shop currency), and the
 * shapes carry the invariants every document relies on, checked by the schemas:
 *
 *   total = Σ lines (gross − discount) − Σ orderDiscounts + Σ shipping + Σ serviceCharges + tips
 *           + Σ giftCardSales + roundingAdjustment + (taxTotal − tax already inside those amounts)
 *   total = Σ tenders.amount        taxTotal = Σ tax of lines, shipping and service charges
 *
 * "Tax already inside" is inclusive tax (VAT-style prices, Shopify's `taxesIncluded`, Square's INCLUSIVE taxes):
 * it is part of `gross` (or the shipping / service charge amount) and of `tax`, so it is counted once.
 */
import { z } from "zod";
import { currencyCodeSchema, formatDecimal, moneySchema, sum, type Money } from "./money";

export const SOURCES = ["square", "shopify"] as const;
export type Source = (typeof SOURCES)[number];

export const SOURCE_NAMES: Record<Source, string> = { square: "Square", shopify: "Shopify" };

export const TENDER_KINDS = ["card", "cash", "gift_card", "other"] as const;
export type TenderKind = (typeof TENDER_KINDS)[number];

/** A positive decimal quantity as the source wrote it ("2", "0.375"): Square sells by weight. */
const quantitySchema = z.string().regex(/^\d+(\.\d+)?$/, "a decimal quantity such as \"2\" or \"1.5\"").refine((text) => /[1-9]/.test(text), "a quantity above zero");

const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date written YYYY-MM-DD");
const instantSchema = z.string().refine((text) => !Number.isNaN(Date.parse(text)) && /T/.test(text), "an ISO 8601 date and time");

export const saleLineSchema = z.object({
  /** The source's id for the line (Square line uid, Shopify LineItem gid): refunds point back to it. */
  lineId: z.string().min(1),
  sku: z.string().nullable(),
  name: z.string().min(1),
  quantity: quantitySchema,
  /** Price of one unit before discounts, as the source stated it (informational: documents derive their own). */
  unitPrice: moneySchema,
  /** Quantity × unit price (with modifiers), before discounts, as the source computed it. */
  gross: moneySchema,
  /** Discounts applied to this line alone (not the order-level ones, which are in `orderDiscounts`). */
  discount: moneySchema,
  /** All tax charged on this line. */
  tax: moneySchema,
  /** The part of `tax` already inside `gross` (inclusive tax); 0 when tax is added on top. */
  taxIncluded: moneySchema,
  taxable: z.boolean(),
  /** The source's category, for summaries that group by category. */
  category: z.string().optional(),
});
export type SaleLine = z.infer<typeof saleLineSchema>;

export const chargeSchema = z.object({
  name: z.string().min(1),
  /** Charged amount before added tax (including any inclusive tax). */
  amount: moneySchema,
  tax: moneySchema,
  taxIncluded: moneySchema,
});
export type Charge = z.infer<typeof chargeSchema>;

export const namedAmountSchema = z.object({ name: z.string().min(1), amount: moneySchema });
export type NamedAmount = z.infer<typeof namedAmountSchema>;

export const tenderSchema = z.object({
  kind: z.enum(TENDER_KINDS),
  /** Card brand ("visa", "mastercard"), wallet or gateway name, lower case; absent when unknown. */
  brand: z.string().min(1).optional(),
  /** The money taken, tip included. */
  amount: moneySchema,
  /** The part of `amount` that is a tip. */
  tip: moneySchema.optional(),
  /** What the processor kept for this payment (Square processing fee, Shopify Payments fee). */
  processingFee: moneySchema.optional(),
  /** The processor's payment id, for memos and fee documents. */
  paymentId: z.string().optional(),
});
export type Tender = z.infer<typeof tenderSchema>;

const customerSchema = z.object({ email: z.email().optional(), name: z.string().min(1).optional() });
export type SaleCustomer = z.infer<typeof customerSchema>;

const presentmentSchema = z.object({
  /** The currency the buyer saw and paid in. */
  currency: currencyCodeSchema,
  total: moneySchema,
  /** Sale-currency units per presentment unit, as a decimal string (for the memo; never used to post). */
  exchangeRate: z.string().regex(/^\d+(\.\d+)?$/),
});

const common = {
  source: z.enum(SOURCES),
  locationId: z.string().min(1),
  /** The IANA time zone of the location, in which `businessDate` is reckoned. */
  timeZone: z.string().min(1),
  occurredAt: instantSchema,
  /** The calendar day of `occurredAt` at the location: the day the sale belongs to in the books. */
  businessDate: isoDateSchema,
  currency: currencyCodeSchema,
};

export const sourceSaleSchema = z
  .object({
    ...common,
    /** The order id in the source (Square order id, Shopify Order gid). */
    sourceId: z.string().min(1),
    /** What the merchant calls the order ("#1001" in Shopify); absent for Square. */
    sourceName: z.string().min(1).optional(),
    presentment: presentmentSchema.optional(),
    customer: customerSchema.optional(),
    lines: z.array(saleLineSchema),
    orderDiscounts: z.array(namedAmountSchema),
    shipping: z.array(chargeSchema),
    tips: moneySchema,
    serviceCharges: z.array(chargeSchema),
    giftCardSales: z.array(namedAmountSchema),
    /** Cash rounding or currency-conversion rounding the source applied to the total (signed). */
    roundingAdjustment: moneySchema,
    taxTotal: moneySchema,
    tenders: z.array(tenderSchema),
    total: moneySchema,
  })
  .superRefine((sale, context) => {
    // Zod runs this even when a field failed its own check; such a sale cannot be summed, and that field's
    // issue already says what is wrong.
    let problems: string[];
    try {
      problems = saleProblems(sale);
    } catch {
      return;
    }
    for (const problem of problems) context.addIssue({ code: "custom", message: problem });
  });
export type SourceSale = z.infer<typeof sourceSaleSchema>;

export const refundLineSchema = z.object({
  /** The sale line this refunds, when the source says. */
  lineId: z.string().min(1).optional(),
  sku: z.string().nullable(),
  name: z.string().min(1),
  quantity: quantitySchema,
  /** Refunded amount before discounts (inclusive tax included when prices include tax). */
  gross: moneySchema,
  discount: moneySchema,
  tax: moneySchema,
  taxIncluded: moneySchema,
  taxable: z.boolean(),
  category: z.string().optional(),
});
export type RefundLine = z.infer<typeof refundLineSchema>;

export const sourceRefundSchema = z
  .object({
    ...common,
    /** The refund's id in the source (Square return order id, Shopify Refund gid). */
    refundId: z.string().min(1),
    /** The sale it refunds: its `sourceId`. */
    saleSourceId: z.string().min(1),
    saleSourceName: z.string().min(1).optional(),
    /** Which refund of the sale this is, 1 for the first (by time): refund documents are numbered by it. */
    sequence: z.number().int().min(1).max(99),
    lines: z.array(refundLineSchema),
    shipping: z.array(chargeSchema),
    serviceCharges: z.array(chargeSchema),
    tips: moneySchema,
    /** Money refunded that no line explains (a goodwill refund, a refund discrepancy); signed. */
    adjustment: moneySchema,
    taxTotal: moneySchema,
    tenders: z.array(tenderSchema),
    /** Processing fee the processor gave back with this refund (positive), or charged for it (negative). */
    feeRefunded: moneySchema,
    total: moneySchema,
    reason: z.string().optional(),
  })
  .superRefine((refund, context) => {
    // Zod runs this even when a field failed its own check; such a refund cannot be summed, and that field's
    // issue already says what is wrong.
    let problems: string[];
    try {
      problems = refundProblems(refund);
    } catch {
      return;
    }
    for (const problem of problems) context.addIssue({ code: "custom", message: problem });
  });
export type SourceRefund = z.infer<typeof sourceRefundSchema>;

function allMoney(record: SourceSale | SourceRefund): { where: string; value: Money }[] {
  const found: { where: string; value: Money }[] = [];
  const visit = (value: unknown, where: string) => {
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${where}[${index}]`));
    else if (value && typeof value === "object") {
      const entries = Object.entries(value);
      if (entries.length === 2 && "amount" in value && "currency" in value && typeof value.amount === "number" && typeof value.currency === "string") {
        found.push({ where, value: { amount: value.amount, currency: value.currency } });
        return;
      }
      for (const [key, child] of entries) {
        // The presentment amount is in the buyer's currency on purpose.
        if (where === "" && key === "presentment") continue;
        visit(child, where ? `${where}.${key}` : key);
      }
    }
  };
  visit(record, "");
  return found;
}

function differenceSentence(what: string, expected: Money, actual: Money): string {
  return `${what}: the parts add up to ${formatDecimal(expected)} ${expected.currency} but the total is ${formatDecimal(actual)} ${actual.currency} (a difference of ${formatDecimal({ amount: actual.amount - expected.amount, currency: actual.currency })})`;
}

/** What the sale's own amounts say is impossible, in plain words; empty when the sale adds up. */
export function saleProblems(sale: SourceSale): string[] {
  const problems: string[] = [];
  const foreign = allMoney(sale).filter(({ value }) => value.currency !== sale.currency);
  if (foreign.length > 0) {
    return [`every amount must be in the sale's currency ${sale.currency}, but ${foreign.map(({ where, value }) => `${where} is in ${value.currency}`).join(", ")}`];
  }
  for (const line of sale.lines) {
    if (line.taxIncluded.amount < 0 || line.taxIncluded.amount > Math.max(line.tax.amount, 0)) {
      problems.push(`line "${line.name}": the tax included in its price (${formatDecimal(line.taxIncluded)}) is more than its tax (${formatDecimal(line.tax)})`);
    }
  }
  const c = sale.currency;
  const taxOfParts = sum(c, [...sale.lines.map((line) => line.tax), ...sale.shipping.map((charge) => charge.tax), ...sale.serviceCharges.map((charge) => charge.tax)]);
  if (taxOfParts.amount !== sale.taxTotal.amount) problems.push(differenceSentence("tax", taxOfParts, sale.taxTotal));
  const expected = saleTotalFromParts(sale);
  if (expected.amount !== sale.total.amount) problems.push(differenceSentence("sale total", expected, sale.total));
  const tendered = sum(c, sale.tenders.map((tender) => tender.amount));
  if (tendered.amount !== sale.total.amount) problems.push(differenceSentence("payments", tendered, sale.total));
  if (sale.total.amount < 0) problems.push(`a sale takes money in, but this one's total is ${formatDecimal(sale.total)}`);
  return problems;
}

/** The total the sale's parts make (see the module comment). */
export function saleTotalFromParts(sale: Pick<SourceSale, "currency" | "lines" | "orderDiscounts" | "shipping" | "serviceCharges" | "tips" | "giftCardSales" | "roundingAdjustment" | "taxTotal">): Money {
  const c = sale.currency;
  const included = sum(c, [...sale.lines.map((line) => line.taxIncluded), ...sale.shipping.map((charge) => charge.taxIncluded), ...sale.serviceCharges.map((charge) => charge.taxIncluded)]);
  const units = [
    ...sale.lines.map((line) => line.gross.amount - line.discount.amount),
    ...sale.orderDiscounts.map((discount) => -discount.amount.amount),
    ...sale.shipping.map((charge) => charge.amount.amount),
    ...sale.serviceCharges.map((charge) => charge.amount.amount),
    sale.tips.amount,
    ...sale.giftCardSales.map((card) => card.amount.amount),
    sale.roundingAdjustment.amount,
    sale.taxTotal.amount - included.amount,
  ];
  return sum(c, units.map((amount) => ({ amount, currency: c })));
}

export function refundProblems(refund: SourceRefund): string[] {
  const problems: string[] = [];
  const foreign = allMoney(refund).filter(({ value }) => value.currency !== refund.currency);
  if (foreign.length > 0) {
    return [`every amount must be in the refund's currency ${refund.currency}, but ${foreign.map(({ where, value }) => `${where} is in ${value.currency}`).join(", ")}`];
  }
  const c = refund.currency;
  const taxOfParts = sum(c, [...refund.lines.map((line) => line.tax), ...refund.shipping.map((charge) => charge.tax), ...refund.serviceCharges.map((charge) => charge.tax)]);
  if (taxOfParts.amount !== refund.taxTotal.amount) problems.push(differenceSentence("refunded tax", taxOfParts, refund.taxTotal));
  const expected = refundTotalFromParts(refund);
  if (expected.amount !== refund.total.amount) problems.push(differenceSentence("refund total", expected, refund.total));
  const tendered = sum(c, refund.tenders.map((tender) => tender.amount));
  if (tendered.amount !== refund.total.amount) problems.push(differenceSentence("money paid back", tendered, refund.total));
  if (refund.total.amount < 0) problems.push(`a refund pays money back, but this one's total is ${formatDecimal(refund.total)}`);
  return problems;
}

export function refundTotalFromParts(refund: Pick<SourceRefund, "currency" | "lines" | "shipping" | "serviceCharges" | "tips" | "adjustment" | "taxTotal">): Money {
  const c = refund.currency;
  const included = sum(c, [...refund.lines.map((line) => line.taxIncluded), ...refund.shipping.map((charge) => charge.taxIncluded), ...refund.serviceCharges.map((charge) => charge.taxIncluded)]);
  const units = [
    ...refund.lines.map((line) => line.gross.amount - line.discount.amount),
    ...refund.shipping.map((charge) => charge.amount.amount),
    ...refund.serviceCharges.map((charge) => charge.amount.amount),
    refund.tips.amount,
    refund.adjustment.amount,
    refund.taxTotal.amount - included.amount,
  ];
  return sum(c, units.map((amount) => ({ amount, currency: c })));
}

/** The result of turning a vendor's record into one of these shapes: the record, or what stops it being posted. */
export type MappingResult<T> = { ok: true; value: T; warnings: string[] } | { ok: false; problems: string[] };

/** Validates a mapped sale; the problems name the order so the merchant can find it. */
export function checkSale(candidate: unknown, label: string, warnings: string[] = []): MappingResult<SourceSale> {
  const parsed = sourceSaleSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data, warnings };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${label}: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`) };
}

export function checkRefund(candidate: unknown, label: string, warnings: string[] = []): MappingResult<SourceRefund> {
  const parsed = sourceRefundSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data, warnings };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${label}: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`) };
}

/**
 * The calendar date (YYYY-MM-DD) of `instant` in `timeZone`: a sale at 23:30 in Los Angeles on the 26th is on the
 * 26th even though it is already the 27th in UTC.
 */
export function businessDateOf(instant: string, timeZone: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) throw new Error(`"${instant}" is not a date and time`);
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(date);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

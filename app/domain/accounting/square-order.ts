/**
 * Square v2 Orders (and their Payments and PaymentRefunds) as SourceSale and SourceRefund.
 *
 * Input is the JSON the API sends (snake_case, Money as `{amount, currency}` in minor units), as read with the
 * SDK's raw `fetch` (no bigint) or from a webhook follow-up. Field names follow the SDK's types (square 46,
 * `api/types/Order.d.ts`, `OrderLineItem`, `Tender`, `Payment`, `PaymentRefund`, `OrderReturn`...).
 *
 * - A sale is a COMPLETED order. Line-scope discounts stay on their line; order-scope discounts become
 *   `orderDiscounts` (Square's own per-line split of them is not used: documents split by largest remainder).
 *   INCLUSIVE taxes are tax inside the price. GIFT_CARD lines are gift cards sold (a liability, not income).
 * - Processing fees come from the Payments (`processing_fee[]`), which Square fills in about ten seconds after
 *   the payment; a Tender's `processing_fee_money` is used when no Payment is given.
 * - A return is Square's "return order": an order whose `returns[]` points at the sale (`source_order_id`), paid
 *   back by PaymentRefunds (`order_id` = the return order). A negative refund processing fee is a fee returned.
 * - SKUs are not on orders: the caller passes the catalog's variation → SKU (and category) look-up.
 */
import { z } from "zod";
import { formatDecimal, money, sum, type Money } from "./money";
import { businessDateOf, checkRefund, checkSale, type Charge, type MappingResult, type RefundLine, type SaleLine, type SourceRefund, type SourceSale, type Tender, type TenderKind } from "./source-sale";

const squareMoney = z.object({
  amount: z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform((value) => Number(value)),
  currency: z.string(),
});
type SquareMoney = z.infer<typeof squareMoney>;

const appliedTax = z.object({ tax_uid: z.string(), applied_money: squareMoney.optional() });
const appliedDiscount = z.object({ discount_uid: z.string(), applied_money: squareMoney.optional() });

const lineItem = z.object({
  uid: z.string().nullish(),
  name: z.string().nullish(),
  quantity: z.string(),
  catalog_object_id: z.string().nullish(),
  variation_name: z.string().nullish(),
  item_type: z.string().optional(),
  base_price_money: squareMoney.optional(),
  gross_sales_money: squareMoney.optional(),
  total_tax_money: squareMoney.optional(),
  total_discount_money: squareMoney.optional(),
  total_money: squareMoney.optional(),
  applied_taxes: z.array(appliedTax).nullish(),
  applied_discounts: z.array(appliedDiscount).nullish(),
});

const returnLineItem = lineItem.omit({ gross_sales_money: true }).extend({
  source_line_item_uid: z.string().nullish(),
  gross_return_money: squareMoney.optional(),
});

const orderTax = z.object({ uid: z.string().nullish(), name: z.string().nullish(), type: z.string().optional(), scope: z.string().optional(), applied_money: squareMoney.optional() });
const orderDiscount = z.object({ uid: z.string().nullish(), name: z.string().nullish(), type: z.string().optional(), scope: z.string().optional(), applied_money: squareMoney.optional() });
const serviceCharge = z.object({
  uid: z.string().nullish(),
  name: z.string().nullish(),
  applied_money: squareMoney.optional(),
  total_money: squareMoney.optional(),
  total_tax_money: squareMoney.optional(),
  applied_taxes: z.array(appliedTax).nullish(),
  type: z.string().optional(),
});

const tender = z.object({
  id: z.string().optional(),
  type: z.string(),
  amount_money: squareMoney.optional(),
  tip_money: squareMoney.optional(),
  processing_fee_money: squareMoney.optional(),
  payment_id: z.string().nullish(),
  card_details: z.object({ card: z.object({ card_brand: z.string().optional() }).optional() }).optional(),
});

const orderReturn = z.object({
  uid: z.string().nullish(),
  source_order_id: z.string().nullish(),
  return_line_items: z.array(returnLineItem).nullish(),
  return_service_charges: z.array(serviceCharge).nullish(),
  return_taxes: z.array(orderTax).nullish(),
  return_discounts: z.array(orderDiscount).nullish(),
  return_tips: z.array(z.object({ applied_money: squareMoney.optional() })).nullish(),
  rounding_adjustment: z.object({ amount_money: squareMoney.optional() }).optional(),
});

const moneyAmounts = z.object({ total_money: squareMoney.optional(), tax_money: squareMoney.optional(), tip_money: squareMoney.optional() });

export const squareOrderSchema = z.object({
  id: z.string(),
  location_id: z.string(),
  state: z.string().optional(),
  created_at: z.string().optional(),
  closed_at: z.string().optional(),
  line_items: z.array(lineItem).nullish(),
  taxes: z.array(orderTax).nullish(),
  discounts: z.array(orderDiscount).nullish(),
  service_charges: z.array(serviceCharge).nullish(),
  returns: z.array(orderReturn).optional(),
  return_amounts: moneyAmounts.optional(),
  rounding_adjustment: z.object({ name: z.string().nullish(), amount_money: squareMoney.optional() }).optional(),
  tenders: z.array(tender).optional(),
  refunds: z.array(z.object({ id: z.string(), tender_id: z.string().nullish(), amount_money: squareMoney, processing_fee_money: squareMoney.optional(), status: z.string() })).optional(),
  total_money: squareMoney.optional(),
  total_tax_money: squareMoney.optional(),
  total_tip_money: squareMoney.optional(),
});
export type SquareOrder = z.infer<typeof squareOrderSchema>;

const processingFees = z.array(z.object({ amount_money: squareMoney.optional() })).nullish();

export const squarePaymentSchema = z.object({
  id: z.string(),
  status: z.string().optional(),
  order_id: z.string().optional(),
  processing_fee: processingFees,
});
export type SquarePayment = z.infer<typeof squarePaymentSchema>;

export const squarePaymentRefundSchema = z.object({
  id: z.string(),
  status: z.string().nullish(),
  order_id: z.string().nullish(),
  payment_id: z.string().nullish(),
  amount_money: squareMoney,
  processing_fee: processingFees,
  destination_type: z.string().nullish(),
  destination_details: z.object({ card_details: z.object({ card: z.object({ card_brand: z.string().optional() }).optional() }).optional() }).nullish(),
  reason: z.string().nullish(),
});
export type SquarePaymentRefund = z.infer<typeof squarePaymentRefundSchema>;

export interface SquareLocation {
  id: string;
  /** The location's IANA time zone (`Location.timezone`). */
  timeZone: string;
  currency?: string;
}

/** Variation id → what the catalog says about it. */
export type SquareCatalogLookup = Record<string, { sku?: string | null; category?: string }>;

export interface SquareSaleInput {
  order: unknown;
  payments?: unknown[];
  location: SquareLocation;
  catalog?: SquareCatalogLookup;
  customer?: { email?: string; name?: string };
}

function issuesOf(error: z.ZodError, what: string): string[] {
  return error.issues.slice(0, 5).map((issue) => `${what} is not shaped as Square sends it: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
}

const toMoney = (value: SquareMoney | undefined, currency: string): Money => (value ? money(value.amount, value.currency) : money(0, currency));

function tenderKind(type: string): { kind: TenderKind; brand?: string } {
  switch (type) {
    case "CARD":
      return { kind: "card" };
    case "CASH":
      return { kind: "cash" };
    case "SQUARE_GIFT_CARD":
      return { kind: "gift_card" };
    case "THIRD_PARTY_CARD":
      return { kind: "card", brand: "third_party" };
    default:
      return { kind: "other", brand: type.toLowerCase() };
  }
}

/** The order's taxes or discounts by uid (the applied entries on lines refer to them so). */
function byUid<T extends { uid?: string | null }>(entries: T[] | null | undefined): Map<string, T> {
  const found = new Map<string, T>();
  for (const entry of entries ?? []) if (entry.uid) found.set(entry.uid, entry);
  return found;
}

function lineName(line: { name?: string | null; variation_name?: string | null }): string {
  const name = line.name?.trim() || "Item";
  const variation = line.variation_name?.trim();
  return variation && variation !== name && variation.toLowerCase() !== "regular" ? `${name} (${variation})` : name;
}

/** Σ of the applied taxes whose order tax is INCLUSIVE: the tax already inside the price. */
function inclusivePart(applied: z.infer<typeof appliedTax>[] | null | undefined, taxes: Map<string, z.infer<typeof orderTax>>, currency: string): Money {
  return sum(currency, (applied ?? []).filter((entry) => taxes.get(entry.tax_uid)?.type === "INCLUSIVE").map((entry) => toMoney(entry.applied_money, currency)));
}

export function mapSquareSale(input: SquareSaleInput): MappingResult<SourceSale> {
  const parsed = squareOrderSchema.safeParse(input.order);
  if (!parsed.success) return { ok: false, problems: issuesOf(parsed.error, "The order") };
  const order = parsed.data;
  const label = `Square order ${order.id}`;
  const payments: SquarePayment[] = [];
  for (const payment of input.payments ?? []) {
    const result = squarePaymentSchema.safeParse(payment);
    if (!result.success) return { ok: false, problems: issuesOf(result.error, "A payment") };
    payments.push(result.data);
  }

  const problems: string[] = [];
  if (order.state !== "COMPLETED") {
    const why = order.state === "CANCELED" ? "was canceled: there is nothing to post" : `is ${order.state?.toLowerCase() ?? "in an unknown state"}, not completed: it is posted once it is paid and completed`;
    problems.push(`${label} ${why}.`);
  }
  if (order.location_id !== input.location.id) problems.push(`${label} belongs to location ${order.location_id}, not ${input.location.id}.`);
  if ((order.returns ?? []).length > 0 && (order.line_items ?? []).length === 0) problems.push(`${label} is a return (it refunds order ${order.returns?.[0]?.source_order_id ?? "?"}): post it as a refund.`);
  const currency = order.total_money?.currency ?? input.location.currency;
  if (!currency) problems.push(`${label} has no total, so its currency is unknown.`);
  const occurredAt = order.closed_at ?? order.created_at;
  if (!occurredAt) problems.push(`${label} has no date.`);
  if (problems.length > 0 || !currency || !occurredAt) return { ok: false, problems };

  const warnings: string[] = [];
  try {
    const taxes = byUid(order.taxes);
    const discounts = byUid(order.discounts);
    const lines: SaleLine[] = [];
    const giftCardSales: SourceSale["giftCardSales"] = [];
    for (const [index, item] of (order.line_items ?? []).entries()) {
      const gross = item.gross_sales_money;
      if (!gross) {
        problems.push(`${label}: line “${lineName(item)}” has no gross sales amount.`);
        continue;
      }
      const totalDiscount = toMoney(item.total_discount_money, currency);
      if (item.item_type === "GIFT_CARD") {
        giftCardSales.push({ name: lineName(item), amount: money(gross.amount - totalDiscount.amount, currency) });
        if (item.total_tax_money && item.total_tax_money.amount !== 0) problems.push(`${label}: gift card “${lineName(item)}” is taxed; a gift card sold is not a taxable sale.`);
        continue;
      }
      // Discounts scoped to this line stay on it; order-scoped ones are posted as order discounts.
      const lineDiscount = sum(currency, (item.applied_discounts ?? []).filter((entry) => discounts.get(entry.discount_uid)?.scope !== "ORDER").map((entry) => toMoney(entry.applied_money, currency)));
      const catalogEntry = item.catalog_object_id ? input.catalog?.[item.catalog_object_id] : undefined;
      const tax = toMoney(item.total_tax_money, currency);
      lines.push({
        lineId: item.uid ?? `line-${index}`,
        sku: catalogEntry?.sku?.trim() || null,
        name: lineName(item),
        quantity: item.quantity,
        unitPrice: toMoney(item.base_price_money, currency),
        gross: money(gross.amount, gross.currency),
        discount: lineDiscount,
        tax,
        taxIncluded: inclusivePart(item.applied_taxes, taxes, currency),
        taxable: (item.applied_taxes ?? []).length > 0,
        ...(catalogEntry?.category ? { category: catalogEntry.category } : {}),
      });
    }
    const orderDiscounts = (order.discounts ?? [])
      .filter((discount) => discount.scope === "ORDER" && discount.applied_money && discount.applied_money.amount !== 0)
      .map((discount) => ({ name: discount.name?.trim() || "Order discount", amount: toMoney(discount.applied_money, currency) }));
    const serviceCharges: Charge[] = (order.service_charges ?? []).map((charge) => ({
      name: charge.name?.trim() || "Service charge",
      amount: toMoney(charge.applied_money, currency),
      tax: toMoney(charge.total_tax_money, currency),
      taxIncluded: inclusivePart(charge.applied_taxes, taxes, currency),
    }));
    const tenders = (order.tenders ?? []).filter((entry) => (entry.amount_money?.amount ?? 0) !== 0).map((entry) => squareTender(entry, payments, currency, warnings));
    const sale = {
      source: "square" as const,
      sourceId: order.id,
      locationId: order.location_id,
      timeZone: input.location.timeZone,
      occurredAt,
      businessDate: businessDateOf(occurredAt, input.location.timeZone),
      currency,
      ...(input.customer && (input.customer.email || input.customer.name) ? { customer: input.customer } : {}),
      lines,
      orderDiscounts,
      shipping: [],
      tips: toMoney(order.total_tip_money, currency),
      serviceCharges,
      giftCardSales,
      roundingAdjustment: toMoney(order.rounding_adjustment?.amount_money, currency),
      taxTotal: toMoney(order.total_tax_money, currency),
      tenders,
      total: toMoney(order.total_money, currency),
    };
    if (problems.length > 0) return { ok: false, problems };
    return checkSale(sale, label, warnings);
  } catch (error) {
    return { ok: false, problems: [`${label}: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

function squareTender(entry: z.infer<typeof tender>, payments: SquarePayment[], currency: string, warnings: string[]): Tender {
  const { kind, brand: typeBrand } = tenderKind(entry.type);
  const brand = entry.card_details?.card?.card_brand?.toLowerCase() ?? typeBrand;
  const paymentId = entry.payment_id ?? entry.id;
  const payment = payments.find((candidate) => candidate.id === paymentId);
  let processingFee: Money | undefined;
  if (payment?.processing_fee && payment.processing_fee.length > 0) {
    processingFee = sum(currency, payment.processing_fee.map((fee) => toMoney(fee.amount_money, currency)));
  } else if (entry.processing_fee_money) {
    processingFee = toMoney(entry.processing_fee_money, currency);
  } else if (kind === "card") {
    warnings.push(`The processing fee of card payment ${paymentId ?? "?"} is not known yet (Square adds it a few seconds after the payment).`);
  }
  return {
    kind,
    ...(brand ? { brand } : {}),
    amount: toMoney(entry.amount_money, currency),
    ...(entry.tip_money ? { tip: toMoney(entry.tip_money, currency) } : {}),
    ...(processingFee ? { processingFee } : {}),
    ...(paymentId ? { paymentId } : {}),
  };
}

export interface SquareReturnInput {
  /** The return order: its `returns[]` names the sale it refunds. */
  order: unknown;
  /** The PaymentRefunds that paid it back (their `order_id` is the return order). */
  refunds?: unknown[];
  location: SquareLocation;
  catalog?: SquareCatalogLookup;
  /** Which refund of the sale this is (1 for the first), for its DocNumber. */
  sequence: number;
}

function refundTenderKind(destination: string | null | undefined): TenderKind {
  switch (destination) {
    case "CARD":
      return "card";
    case "CASH":
      return "cash";
    case "GIFT_CARD":
    case "SQUARE_GIFT_CARD":
      return "gift_card";
    default:
      return "other";
  }
}

export function mapSquareReturn(input: SquareReturnInput): MappingResult<SourceRefund> {
  const parsed = squareOrderSchema.safeParse(input.order);
  if (!parsed.success) return { ok: false, problems: issuesOf(parsed.error, "The return order") };
  const order = parsed.data;
  const label = `Square return ${order.id}`;
  const refunds: SquarePaymentRefund[] = [];
  for (const refund of input.refunds ?? []) {
    const result = squarePaymentRefundSchema.safeParse(refund);
    if (!result.success) return { ok: false, problems: issuesOf(result.error, "A refund") };
    refunds.push(result.data);
  }
  const returns = order.returns ?? [];
  const sources = [...new Set(returns.map((entry) => entry.source_order_id).filter((id): id is string => Boolean(id)))];
  const problems: string[] = [];
  if (returns.length === 0) problems.push(`${label} returns nothing: it is a sale, not a return.`);
  else if (sources.length !== 1) problems.push(`${label} ${sources.length === 0 ? "does not say which sale it refunds" : `refunds several sales (${sources.join(", ")})`}; refunds are posted against one sale.`);
  if (order.state && order.state !== "COMPLETED") problems.push(`${label} is ${order.state.toLowerCase()}, not completed.`);
  const pending = refunds.filter((refund) => refund.status !== "COMPLETED" && refund.status !== "FAILED" && refund.status !== "REJECTED");
  if (pending.length > 0) problems.push(`${label}: the refund of ${pending.map((refund) => formatDecimal(money(refund.amount_money.amount, refund.amount_money.currency))).join(", ")} is ${pending[0]?.status?.toLowerCase() ?? "pending"}; it is posted once completed.`);
  const currency = order.return_amounts?.total_money?.currency ?? input.location.currency;
  const occurredAt = order.closed_at ?? order.created_at;
  if (!currency) problems.push(`${label} has no return total, so its currency is unknown.`);
  if (!occurredAt) problems.push(`${label} has no date.`);
  if (problems.length > 0 || !currency || !occurredAt) return { ok: false, problems };

  try {
    const lines: RefundLine[] = [];
    const serviceCharges: Charge[] = [];
    const tips: Money[] = [];
    const rounding: Money[] = [];
    for (const entry of returns) {
      const taxes = byUid(entry.return_taxes);
      for (const item of entry.return_line_items ?? []) {
        if (item.item_type === "GIFT_CARD") {
          problems.push(`${label}: a returned gift card is not posted automatically; record it by hand.`);
          continue;
        }
        const catalogEntry = item.catalog_object_id ? input.catalog?.[item.catalog_object_id] : undefined;
        lines.push({
          ...(item.source_line_item_uid ? { lineId: item.source_line_item_uid } : {}),
          sku: catalogEntry?.sku?.trim() || null,
          name: lineName(item),
          quantity: item.quantity,
          gross: toMoney(item.gross_return_money, currency),
          discount: toMoney(item.total_discount_money, currency),
          tax: toMoney(item.total_tax_money, currency),
          taxIncluded: inclusivePart(item.applied_taxes, taxes, currency),
          taxable: (item.applied_taxes ?? []).length > 0,
          ...(catalogEntry?.category ? { category: catalogEntry.category } : {}),
        });
      }
      for (const charge of entry.return_service_charges ?? []) {
        serviceCharges.push({ name: charge.name?.trim() || "Service charge", amount: toMoney(charge.applied_money, currency), tax: toMoney(charge.total_tax_money, currency), taxIncluded: inclusivePart(charge.applied_taxes, taxes, currency) });
      }
      for (const tip of entry.return_tips ?? []) tips.push(toMoney(tip.applied_money, currency));
      rounding.push(toMoney(entry.rounding_adjustment?.amount_money, currency));
    }
    const completed = refunds.filter((refund) => refund.status === "COMPLETED");
    const tenders: Tender[] = completed.length > 0
      ? completed.map((refund) => {
          const kind = refundTenderKind(refund.destination_type);
          const brand = refund.destination_details?.card_details?.card?.card_brand?.toLowerCase();
          return { kind, ...(brand ? { brand } : {}), amount: money(refund.amount_money.amount, refund.amount_money.currency), ...(refund.payment_id ? { paymentId: refund.payment_id } : {}) };
        })
      : (order.refunds ?? []).filter((refund) => refund.status === "APPROVED" || refund.status === "COMPLETED").map((refund) => {
          const sourceTender = order.tenders?.find((entry) => entry.id === refund.tender_id);
          return { ...tenderKind(sourceTender?.type ?? "OTHER"), amount: money(refund.amount_money.amount, refund.amount_money.currency) };
        });
    if (tenders.length === 0) problems.push(`${label}: no completed refund payment was found for this return.`);
    // Square reports the processing fee of a refund as a negative amount when it gives the fee back.
    const feeRefunded = -sum(currency, [
      ...completed.flatMap((refund) => (refund.processing_fee ?? []).map((fee) => toMoney(fee.amount_money, currency))),
      ...(completed.length === 0 ? (order.refunds ?? []).map((refund) => toMoney(refund.processing_fee_money, currency)) : []),
    ]).amount;
    const total = toMoney(order.return_amounts?.total_money, currency);
    const refund = {
      source: "square" as const,
      refundId: order.id,
      saleSourceId: sources[0] ?? "",
      sequence: input.sequence,
      locationId: order.location_id,
      timeZone: input.location.timeZone,
      occurredAt,
      businessDate: businessDateOf(occurredAt, input.location.timeZone),
      currency,
      lines,
      shipping: [],
      serviceCharges,
      tips: sum(currency, tips),
      // Cash rounding on a return changes what is paid back without a line to show for it.
      adjustment: sum(currency, rounding),
      taxTotal: toMoney(order.return_amounts?.tax_money, currency),
      tenders,
      feeRefunded: money(feeRefunded, currency),
      total,
      ...(completed[0]?.reason ? { reason: completed[0].reason } : {}),
    };
    if (problems.length > 0) return { ok: false, problems };
    return checkRefund(refund, label);
  } catch (error) {
    return { ok: false, problems: [`${label}: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

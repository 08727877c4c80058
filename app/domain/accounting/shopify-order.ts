/**
 * Shopify Admin GraphQL Orders (and their Refunds) as SourceSale and SourceRefund, posted in the shop currency.
 *
 * Every money field of an Order is a MoneyBag `{shopMoney, presentmentMoney}` of decimal strings. Tillbridge posts
 * `shopMoney` (what the shop's books are kept in) and keeps the presentment amount (what the buyer saw) for the
 * memo. Connections may be read as `{nodes: [...]}` or `{edges: [{node}]}`.
 *
 * - Lines: gross = originalUnitPrice × quantity; a discount allocation is an order-level discount when its
 *   application spreads across all lines (targetSelection ALL, allocationMethod ACROSS), otherwise it belongs to
 *   the line. `taxesIncluded` means every tax is inside the prices. Gift card lines are gift cards sold.
 * - Payments: successful SALE and CAPTURE transactions (gateway `cash`, `gift_card`, card gateways...), with
 *   Shopify Payments fees.
 * - The total is the money received. Each shop-currency amount of a foreign-currency order is converted from the
 *   presentment amount on its own, so the parts can miss the received total by a cent or two: within one minor
 *   unit per converted amount the gap is posted as a rounding adjustment (and said in a warning); more than that,
 *   or any gap in a shop-currency order other than cash rounding, means the order does not add up and is refused.
 */
import { z } from "zod";
import { divideToDecimal, formatDecimal, minorUnitExponent, money, parseDecimal, sum, type Money } from "./money";
import {
  businessDateOf,
  checkRefund,
  checkSale,
  refundTotalFromParts,
  saleTotalFromParts,
  type Charge,
  type MappingResult,
  type RefundLine,
  type SaleLine,
  type SourceRefund,
  type SourceSale,
  type Tender,
  type TenderKind,
} from "./source-sale";

const moneyV2 = z.object({ amount: z.string(), currencyCode: z.string() });
const moneyBag = z.object({ shopMoney: moneyV2, presentmentMoney: moneyV2 });
type MoneyBag = z.infer<typeof moneyBag>;

/** A GraphQL connection read either way. */
function connection<T extends z.ZodType>(node: T) {
  return z.preprocess((value) => {
    if (value && typeof value === "object" && "edges" in value && Array.isArray(value.edges)) {
      return value.edges.map((edge: unknown) => (edge && typeof edge === "object" && "node" in edge ? edge.node : edge));
    }
    if (value && typeof value === "object" && "nodes" in value) return value.nodes;
    return value;
  }, z.array(node));
}

const taxLine = z.object({ priceSet: moneyBag, title: z.string().optional() });
const discountAllocation = z.object({
  allocatedAmountSet: moneyBag,
  discountApplication: z
    .object({ allocationMethod: z.string().optional(), targetSelection: z.string().optional(), targetType: z.string().optional(), title: z.string().nullish(), code: z.string().nullish(), index: z.number().optional() })
    .optional(),
});

const lineItem = z.object({
  id: z.string(),
  sku: z.string().nullish(),
  name: z.string(),
  quantity: z.number().int().positive(),
  isGiftCard: z.boolean().optional(),
  taxable: z.boolean().optional(),
  originalUnitPriceSet: moneyBag,
  discountedUnitPriceSet: moneyBag.optional(),
  discountAllocations: z.array(discountAllocation).optional(),
  taxLines: z.array(taxLine).optional(),
  product: z.object({ productType: z.string().nullish() }).nullish(),
});

const shippingLine = z.object({ title: z.string().optional(), discountedPriceSet: moneyBag, taxLines: z.array(taxLine).optional() });

const transactionFee = z.object({ amount: moneyV2 });
const transaction = z.object({
  id: z.string().optional(),
  kind: z.string(),
  status: z.string(),
  gateway: z.string().nullish(),
  amountSet: moneyBag,
  fees: z.array(transactionFee).optional(),
  paymentDetails: z.object({ company: z.string().nullish() }).nullish(),
  amountRoundingSet: moneyBag.nullish(),
});

const refundSchema = z.object({
  id: z.string(),
  createdAt: z.string().nullish(),
  processedAt: z.string().optional(),
  note: z.string().nullish(),
  refundLineItems: connection(z.object({ quantity: z.number().int(), subtotalSet: moneyBag, totalTaxSet: moneyBag, lineItem: z.object({ id: z.string(), sku: z.string().nullish(), name: z.string(), taxable: z.boolean().optional() }) })),
  refundShippingLines: connection(z.object({ subtotalAmountSet: moneyBag, taxAmountSet: moneyBag, shippingLine: z.object({ title: z.string() }).optional() })).optional(),
  transactions: connection(transaction),
  totalRefundedSet: moneyBag.optional(),
});
export type ShopifyRefund = z.infer<typeof refundSchema>;

export const shopifyOrderSchema = z.object({
  id: z.string(),
  name: z.string(),
  test: z.boolean().optional(),
  cancelledAt: z.string().nullish(),
  displayFinancialStatus: z.string().nullish(),
  processedAt: z.string(),
  currencyCode: z.string(),
  presentmentCurrencyCode: z.string(),
  taxesIncluded: z.boolean(),
  email: z.string().nullish(),
  customer: z.object({ email: z.string().nullish(), displayName: z.string().nullish() }).nullish(),
  retailLocation: z.object({ id: z.string(), name: z.string().optional() }).nullish(),
  lineItems: connection(lineItem),
  shippingLines: connection(shippingLine).optional(),
  totalShippingPriceSet: moneyBag,
  totalTaxSet: moneyBag.nullish(),
  totalTipReceivedSet: moneyBag,
  totalPriceSet: moneyBag,
  transactions: z.array(transaction),
  refunds: z.array(refundSchema).optional(),
});
export type ShopifyOrder = z.infer<typeof shopifyOrderSchema>;

/** Orders without a retail location are online sales; this is their location id in Tillbridge. */
export const ONLINE_STORE_LOCATION = "online";

export interface ShopifyOrderInput {
  order: unknown;
  /** The IANA time zone of the order's location (the shop's `ianaTimezone` for online sales). */
  timeZone: string;
}

const PAID_STATUSES = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

function issuesOf(error: z.ZodError, what: string): string[] {
  return error.issues.slice(0, 5).map((issue) => `${what} is not shaped as Shopify sends it: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
}

const shop = (bag: MoneyBag | null | undefined, currency: string): Money => (bag ? parseDecimal(bag.shopMoney.amount, bag.shopMoney.currencyCode) : money(0, currency));

function tenderOf(entry: z.infer<typeof transaction>): { kind: TenderKind; brand?: string } {
  const gateway = entry.gateway?.toLowerCase() ?? "";
  if (gateway === "cash") return { kind: "cash" };
  if (gateway === "gift_card") return { kind: "gift_card" };
  const company = entry.paymentDetails?.company?.trim();
  if (company) return { kind: "card", brand: company.toLowerCase().replace(/\s+/g, "_") };
  if (gateway === "shopify_payments") return { kind: "card" };
  return { kind: "other", ...(gateway ? { brand: gateway } : {}) };
}

function isOrderLevel(allocation: z.infer<typeof discountAllocation>): boolean {
  const application = allocation.discountApplication;
  return application?.targetSelection === "ALL" && application.allocationMethod === "ACROSS" && application.targetType !== "SHIPPING_LINE";
}

function succeeded(transactions: z.infer<typeof transaction>[], kinds: readonly string[]) {
  return transactions.filter((entry) => kinds.includes(entry.kind) && entry.status === "SUCCESS");
}

export function mapShopifySale(input: ShopifyOrderInput): MappingResult<SourceSale> {
  const parsed = shopifyOrderSchema.safeParse(input.order);
  if (!parsed.success) return { ok: false, problems: issuesOf(parsed.error, "The order") };
  const order = parsed.data;
  const label = `Shopify order ${order.name}`;
  const problems: string[] = [];
  if (order.test) problems.push(`${label} is a test order; test orders are not posted to QuickBooks.`);
  if (order.cancelledAt && order.displayFinancialStatus !== "REFUNDED" && order.displayFinancialStatus !== "PARTIALLY_REFUNDED") problems.push(`${label} was canceled.`);
  if (!PAID_STATUSES.has(order.displayFinancialStatus ?? "")) {
    problems.push(`${label} is not paid (Shopify says ${order.displayFinancialStatus?.toLowerCase().replace(/_/g, " ") ?? "nothing"}): it is posted once it is paid.`);
  }
  if (problems.length > 0) return { ok: false, problems };

  const c = order.currencyCode;
  const warnings: string[] = [];
  try {
    const lines: SaleLine[] = [];
    const giftCardSales: SourceSale["giftCardSales"] = [];
    const orderDiscounts = new Map<string, { name: string; amounts: Money[] }>();
    for (const item of order.lineItems) {
      const unit = shop(item.originalUnitPriceSet, c);
      const gross = money(unit.amount * item.quantity, c);
      const allocations = item.discountAllocations ?? [];
      let discount: Money;
      if (item.discountAllocations) {
        discount = sum(c, allocations.filter((allocation) => !isOrderLevel(allocation)).map((allocation) => shop(allocation.allocatedAmountSet, c)));
        for (const allocation of allocations.filter(isOrderLevel)) {
          const application = allocation.discountApplication;
          const name = application?.title?.trim() || application?.code?.trim() || "Order discount";
          const key = `${application?.index ?? name}`;
          const entry = orderDiscounts.get(key) ?? { name, amounts: [] };
          entry.amounts.push(shop(allocation.allocatedAmountSet, c));
          orderDiscounts.set(key, entry);
        }
      } else {
        // Without allocations, the discounted unit price (line-level discounts only) says what the line lost.
        const discounted = item.discountedUnitPriceSet ? shop(item.discountedUnitPriceSet, c) : unit;
        discount = money((unit.amount - discounted.amount) * item.quantity, c);
      }
      const tax = sum(c, (item.taxLines ?? []).map((line) => shop(line.priceSet, c)));
      if (item.isGiftCard) {
        giftCardSales.push({ name: item.name, amount: money(gross.amount - discount.amount, c) });
        continue;
      }
      lines.push({
        lineId: item.id,
        sku: item.sku?.trim() || null,
        name: item.name,
        quantity: String(item.quantity),
        unitPrice: unit,
        gross,
        discount,
        tax,
        taxIncluded: order.taxesIncluded ? tax : money(0, c),
        taxable: item.taxable ?? tax.amount !== 0,
        ...(item.product?.productType?.trim() ? { category: item.product.productType.trim() } : {}),
      });
    }

    const taxTotal = shop(order.totalTaxSet, c);
    const lineTax = sum(c, lines.map((line) => line.tax));
    let shipping: Charge[];
    if (order.shippingLines) {
      shipping = order.shippingLines.map((line) => {
        const tax = sum(c, (line.taxLines ?? []).map((entry) => shop(entry.priceSet, c)));
        return { name: line.title?.trim() || "Shipping", amount: shop(line.discountedPriceSet, c), tax, taxIncluded: order.taxesIncluded ? tax : money(0, c) };
      });
    } else {
      // Without the shipping lines, the tax that is not on an item is the shipping's.
      const tax = money(taxTotal.amount - lineTax.amount, c);
      const amount = shop(order.totalShippingPriceSet, c);
      shipping = amount.amount === 0 && tax.amount === 0 ? [] : [{ name: "Shipping", amount, tax, taxIncluded: order.taxesIncluded ? tax : money(0, c) }];
    }

    const payments = succeeded(order.transactions, ["SALE", "CAPTURE"]);
    const tenders: Tender[] = payments.map((entry) => {
      const fees = (entry.fees ?? []).filter((fee) => {
        if (fee.amount.currencyCode === c) return true;
        warnings.push(`A ${fee.amount.currencyCode} fee on a payment of ${label} is not in the shop currency ${c} and is left out.`);
        return false;
      });
      const processingFee = fees.length > 0 ? sum(c, fees.map((fee) => parseDecimal(fee.amount.amount, fee.amount.currencyCode))) : undefined;
      return { ...tenderOf(entry), amount: shop(entry.amountSet, c), ...(processingFee ? { processingFee } : {}), ...(entry.id ? { paymentId: entry.id } : {}) };
    });
    const total = sum(c, tenders.map((tender) => tender.amount));
    const cashRounding = sum(c, payments.map((entry) => shop(entry.amountRoundingSet, c)));

    const parts = {
      lines,
      orderDiscounts: [...orderDiscounts.values()].map((entry) => ({ name: entry.name, amount: sum(c, entry.amounts) })),
      shipping,
      tips: shop(order.totalTipReceivedSet, c),
      serviceCharges: [],
      giftCardSales,
      taxTotal,
      currency: c,
    };
    const fromParts = saleTotalFromParts({ ...parts, roundingAdjustment: money(0, c) });
    const gap = total.amount - fromParts.amount;
    const foreign = order.presentmentCurrencyCode !== c;
    const convertedAmounts = lines.length * 2 + shipping.length * 2 + 2 + parts.orderDiscounts.length + tenders.length;
    let roundingAdjustment = money(0, c);
    if (gap !== 0) {
      if (gap === cashRounding.amount || (foreign && Math.abs(gap) <= convertedAmounts)) {
        roundingAdjustment = money(gap, c);
        if (foreign) warnings.push(`${label}: the shop-currency amounts miss the ${formatDecimal(total)} ${c} received by ${formatDecimal(roundingAdjustment)} from converting ${order.presentmentCurrencyCode}; posted as rounding.`);
      } else {
        const received = formatDecimal(total);
        return { ok: false, problems: [`${label} does not add up: its items, shipping, tax and tips come to ${formatDecimal(fromParts)} ${c}, but ${received} ${c} was received. It may not be fully paid, or it was edited after payment; check it in Shopify.`] };
      }
    }

    const presentmentTotal = parseDecimal(order.totalPriceSet.presentmentMoney.amount, order.totalPriceSet.presentmentMoney.currencyCode);
    const shopTotal = shop(order.totalPriceSet, c);
    const presentment = foreign && presentmentTotal.amount !== 0
      ? {
          currency: order.presentmentCurrencyCode,
          total: presentmentTotal,
          exchangeRate: exchangeRateOf(shopTotal, presentmentTotal),
        }
      : undefined;
    const customerEmail = order.customer?.email ?? order.email ?? undefined;
    const customerName = order.customer?.displayName ?? undefined;
    const sale = {
      source: "shopify" as const,
      sourceId: order.id,
      sourceName: order.name,
      locationId: order.retailLocation?.id ?? ONLINE_STORE_LOCATION,
      timeZone: input.timeZone,
      occurredAt: order.processedAt,
      businessDate: businessDateOf(order.processedAt, input.timeZone),
      ...(presentment ? { presentment } : {}),
      ...(customerEmail || customerName ? { customer: { ...(customerEmail ? { email: customerEmail } : {}), ...(customerName ? { name: customerName } : {}) } } : {}),
      ...parts,
      roundingAdjustment,
      tenders,
      total,
    };
    return checkSale(sale, label, warnings);
  } catch (error) {
    return { ok: false, problems: [`${label}: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

/** Shop-currency units per presentment unit, to 6 places (for the memo). */
function exchangeRateOf(shopTotal: Money, presentmentTotal: Money): string {
  // shop / presentment in major units: (shop minor / 10^es) / (presentment minor / 10^ep).
  const shopScale = 10n ** BigInt(minorUnitExponent(shopTotal.currency));
  const presentmentScale = 10n ** BigInt(minorUnitExponent(presentmentTotal.currency));
  return divideToDecimal(BigInt(shopTotal.amount) * presentmentScale, BigInt(presentmentTotal.amount) * shopScale, 6);
}

export interface ShopifyRefundInput extends ShopifyOrderInput {
  /** The refund's id (a Refund gid) among the order's `refunds`. */
  refundId: string;
}

export function mapShopifyRefund(input: ShopifyRefundInput): MappingResult<SourceRefund> {
  const parsed = shopifyOrderSchema.safeParse(input.order);
  if (!parsed.success) return { ok: false, problems: issuesOf(parsed.error, "The order") };
  const order = parsed.data;
  const c = order.currencyCode;
  // Refunds are numbered by when they happened, so the n-th refund of the order keeps its number.
  const refunds = [...(order.refunds ?? [])].sort((a, b) => (a.processedAt ?? a.createdAt ?? "").localeCompare(b.processedAt ?? b.createdAt ?? "") || a.id.localeCompare(b.id));
  const index = refunds.findIndex((refund) => refund.id === input.refundId);
  const refund = refunds[index];
  const label = `Refund ${index + 1} of Shopify order ${order.name}`;
  if (!refund) return { ok: false, problems: [`Shopify order ${order.name} has no refund ${input.refundId}.`] };
  if (order.test) return { ok: false, problems: [`${label} belongs to a test order; test orders are not posted to QuickBooks.`] };
  const warnings: string[] = [];
  try {
    const lines: RefundLine[] = refund.refundLineItems.map((entry) => {
      const tax = shop(entry.totalTaxSet, c);
      return {
        lineId: entry.lineItem.id,
        sku: entry.lineItem.sku?.trim() || null,
        name: entry.lineItem.name,
        quantity: String(entry.quantity),
        gross: shop(entry.subtotalSet, c),
        discount: money(0, c),
        tax,
        taxIncluded: order.taxesIncluded ? tax : money(0, c),
        taxable: entry.lineItem.taxable ?? tax.amount !== 0,
      };
    });
    const shipping: Charge[] = (refund.refundShippingLines ?? []).map((entry) => {
      const tax = shop(entry.taxAmountSet, c);
      return { name: entry.shippingLine?.title ?? "Shipping", amount: shop(entry.subtotalAmountSet, c), tax, taxIncluded: order.taxesIncluded ? tax : money(0, c) };
    });
    const paidBack = succeeded(refund.transactions, ["REFUND"]);
    if (paidBack.length === 0) return { ok: false, problems: [`${label} has no successful refund payment yet; it is posted once the money is paid back.`] };
    const tenders: Tender[] = paidBack.map((entry) => ({ ...tenderOf(entry), amount: shop(entry.amountSet, c), ...(entry.id ? { paymentId: entry.id } : {}) }));
    const total = sum(c, tenders.map((tender) => tender.amount));
    // Fees listed on a refund transaction are charged for the refund; a negative one is a fee given back.
    const feeCharged = sum(c, paidBack.flatMap((entry) => (entry.fees ?? []).filter((fee) => fee.amount.currencyCode === c).map((fee) => parseDecimal(fee.amount.amount, c))));
    const taxTotal = sum(c, [...lines.map((line) => line.tax), ...shipping.map((charge) => charge.tax)]);
    const parts = { lines, shipping, serviceCharges: [], tips: money(0, c), adjustment: money(0, c), taxTotal, currency: c };
    const unexplained = total.amount - refundTotalFromParts(parts).amount;
    if (unexplained !== 0) {
      warnings.push(`${label}: ${formatDecimal(money(unexplained, c))} ${c} of the money paid back is not for a refunded item or shipping (a tip, a goodwill refund or a refund discrepancy); posted as a refund adjustment.`);
    }
    const occurredAt = refund.processedAt ?? refund.createdAt ?? order.processedAt;
    const candidate = {
      source: "shopify" as const,
      refundId: refund.id,
      saleSourceId: order.id,
      saleSourceName: order.name,
      sequence: index + 1,
      locationId: order.retailLocation?.id ?? ONLINE_STORE_LOCATION,
      timeZone: input.timeZone,
      occurredAt,
      businessDate: businessDateOf(occurredAt, input.timeZone),
      ...parts,
      adjustment: money(unexplained, c),
      tenders,
      feeRefunded: money(-feeCharged.amount, c),
      total,
      ...(refund.note ? { reason: refund.note } : {}),
    };
    return checkRefund(candidate, label, warnings);
  } catch (error) {
    return { ok: false, problems: [`${label}: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

import { randomUUID } from "node:crypto";
import { FaultRandom } from "../common/random";
import { SandboxRequestError, type SandboxCore, type SellerStores } from "./core";
import type { CountRecord } from "./inventory";
import { parsePercentage, percentOf, shareOf } from "./money";
import {
  nothingReturned,
  priceOrder,
  priceReturnedLine,
  PricingError,
  type AdjustmentScope,
  type DiscountInput,
  type LineInput,
  type OrderTotals,
  type ReturnedLine,
  type ReturnedSoFar,
  type ServiceChargeInput,
  type ServiceChargePhase,
  type TaxInput,
  type TaxType,
} from "./order-pricing";
import { inStockQuantity, location, POINT_OF_SALE, quantity, variation, type VariationRef } from "./pos";
import { quantityToNumber, type Quantity } from "./quantity";
import {
  destinationType,
  newOrderId,
  newPaymentId,
  newRefundId,
  newVersionToken,
  orderWire,
  paymentWire,
  refundWire,
  type CardInfo,
  type OrderRecord,
  type OrderWire,
  type PaymentRecord,
  type PaymentWire,
  type RefundRecord,
  type RefundWire,
  type ReturnRecord,
  type TenderKind,
  type TenderRecord,
} from "./sales";

/**
 * The register as Square's Point of Sale works it, for tests, the demo and benchmarks: a sale becomes a COMPLETED
 * order with a payment per tender, taxes, discounts, a service charge and tips, and moves stock as `sell` does; a
 * refund at the register (items or an amount) becomes a return order with a PaymentRefund per refunded payment; card
 * payments get their processing fee a few seconds later, and card refunds complete a few seconds later with their
 * share of the fee given back. RefundPayment (refunds-api.ts) uses the same refund path. Events go out as Square
 * sends them: order.created / order.updated, payment.created / payment.updated, refund.created / refund.updated.
 */

export interface OrderLineInput extends VariationRef {
  /** Units (up to 5 decimals). */
  quantity: number;
  /** Cents per unit; required for a variation without a fixed price at the location, else its price. */
  price?: number;
}

export interface TenderInput {
  type: TenderKind;
  /** Cents of the order total (before tip) this tender pays; one tender may leave it out and pay the rest. */
  amount?: number;
  /** Card brand for CARD tenders (default VISA). */
  cardBrand?: string;
}

export interface TaxSpec {
  name: string;
  /** Percent as a decimal string, e.g. "8.875". */
  percentage: string;
  type?: TaxType;
  /** LINE_ITEM (default, as taxes from the catalog at the register): on each taxable line; ORDER: once on the order. */
  scope?: AdjustmentScope;
}

export interface OrderSaleInput {
  /** Default: the seller's main location. */
  locationId?: string;
  lines: OrderLineInput[];
  /** Default: one CARD tender for everything. */
  tenders?: TenderInput[];
  /** Default: the location's sales taxes (seed.ts), LINE_ITEM-scoped on taxable items. `[]`: no tax. */
  taxes?: TaxSpec[];
  /** An ORDER-scoped percentage discount, e.g. 10 or 12.5. */
  discountPercent?: number;
  serviceCharge?: { name?: string; percentage?: string; amount?: number; taxable?: boolean; phase?: ServiceChargePhase };
  /** Cents, on the first card tender (else the first tender). */
  tipAmount?: number;
  /** Or a tip of this percent of the order's total, rounded half to even (a tip screen's 15% / 18% / 20%). */
  tipPercent?: number;
  /**
   * Offline sale uploaded late: when the register closed the sale (in the past, at most 72 hours ago). The order's
   * created_at and updated_at are the upload time, now (Square: offline orders' created_at "reflects the time the
   * order was transmitted to Square"); closed_at, the tenders and the stock movement carry the register's time.
   */
  closedAt?: string;
  /** Sell below zero even when the allowNegativeSales setting is off. */
  allowNegative?: boolean;
  /** No webhooks (benchmarks). */
  silent?: boolean;
}

export interface StockAfterSale {
  variationId: string;
  locationId: string;
  /** IN_STOCK after the sale; null for an untracked variation. */
  inStock: number | null;
}

export type OrderSaleResult =
  | { sold: true; order: OrderWire; payments: PaymentWire[]; stock: StockAfterSale[] }
  | { sold: false; short: { variationId: string; locationId: string; inStock: number; wanted: number }[] };

export interface RegisterRefundInput {
  orderId: string;
  /** Itemized: lines of the sale (by uid, or by variation id or SKU) and how many units come back. */
  lines?: (VariationRef & { uid?: string; quantity: number })[];
  /** Or a custom amount, in cents. */
  amount?: number;
  reason?: string;
  /** Put returned items back IN_STOCK (default true). */
  restock?: boolean;
  silent?: boolean;
}

export interface RefundResult {
  returnOrder: OrderWire;
  refunds: RefundWire[];
}

/** Square's US in-person card rate, 2.6% + 15¢ of the payment's total (assumed: the sandbox's sellers are on it). */
const CARD_FEE_PERCENT = { numerator: 26n, denominator: 10n };
const CARD_FEE_FIXED = 15n;
/** Square keeps offline payments for upload up to 72 hours (orders client docs). */
const OFFLINE_LIMIT_MS = 72 * 3600 * 1000;
const MAX_LINES = 500;

const uid = () => randomUUID().toUpperCase();

/** The card a tender was paid with: fixed details per brand, a random last four. */
function cardFor(type: TenderKind, brand: string | undefined): CardInfo | undefined {
  if (type === "SQUARE_GIFT_CARD") return { brand: "SQUARE_GIFT_CARD", last4: digits(4), expMonth: 12, expYear: 2099, fingerprint: `sq-1-${digits(20)}`, bin: "778899", entryMethod: "SWIPED" };
  if (type !== "CARD") return undefined;
  const chosen = brand ?? "VISA";
  const bin = chosen === "MASTERCARD" ? "522222" : chosen === "AMERICAN_EXPRESS" ? "371449" : chosen === "DISCOVER" ? "601100" : "411111";
  return { brand: chosen, last4: digits(4), expMonth: 11, expYear: 2030, fingerprint: `sq-1-${digits(20)}`, bin, entryMethod: "CONTACTLESS" };
}

function digits(count: number): string {
  let out = "";
  for (let index = 0; index < count; index++) out += String(Math.floor(Math.random() * 10));
  return out;
}

function percentage(text: string, what: string) {
  const parsed = parsePercentage(text);
  if (!parsed) throw new SandboxRequestError(400, `${what} must be a percentage like "8.875".`);
  return parsed;
}

function cents(value: number, what: string): bigint {
  if (!Number.isInteger(value) || value < 0) throw new SandboxRequestError(400, `${what} must be whole cents (an integer ≥ 0).`);
  return BigInt(value);
}

function sendOrderEvent(core: SandboxCore, merchantId: string, type: "order.created" | "order.updated", order: OrderRecord): void {
  const body = { order_id: order.id, version: order.version, location_id: order.locationId, state: order.state, created_at: order.createdAt };
  if (type === "order.created") core.notify(merchantId, "ORDERS_READ", type, { type: "order_created", id: order.id, object: { order_created: body } });
  else core.notify(merchantId, "ORDERS_READ", type, { type: "order_updated", id: order.id, object: { order_updated: { ...body, updated_at: order.updatedAt } } });
}

function sendPaymentEvent(core: SandboxCore, merchantId: string, type: "payment.created" | "payment.updated", payment: PaymentRecord): void {
  core.notify(merchantId, "PAYMENTS_READ", type, { type: "payment", id: payment.id, object: { payment: paymentWire(payment) } });
}

function sendRefundEvent(core: SandboxCore, merchantId: string, type: "refund.created" | "refund.updated", refund: RefundRecord): void {
  core.notify(merchantId, "PAYMENTS_READ", type, { type: "refund", id: refund.id, object: { refund: refundWire(refund) } });
}

function touch(order: OrderRecord, now: string): void {
  order.version++;
  order.updatedAt = now;
}

/** A sale at the register as a COMPLETED order (README "Orders, payments and refunds"). */
export function sellOrder(core: SandboxCore, merchantId: string, input: OrderSaleInput): OrderSaleResult {
  const seller = core.seller(merchantId);
  const locationId = location(core, merchantId, input.locationId);
  const place = seller.locations.find((entry) => entry.id === locationId)!;
  const stores = core.storesOf(merchantId);
  const { catalog, inventory, sales } = stores;
  if (input.lines.length === 0 || input.lines.length > MAX_LINES) throw new SandboxRequestError(400, `An order has 1 to ${MAX_LINES} lines.`);
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  let closedAt = now;
  if (input.closedAt !== undefined) {
    const at = Date.parse(input.closedAt);
    if (Number.isNaN(at)) throw new SandboxRequestError(400, "closedAt must be an ISO 8601 time.");
    if (at > nowMs) throw new SandboxRequestError(400, "closedAt must not be in the future.");
    if (at < nowMs - OFFLINE_LIMIT_MS) throw new SandboxRequestError(400, "closedAt must be within the last 72 hours: Square does not take offline payments uploaded later.");
    closedAt = new Date(at).toISOString();
  }

  // Taxes: LINE_ITEM-scoped ones go on every taxable line (as catalog taxes do at the register).
  const taxSpecs: TaxSpec[] = input.taxes ?? place.salesTaxes.map((tax) => ({ ...tax }));
  const taxes: TaxInput[] = taxSpecs.map((spec, index) => ({
    uid: uid(),
    name: spec.name,
    type: spec.type ?? "ADDITIVE",
    percentage: percentage(spec.percentage, `taxes[${index}].percentage`),
    scope: spec.scope ?? "LINE_ITEM",
  }));
  const lineTaxUids = taxes.filter((tax) => tax.scope === "LINE_ITEM").map((tax) => tax.uid);

  const resolved = input.lines.map((line, index) => {
    const found = variation(core, merchantId, line);
    const amount = quantity(line.quantity, `lines[${index}].quantity`);
    if (amount <= 0n) throw new SandboxRequestError(400, `lines[${index}].quantity must be above 0.`);
    const price = line.price !== undefined ? cents(line.price, `lines[${index}].price`) : catalog.priceAt(found, locationId)?.amount;
    if (price === undefined) throw new SandboxRequestError(400, `lines[${index}]: variation ${found.id} has no fixed price at ${locationId}; pass price.`);
    const item = catalog.itemOf(found);
    const taxable = item?.item_data.is_taxable !== false;
    const lineInput: LineInput = {
      uid: uid(),
      name: item?.item_data.name ?? found.item_variation_data.name ?? "Item",
      ...(found.item_variation_data.name !== undefined && { variationName: found.item_variation_data.name }),
      catalogObjectId: found.id,
      catalogVersion: found.version,
      itemType: "ITEM",
      quantity: amount,
      basePrice: BigInt(price),
      taxable,
      ...(taxable && lineTaxUids.length > 0 && { taxUids: lineTaxUids }),
    };
    return { found, lineInput };
  });

  // Stock first, all or nothing: Square sells what it does not have; the sandbox refuses unless allowed (as `sell`).
  const wanted = new Map<string, Quantity>();
  for (const { found, lineInput } of resolved) {
    if (catalog.tracksInventory(found, locationId)) wanted.set(found.id, (wanted.get(found.id) ?? 0n) + lineInput.quantity);
  }
  const allowNegative = input.allowNegative ?? core.behaviour.allowNegativeSales;
  const short = [...wanted]
    .map(([variationId, amount]) => ({ variationId, amount, before: inStockQuantity(core, merchantId, variationId, locationId) }))
    .filter((entry) => entry.before < entry.amount);
  if (short.length > 0 && !allowNegative) {
    core.stats.count("salesRefused");
    return { sold: false, short: short.map((entry) => ({ variationId: entry.variationId, locationId, inStock: quantityToNumber(entry.before), wanted: quantityToNumber(entry.amount) })) };
  }

  const discounts: DiscountInput[] = [];
  if (input.discountPercent !== undefined) {
    const text = String(input.discountPercent);
    const parsed = percentage(text, "discountPercent");
    if (parsed.numerator > 100n * parsed.denominator) throw new SandboxRequestError(400, "discountPercent must be at most 100.");
    discounts.push({ uid: uid(), name: `${text}% off`, scope: "ORDER", percentage: parsed });
  }
  const charges: ServiceChargeInput[] = [];
  if (input.serviceCharge) {
    const spec = input.serviceCharge;
    charges.push({
      uid: uid(),
      name: spec.name ?? "Service charge",
      ...(spec.percentage !== undefined && { percentage: percentage(spec.percentage, "serviceCharge.percentage") }),
      ...(spec.amount !== undefined && { amount: cents(spec.amount, "serviceCharge.amount") }),
      phase: spec.phase ?? "SUBTOTAL_PHASE",
      taxable: spec.taxable ?? false,
    });
  }

  let priced;
  try {
    priced = priceOrder({ currency: seller.currency, country: seller.country, lines: resolved.map((entry) => entry.lineInput), taxes, discounts, serviceCharges: charges }, uid);
  } catch (error) {
    if (error instanceof PricingError) throw new SandboxRequestError(400, error.message);
    throw error;
  }

  if (input.tipAmount !== undefined && input.tipPercent !== undefined) throw new SandboxRequestError(400, "Give tipAmount or tipPercent, not both.");
  const tip =
    input.tipAmount !== undefined
      ? cents(input.tipAmount, "tipAmount")
      : input.tipPercent !== undefined
        ? percentOf(priced.totals.total, percentage(String(input.tipPercent), "tipPercent"))
        : 0n;
  const tenders = splitTenders(input.tenders ?? [{ type: "CARD" }], priced.totals.total, tip, closedAt);
  const order: OrderRecord = {
    id: newOrderId(),
    locationId,
    currency: seller.currency,
    state: "COMPLETED",
    version: 1,
    createdAt: now,
    updatedAt: now,
    closedAt,
    priced,
    tenders,
    refunds: [],
    returned: new Map(),
    paymentIds: tenders.map((tender) => tender.id),
    returnOrderIds: [],
  };
  const offline = input.closedAt !== undefined;
  const payments: PaymentRecord[] = tenders.map((tender) => ({
    id: tender.id,
    orderId: order.id,
    locationId,
    currency: seller.currency,
    tender,
    createdAt: now,
    updatedAt: now,
    feeDue: tender.type === "CARD" ? cardFee(tender.amount) : 0n,
    fee: null,
    refundIds: [],
    refunded: 0n,
    versionToken: newVersionToken(),
    ...(offline && { offlineCreatedAt: closedAt }),
    statementName: seller.businessName.toUpperCase(),
  }));
  // With no delay the fee is there from the start (no separate update); otherwise it comes a few seconds later.
  const feeLater = core.behaviour.processingFeeDelayMs > 0;
  if (!feeLater) for (const payment of payments) if (payment.feeDue > 0n) payment.fee = { effectiveAt: now, amount: payment.feeDue };
  sales.addOrder(order);
  for (const payment of payments) sales.payments.set(payment.id, payment);

  // Stock moves as `sell` moves it: IN_STOCK → SOLD at the location, from the register, one adjustment per line.
  const touched: CountRecord[] = [];
  for (const [index, { found, lineInput }] of resolved.entries()) {
    if (!catalog.tracksInventory(found, locationId)) continue;
    const { touched: moved } = inventory.adjust(
      {
        catalogObjectId: found.id,
        fromState: "IN_STOCK",
        toState: "SOLD",
        fromLocationId: locationId,
        toLocationId: locationId,
        quantity: lineInput.quantity,
        occurredAt: closedAt,
        totalPriceMoney: { amount: Number(priced.lines[index]!.variationTotal), currency: seller.currency },
        transactionId: order.id,
        source: POINT_OF_SALE,
      },
      now,
    );
    touched.push(...moved);
  }
  core.stats.count("sales");
  core.stats.count("orders");
  if (!input.silent) {
    core.notifyInventory(merchantId, touched);
    sendOrderEvent(core, merchantId, "order.created", order);
    for (const payment of payments) sendPaymentEvent(core, merchantId, "payment.created", payment);
  }
  if (feeLater && payments.some((payment) => payment.feeDue > 0n)) core.schedule(core.behaviour.processingFeeDelayMs, () => assessFees(core, merchantId, order.id, input.silent ?? false));

  return {
    sold: true,
    order: orderWire(order, sales),
    payments: payments.map(paymentWire),
    stock: resolved.map(({ found }) => ({
      variationId: found.id,
      locationId,
      inStock: catalog.tracksInventory(found, locationId) ? quantityToNumber(inStockQuantity(core, merchantId, found.id, locationId)) : null,
    })),
  };
}

export function cardFee(total: bigint): bigint {
  return total <= 0n ? 0n : shareOf(total, CARD_FEE_PERCENT.numerator, 100n * CARD_FEE_PERCENT.denominator) + CARD_FEE_FIXED;
}

/** The tenders paying `total`, the tip on the first card tender (else the first). */
function splitTenders(inputs: TenderInput[], total: bigint, tip: bigint, createdAt: string): TenderRecord[] {
  if (inputs.length === 0 || inputs.length > 10) throw new SandboxRequestError(400, "An order has 1 to 10 tenders.");
  const open = inputs.filter((tender) => tender.amount === undefined).length;
  if (open > 1) throw new SandboxRequestError(400, "At most one tender may leave out its amount (it pays the rest).");
  const given = inputs.reduce((acc, tender, index) => acc + (tender.amount === undefined ? 0n : cents(tender.amount, `tenders[${index}].amount`)), 0n);
  if (open === 0 && given !== total) throw new SandboxRequestError(400, `The tenders pay ${given} but the order's total is ${total} (before tip).`);
  if (open === 1 && given > total) throw new SandboxRequestError(400, `The tenders' amounts (${given}) exceed the order's total (${total}).`);
  const tipIndex = Math.max(
    0,
    inputs.findIndex((tender) => tender.type === "CARD"),
  );
  return inputs.map((input, index) => {
    const base = input.amount === undefined ? total - given : BigInt(input.amount);
    const tenderTip = index === tipIndex ? tip : 0n;
    const amount = base + tenderTip;
    const card = cardFor(input.type, input.cardBrand);
    return {
      id: newPaymentId(),
      type: input.type,
      amount,
      tip: tenderTip,
      createdAt,
      ...(card && { card }),
      // The buyer hands over the next whole dollar (or the exact amount), and gets the change.
      ...(input.type === "CASH" && { cash: { tendered: ((amount + 99n) / 100n) * 100n, change: ((amount + 99n) / 100n) * 100n - amount } }),
    };
  });
}

/** The processing fees of an order's card payments appear: payment.updated for each, order.updated. */
function assessFees(core: SandboxCore, merchantId: string, orderId: string, silent: boolean): void {
  const { sales } = core.storesOf(merchantId);
  const order = sales.orders.get(orderId);
  if (!order) return;
  const now = new Date().toISOString();
  const charged: PaymentRecord[] = [];
  for (const paymentId of order.paymentIds) {
    const payment = sales.payments.get(paymentId);
    if (!payment || payment.fee || payment.feeDue === 0n) continue;
    payment.fee = { effectiveAt: now, amount: payment.feeDue };
    payment.updatedAt = now;
    payment.versionToken = newVersionToken();
    charged.push(payment);
  }
  if (charged.length === 0) return;
  touch(order, now);
  if (silent) return;
  for (const payment of charged) sendPaymentEvent(core, merchantId, "payment.updated", payment);
  sendOrderEvent(core, merchantId, "order.updated", order);
}

function saleOrder(stores: SellerStores, orderId: string): OrderRecord {
  const order = stores.sales.orders.get(orderId);
  if (!order) throw new SandboxRequestError(404, `No order ${orderId}.`);
  if (!order.priced || order.state !== "COMPLETED") throw new SandboxRequestError(400, `Order ${orderId} is not a completed sale.`);
  return order;
}

function copyReturned(soFar: ReturnedSoFar): ReturnedSoFar {
  return { quantity: soFar.quantity, variationTotal: soFar.variationTotal, discounts: new Map(soFar.discounts), taxes: new Map(soFar.taxes) };
}

/** A refund at the register: items back (a return of lines) or an amount, from the sale's payments in tender order. */
export function refundAtRegister(core: SandboxCore, merchantId: string, input: RegisterRefundInput): RefundResult {
  const stores = core.storesOf(merchantId);
  const sale = saleOrder(stores, input.orderId);
  if ((input.lines === undefined) === (input.amount === undefined)) throw new SandboxRequestError(400, "Refund either lines or an amount.");
  const priced = sale.priced!;
  let returned: { uid: string; returned: ReturnedLine }[] = [];
  let customAmount: bigint | undefined;
  const soFar = new Map([...sale.returned].map(([lineUid, entry]) => [lineUid, copyReturned(entry)]));
  if (input.lines) {
    if (input.lines.length === 0) throw new SandboxRequestError(400, "Name at least one line to return.");
    returned = input.lines.map((ref, index) => {
      const amount = quantity(ref.quantity, `lines[${index}].quantity`);
      const line = findSaleLine(core, merchantId, sale, ref, soFar, amount, index);
      const entry = soFar.get(line.input.uid) ?? nothingReturned();
      soFar.set(line.input.uid, entry);
      try {
        return { uid: uid(), returned: priceReturnedLine(priced, line, amount, entry, uid) };
      } catch (error) {
        if (error instanceof PricingError) throw new SandboxRequestError(400, `lines[${index}]: ${error.message}`);
        throw error;
      }
    });
  } else {
    customAmount = cents(input.amount!, "amount");
    if (customAmount === 0n) throw new SandboxRequestError(400, "amount must be above 0.");
  }
  const amounts: OrderTotals = customAmount !== undefined ? { total: customAmount, tax: 0n, discount: 0n, serviceCharge: 0n } : returnTotals(returned.map((entry) => entry.returned));

  // Refund from the sale's payments in tender order, each up to what is left of it.
  const allocations: { payment: PaymentRecord; amount: bigint }[] = [];
  let left = amounts.total;
  for (const paymentId of sale.paymentIds) {
    const payment = stores.sales.payments.get(paymentId);
    if (!payment || left === 0n) continue;
    const refundable = payment.tender.amount - payment.refunded;
    const take = refundable < left ? refundable : left;
    if (take > 0n) allocations.push({ payment, amount: take });
    left -= take;
  }
  if (left > 0n) throw new SandboxRequestError(400, `Only ${amounts.total - left} of ${amounts.total} is left to refund on order ${sale.id}.`);

  const result = createRefund(core, merchantId, { sale, allocations, returned, customAmount, amounts, reason: input.reason ?? "Returned goods", silent: input.silent ?? false });
  for (const [lineUid, entry] of soFar) sale.returned.set(lineUid, entry);

  // Returned items go back IN_STOCK unless the seller says not to (assumed: from SOLD, which Square does not count).
  if (input.restock !== false && returned.length > 0) {
    const now = new Date().toISOString();
    const touched: CountRecord[] = [];
    for (const { returned: line } of returned) {
      const found = line.line.input.catalogObjectId === undefined ? undefined : stores.catalog.liveVariation(line.line.input.catalogObjectId);
      if (!found || !stores.catalog.tracksInventory(found, sale.locationId)) continue;
      touched.push(
        ...stores.inventory.adjust(
          {
            catalogObjectId: found.id,
            fromState: "SOLD",
            toState: "IN_STOCK",
            fromLocationId: sale.locationId,
            toLocationId: sale.locationId,
            quantity: line.quantity,
            occurredAt: now,
            refundId: result.refunds[0]!.id,
            source: POINT_OF_SALE,
          },
          now,
        ).touched,
      );
    }
    if (!input.silent) core.notifyInventory(merchantId, touched);
  }
  return result;
}

function findSaleLine(core: SandboxCore, merchantId: string, sale: OrderRecord, ref: VariationRef & { uid?: string }, soFar: Map<string, ReturnedSoFar>, amount: Quantity, index: number) {
  const lines = sale.priced!.lines;
  if (ref.uid !== undefined) {
    const line = lines.find((entry) => entry.input.uid === ref.uid);
    if (!line) throw new SandboxRequestError(404, `lines[${index}]: order ${sale.id} has no line ${ref.uid}.`);
    return line;
  }
  const variationId = variation(core, merchantId, ref).id;
  // The first line of that variation with enough left to return.
  const line = lines.find((entry) => entry.input.catalogObjectId === variationId && entry.input.quantity - (soFar.get(entry.input.uid)?.quantity ?? 0n) >= amount);
  if (!line) throw new SandboxRequestError(400, `lines[${index}]: order ${sale.id} has no line of ${variationId} with that much left to return.`);
  return line;
}

function returnTotals(lines: ReturnedLine[]): OrderTotals {
  return lines.reduce<OrderTotals>(
    (acc, line) => ({ total: acc.total + line.total, tax: acc.tax + line.additiveTax + line.inclusiveTax, discount: acc.discount + line.discountTotal, serviceCharge: acc.serviceCharge }),
    { total: 0n, tax: 0n, discount: 0n, serviceCharge: 0n },
  );
}

interface RefundPlan {
  sale: OrderRecord;
  allocations: { payment: PaymentRecord; amount: bigint }[];
  returned: { uid: string; returned: ReturnedLine }[];
  customAmount: bigint | undefined;
  amounts: OrderTotals;
  reason: string;
  silent: boolean;
}

/**
 * Records a refund: the return order, a PaymentRefund per payment (card refunds PENDING until they complete a few
 * seconds later with their share of the processing fee given back; others COMPLETED at once), the payments' refunded
 * money; sends order.created, refund.created and payment.updated.
 */
export function createRefund(core: SandboxCore, merchantId: string, plan: RefundPlan): RefundResult {
  const { sales } = core.storesOf(merchantId);
  const now = new Date().toISOString();
  const { sale } = plan;
  const taxUids = new Map<string, string>();
  const discountUids = new Map<string, string>();
  for (const { returned } of plan.returned) {
    for (const applied of returned.taxes) if (!taxUids.has(applied.sourceUid)) taxUids.set(applied.sourceUid, uid());
    for (const applied of returned.discounts) if (!discountUids.has(applied.sourceUid)) discountUids.set(applied.sourceUid, uid());
  }
  const returnRecord: ReturnRecord = {
    uid: uid(),
    sourceOrderId: sale.id,
    sale: sale.priced!,
    lines: plan.returned,
    ...(plan.customAmount !== undefined && { customAmount: { uid: uid(), amount: plan.customAmount } }),
    taxUids,
    discountUids,
    amounts: plan.amounts,
  };
  const returnOrder: OrderRecord = {
    id: newOrderId(),
    locationId: sale.locationId,
    currency: sale.currency,
    state: "COMPLETED",
    version: 1,
    createdAt: now,
    updatedAt: now,
    closedAt: now,
    tenders: [],
    returnOf: returnRecord,
    refunds: [],
    returned: new Map(),
    paymentIds: [],
    returnOrderIds: [],
  };
  // Card refunds complete a few seconds later (at once with no delay); others are done at once.
  const completeLater = core.behaviour.processingFeeDelayMs > 0;
  const refunds: RefundRecord[] = plan.allocations.map(({ payment, amount }) => {
    const pending = payment.tender.type === "CARD" && completeLater;
    // Square gives back the fee in proportion to the amount refunded (assumed: the sandbox prorates the whole fee).
    const feeDue = -shareOf(payment.feeDue, amount, payment.tender.amount);
    return {
      id: newRefundId(payment.id),
      paymentId: payment.id,
      orderId: returnOrder.id,
      saleOrderId: sale.id,
      locationId: sale.locationId,
      currency: sale.currency,
      amount,
      status: pending ? "PENDING" : "COMPLETED",
      reason: plan.reason,
      createdAt: now,
      updatedAt: now,
      feeDue,
      fee: !pending && feeDue !== 0n ? { effectiveAt: now, amount: feeDue } : null,
      destinationType: destinationType(payment.tender.type),
    };
  });
  returnOrder.refunds = refunds.map((refund) => ({ id: refund.id, tenderId: refund.paymentId, saleOrderId: sale.id, createdAt: now, reason: plan.reason, amount: refund.amount }));
  sales.addOrder(returnOrder);
  sale.returnOrderIds.push(returnOrder.id);
  for (const refund of refunds) sales.refunds.set(refund.id, refund);
  for (const { payment, amount } of plan.allocations) {
    payment.refunded += amount;
    payment.refundIds.push(refunds.find((refund) => refund.paymentId === payment.id)!.id);
    payment.updatedAt = now;
    payment.versionToken = newVersionToken();
  }
  core.stats.count("refunds", refunds.length);
  if (!plan.silent) {
    sendOrderEvent(core, merchantId, "order.created", returnOrder);
    for (const refund of refunds) sendRefundEvent(core, merchantId, "refund.created", refund);
    for (const { payment } of plan.allocations) sendPaymentEvent(core, merchantId, "payment.updated", payment);
  }
  const pending = refunds.filter((refund) => refund.status === "PENDING");
  if (pending.length > 0) core.schedule(core.behaviour.processingFeeDelayMs, () => completeRefunds(core, merchantId, returnOrder.id, pending, plan.silent));
  return { returnOrder: orderWire(returnOrder, sales), refunds: refunds.map(refundWire) };
}

/** Card refunds complete, with the fee share given back: refund.updated for each, order.updated for the return order. */
function completeRefunds(core: SandboxCore, merchantId: string, returnOrderId: string, refunds: RefundRecord[], silent: boolean): void {
  const { sales } = core.storesOf(merchantId);
  const now = new Date().toISOString();
  for (const refund of refunds) {
    refund.status = "COMPLETED";
    if (refund.feeDue !== 0n) refund.fee = { effectiveAt: now, amount: refund.feeDue };
    refund.updatedAt = now;
  }
  const order = sales.orders.get(returnOrderId);
  if (order) touch(order, now);
  if (silent) return;
  for (const refund of refunds) sendRefundEvent(core, merchantId, "refund.updated", refund);
  if (order) sendOrderEvent(core, merchantId, "order.updated", order);
}

/** RefundPayment: a custom-amount refund of one payment (the Refunds API does not refund items). */
export function refundPayment(core: SandboxCore, merchantId: string, payment: PaymentRecord, amount: bigint, reason: string | undefined): RefundResult {
  const stores = core.storesOf(merchantId);
  const sale = stores.sales.orders.get(payment.orderId);
  if (!sale) throw new SandboxRequestError(404, `The order of payment ${payment.id} is gone.`);
  return createRefund(core, merchantId, {
    sale,
    allocations: [{ payment, amount }],
    returned: [],
    customAmount: amount,
    amounts: { total: amount, tax: 0n, discount: 0n, serviceCharge: 0n },
    reason: reason ?? "Requested by customer",
    silent: false,
  });
}

export interface GenerateSalesOptions {
  count: number;
  /** Same seed, same sales (items, quantities, tenders, tips, discounts, refunds); ids differ. */
  seed: number;
  /** How many of the sales are refunded afterwards (partly: one unit, or half the amount). Default 0. */
  refunds?: number;
  /** Default: the seller's locations in turn. */
  locationId?: string;
  /** No webhooks. Default true: a benchmark's thousands of sales would flood the app. */
  silent?: boolean;
}

export interface GeneratedSales {
  orderIds: string[];
  returnOrderIds: string[];
  /** Cents collected (tips included) and refunded. */
  collected: number;
  refunded: number;
}

/**
 * N realistic register sales for benchmarks: 1–4 lines of the location's priced variations (mostly one unit each),
 * paid by card (70%), cash (20%), gift card (5%) or card and cash (5%); a tenth with a 10% discount; a third of card
 * sales with a 15–20% tip. Stock may go negative (as Square's does). Deterministic for a seed.
 */
export function generateSales(core: SandboxCore, merchantId: string, options: GenerateSalesOptions): GeneratedSales {
  const seller = core.seller(merchantId);
  const { catalog } = core.storesOf(merchantId);
  const random = new FaultRandom(options.seed);
  const locations = options.locationId === undefined ? seller.locations.map((entry) => entry.id) : [location(core, merchantId, options.locationId)];
  const silent = options.silent ?? true;
  const result: GeneratedSales = { orderIds: [], returnOrderIds: [], collected: 0, refunded: 0 };
  const sold: { orderId: string; lineUid: string; total: number }[] = [];
  // What each location can sell: live variations with a price there.
  const sellable = new Map(
    locations.map((locationId) => [
      locationId,
      [...catalog.all()].filter((record) => record.type === "ITEM_VARIATION" && !record.is_deleted && catalog.priceAt(record, locationId) !== undefined).map((record) => record.id),
    ]),
  );
  for (let index = 0; index < options.count; index++) {
    const locationId = locations[index % locations.length]!;
    const candidates = sellable.get(locationId)!;
    if (candidates.length === 0) throw new SandboxRequestError(400, `Seller ${merchantId} has nothing with a price to sell at ${locationId}.`);
    const lineCount = 1 + pick(random, [0.55, 0.25, 0.12, 0.08]);
    const lines = Array.from({ length: lineCount }, () => ({ variationId: candidates[random.upTo(candidates.length - 1)]!, quantity: 1 + pick(random, [0.8, 0.15, 0.05]) }));
    const tenderRoll = random.next();
    const tenders: TenderInput[] =
      tenderRoll < 0.7 ? [{ type: "CARD" }] : tenderRoll < 0.9 ? [{ type: "CASH" }] : tenderRoll < 0.95 ? [{ type: "SQUARE_GIFT_CARD" }] : [{ type: "CASH", amount: 500 }, { type: "CARD" }];
    const discount = random.chance(0.1);
    const tipPercent = tenders.some((tender) => tender.type === "CARD") && random.chance(1 / 3) ? 15 + random.upTo(5) : undefined;
    const sale = (payWith: TenderInput[]) =>
      sellOrder(core, merchantId, {
        locationId,
        lines,
        tenders: payWith,
        ...(discount && { discountPercent: 10 }),
        ...(tipPercent !== undefined && { tipPercent }),
        allowNegative: true,
        silent,
      });
    let outcome: OrderSaleResult;
    try {
      outcome = sale(tenders);
    } catch (error) {
      // A split whose cash part is more than a small sale's total: the card pays it all.
      if (!(error instanceof SandboxRequestError) || tenders.length === 1) throw error;
      outcome = sale([{ type: "CARD" }]);
    }
    if (!outcome.sold) continue;
    result.orderIds.push(outcome.order.id);
    result.collected += outcome.order.total_money.amount;
    sold.push({ orderId: outcome.order.id, lineUid: outcome.order.line_items![0]!.uid, total: outcome.order.total_money.amount });
  }
  const refundCount = Math.min(options.refunds ?? 0, sold.length);
  for (const target of random.shuffle(sold).slice(0, refundCount)) {
    const itemized = random.chance(0.5);
    const refund = refundAtRegister(core, merchantId, itemized ? { orderId: target.orderId, lines: [{ uid: target.lineUid, quantity: 1 }], silent } : { orderId: target.orderId, amount: Math.max(1, Math.floor(target.total / 2)), silent });
    result.returnOrderIds.push(refund.returnOrder.id);
    result.refunded += refund.returnOrder.return_amounts.total_money.amount;
  }
  return result;
}

/** An index drawn with the given weights (they add up to 1). */
function pick(random: FaultRandom, weights: number[]): number {
  let roll = random.next();
  for (const [index, weight] of weights.entries()) {
    if (roll < weight) return index;
    roll -= weight;
  }
  return weights.length - 1;
}

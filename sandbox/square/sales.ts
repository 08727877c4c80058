import { randomBytes } from "node:crypto";
import { newBase62Id } from "./ids";
import { formatPercentage, money } from "./money";
import { pricedOrderWire, type OrderTotals, type PricedOrder, type ReturnedLine, type ReturnedSoFar } from "./order-pricing";
import { formatQuantity } from "./quantity";

/**
 * One seller's orders, payments and refunds (Orders, Payments and Refunds APIs), kept as records and turned into the
 * SDK's wire form (snake_case, only fields the SDK's `Order`, `Payment` and `PaymentRefund` schemas know) on every read.
 *
 *  - A register sale is a COMPLETED order with one tender per means of payment; each tender is a Payment (tender id =
 *    payment id, as for orders paid through the Payments API). `Tender.amount_money` includes the tender's tip, and
 *    equals the Payment's `total_money` (Tender docs); `Payment.amount_money` excludes the tip.
 *  - A refund (at the register or RefundPayment) creates a return order: `returns` (with `source_order_id`),
 *    `return_amounts`, negative `net_amounts`, `refunds` and zero `total_*` ("Both the itemized refund and custom
 *    refund create a return order", /docs/orders-api/order-returns-exchanges). The sale order itself is left as sold
 *    (assumed: Square does not document changes to it); a PaymentRefund per refunded payment points at the return
 *    order (`order_id`) and the payment (`payment_id`).
 *  - Every change to an order gives it a new `version` and `updated_at`. (Square says orders not created through the
 *    API carry no version; the sandbox numbers every order so that order webhooks can say which state they carry.)
 */

export type TenderKind = "CARD" | "CASH" | "SQUARE_GIFT_CARD" | "OTHER";
export type OrderState = "OPEN" | "COMPLETED" | "CANCELED";
export type PaymentRefundStatus = "PENDING" | "COMPLETED";

/** The name on orders taken at the register (OrderSource.name). */
export const POINT_OF_SALE_SOURCE = "Square Point of Sale";
/** Square's own Point of Sale application, as `Payment.application_details` names it. */
const POINT_OF_SALE_APPLICATION_ID = "sq0idp-TillbridgeSandboxPOS";

export interface CardInfo {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  fingerprint: string;
  bin: string;
  entryMethod: "EMV" | "CONTACTLESS" | "SWIPED" | "KEYED";
}

export interface TenderRecord {
  /** Also the payment's id. */
  id: string;
  type: TenderKind;
  /** Cents, tip included. */
  amount: bigint;
  tip: bigint;
  createdAt: string;
  card?: CardInfo;
  cash?: { tendered: bigint; change: bigint };
}

export interface RefundOnOrder {
  /** The PaymentRefund's id. */
  id: string;
  tenderId: string;
  /** The sale order the refunded tender belongs to (Refund.transaction_id). */
  saleOrderId: string;
  createdAt: string;
  reason: string;
  amount: bigint;
}

export interface ReturnRecord {
  uid: string;
  sourceOrderId: string;
  /** The sale's pricing (its taxes and discounts name the returned ones), kept even if the sale order is dropped. */
  sale: PricedOrder;
  /** Itemized returns, priced from the sale; empty for a custom-amount refund. */
  lines: { uid: string; returned: ReturnedLine }[];
  /** A refund of an amount rather than of items (item_type CUSTOM_AMOUNT). */
  customAmount?: { uid: string; amount: bigint };
  /** uids of the return's taxes and discounts, by the sale's tax/discount uid. */
  taxUids: Map<string, string>;
  discountUids: Map<string, string>;
  amounts: OrderTotals;
}

export interface OrderRecord {
  id: string;
  locationId: string;
  currency: string;
  state: OrderState;
  version: number;
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
  /** A sale's priced line items, taxes, discounts and charges; undefined for a return order. */
  priced?: PricedOrder;
  tenders: TenderRecord[];
  /** The return this order is (return orders only). */
  returnOf?: ReturnRecord;
  refunds: RefundOnOrder[];
  /** How much of each sale line has been returned so far, by line uid. */
  returned: Map<string, ReturnedSoFar>;
  paymentIds: string[];
  /** Return orders created from this sale. */
  returnOrderIds: string[];
}

export interface ProcessingFeeRecord {
  effectiveAt: string;
  /** Positive: charged to the seller; negative: given back. */
  amount: bigint;
}

export interface PaymentRecord {
  id: string;
  orderId: string;
  locationId: string;
  currency: string;
  tender: TenderRecord;
  createdAt: string;
  updatedAt: string;
  /** What Square will charge (computed at the sale); shown once `fee` is set, a few seconds later. */
  feeDue: bigint;
  fee: ProcessingFeeRecord | null;
  refundIds: string[];
  refunded: bigint;
  versionToken: string;
  /** When the register took it offline (device time), for late uploads. */
  offlineCreatedAt?: string;
  statementName: string;
}

export interface RefundRecord {
  id: string;
  paymentId: string;
  /** The return order. */
  orderId: string;
  saleOrderId: string;
  locationId: string;
  currency: string;
  amount: bigint;
  status: PaymentRefundStatus;
  reason: string;
  createdAt: string;
  updatedAt: string;
  /** The share of the payment's processing fee given back (negative), once the refund completes. */
  feeDue: bigint;
  fee: ProcessingFeeRecord | null;
  destinationType: string;
}

/** Orders kept per seller: enough for benchmarks; the oldest go first, with their payments and refunds. */
const MAX_ORDERS = 100_000;

export function newVersionToken(): string {
  return randomBytes(24).toString("base64url");
}

export class SalesStore {
  readonly orders = new Map<string, OrderRecord>();
  readonly payments = new Map<string, PaymentRecord>();
  readonly refunds = new Map<string, RefundRecord>();

  addOrder(order: OrderRecord): void {
    this.orders.set(order.id, order);
    for (const oldest of this.orders.values()) {
      if (this.orders.size <= MAX_ORDERS) break;
      this.orders.delete(oldest.id);
      for (const paymentId of oldest.paymentIds) {
        for (const refundId of this.payments.get(paymentId)?.refundIds ?? []) this.refunds.delete(refundId);
        this.payments.delete(paymentId);
      }
    }
  }

  clear(): void {
    this.orders.clear();
    this.payments.clear();
    this.refunds.clear();
  }
}

export function newOrderId(): string {
  return newBase62Id(29);
}

export function newPaymentId(): string {
  return newBase62Id(29);
}

/** Square's refund ids are the payment's id, an underscore and a longer suffix (PaymentRefund examples). */
export function newRefundId(paymentId: string): string {
  return `${paymentId}_${newBase62Id(45)}`;
}

function tenderWire(order: OrderRecord, tender: TenderRecord, payment: PaymentRecord | undefined) {
  const m = (amount: bigint) => money(amount, order.currency);
  return {
    id: tender.id,
    location_id: order.locationId,
    transaction_id: order.id,
    created_at: tender.createdAt,
    amount_money: m(tender.amount),
    ...(tender.tip > 0n && { tip_money: m(tender.tip) }),
    // Not immediately populated: "usually available after about ten seconds" (Tender docs).
    ...(payment?.fee && { processing_fee_money: m(payment.fee.amount) }),
    type: tender.type,
    ...(tender.card && {
      card_details: { status: "CAPTURED", card: { card_brand: tender.card.brand, last_4: tender.card.last4, fingerprint: tender.card.fingerprint }, entry_method: tender.card.entryMethod },
    }),
    ...(tender.cash && { cash_details: { buyer_tendered_money: m(tender.cash.tendered), change_back_money: m(tender.cash.change) } }),
    payment_id: tender.id,
  };
}

function amountsWire(amounts: OrderTotals & { tip: bigint }, currency: string, sign = 1n) {
  const m = (amount: bigint) => money(amount * sign, currency);
  return { total_money: m(amounts.total), tax_money: m(amounts.tax), discount_money: m(amounts.discount), tip_money: m(amounts.tip), service_charge_money: m(amounts.serviceCharge) };
}

function refundOnOrderWire(order: OrderRecord, refund: RefundOnOrder, record: RefundRecord | undefined) {
  return {
    id: refund.id,
    location_id: order.locationId,
    transaction_id: refund.saleOrderId,
    tender_id: refund.tenderId,
    created_at: refund.createdAt,
    reason: refund.reason,
    amount_money: money(refund.amount, order.currency),
    // RefundStatus has no COMPLETED: a completed refund is APPROVED.
    status: record?.status === "COMPLETED" ? "APPROVED" : "PENDING",
    // "The amount of Square processing fee money refunded to the merchant": positive, as the legacy examples show.
    ...(record?.fee && { processing_fee_money: money(-record.fee.amount, order.currency) }),
  };
}

function returnWire(order: OrderRecord, record: ReturnRecord) {
  const m = (amount: bigint) => money(amount, order.currency);
  const saleTaxes = record.sale.taxes;
  const saleDiscounts = record.sale.discounts;
  const returnLineItems = record.lines.map(({ uid, returned }) => ({
    uid,
    source_line_item_uid: returned.line.input.uid,
    name: returned.line.input.name,
    quantity: formatQuantity(returned.quantity),
    ...(returned.line.input.catalogObjectId !== undefined && { catalog_object_id: returned.line.input.catalogObjectId }),
    ...(returned.line.input.catalogVersion !== undefined && { catalog_version: returned.line.input.catalogVersion }),
    ...(returned.line.input.variationName !== undefined && { variation_name: returned.line.input.variationName }),
    item_type: returned.line.input.itemType,
    ...(returned.taxes.length > 0 && {
      applied_taxes: returned.taxes.map((applied) => ({ uid: applied.uid, tax_uid: record.taxUids.get(applied.sourceUid)!, applied_money: m(applied.amount) })),
    }),
    ...(returned.discounts.length > 0 && {
      applied_discounts: returned.discounts.map((applied) => ({ uid: applied.uid, discount_uid: record.discountUids.get(applied.sourceUid)!, applied_money: m(applied.amount) })),
    }),
    base_price_money: m(returned.line.input.basePrice),
    variation_total_price_money: m(returned.variationTotal),
    gross_return_money: m(returned.grossReturn),
    total_tax_money: m(returned.additiveTax + returned.inclusiveTax),
    total_discount_money: m(returned.discountTotal),
    total_money: m(returned.total),
    total_service_charge_money: m(0n),
  }));
  if (record.customAmount) {
    const amount = record.customAmount.amount;
    returnLineItems.push({
      uid: record.customAmount.uid,
      name: "Custom Amount",
      quantity: "1",
      item_type: "CUSTOM_AMOUNT",
      base_price_money: m(amount),
      variation_total_price_money: m(amount),
      gross_return_money: m(amount),
      total_tax_money: m(0n),
      total_discount_money: m(0n),
      total_money: m(amount),
      total_service_charge_money: m(0n),
    } as (typeof returnLineItems)[number]);
  }
  const taxAmount = (saleUid: string) => record.lines.reduce((acc, { returned }) => acc + returned.taxes.filter((entry) => entry.sourceUid === saleUid).reduce((inner, entry) => inner + entry.amount, 0n), 0n);
  const discountAmount = (saleUid: string) =>
    record.lines.reduce((acc, { returned }) => acc + returned.discounts.filter((entry) => entry.sourceUid === saleUid).reduce((inner, entry) => inner + entry.amount, 0n), 0n);
  const returnTaxes = [...record.taxUids].map(([saleUid, uid]) => {
    const tax = saleTaxes.find((entry) => entry.input.uid === saleUid)!.input;
    return { uid, source_tax_uid: saleUid, name: tax.name, type: tax.type, percentage: formatPercentage(tax.percentage), applied_money: m(taxAmount(saleUid)), scope: tax.scope };
  });
  const returnDiscounts = [...record.discountUids].map(([saleUid, uid]) => {
    const discount = saleDiscounts.find((entry) => entry.input.uid === saleUid)!.input;
    return {
      uid,
      source_discount_uid: saleUid,
      name: discount.name,
      type: discount.percentage ? "FIXED_PERCENTAGE" : "FIXED_AMOUNT",
      ...(discount.percentage && { percentage: formatPercentage(discount.percentage) }),
      ...(discount.amount !== undefined && { amount_money: m(discount.amount) }),
      applied_money: m(discountAmount(saleUid)),
      scope: discount.scope,
    };
  });
  return {
    uid: record.uid,
    source_order_id: record.sourceOrderId,
    return_line_items: returnLineItems,
    ...(returnTaxes.length > 0 && { return_taxes: returnTaxes }),
    ...(returnDiscounts.length > 0 && { return_discounts: returnDiscounts }),
    return_amounts: amountsWire({ ...record.amounts, tip: 0n }, order.currency),
  };
}

/** The Order as the API answers it; `store` gives the payments and refunds it shows. */
export function orderWire(order: OrderRecord, store: SalesStore) {
  const m = (amount: bigint) => money(amount, order.currency);
  const zero = { total: 0n, tax: 0n, discount: 0n, serviceCharge: 0n, tip: 0n };
  const tip = order.tenders.reduce((acc, tender) => acc + tender.tip, 0n);
  const sold = order.priced ? { ...order.priced.totals, total: order.priced.totals.total + tip, tip } : zero;
  const returned = order.returnOf ? { ...order.returnOf.amounts, tip: 0n } : zero;
  const net = {
    total: sold.total - returned.total,
    tax: sold.tax - returned.tax,
    discount: sold.discount - returned.discount,
    serviceCharge: sold.serviceCharge - returned.serviceCharge,
    tip: sold.tip - returned.tip,
  };
  return {
    id: order.id,
    location_id: order.locationId,
    source: { name: POINT_OF_SALE_SOURCE },
    ...(order.priced && pricedOrderWire(order.priced)),
    ...(order.returnOf && { returns: [returnWire(order, order.returnOf)] }),
    return_amounts: amountsWire(returned, order.currency),
    net_amounts: amountsWire(net, order.currency),
    ...(order.tenders.length > 0 && { tenders: order.tenders.map((tender) => tenderWire(order, tender, store.payments.get(tender.id))) }),
    ...(order.refunds.length > 0 && { refunds: order.refunds.map((refund) => refundOnOrderWire(order, refund, store.refunds.get(refund.id))) }),
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    ...(order.closedAt !== undefined && { closed_at: order.closedAt }),
    state: order.state,
    version: order.version,
    total_money: m(sold.total),
    total_tax_money: m(sold.tax),
    total_discount_money: m(sold.discount),
    total_tip_money: m(sold.tip),
    total_service_charge_money: m(sold.serviceCharge),
    net_amount_due_money: m(0n),
  };
}

export type OrderWire = ReturnType<typeof orderWire>;

function sourceType(type: TenderKind): string {
  // A Square gift card is a card payment (card brand SQUARE_GIFT_CARD); other tenders are EXTERNAL payments.
  return type === "CASH" ? "CASH" : type === "OTHER" ? "EXTERNAL" : "CARD";
}

/** The Payment as the API answers it. */
export function paymentWire(payment: PaymentRecord) {
  const m = (amount: bigint) => money(amount, payment.currency);
  const { tender } = payment;
  const capturedAt = payment.offlineCreatedAt ?? payment.createdAt;
  return {
    id: payment.id,
    created_at: payment.createdAt,
    updated_at: payment.updatedAt,
    amount_money: m(tender.amount - tender.tip),
    ...(tender.tip > 0n && { tip_money: m(tender.tip) }),
    total_money: m(tender.amount),
    approved_money: m(tender.amount),
    ...(payment.fee && { processing_fee: [processingFeeWire(payment.fee, payment.currency)] }),
    ...(payment.refunded > 0n && { refunded_money: m(payment.refunded) }),
    status: "COMPLETED",
    source_type: sourceType(tender.type),
    ...(tender.card && {
      card_details: {
        status: "CAPTURED",
        card: {
          card_brand: tender.card.brand,
          last_4: tender.card.last4,
          exp_month: tender.card.expMonth,
          exp_year: tender.card.expYear,
          fingerprint: tender.card.fingerprint,
          card_type: tender.type === "SQUARE_GIFT_CARD" ? "UNKNOWN_CARD_TYPE" : "CREDIT",
          prepaid_type: tender.type === "SQUARE_GIFT_CARD" ? "PREPAID" : "NOT_PREPAID",
          bin: tender.card.bin,
        },
        entry_method: tender.card.entryMethod,
        cvv_status: "CVV_NOT_CHECKED",
        avs_status: "AVS_NOT_CHECKED",
        statement_description: `SQ *${payment.statementName}`.slice(0, 22),
        card_payment_timeline: { authorized_at: capturedAt, captured_at: capturedAt },
      },
    }),
    ...(tender.cash && { cash_details: { buyer_supplied_money: m(tender.cash.tendered), change_back_money: m(tender.cash.change) } }),
    ...(tender.type === "OTHER" && { external_details: { type: "OTHER", source: "Other tender at the register" } }),
    location_id: payment.locationId,
    order_id: payment.orderId,
    ...(payment.refundIds.length > 0 && { refund_ids: [...payment.refundIds] }),
    receipt_number: payment.id.slice(0, 4),
    application_details: { square_product: "SQUARE_POS", application_id: POINT_OF_SALE_APPLICATION_ID },
    ...(payment.offlineCreatedAt !== undefined && { is_offline_payment: true, offline_payment_details: { client_created_at: payment.offlineCreatedAt } }),
    version_token: payment.versionToken,
  };
}

export type PaymentWire = ReturnType<typeof paymentWire>;

function processingFeeWire(fee: ProcessingFeeRecord, currency: string) {
  return { effective_at: fee.effectiveAt, type: "INITIAL", amount_money: money(fee.amount, currency) };
}

/** The PaymentRefund as the API answers it. */
export function refundWire(refund: RefundRecord) {
  return {
    id: refund.id,
    status: refund.status,
    location_id: refund.locationId,
    unlinked: false,
    destination_type: refund.destinationType,
    amount_money: money(refund.amount, refund.currency),
    ...(refund.fee && { processing_fee: [processingFeeWire(refund.fee, refund.currency)] }),
    payment_id: refund.paymentId,
    order_id: refund.orderId,
    reason: refund.reason,
    created_at: refund.createdAt,
    updated_at: refund.updatedAt,
  };
}

export type RefundWire = ReturnType<typeof refundWire>;

export function destinationType(type: TenderKind): string {
  return sourceType(type);
}

import { addPairs, sharePair, subtractPairs, sumPairs, ZERO, type MoneyPair } from "./money";
import type { LineItemRecord, OrderRecord, RefundRecord, ShippingLineRecord, TaxLineRecord, TransactionRecord } from "./store";

/**
 * An order's totals, each the sum of the order's stored parts, in both currencies. Meanings follow the 2026-10
 * schema's field descriptions:
 *  - subtotal: the line items after all discounts, before returns (with tax when taxes are included);
 *  - total: subtotal + shipping + tax (unless included) + tips;
 *  - received / refunded: successful sale / refund transactions; net payment: received − refunded;
 *  - current*: after returns, i.e. without the refunded units, their tax and discount, and refunded shipping.
 * A refund of units takes the cumulative share of each line amount (see money.ts `share`), so refunding a whole
 * line, a few units at a time, returns exactly the line's amounts.
 */

export type FinancialStatus = "PAID" | "PARTIALLY_REFUNDED" | "REFUNDED";

export function lineOriginalTotal(line: LineItemRecord): MoneyPair {
  return { shop: line.unitPrice.shop * line.quantity, presentment: line.unitPrice.presentment * line.quantity };
}

/** The line after the order-level discount, for its whole quantity (tax included when the order includes taxes). */
export function lineDiscountedTotal(line: LineItemRecord): MoneyPair {
  return subtractPairs(lineOriginalTotal(line), line.discountAllocation);
}

export function taxOf(taxLines: TaxLineRecord[]): MoneyPair {
  return sumPairs(taxLines.map((taxLine) => taxLine.amount));
}

export function refundedQuantity(order: OrderRecord, line: LineItemRecord): number {
  return order.refunds.reduce((sum, refund) => sum + refund.lineItems.filter((item) => item.lineItemId === line.id).reduce((total, item) => total + item.quantity, 0), 0);
}

/** A line amount for the units not refunded: the amount less the refunded units' cumulative share. */
export function remainingShare(order: OrderRecord, line: LineItemRecord, amount: MoneyPair): MoneyPair {
  return subtractPairs(amount, sharePair(amount, refundedQuantity(order, line), line.quantity));
}

export function refundedShipping(order: OrderRecord, shippingLine?: ShippingLineRecord): { subtotal: MoneyPair; tax: MoneyPair } {
  const parts = order.refunds.flatMap((refund) => refund.shippingLines).filter((part) => !shippingLine || part.shippingLineId === shippingLine.id);
  return { subtotal: sumPairs(parts.map((part) => part.subtotal)), tax: sumPairs(parts.map((part) => part.tax)) };
}

export function transactionsOf(order: OrderRecord, refund: RefundRecord): TransactionRecord[] {
  return refund.transactionIds.flatMap((id) => order.transactions.find((transaction) => transaction.id === id) ?? []);
}

export function refundTotal(order: OrderRecord, refund: RefundRecord): MoneyPair {
  return sumPairs(transactionsOf(order, refund).map((transaction) => transaction.amount));
}

/** Tax lines with the same title and rate added together, in first-seen order (Order.taxLines). */
function aggregateTaxLines(taxLines: TaxLineRecord[]): TaxLineRecord[] {
  const byKey = new Map<string, TaxLineRecord>();
  for (const taxLine of taxLines) {
    const key = `${taxLine.title}\n${taxLine.rate}`;
    const existing = byKey.get(key);
    byKey.set(key, existing ? { ...existing, amount: addPairs(existing.amount, taxLine.amount) } : { ...taxLine });
  }
  return [...byKey.values()];
}

export interface OrderTotals {
  /** Line items before discounts (REST total_line_items_price). */
  lineItems: MoneyPair;
  subtotal: MoneyPair;
  discounts: MoneyPair;
  shipping: MoneyPair;
  tax: MoneyPair;
  tip: MoneyPair;
  total: MoneyPair;
  taxLines: TaxLineRecord[];
  received: MoneyPair;
  refunded: MoneyPair;
  netPayment: MoneyPair;
  refundedShipping: MoneyPair;
  /** Suggested minus actual refund amounts: negative in the customer's favour. */
  refundDiscrepancy: MoneyPair;
  outstanding: MoneyPair;
  current: {
    subtotal: MoneyPair;
    discounts: MoneyPair;
    shipping: MoneyPair;
    tax: MoneyPair;
    total: MoneyPair;
    taxLines: TaxLineRecord[];
    lineItemsQuantity: number;
  };
  lineItemsQuantity: number;
  financialStatus: FinancialStatus;
}

export function orderTotals(order: OrderRecord): OrderTotals {
  const lines = order.lineItems;
  const lineItems = sumPairs(lines.map(lineOriginalTotal));
  const discounts = sumPairs(lines.map((line) => line.discountAllocation));
  const subtotal = subtractPairs(lineItems, discounts);
  const shipping = sumPairs(order.shippingLines.map((line) => line.price));
  const taxLines = aggregateTaxLines([...lines.flatMap((line) => line.taxLines), ...order.shippingLines.flatMap((line) => line.taxLines)]);
  const tax = taxOf(taxLines);
  const included = order.taxesIncluded;
  const total = addPairs(subtotal, shipping, included ? ZERO : tax, order.tip);

  const successful = (kind: TransactionRecord["kind"]) => sumPairs(order.transactions.filter((transaction) => transaction.kind === kind).map((transaction) => transaction.amount));
  const received = successful("SALE");
  const refunded = successful("REFUND");
  const netPayment = subtractPairs(received, refunded);

  const shippingRefunds = refundedShipping(order);
  const currentLineTaxLines = lines.flatMap((line) => line.taxLines.map((taxLine) => ({ ...taxLine, amount: remainingShare(order, line, taxLine.amount) })));
  const currentShippingTaxLines = order.shippingLines.flatMap((line) => {
    const refundedTax = refundedShipping(order, line).tax;
    // The sandbox gives a shipping line at most one tax line, so its refunded tax is that line's.
    return line.taxLines.map((taxLine) => ({ ...taxLine, amount: subtractPairs(taxLine.amount, refundedTax) }));
  });
  const currentTaxLines = aggregateTaxLines([...currentLineTaxLines, ...currentShippingTaxLines]);
  const currentTax = taxOf(currentTaxLines);
  const currentSubtotal = sumPairs(lines.map((line) => remainingShare(order, line, lineDiscountedTotal(line))));
  const currentDiscounts = sumPairs(lines.map((line) => remainingShare(order, line, line.discountAllocation)));
  const currentShipping = subtractPairs(shipping, shippingRefunds.subtotal);
  const currentTotal = addPairs(currentSubtotal, currentShipping, included ? ZERO : currentTax, order.tip);
  const refundDiscrepancy = sumPairs(order.refunds.flatMap((refund) => refund.adjustments.map((adjustment) => adjustment.amount)));

  const quantity = lines.reduce((sum, line) => sum + line.quantity, 0);
  const currentQuantity = lines.reduce((sum, line) => sum + line.quantity - refundedQuantity(order, line), 0);
  const financialStatus: FinancialStatus = refunded.presentment === 0 ? "PAID" : refunded.presentment >= received.presentment ? "REFUNDED" : "PARTIALLY_REFUNDED";

  return {
    lineItems,
    subtotal,
    discounts,
    shipping,
    tax,
    tip: order.tip,
    total,
    taxLines,
    received,
    refunded,
    netPayment,
    refundedShipping: shippingRefunds.subtotal,
    refundDiscrepancy,
    outstanding: addPairs(subtractPairs(currentTotal, netPayment), refundDiscrepancy),
    current: { subtotal: currentSubtotal, discounts: currentDiscounts, shipping: currentShipping, tax: currentTax, total: currentTotal, taxLines: currentTaxLines, lineItemsQuantity: currentQuantity },
    lineItemsQuantity: quantity,
    financialStatus,
  };
}

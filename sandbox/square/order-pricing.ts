import { apportion, formatPercentage, includedPercentOf, money, percentOf, roundHalfEven, shareOf, type Fraction } from "./money";
import { formatQuantity, type Quantity } from "./quantity";

/**
 * How Square prices an order, as a pure calculation (no ids, no clock): line items, then discounts, then service
 * charges of the subtotal phase, then taxes, then service charges of the total phase (Square's "Order Price
 * Adjustments", "Order Discounts", "Order Taxes" and "Order Service Charges" guides), every amount in cents, rounded
 * half to even (money.ts).
 *
 *  - A line's `variation_total_price_money` is base price × quantity.
 *  - LINE_ITEM-scoped taxes and discounts are computed per line item they apply to ("item-level … calculated and
 *    applied to one or more individual items"), each rounded on its own.
 *  - ORDER-scoped ones are computed once on the order's amount and "distributed proportionally to each item as
 *    apportioned taxes" (or discounts): the line shares add up to the rounded order amount exactly; where the odd cent
 *    lands is assumed (largest remainder, money.ts `apportion`). A fixed-amount ORDER discount is distributed the same
 *    way (OrderLineItemTax: "distributed across all non-zero line item totals … relative to the amount the item
 *    contributes to the order subtotal").
 *  - Taxes apply to the amount left after discounts. ADDITIVE taxes add to the total; INCLUSIVE taxes are contained
 *    in the price (tax = amount × p / (100 + p)) and, for sellers in the US, Canada and Japan, are deducted from
 *    `gross_sales_money` (OrderLineItem.gross_sales_money).
 *  - Several discounts stack: each applies to what the earlier ones left (assumed), never below zero.
 *  - A taxable service charge must be in the subtotal phase (Square refuses TOTAL_PHASE taxable ones) and is taxed by
 *    the ORDER-scoped taxes; a total-phase charge applies to the subtotal after discounts plus additive taxes.
 *    `total_service_charge_money` is the sum of the charges' `applied_money` (Order docs).
 *
 * Returns are priced from the sale: a returned quantity gets the same share of each of the line's amounts, and the
 * return that takes a line's last units gets what is left, so that returns of a whole line add up to the sale to the
 * cent (assumed; Square does not document its proration).
 */

export type TaxType = "ADDITIVE" | "INCLUSIVE";
export type AdjustmentScope = "ORDER" | "LINE_ITEM";
export type ServiceChargePhase = "SUBTOTAL_PHASE" | "TOTAL_PHASE";

export interface LineInput {
  uid: string;
  name: string;
  variationName?: string;
  catalogObjectId?: string;
  catalogVersion?: number;
  itemType: "ITEM" | "CUSTOM_AMOUNT";
  quantity: Quantity;
  /** Price of one unit, in cents. */
  basePrice: bigint;
  /** Whether ORDER-scoped taxes apply to it (the catalog item's `is_taxable`). */
  taxable: boolean;
  /** uids of the LINE_ITEM-scoped taxes and discounts it carries. */
  taxUids?: string[];
  discountUids?: string[];
}

export interface TaxInput {
  uid: string;
  name: string;
  type: TaxType;
  percentage: Fraction;
  scope: AdjustmentScope;
}

export interface DiscountInput {
  uid: string;
  name: string;
  scope: AdjustmentScope;
  percentage?: Fraction;
  /** Cents; exactly one of percentage and amount. */
  amount?: bigint;
}

export interface ServiceChargeInput {
  uid: string;
  name: string;
  percentage?: Fraction;
  amount?: bigint;
  phase: ServiceChargePhase;
  taxable: boolean;
}

export interface OrderPricingInput {
  currency: string;
  /** US, CA and JP take inclusive tax out of gross sales. */
  country: string;
  lines: LineInput[];
  taxes?: TaxInput[];
  discounts?: DiscountInput[];
  serviceCharges?: ServiceChargeInput[];
}

/** One tax, discount or service charge applied to a line (or a charge), with the uid of its own application. */
export interface Applied {
  uid: string;
  /** The tax's or discount's uid. */
  sourceUid: string;
  amount: bigint;
}

export interface PricedLine {
  input: LineInput;
  variationTotal: bigint;
  discounts: Applied[];
  taxes: Applied[];
  discountTotal: bigint;
  additiveTax: bigint;
  inclusiveTax: bigint;
  grossSales: bigint;
  total: bigint;
}

export interface PricedServiceCharge {
  input: ServiceChargeInput;
  applied: bigint;
  taxes: Applied[];
  additiveTax: bigint;
  inclusiveTax: bigint;
  total: bigint;
}

export interface OrderTotals {
  total: bigint;
  tax: bigint;
  discount: bigint;
  serviceCharge: bigint;
}

export interface PricedOrder {
  currency: string;
  grossExcludesInclusiveTax: boolean;
  lines: PricedLine[];
  taxes: { input: TaxInput; applied: bigint }[];
  discounts: { input: DiscountInput; applied: bigint }[];
  serviceCharges: PricedServiceCharge[];
  /** Before tips: tenders add those. */
  totals: OrderTotals;
}

const QUANTITY_SCALE = 100_000n;
const sum = (values: readonly bigint[]) => values.reduce((acc, value) => acc + value, 0n);

export class PricingError extends Error {}

/** Generates the uid of each applied tax or discount; injected so the calculation stays pure. */
export type UidSource = () => string;

export function priceOrder(input: OrderPricingInput, newUid: UidSource): PricedOrder {
  const taxes = input.taxes ?? [];
  const discounts = input.discounts ?? [];
  const charges = input.serviceCharges ?? [];
  for (const line of input.lines) {
    if (line.quantity <= 0n) throw new PricingError(`Line ${line.uid}: quantity must be above 0.`);
    if (line.basePrice < 0n) throw new PricingError(`Line ${line.uid}: price must not be negative.`);
    for (const uid of line.taxUids ?? []) if (!taxes.some((tax) => tax.uid === uid && tax.scope === "LINE_ITEM")) throw new PricingError(`Line ${line.uid}: no LINE_ITEM tax ${uid}.`);
    for (const uid of line.discountUids ?? []) if (!discounts.some((discount) => discount.uid === uid && discount.scope === "LINE_ITEM")) throw new PricingError(`Line ${line.uid}: no LINE_ITEM discount ${uid}.`);
  }
  for (const discount of discounts) if ((discount.percentage === undefined) === (discount.amount === undefined)) throw new PricingError(`Discount ${discount.uid}: set exactly one of percentage and amount.`);
  for (const charge of charges) {
    if ((charge.percentage === undefined) === (charge.amount === undefined)) throw new PricingError(`Service charge ${charge.uid}: set exactly one of percentage and amount.`);
    if (charge.taxable && charge.phase === "TOTAL_PHASE") throw new PricingError(`Service charge ${charge.uid}: a TOTAL_PHASE charge cannot be taxable.`);
  }

  const lines: PricedLine[] = input.lines.map((line) => {
    const variationTotal = roundHalfEven(line.basePrice * line.quantity, QUANTITY_SCALE);
    return { input: line, variationTotal, discounts: [], taxes: [], discountTotal: 0n, additiveTax: 0n, inclusiveTax: 0n, grossSales: 0n, total: 0n };
  });

  // Discounts, in the order given, each on what the earlier ones left.
  const pricedDiscounts = discounts.map((discount) => {
    const participants = lines.filter((line) => (discount.scope === "ORDER" ? true : (line.input.discountUids ?? []).includes(discount.uid)));
    const bases = participants.map((line) => line.variationTotal - line.discountTotal);
    let shares: bigint[];
    if (discount.scope === "LINE_ITEM") {
      shares = bases.map((base) => (discount.percentage ? percentOf(base, discount.percentage) : minimum(discount.amount!, base)));
    } else {
      const whole = sum(bases);
      const total = discount.percentage ? percentOf(whole, discount.percentage) : minimum(discount.amount!, whole);
      shares = apportion(total, bases);
    }
    participants.forEach((line, index) => {
      const amount = shares[index]!;
      line.discounts.push({ uid: newUid(), sourceUid: discount.uid, amount });
      line.discountTotal += amount;
    });
    return { input: discount, applied: sum(shares) };
  });

  const subtotal = sum(lines.map((line) => line.variationTotal - line.discountTotal));
  const pricedCharges: PricedServiceCharge[] = charges.map((charge) => ({ input: charge, applied: 0n, taxes: [], additiveTax: 0n, inclusiveTax: 0n, total: 0n }));
  for (const charge of pricedCharges) {
    if (charge.input.phase !== "SUBTOTAL_PHASE") continue;
    charge.applied = charge.input.percentage ? percentOf(subtotal, charge.input.percentage) : charge.input.amount!;
  }

  // Taxes on what is left after discounts; ORDER-scoped ones also on taxable subtotal-phase charges.
  const pricedTaxes = taxes.map((tax) => {
    const taxOf = (base: bigint) => (tax.type === "ADDITIVE" ? percentOf(base, tax.percentage) : includedPercentOf(base, tax.percentage));
    const participants: { base: bigint; record: (amount: bigint) => void }[] = [];
    const record = (target: { taxes: Applied[]; additiveTax: bigint; inclusiveTax: bigint }) => (amount: bigint) => {
      target.taxes.push({ uid: newUid(), sourceUid: tax.uid, amount });
      if (tax.type === "ADDITIVE") target.additiveTax += amount;
      else target.inclusiveTax += amount;
    };
    for (const line of lines) {
      const applies = tax.scope === "ORDER" ? line.input.taxable : (line.input.taxUids ?? []).includes(tax.uid);
      if (applies) participants.push({ base: line.variationTotal - line.discountTotal, record: record(line) });
    }
    if (tax.scope === "ORDER") for (const charge of pricedCharges) if (charge.input.taxable) participants.push({ base: charge.applied, record: record(charge) });
    const shares = tax.scope === "LINE_ITEM" ? participants.map((entry) => taxOf(entry.base)) : apportion(taxOf(sum(participants.map((entry) => entry.base))), participants.map((entry) => entry.base));
    participants.forEach((entry, index) => entry.record(shares[index]!));
    return { input: tax, applied: sum(shares) };
  });

  const grossExcludesInclusiveTax = ["US", "CA", "JP"].includes(input.country);
  for (const line of lines) {
    line.grossSales = line.variationTotal - (grossExcludesInclusiveTax ? line.inclusiveTax : 0n);
    line.total = line.variationTotal - line.discountTotal + line.additiveTax;
  }
  for (const charge of pricedCharges) {
    if (charge.input.phase !== "SUBTOTAL_PHASE") continue;
    charge.total = charge.applied + charge.additiveTax;
  }
  const beforeTotalPhase = sum(lines.map((line) => line.total)) + sum(pricedCharges.map((charge) => charge.total));
  for (const charge of pricedCharges) {
    if (charge.input.phase !== "TOTAL_PHASE") continue;
    charge.applied = charge.input.percentage ? percentOf(beforeTotalPhase, charge.input.percentage) : charge.input.amount!;
    charge.total = charge.applied;
  }

  const totals: OrderTotals = {
    total: sum(lines.map((line) => line.total)) + sum(pricedCharges.map((charge) => charge.total)),
    tax: sum(lines.map((line) => line.additiveTax + line.inclusiveTax)) + sum(pricedCharges.map((charge) => charge.additiveTax + charge.inclusiveTax)),
    discount: sum(lines.map((line) => line.discountTotal)),
    serviceCharge: sum(pricedCharges.map((charge) => charge.applied)),
  };
  return { currency: input.currency, grossExcludesInclusiveTax, lines, taxes: pricedTaxes, discounts: pricedDiscounts, serviceCharges: pricedCharges, totals };
}

function minimum(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** The wire form (snake_case, SDK field names) of a priced order's line items, taxes, discounts and charges. */
export function pricedOrderWire(priced: PricedOrder) {
  const m = (amount: bigint) => money(amount, priced.currency);
  return {
    line_items: priced.lines.map((line) => ({
      uid: line.input.uid,
      name: line.input.name,
      quantity: formatQuantity(line.input.quantity),
      ...(line.input.catalogObjectId !== undefined && { catalog_object_id: line.input.catalogObjectId }),
      ...(line.input.catalogVersion !== undefined && { catalog_version: line.input.catalogVersion }),
      ...(line.input.variationName !== undefined && { variation_name: line.input.variationName }),
      item_type: line.input.itemType,
      ...(line.taxes.length > 0 && { applied_taxes: line.taxes.map((applied) => ({ uid: applied.uid, tax_uid: applied.sourceUid, applied_money: m(applied.amount) })) }),
      ...(line.discounts.length > 0 && {
        applied_discounts: line.discounts.map((applied) => ({ uid: applied.uid, discount_uid: applied.sourceUid, applied_money: m(applied.amount) })),
      }),
      base_price_money: m(line.input.basePrice),
      variation_total_price_money: m(line.variationTotal),
      gross_sales_money: m(line.grossSales),
      total_tax_money: m(line.additiveTax + line.inclusiveTax),
      total_discount_money: m(line.discountTotal),
      total_money: m(line.total),
      total_service_charge_money: m(0n),
    })),
    ...(priced.taxes.length > 0 && {
      taxes: priced.taxes.map(({ input, applied }) => ({
        uid: input.uid,
        name: input.name,
        type: input.type,
        percentage: formatPercentage(input.percentage),
        applied_money: m(applied),
        scope: input.scope,
      })),
    }),
    ...(priced.discounts.length > 0 && {
      discounts: priced.discounts.map(({ input, applied }) => ({
        uid: input.uid,
        name: input.name,
        type: input.percentage ? "FIXED_PERCENTAGE" : "FIXED_AMOUNT",
        ...(input.percentage && { percentage: formatPercentage(input.percentage) }),
        ...(input.amount !== undefined && { amount_money: m(input.amount) }),
        applied_money: m(applied),
        scope: input.scope,
      })),
    }),
    ...(priced.serviceCharges.length > 0 && {
      service_charges: priced.serviceCharges.map((charge) => ({
        uid: charge.input.uid,
        name: charge.input.name,
        ...(charge.input.percentage && { percentage: formatPercentage(charge.input.percentage) }),
        ...(charge.input.amount !== undefined && { amount_money: m(charge.input.amount) }),
        applied_money: m(charge.applied),
        total_money: m(charge.total),
        total_tax_money: m(charge.additiveTax + charge.inclusiveTax),
        calculation_phase: charge.input.phase,
        taxable: charge.input.taxable,
        ...(charge.taxes.length > 0 && { applied_taxes: charge.taxes.map((applied) => ({ uid: applied.uid, tax_uid: applied.sourceUid, applied_money: m(applied.amount) })) }),
        type: "CUSTOM",
        treatment_type: "LINE_ITEM_TREATMENT",
      })),
    }),
  };
}

/** What has been returned of one sale line so far, per amount (to give the last return what is left). */
export interface ReturnedSoFar {
  quantity: Quantity;
  variationTotal: bigint;
  /** By applied discount / applied tax uid. */
  discounts: Map<string, bigint>;
  taxes: Map<string, bigint>;
}

export function nothingReturned(): ReturnedSoFar {
  return { quantity: 0n, variationTotal: 0n, discounts: new Map(), taxes: new Map() };
}

export interface ReturnedLine {
  line: PricedLine;
  quantity: Quantity;
  variationTotal: bigint;
  /** Per applied discount / tax of the sale line: sourceUid is the sale's tax or discount uid. */
  discounts: Applied[];
  taxes: Applied[];
  discountTotal: bigint;
  additiveTax: bigint;
  inclusiveTax: bigint;
  grossReturn: bigint;
  total: bigint;
}

/**
 * The amounts of returning `quantity` of a sale line, given what was returned before; updates `soFar`. Taxes keep the
 * sale tax's uid in `sourceUid` and their type is looked up in `taxTypes`.
 */
export function priceReturnedLine(priced: PricedOrder, line: PricedLine, quantity: Quantity, soFar: ReturnedSoFar, newUid: UidSource): ReturnedLine {
  const left = line.input.quantity - soFar.quantity;
  if (quantity <= 0n || quantity > left) throw new PricingError(`Line ${line.input.uid}: ${formatQuantity(left)} left to return.`);
  const last = quantity === left;
  const part = (whole: bigint, already: bigint) => (last ? whole - already : shareOf(whole, quantity, line.input.quantity));
  const variationTotal = part(line.variationTotal, soFar.variationTotal);
  const discounts = line.discounts.map((applied) => ({ uid: newUid(), sourceUid: applied.sourceUid, amount: part(applied.amount, soFar.discounts.get(applied.uid) ?? 0n), saleUid: applied.uid }));
  const taxes = line.taxes.map((applied) => ({ uid: newUid(), sourceUid: applied.sourceUid, amount: part(applied.amount, soFar.taxes.get(applied.uid) ?? 0n), saleUid: applied.uid }));
  soFar.quantity += quantity;
  soFar.variationTotal += variationTotal;
  for (const entry of discounts) soFar.discounts.set(entry.saleUid, (soFar.discounts.get(entry.saleUid) ?? 0n) + entry.amount);
  for (const entry of taxes) soFar.taxes.set(entry.saleUid, (soFar.taxes.get(entry.saleUid) ?? 0n) + entry.amount);
  const typeOf = (taxUid: string) => priced.taxes.find((tax) => tax.input.uid === taxUid)?.input.type ?? "ADDITIVE";
  const additiveTax = sum(taxes.filter((entry) => typeOf(entry.sourceUid) === "ADDITIVE").map((entry) => entry.amount));
  const inclusiveTax = sum(taxes.filter((entry) => typeOf(entry.sourceUid) === "INCLUSIVE").map((entry) => entry.amount));
  const discountTotal = sum(discounts.map((entry) => entry.amount));
  return {
    line,
    quantity,
    variationTotal,
    discounts: discounts.map(({ uid, sourceUid, amount }) => ({ uid, sourceUid, amount })),
    taxes: taxes.map(({ uid, sourceUid, amount }) => ({ uid, sourceUid, amount })),
    discountTotal,
    additiveTax,
    inclusiveTax,
    grossReturn: variationTotal - (priced.grossExcludesInclusiveTax ? inclusiveTax : 0n),
    total: variationTotal - discountTotal + additiveTax,
  };
}

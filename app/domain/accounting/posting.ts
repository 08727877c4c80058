/**
 * What every QuickBooks document of a sale or refund shares: the context it is built in, the lines a sale or
 * refund turns into, the line amounts QuickBooks accepts (Qty × UnitPrice = Amount), where the money is
 * deposited, and the journal entries for split payments and processing fees.
 *
 * Split payments. A SalesReceipt has one DepositToAccountRef and one PaymentMethodRef. A sale paid one way (or
 * several ways that all land in the same asset account) is deposited straight there. Otherwise the receipt is
 * deposited to the clearing account (Undeposited Funds by default) and a journal entry (`-T`) moves each payment
 * to its own account: Dr each payment's account, Cr clearing; a gift card payment is a debit to the gift card
 * liability. The clearing account nets to zero for the sale, and every account ends up with exactly the money the
 * source says it received. Refunds mirror this (RefundReceipt from clearing, then Cr each payment's account).
 *
 * Fees. One journal entry per sale (`-F`): Dr the fee expense account, Cr the account each payment was deposited
 * to, so Undeposited Funds holds what the processor pays out. A refund's returned fee reverses it (`-R<n>F`).
 */
import { add, allocate, divideToDecimal, formatDecimal, isZero, minorUnitExponent, negate, parseScaledDecimal, subtract, sum, toQboAmount, zero, type Money } from "./money";
import {
  isDepositAccount,
  locationKey,
  tenderRoute,
  type AccountRef,
  type AccountingMapping,
  type ItemChoice,
  type ItemRef,
  type ItemToCreate,
  type Ref,
  type TenderRoute,
} from "./mapping";
import { clip, MAX_DESCRIPTION_LENGTH, MAX_PRIVATE_NOTE_LENGTH, type JournalLine, type QboRef } from "./quickbooks-documents";
import { SOURCE_NAMES, type Source, type SourceRefund, type SourceSale, type Tender } from "./source-sale";

export interface PostingCompany {
  homeCurrency: string;
  multiCurrencyEnabled: boolean;
}

/** QuickBooks objects the sync looked up or created before building documents. */
export interface ResolvedRefs {
  /** Items the mapping says to create, once created (or found), by `itemKey`. */
  items: Record<string, ItemRef>;
  /** The customer the sale or refund is posted to, when the policy names one. */
  customer?: Ref;
  /** Home-currency units per unit of the record's currency; without it QuickBooks uses its own rate for the day. */
  exchangeRate?: string;
  /** The source location's name, for memos. */
  locationName?: string;
}

export interface PostingContext {
  tenantId: string;
  mapping: AccountingMapping;
  company: PostingCompany;
  refs: ResolvedRefs;
  /**
   * Building journal entries (daily summaries), which post to the items' income accounts, not to items: an item
   * the mapping says to create needs no id yet, only its income account.
   */
  accountsOnly?: boolean;
}

/** A document cannot be built as the mapping stands; the message says what to fix, in the merchant's words. */
export class PostingError extends Error {
  override name = "PostingError";
}

export const SPECIAL_ITEMS = ["noSku", "shipping", "tips", "serviceCharges", "giftCards", "adjustments"] as const;
export type SpecialItem = (typeof SPECIAL_ITEMS)[number];

const SPECIAL_ITEM_NAMES: Record<SpecialItem, string> = {
  noSku: "items without a SKU",
  shipping: "shipping",
  tips: "tips",
  serviceCharges: "service charges",
  giftCards: "gift cards sold",
  adjustments: "rounding and refund adjustments",
};

/** The key under which `ResolvedRefs.items` holds an item Tillbridge created. */
export function itemKey(what: { sku: string } | { special: SpecialItem }): string {
  return "sku" in what ? `sku:${what.sku}` : what.special;
}

function choiceItem(ctx: PostingContext, choice: ItemChoice | null, key: string, what: string): ItemRef {
  if (!choice) throw new PostingError(`No QuickBooks product or service is chosen for ${what}.`);
  if ("use" in choice) return choice.use;
  const created = ctx.refs.items[key];
  if (created) return created;
  if (ctx.accountsOnly) return { id: "", name: choice.create.name, incomeAccount: choice.create.incomeAccount };
  throw new PostingError(`The QuickBooks item “${choice.create.name}” for ${what} has not been created yet.`);
}

export function skuItem(ctx: PostingContext, sku: string | null): ItemRef {
  const { items } = ctx.mapping;
  if (sku === null || sku.trim() === "") return choiceItem(ctx, items.noSku, itemKey({ special: "noSku" }), SPECIAL_ITEM_NAMES.noSku);
  const mapped = items.bySku[sku];
  if (mapped) return mapped;
  const policy = items.unmappedSku;
  if (!policy) throw new PostingError(`SKU ${sku} has no QuickBooks product or service.`);
  if ("use" in policy) return policy.use;
  const created = ctx.refs.items[itemKey({ sku })];
  if (created) return created;
  // In a journal entry, the sales of SKUs without an item of their own are grouped by income account.
  if (ctx.accountsOnly) return { id: "", name: policy.incomeAccount.name, incomeAccount: policy.incomeAccount };
  throw new PostingError(`The QuickBooks item for SKU ${sku} has not been created yet.`);
}

export function specialItem(ctx: PostingContext, which: Exclude<SpecialItem, "noSku">): ItemRef {
  return choiceItem(ctx, ctx.mapping[which], itemKey({ special: which }), SPECIAL_ITEM_NAMES[which]);
}

/** QuickBooks item names: at most 100 characters, no colon, tab or line break, unique in the company. */
export function qboItemName(name: string, sku: string): string {
  const clean = `${name} (${sku})`.replace(/[:\t\r\n]+/g, " ").replace(/\s+/g, " ").trim();
  return clean.length <= 100 ? clean : `${clean.slice(0, 99 - sku.length - 3).trimEnd()}… (${sku})`.slice(0, 100);
}

/** The items the sync must create (or find by name or SKU) before the records can be posted, by `itemKey`. */
export function itemsToCreate(records: readonly (SourceSale | SourceRefund)[], mapping: AccountingMapping): { key: string; item: ItemToCreate }[] {
  const wanted = new Map<string, ItemToCreate>();
  const policy = mapping.items.unmappedSku;
  const special = (which: SpecialItem, needed: boolean) => {
    const choice: ItemChoice | null = which === "noSku" ? mapping.items.noSku : mapping[which];
    if (needed && choice && "create" in choice) wanted.set(itemKey({ special: which }), choice.create);
  };
  for (const record of records) {
    for (const line of record.lines) {
      if (!line.sku) special("noSku", true);
      else if (!mapping.items.bySku[line.sku] && policy && "create" in policy && !wanted.has(itemKey({ sku: line.sku }))) {
        wanted.set(itemKey({ sku: line.sku }), { name: qboItemName(line.name, line.sku), type: policy.create, incomeAccount: policy.incomeAccount, sku: line.sku });
      }
    }
    special("shipping", record.shipping.some((charge) => charge.amount.amount !== 0));
    special("serviceCharges", record.serviceCharges.some((charge) => charge.amount.amount !== 0));
    special("tips", record.tips.amount !== 0);
    if ("giftCardSales" in record) {
      special("giftCards", record.giftCardSales.some((card) => card.amount.amount !== 0));
      special("adjustments", record.roundingAdjustment.amount !== 0 || (record.lines.length === 0 && record.orderDiscounts.length > 0));
    } else {
      special("adjustments", record.adjustment.amount !== 0);
    }
  }
  return [...wanted.entries()].map(([key, item]) => ({ key, item }));
}

/** One line of a sale or refund as it is posted: the item, the amount before added tax, and the quantity. */
export interface PostingLine {
  kind: "item" | "shipping" | "serviceCharge" | "tip" | "giftCard" | "adjustment";
  item: ItemRef;
  /** Before added tax and (in net mode) after discounts. Inclusive tax is taken out: it is posted as tax. */
  amount: Money;
  /** Decimal string. */
  quantity: string;
  description: string;
  taxable: boolean;
  /** The source's category of an item line, for daily summaries. */
  category?: string;
}

export interface PostingLines {
  lines: PostingLine[];
  /** The discount posted as its own line (separate-line mode); zero when discounts are netted into the lines. */
  discount: Money;
}

function describe(name: string, sku: string | null): string {
  return clip(sku ? `${name} (SKU ${sku})` : name, MAX_DESCRIPTION_LENGTH);
}

/**
 * A sale's posting lines. Every line is posted without the tax inside it (inclusive tax is moved to the tax
 * total), so the document is always tax-exclusive: Σ lines − discount + tax = the sale's total. In net mode each
 * line carries its own discount and a share of the order discounts (split by largest remainder over the lines'
 * discounted amounts); in separate-line mode lines stay at their full price and all discounts make one
 * discount line.
 */
export function saleLines(sale: SourceSale, ctx: PostingContext): PostingLines {
  const c = sale.currency;
  const netMode = ctx.mapping.discounts.mode === "net_into_lines";
  const orderDiscount = sum(c, sale.orderDiscounts.map((discount) => discount.amount));
  const weights = sale.lines.map((line) => Math.max(0, line.gross.amount - line.discount.amount));
  const shares = sale.lines.length > 0 ? allocate(orderDiscount, weights) : [];
  const lines: PostingLine[] = sale.lines.map((line, index) => {
    const share = shares[index] ?? zero(c);
    const amount = netMode ? subtract(subtract(subtract(line.gross, line.discount), share), line.taxIncluded) : subtract(line.gross, line.taxIncluded);
    return { kind: "item", item: skuItem(ctx, line.sku), amount, quantity: line.quantity, description: describe(line.name, line.sku), taxable: line.taxable, ...(line.category ? { category: line.category } : {}) };
  });
  let discount = netMode ? zero(c) : add(sum(c, sale.lines.map((line) => line.discount)), orderDiscount);
  if (sale.lines.length === 0 && !isZero(orderDiscount) && netMode) {
    // No line to carry an order discount (an order of gift cards and charges only): it becomes an adjustment.
    lines.push({ kind: "adjustment", item: specialItem(ctx, "adjustments"), amount: negate(orderDiscount), quantity: "1", description: sale.orderDiscounts.map((entry) => entry.name).join(", "), taxable: false });
  }
  lines.push(...chargeLines(sale, ctx));
  for (const card of sale.giftCardSales) {
    if (!isZero(card.amount)) lines.push({ kind: "giftCard", item: specialItem(ctx, "giftCards"), amount: card.amount, quantity: "1", description: card.name, taxable: false });
  }
  if (!isZero(sale.roundingAdjustment)) {
    lines.push({ kind: "adjustment", item: specialItem(ctx, "adjustments"), amount: sale.roundingAdjustment, quantity: "1", description: "Rounding", taxable: false });
  }
  if (ctx.mapping.discounts.mode === "separate_line" && discount.amount < 0) {
    throw new PostingError(`The discounts of ${recordLabel(sale)} add up to less than nothing (${formatDecimal(discount)}).`);
  }
  discount = discount.amount === 0 ? zero(c) : discount;
  return { lines, discount };
}

function chargeLines(record: SourceSale | SourceRefund, ctx: PostingContext): PostingLine[] {
  const lines: PostingLine[] = [];
  for (const charge of record.shipping) {
    if (!isZero(charge.amount)) lines.push({ kind: "shipping", item: specialItem(ctx, "shipping"), amount: subtract(charge.amount, charge.taxIncluded), quantity: "1", description: charge.name, taxable: charge.tax.amount !== 0 });
  }
  for (const charge of record.serviceCharges) {
    if (!isZero(charge.amount)) lines.push({ kind: "serviceCharge", item: specialItem(ctx, "serviceCharges"), amount: subtract(charge.amount, charge.taxIncluded), quantity: "1", description: charge.name, taxable: charge.tax.amount !== 0 });
  }
  if (!isZero(record.tips)) lines.push({ kind: "tip", item: specialItem(ctx, "tips"), amount: record.tips, quantity: "1", description: "Tips", taxable: false });
  return lines;
}

/** A refund's posting lines, built like a sale's (refunded amounts are positive; the RefundReceipt reverses them). */
export function refundLines(refund: SourceRefund, ctx: PostingContext): PostingLines {
  const c = refund.currency;
  const netMode = ctx.mapping.discounts.mode === "net_into_lines";
  const lines: PostingLine[] = refund.lines.map((line) => ({
    kind: "item",
    item: skuItem(ctx, line.sku),
    amount: netMode ? subtract(subtract(line.gross, line.discount), line.taxIncluded) : subtract(line.gross, line.taxIncluded),
    quantity: line.quantity,
    description: describe(line.name, line.sku),
    taxable: line.taxable,
    ...(line.category ? { category: line.category } : {}),
  }));
  lines.push(...chargeLines(refund, ctx));
  if (!isZero(refund.adjustment)) {
    lines.push({ kind: "adjustment", item: specialItem(ctx, "adjustments"), amount: refund.adjustment, quantity: "1", description: "Refund adjustment", taxable: false });
  }
  const discount = netMode ? zero(c) : sum(c, refund.lines.map((line) => line.discount));
  if (discount.amount < 0) throw new PostingError(`The discounts of ${recordLabel(refund)} add up to less than nothing.`);
  return { lines, discount };
}

/** QuickBooks keeps 7 decimal places of Qty and UnitPrice. */
export const QBO_DECIMAL_PLACES = 7;

export interface QuantityAndPrice {
  qty: string;
  unitPrice: string;
  /** False when no 7-place unit price makes Qty × UnitPrice round to the amount: posted as 1 × amount instead. */
  keptQuantity: boolean;
}

/**
 * Qty and UnitPrice for a line of `amount` and `quantity` such that QuickBooks' check holds: Qty × UnitPrice,
 * rounded to the currency's places, equals Amount. The unit price is amount ÷ quantity rounded to 7 places; it is
 * accepted only if Qty × UnitPrice is within less than half a minor unit of the amount, so the check holds
 * whichever way QuickBooks rounds a half. Otherwise (a quantity too large or too fine for 7 places) the line is
 * posted as 1 × amount and the quantity goes in the description.
 */
export function quantityAndUnitPrice(amount: Money, quantity: string): QuantityAndPrice {
  const q = parseScaledDecimal(quantity);
  const exponent = BigInt(minorUnitExponent(amount.currency));
  const minor = BigInt(amount.amount);
  const fallback: QuantityAndPrice = { qty: "1", unitPrice: formatDecimal(amount), keptQuantity: false };
  if (q.units <= 0n || q.scale > QBO_DECIMAL_PLACES) return fallback;
  const places = BigInt(QBO_DECIMAL_PLACES);
  const scale = BigInt(q.scale);
  const unitPrice = divideToDecimal(minor * 10n ** scale, q.units * 10n ** exponent, QBO_DECIMAL_PLACES);
  const price = parseScaledDecimal(unitPrice);
  // Qty × UnitPrice − Amount, in units of 10^-(scale + 7) minor units.
  const priceUnits = price.units * 10n ** (places - BigInt(price.scale));
  const difference = q.units * priceUnits * 10n ** exponent - minor * 10n ** (scale + places);
  const magnitude = difference < 0n ? -difference : difference;
  if (magnitude * 2n >= 10n ** (scale + places)) return fallback;
  if (!fitsQboNumber(unitPrice) || !fitsQboNumber(quantity)) return fallback;
  return { qty: quantity.trim(), unitPrice, keptQuantity: true };
}

/** A decimal with at most 15 significant digits survives the JSON number QuickBooks receives unchanged. */
function fitsQboNumber(decimal: string): boolean {
  return decimal.replace(/^-/, "").replace(".", "").replace(/^0+/, "").length <= 15;
}

export function qboNumber(decimal: string): number {
  if (!fitsQboNumber(decimal)) throw new PostingError(`${decimal} has too many digits to send to QuickBooks exactly`);
  return Number(decimal);
}

export function qboRef(ref: Ref): QboRef {
  return ref.name ? { value: ref.id, name: ref.name } : { value: ref.id };
}

/** Where a receipt's money goes, and what moves afterwards (see the module comment). */
export interface DepositPlan {
  account: AccountRef;
  paymentMethod?: Ref;
  /** Payments to move from the clearing account to their own accounts; empty when deposited straight. */
  transfers: { account: AccountRef; amount: Money; description: string }[];
}

export function tenderLabel(tender: Pick<Tender, "kind" | "brand">): string {
  const brand = tender.brand ? tender.brand.replace(/_/g, " ") : "";
  switch (tender.kind) {
    case "card":
      return brand ? `${brand} card` : "card";
    case "cash":
      return "cash";
    case "gift_card":
      return "gift card";
    default:
      return brand ? `other (${brand})` : "other";
  }
}

export function routeFor(ctx: PostingContext, tender: Pick<Tender, "kind" | "brand">): TenderRoute {
  const route = tenderRoute(ctx.mapping, tender.kind, tender.brand);
  if (!route) throw new PostingError(`Payments by ${tenderLabel(tender)} have no QuickBooks account to go to.`);
  return route;
}

export function depositPlan(tenders: readonly Tender[], currency: string, ctx: PostingContext): DepositPlan {
  const paid = tenders.filter((tender) => !isZero(tender.amount)).map((tender) => ({ tender, route: routeFor(ctx, tender) }));
  const [first] = paid;
  if (first && paid.every(({ route }) => route.account.id === first.route.account.id) && isDepositAccount(first.route.account)) {
    const sameMethod = paid.every(({ route }) => route.paymentMethod?.id === first.route.paymentMethod?.id);
    return { account: first.route.account, ...(sameMethod && first.route.paymentMethod ? { paymentMethod: first.route.paymentMethod } : {}), transfers: [] };
  }
  const clearing = ctx.mapping.clearingAccount;
  if (!clearing) throw new PostingError("Sales paid in more than one way need a clearing account (usually Undeposited Funds).");
  if (!isDepositAccount(clearing)) throw new PostingError(`The clearing account “${clearing.name}” is not a bank or other current asset account.`);
  const byAccount = new Map<string, { account: AccountRef; amounts: Money[]; labels: string[] }>();
  for (const { tender, route } of paid) {
    if (route.account.id === clearing.id) continue;
    const entry = byAccount.get(route.account.id) ?? { account: route.account, amounts: [], labels: [] };
    entry.amounts.push(tender.amount);
    entry.labels.push(`${tenderLabel(tender)} ${formatDecimal(tender.amount)}`);
    byAccount.set(route.account.id, entry);
  }
  return {
    account: clearing,
    transfers: [...byAccount.values()].map((entry) => ({ account: entry.account, amount: sum(currency, entry.amounts), description: `Paid by ${entry.labels.join(", ")}` })),
  };
}

/** Department or Class of the record's location, per the mapping. */
export interface LocationDimension {
  DepartmentRef?: QboRef;
  ClassRef?: QboRef;
}

export function locationDimension(ctx: PostingContext, source: Source, locationId: string): LocationDimension {
  const { dimension, byLocation } = ctx.mapping.locations;
  if (dimension === "none") return {};
  const ref = byLocation[locationKey(source, locationId)];
  if (!ref) throw new PostingError(`${SOURCE_NAMES[source]} location ${ctx.refs.locationName ?? locationId} has no QuickBooks ${dimension === "department" ? "location" : "class"}.`);
  return dimension === "department" ? { DepartmentRef: qboRef(ref) } : { ClassRef: qboRef(ref) };
}

/** The currency fields of a document in `currency`: none in the home currency, CurrencyRef (+ rate) otherwise. */
export function currencyFields(ctx: PostingContext, currency: string): { CurrencyRef?: QboRef; ExchangeRate?: number } {
  if (currency === ctx.company.homeCurrency) return {};
  if (!ctx.company.multiCurrencyEnabled) {
    throw new PostingError(`This sale is in ${currency}, but the QuickBooks company keeps its books in ${ctx.company.homeCurrency} and multicurrency is off.`);
  }
  const rate = ctx.refs.exchangeRate;
  if (rate !== undefined && !/^\d+(\.\d+)?$/.test(rate)) throw new PostingError(`"${rate}" is not an exchange rate`);
  return { CurrencyRef: { value: currency }, ...(rate !== undefined ? { ExchangeRate: qboNumber(rate) } : {}) };
}

export function taxCodeRef(ctx: PostingContext, taxable: boolean): QboRef {
  const tax = ctx.mapping.tax;
  if (tax.mode === "automated") return { value: taxable ? "TAX" : "NON" };
  return qboRef(taxable ? tax.taxable : tax.nonTaxable);
}

export function recordLabel(record: SourceSale | SourceRefund): string {
  const source = SOURCE_NAMES[record.source];
  if ("refundId" in record) return `refund ${record.sequence} of ${source} order ${record.saleSourceName ?? record.saleSourceId}`;
  return `${source} order ${record.sourceName ?? record.sourceId}`;
}

export function privateNote(parts: readonly (string | undefined | false)[]): string {
  return clip(parts.filter((part): part is string => Boolean(part)).join(" · "), MAX_PRIVATE_NOTE_LENGTH);
}

/** A journal line; negative amounts flip the side, zero gives no line. */
export function journalLine(side: "Debit" | "Credit", account: AccountRef, amount: Money, description: string, dimension: LocationDimension): JournalLine[] {
  if (isZero(amount)) return [];
  const flipped = amount.amount < 0;
  const postingType = flipped ? (side === "Debit" ? "Credit" : "Debit") : side;
  return [
    {
      DetailType: "JournalEntryLineDetail",
      Amount: toQboAmount(flipped ? negate(amount) : amount),
      Description: clip(description, MAX_DESCRIPTION_LENGTH),
      JournalEntryLineDetail: { PostingType: postingType, AccountRef: qboRef(account), ...dimension },
    },
  ];
}

/** The journal lines that move split payments out of the clearing account (a sale) or into it (a refund). */
export function transferLines(plan: DepositPlan, direction: "sale" | "refund", dimension: LocationDimension): JournalLine[] {
  return plan.transfers.flatMap((transfer) => [
    ...journalLine(direction === "sale" ? "Debit" : "Credit", transfer.account, transfer.amount, transfer.description, dimension),
    ...journalLine(direction === "sale" ? "Credit" : "Debit", plan.account, transfer.amount, transfer.description, dimension),
  ]);
}

export function feeExpenseAccount(ctx: PostingContext): AccountRef {
  const account = ctx.mapping.fees.expenseAccount;
  if (!account) throw new PostingError("Processing fees have no expense account.");
  return account;
}

/** Journal lines for a sale's processing fees: Dr fee expense, Cr the account each payment landed in. */
export function saleFeeLines(sale: SourceSale, ctx: PostingContext, dimension: LocationDimension): JournalLine[] {
  const lines: JournalLine[] = [];
  for (const tender of sale.tenders) {
    const fee = tender.processingFee;
    if (!fee || isZero(fee)) continue;
    const account = routeFor(ctx, tender).account;
    const description = `${SOURCE_NAMES[sale.source]} fee on ${tenderLabel(tender)} payment${tender.paymentId ? ` ${tender.paymentId}` : ""}`;
    lines.push(...journalLine("Debit", feeExpenseAccount(ctx), fee, description, dimension), ...journalLine("Credit", account, fee, description, dimension));
  }
  return lines;
}

/** The tender a refund's returned fee goes back to: the first card payment paid back, else the first payment. */
export function feeRefundTender(refund: SourceRefund): Tender | undefined {
  return refund.tenders.find((tender) => tender.kind === "card") ?? refund.tenders[0];
}

/** Journal lines for a fee given back with a refund: Dr the payment's account, Cr fee expense. */
export function refundFeeLines(refund: SourceRefund, ctx: PostingContext, dimension: LocationDimension): JournalLine[] {
  if (isZero(refund.feeRefunded)) return [];
  const tender = feeRefundTender(refund);
  if (!tender) throw new PostingError(`${recordLabel(refund)} gives back a processing fee but pays nothing back.`);
  const description = `${SOURCE_NAMES[refund.source]} fee returned with ${recordLabel(refund)}`;
  return [...journalLine("Debit", routeFor(ctx, tender).account, refund.feeRefunded, description, dimension), ...journalLine("Credit", feeExpenseAccount(ctx), refund.feeRefunded, description, dimension)];
}

export function paymentsSummary(tenders: readonly Tender[]): string | undefined {
  if (tenders.length === 0) return undefined;
  return `paid ${tenders.map((tender) => `${tenderLabel(tender)} ${formatDecimal(tender.amount)}`).join(", ")}`;
}

/**
 * The merchant's accounting mapping: where each kind of money from Square and Shopify lands in QuickBooks.
 *
 * The mapping names QuickBooks objects (accounts, items, payment methods, tax codes, locations or classes,
 * customers) by id and name, so documents can be built without another look-up and problems can be told in the
 * merchant's own words. `defaultMapping` fills it from a company's lists so a common US company works without
 * setup (Undeposited Funds for card and cash, the default income and fee accounts); `missingMappings` says in
 * plain language what still keeps a sync off. Objects Tillbridge may create (an item per unmapped SKU, a "Tips"
 * item, one customer per channel) are written as `{ create: ... }`; the sync creates them and hands their ids to
 * the document builders (`ResolvedRefs`).
 */
import { z } from "zod";
import { SOURCE_NAMES, TENDER_KINDS, type SaleCustomer, type Source, type SourceRefund, type SourceSale, type TenderKind } from "./source-sale";

/** QuickBooks account types (Finance.xsd AccountTypeEnum). */
export const ACCOUNT_TYPES = [
  "Bank", "Accounts Receivable", "Other Current Asset", "Fixed Asset", "Other Asset", "Accounts Payable", "Credit Card",
  "Other Current Liability", "Long Term Liability", "Equity", "Income", "Cost of Goods Sold", "Expense", "Other Income",
  "Other Expense", "Non-Posting",
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** Where money can be deposited by a SalesReceipt or paid out of by a RefundReceipt: an asset account. */
const DEPOSIT_ACCOUNT_TYPES: readonly AccountType[] = ["Bank", "Other Current Asset"];
const EXPENSE_ACCOUNT_TYPES: readonly AccountType[] = ["Expense", "Other Expense", "Cost of Goods Sold"];
const LIABILITY_ACCOUNT_TYPES: readonly AccountType[] = ["Other Current Liability", "Long Term Liability"];

export const refSchema = z.object({ id: z.string().min(1), name: z.string() });
export type Ref = z.infer<typeof refSchema>;

export const accountRefSchema = refSchema.extend({ type: z.enum(ACCOUNT_TYPES) });
export type AccountRef = z.infer<typeof accountRefSchema>;

/** A QuickBooks item, with the income account its sales post to (daily summaries post to the account directly). */
export const itemRefSchema = refSchema.extend({ incomeAccount: accountRefSchema });
export type ItemRef = z.infer<typeof itemRefSchema>;

export const ITEM_TYPES_TO_CREATE = ["NonInventory", "Service"] as const;

/** An item to create: QuickBooks item names are unique, at most 100 characters, without colon, tab or newline. */
export const itemToCreateSchema = z.object({
  name: z.string().min(1).max(100).regex(/^[^:\t\n\r]+$/, "no colon, tab or line break"),
  type: z.enum(ITEM_TYPES_TO_CREATE),
  incomeAccount: accountRefSchema,
  sku: z.string().max(100).optional(),
});
export type ItemToCreate = z.infer<typeof itemToCreateSchema>;

export const itemChoiceSchema = z.union([z.object({ use: itemRefSchema }), z.object({ create: itemToCreateSchema })]);
export type ItemChoice = z.infer<typeof itemChoiceSchema>;

export const tenderRouteSchema = z.object({
  /** Where the money lands: an asset account (Undeposited Funds, a bank) or, for gift cards, the gift card liability. */
  account: accountRefSchema,
  paymentMethod: refSchema.optional(),
});
export type TenderRoute = z.infer<typeof tenderRouteSchema>;

export const customerPolicySchema = z.union([
  z.object({ mode: z.literal("match_email"), ifNotFound: z.enum(["create", "generic"]) }),
  z.object({ mode: z.literal("generic") }),
]);
export type CustomerPolicy = z.infer<typeof customerPolicySchema>;

export const customerChoiceSchema = z.union([z.object({ use: refSchema }), z.object({ create: z.object({ displayName: z.string().min(1).max(500) }) })]);
export type CustomerChoice = z.infer<typeof customerChoiceSchema>;

export const POSTING_MODES = ["per_order", "daily_summary"] as const;
export type PostingMode = (typeof POSTING_MODES)[number];

const sourceRecord = <T extends z.ZodType>(schema: T) => z.object({ square: schema, shopify: schema });

export const accountingMappingSchema = z.object({
  tenders: z.object({
    /** Cards whose brand has no route of its own. */
    card: tenderRouteSchema.nullable(),
    /** By brand, lower case ("visa", "american_express"). */
    cardBrands: z.record(z.string(), tenderRouteSchema),
    cash: tenderRouteSchema.nullable(),
    gift_card: tenderRouteSchema.nullable(),
    other: tenderRouteSchema.nullable(),
  }),
  /**
   * The asset account a sale paid several ways (or with a gift card) is deposited to first; a journal entry then
   * moves each payment to its own account. Undeposited Funds by default.
   */
  clearingAccount: accountRefSchema.nullable(),
  tax: z.union([
    /** Automated Sales Tax: lines say TAX/NON and the document carries the exact tax collected (TxnTaxDetail.TotalTax). */
    z.object({ mode: z.literal("automated") }),
    /** Tax codes of the company for taxable and non-taxable lines, and optionally the transaction's tax code or group. */
    z.object({ mode: z.literal("tax_codes"), taxable: refSchema, nonTaxable: refSchema, transactionTaxCode: refSchema.optional() }),
  ]),
  /** The liability account daily summaries credit with the tax collected (journal entries cannot use the tax agency). */
  taxLiabilityAccount: accountRefSchema.nullable(),
  items: z.object({
    /** SKU as the source writes it → QuickBooks item. */
    bySku: z.record(z.string(), itemRefSchema),
    /** For a SKU with no item above: create one per SKU, or post them all to one item. */
    unmappedSku: z.union([z.object({ create: z.enum(ITEM_TYPES_TO_CREATE), incomeAccount: accountRefSchema }), z.object({ use: itemRefSchema })]).nullable(),
    /** Lines without a SKU (Square custom amounts). */
    noSku: itemChoiceSchema.nullable(),
  }),
  shipping: itemChoiceSchema.nullable(),
  tips: itemChoiceSchema.nullable(),
  serviceCharges: itemChoiceSchema.nullable(),
  giftCards: itemChoiceSchema.nullable(),
  /** Rounding and refund adjustments. */
  adjustments: itemChoiceSchema.nullable(),
  discounts: z.union([z.object({ mode: z.literal("separate_line"), account: accountRefSchema }), z.object({ mode: z.literal("net_into_lines") })]),
  locations: z.object({
    /** QuickBooks Location (Department) or Class per source location, or no location tracking. */
    dimension: z.enum(["department", "class", "none"]),
    /** `locationKey(source, locationId)` → the Department or Class. */
    byLocation: z.record(z.string(), refSchema),
  }),
  fees: z.object({ expenseAccount: accountRefSchema.nullable() }),
  customers: sourceRecord(customerPolicySchema),
  genericCustomers: sourceRecord(customerChoiceSchema),
  posting: sourceRecord(z.enum(POSTING_MODES)),
});
export type AccountingMapping = z.infer<typeof accountingMappingSchema>;

export function locationKey(source: Source, locationId: string): string {
  return `${source}:${locationId}`;
}

/** What `defaultMapping` needs from the company: its lists and preferences, as read from QuickBooks. */
export const companySnapshotSchema = z.object({
  homeCurrency: z.string().regex(/^[A-Z]{3}$/),
  multiCurrencyEnabled: z.boolean(),
  /** Preferences.TaxPrefs.PartnerTaxEnabled. */
  automatedSalesTax: z.boolean(),
  accounts: z.array(z.object({ id: z.string(), name: z.string(), type: z.enum(ACCOUNT_TYPES), subType: z.string().optional(), active: z.boolean().optional() })),
  paymentMethods: z.array(z.object({ id: z.string(), name: z.string(), active: z.boolean().optional() })),
  taxCodes: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type CompanySnapshot = z.infer<typeof companySnapshotSchema>;

type CompanyAccount = CompanySnapshot["accounts"][number];

function findAccount(company: CompanySnapshot, types: readonly AccountType[], subTypes: readonly string[], names: readonly RegExp[]): AccountRef | null {
  const active = company.accounts.filter((account) => account.active !== false && types.includes(account.type));
  const bySubType = active.find((account) => account.subType && subTypes.includes(account.subType));
  // Names are tried in order of preference: the first pattern that matches any account wins.
  const byName = names.map((pattern) => active.find((account) => pattern.test(account.name))).find(Boolean);
  const found: CompanyAccount | undefined = bySubType ?? byName;
  return found ? { id: found.id, name: found.name, type: found.type } : null;
}

function findPaymentMethod(company: CompanySnapshot, pattern: RegExp): Ref | undefined {
  const found = company.paymentMethods.find((method) => method.active !== false && pattern.test(method.name));
  return found ? { id: found.id, name: found.name } : undefined;
}

const CARD_BRAND_METHODS: Record<string, RegExp> = {
  visa: /^visa$/i,
  mastercard: /^master ?card$/i,
  american_express: /^(american express|amex)$/i,
  discover: /^discover$/i,
  diners_club: /^diners/i,
};

/**
 * A mapping that works for a common US company without setup: cards, cash and other payments to Undeposited
 * Funds (with QuickBooks' own Visa, MasterCard... and Cash payment methods), unmapped SKUs created as
 * non-inventory items on the product income account, discounts on "Discounts given" when the company has it,
 * fees on a bank-charges or merchant-fees expense account, Automated Sales Tax when the company uses it, one
 * customer per channel for Square and customers matched by email for Shopify, Square posted as daily summaries
 * and Shopify per order. What it cannot find stays null, and `missingMappings` asks for it when it is needed.
 */
export function defaultMapping(company: CompanySnapshot): AccountingMapping {
  const undeposited = findAccount(company, ["Other Current Asset"], ["UndepositedFunds"], [/^undeposited funds$/i]);
  const cashOnHand = findAccount(company, ["Bank"], ["CashOnHand"], [/^cash on hand$/i, /^cash( in drawer)?$/i]);
  const giftCardLiability = findAccount(company, LIABILITY_ACCOUNT_TYPES, [], [/gift ?cards?/i]);
  const tipsLiability = findAccount(company, LIABILITY_ACCOUNT_TYPES, [], [/tips?\b/i, /gratuit/i]);
  const productIncome = findAccount(company, ["Income"], ["SalesOfProductIncome"], [/^sales of product income$/i, /^sales$/i, /sales/i]);
  const serviceIncome = findAccount(company, ["Income"], ["ServiceFeeIncome"], [/^services?$/i, /service/i]) ?? productIncome;
  const shippingIncome = findAccount(company, ["Income", "Other Income"], [], [/shipping/i, /delivery/i]) ?? productIncome;
  const discountsGiven = findAccount(company, ["Income"], ["DiscountsRefundsGiven"], [/discounts? given/i, /^discounts?$/i]);
  const fees = findAccount(company, EXPENSE_ACCOUNT_TYPES, [], [/merchant (account )?fees/i, /processing fees/i, /card fees/i, /bank (service )?charges/i, /bank fees/i]);
  const otherIncome = findAccount(company, ["Other Income"], [], [/other (miscellaneous |misc\.? )?income/i]) ?? productIncome;
  // Automated Sales Tax keeps its own payable account, which journal entries must not touch: only an account
  // named for the point of sale is taken; otherwise the merchant chooses one before using daily summaries.
  const taxLiability = findAccount(company, LIABILITY_ACCOUNT_TYPES, [], [/(pos|point of sale).*tax/i, /tax collected/i]);

  const route = (account: AccountRef | null, paymentMethod?: Ref): TenderRoute | null => (account ? { account, ...(paymentMethod ? { paymentMethod } : {}) } : null);
  const cardBrands: Record<string, TenderRoute> = {};
  if (undeposited) {
    for (const [brand, pattern] of Object.entries(CARD_BRAND_METHODS)) {
      const method = findPaymentMethod(company, pattern);
      if (method) cardBrands[brand] = { account: undeposited, paymentMethod: method };
    }
  }
  const create = (name: string, type: ItemToCreate["type"], incomeAccount: AccountRef | null): ItemChoice | null => (incomeAccount ? { create: { name, type, incomeAccount } } : null);
  const nonTaxCodes = company.taxCodes.find((code) => code.id === "NON");
  const taxCodes = company.taxCodes.find((code) => code.id === "TAX");

  return {
    tenders: {
      card: route(undeposited, findPaymentMethod(company, /^credit card$/i)),
      cardBrands,
      // Cash counted at the register is banked with the rest of the day's takings: Undeposited Funds unless the
      // company keeps a cash-on-hand account.
      cash: route(cashOnHand ?? undeposited, findPaymentMethod(company, /^cash$/i)),
      gift_card: route(giftCardLiability),
      other: route(undeposited),
    },
    clearingAccount: undeposited,
    tax: company.automatedSalesTax || !(taxCodes && nonTaxCodes)
      ? { mode: "automated" }
      : { mode: "tax_codes", taxable: { id: taxCodes.id, name: taxCodes.name }, nonTaxable: { id: nonTaxCodes.id, name: nonTaxCodes.name } },
    taxLiabilityAccount: taxLiability,
    items: {
      bySku: {},
      unmappedSku: productIncome ? { create: "NonInventory", incomeAccount: productIncome } : null,
      noSku: create("POS custom amount", "Service", productIncome),
    },
    shipping: create("Shipping", "Service", shippingIncome),
    tips: create("Tips", "Service", tipsLiability),
    serviceCharges: create("Service charges", "Service", serviceIncome),
    giftCards: create("Gift cards sold", "NonInventory", giftCardLiability),
    adjustments: create("POS adjustments", "Service", otherIncome),
    discounts: discountsGiven ? { mode: "separate_line", account: discountsGiven } : { mode: "net_into_lines" },
    locations: { dimension: "none", byLocation: {} },
    fees: { expenseAccount: fees },
    customers: { square: { mode: "generic" }, shopify: { mode: "match_email", ifNotFound: "create" } },
    genericCustomers: { square: { create: { displayName: "Square customer" } }, shopify: { create: { displayName: "Shopify customer" } } },
    posting: { square: "daily_summary", shopify: "per_order" },
  };
}

/** The route for a tender: the brand's own, else the kind's. */
export function tenderRoute(mapping: AccountingMapping, kind: TenderKind, brand?: string): TenderRoute | null {
  if (kind === "card" && brand) {
    const own = mapping.tenders.cardBrands[brand.toLowerCase()];
    if (own) return own;
  }
  return mapping.tenders[kind];
}

export function isDepositAccount(account: AccountRef): boolean {
  return DEPOSIT_ACCOUNT_TYPES.includes(account.type);
}

/**
 * Which QuickBooks customer a sale (or its refunds) is posted to, for the sync to resolve into `refs.customer`:
 * a customer found by email (QuickBooks `PrimaryEmailAddr`), else created or the channel's generic one; or the
 * channel's generic customer straight away. A customer to create is named after the buyer; QuickBooks display
 * names are unique across customers, vendors and employees, so the sync adds the email when the name is taken.
 */
export type CustomerPlan =
  | { kind: "match_email"; email: string; displayName: string; ifNotFound: { create: { displayName: string } } | CustomerChoice }
  | { kind: "generic"; choice: CustomerChoice };

export function customerPlan(source: Source, customer: SaleCustomer | undefined, mapping: AccountingMapping): CustomerPlan {
  const policy = mapping.customers[source];
  const generic: CustomerPlan = { kind: "generic", choice: mapping.genericCustomers[source] };
  const email = customer?.email?.trim().toLowerCase();
  if (policy.mode === "generic" || !email) return generic;
  const displayName = (customer?.name?.trim() || email).slice(0, 500);
  return { kind: "match_email", email, displayName, ifNotFound: policy.ifNotFound === "create" ? { create: { displayName } } : mapping.genericCustomers[source] };
}

/** What the records to post need from the mapping. `needsOf` derives it from the records themselves. */
export interface MappingNeeds {
  sources: Source[];
  tenders: { kind: TenderKind; brand?: string }[];
  /** Every source location, with its name for messages. */
  locations: { source: Source; locationId: string; name?: string }[];
  currencies: string[];
  skus: string[];
  linesWithoutSku: boolean;
  shipping: boolean;
  tips: boolean;
  serviceCharges: boolean;
  giftCardSales: boolean;
  discounts: boolean;
  fees: boolean;
  adjustments: boolean;
  tax: boolean;
  splitOrLiabilityTenders: boolean;
  company: Pick<CompanySnapshot, "homeCurrency" | "multiCurrencyEnabled" | "automatedSalesTax">;
}

export function needsOf(sales: readonly SourceSale[], refunds: readonly SourceRefund[], company: MappingNeeds["company"], locationNames: Record<string, string> = {}): MappingNeeds {
  const tenders = new Map<string, { kind: TenderKind; brand?: string }>();
  const locations = new Map<string, MappingNeeds["locations"][number]>();
  const skus = new Set<string>();
  let linesWithoutSku = false;
  const records = [...sales, ...refunds];
  for (const record of records) {
    for (const tender of record.tenders) tenders.set(`${tender.kind}:${tender.brand ?? ""}`, { kind: tender.kind, ...(tender.brand ? { brand: tender.brand } : {}) });
    const key = locationKey(record.source, record.locationId);
    const name = locationNames[key];
    locations.set(key, { source: record.source, locationId: record.locationId, ...(name ? { name } : {}) });
    for (const line of record.lines) {
      if (line.sku) skus.add(line.sku);
      else linesWithoutSku = true;
    }
  }
  const some = (test: (record: SourceSale | SourceRefund) => boolean) => records.some(test);
  return {
    sources: [...new Set(records.map((record) => record.source))].sort(),
    tenders: [...tenders.values()],
    locations: [...locations.values()],
    currencies: [...new Set(records.map((record) => record.currency))].sort(),
    skus: [...skus].sort(),
    linesWithoutSku,
    shipping: some((record) => record.shipping.some((charge) => charge.amount.amount !== 0)),
    tips: some((record) => record.tips.amount !== 0),
    serviceCharges: some((record) => record.serviceCharges.some((charge) => charge.amount.amount !== 0)),
    giftCardSales: sales.some((sale) => sale.giftCardSales.some((card) => card.amount.amount !== 0)),
    discounts: some((record) => record.lines.some((line) => line.discount.amount !== 0)) || sales.some((sale) => sale.orderDiscounts.some((discount) => discount.amount.amount !== 0)),
    fees: sales.some((sale) => sale.tenders.some((tender) => (tender.processingFee?.amount ?? 0) !== 0)) || refunds.some((refund) => refund.feeRefunded.amount !== 0),
    adjustments: sales.some((sale) => sale.roundingAdjustment.amount !== 0) || refunds.some((refund) => refund.adjustment.amount !== 0),
    tax: some((record) => record.taxTotal.amount !== 0),
    splitOrLiabilityTenders: some((record) => new Set(record.tenders.map((tender) => `${tender.kind}:${tender.brand ?? ""}`)).size > 1 || record.tenders.some((tender) => tender.kind === "gift_card")),
    company,
  };
}

export interface MappingProblem {
  /** Stable code, for the UI to link the problem to the setting that fixes it. */
  code: string;
  message: string;
}

const TENDER_NAMES: Record<TenderKind, string> = { card: "Card payments", cash: "Cash payments", gift_card: "Gift card payments", other: "Other payments" };

function brandName(brand: string): string {
  return brand.replace(/_/g, " ").replace(/\b\w/g, (letter) => letter.toUpperCase());
}

/**
 * What keeps the records described by `need` from being posted with `mapping`, in plain language. An empty list
 * means every document can be built; a non-empty one keeps the accounting sync off until it is fixed.
 */
export function missingMappings(mapping: AccountingMapping, need: MappingNeeds): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const problem = (code: string, message: string) => problems.push({ code, message });

  for (const currency of need.currencies) {
    if (currency !== need.company.homeCurrency && !need.company.multiCurrencyEnabled) {
      problem(
        "currency",
        `Some sales are in ${currency}, but your QuickBooks company keeps its books in ${need.company.homeCurrency} and multicurrency is off. Turn on multicurrency in QuickBooks (Settings → Account and settings → Advanced → Currency), then check again.`,
      );
    }
  }

  for (const { kind, brand } of need.tenders) {
    const route = tenderRoute(mapping, kind, brand);
    const what = kind === "card" && brand ? `${brandName(brand)} card payments` : TENDER_NAMES[kind];
    if (!route) {
      problem(`tender.${kind}`, `${what} have no account to go to. Choose where they are deposited (usually Undeposited Funds${kind === "gift_card" ? ", or your gift card liability account" : ""}).`);
    } else if (kind !== "gift_card" && !isDepositAccount(route.account)) {
      problem(`tender.${kind}`, `${what} go to “${route.account.name}”, an account of type ${route.account.type}, but payments can only be deposited to a bank or other current asset account such as Undeposited Funds.`);
    } else if (kind === "gift_card" && !isDepositAccount(route.account) && !LIABILITY_ACCOUNT_TYPES.includes(route.account.type)) {
      problem("tender.gift_card", `Gift card payments go to “${route.account.name}”, an account of type ${route.account.type}; choose your gift card liability account.`);
    }
  }

  if (need.splitOrLiabilityTenders) {
    if (!mapping.clearingAccount) {
      problem("clearing", "Some sales are paid in more than one way (or with a gift card). Choose the account such sales are deposited to first, usually Undeposited Funds.");
    } else if (!isDepositAccount(mapping.clearingAccount)) {
      problem("clearing", `Sales paid in more than one way are deposited to “${mapping.clearingAccount.name}”, which is not a bank or other current asset account. Choose Undeposited Funds or a clearing account.`);
    }
  }

  if (need.tax && mapping.tax.mode === "tax_codes" && (!mapping.tax.taxable.id || !mapping.tax.nonTaxable.id)) {
    problem("tax", "Choose the QuickBooks tax codes for taxable and non-taxable sales.");
  }
  const summarised = need.sources.filter((source) => mapping.posting[source] === "daily_summary");
  if (summarised.length > 0 && need.tax && !mapping.taxLiabilityAccount) {
    problem(
      "tax.liability",
      `${summarised.map((source) => SOURCE_NAMES[source]).join(" and ")} sales are posted as one journal entry per day, and a journal entry records the sales tax collected on a liability account of its own. Choose that account (for example a new “POS sales tax collected” account), or post sales one by one.`,
    );
  }

  if (need.skus.some((sku) => !mapping.items.bySku[sku]) && !mapping.items.unmappedSku) {
    const unmapped = need.skus.filter((sku) => !mapping.items.bySku[sku]);
    problem("items.unmapped", `${unmapped.length} SKU${unmapped.length === 1 ? "" : "s"} (${unmapped.slice(0, 5).join(", ")}${unmapped.length > 5 ? ", …" : ""}) have no QuickBooks product or service. Map them, or let Tillbridge create them with the income account you choose.`);
  }
  const itemNeeds: [boolean, ItemChoice | null, string, string][] = [
    [need.linesWithoutSku, mapping.items.noSku, "items.noSku", "Some items have no SKU (custom amounts). Choose the product or service they are posted to."],
    [need.shipping, mapping.shipping, "shipping", "Choose the product or service shipping charges are posted to."],
    [need.tips, mapping.tips, "tips", "Choose where tips go: a “Tips” service whose income account is a liability (tips are owed to staff), usually “Tips payable”."],
    [need.serviceCharges, mapping.serviceCharges, "serviceCharges", "Choose the product or service service charges are posted to."],
    [need.giftCardSales, mapping.giftCards, "giftCards", "Gift cards were sold. Choose the item they are posted to; its income account should be your gift card liability account, because a gift card sold is money owed, not income."],
    [need.adjustments, mapping.adjustments, "adjustments", "Choose the product or service cash rounding and refund adjustments are posted to."],
  ];
  for (const [needed, choice, code, message] of itemNeeds) if (needed && !choice) problem(code, message);

  if (need.fees && !mapping.fees.expenseAccount) problem("fees", "Choose the expense account processing fees are posted to (for example “Merchant account fees”).");
  if (need.fees && mapping.fees.expenseAccount && !EXPENSE_ACCOUNT_TYPES.includes(mapping.fees.expenseAccount.type)) {
    problem("fees", `Processing fees go to “${mapping.fees.expenseAccount.name}”, which is not an expense account.`);
  }

  if (mapping.locations.dimension !== "none") {
    const dimension = mapping.locations.dimension === "department" ? "QuickBooks location" : "class";
    const unmapped = need.locations.filter((location) => !mapping.locations.byLocation[locationKey(location.source, location.locationId)]);
    for (const location of unmapped) {
      problem("locations", `${SOURCE_NAMES[location.source]} location “${location.name ?? location.locationId}” has no ${dimension}. Choose one, or stop tracking sales by ${dimension}.`);
    }
  }

  for (const source of need.sources) {
    const policy = mapping.customers[source];
    if (policy.mode === "generic" || policy.ifNotFound === "generic") {
      const choice = mapping.genericCustomers[source];
      if ("use" in choice && !choice.use.id) problem(`customers.${source}`, `Choose the customer ${SOURCE_NAMES[source]} sales without a known customer are posted to.`);
    }
  }
  return problems;
}

/** Tender kinds in a fixed order, for lists of every route. */
export const TENDER_KIND_ORDER: readonly TenderKind[] = TENDER_KINDS;

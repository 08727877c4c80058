import type { CompanyRecord } from "../companies";
import { Books } from "./books";
import type { EntityName, Json } from "./schema";
import { reference } from "./schema";
import { companyDateTime } from "./time";

/**
 * A new company's books, as a common US QuickBooks Online company starts: a chart of accounts with Undeposited
 * Funds, a bank account and the income, discount, fee, shipping and tips accounts a point of sale posts to; the
 * default payment methods; the items "Services" and "Hours"; the pseudo tax codes TAX and NON plus the AST code,
 * agency and rate of the company's state; no customers. Automated sales tax is on (companies created since
 * November 2017 use it, reference §7); DocNumbers must be unique per transaction type (QuickBooks' duplicate
 * warnings on); custom transaction numbers off. Ids are fixed, so tests can name them.
 */

export const SEED_ACCOUNTS = {
  checking: "1",
  undepositedFunds: "2",
  accountsReceivable: "3",
  inventoryAsset: "4",
  salesOfProductIncome: "5",
  services: "6",
  discountsGiven: "7",
  shippingIncome: "8",
  merchantFees: "9",
  tipsPayable: "10",
  salesTaxPayable: "11",
  costOfGoodsSold: "12",
  openingBalanceEquity: "13",
} as const;

export const SEED_ITEMS = { services: "1", hours: "2" } as const;

export const SEED_PAYMENT_METHODS = { cash: "1", check: "2", visa: "3", masterCard: "4", americanExpress: "5", discover: "6", giftCard: "7" } as const;

/** AST's state rate for the company's address. Oregon has no sales tax; a company without an address gets California's base rate. */
const STATE_SALES_TAX: Record<string, { state: string; agency: string; percent: number }> = {
  OR: { state: "Oregon", agency: "Oregon Department of Revenue", percent: 0 },
  MA: { state: "Massachusetts", agency: "Massachusetts Department of Revenue", percent: 6.25 },
  CA: { state: "California", agency: "California Department of Tax and Fee Administration", percent: 7.25 },
};
const DEFAULT_STATE = "CA";

/** The seeded rates of a multicurrency company (units of USD per unit of the currency), as of its start date. */
const SEED_EXCHANGE_RATES: Record<string, number> = { EUR: 1.08, GBP: 1.27, CAD: 0.73 };

const ACCOUNTS: [keyof typeof SEED_ACCOUNTS, string, string, string][] = [
  ["checking", "Checking", "Bank", "Checking"],
  ["undepositedFunds", "Undeposited Funds", "Other Current Asset", "UndepositedFunds"],
  ["accountsReceivable", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"],
  ["inventoryAsset", "Inventory Asset", "Other Current Asset", "Inventory"],
  ["salesOfProductIncome", "Sales of Product Income", "Income", "SalesOfProductIncome"],
  ["services", "Services", "Income", "ServiceFeeIncome"],
  ["discountsGiven", "Discounts given", "Income", "DiscountsRefundsGiven"],
  ["shippingIncome", "Shipping Income", "Income", "OtherPrimaryIncome"],
  ["merchantFees", "Merchant Processing Fees", "Expense", "BankCharges"],
  ["tipsPayable", "Tips Payable", "Other Current Liability", "OtherCurrentLiabilities"],
  ["salesTaxPayable", "Sales Tax Payable", "Other Current Liability", "SalesTaxPayable"],
  ["costOfGoodsSold", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"],
  ["openingBalanceEquity", "Opening Balance Equity", "Equity", "OpeningBalanceEquity"],
];

export const ACCOUNT_CLASSIFICATION: Record<string, string> = {
  Bank: "Asset",
  "Accounts Receivable": "Asset",
  "Other Current Asset": "Asset",
  "Fixed Asset": "Asset",
  "Other Asset": "Asset",
  "Accounts Payable": "Liability",
  "Credit Card": "Liability",
  "Other Current Liability": "Liability",
  "Long Term Liability": "Liability",
  Equity: "Equity",
  Income: "Revenue",
  "Other Income": "Revenue",
  "Cost of Goods Sold": "Expense",
  Expense: "Expense",
  "Other Expense": "Expense",
  "Non-Posting": "Asset",
};

const PAYMENT_METHODS: [keyof typeof SEED_PAYMENT_METHODS, string, "CREDIT_CARD" | "NON_CREDIT_CARD"][] = [
  ["cash", "Cash", "NON_CREDIT_CARD"],
  ["check", "Check", "NON_CREDIT_CARD"],
  ["visa", "Visa", "CREDIT_CARD"],
  ["masterCard", "MasterCard", "CREDIT_CARD"],
  ["americanExpress", "American Express", "CREDIT_CARD"],
  ["discover", "Discover", "CREDIT_CARD"],
  ["giftCard", "Gift Card", "NON_CREDIT_CARD"],
];

export function seedBooks(company: CompanyRecord): Books {
  const createdAt = Date.parse(company.createdAt);
  const state = company.address?.CountrySubDivisionCode ?? DEFAULT_STATE;
  const tax = STATE_SALES_TAX[state] ?? STATE_SALES_TAX[DEFAULT_STATE]!;
  const books = new Books(
    company.realmId,
    { automatedSalesTax: company.country === "US", multiCurrency: company.multiCurrency ?? false, homeCurrency: "USD", customTxnNumbers: false, uniqueDocNumbers: true },
    { agencyId: "1", rateIds: ["1"], codeId: "1" },
    createdAt,
    companyDateTime,
  );
  const add = (entity: EntityName, id: string, body: Json) => books.insert(entity, { domain: "QBO", sparse: false, ...body }, createdAt, id);

  for (const [key, name, type, subType] of ACCOUNTS) {
    const accountName = key === "salesTaxPayable" ? `${tax.agency} Payable` : name;
    add("Account", SEED_ACCOUNTS[key], {
      Name: accountName,
      SubAccount: false,
      FullyQualifiedName: accountName,
      Active: true,
      Classification: ACCOUNT_CLASSIFICATION[type],
      AccountType: type,
      AccountSubType: subType,
      CurrentBalance: 0,
      CurrentBalanceWithSubAccounts: 0,
      CurrencyRef: reference("USD", "United States Dollar"),
    });
  }
  for (const [key, name, type] of PAYMENT_METHODS) add("PaymentMethod", SEED_PAYMENT_METHODS[key], { Name: name, Active: true, Type: type });
  for (const [id, name] of [
    [SEED_ITEMS.services, "Services"],
    [SEED_ITEMS.hours, "Hours"],
  ] as const) {
    add("Item", id, {
      Name: name,
      Active: true,
      FullyQualifiedName: name,
      Taxable: false,
      UnitPrice: 0,
      Type: "Service",
      IncomeAccountRef: reference(SEED_ACCOUNTS.services, "Services"),
      PurchaseCost: 0,
      TrackQtyOnHand: false,
    });
  }

  add("TaxAgency", books.salesTax.agencyId, { DisplayName: tax.agency, TaxTrackedOnSales: true, TaxTrackedOnPurchases: false });
  add("TaxRate", books.salesTax.rateIds[0]!, {
    Name: tax.state,
    Description: `${tax.state} state sales tax`,
    Active: true,
    RateValue: tax.percent,
    AgencyRef: reference(books.salesTax.agencyId),
    SpecialTaxType: "NONE",
    DisplayType: "ReadOnly",
  });
  add("TaxCode", "TAX", { Name: "TAX", Description: "TAX", Active: true, Hidden: false, Taxable: true, TaxGroup: false });
  add("TaxCode", "NON", { Name: "NON", Description: "NON", Active: true, Hidden: false, Taxable: false, TaxGroup: false });
  // Named by the state's code: TaxCode.Name holds 10 characters (XSD).
  const stateCode = STATE_SALES_TAX[state] ? state : DEFAULT_STATE;
  add("TaxCode", books.salesTax.codeId, {
    Name: stateCode,
    Description: `${tax.state} sales tax`,
    Active: true,
    Hidden: false,
    Taxable: true,
    TaxGroup: true,
    SalesTaxRateList: { TaxRateDetail: [{ TaxRateRef: reference(books.salesTax.rateIds[0]!, tax.state), TaxTypeApplicable: "TaxOnAmount", TaxOrder: 0 }] },
    PurchaseTaxRateList: { TaxRateDetail: [] },
  });

  if (books.preferences.multiCurrency) {
    for (const [currency, rate] of Object.entries(SEED_EXCHANGE_RATES)) books.setExchangeRate(currency, rate, company.startDate, createdAt);
  }
  return books;
}

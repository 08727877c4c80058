import type { Books } from "./books";
import { reference, orderLikeXsd, type Json } from "./schema";
import { companyDateTime } from "./time";

/**
 * The company's Preferences entity, the parts an app posting sales reads: TaxPrefs.PartnerTaxEnabled (automated
 * sales tax), CurrencyPrefs (MultiCurrencyEnabled, HomeCurrency), SalesFormsPrefs.CustomTxnNumbers, and the
 * discount, deposit and shipping switches of sales forms. Changed through the control API (as the merchant would
 * in QuickBooks' settings); its SyncToken counts the changes.
 */
export function preferencesOf(books: Books, fiscalYearStartMonth: string): Json {
  const { preferences } = books;
  return orderLikeXsd("Preferences", {
    domain: "QBO",
    sparse: false,
    Id: "1",
    SyncToken: String(books.preferencesSyncToken),
    MetaData: { CreateTime: companyDateTime(books.createdAt), LastUpdatedTime: companyDateTime(books.preferencesUpdatedAt) },
    AccountingInfoPrefs: { TrackDepartments: false, ClassTrackingPerTxn: false, ClassTrackingPerTxnLine: false, FirstMonthOfFiscalYear: fiscalYearStartMonth, CustomerTerminology: "Customers" },
    ProductAndServicesPrefs: { ForSales: true, ForPurchase: true, QuantityWithPriceAndRate: true, QuantityOnHand: true },
    SalesFormsPrefs: { CustomTxnNumbers: preferences.customTxnNumbers, AllowDeposit: true, AllowDiscount: true, AllowEstimates: true, AllowServiceDate: false, AllowShipping: false },
    TaxPrefs: { UsingSalesTax: true, PartnerTaxEnabled: preferences.automatedSalesTax, ...(preferences.automatedSalesTax && { TaxGroupCodeRef: reference(books.salesTax.codeId) }) },
    CurrencyPrefs: { MultiCurrencyEnabled: preferences.multiCurrency, HomeCurrency: reference(preferences.homeCurrency) },
  }) as Json;
}

/** The ExchangeRate entity for a currency on a date (units of home currency per unit of the currency). */
export function exchangeRateOf(books: Books, currency: string, date: string): Json | undefined {
  const rate = books.exchangeRate(currency, date);
  if (!rate) return undefined;
  return orderLikeXsd("ExchangeRate", {
    domain: "QBO",
    sparse: false,
    SyncToken: "0",
    MetaData: { LastUpdatedTime: companyDateTime(rate.updatedAt) },
    SourceCurrencyCode: currency,
    TargetCurrencyCode: books.preferences.homeCurrency,
    Rate: rate.rate,
    AsOfDate: rate.asOfDate,
  }) as Json;
}

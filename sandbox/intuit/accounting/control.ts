import { z } from "zod";
import type { Books, CompanyPreferences } from "./books";
import { parseDecimal, toCents } from "./decimal";
import { isPlainObject, refValue, TRANSACTION_ENTITIES, type TransactionEntity } from "./schema";
import { companyDate } from "./time";

/**
 * What the control API does with a company's books, as the merchant or QuickBooks itself would: list the
 * transactions the app posted (with totals in cents), change the preferences an app reads, set exchange rates.
 */

export interface DocumentSummary {
  id: string;
  docNumber: string | null;
  txnDate: string;
  customer: string | null;
  currency: string;
  totalAmt: number;
  totalCents: number;
  voided: boolean;
  syncToken: string;
  /** Home-currency units per unit of `currency` (multicurrency companies), and the total in home-currency cents. */
  exchangeRate: number | null;
  homeTotalCents: number | null;
}

export interface DocumentList {
  entity: TransactionEntity;
  count: number;
  /** The documents' totals added up in cents (voided ones are 0). */
  totalCents: number;
  documents: DocumentSummary[];
}

export const documentTypeSchema = z.enum(TRANSACTION_ENTITIES);

export function listDocuments(books: Books, entity: TransactionEntity): DocumentList {
  const documents = books.all(entity).map((record): DocumentSummary => {
    const { body } = record;
    const totalCents = toCents(parseDecimal(body.TotalAmt) ?? { units: 0n, scale: 0 });
    const customer = isPlainObject(body.CustomerRef) ? String(body.CustomerRef.name ?? body.CustomerRef.value) : null;
    return {
      id: record.id,
      docNumber: typeof body.DocNumber === "string" ? body.DocNumber : null,
      txnDate: String(body.TxnDate),
      customer,
      currency: refValue(body.CurrencyRef) ?? books.preferences.homeCurrency,
      totalAmt: Number(body.TotalAmt ?? 0),
      totalCents,
      voided: record.voided,
      syncToken: String(body.SyncToken),
      exchangeRate: body.ExchangeRate === undefined ? null : Number(body.ExchangeRate),
      homeTotalCents: body.HomeTotalAmt === undefined ? null : toCents(parseDecimal(body.HomeTotalAmt) ?? { units: 0n, scale: 0 }),
    };
  });
  return { entity, count: documents.length, totalCents: documents.reduce((sum, document) => sum + document.totalCents, 0), documents };
}

export const preferencesChangeSchema = z.strictObject({
  automatedSalesTax: z.boolean().optional(),
  /** QuickBooks cannot turn multicurrency off once on. */
  multiCurrency: z.boolean().optional(),
  customTxnNumbers: z.boolean().optional(),
  uniqueDocNumbers: z.boolean().optional(),
  /** The company's AST rate, in percent (0 to 20, at most 4 decimals). */
  salesTaxRatePercent: z
    .number()
    .min(0)
    .max(20)
    .refine((value) => /^\d+(\.\d{1,4})?$/.test(String(value)), "at most 4 decimals")
    .optional(),
});

export type PreferencesChange = z.infer<typeof preferencesChangeSchema>;

export interface PreferencesView extends CompanyPreferences {
  salesTaxRatePercent: number;
}

export class PreferenceRefused extends Error {}

export function preferencesView(books: Books): PreferencesView {
  const rate = books.find("TaxRate", books.salesTax.rateIds[0] ?? "");
  return { ...books.preferences, salesTaxRatePercent: Number(rate?.body.RateValue ?? 0) };
}

export function changePreferences(books: Books, change: PreferencesChange, now: number): PreferencesView {
  if (change.multiCurrency === false && books.preferences.multiCurrency) throw new PreferenceRefused("QuickBooks cannot turn multicurrency off once it is on");
  const { salesTaxRatePercent, ...switches } = change;
  Object.assign(books.preferences, Object.fromEntries(Object.entries(switches).filter(([, value]) => value !== undefined)));
  if (salesTaxRatePercent !== undefined) {
    for (const id of books.salesTax.rateIds) {
      const rate = books.find("TaxRate", id);
      if (rate) books.replace("TaxRate", id, { ...rate.body, RateValue: salesTaxRatePercent }, now);
    }
  }
  books.preferencesSyncToken++;
  books.preferencesUpdatedAt = now;
  return preferencesView(books);
}

export const exchangeRateSchema = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR"),
  /** Units of the home currency for one unit of the currency. */
  rate: z.number().positive().max(1_000_000),
  asOfDate: z.iso.date().optional(),
});

export function setExchangeRate(books: Books, input: z.infer<typeof exchangeRateSchema>, now: number): { currency: string; rate: number; asOfDate: string } {
  if (!books.preferences.multiCurrency) throw new PreferenceRefused("Turn multicurrency on before setting exchange rates");
  if (input.currency === books.preferences.homeCurrency) throw new PreferenceRefused(`${input.currency} is the home currency`);
  if (!parseDecimal(input.rate)) throw new PreferenceRefused("The rate is not a decimal");
  const asOfDate = input.asOfDate ?? companyDate(now);
  books.setExchangeRate(input.currency, input.rate, asOfDate, now);
  return { currency: input.currency, rate: input.rate, asOfDate };
}

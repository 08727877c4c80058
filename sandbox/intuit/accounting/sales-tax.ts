import { businessValidation, fail, requiredParameterMissing } from "../faults";
import type { Books } from "./books";
import { centsToAmount, decimalToNumber, parseDecimal, percentOfCents, prorate, toCents, type Decimal } from "./decimal";
import { isPlainObject, refValue, reference, type Json } from "./schema";

/**
 * US sales tax on a SalesReceipt or RefundReceipt (reference §7):
 *  - with automated sales tax (TaxPrefs.PartnerTaxEnabled), QuickBooks assigns the transaction tax code and
 *    computes the tax on the taxable lines (TaxCodeRef TAX) at the company's rates, one TaxLine per rate; a sent
 *    TxnTaxDetail.TotalTax is honored exactly instead and prorated over the rates (how an app mirrors the tax its
 *    point of sale collected);
 *  - without it, TxnTaxDetail.TxnTaxCodeRef must name a tax code and the amounts are taken as sent.
 * Discounts: ApplyTaxAfterDiscount true taxes the discounted amount (the discount is spread over the taxable
 * lines in proportion); false or absent taxes before the discount, as the XSD documents.
 */

export interface SalesAmounts {
  subtotalCents: number;
  taxableCents: number;
  discountCents: number;
}

export interface SalesTaxResult {
  detail: Json;
  totalTaxCents: number;
}

/** Whether a line's tax code makes it taxable: the pseudo code TAX, or a real code marked Taxable. */
export function isTaxableCode(books: Books, codeId: string | undefined): boolean {
  if (codeId === undefined || codeId === "NON") return false;
  if (codeId === "TAX") return true;
  return books.find("TaxCode", codeId)?.body.Taxable === true;
}

interface RateShare {
  id: string;
  name: string;
  percent: Decimal;
}

function companyRates(books: Books): RateShare[] {
  return books.salesTax.rateIds.flatMap((id) => {
    const rate = books.find("TaxRate", id);
    const percent = parseDecimal(rate?.body.RateValue);
    return rate && percent ? [{ id, name: String(rate.body.Name), percent }] : [];
  });
}

function commonScaleWeights(percents: Decimal[]): bigint[] {
  const scale = Math.max(0, ...percents.map((percent) => percent.scale));
  return percents.map((percent) => percent.units * 10n ** BigInt(scale - percent.scale));
}

function sentTotalTax(detail: Json | undefined): number | undefined {
  if (!detail || detail.TotalTax === undefined) return undefined;
  const total = parseDecimal(detail.TotalTax);
  if (!total) return undefined;
  const cents = toCents(total);
  if (cents < 0) fail(businessValidation("TxnTaxDetail.TotalTax cannot be negative", "TxnTaxDetail.TotalTax"));
  return cents;
}

export function salesTax(books: Books, body: Json, amounts: SalesAmounts): SalesTaxResult {
  const sent = isPlainObject(body.TxnTaxDetail) ? body.TxnTaxDetail : undefined;
  if (!books.preferences.automatedSalesTax) return taxAsSent(sent);

  const sentTotal = sentTotalTax(sent);
  const discountOnTaxable = amounts.subtotalCents === 0 ? 0 : Math.round((amounts.discountCents * amounts.taxableCents) / amounts.subtotalCents);
  const base = body.ApplyTaxAfterDiscount === true ? Math.max(0, amounts.taxableCents - discountOnTaxable) : amounts.taxableCents;
  if (base === 0 && sentTotal === undefined) return { detail: { TotalTax: 0 }, totalTaxCents: 0 };

  const rates = companyRates(books);
  const computed = rates.map((rate) => percentOfCents(base, rate.percent));
  const total = sentTotal ?? computed.reduce((sum, cents) => sum + cents, 0);
  const perRate = sentTotal === undefined ? computed : prorate(total, commonScaleWeights(rates.map((rate) => rate.percent)));
  const code = books.find("TaxCode", books.salesTax.codeId);
  return {
    totalTaxCents: total,
    detail: {
      TxnTaxCodeRef: reference(books.salesTax.codeId, typeof code?.body.Name === "string" ? code.body.Name : undefined),
      TotalTax: centsToAmount(total),
      TaxLine: rates.map((rate, index) => ({
        Amount: centsToAmount(perRate[index] ?? 0),
        DetailType: "TaxLineDetail",
        TaxLineDetail: { TaxRateRef: reference(rate.id, rate.name), PercentBased: true, TaxPercent: decimalToNumber(rate.percent), NetAmountTaxable: centsToAmount(base) },
      })),
    },
  };
}

/** Without AST: the tax code must be given with the detail, and the total is what was sent (else the sum of the sent tax lines). */
function taxAsSent(sent: Json | undefined): SalesTaxResult {
  if (!sent) return { detail: { TotalTax: 0 }, totalTaxCents: 0 };
  if (refValue(sent.TxnTaxCodeRef) === undefined) fail(requiredParameterMissing("TxnTaxDetail.TxnTaxCodeRef", " (companies without automated sales tax name the transaction's tax code)"));
  const lines = Array.isArray(sent.TaxLine) ? (sent.TaxLine as Json[]) : [];
  const fromLines = lines.reduce((sum, line) => sum + toCents(parseDecimal(line.Amount) ?? { units: 0n, scale: 0 }), 0);
  const total = sentTotalTax(sent) ?? fromLines;
  return { detail: { ...sent, TotalTax: centsToAmount(total) }, totalTaxCents: total };
}

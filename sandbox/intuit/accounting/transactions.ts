import {
  amountCalculationIncorrect,
  businessValidation,
  duplicateDocNumber,
  fail,
  invalidReference,
  notImplemented,
  requiredParameterMissing,
} from "../faults";
import type { Books, StoredRecord } from "./books";
import type { WriteContext } from "./context";
import { centsToAmount, decimalToNumber, parseDecimal, percentOfCents, productInCents, scaleCents, toCents } from "./decimal";
import { resolveReferences } from "./references";
import { isTaxableCode, salesTax } from "./sales-tax";
import { isPlainObject, refValue, reference, type Json, type TransactionEntity } from "./schema";
import { companyDate } from "./time";

/**
 * The business rules and computed fields of the transactions a point of sale posts:
 *  - SalesReceipt / RefundReceipt: line amounts (Amount = Qty × UnitPrice to the cent when both are given),
 *    discounts, sales tax (sales-tax.ts), the SubTotalLine QuickBooks adds, TotalAmt = lines + tax; a
 *    SalesReceipt goes to Undeposited Funds unless it names DepositToAccountRef;
 *  - JournalEntry: debits must equal credits (6000), TotalAmt is the debits;
 *  - Deposit: lines either move a receipt out of Undeposited Funds (LinkedTxn, the receipt's exact amount, once)
 *    or post to an account (fees as negative lines); TotalAmt is their sum;
 *  - all: DocNumber unique per transaction type while the company's preference says so (6140), sales forms
 *    numbered automatically when custom transaction numbers are off, TxnDate defaulting to today, currency and
 *    exchange rate (HomeTotalAmt) in multicurrency companies.
 */

const LINE_DETAILS = [
  "PaymentLineDetail",
  "DiscountLineDetail",
  "TaxLineDetail",
  "SalesItemLineDetail",
  "DescriptionLineDetail",
  "ItemBasedExpenseLineDetail",
  "AccountBasedExpenseLineDetail",
  "ReimburseLineDetail",
  "DepositLineDetail",
  "PurchaseOrderItemLineDetail",
  "SalesOrderItemLineDetail",
  "ItemReceiptLineDetail",
  "JournalEntryLineDetail",
  "GroupLineDetail",
  "SubTotalLineDetail",
  "TDSLineDetail",
  "ItemAdjustmentLineDetail",
];

/** The first sales-form number QuickBooks Online hands out. */
const FIRST_AUTO_DOC_NUMBER = 1001;

const CURRENCY_NAMES: Record<string, string> = {
  USD: "United States Dollar",
  EUR: "Euro",
  GBP: "British Pound Sterling",
  CAD: "Canadian Dollar",
  AUD: "Australian Dollar",
  JPY: "Japanese Yen",
  MXN: "Mexican Peso",
};

const TXN_TYPE_LABELS: Record<TransactionEntity, string> = { SalesReceipt: "Sales Receipt", RefundReceipt: "Refund", JournalEntry: "Journal Entry", Deposit: "Deposit" };

/** The company's account of that subtype that QuickBooks uses by default (Undeposited Funds, Discounts given). */
function systemAccount(books: Books, subType: "UndepositedFunds" | "DiscountsRefundsGiven"): StoredRecord | undefined {
  return books.all("Account").find((account) => account.body.AccountSubType === subType && account.body.Active !== false);
}

function amountCents(value: unknown): number | undefined {
  const decimal = parseDecimal(value);
  return decimal ? toCents(decimal) : undefined;
}

/** The detail element a line carries, checked against its DetailType. */
function lineDetail(line: Json, index: number, entity: TransactionEntity): { type: string; detail: Json | undefined } {
  const present = LINE_DETAILS.filter((name) => line[name] !== undefined);
  const type = typeof line.DetailType === "string" ? line.DetailType : "";
  const [detailName] = present;
  // DescriptionOnly lines carry a DescriptionLineDetail; every other DetailType is its detail's name.
  if (detailName && (type === "DescriptionOnly" ? "DescriptionLineDetail" : type) !== detailName) fail(businessValidation(`Line ${index + 1} of the ${entity}: DetailType ${type} does not match its ${detailName}`, "Line.DetailType"));
  return { type, detail: detailName ? (line[detailName] as Json) : undefined };
}

function docNumbersOf(books: Books, entity: TransactionEntity, exceptId?: string): StoredRecord[] {
  return books.all(entity).filter((record) => record.id !== exceptId && typeof record.body.DocNumber === "string");
}

function applyDocNumber(context: WriteContext, entity: TransactionEntity, body: Json, selfId?: string): void {
  const { books } = context;
  const isSalesForm = entity === "SalesReceipt" || entity === "RefundReceipt";
  const wantsAuto = body.DocNumber === "AUTO_GENERATE" || (isSalesForm && body.DocNumber === undefined && !selfId && !books.preferences.customTxnNumbers);
  if (wantsAuto) {
    const highest = docNumbersOf(books, entity).reduce((max, record) => {
      const number = Number(record.body.DocNumber);
      return Number.isSafeInteger(number) ? Math.max(max, number) : max;
    }, FIRST_AUTO_DOC_NUMBER - 1);
    body.DocNumber = String(highest + 1);
    return;
  }
  if (typeof body.DocNumber !== "string" || body.DocNumber === "" || !books.preferences.uniqueDocNumbers || context.allowDuplicateDocNumber) return;
  const wanted = body.DocNumber.toLowerCase();
  const clash = docNumbersOf(books, entity, selfId).find((record) => String(record.body.DocNumber).toLowerCase() === wanted);
  if (clash) fail(duplicateDocNumber(`DocNumber=${body.DocNumber} is assigned to TxnType=${TXN_TYPE_LABELS[entity]} with TxnId=${clash.id}`));
}

/** CurrencyRef defaults to the home currency; a foreign one needs multicurrency and a rate (sent, or the company's for TxnDate). */
function applyCurrency(books: Books, body: Json): { rate: ReturnType<typeof parseDecimal> } {
  const home = books.preferences.homeCurrency;
  const currency = refValue(body.CurrencyRef) ?? home;
  body.CurrencyRef = reference(currency, CURRENCY_NAMES[currency]);
  if (currency === home) {
    if (books.preferences.multiCurrency) body.ExchangeRate = 1;
    else delete body.ExchangeRate;
    return { rate: undefined };
  }
  if (!books.preferences.multiCurrency) fail(businessValidation(`The company uses only ${home}: turn on multicurrency to record a transaction in ${currency}`, "CurrencyRef"));
  const sent = parseDecimal(body.ExchangeRate);
  if (sent) return { rate: sent };
  const known = books.exchangeRate(currency, String(body.TxnDate));
  if (!known) fail(invalidReference("CurrencyRef", `currency ${currency} is not set up in this company`));
  body.ExchangeRate = known.rate;
  return { rate: parseDecimal(known.rate) };
}

function prepareSalesForm(context: WriteContext, entity: "SalesReceipt" | "RefundReceipt", body: Json): number {
  const { books } = context;
  const lines = (body.Line as Json[]).filter((line) => line.DetailType !== "SubTotalLineDetail");
  const itemLines: Json[] = [];
  const discountLines: Json[] = [];
  let subtotalCents = 0;
  let taxableCents = 0;
  let lineNumber = 0;

  for (const [index, line] of lines.entries()) {
    const { type, detail } = lineDetail(line, index, entity);
    if (type === "SalesItemLineDetail") {
      if (!detail) fail(requiredParameterMissing("Line.SalesItemLineDetail"));
      const itemId = refValue(detail.ItemRef);
      if (itemId === undefined) fail(requiredParameterMissing("Line.SalesItemLineDetail.ItemRef"));
      const item = books.find("Item", itemId);
      if (item?.body.Type === "Category") fail(businessValidation(`Item ${itemId} is a category; categories cannot be sold`, "Line.SalesItemLineDetail.ItemRef"));
      const qty = parseDecimal(detail.Qty);
      const unitPrice = parseDecimal(detail.UnitPrice);
      const sent = amountCents(line.Amount);
      let cents: number;
      if (qty && unitPrice) {
        cents = productInCents(qty, unitPrice);
        if (sent !== undefined && sent !== cents) {
          fail(amountCalculationIncorrect(`Amount is not equal to UnitPrice * Qty. Supplied value:${String(line.Amount)}, UnitPrice * Qty = ${decimalToNumber(unitPrice)} * ${decimalToNumber(qty)} = ${centsToAmount(cents)}`));
        }
      } else if (sent !== undefined) {
        cents = sent;
      } else {
        fail(requiredParameterMissing("Line.Amount"));
      }
      const taxCode = refValue(detail.TaxCodeRef) ?? (item?.body.Taxable === true ? "TAX" : "NON");
      detail.TaxCodeRef = reference(taxCode);
      if (detail.ItemAccountRef === undefined && isPlainObject(item?.body.IncomeAccountRef)) detail.ItemAccountRef = { ...item.body.IncomeAccountRef };
      lineNumber++;
      itemLines.push({ ...line, Id: String(lineNumber), LineNum: lineNumber, Amount: centsToAmount(cents) });
      subtotalCents += cents;
      if (isTaxableCode(books, taxCode)) taxableCents += cents;
    } else if (type === "DescriptionOnly") {
      lineNumber++;
      itemLines.push({ ...line, Id: String(lineNumber), LineNum: lineNumber });
    } else if (type === "DiscountLineDetail") {
      discountLines.push(line);
    } else if (type === "GroupLineDetail") {
      fail(notImplemented("Group item lines are not modelled by the sandbox"));
    } else {
      fail(businessValidation(`Line ${index + 1}: a ${entity} cannot carry a ${type || "line without DetailType"}`, "Line.DetailType"));
    }
  }

  let discountCents = 0;
  const discounts = discountLines.map((line) => {
    const detail = (line.DiscountLineDetail as Json | undefined) ?? {};
    const percent = parseDecimal(detail.DiscountPercent);
    const cents = detail.PercentBased === true && percent ? percentOfCents(subtotalCents, percent) : amountCents(line.Amount);
    if (cents === undefined) fail(requiredParameterMissing("Line.Amount"));
    if (detail.DiscountAccountRef === undefined) {
      const account = systemAccount(books, "DiscountsRefundsGiven");
      if (account) detail.DiscountAccountRef = reference(account.id, String(account.body.Name));
    }
    discountCents += cents;
    return { ...line, DiscountLineDetail: detail, Amount: centsToAmount(cents) };
  });

  const tax = salesTax(books, body, { subtotalCents, taxableCents, discountCents });
  body.TxnTaxDetail = tax.detail;
  body.Line = [...itemLines, { Amount: centsToAmount(subtotalCents), DetailType: "SubTotalLineDetail", SubTotalLineDetail: {} }, ...discounts];
  if (entity === "SalesReceipt" && body.DepositToAccountRef === undefined) {
    const undeposited = systemAccount(books, "UndepositedFunds");
    if (undeposited) body.DepositToAccountRef = reference(undeposited.id, String(undeposited.body.Name));
  }
  return subtotalCents - discountCents + tax.totalTaxCents;
}

function prepareJournalEntry(context: WriteContext, body: Json): number {
  const { books } = context;
  let debits = 0;
  let credits = 0;
  body.Line = (body.Line as Json[]).map((line, index) => {
    const { type, detail } = lineDetail(line, index, "JournalEntry");
    if (type !== "JournalEntryLineDetail" || !detail) fail(businessValidation(`Line ${index + 1}: journal entry lines are JournalEntryLineDetail lines`, "Line.DetailType"));
    const cents = amountCents(line.Amount) ?? 0;
    if (cents < 0) fail(businessValidation(`Line ${index + 1}: a journal line's Amount cannot be negative; use the other PostingType`, "Line.Amount"));
    if (detail.PostingType === "Debit") debits += cents;
    else credits += cents;
    const account = books.find("Account", refValue(detail.AccountRef) ?? "");
    const entity = isPlainObject(detail.Entity) ? detail.Entity : undefined;
    if (account?.body.AccountType === "Accounts Receivable" && entity?.Type !== "Customer") {
      fail(businessValidation(`Line ${index + 1}: when you use Accounts Receivable, you must choose a customer in the Name field (Entity)`, "Line.JournalEntryLineDetail.Entity"));
    }
    if (account?.body.AccountType === "Accounts Payable") fail(businessValidation(`Line ${index + 1}: Accounts Payable lines need a vendor, and the sandbox keeps none`, "Line.JournalEntryLineDetail.Entity"));
    return { ...line, Id: String(index), Amount: centsToAmount(cents) };
  });
  if (debits !== credits) {
    fail(businessValidation(`The journal entry is out of balance: debits total ${centsToAmount(debits).toFixed(2)} and credits total ${centsToAmount(credits).toFixed(2)}. They must be equal.`, "Line"));
  }
  return debits;
}

/** The live deposits (other than `exceptId`) that moved the receipt out of Undeposited Funds. */
export function depositsLinking(books: Books, txnType: string, txnId: string, exceptId?: string): StoredRecord[] {
  return books.all("Deposit").filter(
    (deposit) =>
      deposit.id !== exceptId &&
      (deposit.body.Line as Json[] | undefined)?.some((line) => (line.LinkedTxn as Json[] | undefined)?.some((link) => link.TxnType === txnType && String(link.TxnId) === txnId)),
  );
}

function prepareDeposit(context: WriteContext, body: Json, selfId?: string): number {
  const { books } = context;
  const undepositedId = systemAccount(books, "UndepositedFunds")?.id;
  if (refValue(body.DepositToAccountRef) === undepositedId) fail(businessValidation("A deposit cannot go to Undeposited Funds", "DepositToAccountRef"));
  let total = 0;
  const linked = new Set<string>();
  body.Line = (body.Line as Json[]).map((line, index) => {
    const links = Array.isArray(line.LinkedTxn) ? (line.LinkedTxn as Json[]) : [];
    let cents: number;
    if (links.length > 0) {
      if (links.length > 1) fail(businessValidation(`Line ${index + 1}: a deposit line links one transaction`, "Line.LinkedTxn"));
      const link = links[0]!;
      const txnType = String(link.TxnType ?? "");
      const txnId = String(link.TxnId ?? "");
      if (txnType !== "SalesReceipt" && txnType !== "RefundReceipt") fail(invalidReference("Line.LinkedTxn.TxnId", `${txnType || "a transaction"} ${txnId}: the sandbox deposits sales receipts and refund receipts`));
      const receipt = books.find(txnType, txnId);
      if (!receipt) fail(invalidReference("Line.LinkedTxn.TxnId", `${txnType} ${txnId} does not exist in this company`));
      if (refValue(receipt.body.DepositToAccountRef) !== undepositedId) fail(businessValidation(`${txnType} ${txnId} is not in Undeposited Funds`, "Line.LinkedTxn"));
      const key = `${txnType}:${txnId}`;
      if (linked.has(key) || depositsLinking(books, txnType, txnId, selfId).length > 0) fail(businessValidation(`${txnType} ${txnId} has already been deposited`, "Line.LinkedTxn"));
      linked.add(key);
      const receiptCents = amountCents(receipt.body.TotalAmt) ?? 0;
      const expected = txnType === "RefundReceipt" ? -receiptCents : receiptCents;
      const sent = amountCents(line.Amount);
      if (sent !== undefined && sent !== expected) fail(businessValidation(`Line ${index + 1}: the amount deposited for ${txnType} ${txnId} must be ${centsToAmount(expected)}, not ${String(line.Amount)}`, "Line.Amount"));
      cents = expected;
      link.TxnLineId = link.TxnLineId ?? "0";
    } else {
      const { type, detail } = lineDetail(line, index, "Deposit");
      if (type !== "DepositLineDetail") fail(requiredParameterMissing("Line.DetailType", " (a deposit line without LinkedTxn is a DepositLineDetail line)"));
      if (!detail || refValue(detail.AccountRef) === undefined) fail(requiredParameterMissing("Line.DepositLineDetail.AccountRef"));
      const sent = amountCents(line.Amount);
      if (sent === undefined) fail(requiredParameterMissing("Line.Amount"));
      cents = sent;
    }
    total += cents;
    return { ...line, Id: String(index + 1), LineNum: index + 1, Amount: centsToAmount(cents) };
  });
  return total;
}

/** Checks and completes a transaction about to be stored (created, or replaced by an update). */
export function prepareTransaction(context: WriteContext, entity: TransactionEntity, body: Json, selfId?: string): Json {
  const { books } = context;
  if (body.TxnDate === undefined) body.TxnDate = companyDate(context.now);
  applyDocNumber(context, entity, body, selfId);
  const { rate } = applyCurrency(books, body);
  resolveReferences(books, entity, body, entity);

  let totalCents: number;
  if (entity === "SalesReceipt" || entity === "RefundReceipt") totalCents = prepareSalesForm(context, entity, body);
  else if (entity === "JournalEntry") totalCents = prepareJournalEntry(context, body);
  else totalCents = prepareDeposit(context, body, selfId);

  body.TotalAmt = centsToAmount(totalCents);
  if (entity === "SalesReceipt" || entity === "RefundReceipt") body.Balance = 0;
  if (books.preferences.multiCurrency) body.HomeTotalAmt = centsToAmount(rate ? scaleCents(totalCents, rate) : totalCents);
  else delete body.HomeTotalAmt;
  return { domain: "QBO", sparse: false, ...body };
}

/** A voided sales form: kept (its number stays taken), every amount zero, PrivateNote "Voided", as QuickBooks does. */
export function voidedTransaction(body: Json): Json {
  const zero = (line: Json): Json => ({ ...line, Amount: 0, ...(isPlainObject(line.SalesItemLineDetail) && { SalesItemLineDetail: { ...line.SalesItemLineDetail, Qty: 0 } }) });
  const taxDetail = isPlainObject(body.TxnTaxDetail) ? body.TxnTaxDetail : {};
  return {
    ...body,
    Line: ((body.Line as Json[] | undefined) ?? []).map(zero),
    TxnTaxDetail: { ...taxDetail, TotalTax: 0, ...(Array.isArray(taxDetail.TaxLine) && { TaxLine: (taxDetail.TaxLine as Json[]).map(zero) }) },
    TotalAmt: 0,
    ...(body.HomeTotalAmt !== undefined && { HomeTotalAmt: 0 }),
    ...(body.Balance !== undefined && { Balance: 0 }),
    PrivateNote: "Voided",
  };
}

/**
 * What QuickBooks documents do to the accounts: the debit (+) or credit (−) each one makes on each account, in
 * minor units. A SalesReceipt debits its deposit account with its total and credits each line's item income
 * account, debits the discount account, and credits sales tax; a RefundReceipt does the opposite; a journal
 * entry says it line by line. Used by reconciliation (what QuickBooks holds against what the sources say) and by
 * the tests that prove every document leaves the books equal to the source to the cent.
 */
import type { AccountingMapping } from "./mapping";
import { fromQboAmount } from "./money";
import type { ResolvedRefs } from "./posting";

/** The ledger key of the sales tax a receipt records (QuickBooks keeps it on the tax agency's own account). */
export const SALES_TAX_ACCOUNT = "(sales tax)";

interface LineLike {
  Amount: number;
  DetailType: string;
  SalesItemLineDetail?: { ItemRef?: { value: string } };
  DiscountLineDetail?: { DiscountAccountRef?: { value: string } };
  JournalEntryLineDetail?: { PostingType: "Debit" | "Credit"; AccountRef: { value: string } };
}

export interface LedgerDocument {
  entity: "SalesReceipt" | "RefundReceipt" | "JournalEntry";
  payload: {
    Line: readonly LineLike[];
    CurrencyRef?: { value: string };
    DepositToAccountRef?: { value: string };
    TxnTaxDetail?: { TotalTax?: number };
    TotalAmt?: number;
  };
}

/** Account id → signed amount in minor units (debit positive). */
export type Balances = Map<string, number>;

/** The income account of each item Tillbridge knows (mapped, or created for the mapping), by item id. */
export function itemIncomeAccounts(mapping: AccountingMapping, refs: Pick<ResolvedRefs, "items">): Map<string, string> {
  const accounts = new Map<string, string>();
  const note = (item: { id: string; incomeAccount: { id: string } }) => accounts.set(item.id, item.incomeAccount.id);
  for (const item of Object.values(mapping.items.bySku)) note(item);
  if (mapping.items.unmappedSku && "use" in mapping.items.unmappedSku) note(mapping.items.unmappedSku.use);
  for (const choice of [mapping.items.noSku, mapping.shipping, mapping.tips, mapping.serviceCharges, mapping.giftCards, mapping.adjustments]) {
    if (choice && "use" in choice) note(choice.use);
  }
  for (const item of Object.values(refs.items)) note(item);
  return accounts;
}

/** The key an item's income lands on: its income account, or `(item <id>)` for an item Tillbridge does not know. */
export function unknownItemAccount(itemId: string): string {
  return `(item ${itemId})`;
}

export function addToBalances(balances: Balances, document: LedgerDocument, homeCurrency: string, incomeAccountOfItem: ReadonlyMap<string, string>): Balances {
  const currency = document.payload.CurrencyRef?.value ?? homeCurrency;
  const minor = (value: number) => fromQboAmount(value, currency).amount;
  const post = (account: string, amount: number) => balances.set(account, (balances.get(account) ?? 0) + amount);
  if (document.entity === "JournalEntry") {
    for (const line of document.payload.Line) {
      const detail = line.JournalEntryLineDetail;
      if (!detail) continue;
      post(detail.AccountRef.value, detail.PostingType === "Debit" ? minor(line.Amount) : -minor(line.Amount));
    }
    return balances;
  }
  // A receipt: income and tax on one side, the deposit account on the other; a refund receipt mirrored.
  const sign = document.entity === "SalesReceipt" ? 1 : -1;
  let total = 0;
  for (const line of document.payload.Line) {
    if (line.DetailType === "SalesItemLineDetail" && line.SalesItemLineDetail?.ItemRef) {
      const itemId = line.SalesItemLineDetail.ItemRef.value;
      post(incomeAccountOfItem.get(itemId) ?? unknownItemAccount(itemId), -sign * minor(line.Amount));
      total += minor(line.Amount);
    } else if (line.DetailType === "DiscountLineDetail" && line.DiscountLineDetail?.DiscountAccountRef) {
      post(line.DiscountLineDetail.DiscountAccountRef.value, sign * minor(line.Amount));
      total -= minor(line.Amount);
    }
    // SubTotalLineDetail and description-only lines move no money.
  }
  const tax = minor(document.payload.TxnTaxDetail?.TotalTax ?? 0);
  post(SALES_TAX_ACCOUNT, -sign * tax);
  total += tax;
  const deposit = document.payload.DepositToAccountRef?.value ?? "(deposit account)";
  post(deposit, sign * (document.payload.TotalAmt !== undefined ? minor(document.payload.TotalAmt) : total));
  return balances;
}

export function balancesOf(documents: readonly LedgerDocument[], homeCurrency: string, incomeAccountOfItem: ReadonlyMap<string, string>): Balances {
  const balances: Balances = new Map();
  for (const document of documents) addToBalances(balances, document, homeCurrency, incomeAccountOfItem);
  for (const [account, amount] of balances) if (amount === 0) balances.delete(account);
  return balances;
}

/** A receipt's total from its lines: Σ item lines − discount + TotalTax (what QuickBooks computes as TotalAmt). */
export function receiptTotal(document: LedgerDocument, currency: string): number {
  const minor = (value: number) => fromQboAmount(value, currency).amount;
  let total = minor(document.payload.TxnTaxDetail?.TotalTax ?? 0);
  for (const line of document.payload.Line) {
    if (line.DetailType === "SalesItemLineDetail") total += minor(line.Amount);
    else if (line.DetailType === "DiscountLineDetail") total -= minor(line.Amount);
  }
  return total;
}

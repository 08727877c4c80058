/**
 * The QuickBooks Online documents Tillbridge writes, as the JSON API takes them (element names from Finance.xsd:
 * SalesReceipt and RefundReceipt extend SalesTransaction, JournalEntry extends Transaction).
 *
 * Amounts are JSON numbers written from Money by `toQboAmount` (exactly the currency's places); Qty and UnitPrice
 * are decimals with up to 7 places, the most QuickBooks keeps. Read-back schemas (what QuickBooks answers) are
 * here too, for reconciliation.
 */
import { z } from "zod";
import type { DocumentKind } from "./document-keys";

export interface QboRef {
  value: string;
  name?: string;
}

export interface SalesItemLine {
  DetailType: "SalesItemLineDetail";
  Amount: number;
  Description?: string;
  SalesItemLineDetail: {
    ItemRef: QboRef;
    Qty: number;
    UnitPrice: number;
    TaxCodeRef?: QboRef;
    ClassRef?: QboRef;
    ServiceDate?: string;
  };
}

export interface DiscountLine {
  DetailType: "DiscountLineDetail";
  /** Positive: QuickBooks subtracts it. */
  Amount: number;
  Description?: string;
  DiscountLineDetail: { PercentBased: false; DiscountAccountRef: QboRef; ClassRef?: QboRef };
}

export interface JournalLine {
  DetailType: "JournalEntryLineDetail";
  /** Positive; the side is PostingType. */
  Amount: number;
  Description?: string;
  JournalEntryLineDetail: { PostingType: "Debit" | "Credit"; AccountRef: QboRef; DepartmentRef?: QboRef; ClassRef?: QboRef };
}

interface TransactionHeader {
  DocNumber: string;
  /** YYYY-MM-DD: the business day at the source location. */
  TxnDate: string;
  PrivateNote: string;
  DepartmentRef?: QboRef;
  /** Only for a sale in another currency than the company's home currency (multicurrency companies). */
  CurrencyRef?: QboRef;
  /** Home-currency units per unit of CurrencyRef; absent to let QuickBooks use its own rate for TxnDate. */
  ExchangeRate?: number;
}

export interface SalesTransactionPayload extends TransactionHeader {
  CustomerRef?: QboRef;
  ClassRef?: QboRef;
  PaymentMethodRef?: QboRef;
  DepositToAccountRef: QboRef;
  Line: (SalesItemLine | DiscountLine)[];
  TxnTaxDetail: { TotalTax: number; TxnTaxCodeRef?: QboRef };
  /** With TotalTax given, QuickBooks must not add shipping tax of its own on top (Finance.xsd). */
  ShippingTaxIncludedInTotalTax?: boolean;
  GlobalTaxCalculation?: "TaxExcluded";
}

export type SalesReceiptPayload = SalesTransactionPayload;
export type RefundReceiptPayload = SalesTransactionPayload;

export interface JournalEntryPayload extends TransactionHeader {
  Line: JournalLine[];
}

interface PlannedBase {
  kind: DocumentKind;
  /** The `requestid` query parameter of the create (or update) call. */
  requestId: string;
  docNumber: string;
}

/** A document ready to send: the entity, its payload, and the keys that make sending it idempotent. */
export type PlannedDocument =
  | (PlannedBase & { entity: "SalesReceipt"; payload: SalesReceiptPayload })
  | (PlannedBase & { entity: "RefundReceipt"; payload: RefundReceiptPayload })
  | (PlannedBase & { entity: "JournalEntry"; payload: JournalEntryPayload });

export const MAX_DESCRIPTION_LENGTH = 4000;
/** Intuit documents 4000 characters for memos; the XSD states no limit for PrivateNote, so the memo limit is kept. */
export const MAX_PRIVATE_NOTE_LENGTH = 4000;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// What QuickBooks answers for documents it holds (only the fields reconciliation reads; others pass through).
const refRead = z.object({ value: z.string(), name: z.string().optional() });
const lineRead = z.object({
  Amount: z.number(),
  DetailType: z.string(),
  Description: z.string().optional(),
  SalesItemLineDetail: z.object({ ItemRef: refRead.optional() }).optional(),
  DiscountLineDetail: z.object({ DiscountAccountRef: refRead.optional() }).optional(),
  JournalEntryLineDetail: z.object({ PostingType: z.enum(["Debit", "Credit"]), AccountRef: refRead }).optional(),
});
const headerRead = {
  Id: z.string().optional(),
  DocNumber: z.string().optional(),
  TxnDate: z.string(),
  CurrencyRef: refRead.optional(),
  Line: z.array(lineRead),
};
export const salesTransactionReadSchema = z.object({
  ...headerRead,
  TotalAmt: z.number(),
  DepositToAccountRef: refRead.optional(),
  TxnTaxDetail: z.object({ TotalTax: z.number().optional() }).optional(),
});
export const journalEntryReadSchema = z.object(headerRead);
export type SalesTransactionRead = z.infer<typeof salesTransactionReadSchema>;
export type JournalEntryRead = z.infer<typeof journalEntryReadSchema>;

import { RecordValidationError, type RecordProblem } from "~/jobs/errors";
import type { QuickBooksFault } from "./api-client.server";

/**
 * QuickBooks' refusals in the merchant's words: what QuickBooks would not accept, and what to do before pressing
 * Retry. Codes from Intuit's "handling common errors" list (reference §7).
 */

export interface FaultContext {
  tenantId: string;
  /** The issue's stable key, e.g. "qbo-document:<requestId>". */
  key: string;
  /** How the merchant knows the record: "receipt SQ-1234", "journal entry SQD-20261126-7K2M", "item “Coffee (BEAN-1)”". */
  subject: string;
  entityType?: string;
  entityRef?: string;
  syncId?: string;
  connectionId?: string;
  /** The body that was sent, so a refused reference can be named as the merchant chose it. */
  payload?: unknown;
}

/** What each kind of reference is called on the Accounting page. */
const REFERENCE_LABELS: Record<string, string> = {
  DepositToAccountRef: "deposit account",
  AccountRef: "account",
  IncomeAccountRef: "income account",
  ExpenseAccountRef: "expense account",
  AssetAccountRef: "asset account",
  DiscountAccountRef: "discount account",
  ItemRef: "product or service",
  CustomerRef: "customer",
  PaymentMethodRef: "payment method",
  DepartmentRef: "QuickBooks location",
  ClassRef: "class",
  TaxCodeRef: "tax code",
  TxnTaxCodeRef: "tax code",
};

interface NamedRef {
  value: string;
  name?: string;
}

/** The references at `path` (dot-separated, arrays crossed) in the payload. */
function referencesAt(payload: unknown, path: readonly string[]): NamedRef[] {
  if (Array.isArray(payload)) return payload.flatMap((entry) => referencesAt(entry, path));
  if (typeof payload !== "object" || payload === null) return [];
  const [head, ...rest] = path;
  if (head === undefined) {
    const ref = payload as { value?: unknown; name?: unknown };
    return typeof ref.value === "string" ? [{ value: ref.value, ...(typeof ref.name === "string" && { name: ref.name }) }] : [];
  }
  return referencesAt((payload as Record<string, unknown>)[head], rest);
}

/** The reference QuickBooks refused: its kind, and its name when the payload tells which one it was. */
function refusedReference(fault: QuickBooksFault, payload: unknown): { label: string; name?: string } | undefined {
  const path = fault.element.split(".").filter(Boolean);
  const field = path.at(-1) ?? Object.keys(REFERENCE_LABELS).find((candidate) => fault.detail.includes(candidate));
  if (!field) return undefined;
  const label = REFERENCE_LABELS[field] ?? "reference";
  const candidates = path.length > 0 ? referencesAt(payload, path) : [];
  // Several lines may reference different objects: the one whose id the detail mentions is the refused one.
  const distinct = [...new Map(candidates.map((ref) => [ref.value, ref])).values()];
  const refused = distinct.length === 1 ? distinct[0] : distinct.find((ref) => new RegExp(`\\b${ref.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`).test(fault.detail));
  return { label, ...(refused?.name && { name: refused.name }) };
}

function quoted(name: string | undefined): string {
  return name ? ` “${name}”` : "";
}

/** The plain-language message for a fault about `subject`. */
export function faultMessage(fault: QuickBooksFault, context: Pick<FaultContext, "subject" | "payload">): string {
  const refused = `QuickBooks refused ${context.subject}`;
  const detail = fault.detail.replace(/^Business Validation Error:\s*/i, "").trim();
  switch (fault.code) {
    case "2500":
    case "610": {
      const reference = refusedReference(fault, context.payload);
      if (!reference) return `${refused}: something it refers to no longer exists or is inactive in QuickBooks (${detail}). Check your choices under Accounting, then press Retry.`;
      const state = fault.code === "610" ? "is inactive or was deleted" : "no longer exists";
      return `${refused}: the ${reference.label}${quoted(reference.name)} ${state} in QuickBooks. Choose another ${reference.label} under Accounting (or make it active again in QuickBooks), then press Retry.`;
    }
    case "6140":
      return `${refused}: another document of that kind already has its number. If you entered this sale in QuickBooks yourself, delete that copy (or change its number), then press Retry.`;
    case "6240":
      return `${refused}: the name is already used by another customer, vendor, employee or item in QuickBooks (${detail}). Rename one of them in QuickBooks, then press Retry.`;
    case "5010":
      return `${refused} because it was changed in QuickBooks while Tillbridge was updating it. Press Retry to apply Tillbridge's change to the latest version.`;
    case "6540":
      return `${refused}: it is already part of a bank deposit in QuickBooks, which cannot be changed. Remove it from the deposit in QuickBooks, then press Retry.`;
    case "6210":
      return `${refused}: its date falls in a period you closed in QuickBooks. Reopen the period (Account and settings → Advanced → Close the books), or record the change yourself, then press Retry.`;
    case "6190":
      return `${refused}: the QuickBooks company cannot take new transactions (its subscription may have ended). Check the company in QuickBooks, then press Retry.`;
    case "6000":
      return `${refused}: ${detail || fault.faultMessage}. Fix this in QuickBooks or under Accounting, then press Retry.`;
    case "2010":
    case "2020":
    case "2050":
    case "6070":
      return `${refused} as Tillbridge wrote it (${fault.faultMessage}${detail ? `: ${detail}` : ""}). This is a problem on Tillbridge's side: press Retry, and contact support if it happens again.`;
    default:
      return `${refused} (error ${fault.code}: ${fault.faultMessage}${detail ? `, ${detail}` : ""}). Check it in QuickBooks, then press Retry.`;
  }
}

/** A fault as a RecordValidationError: a sync issue the merchant sees, with Retry once it is fixed. */
export function faultProblem(fault: QuickBooksFault, context: FaultContext): RecordValidationError {
  const problem: RecordProblem = {
    tenantId: context.tenantId,
    key: context.key,
    code: `QUICKBOOKS_${fault.code}`,
    message: faultMessage(fault, context),
    ...(context.entityType !== undefined && { entityType: context.entityType }),
    ...(context.entityRef !== undefined && { entityRef: context.entityRef }),
    ...(context.syncId !== undefined && { syncId: context.syncId }),
    ...(context.connectionId !== undefined && { connectionId: context.connectionId }),
  };
  return new RecordValidationError(problem);
}

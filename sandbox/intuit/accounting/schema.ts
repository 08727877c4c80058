import { XSD_TYPES } from "../xsd/rules.generated";

/**
 * The entities the sandbox keeps per company and what the API lets an app do with each: transactions are
 * created, updated, deleted (and some voided); name lists are created and updated, never deleted (QuickBooks makes
 * them inactive instead); tax codes, rates and agencies are read-only for apps.
 */

export type Json = Record<string, unknown>;

export const TRANSACTION_ENTITIES = ["SalesReceipt", "RefundReceipt", "JournalEntry", "Deposit"] as const;
export const WRITABLE_LIST_ENTITIES = ["Item", "Account", "Customer", "PaymentMethod", "Department", "Class"] as const;
export const READ_ONLY_LIST_ENTITIES = ["TaxCode", "TaxRate", "TaxAgency"] as const;

export type TransactionEntity = (typeof TRANSACTION_ENTITIES)[number];
export type WritableListEntity = (typeof WRITABLE_LIST_ENTITIES)[number];
export type EntityName = TransactionEntity | WritableListEntity | (typeof READ_ONLY_LIST_ENTITIES)[number];

export const ENTITY_NAMES: readonly EntityName[] = [...TRANSACTION_ENTITIES, ...WRITABLE_LIST_ENTITIES, ...READ_ONLY_LIST_ENTITIES];

/** Transactions that can be voided (zeroed, kept) with `?operation=void`. */
export const VOIDABLE: ReadonlySet<EntityName> = new Set(["SalesReceipt", "RefundReceipt"]);

/** Entities ChangeDataCapture does not cover (Intuit's CDC page: TaxAgency, TaxCode, TaxRate among others). */
export const NOT_IN_CDC: ReadonlySet<EntityName> = new Set(["TaxCode", "TaxRate", "TaxAgency"]);

export function isTransaction(entity: EntityName): entity is TransactionEntity {
  return (TRANSACTION_ENTITIES as readonly string[]).includes(entity);
}

export function isWritableList(entity: EntityName): entity is WritableListEntity {
  return (WRITABLE_LIST_ENTITIES as readonly string[]).includes(entity);
}

/** The entity for a URL segment (`salesreceipt`) or a query's FROM (`SalesReceipt`, any case). */
export function entityNamed(name: string): EntityName | undefined {
  return ENTITY_NAMES.find((entity) => entity.toLowerCase() === name.toLowerCase());
}

export function isPlainObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * The value with its keys in the XSD's element order (recursively), as QuickBooks writes them: JSON readers do not
 * care, but the XML answer is then valid against the XSD's sequences. Keys the XSD does not know go last.
 */
export function orderLikeXsd(typeName: string, value: unknown): unknown {
  const rule = XSD_TYPES[typeName];
  if (!rule || !isPlainObject(value)) return value;
  const ordered: Json = {};
  const attributes = Object.entries(rule.fields).filter(([, field]) => field.attribute);
  for (const [name] of attributes) if (name in value) ordered[name] = value[name];
  if ("value" in value && rule.value) ordered.value = value.value;
  for (const [name, field] of Object.entries(rule.fields)) {
    if (field.attribute || !(name in value)) continue;
    const child = value[name];
    ordered[name] = field.kind !== "complex" ? child : Array.isArray(child) ? child.map((item) => orderLikeXsd(field.type, item)) : orderLikeXsd(field.type, child);
  }
  for (const [name, child] of Object.entries(value)) if (!(name in ordered)) ordered[name] = child;
  return ordered;
}

/** `{value, name}` of a ReferenceType, or undefined when absent. */
export function refValue(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = value.value;
  return typeof id === "string" ? id : typeof id === "number" ? String(id) : undefined;
}

export function reference(id: string, name?: string): Json {
  return name === undefined ? { value: id } : { value: id, name };
}

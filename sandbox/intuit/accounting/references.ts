import { fail, inactiveReference, invalidReference } from "../faults";
import { XSD_TYPES } from "../xsd/rules.generated";
import type { Books } from "./books";
import { isPlainObject, refValue, type EntityName, type Json } from "./schema";

/**
 * Reference ids must name an entity of the right kind in the same company: QuickBooks answers 2500 "Invalid
 * Reference Id" for an id it does not know, and 610 "Object Not Found ... made inactive" for an inactive one. The
 * answer then carries each reference's `name`, as QuickBooks fills it in. References to entities the sandbox does
 * not keep (terms, ship methods, projects, ...) are invalid: its companies have none.
 */

const REFERENCE_TARGETS: Record<string, EntityName> = {
  ItemRef: "Item",
  AccountRef: "Account",
  DepositToAccountRef: "Account",
  IncomeAccountRef: "Account",
  ExpenseAccountRef: "Account",
  AssetAccountRef: "Account",
  COGSAccountRef: "Account",
  ItemAccountRef: "Account",
  DiscountAccountRef: "Account",
  ARAccountRef: "Account",
  APAccountRef: "Account",
  CustomerRef: "Customer",
  RootCustomerRef: "Customer",
  TaxCodeRef: "TaxCode",
  TxnTaxCodeRef: "TaxCode",
  SalesTaxCodeRef: "TaxCode",
  PurchaseTaxCodeRef: "TaxCode",
  DefaultTaxCodeRef: "TaxCode",
  TaxRateRef: "TaxRate",
  AgencyRef: "TaxAgency",
  PaymentMethodRef: "PaymentMethod",
  DepartmentRef: "Department",
  ClassRef: "Class",
};

/** Handled elsewhere: currencies are codes, not entities. */
const NOT_ENTITY_REFERENCES = new Set(["CurrencyRef"]);

/** The name QuickBooks shows for an entity in references to it. */
export function displayName(entity: EntityName, body: Json): string | undefined {
  const name = entity === "Customer" || entity === "Item" || entity === "Account" ? (body.FullyQualifiedName ?? body.DisplayName ?? body.Name) : entity === "TaxAgency" ? body.DisplayName : body.Name;
  return typeof name === "string" ? name : undefined;
}

function target(field: string, typeName: string, holder: Json, owner: EntityName): EntityName | null | undefined {
  if (field === "ParentRef") return owner;
  if (typeName === "EntityTypeRef" && field === "EntityRef") return holder.Type === "Customer" ? "Customer" : null;
  if (typeName === "DepositLineDetail" && field === "Entity") {
    const type = isPlainObject(holder.Entity) ? holder.Entity.type : undefined;
    return type === undefined || /customer/i.test(String(type)) ? "Customer" : null;
  }
  if (NOT_ENTITY_REFERENCES.has(field)) return undefined;
  return REFERENCE_TARGETS[field] ?? null;
}

function resolve(books: Books, reference: Json, kind: EntityName | null, field: string, path: string): void {
  const id = refValue(reference);
  if (id === undefined) return;
  if (kind === null) fail(invalidReference(path, `${field} ${id}: the company has no such entity`));
  const record = books.find(kind, id);
  if (!record) fail(invalidReference(path, `${kind} ${id} assigned to ${field} does not exist in this company`));
  if (record.body.Active === false) fail(inactiveReference(path, `${kind} ${id} (${displayName(kind, record.body) ?? ""}) is inactive.`));
  const name = displayName(kind, record.body);
  if (name !== undefined) reference.name = name;
}

/** Checks every reference in a checked body of the XSD type (recursively) and fills in their names. */
export function resolveReferences(books: Books, typeName: string, body: Json, owner: EntityName, path = ""): void {
  const rule = XSD_TYPES[typeName];
  if (!rule) return;
  for (const [field, value] of Object.entries(body)) {
    const fieldRule = rule.fields[field];
    if (!fieldRule || fieldRule.kind !== "complex" || value === undefined) continue;
    const fieldPath = path ? `${path}.${field}` : field;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (!isPlainObject(item)) continue;
      if (fieldRule.type === "ReferenceType") {
        const kind = target(field, typeName, body, owner);
        if (kind !== undefined) resolve(books, item, kind, field, fieldPath);
      } else if (field !== "MetaData") {
        resolveReferences(books, fieldRule.type, item, owner, fieldPath);
      }
    }
  }
}

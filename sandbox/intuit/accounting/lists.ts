import { businessValidation, duplicateName, fail, requiredParameterMissing, unsupportedProperty } from "../faults";
import { XSD_ENUMS } from "../xsd/rules.generated";
import type { Books, StoredRecord } from "./books";
import type { WriteContext } from "./context";
import { resolveReferences, displayName } from "./references";
import { refValue, reference, type EntityName, type Json, type WritableListEntity } from "./schema";
import { ACCOUNT_CLASSIFICATION } from "./seed";

/**
 * The business rules of the name lists an app writes (Item, Account, Customer, PaymentMethod, Department, Class):
 *  - names are unique among the active entries of the list (6240 "Duplicate Name Exists"), Customer DisplayName
 *    also among vendors (the sandbox's only vendors are its tax agencies), compared without case;
 *  - names take no colon (QuickBooks uses it for Parent:Child), tab or newline;
 *  - making an Item, Account or Customer inactive renames it "<name> (deleted)", as QuickBooks does, so the name
 *    is free again;
 *  - Items: Service and NonInventory items need IncomeAccountRef; Inventory items also need AssetAccountRef,
 *    ExpenseAccountRef (cost of goods sold), TrackQtyOnHand, QtyOnHand and InvStartDate, and cannot stop
 *    tracking quantity; Category and Group items have no accounts;
 *  - Accounts: AccountSubType must be one of Intuit's (AccountSubTypeEnum); Classification follows AccountType;
 *  - Customers: DisplayName defaults to the person's name; at least one of them is needed;
 *  - FullyQualifiedName is Parent:Child for sub-entries.
 */

const NAME_FIELD: Record<WritableListEntity, "Name" | "DisplayName"> = {
  Item: "Name",
  Account: "Name",
  Customer: "DisplayName",
  PaymentMethod: "Name",
  Department: "Name",
  Class: "Name",
};

/** Lists whose inactive entries QuickBooks renames "<name> (deleted)". */
const RENAMED_WHEN_INACTIVE: ReadonlySet<EntityName> = new Set(["Item", "Account", "Customer"]);

/** PaymentMethod.Type: "For QBO, this field is restricted to CREDIT_CARD or NON_CREDIT_CARD" (XSD documentation). */
const PAYMENT_METHOD_TYPES = ["CREDIT_CARD", "NON_CREDIT_CARD"];

const PERSON_NAME_FIELDS = ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"] as const;

function checkNameCharacters(name: string, element: string): void {
  if (/[:\t\n]/.test(name)) fail(businessValidation(`${element} cannot contain a colon (:), a tab or a newline`, element));
}

function ensureUniqueName(books: Books, entity: WritableListEntity, name: string, selfId: string | undefined): void {
  const wanted = name.toLowerCase();
  const field = NAME_FIELD[entity];
  const lists: EntityName[] = entity === "Customer" ? ["Customer", "TaxAgency"] : [entity];
  for (const list of lists) {
    const clash = books.all(list).find((record) => !(list === entity && record.id === selfId) && record.body.Active !== false && String(record.body[list === "TaxAgency" ? "DisplayName" : field] ?? "").toLowerCase() === wanted);
    if (clash) fail(duplicateName(clash.id));
  }
}

function fullyQualifiedName(books: Books, entity: EntityName, body: Json, name: string): string {
  const parentId = refValue(body.ParentRef);
  const parent = parentId === undefined ? undefined : books.find(entity, parentId);
  return parent ? `${displayName(entity, parent.body) ?? ""}:${name}` : name;
}

function prepareItem(body: Json, existing: StoredRecord | undefined): void {
  const type = String(body.Type);
  const requires = (field: string) => {
    if (body[field] === undefined) fail(requiredParameterMissing(field, ` (a ${type} item needs it)`));
  };
  if (type === "Service" || type === "NonInventory" || type === "Inventory") requires("IncomeAccountRef");
  if (type === "Inventory") {
    for (const field of ["AssetAccountRef", "ExpenseAccountRef", "QtyOnHand", "InvStartDate"]) requires(field);
    if (body.TrackQtyOnHand !== true) fail(businessValidation("Inventory items track their quantity on hand: TrackQtyOnHand must be true", "TrackQtyOnHand"));
  }
  if (existing?.body.TrackQtyOnHand === true && body.TrackQtyOnHand === false) fail(businessValidation("Quantity on hand tracking cannot be turned off once on", "TrackQtyOnHand"));
  if (body.Taxable === undefined) body.Taxable = false;
  if (body.TrackQtyOnHand === undefined) body.TrackQtyOnHand = false;
  body.SubItem = body.ParentRef !== undefined;
}

function prepareAccount(books: Books, body: Json): void {
  const subType = body.AccountSubType;
  const known = XSD_ENUMS.AccountSubTypeEnum ?? [];
  if (subType !== undefined && !known.includes(String(subType))) {
    fail(unsupportedProperty(`Can not construct instance of com.intuit.schema.finance.v3.AccountSubTypeEnum from String value '${String(subType)}': value not one of declared Enum instance names`, "AccountSubType"));
  }
  if (/"/.test(String(body.Name))) fail(businessValidation('Account names cannot contain a double quote (")', "Name"));
  body.Classification = ACCOUNT_CLASSIFICATION[String(body.AccountType)];
  body.SubAccount = body.ParentRef !== undefined;
  body.CurrentBalance = 0;
  body.CurrentBalanceWithSubAccounts = 0;
  if (body.CurrencyRef === undefined) body.CurrencyRef = reference(books.preferences.homeCurrency);
}

function prepareCustomer(books: Books, body: Json): void {
  if (typeof body.DisplayName !== "string" || body.DisplayName.trim() === "") {
    const person = PERSON_NAME_FIELDS.map((field) => body[field]).filter((part): part is string => typeof part === "string" && part.trim() !== "");
    if (person.length === 0) fail(requiredParameterMissing("DisplayName", " (give DisplayName or at least one of Title, GivenName, MiddleName, FamilyName, Suffix)"));
    body.DisplayName = person.join(" ");
  }
  if (body.PrintOnCheckName === undefined) body.PrintOnCheckName = body.DisplayName;
  body.Job = body.ParentRef !== undefined;
  if (body.Balance === undefined) body.Balance = 0;
  body.BalanceWithJobs = body.Balance;
  if (body.CurrencyRef === undefined) body.CurrencyRef = reference(books.preferences.homeCurrency);
}

function preparePaymentMethod(body: Json): void {
  if (body.Type === undefined) body.Type = "NON_CREDIT_CARD";
  if (!PAYMENT_METHOD_TYPES.includes(String(body.Type))) {
    fail(unsupportedProperty(`Type '${String(body.Type)}' is not one of ${PAYMENT_METHOD_TYPES.join(", ")}`, "Type"));
  }
}

/** Checks and completes a name-list entity about to be stored (created, or replaced by an update). */
export function prepareListEntity(context: WriteContext, entity: WritableListEntity, body: Json, existing?: StoredRecord): Json {
  const { books } = context;
  const nameField = NAME_FIELD[entity];
  if (entity === "Customer") prepareCustomer(books, body);
  if (body.Active === undefined) body.Active = true;
  const becomingInactive = body.Active === false && existing?.body.Active !== false;
  let name = String(body[nameField] ?? "");
  checkNameCharacters(name, nameField);
  if (body.Active !== false) ensureUniqueName(books, entity, name, existing?.id);
  if (becomingInactive && RENAMED_WHEN_INACTIVE.has(entity) && !name.endsWith(" (deleted)")) {
    name = `${name} (deleted)`;
    body[nameField] = name;
  }
  if (refValue(body.ParentRef) !== undefined && refValue(body.ParentRef) === existing?.id) fail(businessValidation(`A ${entity} cannot be its own parent`, "ParentRef"));
  resolveReferences(books, entity, body, entity);

  if (entity === "Item") prepareItem(body, existing);
  else if (entity === "Account") prepareAccount(books, body);
  else if (entity === "PaymentMethod") preparePaymentMethod(body);
  else if (entity === "Department") body.SubDepartment = body.ParentRef !== undefined;
  else if (entity === "Class") body.SubClass = body.ParentRef !== undefined;
  if (entity !== "PaymentMethod") body.FullyQualifiedName = fullyQualifiedName(books, entity, body, name);
  return { domain: "QBO", sparse: false, ...body };
}

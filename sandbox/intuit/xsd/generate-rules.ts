/**
 * Derives the Intuit sandbox's validation rules from Intuit's XSDs (schema/*.xsd.gz) and writes rules.generated.ts:
 *
 *  - every entity the sandbox serves, flattened (base types' fields first, in the XSD's order), and every complex
 *    type reachable from them: which JSON keys exist (anything else is QuickBooks' 2010 "unsupported property"),
 *    their types, whether they repeat, which belong to an xs:choice;
 *  - the enumerations those fields use (ItemTypeEnum, PostingTypeEnum, LineDetailTypeEnum, ...);
 *  - QuickBooks Online's maximum lengths, read from the elements' documentation (QBO or ALL parts only: the
 *    QuickBooks Desktop "QBW" limits are smaller and do not apply);
 *  - the fields required on create, each checked against the XSD annotation that says so; where the XSD is
 *    silent, the rule names Intuit's API reference instead (SUPPLEMENTS below, kept short on purpose).
 *
 * Run `npx tsx sandbox/intuit/xsd/generate-rules.ts` after refreshing the XSDs; a test regenerates the file and
 * fails when the committed one differs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { ComplexTypeRule, FieldRule, PrimitiveType, RequiredRule } from "./rule-types";
import { parseXml, type XmlElement } from "./xml-parser";

const SCHEMA_FILES = ["IntuitBaseTypes.xsd.gz", "IntuitNamesTypes.xsd.gz", "Finance.xsd.gz"];

/** The entities the sandbox serves; their closure is what the rules cover. */
export const RULE_ENTITIES = [
  "SalesReceipt",
  "RefundReceipt",
  "JournalEntry",
  "Deposit",
  "Item",
  "Account",
  "Customer",
  "PaymentMethod",
  "Department",
  "Class",
  "TaxCode",
  "TaxRate",
  "TaxAgency",
  "Preferences",
  "ExchangeRate",
  "CompanyInfo",
] as const;

/** Enumerations the entities type as plain strings whose values QuickBooks still checks (Account.AccountSubType). */
const EXTRA_ENUMS = ["AccountSubTypeEnum"];

/**
 * Required on create (and full update): where the XSD annotates the element, `evidence` must match its
 * documentation (so a changed XSD fails the generator instead of silently dropping a rule); otherwise `source`
 * names where the rule comes from.
 */
interface RequiredSpec {
  entity: string;
  path: string;
  /** The declaring complex type and element whose documentation must match `evidence`. */
  annotated?: { type: string; element: string; evidence: RegExp };
  source?: string;
}

const REQUIRED: RequiredSpec[] = [
  { entity: "SalesReceipt", path: "Line", source: "Intuit API reference (reference §7): a SalesReceipt needs Line[]" },
  { entity: "SalesReceipt", path: "Line.DetailType", annotated: { type: "Line", element: "DetailType", evidence: /Required: ALL/ } },
  { entity: "SalesReceipt", path: "Line.Amount", annotated: { type: "Line", element: "Amount", evidence: /Required for [^.]*SalesReceipt/ } },
  { entity: "RefundReceipt", path: "Line", source: "Intuit API reference: a RefundReceipt needs Line[]" },
  { entity: "RefundReceipt", path: "Line.DetailType", annotated: { type: "Line", element: "DetailType", evidence: /Required: ALL/ } },
  { entity: "RefundReceipt", path: "DepositToAccountRef", source: "Intuit API reference (reference §7): RefundReceipt needs DepositToAccountRef" },
  { entity: "JournalEntry", path: "Line", source: "Intuit API reference: a JournalEntry needs Line[]" },
  { entity: "JournalEntry", path: "Line.DetailType", annotated: { type: "Line", element: "DetailType", evidence: /Required: ALL/ } },
  { entity: "JournalEntry", path: "Line.Amount", annotated: { type: "Line", element: "Amount", evidence: /Required for [^.]*JournalEntry/ } },
  { entity: "JournalEntry", path: "Line.JournalEntryLineDetail", source: "Intuit API reference: journal lines are JournalEntryLineDetail lines" },
  { entity: "JournalEntry", path: "Line.JournalEntryLineDetail.PostingType", source: "Intuit API reference: each journal line is a Debit or a Credit" },
  { entity: "JournalEntry", path: "Line.JournalEntryLineDetail.AccountRef", source: "Intuit API reference: each journal line posts to an account" },
  { entity: "Deposit", path: "Line", source: "Intuit API reference: a Deposit needs Line[]" },
  { entity: "Deposit", path: "DepositToAccountRef", annotated: { type: "Deposit", element: "DepositToAccountRef", evidence: /Required for the create operation/ } },
  { entity: "Item", path: "Name", source: "Intuit API reference: Item.Name is required (the XSD marks it for QuickBooks Desktop only)" },
  { entity: "Item", path: "Type", source: "Intuit API reference: Item.Type is required" },
  { entity: "Account", path: "Name", annotated: { type: "Account", element: "Name", evidence: /Required: ALL/ } },
  { entity: "Account", path: "AccountType", annotated: { type: "Account", element: "AccountType", evidence: /Required: ALL/ } },
  { entity: "Department", path: "Name", source: "Intuit API reference: Department.Name is required" },
  { entity: "Class", path: "Name", source: "Intuit API reference: Class.Name is required" },
  { entity: "PaymentMethod", path: "Name", source: "Intuit API reference: PaymentMethod.Name is required" },
];

/** Maximum lengths where the XSD documentation gives none, or one QuickBooks Online itself does not keep to. */
const MAX_LENGTH_SUPPLEMENTS: { type: string; element: string; maxLength: number; source: string }[] = [
  { type: "Transaction", element: "PrivateNote", maxLength: 4000, source: "Intuit API reference; the XSD gives none" },
  { type: "NameBase", element: "DisplayName", maxLength: 500, source: "Intuit API reference; the XSD gives none" },
  {
    type: "PaymentMethod",
    element: "Name",
    maxLength: 31,
    source: "the XSD says 15 for QBO, but QuickBooks Online's own default \"American Express\" has 16; 31 is the XSD's other limit",
  },
];

const PRIMITIVES: Record<string, PrimitiveType> = {
  "xs:string": "string",
  "xs:normalizedString": "string",
  "xs:token": "string",
  "xs:anyURI": "string",
  "xs:base64Binary": "string",
  "xs:decimal": "decimal",
  "xs:double": "decimal",
  "xs:float": "decimal",
  "xs:int": "integer",
  "xs:integer": "integer",
  "xs:long": "integer",
  "xs:short": "integer",
  "xs:positiveInteger": "integer",
  "xs:nonNegativeInteger": "integer",
  "xs:boolean": "boolean",
  "xs:date": "date",
  "xs:dateTime": "dateTime",
  "xs:time": "string",
  "xs:anyType": "any",
};

interface SchemaIndex {
  complexTypes: Map<string, XmlElement>;
  simpleTypes: Map<string, XmlElement>;
  groups: Map<string, XmlElement>;
}

function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

function documentation(element: XmlElement): string {
  const annotation = children(element, "xs:annotation")[0];
  const texts = annotation ? children(annotation, "xs:documentation").map((doc) => doc.text) : [];
  return texts.join(" ").replace(/\s+/g, " ").trim();
}

/** The documentation text that applies to QuickBooks Online: its "Product: QBO" / "Product: ALL" parts, minus any "QBW:" description. */
export function qboDocumentation(doc: string): string {
  const parts = doc.split(/Product\s*:\s*/i);
  const applicable = parts.filter((part, index) => index === 0 || /^(ALL|QBO)\b/i.test(part));
  return applicable
    .map((part) => part.replace(/Description\s*:\s*QBW\s*:.*?(?=Description\s*:\s*QBO\s*:|$)/gi, ""))
    .join(" ");
}

/** QuickBooks Online's maximum length in an element's documentation, if it gives one. */
export function maxLengthOf(doc: string, element = ""): number | undefined {
  const validRange = /ValidRange:\s*QBO:\s*max=(\d+)/i.exec(doc);
  if (validRange) return Number(validRange[1]);
  const restriction = /Length Restriction:.*?QBO:\s*(\d+)/i.exec(doc);
  if (restriction) return Number(restriction[1]);
  // "41 characters (single name) or 209 characters (fully qualified name)": the second is FullyQualifiedName's.
  const qualified = /(\d+) characters \(fully qualified name\)/i.exec(doc);
  if (qualified && element === "FullyQualifiedName") return Number(qualified[1]);
  const text = qboDocumentation(doc);
  const lengths = [...text.matchAll(/max(?:imum)?\.?\s*length(?:\s+for\s+[\w ]+?)?\s*(?::|is)\s*(\d+)/gi)].map((match) => Number(match[1]));
  // Several limits for different entities ("1000 for an Invoice, 4000 for a Bill"): the sandbox takes the strictest.
  return lengths.length > 0 ? Math.min(...lengths) : undefined;
}

function isFilterable(doc: string): boolean {
  return /Filterable\s*:\s*(ALL|QBO)\b/i.test(doc);
}

function indexSchemas(documents: XmlElement[]): SchemaIndex {
  const index: SchemaIndex = { complexTypes: new Map(), simpleTypes: new Map(), groups: new Map() };
  for (const schema of documents) {
    for (const child of schema.children) {
      const name = child.attributes.name;
      if (!name) continue;
      if (child.name === "xs:complexType") index.complexTypes.set(name, child);
      else if (child.name === "xs:simpleType") index.simpleTypes.set(name, child);
      else if (child.name === "xs:group") index.groups.set(name, child);
    }
  }
  return index;
}

interface Collected {
  types: Record<string, ComplexTypeRule>;
  enums: Record<string, string[]>;
  docs: Map<string, string>;
}

class RuleBuilder {
  readonly collected: Collected = { types: {}, enums: {}, docs: new Map() };
  private readonly pending: string[] = [];

  constructor(readonly index: SchemaIndex) {}

  build(roots: readonly string[]): Collected {
    this.pending.push(...roots);
    while (this.pending.length > 0) {
      const name = this.pending.shift() ?? "";
      if (this.collected.types[name]) continue;
      const definition = this.index.complexTypes.get(name);
      if (!definition) throw new Error(`No complexType ${name} in the XSDs`);
      this.collected.types[name] = { fields: {} };
      this.collected.types[name] = this.complexType(name, definition);
    }
    return this.collected;
  }

  /** Adds a named enumeration to the output. */
  enumeration(name: string): void {
    if (this.resolveType(name, "extra enumeration").kind !== "enum") throw new Error(`${name} is not an enumeration`);
  }

  /** An element's or simple type's type: a primitive, an enumeration, or a complex type (queued). */
  private resolveType(typeName: string, context: string): Pick<FieldRule, "type" | "kind"> {
    const primitive = PRIMITIVES[typeName];
    if (primitive) return { type: primitive, kind: "primitive" };
    const simple = this.index.simpleTypes.get(typeName);
    if (simple) {
      const restriction = children(simple, "xs:restriction")[0];
      if (!restriction) return { type: "string", kind: "primitive" };
      const values = children(restriction, "xs:enumeration").map((value) => value.attributes.value ?? "");
      if (values.length > 0) {
        this.collected.enums[typeName] = values;
        return { type: typeName, kind: "enum" };
      }
      return this.resolveType(restriction.attributes.base ?? "xs:string", context);
    }
    if (this.index.complexTypes.has(typeName)) {
      if (this.isOpenContent(typeName)) return { type: "any", kind: "primitive" };
      this.pending.push(typeName);
      return { type: typeName, kind: "complex" };
    }
    throw new Error(`Unknown type ${typeName} (${context})`);
  }

  /** Types that take any content (IntuitAnyType and its like): the sandbox lets them through unchecked. */
  private isOpenContent(typeName: string): boolean {
    const definition = this.index.complexTypes.get(typeName);
    const sequence = definition && children(definition, "xs:sequence")[0];
    return Boolean(sequence && sequence.children.some((child) => child.name === "xs:any"));
  }

  private complexType(name: string, definition: XmlElement): ComplexTypeRule {
    const rule: ComplexTypeRule = { fields: {} };
    const choices = { next: 0 };
    const complexContent = children(definition, "xs:complexContent")[0];
    const simpleContent = children(definition, "xs:simpleContent")[0];
    if (complexContent) {
      const extension = children(complexContent, "xs:extension")[0];
      if (!extension) throw new Error(`${name}: only complexContent extensions are supported`);
      const base = extension.attributes.base ?? "";
      const baseDefinition = this.index.complexTypes.get(base);
      if (!baseDefinition) throw new Error(`${name}: unknown base ${base}`);
      const inherited = this.complexType(base, baseDefinition);
      Object.assign(rule.fields, inherited.fields);
      if (inherited.value) rule.value = inherited.value;
      choices.next = Object.values(inherited.fields).reduce((highest, field) => Math.max(highest, field.choice ?? -1), -1) + 1;
      this.particles(name, extension, rule, choices);
    } else if (simpleContent) {
      const extension = children(simpleContent, "xs:extension")[0];
      if (!extension) throw new Error(`${name}: only simpleContent extensions are supported`);
      const value = this.resolveType(extension.attributes.base ?? "xs:string", name);
      rule.value = value.kind === "primitive" ? (value.type as PrimitiveType) : "string";
      this.particles(name, extension, rule, choices);
    } else {
      this.particles(name, definition, rule, choices);
    }
    return rule;
  }

  /** Sequences, choices, group references, elements and attributes inside a type (or an extension). */
  private particles(typeName: string, container: XmlElement, rule: ComplexTypeRule, choices: { next: number }, choice?: number): void {
    for (const child of container.children) {
      switch (child.name) {
        case "xs:sequence":
        case "xs:all":
          this.particles(typeName, child, rule, choices, choice);
          break;
        case "xs:choice": {
          const id = choice ?? choices.next++;
          this.particles(typeName, child, rule, choices, id);
          break;
        }
        case "xs:group": {
          const group = this.index.groups.get(child.attributes.ref ?? "");
          if (!group) throw new Error(`${typeName}: unknown group ${child.attributes.ref}`);
          this.particles(typeName, group, rule, choices, choice);
          break;
        }
        case "xs:element":
          this.element(typeName, child, rule, choice);
          break;
        case "xs:attribute": {
          const name = child.attributes.name ?? "";
          const doc = documentation(child);
          this.collected.docs.set(`${typeName}.${name}`, doc);
          rule.fields[name] = { ...this.resolveType(child.attributes.type ?? "xs:string", `${typeName}@${name}`), attribute: true, ...(isFilterable(doc) && { filterable: true }) };
          break;
        }
        case "xs:any":
        case "xs:annotation":
        case "xs:anyAttribute":
          break;
        default:
          throw new Error(`${typeName}: unsupported ${child.name}`);
      }
    }
  }

  private element(typeName: string, element: XmlElement, rule: ComplexTypeRule, choice: number | undefined): void {
    const name = element.attributes.name;
    if (!name) throw new Error(`${typeName}: element without a name (refs are not supported here)`);
    const doc = documentation(element);
    this.collected.docs.set(`${typeName}.${name}`, doc);
    let resolved: Pick<FieldRule, "type" | "kind">;
    if (element.attributes.type) {
      resolved = this.resolveType(element.attributes.type, `${typeName}.${name}`);
    } else {
      // An anonymous type: named after its place, so the generated rules can point at it.
      const inline = children(element, "xs:complexType")[0];
      if (!inline) throw new Error(`${typeName}.${name}: no type`);
      const anonymous = `${typeName}.${name}`;
      this.index.complexTypes.set(anonymous, { ...inline, attributes: { name: anonymous } });
      resolved = this.resolveType(anonymous, anonymous);
    }
    const maxOccurs = element.attributes.maxOccurs ?? "1";
    const maxLength = resolved.type === "string" ? maxLengthOf(doc, name) : undefined;
    rule.fields[name] = {
      ...resolved,
      ...((maxOccurs === "unbounded" || Number(maxOccurs) > 1) && { many: true }),
      ...(maxLength !== undefined && { maxLength }),
      ...(isFilterable(doc) && { filterable: true }),
      ...(choice !== undefined && { choice }),
    };
  }
}

function loadSchemas(schemaDirectory: string): XmlElement[] {
  return SCHEMA_FILES.map((file) => parseXml(gunzipSync(readFileSync(`${schemaDirectory}/${file}`)).toString("utf8")));
}

/** Sets the supplements on every flattened type that has the element from the declaring type. */
function applySupplements(builder: RuleBuilder): void {
  for (const supplement of MAX_LENGTH_SUPPLEMENTS) {
    if (!builder.collected.docs.has(`${supplement.type}.${supplement.element}`)) throw new Error(`Supplement for unknown element ${supplement.type}.${supplement.element}`);
    for (const [typeName, rule] of Object.entries(builder.collected.types)) {
      const field = rule.fields[supplement.element];
      if (field && inherits(builder, typeName, supplement.type)) field.maxLength = supplement.maxLength;
    }
  }
}

function requiredRules(collected: Collected): RequiredRule[] {
  return REQUIRED.map((spec) => {
    if (spec.annotated) {
      const { type, element, evidence } = spec.annotated;
      const doc = collected.docs.get(`${type}.${element}`);
      if (doc === undefined) throw new Error(`Required rule ${spec.entity}.${spec.path}: no element ${type}.${element} in the XSDs`);
      if (!evidence.test(doc)) throw new Error(`Required rule ${spec.entity}.${spec.path}: the XSD documentation of ${type}.${element} no longer matches ${evidence}`);
      return { entity: spec.entity, path: spec.path, source: `XSD ${type}.${element}: "${evidence.exec(doc)?.[0]}"` };
    }
    return { entity: spec.entity, path: spec.path, source: spec.source ?? "" };
  });
}

/** Checks that a dotted path exists in the entity's rules. */
function checkPath(types: Record<string, ComplexTypeRule>, entity: string, path: string): void {
  let type = entity;
  for (const segment of path.split(".")) {
    const field = types[type]?.fields[segment];
    if (!field) throw new Error(`Required rule ${entity}.${path}: ${segment} is not a field of ${type}`);
    type = field.type;
  }
}

export function generateRules(schemaDirectory = fileURLToPath(new URL("./schema", import.meta.url))): string {
  const builder = new RuleBuilder(indexSchemas(loadSchemas(schemaDirectory)));
  const collected = builder.build(RULE_ENTITIES);
  for (const name of EXTRA_ENUMS) builder.enumeration(name);
  applySupplements(builder);
  const required = requiredRules(collected);
  for (const rule of required) checkPath(collected.types, rule.entity, rule.path);

  const sortedTypes = Object.fromEntries(Object.entries(collected.types).sort(([a], [b]) => a.localeCompare(b)));
  const sortedEnums = Object.fromEntries(Object.entries(collected.enums).sort(([a], [b]) => a.localeCompare(b)));
  const supplementNotes = MAX_LENGTH_SUPPLEMENTS.map((supplement) => ` *  - ${supplement.type}.${supplement.element}: max length ${supplement.maxLength} (${supplement.source})`).join("\n");
  return `/**
 * GENERATED by sandbox/intuit/xsd/generate-rules.ts from Intuit's XSDs (sandbox/intuit/xsd/schema). Do not edit:
 * change the generator or the schemas and run \`npx tsx sandbox/intuit/xsd/generate-rules.ts\`.
 * Maximum lengths the XSD documentation does not give, from Intuit's API reference:
${supplementNotes}
 */
import type { ComplexTypeRule, RequiredRule } from "./rule-types";

export const XSD_ENUMS: Record<string, readonly string[]> = {
${Object.entries(sortedEnums).map(([name, values]) => `  ${JSON.stringify(name)}: ${JSON.stringify(values)},`).join("\n")}
};

export const XSD_TYPES: Record<string, ComplexTypeRule> = {
${Object.entries(sortedTypes).map(([name, rule]) => formatType(name, rule)).join("\n")}
};

export const REQUIRED_ON_CREATE: readonly RequiredRule[] = [
${required.map((rule) => `  ${JSON.stringify(rule)},`).join("\n")}
];
`;
}

function formatType(name: string, rule: ComplexTypeRule): string {
  const value = rule.value ? ` value: ${JSON.stringify(rule.value)},` : "";
  const fields = Object.entries(rule.fields).map(([field, fieldRule]) => `      ${JSON.stringify(field)}: ${JSON.stringify(fieldRule)},`);
  return `  ${JSON.stringify(name)}: {${value}\n    fields: {\n${fields.join("\n")}\n    },\n  },`;
}

/** Whether typeName is, or extends, ancestor (walking complexContent extensions in the XSDs). */
function inherits(builder: RuleBuilder, typeName: string, ancestor: string): boolean {
  const { index } = builder;
  let current: string | undefined = typeName;
  while (current) {
    if (current === ancestor) return true;
    const definition = index.complexTypes.get(current);
    const extension = definition && children(children(definition, "xs:complexContent")[0] ?? definition, "xs:extension")[0];
    current = extension?.attributes.base;
  }
  return false;
}

export const RULES_FILE = fileURLToPath(new URL("./rules.generated.ts", import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(RULES_FILE, generateRules());
  console.log(`wrote ${RULES_FILE}`);
}

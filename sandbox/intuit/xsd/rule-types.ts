/** The shapes of rules.generated.ts (kept apart so the generated file only holds data). */

export type PrimitiveType = "string" | "decimal" | "integer" | "boolean" | "date" | "dateTime" | "any";

export interface FieldRule {
  /** A primitive, an enumeration of XSD_ENUMS, or a complex type of XSD_TYPES. */
  type: string;
  kind: "primitive" | "enum" | "complex";
  /** maxOccurs above 1: a JSON array. */
  many?: true;
  /** An XML attribute in the XSD (a plain key in JSON, like the elements). */
  attribute?: true;
  /** QuickBooks Online's maximum length, from the element's documentation (or a supplement, see generate-rules.ts). */
  maxLength?: number;
  /** The documentation marks the element Filterable (QBO or ALL). */
  filterable?: true;
  /** Members of the same xs:choice share this number: at most one of them may be given. */
  choice?: number;
}

export interface ComplexTypeRule {
  /** simpleContent: the JSON object carries the text as "value" (ReferenceType's id). */
  value?: PrimitiveType;
  /** Elements and attributes, the base types' first, in the XSD's order. */
  fields: Record<string, FieldRule>;
}

export interface RequiredRule {
  /** The entity the rule applies to on create and full update. */
  entity: string;
  /** Dotted path from the entity; `Line.Amount` is required on every line. */
  path: string;
  /** Where the rule comes from: the XSD annotation it was checked against, or Intuit's API reference. */
  source: string;
}

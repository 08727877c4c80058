import { fail, requiredParameterMissing, stringTooLong, unsupportedProperty } from "../faults";
import type { FieldRule, PrimitiveType } from "../xsd/rule-types";
import { REQUIRED_ON_CREATE, XSD_ENUMS, XSD_TYPES } from "../xsd/rules.generated";
import { parseDecimal } from "./decimal";
import { isPlainObject, type Json } from "./schema";

/**
 * A payload checked against the rules derived from Intuit's XSDs (xsd/rules.generated.ts), the way QuickBooks'
 * JSON reader and validation answer:
 *  - a key the type does not have: 2010 "Unrecognized field ... not marked as ignorable";
 *  - a value that cannot become the property's type (an object for a string, "abc" for a decimal, an unknown
 *    enumeration value, a single object where a list is expected): 2010 "Can not construct/deserialize ...";
 *  - a string over QuickBooks Online's maximum length: 2050;
 *  - two members of one xs:choice (a line with two details): 2010;
 *  - on create and full update, a required element missing (REQUIRED_ON_CREATE): 2020.
 * Scalars are coerced as Jackson does (numbers to strings, "12.5" to a decimal, "true" to a boolean); JSON nulls
 * are dropped (QuickBooks treats them as absent).
 */

const JAVA_PACKAGE = "com.intuit.schema.finance.v3";

function javaClass(typeName: string): string {
  return `${JAVA_PACKAGE}.${typeName.replace(/\./g, "$")}`;
}

function token(value: unknown): string {
  return Array.isArray(value) ? "START_ARRAY" : isPlainObject(value) ? "START_OBJECT" : typeof value === "string" ? "VALUE_STRING" : typeof value === "number" ? "VALUE_NUMBER" : "VALUE_TRUE";
}

const JAVA_PRIMITIVES: Record<PrimitiveType, string> = {
  string: "java.lang.String",
  decimal: "java.math.BigDecimal",
  integer: "java.math.BigInteger",
  boolean: "java.lang.Boolean",
  date: "java.util.Date",
  dateTime: "java.util.Date",
  any: "java.lang.Object",
};

function coercePrimitive(type: PrimitiveType, value: unknown, path: string): unknown {
  const cannot = (): never =>
    fail(
      isPlainObject(value) || Array.isArray(value)
        ? unsupportedProperty(`Can not deserialize instance of ${JAVA_PRIMITIVES[type]} out of ${token(value)} token`, path)
        : unsupportedProperty(`Can not construct instance of ${JAVA_PRIMITIVES[type]} from String value '${String(value)}': not a valid representation`, path),
    );
  switch (type) {
    case "any":
      return value;
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      return cannot();
    case "decimal": {
      if (typeof value !== "number" && typeof value !== "string") return cannot();
      return parseDecimal(value) ? Number(value) : cannot();
    }
    case "integer": {
      if (typeof value !== "number" && typeof value !== "string") return cannot();
      const number = Number(value);
      return Number.isSafeInteger(number) && String(value).trim() !== "" ? number : cannot();
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      return cannot();
    case "date":
      if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
      return cannot();
    case "dateTime":
      if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
      return cannot();
  }
}

function checkValue(field: FieldRule, value: unknown, path: string): unknown {
  if (field.kind === "complex") return checkObject(field.type, value, path);
  if (field.kind === "enum") {
    const values = XSD_ENUMS[field.type] ?? [];
    const text = typeof value === "string" ? value : undefined;
    if (text === undefined || !values.includes(text)) {
      if (isPlainObject(value) || Array.isArray(value)) fail(unsupportedProperty(`Can not deserialize instance of ${javaClass(field.type)} out of ${token(value)} token`, path));
      fail(unsupportedProperty(`Can not construct instance of ${javaClass(field.type)} from String value '${String(value)}': value not one of declared Enum instance names: [${values.join(", ")}]`, path));
    }
    return text;
  }
  const coerced = coercePrimitive(field.type as PrimitiveType, value, path);
  if (field.maxLength !== undefined && typeof coerced === "string" && coerced.length > field.maxLength) fail(stringTooLong(path, field.maxLength, coerced.length));
  return coerced;
}

/** Checks an object of the XSD complex type; answers a copy with coerced scalars and without nulls. */
export function checkObject(typeName: string, value: unknown, path: string): Json {
  const rule = XSD_TYPES[typeName];
  if (!rule) throw new Error(`No XSD rules for ${typeName}`);
  if (!isPlainObject(value)) fail(unsupportedProperty(`Can not deserialize instance of ${javaClass(typeName)} out of ${token(value)} token`, path));
  const checked: Json = {};
  const choices = new Map<number, string>();
  for (const [key, child] of Object.entries(value)) {
    if (child === null || child === undefined) continue;
    const childPath = path ? `${path}.${key}` : key;
    if (key === "value" && rule.value) {
      checked.value = coercePrimitive(rule.value, child, childPath);
      continue;
    }
    const field = rule.fields[key];
    if (!field) fail(unsupportedProperty(`Unrecognized field "${key}" (class ${javaClass(typeName)}), not marked as ignorable`, childPath));
    if (field.choice !== undefined) {
      const other = choices.get(field.choice);
      if (other) fail(unsupportedProperty(`${other} and ${key} cannot both be given in ${javaClass(typeName)}`, childPath));
      choices.set(field.choice, key);
    }
    if (field.many) {
      if (!Array.isArray(child)) fail(unsupportedProperty(`Can not deserialize instance of java.util.ArrayList out of ${token(child)} token`, childPath));
      checked[key] = child.filter((item) => item !== null).map((item) => checkValue(field, item, childPath));
    } else {
      if (Array.isArray(child)) fail(unsupportedProperty(`Can not deserialize instance of ${field.kind === "complex" ? javaClass(field.type) : JAVA_PRIMITIVES[field.type as PrimitiveType] ?? javaClass(field.type)} out of START_ARRAY token`, childPath));
      checked[key] = checkValue(field, child, childPath);
    }
  }
  return checked;
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** Every value at the path (through lists), with the path prefix where it is missing. */
function missingAt(value: unknown, segments: string[], prefix: string): string | undefined {
  const [head, ...rest] = segments;
  if (head === undefined) return undefined;
  const holders = Array.isArray(value) ? value : [value];
  for (const holder of holders) {
    if (!isPlainObject(holder)) continue;
    const child = holder[head];
    const path = prefix ? `${prefix}.${head}` : head;
    if (!isPresent(child)) return path;
    const deeper = missingAt(child, rest, path);
    if (deeper) return deeper;
  }
  return undefined;
}

/** 2020 for the first required element missing on a create or full update of the entity. */
export function checkRequired(entity: string, body: Json): void {
  for (const rule of REQUIRED_ON_CREATE) {
    if (rule.entity !== entity) continue;
    const missing = missingAt(body, rule.path.split("."), "");
    if (missing) fail(requiredParameterMissing(missing));
  }
}

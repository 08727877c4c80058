/**
 * The subset of Shopify's search syntax (shopify.dev/docs/api/usage/search-syntax) that the `query` argument of
 * products, productVariants, inventoryItems and locations accepts here: `field:value`, `field:prefix*`,
 * `field:>value` (also <, >=, <=) for numbers and dates, quoted values, `-field:value` / `NOT`, implicit AND and
 * `OR` between terms, and free text. Parentheses are not supported. A field the resource does not know is ignored,
 * as Shopify does, and reported as a search warning.
 */

type Comparator = ":" | ">" | "<" | ">=" | "<=";

interface SearchTerm {
  field: string | null;
  comparator: Comparator;
  value: string;
  negated: boolean;
}

/** Alternatives (OR) of conjunctions (AND). */
export type SearchQuery = SearchTerm[][];

type FieldValue = string | number | Date | null;

export interface SearchField<T> {
  get(record: T): FieldValue | FieldValue[];
  /** Free-text fields match a contained word or phrase; the others match the whole value. */
  text?: boolean;
}

export type SearchFields<T> = Record<string, SearchField<T>>;

const TOKEN = /(-?)(?:([A-Za-z_][\w.]*):(>=|<=|>|<)?)?(?:"([^"]*)"|'([^']*)'|([^\s()]+))/g;

export function parseSearchQuery(query: string): SearchQuery {
  const alternatives: SearchTerm[][] = [[]];
  let negateNext = false;
  for (const match of query.matchAll(TOKEN)) {
    const [, minus, field, comparator, doubleQuoted, singleQuoted, bare] = match;
    const value = doubleQuoted ?? singleQuoted ?? bare ?? "";
    if (!field && bare === "OR") {
      alternatives.push([]);
      continue;
    }
    if (!field && bare === "AND") continue;
    if (!field && bare === "NOT") {
      negateNext = true;
      continue;
    }
    alternatives.at(-1)!.push({
      field: field ? field.toLowerCase() : null,
      comparator: field ? ((comparator as Comparator | undefined) ?? ":") : ":",
      value,
      negated: minus === "-" || negateNext,
    });
    negateNext = false;
  }
  return alternatives.filter((terms) => terms.length > 0);
}

export function unknownSearchFields<T>(query: SearchQuery, fields: SearchFields<T>): string[] {
  return [...new Set(query.flat().flatMap((term) => (term.field && !fields[term.field] ? [term.field] : [])))];
}

function compare(actual: FieldValue, term: SearchTerm, text: boolean): boolean {
  if (actual === null) return false;
  if (term.comparator !== ":") {
    const left = actual instanceof Date ? actual.getTime() : typeof actual === "number" ? actual : Number.NaN;
    const right = actual instanceof Date ? Date.parse(term.value) : Number(term.value);
    if (Number.isNaN(left) || Number.isNaN(right)) return false;
    return term.comparator === ">" ? left > right : term.comparator === "<" ? left < right : term.comparator === ">=" ? left >= right : left <= right;
  }
  const haystack = (actual instanceof Date ? actual.toISOString() : String(actual)).toLowerCase();
  const needle = term.value.toLowerCase();
  if (needle.endsWith("*")) {
    const prefix = needle.slice(0, -1);
    return text ? haystack.split(/\s+/).some((word) => word.startsWith(prefix)) : haystack.startsWith(prefix);
  }
  return text ? haystack.includes(needle) : haystack === needle;
}

function termMatches<T>(record: T, term: SearchTerm, fields: SearchFields<T>, freeTextFields: string[]): boolean {
  const names = term.field ? [term.field] : freeTextFields;
  return names.some((name) => {
    const field = fields[name];
    if (!field) return false;
    const values = [field.get(record)].flat();
    return values.some((value) => compare(value, term, term.field === null || field.text === true));
  });
}

export function matchesSearch<T>(record: T, query: SearchQuery, fields: SearchFields<T>, freeTextFields: string[]): boolean {
  if (query.length === 0) return true;
  return query.some((terms) =>
    terms.every((term) => {
      // A field the resource does not know is ignored, negated or not.
      if (term.field && !fields[term.field]) return true;
      return termMatches(record, term, fields, freeTextFields) !== term.negated;
    }),
  );
}

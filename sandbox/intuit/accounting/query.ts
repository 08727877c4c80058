import { fail, invalidQuery, queryParserError } from "../faults";
import type { FieldRule } from "../xsd/rule-types";
import { XSD_TYPES } from "../xsd/rules.generated";
import { parseDecimal } from "./decimal";
import { isPlainObject, refValue, type Json } from "./schema";

/**
 * QuickBooks' query language, the part Intuit documents (reference §7):
 *   SELECT * | SELECT COUNT(*) | SELECT f1, f2 FROM Entity
 *   [WHERE f op v [AND f op v ...]] [ORDERBY f [ASC|DESC], ...] [STARTPOSITION n] [MAXRESULTS n]
 * with op one of = < > <= >= IN (v, ...) LIKE ('%' as the only wildcard); strings in single quotes with \'
 * escapes; no OR, JOIN or GROUP BY. Keywords and entity names take any case; string comparisons ignore case.
 * A syntax error answers 4000 "Error parsing query" (QueryParserError); a property that is unknown or cannot be
 * filtered (lists, addresses, lines) answers 4001 "Invalid query" (QueryValidationError: property 'X' is not
 * queryable), as Intuit does (quickbooks-ruby #403). Name lists answer only active entries unless the query
 * filters on Active. STARTPOSITION starts at 1; MAXRESULTS defaults to 100 and is capped at 1000.
 */

export const DEFAULT_MAX_RESULTS = 100;
export const MAX_RESULTS_CAP = 1000;

type TokenKind = "word" | "string" | "number" | "symbol" | "eof";

interface Token {
  kind: TokenKind;
  text: string;
  column: number;
}

type Operator = "=" | "<" | ">" | "<=" | ">=" | "IN" | "LIKE";

type Literal = string | number | boolean;

interface Condition {
  field: string;
  operator: Operator;
  values: Literal[];
}

export interface ParsedQuery {
  select: "*" | "count" | string[];
  entity: string;
  where: Condition[];
  orderBy: { field: string; descending: boolean }[];
  startPosition: number;
  maxResults: number;
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < query.length) {
    const char = query[index] ?? "";
    const column = index + 1;
    if (/\s/.test(char)) {
      index++;
    } else if (char === "'") {
      let text = "";
      index++;
      for (;;) {
        if (index >= query.length) fail(queryParserError(`Lexical error at line 1, column ${query.length + 1}.  Encountered: <EOF> after : "'${text}"`));
        const next = query[index] ?? "";
        if (next === "\\" && index + 1 < query.length) {
          text += query[index + 1];
          index += 2;
        } else if (next === "'") {
          index++;
          break;
        } else {
          text += next;
          index++;
        }
      }
      tokens.push({ kind: "string", text, column });
    } else if (/[-\d.]/.test(char) && /^-?(\d+\.?\d*|\.\d+)/.test(query.slice(index))) {
      const number = /^-?(\d+\.?\d*|\.\d+)/.exec(query.slice(index))?.[0] ?? "";
      tokens.push({ kind: "number", text: number, column });
      index += number.length;
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][\w.]*/.exec(query.slice(index))?.[0] ?? "";
      tokens.push({ kind: "word", text: word, column });
      index += word.length;
    } else if (query.startsWith("<=", index) || query.startsWith(">=", index)) {
      tokens.push({ kind: "symbol", text: query.slice(index, index + 2), column });
      index += 2;
    } else if ("*(),=<>".includes(char)) {
      tokens.push({ kind: "symbol", text: char, column });
      index++;
    } else {
      fail(queryParserError(`Invalid content. Lexical error at line 1, column ${column}.  Encountered: "${char}" (${char.charCodeAt(0)}), after : ""`));
    }
  }
  tokens.push({ kind: "eof", text: "<EOF>", column: query.length + 1 });
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): ParsedQuery {
    if (this.tokens.length === 1) fail(queryParserError("The query provided was empty"));
    this.keyword("SELECT");
    let select: ParsedQuery["select"];
    if (this.accept("*")) select = "*";
    else if (this.peekKeyword("COUNT")) {
      this.next();
      this.expect("(");
      this.expect("*");
      this.expect(")");
      select = "count";
    } else {
      select = [this.word("a property")];
      while (this.accept(",")) select.push(this.word("a property"));
    }
    this.keyword("FROM");
    const entity = this.word("an entity");
    const where: Condition[] = [];
    if (this.acceptKeyword("WHERE")) {
      do where.push(this.condition());
      while (this.acceptKeyword("AND"));
    }
    const orderBy: ParsedQuery["orderBy"] = [];
    if (this.acceptOrderBy()) {
      do {
        const field = this.word("a property");
        const descending = this.acceptKeyword("DESC");
        if (!descending) this.acceptKeyword("ASC");
        orderBy.push({ field, descending });
      } while (this.accept(","));
    }
    let startPosition = 1;
    let maxResults = DEFAULT_MAX_RESULTS;
    for (let clause = 0; clause < 2; clause++) {
      if (this.acceptKeyword("STARTPOSITION")) startPosition = this.integer();
      else if (this.acceptKeyword("MAXRESULTS")) maxResults = this.integer();
    }
    if (this.peek().kind !== "eof") this.unexpected("<EOF>", "\"startposition\" ...", "\"maxresults\" ...");
    return { select, entity, where, orderBy, startPosition: Math.max(1, startPosition), maxResults: Math.min(Math.max(1, maxResults), MAX_RESULTS_CAP) };
  }

  /** ORDERBY, or ORDER BY. */
  private acceptOrderBy(): boolean {
    if (this.acceptKeyword("ORDERBY")) return true;
    if (!this.acceptKeyword("ORDER")) return false;
    this.keyword("BY");
    return true;
  }

  private condition(): Condition {
    const field = this.word("a property");
    const token = this.next();
    const upper = token.text.toUpperCase();
    if (token.kind === "word" && upper === "IN") {
      this.expect("(");
      const values = [this.literal()];
      while (this.accept(",")) values.push(this.literal());
      this.expect(")");
      return { field, operator: "IN", values };
    }
    if (token.kind === "word" && upper === "LIKE") {
      const pattern = this.next();
      if (pattern.kind !== "string") this.fault(pattern, "<STRING>");
      return { field, operator: "LIKE", values: [pattern.text] };
    }
    if (token.kind === "symbol" && ["=", "<", ">", "<=", ">="].includes(token.text)) return { field, operator: token.text as Operator, values: [this.literal()] };
    return this.fault(token, "\"=\" ...", "\"<\" ...", "\">\" ...", "\"<=\" ...", "\">=\" ...", "\"in\" ...", "\"like\" ...");
  }

  private literal(): Literal {
    const token = this.next();
    if (token.kind === "string") return token.text;
    if (token.kind === "number") return Number(token.text);
    if (token.kind === "word" && /^(true|false)$/i.test(token.text)) return token.text.toLowerCase() === "true";
    return this.fault(token, "<STRING>", "<NUMBER>", "\"true\"", "\"false\"");
  }

  private integer(): number {
    const token = this.next();
    if (token.kind !== "number" || !/^\d+$/.test(token.text)) return this.fault(token, "<INTEGER>");
    return Number(token.text);
  }

  private peek(): Token {
    return this.tokens[this.position] ?? { kind: "eof", text: "<EOF>", column: 0 };
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "eof") this.position++;
    return token;
  }

  private peekKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === "word" && token.text.toUpperCase() === keyword;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.peekKeyword(keyword)) return false;
    this.position++;
    return true;
  }

  private keyword(keyword: string): void {
    if (!this.acceptKeyword(keyword)) this.unexpected(`"${keyword.toLowerCase()}" ...`);
  }

  private accept(symbol: string): boolean {
    const token = this.peek();
    if (token.kind !== "symbol" || token.text !== symbol) return false;
    this.position++;
    return true;
  }

  private expect(symbol: string): void {
    if (!this.accept(symbol)) this.unexpected(`"${symbol}" ...`);
  }

  private word(what: string): string {
    const token = this.peek();
    if (token.kind !== "word" || /^(OR|AND|WHERE|FROM|ORDERBY|STARTPOSITION|MAXRESULTS)$/i.test(token.text)) this.unexpected(`<IDENTIFIER> (${what})`);
    this.position++;
    return token.text;
  }

  private unexpected(...expected: string[]): never {
    return this.fault(this.peek(), ...expected);
  }

  private fault(token: Token, ...expected: string[]): never {
    const shown = token.kind === "eof" ? "<EOF>" : token.kind === "string" ? `<STRING> "'${token.text}'"` : `"${token.text}"`;
    const hint = /^OR$/i.test(token.text) ? " OR is not supported: QuickBooks queries combine conditions with AND only." : "";
    fail(queryParserError(`Encountered " ${shown} " at line 1, column ${token.column}.\nWas expecting one of:\n    ${expected.join("\n    ")}${hint}`));
  }
}

export function parseQuery(query: string): ParsedQuery {
  return new Parser(tokenize(query)).parse();
}

interface ResolvedField {
  path: string[];
  rule: FieldRule;
}

/** A property a query may filter or sort on: a top-level value or reference, or MetaData's times. */
function queryableField(typeName: string, name: string): ResolvedField {
  const segments = name.split(".");
  const rule = XSD_TYPES[typeName];
  const match = (fields: Record<string, FieldRule>, wanted: string) => Object.entries(fields).find(([field]) => field.toLowerCase() === wanted.toLowerCase());
  const top = rule && match(rule.fields, segments[0] ?? "");
  if (top && segments.length === 1 && !top[1].many && (top[1].kind !== "complex" || top[1].type === "ReferenceType")) return { path: [top[0]], rule: top[1] };
  if (top && top[0] === "MetaData" && segments.length === 2) {
    const time = match(XSD_TYPES.ModificationMetaData?.fields ?? {}, segments[1] ?? "");
    if (time && time[1].type === "dateTime") return { path: ["MetaData", time[0]], rule: time[1] };
  }
  return fail(invalidQuery(`property '${name}' is not queryable`));
}

function valueAt(row: Json, field: ResolvedField): unknown {
  let value: unknown = row;
  for (const segment of field.path) value = isPlainObject(value) ? value[segment] : undefined;
  return field.rule.type === "ReferenceType" ? refValue(value) : value;
}

/** -1, 0, 1: the row's value against the literal, in the property's type. */
function compare(rule: FieldRule, value: unknown, literal: Literal): number {
  if (rule.type === "decimal" || rule.type === "integer") {
    const a = parseDecimal(value);
    const b = parseDecimal(literal);
    if (!a || !b) return Number.NaN;
    return Math.sign(Number(value) - Number(literal));
  }
  if (rule.type === "boolean") return value === (literal === true || literal === "true") ? 0 : Number.NaN;
  if (rule.type === "dateTime") return Math.sign(Date.parse(String(value)) - Date.parse(String(literal)));
  const text = String(value ?? "");
  const wanted = String(literal);
  if (/^\d+$/.test(text) && /^\d+$/.test(wanted)) return Math.sign(Number(text) - Number(wanted));
  return Math.sign(text.toLowerCase().localeCompare(wanted.toLowerCase()));
}

function likePattern(pattern: string): RegExp {
  const escaped = pattern
    .split("%")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${escaped}$`, "is");
}

function matches(row: Json, condition: Condition, field: ResolvedField): boolean {
  const value = valueAt(row, field);
  if (value === undefined) return false;
  switch (condition.operator) {
    case "=":
      return compare(field.rule, value, condition.values[0] ?? "") === 0;
    case "IN":
      return condition.values.some((literal) => compare(field.rule, value, literal) === 0);
    case "LIKE":
      return likePattern(String(condition.values[0])).test(String(value));
    case "<":
      return compare(field.rule, value, condition.values[0] ?? "") < 0;
    case ">":
      return compare(field.rule, value, condition.values[0] ?? "") > 0;
    case "<=":
      return compare(field.rule, value, condition.values[0] ?? "") <= 0;
    case ">=":
      return compare(field.rule, value, condition.values[0] ?? "") >= 0;
  }
}

export interface QuerySource {
  /** The entity's name as QuickBooks spells it (the key of the answer's list). */
  entity: string;
  rows: Json[];
  /** Name lists: only active entries unless the query filters on Active. */
  activeOnlyByDefault: boolean;
}

/** Runs a parsed query over the entity's rows (already as QuickBooks answers them). */
export function runQuery(query: ParsedQuery, source: QuerySource): Json {
  const conditions = query.where.map((condition) => ({ condition, field: queryableField(source.entity, condition.field) }));
  const order = query.orderBy.map((key) => ({ field: queryableField(source.entity, key.field), descending: key.descending }));
  const projection = Array.isArray(query.select)
    ? query.select.map((name) => {
        const found = Object.keys(XSD_TYPES[source.entity]?.fields ?? {}).find((field) => field.toLowerCase() === name.toLowerCase());
        return found ?? fail(invalidQuery(`property '${name}' is not queryable`));
      })
    : undefined;
  const filtersOnActive = conditions.some(({ field }) => field.path[0] === "Active");
  let rows = source.rows.filter((row) => conditions.every(({ condition, field }) => matches(row, condition, field)));
  if (source.activeOnlyByDefault && !filtersOnActive) rows = rows.filter((row) => row.Active !== false);
  if (query.select === "count") return { QueryResponse: { totalCount: rows.length } };

  rows = [...rows].sort((a, b) => {
    for (const { field, descending } of order) {
      const left = valueAt(a, field);
      const right = valueAt(b, field);
      if (left === right) continue;
      if (left === undefined) return 1;
      if (right === undefined) return -1;
      const result = compare(field.rule, left, right as Literal);
      if (result !== 0 && !Number.isNaN(result)) return descending ? -result : result;
    }
    return Number(a.Id) - Number(b.Id) || String(a.Id).localeCompare(String(b.Id));
  });
  const page = rows.slice(query.startPosition - 1, query.startPosition - 1 + query.maxResults);
  if (page.length === 0) return { QueryResponse: {} };
  const answered = projection
    ? page.map((row) => ({ domain: row.domain, sparse: true, ...Object.fromEntries(projection.filter((field) => row[field] !== undefined).map((field) => [field, row[field]])), Id: row.Id }))
    : page;
  return { QueryResponse: { [source.entity]: answered, startPosition: query.startPosition, maxResults: page.length } };
}

import { z } from "zod";
import { CATALOG_OBJECT_TYPES, searchableAttribute, type CatalogObjectType, type CatalogRecord, type CatalogStore } from "./catalog";
import { badRequest } from "./errors";

/**
 * SearchCatalogObjects' filters, as the SDK's CatalogQuery documents them:
 *  - `object_types` (default: the top-level types, of which the sandbox keeps ITEM), deleted objects only with
 *    `include_deleted_objects`, `begin_time` exclusive on `updated_at`;
 *  - exact_query, prefix_query, text_query and sorted_attribute_query combine; set_query stands alone;
 *  - searchable attributes: name (items, variations), description and abbreviation (items), sku and upc
 *    (variations); an object without the attribute does not match;
 *  - exact_query: case-insensitive "and can be partial" (CatalogQueryExact: "sma" matches "Small"); the sandbox
 *    matches a value that starts with the one asked for, so an app looking up one SKU must compare the SKUs it gets;
 *  - set_query: case-insensitive, whole values, up to 250; prefix_query: case-insensitive prefix;
 *  - text_query: 1–3 keywords, those under 3 alphanumeric characters ignored, each found (case-insensitive) in any
 *    searchable attribute;
 *  - range_query and the items_for_* / modifiers queries are not modelled (400).
 */

export const searchBody = z.looseObject({
  cursor: z.string().nullish(),
  object_types: z.array(z.enum(CATALOG_OBJECT_TYPES)).nullish(),
  include_deleted_objects: z.boolean().nullish(),
  include_related_objects: z.boolean().nullish(),
  begin_time: z.string().nullish(),
  query: z
    .looseObject({
      sorted_attribute_query: z.looseObject({ attribute_name: z.string(), initial_attribute_value: z.string().nullish(), sort_order: z.enum(["ASC", "DESC"]).nullish() }).nullish(),
      exact_query: z.looseObject({ attribute_name: z.string(), attribute_value: z.string() }).nullish(),
      set_query: z.looseObject({ attribute_name: z.string(), attribute_values: z.array(z.string()).min(1).max(250) }).nullish(),
      prefix_query: z.looseObject({ attribute_name: z.string(), attribute_prefix: z.string() }).nullish(),
      text_query: z.looseObject({ keywords: z.array(z.string()).min(1).max(3) }).nullish(),
    })
    .nullish(),
  limit: z.number().int().nullish(),
  include_category_path_to_root: z.boolean().nullish(),
});

export type SearchBody = z.infer<typeof searchBody>;

const NOT_MODELLED = ["range_query", "items_for_tax_query", "items_for_modifier_list_query", "items_for_item_options_query", "item_variations_for_item_option_values_query", "modifiers_for_child_list_query"];
// Every searchable attribute CatalogQuery lists; caption and display_name belong to types the sandbox does not keep.
const SEARCHABLE = ["name", "description", "abbreviation", "sku", "upc", "caption", "display_name"];

/** ITEM unless the request names types: the top-level defaults, of which the sandbox keeps ITEM only. */
export function requestedTypes(types: readonly CatalogObjectType[] | null | undefined): Set<CatalogObjectType> {
  return new Set(types && types.length > 0 ? types : ["ITEM"]);
}

/** A time filter in RFC 3339; INVALID_TIME otherwise. */
export function parseTime(value: string, field: string): number {
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw badRequest("INVALID_TIME", `\`${field}\` must be an RFC 3339 timestamp, e.g. 2016-09-04T23:59:33.123Z.`, field);
  return time;
}

function checkAttribute(name: string, field: string): void {
  if (!SEARCHABLE.includes(name)) throw badRequest("INVALID_VALUE", `Attribute ${name} is not searchable.`, field);
}

const lower = (value: string | undefined) => value?.toLowerCase();

/** The objects matching a search, in catalog order (or the sorted attribute's order). */
export function searchCatalog(catalog: CatalogStore, body: SearchBody): CatalogRecord[] {
  const query = body.query ?? {};
  const raw = query as Record<string, unknown>;
  const notModelled = NOT_MODELLED.find((name) => raw[name] !== undefined && raw[name] !== null);
  if (notModelled) throw badRequest("BAD_REQUEST", `${notModelled} is not modelled by the Tillbridge Square sandbox.`, `query.${notModelled}`);
  const used = Object.entries({ ...query }).filter(([name, value]) => value !== null && value !== undefined && !NOT_MODELLED.includes(name));
  if (query.set_query && used.length > 1) throw badRequest("INVALID_VALUE", "set_query cannot be combined with other query filters.", "query.set_query");
  if (body.include_deleted_objects && body.include_category_path_to_root) {
    throw badRequest("INVALID_VALUE", "include_deleted_objects and include_category_path_to_root cannot both be true.", "include_category_path_to_root");
  }

  const types = requestedTypes(body.object_types);
  const begin = body.begin_time ? parseTime(body.begin_time, "begin_time") : null;
  const filters: ((record: CatalogRecord) => boolean)[] = [];
  if (query.exact_query) {
    const { attribute_name: name, attribute_value: value } = query.exact_query;
    checkAttribute(name, "query.exact_query.attribute_name");
    filters.push((record) => lower(searchableAttribute(record, name))?.startsWith(value.toLowerCase()) ?? false);
  }
  if (query.set_query) {
    const { attribute_name: name, attribute_values: values } = query.set_query;
    checkAttribute(name, "query.set_query.attribute_name");
    const wanted = new Set(values.map((value) => value.toLowerCase()));
    filters.push((record) => wanted.has(lower(searchableAttribute(record, name)) ?? "\u0000"));
  }
  if (query.prefix_query) {
    const { attribute_name: name, attribute_prefix: prefix } = query.prefix_query;
    checkAttribute(name, "query.prefix_query.attribute_name");
    filters.push((record) => lower(searchableAttribute(record, name))?.startsWith(prefix.toLowerCase()) ?? false);
  }
  if (query.text_query) {
    const keywords = query.text_query.keywords.map((keyword) => keyword.toLowerCase()).filter((keyword) => keyword.replace(/[^\p{L}\p{N}]/gu, "").length >= 3);
    filters.push((record) => {
      const text = ["name", "description", "abbreviation", "sku", "upc"].map((name) => lower(searchableAttribute(record, name)) ?? "").join("\n");
      return keywords.every((keyword) => text.includes(keyword));
    });
  }
  if (query.sorted_attribute_query) checkAttribute(query.sorted_attribute_query.attribute_name, "query.sorted_attribute_query.attribute_name");

  let found: CatalogRecord[] = [];
  for (const record of catalog.all()) {
    if (!types.has(record.type)) continue;
    if (record.is_deleted && !body.include_deleted_objects) continue;
    if (begin !== null && Date.parse(record.updated_at) <= begin) continue;
    if (filters.every((filter) => filter(record))) found.push(record);
  }
  const sorted = query.sorted_attribute_query;
  if (sorted) {
    const direction = sorted.sort_order === "DESC" ? -1 : 1;
    const value = (record: CatalogRecord) => lower(searchableAttribute(record, sorted.attribute_name));
    const start = lower(sorted.initial_attribute_value ?? undefined);
    if (start !== undefined) found = found.filter((record) => (value(record) ?? "").localeCompare(start) * direction >= 0);
    found.sort((a, b) => {
      const left = value(a);
      const right = value(b);
      if (left === undefined || right === undefined) return left === right ? 0 : left === undefined ? 1 : -1;
      return left.localeCompare(right) * direction;
    });
  }
  return found;
}

import { GraphQLError } from "graphql";

/** Shopify global ids: `gid://shopify/Product/123`, some with a query (`InventoryLevel/1?inventory_item_id=2`). */
export interface ParsedGid {
  type: string;
  id: number;
  params: URLSearchParams;
}

const GID_PATTERN = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?(.*))?$/;

export function gid(type: string, id: number, params?: Record<string, string | number>): string {
  const query = params ? `?${new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)]))}` : "";
  return `gid://shopify/${type}/${id}${query}`;
}

/** Parses an ID argument; a malformed one fails the way Shopify's ID coercion does. */
export function parseGid(value: string): ParsedGid {
  const match = GID_PATTERN.exec(value);
  if (!match) {
    throw new GraphQLError(`Invalid global id '${value}'`, {
      extensions: { code: "argumentLiteralsIncompatible", typeName: "CoercionError" },
    });
  }
  return { type: match[1]!, id: Number(match[2]), params: new URLSearchParams(match[3] ?? "") };
}

/** Parses an ID argument that must name one type; an id of another type finds nothing, as at Shopify. */
export function idOfType(value: string, type: string): number | undefined {
  const parsed = parseGid(value);
  return parsed.type === type ? parsed.id : undefined;
}

/**
 * Pagination cursors in Shopify's shape: base64 of `{"last_id":…,"last_value":…}`. Apps must treat them as
 * opaque; keeping the shape makes logs and fixtures look like production.
 */
export function encodeCursor(id: number, value: string | number): string {
  return Buffer.from(JSON.stringify({ last_id: id, last_value: value })).toString("base64");
}

export function decodeCursor(cursor: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as { last_id?: unknown };
    if (typeof decoded.last_id === "number") return decoded.last_id;
  } catch {
    // Falls through to the error below.
  }
  throw new GraphQLError(`Invalid cursor '${cursor}'`);
}

import fs from "node:fs";
import zlib from "node:zlib";
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";
import { sandboxFile } from "./paths";

/** The Admin API version whose schema the sandbox serves (see schema/NOTICE.md). */
export const ADMIN_API_VERSION = "2026-10";

let cached: GraphQLSchema | undefined;

/**
 * Shopify's real Admin GraphQL schema, built from the introspection result kept in schema/ (about 0.3 s, once per
 * process). The sandbox executes queries against it, and the app's tests validate their GraphQL documents with it.
 */
export function loadAdminSchema(): GraphQLSchema {
  if (!cached) {
    const introspection = JSON.parse(zlib.gunzipSync(fs.readFileSync(sandboxFile("schema", `admin-${ADMIN_API_VERSION}.json.gz`))).toString("utf8")) as { data: IntrospectionQuery };
    cached = buildClientSchema(introspection.data);
  }
  return cached;
}

import type { Request } from "express";
import { getOperationAST, parse } from "graphql";
import type { FaultKind, FaultResponder, ServerErrorStatus } from "../common/faults";
import type { SandboxCore } from "./core";
import type { SandboxCounts } from "./stats";

/**
 * Shopify's answers to the shared fault switches (sandbox/common/faults.ts). Throttles are decided in the GraphQL
 * handler, which knows the query's cost: Shopify's THROTTLED answer is HTTP 200 with the cost extension. A 5xx on
 * GraphQL uses the `{"errors": "..."}` body of Shopify's other HTTP-level errors; on the token endpoint, its OAuth
 * `{error, error_description}` body. Both are assumed: Shopify's 5xx bodies are not documented.
 */

const STATUS_TEXT: Record<ServerErrorStatus, string> = {
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

const FAULT_COUNTS: Record<Exclude<FaultKind, "throttled">, keyof SandboxCounts> = {
  serverError: "serverErrors",
  timeout: "timeouts",
  lostResponse: "lostResponses",
};

function countFault(core: SandboxCore, kind: FaultKind, request: Request): void {
  const shop = request.params.shop ?? "";
  // Only known shops are counted, so made-up domains cannot grow the stats.
  if (kind !== "throttled" && core.store.shop(shop)) core.stats.count(shop, FAULT_COUNTS[kind]);
}

/** Whether an Admin GraphQL request runs a mutation: the writes a lost response applies to. */
function isMutation(request: Request): boolean {
  const body: unknown = request.body;
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const query = typeof body === "string" ? body : fields.query;
  if (typeof query !== "string") return false;
  try {
    const operationName = typeof fields.operationName === "string" ? fields.operationName : undefined;
    return getOperationAST(parse(query), operationName)?.operation === "mutation";
  } catch {
    return false;
  }
}

export function graphqlFaults(core: SandboxCore): FaultResponder {
  return {
    serverError: (_request, response, status) => response.status(status).json({ errors: STATUS_TEXT[status] }),
    isWrite: isMutation,
    onFault: (kind, request) => countFault(core, kind, request),
  };
}

export function tokenEndpointFaults(core: SandboxCore): FaultResponder {
  return {
    serverError: (_request, response, status) =>
      response.status(status).json({
        error: status === 503 ? "temporarily_unavailable" : "server_error",
        error_description: "Injected by the Tillbridge Shopify sandbox's fault switches",
      }),
    // Every token request issues tokens (and may install the app).
    isWrite: () => true,
    onFault: (kind, request) => countFault(core, kind, request),
  };
}

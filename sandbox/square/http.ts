import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { FaultKind, FaultResponder, ServerErrorStatus } from "../common/faults";
import type { SandboxCore } from "./core";
import { SquareApiError, sendSquareError } from "./errors";
import type { SandboxCounts } from "./stats";

/**
 * Square's answers to injected faults. Square does not publish its rate limits and answers over-limit calls with
 * 429 RATE_LIMITED and no Retry-After (square-qbo.md §3, Square forum t/24167), so the SDK's own backoff applies.
 * Its 5xx codes are the ErrorCode enum's (category API_ERROR); the detail texts are the sandbox's.
 */
export const RATE_LIMITED = new SquareApiError(429, "RATE_LIMIT_ERROR", "RATE_LIMITED", "This request was rate limited. Please retry later.");
const SERVER_ERROR_CODES: Record<ServerErrorStatus, string> = {
  500: "INTERNAL_SERVER_ERROR",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};
const FAULT_COUNTS: Record<FaultKind, keyof SandboxCounts> = {
  throttled: "rateLimited",
  serverError: "serverErrors",
  timeout: "timeouts",
  lostResponse: "lostResponses",
};

/** POSTs that change nothing: lostResponseRate does not apply to them. */
const READS_BY_POST = new Set([
  "/oauth2/token/status",
  "/v2/catalog/search",
  "/v2/catalog/batch-retrieve",
  "/v2/inventory/counts/batch-retrieve",
  "/v2/inventory/batch-retrieve-counts",
  "/v2/inventory/changes/batch-retrieve",
  "/v2/inventory/batch-retrieve-changes",
  "/v2/orders/search",
  "/v2/orders/batch-retrieve",
]);

function faultResponder(core: SandboxCore): FaultResponder {
  return {
    throttled: (_request, response) => sendSquareError(response, RATE_LIMITED),
    serverError: (_request, response, status) =>
      sendSquareError(response, new SquareApiError(status, "API_ERROR", SERVER_ERROR_CODES[status], "Injected by the Tillbridge Square sandbox's fault switches.")),
    isWrite: (request) => request.method !== "GET" && !READS_BY_POST.has(request.path),
    onFault: (kind) => core.stats.count(FAULT_COUNTS[kind]),
  };
}

/**
 * Wraps a handler of Square's API surface (/oauth2 JSON endpoints and /v2): counts the call under its route
 * pattern, applies the fault switches (429 before any work, as a rate limiter does; latency, timeouts, 5xx, lost
 * responses), and turns a thrown SquareApiError into Square's error body. Async handlers' rejections go to the
 * error handler (Express 4 does not catch them).
 */
export function squareEndpoint(core: SandboxCore, handler: (request: Request, response: Response) => void | Promise<void>): RequestHandler {
  const faults = core.faults.middleware(faultResponder(core));
  return (request: Request, response: Response, next: NextFunction) => {
    core.stats.endpoint(`${request.method} ${request.route?.path ?? request.path}`);
    const fail = (error: unknown) => {
      if (!(error instanceof SquareApiError)) return next(error);
      if (error.status === 401 || error.status === 403) core.stats.count("unauthorized");
      sendSquareError(response, error);
    };
    faults(request, response, (error?: unknown) => {
      if (error !== undefined) return next(error);
      try {
        const result = handler(request, response);
        if (result) result.catch(fail);
      } catch (caught) {
        fail(caught);
      }
    });
  };
}

/** Express 4 does not catch rejected promises of async handlers: pass them to the error handler. */
export function asyncHandler(handler: (request: Request, response: Response) => Promise<void>): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    handler(request, response).catch(next);
  };
}

import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { SandboxCore } from "./core";
import { SquareApiError, sendSquareError } from "./errors";

const RATE_LIMITED = new SquareApiError(429, "RATE_LIMIT_ERROR", "RATE_LIMITED", "This request was rate limited. Please retry later.");

/**
 * Wraps a handler of Square's API surface (/oauth2 JSON endpoints and /v2): counts the call under its route
 * pattern, answers 429 when the fault switch says so (before any work, as a rate limiter does), and turns a thrown
 * SquareApiError into Square's error body. Async handlers' rejections go to the error handler (Express 4 does not
 * catch them).
 */
export function squareEndpoint(core: SandboxCore, handler: (request: Request, response: Response) => void | Promise<void>): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    core.stats.endpoint(`${request.method} ${request.route?.path ?? request.path}`);
    const fail = (error: unknown) => {
      if (!(error instanceof SquareApiError)) return next(error);
      if (error.status === 401 || error.status === 403) core.stats.count("unauthorized");
      sendSquareError(response, error);
    };
    if (core.faults.takeRateLimit()) {
      core.stats.count("rateLimited");
      sendSquareError(response, RATE_LIMITED);
      return;
    }
    try {
      const result = handler(request, response);
      if (result) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/** Express 4 does not catch rejected promises of async handlers: pass them to the error handler. */
export function asyncHandler(handler: (request: Request, response: Response) => Promise<void>): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    handler(request, response).catch(next);
  };
}

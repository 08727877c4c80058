import type { Response } from "express";

/**
 * Square's error answers: `{"errors":[{category, code, detail, field?}]}`, the shape of the SDK's `Error_` and what
 * `SquareError.errors` copies from the body. Every sandbox error uses it, the OAuth endpoints included: the SDK types
 * ObtainToken/RevokeToken/RetrieveTokenStatus responses with the same `errors` field. (Square's legacy
 * `{message, type}` body is not produced; the SDK would map it to category V1_ERROR.)
 */

export type ErrorCategory = "API_ERROR" | "AUTHENTICATION_ERROR" | "INVALID_REQUEST_ERROR" | "RATE_LIMIT_ERROR";

export class SquareApiError extends Error {
  constructor(
    readonly status: number,
    readonly category: ErrorCategory,
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

export function sendSquareError(response: Response, error: SquareApiError): void {
  response.status(error.status).json({
    errors: [{ category: error.category, code: error.code, detail: error.detail, ...(error.field !== undefined && { field: error.field }) }],
  });
}

export const unauthorized = (detail: string) => new SquareApiError(401, "AUTHENTICATION_ERROR", "UNAUTHORIZED", detail);
export const badRequest = (code: string, detail: string, field?: string) => new SquareApiError(400, "INVALID_REQUEST_ERROR", code, detail, field);
export const notFound = (detail: string) => new SquareApiError(404, "INVALID_REQUEST_ERROR", "NOT_FOUND", detail);

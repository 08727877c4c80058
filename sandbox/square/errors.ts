import type { Response } from "express";
import type { z } from "zod";

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

/**
 * A request body that does not fit the endpoint's schema, as Square reports it: the first problem, with the field's
 * path written as Square writes it (`changes[0].adjustment.quantity`). The codes are the ErrorCode enum's; which one
 * Square picks for each case is assumed (missing field, wrong type, enum, length).
 */
export function bodyError(error: z.ZodError, prefix = ""): SquareApiError {
  const issue = error.issues[0]!;
  const path = issue.path.reduce<string>(
    (out, segment) => (typeof segment === "number" ? `${out}[${segment}]` : out ? `${out}.${String(segment)}` : String(segment)),
    prefix,
  );
  const field = path || undefined;
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
    return badRequest("MISSING_REQUIRED_PARAMETER", `Field \`${path}\` is missing.`, field);
  }
  const code =
    issue.code === "invalid_value"
      ? "INVALID_ENUM_VALUE"
      : issue.code === "too_big"
        ? issue.origin === "array"
          ? "ARRAY_LENGTH_TOO_LONG"
          : issue.origin === "string"
            ? "VALUE_TOO_LONG"
            : "VALUE_TOO_HIGH"
        : issue.code === "too_small"
          ? issue.origin === "array"
            ? "ARRAY_LENGTH_TOO_SHORT"
            : issue.origin === "string"
              ? "VALUE_TOO_SHORT"
              : "VALUE_TOO_LOW"
          : "INVALID_VALUE";
  return badRequest(code, `Invalid value for \`${path || "body"}\`: ${issue.message}.`, field);
}

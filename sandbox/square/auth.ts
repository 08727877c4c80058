import type { Request } from "express";
import type { SandboxCore } from "./core";
import { SquareApiError, unauthorized } from "./errors";
import type { AccessTokenRecord } from "./tokens";

/**
 * The Bearer token check of every /v2 call and of RetrieveTokenStatus. Square tells the cases apart (ErrorCode
 * ACCESS_TOKEN_EXPIRED, ACCESS_TOKEN_REVOKED, UNAUTHORIZED; all category AUTHENTICATION_ERROR, HTTP 401), which is
 * what lets an app decide between refreshing and asking the seller to reconnect.
 */
export function authenticate(core: SandboxCore, request: Request): AccessTokenRecord {
  const match = /^Bearer (\S+)$/.exec(request.get("Authorization") ?? "");
  if (!match) throw unauthorized("The `Authorization` http header of your request was missing or malformed. It must be `Bearer ACCESS_TOKEN`.");
  const check = core.tokens.checkAccess(match[1]!);
  if (check.ok) return check.record;
  if (check.reason === "expired") throw new SquareApiError(401, "AUTHENTICATION_ERROR", "ACCESS_TOKEN_EXPIRED", "The access token has expired.");
  if (check.reason === "revoked") throw new SquareApiError(401, "AUTHENTICATION_ERROR", "ACCESS_TOKEN_REVOKED", "The access token has been revoked.");
  throw unauthorized("This request could not be authorized.");
}

/** Square answers a call outside the token's scopes with 403 INSUFFICIENT_SCOPES. */
export function requireScope(record: AccessTokenRecord, scope: string): void {
  if (!record.scopes.includes(scope)) {
    throw new SquareApiError(403, "AUTHENTICATION_ERROR", "INSUFFICIENT_SCOPES", `The merchant has not granted the ${scope} permission to this application.`);
  }
}

import express, { type Request, type Response } from "express";
import { z } from "zod";
import { authenticate } from "./auth";
import { consentPage, errorPage, type AuthorizeRequest } from "./consent-page";
import type { SandboxCore } from "./core";
import { badRequest, notFound, unauthorized } from "./errors";
import { squareEndpoint } from "./http";

/**
 * Square's OAuth API at its real paths (square-qbo.md §2; the SDK's oAuth client):
 *  - GET /oauth2/authorize: the consent page; POST /oauth2/authorize is the sandbox's form target for its buttons;
 *  - POST /oauth2/token (ObtainToken): authorization_code and refresh_token grants of the code flow;
 *  - POST /oauth2/revoke (RevokeToken), Authorization: Client <application secret>;
 *  - POST /oauth2/token/status (RetrieveTokenStatus), Authorization: Bearer <access token>.
 */

/** Square's default when authorize has no scope parameter. */
const DEFAULT_SCOPES = ["MERCHANT_PROFILE_READ", "PAYMENTS_READ", "SETTLEMENTS_READ", "BANK_ACCOUNTS_READ"];

const authorizeQuery = z.looseObject({
  client_id: z.string().optional(),
  scope: z.string().optional(),
  state: z.string().max(1024).optional(),
  redirect_uri: z.string().optional(),
  session: z.string().optional(),
  locale: z.string().optional(),
  code_challenge: z.string().optional(),
});

const decisionBody = z.object({
  client_id: z.string(),
  scope: z.string(),
  state: z.string().max(1024).optional(),
  redirect_uri: z.string().optional(),
  merchant_id: z.string(),
  decision: z.enum(["approve", "deny"]),
});

const tokenBody = z.looseObject({
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  grant_type: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  refresh_token: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  short_lived: z.boolean().optional(),
  code_verifier: z.string().optional(),
});

const revokeBody = z.looseObject({
  client_id: z.string().optional(),
  access_token: z.string().optional(),
  merchant_id: z.string().optional(),
  revoke_only_access_token: z.boolean().optional(),
});

class AuthorizeError extends Error {}

/** Checks what the app put in the authorize URL (or the consent form echoed back); the seller sees errors as a page. */
function authorizeRequest(core: SandboxCore, query: z.infer<typeof authorizeQuery>): AuthorizeRequest {
  if (query.client_id !== core.settings.applicationId) throw new AuthorizeError(`Unknown client_id ${query.client_id ?? "(missing)"}.`);
  if (query.code_challenge !== undefined) throw new AuthorizeError("The PKCE flow (code_challenge) is not implemented in the Tillbridge Square sandbox.");
  if (query.redirect_uri !== undefined && query.redirect_uri !== core.settings.redirectUrl) {
    throw new AuthorizeError(`redirect_uri ${query.redirect_uri} is not the application's registered redirect URL.`);
  }
  const scopes = query.scope === undefined ? DEFAULT_SCOPES : query.scope.split(/[\s+]+/).filter(Boolean);
  const invalid = scopes.find((scope) => !/^[A-Z][A-Z_]*$/.test(scope));
  if (invalid !== undefined || scopes.length === 0) throw new AuthorizeError(`Invalid scope ${invalid ?? "(empty)"}.`);
  return { clientId: query.client_id, scopes: [...new Set(scopes)], state: query.state, redirectUri: query.redirect_uri };
}

function redirectTo(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

/** Square's timestamps in OAuth answers: ISO 8601 in UTC without milliseconds. */
const squareTime = (epochMs: number) => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");

function obtainToken(core: SandboxCore, request: Request, response: Response): void {
  const parsed = tokenBody.safeParse(request.body ?? {});
  if (!parsed.success) throw badRequest("INVALID_VALUE", z.prettifyError(parsed.error));
  const body = parsed.data;
  if (body.grant_type === "authorization_code") core.stats.count("tokenExchanges");
  if (body.grant_type === "refresh_token") core.stats.count("tokenRefreshes");
  try {
    response.json(grant(core, body));
  } catch (error) {
    core.stats.count("tokenRejected");
    throw error;
  }
}

function grant(core: SandboxCore, body: z.infer<typeof tokenBody>) {
  const { settings, tokens } = core;
  if (!body.client_id) throw badRequest("MISSING_REQUIRED_PARAMETER", "Missing required parameter `client_id`.", "client_id");
  if (body.client_id !== settings.applicationId) throw unauthorized(`Unknown client_id ${body.client_id}.`);
  if (body.client_secret === undefined && body.code_verifier !== undefined) {
    throw badRequest("BAD_REQUEST", "The PKCE flow (code_verifier) is not implemented in the Tillbridge Square sandbox.", "code_verifier");
  }
  if (body.client_secret !== settings.applicationSecret) throw unauthorized("Invalid client_secret for this client_id.");

  let merchantId: string;
  let scopes: string[];
  if (body.grant_type === "authorization_code") {
    if (!body.code) throw badRequest("MISSING_REQUIRED_PARAMETER", "Missing required parameter `code`.", "code");
    const redeemed = tokens.redeemCode(body.code);
    if ("refused" in redeemed) {
      const why = { unknown: "is not valid", used: "has already been used", expired: "has expired" }[redeemed.refused];
      throw unauthorized(`The authorization code ${why}.`);
    }
    if (redeemed.redirectUri !== null && body.redirect_uri !== redeemed.redirectUri) {
      throw badRequest("INVALID_VALUE", "redirect_uri does not match the one of the authorization request.", "redirect_uri");
    }
    ({ merchantId, scopes } = redeemed);
  } else if (body.grant_type === "refresh_token") {
    if (!body.refresh_token) throw badRequest("MISSING_REQUIRED_PARAMETER", "Missing required parameter `refresh_token`.", "refresh_token");
    const record = tokens.liveRefreshToken(body.refresh_token);
    if (!record) throw unauthorized("The refresh token is not valid or has been revoked.");
    merchantId = record.merchantId;
    // `scopes` narrows the new access token to a subset of the grant; it cannot widen it.
    const outside = body.scopes?.find((scope) => !record.scopes.includes(scope));
    if (outside !== undefined) throw badRequest("INVALID_VALUE", `Scope ${outside} was not granted by the seller.`, "scopes");
    scopes = body.scopes ?? record.scopes;
  } else {
    throw badRequest("INVALID_VALUE", `Unsupported grant_type ${body.grant_type ?? "(missing)"}: the sandbox implements authorization_code and refresh_token.`, "grant_type");
  }

  const access = tokens.issueAccess(merchantId, scopes, body.short_lived === true);
  // A refresh keeps the grant's scopes on the refresh token; only the new access token is narrowed.
  const refresh = body.grant_type === "refresh_token" ? tokens.liveRefreshToken(body.refresh_token!)! : tokens.refreshTokenFor(merchantId, scopes);
  return {
    access_token: access.token,
    token_type: "bearer",
    expires_at: squareTime(access.expiresAt),
    merchant_id: merchantId,
    refresh_token: refresh.token,
    short_lived: body.short_lived === true,
  };
}

function revokeToken(core: SandboxCore, request: Request, response: Response): void {
  if (request.get("Authorization") !== `Client ${core.settings.applicationSecret}`) {
    throw unauthorized("RevokeToken needs the header `Authorization: Client APPLICATION_SECRET`.");
  }
  const parsed = revokeBody.safeParse(request.body ?? {});
  if (!parsed.success) throw badRequest("INVALID_VALUE", z.prettifyError(parsed.error));
  const body = parsed.data;
  if (body.client_id !== core.settings.applicationId) throw unauthorized(`Unknown client_id ${body.client_id ?? "(missing)"}.`);
  let merchantId = body.merchant_id;
  if (body.access_token !== undefined) {
    const record = core.tokens.findAccess(body.access_token);
    if (!record) throw notFound("The access token was not found.");
    merchantId = record.merchantId;
  }
  if (merchantId === undefined) throw badRequest("MISSING_REQUIRED_PARAMETER", "One of `access_token` or `merchant_id` is required.");
  if (!core.sellers.has(merchantId)) throw notFound(`Merchant ${merchantId} was not found.`);
  core.stats.count("revokes");
  // Square sends oauth.authorization.revoked asynchronously; the answer does not wait for the app's webhook handler.
  void core.revoke(merchantId, "APPLICATION", body.revoke_only_access_token === true).catch((error: unknown) => {
    console.error("Square sandbox: revocation webhook failed", error);
  });
  response.json({ success: true });
}

function tokenStatus(core: SandboxCore, request: Request, response: Response): void {
  core.stats.count("statusChecks");
  const record = authenticate(core, request);
  response.json({
    scopes: record.scopes,
    expires_at: squareTime(record.expiresAt),
    client_id: core.settings.applicationId,
    merchant_id: record.merchantId,
  });
}

export function oauthRoutes(core: SandboxCore): express.Router {
  const router = express.Router();
  const json = express.json({ limit: "64kb" });

  router.get("/oauth2/authorize", (request, response) => {
    core.stats.count("authorizePages");
    try {
      const authorize = authorizeRequest(core, authorizeQuery.parse(request.query));
      response.type("html").send(consentPage(core, authorize));
    } catch (error) {
      if (!(error instanceof AuthorizeError || error instanceof z.ZodError)) throw error;
      response.status(400).type("html").send(errorPage(error.message));
    }
  });

  router.post("/oauth2/authorize", express.urlencoded({ extended: false, limit: "16kb" }), (request, response) => {
    const form = decisionBody.safeParse(request.body ?? {});
    let authorize: AuthorizeRequest;
    try {
      if (!form.success) throw new AuthorizeError(z.prettifyError(form.error));
      authorize = authorizeRequest(core, form.data);
      if (!core.sellers.has(form.data.merchant_id)) throw new AuthorizeError(`Unknown seller ${form.data.merchant_id}.`);
    } catch (error) {
      if (!(error instanceof AuthorizeError)) throw error;
      response.status(400).type("html").send(errorPage(error.message));
      return;
    }
    const target = authorize.redirectUri ?? core.settings.redirectUrl;
    if (form.data.decision === "deny") {
      core.stats.count("denials");
      response.redirect(302, redirectTo(target, { error: "access_denied", error_description: "user_denied", state: authorize.state }));
      return;
    }
    core.stats.count("approvals");
    const code = core.tokens.issueCode(form.data.merchant_id, authorize.scopes, authorize.redirectUri ?? null);
    response.redirect(302, redirectTo(target, { code: code.code, state: authorize.state }));
  });

  router.post("/oauth2/token", json, squareEndpoint(core, (request, response) => obtainToken(core, request, response)));
  router.post("/oauth2/revoke", json, squareEndpoint(core, (request, response) => revokeToken(core, request, response)));
  router.post("/oauth2/token/status", json, squareEndpoint(core, (request, response) => tokenStatus(core, request, response)));
  return router;
}

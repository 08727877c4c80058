import { timingSafeEqual } from "node:crypto";
import express, { type Request, type Response } from "express";
import { z } from "zod";
import type { FaultKind, FaultResponder } from "../common/faults";
import type { SandboxCore } from "./core";
import type { IssuedTokens } from "./grants";
import { consentPage, errorPage } from "./pages";

/**
 * Intuit's OAuth 2.0 server as intuit-oauth uses it: the authorize (consent) page, the token endpoint
 * (authorization_code and refresh_token grants, HTTP Basic client authentication, form body), revocation (Basic,
 * JSON `{token}`, ends the whole grant) and userinfo. Token errors are RFC 6749 §5.2 bodies: 400 invalid_grant
 * for a bad code or refresh token, 401 invalid_client for bad client credentials.
 */

export const SCOPES = {
  accounting: "com.intuit.quickbooks.accounting",
  payment: "com.intuit.quickbooks.payment",
} as const;
const KNOWN_SCOPES = new Set<string>([SCOPES.accounting, SCOPES.payment, "openid", "profile", "email", "phone", "address"]);

const authorizeQuery = z.object({
  client_id: z.string().optional(),
  response_type: z.string().optional(),
  scope: z.string().optional(),
  redirect_uri: z.string().optional(),
  state: z.string().optional(),
});

const consentBody = z.object({
  consent: z.string().min(1),
  action: z.enum(["connect", "cancel"]),
  realmId: z.string().optional(),
});

const tokenBody = z.discriminatedUnion("grant_type", [
  z.object({ grant_type: z.literal("authorization_code"), code: z.string().min(1), redirect_uri: z.string().min(1) }),
  z.object({ grant_type: z.literal("refresh_token"), refresh_token: z.string().min(1) }),
]);

const revokeBody = z.object({ token: z.string().min(1) });

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The client id when the request's HTTP Basic credentials are the app's, else undefined. */
function basicClient(core: SandboxCore, request: Request): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(request.get("Authorization") ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const separator = decoded.indexOf(":");
  const clientId = decoded.slice(0, separator);
  const secret = decoded.slice(separator + 1);
  if (separator < 0 || clientId !== core.settings.clientId || !sameSecret(secret, core.settings.clientSecret)) return undefined;
  return clientId;
}

/** Intuit only redirects to URIs registered for the app; the sandbox registers every URI on the app's origin. */
function registeredRedirect(core: SandboxCore, redirectUri: string | undefined): URL | undefined {
  if (!redirectUri || !URL.canParse(redirectUri)) return undefined;
  const url = new URL(redirectUri);
  return url.origin === new URL(core.settings.appUrl).origin ? url : undefined;
}

function redirectWith(response: Response, redirectUri: string, params: Record<string, string | undefined>): void {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  response.redirect(302, url.toString());
}

function tokenError(response: Response, status: 400 | 401, error: string, description?: string): void {
  response.status(status).json({ error, ...(description && { error_description: description }) });
}

/**
 * The fault switches on the OAuth endpoints the app's server calls (token, revoke, userinfo): latency, timeouts,
 * 5xx and lost responses, not throttles (the API's limits are per realm; Intuit documents none for OAuth). A 5xx
 * uses the endpoints' RFC 6749 error body, `server_error`, or `temporarily_unavailable` for 503: assumed, Intuit's
 * own 5xx bodies were not found.
 */
function faultResponder(core: SandboxCore): FaultResponder {
  const counts: Record<Exclude<FaultKind, "throttled">, "apiServerErrors" | "timeouts" | "lostResponses"> = {
    serverError: "apiServerErrors",
    timeout: "timeouts",
    lostResponse: "lostResponses",
  };
  return {
    serverError: (_request, response, status) =>
      response.status(status).json({
        error: status === 503 ? "temporarily_unavailable" : "server_error",
        error_description: "Injected by the Tillbridge Intuit sandbox's fault switches",
      }),
    onFault: (kind) => {
      if (kind !== "throttled") core.stats.count(undefined, counts[kind]);
    },
  };
}

function tokenResponse(core: SandboxCore, request: Request, response: Response, issued: IssuedTokens): void {
  const now = core.now();
  // Rounded, not floored: the tokens were issued moments ago, and Intuit answers their full lifetime (3600).
  const seconds = (at: number) => Math.max(0, Math.round((at - now) / 1000));
  const wantsHardExpiry = request.get("x-include-refresh-token-hard-expires-in") === "true";
  response.setHeader("Cache-Control", "no-store");
  response.json({
    token_type: "bearer",
    access_token: issued.access.token,
    expires_in: seconds(issued.access.expiresAt),
    refresh_token: issued.refresh.token,
    x_refresh_token_expires_in: seconds(issued.refresh.expiresAt),
    ...(wantsHardExpiry && { x_refresh_token_hard_expires_in: seconds(issued.refresh.grant.hardExpiresAt) }),
  });
}

export function oauthEndpoints(core: SandboxCore): express.Router {
  const router = express.Router();
  const faults = core.faults.middleware(faultResponder(core));

  router.get("/connect/oauth2", (request, response) => {
    const query = authorizeQuery.parse(request.query);
    if (query.client_id !== core.settings.clientId) {
      response.status(400).type("html").send(errorPage("invalid_client", "The client_id is not an app this sandbox knows."));
      return;
    }
    const redirect = registeredRedirect(core, query.redirect_uri);
    if (!redirect) {
      response.status(400).type("html").send(errorPage("invalid_request", `The redirect_uri must be on the app's origin ${new URL(core.settings.appUrl).origin}.`));
      return;
    }
    if (query.response_type !== "code") {
      redirectWith(response, redirect.toString(), { error: "unsupported_response_type", state: query.state });
      return;
    }
    const scopes = (query.scope ?? "").split(/\s+/).filter(Boolean);
    if (scopes.length === 0 || scopes.some((scope) => !KNOWN_SCOPES.has(scope))) {
      redirectWith(response, redirect.toString(), { error: "invalid_scope", state: query.state });
      return;
    }
    const consent = core.openConsent({ clientId: core.settings.clientId, redirectUri: redirect.toString(), scopes, state: query.state });
    response.setHeader("Cache-Control", "no-store");
    response.type("html").send(consentPage(consent, [...core.companies.values()], "Tillbridge"));
  });

  router.post("/connect/oauth2/consent", express.urlencoded({ extended: false, limit: "16kb" }), (request, response) => {
    const parsed = consentBody.safeParse(request.body);
    const consent = parsed.success ? core.takeConsent(parsed.data.consent) : undefined;
    if (!parsed.success || !consent) {
      response.status(400).type("html").send(errorPage("This request has expired", "Start connecting again from the app."));
      return;
    }
    if (parsed.data.action === "cancel") {
      core.stats.count(undefined, "consentsCancelled");
      redirectWith(response, consent.redirectUri, { error: "access_denied", state: consent.state });
      return;
    }
    const company = core.companies.get(parsed.data.realmId ?? "");
    if (!company) {
      response.status(400).type("html").send(errorPage("Choose a company", "No such company in the sandbox; start again from the app."));
      return;
    }
    const code = core.grants.issueCode({ clientId: consent.clientId, redirectUri: consent.redirectUri, realmId: company.realmId, scopes: consent.scopes });
    core.stats.count(company.realmId, "consents");
    redirectWith(response, consent.redirectUri, { code: code.code, state: consent.state, realmId: company.realmId });
  });

  router.post("/oauth2/v1/tokens/bearer", express.urlencoded({ extended: false, limit: "16kb" }), faults, (request, response) => {
    const clientId = basicClient(core, request);
    if (!clientId) {
      core.stats.count(undefined, "tokenRejected");
      tokenError(response, 401, "invalid_client");
      return;
    }
    const grantType = (request.body as Record<string, unknown> | undefined)?.grant_type;
    if (grantType !== "authorization_code" && grantType !== "refresh_token") {
      tokenError(response, 400, "unsupported_grant_type");
      return;
    }
    const body = tokenBody.safeParse(request.body);
    if (!body.success) {
      tokenError(response, 400, "invalid_request", z.prettifyError(body.error));
      return;
    }
    const issued =
      body.data.grant_type === "authorization_code"
        ? core.grants.redeemCode(body.data.code, clientId, body.data.redirect_uri)
        : core.grants.refresh(body.data.refresh_token, clientId);
    if (!issued) {
      core.stats.count(undefined, "tokenRejected");
      tokenError(response, 400, "invalid_grant", body.data.grant_type === "refresh_token" ? "Incorrect or invalid refresh token" : undefined);
      return;
    }
    core.stats.count(issued.access.grant.realmId, body.data.grant_type === "authorization_code" ? "tokenExchanges" : "tokenRefreshes");
    tokenResponse(core, request, response, issued);
  });

  router.post("/oauth2/v1/tokens/revoke", express.json({ limit: "16kb" }), faults, (request, response) => {
    if (!basicClient(core, request)) {
      tokenError(response, 401, "invalid_client");
      return;
    }
    const body = revokeBody.safeParse(request.body);
    if (!body.success) {
      tokenError(response, 400, "invalid_request", "The body must be JSON {\"token\": \"<access or refresh token>\"}");
      return;
    }
    // RFC 7009 §2.2: an unknown or already revoked token is answered 200 as well.
    const grant = core.grants.grantOf(body.data.token);
    if (grant && !grant.revoked) {
      grant.revoked = true;
      core.stats.count(grant.realmId, "revokes");
    }
    response.status(200).end();
  });

  router.get("/v1/openid_connect/userinfo", faults, (request, response) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.get("Authorization") ?? "")?.[1];
    const record = token ? core.grants.liveAccessToken(token) : undefined;
    if (!record || !record.grant.scopes.includes("openid")) {
      response.status(401).json({ error: "invalid_token" });
      return;
    }
    const company = core.companies.get(record.grant.realmId);
    const scopes = new Set(record.grant.scopes);
    response.json({
      sub: `sandbox-user-${record.grant.realmId}`,
      ...(scopes.has("email") && company && { email: company.adminEmail, emailVerified: true }),
      ...(scopes.has("profile") && { givenName: "Sandbox", familyName: "Admin" }),
    });
  });

  return router;
}

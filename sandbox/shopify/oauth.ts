import express, { type Response } from "express";
import { z } from "zod";
import type { SandboxCore } from "./core";
import { tokenEndpointFaults } from "./faults";
import { verifySessionToken } from "./session-token";
import type { TokenPair } from "./tokens";

/**
 * Shopify's token endpoint, POST https://{shop}/admin/oauth/access_token: token exchange (a session token for an
 * offline or online access token) and refresh of expiring offline tokens. Bodies as shopify-api sends them
 * (lib/auth/oauth/token-exchange.ts, refresh-token.ts); JSON, or form-encoded as OAuth clients may send.
 *
 * Error answers (OAuth style {error, error_description}; see the sandbox README for sources):
 *  - unknown client_id: 400 invalid_request "Could not find Shopify API application with api_key …"
 *  - wrong client_secret: 401 invalid_client
 *  - bad, expired or foreign session token: 400 invalid_subject_token (the case @shopify/shopify-app-remix
 *    answers by fetching a new session token and retrying)
 *  - unknown, used-up, expired or revoked refresh token: 401 invalid_request
 *    "This request requires an active refresh_token"
 */

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token";
const ONLINE_TOKEN = "urn:shopify:params:oauth:token-type:online-access-token";

const bodySchema = z.looseObject({
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  grant_type: z.string().optional(),
  subject_token: z.string().optional(),
  subject_token_type: z.string().optional(),
  requested_token_type: z.string().optional(),
  expiring: z.union([z.string(), z.number(), z.boolean()]).optional(),
  refresh_token: z.string().optional(),
  code: z.string().optional(),
});
type TokenRequest = z.infer<typeof bodySchema>;

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

function secondsUntil(epochMs: number): number {
  return Math.max(0, Math.round((epochMs - Date.now()) / 1000));
}

function expiringPairBody(pair: TokenPair) {
  return {
    access_token: pair.access.token,
    scope: pair.access.scopes.join(","),
    expires_in: secondsUntil(pair.access.expiresAt!),
    refresh_token: pair.refresh.token,
    refresh_token_expires_in: secondsUntil(pair.refresh.expiresAt),
  };
}

function checkClient(core: SandboxCore, body: TokenRequest): void {
  if (body.client_id !== core.settings.apiKey) {
    throw new OAuthError(400, "invalid_request", `Could not find Shopify API application with api_key ${body.client_id ?? ""}`);
  }
  if (body.client_secret !== core.settings.apiSecret) {
    throw new OAuthError(401, "invalid_client", "Client authentication failed: the client_secret does not belong to this client_id");
  }
}

function exchange(core: SandboxCore, domain: string, body: TokenRequest): object {
  if (!body.subject_token) throw new OAuthError(400, "missing_subject_token", "subject_token is required for token exchange");
  if (body.subject_token_type !== ID_TOKEN) {
    throw new OAuthError(400, "invalid_request", `subject_token_type ${body.subject_token_type ?? "(missing)"} is not supported by the sandbox; use ${ID_TOKEN}`);
  }
  const verified = verifySessionToken(body.subject_token, core.settings);
  if (!verified.ok) throw new OAuthError(400, "invalid_subject_token", `Session token ${verified.reason}`);
  if (verified.claims.dest !== `https://${domain}`) {
    throw new OAuthError(400, "invalid_subject_token", `Session token was issued for ${verified.claims.dest}, not https://${domain}`);
  }
  if (body.requested_token_type !== OFFLINE_TOKEN && body.requested_token_type !== ONLINE_TOKEN) {
    throw new OAuthError(400, "invalid_request", `requested_token_type must be ${OFFLINE_TOKEN} or ${ONLINE_TOKEN}`);
  }
  // A valid session token means the merchant opened the app in the admin, which installs it (managed install).
  const shop = core.shop(domain);
  if (!shop.installed) core.install(domain);
  if (body.requested_token_type === ONLINE_TOKEN) {
    const access = core.tokens.issueOnline(domain, shop.scopes, verified.claims.sub);
    return {
      access_token: access.token,
      scope: access.scopes.join(","),
      expires_in: secondsUntil(access.expiresAt!),
      associated_user_scope: access.scopes.join(","),
      associated_user: core.associatedUser(shop, verified.claims.sub),
    };
  }
  if (body.expiring === "1" || body.expiring === 1 || body.expiring === true) {
    return expiringPairBody(core.tokens.issueExpiringOffline(domain, shop.scopes));
  }
  const access = core.tokens.nonExpiringOffline(domain, shop.scopes);
  return { access_token: access.token, scope: access.scopes.join(",") };
}

function refresh(core: SandboxCore, domain: string, body: TokenRequest): object {
  if (!body.refresh_token) throw new OAuthError(400, "invalid_request", "refresh_token is required");
  const pair = core.tokens.refresh(domain, body.refresh_token, core.shop(domain).scopes);
  if (!pair) throw new OAuthError(401, "invalid_request", "This request requires an active refresh_token");
  return expiringPairBody(pair);
}

function sendError(response: Response, error: OAuthError): void {
  response.status(error.status).json({ error: error.error, error_description: error.description });
}

export function tokenEndpoint(core: SandboxCore): express.Router {
  const router = express.Router();
  router.post(
    "/store/:shop/admin/oauth/access_token",
    express.json({ limit: "64kb" }),
    express.urlencoded({ extended: false, limit: "64kb" }),
    core.faults.middleware(tokenEndpointFaults(core)),
    (request, response) => {
      const domain = request.params.shop!;
      if (!core.store.shop(domain)) {
        response.status(404).json({ errors: "Not Found" });
        return;
      }
      const body = bodySchema.safeParse(request.body ?? {});
      const grant = body.success ? body.data.grant_type : undefined;
      if (grant === TOKEN_EXCHANGE) core.stats.count(domain, "tokenExchange");
      if (grant === "refresh_token") core.stats.count(domain, "tokenRefresh");
      try {
        if (!body.success) throw new OAuthError(400, "invalid_request", "The request body is not a token request");
        checkClient(core, body.data);
        if (grant === TOKEN_EXCHANGE) response.json(exchange(core, domain, body.data));
        else if (grant === "refresh_token") response.json(refresh(core, domain, body.data));
        else if (body.data.code) throw new OAuthError(400, "invalid_request", "The authorization code grant is not implemented in the Tillbridge Shopify sandbox: embedded apps use token exchange");
        else throw new OAuthError(400, "unsupported_grant_type", `grant_type ${grant ?? "(missing)"} is not supported`);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        core.stats.count(domain, "tokenRejected");
        sendError(response, error);
      }
    },
  );
  return router;
}

import OAuthClient from "intuit-oauth";
import { getConfig } from "~/config.server";
import { AuthorizationLostError, type ConnectionHealth, type VendorConnector } from "~/integrations/connections/types";

/** Renew the hour-long access token with this much of it left, so no call starts with a dying token. */
const RENEW_BEFORE_EXPIRY_MS = 10 * 60 * 1000;
import { intuitOAuthEndpoints } from "../../../sandbox/intuit/endpoints";

/**
 * QuickBooks Online OAuth with `intuit-oauth`. One OAuthClient per call: instances hold a token, so sharing one
 * across tenants would mix their tokens. The library's `logging` option writes tokens to disk; it stays off.
 * Refresh tokens rotate, and the previous one dies 24 hours after a new one is issued.
 */

export type QuickBooksCredentials = {
  accessToken: string;
  refreshToken: string;
  realmId: string;
  /** When the tokens were issued (ISO), with their lifetimes in seconds, as the library's Token keeps them. */
  createdAt: string;
  expiresIn: number;
  refreshTokenExpiresIn: number;
  /** Intuit's five-year cap on the grant (ISO), when QuickBooks reported it; renewing cannot go past it. */
  refreshTokenHardExpiresAt?: string;
};

let endpointsPointedAtSandbox = false;

/** The library's endpoints are process-wide statics: in sandbox mode they are pointed at the sandbox once. */
function oauthClient(): OAuthClient {
  const config = getConfig();
  if (config.sandboxed.quickbooks && !endpointsPointedAtSandbox) {
    const endpoints = intuitOAuthEndpoints(config.sandbox.intuitUrl);
    OAuthClient.authorizeEndpoint = endpoints.authorizeEndpoint;
    OAuthClient.tokenEndpoint = endpoints.tokenEndpoint;
    OAuthClient.revokeEndpoint = endpoints.revokeEndpoint;
    OAuthClient.userinfo_endpoint_sandbox = endpoints.userInfoEndpoint;
    OAuthClient.environment.sandbox = endpoints.apiBaseUrl;
    endpointsPointedAtSandbox = true;
  }
  return new OAuthClient({
    clientId: config.quickbooks.clientId,
    clientSecret: config.quickbooks.clientSecret,
    environment: config.sandboxed.quickbooks ? "sandbox" : config.quickbooks.environment,
    redirectUri: quickBooksRedirectUrl(),
    logging: false,
    // Asks Intuit for x_refresh_token_hard_expires_in, so the five-year end is known ahead of time.
    includeRefreshTokenHardExpiresIn: true,
  });
}

export function quickBooksRedirectUrl(): string {
  return `${getConfig().appUrl}/quickbooks/oauth/callback`;
}

function clientWith(credentials: QuickBooksCredentials): OAuthClient {
  const client = oauthClient();
  client.setToken({
    realmId: credentials.realmId,
    token_type: "bearer",
    access_token: credentials.accessToken,
    refresh_token: credentials.refreshToken,
    expires_in: credentials.expiresIn,
    x_refresh_token_expires_in: credentials.refreshTokenExpiresIn,
    createdAt: Date.parse(credentials.createdAt),
  });
  return client;
}

async function readCompanyName(client: OAuthClient, realmId: string): Promise<string> {
  const response = await client.makeApiCall({
    url: `v3/company/${realmId}/companyinfo/${realmId}?minorversion=75`,
    method: "GET",
    headers: { Accept: "application/json" },
  });
  const body = (response as { json?: { CompanyInfo?: { CompanyName?: string } } }).json;
  return body?.CompanyInfo?.CompanyName ?? `QuickBooks company ${realmId}`;
}

type IntuitToken = {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number | string;
  x_refresh_token_expires_in?: number | string;
  x_refresh_token_hard_expires_in?: number | string;
  createdAt?: number;
};

/**
 * The library's Token as stored credentials. The refresh token's end is the earlier of its rolling life (100
 * days, pushed back by every renewal) and the grant's hard cap, which no renewal moves: that is the date the
 * merchant is warned about. A response without the hard cap keeps the one already known.
 */
export function credentialsFromToken(token: IntuitToken, realmId: string, previousHardExpiresAt?: string) {
  if (!token.access_token || !token.refresh_token) throw new Error("QuickBooks' token response is missing fields");
  const createdAt = new Date(token.createdAt ?? Date.now());
  const expiresIn = Number(token.expires_in ?? 3600);
  const refreshTokenExpiresIn = Number(token.x_refresh_token_expires_in ?? 0);
  const hardExpiresIn = Number(token.x_refresh_token_hard_expires_in ?? 0);
  const refreshTokenHardExpiresAt = hardExpiresIn > 0 ? new Date(createdAt.getTime() + hardExpiresIn * 1000).toISOString() : previousHardExpiresAt;
  const credentials: QuickBooksCredentials = {
    accessToken: token.access_token,
    refreshToken: token.refresh_token,
    realmId,
    createdAt: createdAt.toISOString(),
    expiresIn,
    refreshTokenExpiresIn,
    ...(refreshTokenHardExpiresAt && { refreshTokenHardExpiresAt }),
  };
  const ends = [
    refreshTokenExpiresIn > 0 ? createdAt.getTime() + refreshTokenExpiresIn * 1000 : null,
    refreshTokenHardExpiresAt ? Date.parse(refreshTokenHardExpiresAt) : null,
  ].filter((end): end is number => end !== null && !Number.isNaN(end));
  return {
    credentials,
    accessTokenExpiresAt: new Date(createdAt.getTime() + expiresIn * 1000),
    refreshTokenExpiresAt: ends.length > 0 ? new Date(Math.min(...ends)) : null,
  };
}

export const quickBooksConnector: VendorConnector<QuickBooksCredentials> = {
  authorizeUrl(state) {
    return oauthClient().authorizeUri({ scope: [OAuthClient.scopes.Accounting], state });
  },

  async completeAuthorization(callbackUrl) {
    const client = oauthClient();
    const response = await client.createToken(callbackUrl.toString());
    const token = response.getToken();
    const realmId = token.realmId ?? callbackUrl.searchParams.get("realmId");
    if (!realmId) throw new Error("QuickBooks did not say which company was connected");
    return {
      externalId: realmId,
      displayName: await readCompanyName(client, realmId),
      ...credentialsFromToken(token, realmId),
      scopes: [OAuthClient.scopes.Accounting],
    };
  },

  async revoke(credentials) {
    await clientWith(credentials).revoke({ refresh_token: credentials.refreshToken });
  },

  isRefreshDue(credentials, now) {
    const expiresAt = Date.parse(credentials.createdAt) + credentials.expiresIn * 1000;
    return Number.isNaN(expiresAt) || now.getTime() >= expiresAt - RENEW_BEFORE_EXPIRY_MS;
  },

  async refresh(credentials) {
    try {
      const response = await oauthClient().refreshUsingToken(credentials.refreshToken);
      return credentialsFromToken(response.getToken(), credentials.realmId, credentials.refreshTokenHardExpiresAt);
    } catch (error) {
      // intuit-oauth reports the OAuth error code on `.error`; invalid_grant means the refresh token is dead.
      if ((error as { error?: string }).error === "invalid_grant") {
        throw new AuthorizationLostError("QuickBooks refused to renew Tillbridge's access (the authorization expired or was revoked). Reconnect QuickBooks.");
      }
      throw error;
    }
  },

  async checkHealth(credentials): Promise<ConnectionHealth> {
    try {
      const name = await readCompanyName(clientWith(credentials), credentials.realmId);
      return { ok: true, detail: `QuickBooks answered for ${name}.`, authorizationLost: false };
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? "");
      const faultCodes = ((error as { fault?: { errors?: { code?: string }[] } }).fault?.errors ?? []).map((fault) => fault.code);
      if (faultCodes.includes("120")) {
        return { ok: false, detail: "The person who connected QuickBooks no longer has access to the company (fault 120). Reconnect QuickBooks.", authorizationLost: true };
      }
      if (code === "401" || faultCodes.includes("3200")) {
        return { ok: false, detail: "QuickBooks no longer accepts Tillbridge's access token. Reconnect QuickBooks if this persists.", authorizationLost: false, tokenRejected: true };
      }
      return { ok: false, detail: "QuickBooks could not be reached just now. Try again in a minute.", authorizationLost: false };
    }
  },
};

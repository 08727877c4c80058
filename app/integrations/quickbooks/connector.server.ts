import OAuthClient from "intuit-oauth";
import { getConfig } from "~/config.server";
import type { ConnectionHealth, VendorConnector } from "~/integrations/connections/types";
import { intuitOAuthEndpoints } from "../../../sandbox/intuit/endpoints";

/**
 * QuickBooks Online OAuth with `intuit-oauth`. One OAuthClient per call: instances hold a token, so sharing one
 * across tenants would mix their tokens. The library's `logging` option writes tokens to disk; it stays off.
 * Refresh tokens rotate, and the previous one dies 24 hours after a new one is issued.
 */

export interface QuickBooksCredentials {
  accessToken: string;
  refreshToken: string;
  realmId: string;
  /** When the tokens were issued (ISO), with their lifetimes in seconds, as the library's Token keeps them. */
  createdAt: string;
  expiresIn: number;
  refreshTokenExpiresIn: number;
}

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

export const quickBooksConnector: VendorConnector<QuickBooksCredentials> = {
  authorizeUrl(state) {
    return oauthClient().authorizeUri({ scope: [OAuthClient.scopes.Accounting], state });
  },

  async completeAuthorization(callbackUrl) {
    const client = oauthClient();
    const response = await client.createToken(callbackUrl.toString());
    const token = response.getToken();
    const realmId = token.realmId ?? callbackUrl.searchParams.get("realmId");
    if (!realmId || !token.access_token || !token.refresh_token) throw new Error("QuickBooks' token response is missing fields");
    const createdAt = new Date(token.createdAt ?? Date.now());
    const expiresIn = Number(token.expires_in ?? 3600);
    const refreshTokenExpiresIn = Number(token.x_refresh_token_expires_in ?? 0);
    return {
      externalId: realmId,
      displayName: await readCompanyName(client, realmId),
      credentials: {
        accessToken: token.access_token,
        refreshToken: token.refresh_token,
        realmId,
        createdAt: createdAt.toISOString(),
        expiresIn,
        refreshTokenExpiresIn,
      } satisfies QuickBooksCredentials,
      accessTokenExpiresAt: new Date(createdAt.getTime() + expiresIn * 1000),
      refreshTokenExpiresAt: refreshTokenExpiresIn ? new Date(createdAt.getTime() + refreshTokenExpiresIn * 1000) : null,
      scopes: [OAuthClient.scopes.Accounting],
    };
  },

  async revoke(credentials) {
    await clientWith(credentials).revoke({ refresh_token: credentials.refreshToken });
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
        return { ok: false, detail: "QuickBooks no longer accepts Tillbridge's access token. Reconnect QuickBooks if this persists.", authorizationLost: false };
      }
      return { ok: false, detail: "QuickBooks could not be reached just now. Try again in a minute.", authorizationLost: false };
    }
  },
};

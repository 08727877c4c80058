import { SquareClient, SquareEnvironment, SquareError } from "square";
import { getConfig } from "~/config.server";
import { AuthorizationLostError, type ConnectionHealth, type VendorConnector } from "~/integrations/connections/types";

const DAY_MS = 24 * 3600 * 1000;
/** Square's access tokens last 30 days and Square asks apps to renew them at least weekly: renew after six. */
const ACCESS_TOKEN_LIFETIME_MS = 30 * DAY_MS;
const RENEW_AFTER_MS = 6 * DAY_MS;

/**
 * Square OAuth (code flow) with the `square` SDK. Code-flow refresh tokens never expire and do not rotate;
 * access tokens last 30 days (Square asks apps to refresh at least weekly).
 */

/** The least the planned features need: locations and merchant (setup), catalog and stock (inventory sync),
 * orders and payments (accounting), customers and loyalty (one balance). */
export const SQUARE_SCOPES = [
  "MERCHANT_PROFILE_READ",
  "ITEMS_READ",
  "INVENTORY_READ",
  "INVENTORY_WRITE",
  "ORDERS_READ",
  "PAYMENTS_READ",
  "CUSTOMERS_READ",
  "LOYALTY_READ",
  "LOYALTY_WRITE",
];

export interface SquareCredentials {
  accessToken: string;
  refreshToken: string;
  merchantId: string;
  expiresAt: string;
}

function squareBaseUrl(): string {
  const config = getConfig();
  if (config.sandboxed.square) return config.sandbox.squareUrl;
  return config.square.environment === "sandbox" ? SquareEnvironment.Sandbox : SquareEnvironment.Production;
}

export function squareClient(token?: string): SquareClient {
  return new SquareClient({ baseUrl: squareBaseUrl(), token: token ?? "", maxRetries: 2 });
}

export const squareConnector: VendorConnector<SquareCredentials> = {
  authorizeUrl(state) {
    const url = new URL("/oauth2/authorize", squareBaseUrl());
    url.searchParams.set("client_id", getConfig().square.applicationId);
    url.searchParams.set("scope", SQUARE_SCOPES.join(" "));
    url.searchParams.set("session", "false");
    url.searchParams.set("state", state);
    return url.toString();
  },

  async completeAuthorization(callbackUrl) {
    const code = callbackUrl.searchParams.get("code");
    if (!code) throw new Error("Square did not send an authorization code");
    const { square } = getConfig();
    const token = await squareClient().oAuth.obtainToken({
      clientId: square.applicationId,
      clientSecret: square.applicationSecret,
      grantType: "authorization_code",
      code,
    });
    if (!token.accessToken || !token.refreshToken || !token.merchantId) throw new Error("Square's token response is missing fields");
    const merchant = await squareClient(token.accessToken).merchants.get({ merchantId: token.merchantId });
    const expiresAt = token.expiresAt ? new Date(token.expiresAt) : null;
    return {
      externalId: token.merchantId,
      displayName: merchant.merchant?.businessName ?? token.merchantId,
      credentials: { accessToken: token.accessToken, refreshToken: token.refreshToken, merchantId: token.merchantId, expiresAt: token.expiresAt ?? "" },
      accessTokenExpiresAt: expiresAt,
      refreshTokenExpiresAt: null,
      scopes: SQUARE_SCOPES,
    };
  },

  async revoke(credentials) {
    const { square } = getConfig();
    // RevokeToken authenticates with the application secret, not a Bearer token.
    const client = new SquareClient({ baseUrl: squareBaseUrl(), auth: false, maxRetries: 2 });
    await client.oAuth.revokeToken(
      { clientId: square.applicationId, merchantId: credentials.merchantId },
      { headers: { Authorization: `Client ${square.applicationSecret}` } },
    );
  },

  isRefreshDue(credentials, now) {
    const expiresAt = Date.parse(credentials.expiresAt);
    if (Number.isNaN(expiresAt)) return true;
    return now.getTime() >= expiresAt - ACCESS_TOKEN_LIFETIME_MS + RENEW_AFTER_MS;
  },

  async refresh(credentials) {
    const { square } = getConfig();
    try {
      const token = await squareClient().oAuth.obtainToken({
        clientId: square.applicationId,
        clientSecret: square.applicationSecret,
        grantType: "refresh_token",
        refreshToken: credentials.refreshToken,
      });
      if (!token.accessToken) throw new Error("Square's refresh response has no access token");
      return {
        // Code-flow refresh tokens do not rotate; keep the one Square returns (the same) or the one we had.
        credentials: { ...credentials, accessToken: token.accessToken, refreshToken: token.refreshToken ?? credentials.refreshToken, expiresAt: token.expiresAt ?? "" },
        accessTokenExpiresAt: token.expiresAt ? new Date(token.expiresAt) : null,
        refreshTokenExpiresAt: null,
      };
    } catch (error) {
      if (error instanceof SquareError && (error.statusCode === 401 || error.statusCode === 403)) {
        const code = (error.errors as { code?: string }[] | undefined)?.[0]?.code ?? "UNAUTHORIZED";
        throw new AuthorizationLostError(`Square refused to renew Tillbridge's access (${code}). Reconnect Square.`);
      }
      throw error;
    }
  },

  async checkHealth(credentials): Promise<ConnectionHealth> {
    try {
      const locations = await squareClient(credentials.accessToken).locations.list();
      const count = locations.locations?.length ?? 0;
      return { ok: true, detail: `Square answered: ${count} location${count === 1 ? "" : "s"} visible.`, authorizationLost: false };
    } catch (error) {
      if (error instanceof SquareError && error.statusCode === 401) {
        const code = (error.errors as { code?: string }[] | undefined)?.[0]?.code ?? "UNAUTHORIZED";
        return { ok: false, detail: `Square no longer accepts Tillbridge's access (${code}). Reconnect Square.`, authorizationLost: true };
      }
      return { ok: false, detail: "Square could not be reached just now. Try again in a minute.", authorizationLost: false };
    }
  },
};

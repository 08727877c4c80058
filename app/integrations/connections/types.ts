/**
 * What every connectable vendor (Square, QuickBooks) provides to the connection flow. The flow itself (state,
 * callback, storing tokens, disconnecting) is shared: app/integrations/connections/flow.server.ts.
 */
/** How far ahead a merchant is told that an authorization will end for good (page and scheduled issue alike). */
export const AUTHORIZATION_WARNING_MS = 14 * 24 * 3600 * 1000;

export interface ConnectedAccount {
  externalId: string;
  displayName: string;
  credentials: Record<string, unknown>;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
  scopes: string[];
}

export interface ConnectionHealth {
  ok: boolean;
  /** Plain words for the merchant: what was checked, or what is wrong and what to do. */
  detail: string;
  /** The vendor says the authorization is gone for good (revoked, expired refresh token). */
  authorizationLost: boolean;
  /** The vendor refused the access token itself (401): revoked, or merely expired. */
  tokenRejected?: boolean;
}

export interface RefreshedTokens {
  credentials: Record<string, unknown>;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}

/** Thrown by a connector when the vendor refuses for good (revoked, refresh token dead): the merchant must act. */
export class AuthorizationLostError extends Error {
  override name = "AuthorizationLostError";
}

export interface VendorConnector<Credentials> {
  /** Where the merchant approves access; `state` comes back on the callback. */
  authorizeUrl(state: string): string;
  /** Exchanges the callback's code for tokens and reads the account's identity. */
  completeAuthorization(callbackUrl: URL): Promise<ConnectedAccount>;
  /** Revokes upstream; failures are logged by the caller and do not block disconnecting locally. */
  revoke(credentials: Credentials): Promise<void>;
  checkHealth(credentials: Credentials): Promise<ConnectionHealth>;
  /** Whether the tokens should be renewed now, by the vendor's own rules. */
  isRefreshDue(credentials: Credentials, now: Date): boolean;
  /** Renews the tokens; AuthorizationLostError when the vendor refuses for good, anything else is transient. */
  refresh(credentials: Credentials): Promise<RefreshedTokens>;
}

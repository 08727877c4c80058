import { randomBytes } from "node:crypto";

/**
 * Authorization codes, grants and tokens, with Intuit's rules:
 *  - a code is single-use and short-lived, bound to the client and redirect_uri of its authorize request;
 *  - a grant is one connection of the app to one company (realm); its tokens all die when it is revoked;
 *  - access tokens last accessTokenLifetimeSeconds (Intuit: 3600);
 *  - refresh tokens last refreshTokenLifetimeSeconds (Intuit: a rolling 100 days) and rotate: every refresh
 *    issues a new one, and the used one keeps working for 24 hours after that first use, then gives invalid_grant
 *    (intuit-oauth README; reference §6 and §9);
 *  - every refresh token of a grant stops at the grant's 5-year hard cap (Intuit blog 2025-11-12), reported as
 *    x_refresh_token_hard_expires_in only when the client asks for it.
 * Times come from the sandbox clock, which tests can move forward.
 */

export interface Grant {
  id: string;
  realmId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  hardExpiresAt: number;
  revoked: boolean;
}

export interface AccessTokenRecord {
  token: string;
  grant: Grant;
  expiresAt: number;
}

export interface RefreshTokenRecord {
  token: string;
  grant: Grant;
  expiresAt: number;
  /** When it was first exchanged; it dies PREVIOUS_REFRESH_TOKEN_GRACE_MS later. */
  firstUsedAt: number | null;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  redirectUri: string;
  realmId: string;
  scopes: string[];
  expiresAt: number;
}

export interface TokenLifetimes {
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  /** How long a grant's refresh tokens can live in all, however often renewed (Intuit: five years). */
  refreshTokenHardCapSeconds: number;
}

export interface IssuedTokens {
  access: AccessTokenRecord;
  refresh: RefreshTokenRecord;
}

export const PREVIOUS_REFRESH_TOKEN_GRACE_MS = 24 * 3600 * 1000;
/** Intuit does not document the code lifetime; 10 minutes is RFC 6749 §4.1.2's recommended maximum. */
const CODE_LIFETIME_MS = 10 * 60 * 1000;
/** Bounds memory when a test or a demo loops over connections: the oldest entries are forgotten first. */
const MAX_ENTRIES = 5_000;

function newToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString("base64url")}`;
}

export class GrantRegistry {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(
    private lifetimes: TokenLifetimes,
    private readonly now: () => number,
  ) {}

  setLifetimes(lifetimes: Partial<TokenLifetimes>): TokenLifetimes {
    this.lifetimes = { ...this.lifetimes, ...lifetimes };
    return { ...this.lifetimes };
  }

  getLifetimes(): TokenLifetimes {
    return { ...this.lifetimes };
  }

  issueCode(request: Omit<AuthorizationCode, "code" | "expiresAt">): AuthorizationCode {
    const code: AuthorizationCode = { ...request, code: newToken("AB11"), expiresAt: this.now() + CODE_LIFETIME_MS };
    return remember(this.codes, code.code, code);
  }

  /** Redeems a code (once): undefined when unknown, used, expired, or issued to another client or redirect_uri. */
  redeemCode(code: string, clientId: string, redirectUri: string): IssuedTokens | undefined {
    const record = this.codes.get(code);
    this.codes.delete(code);
    if (!record || record.expiresAt <= this.now() || record.clientId !== clientId || record.redirectUri !== redirectUri) return undefined;
    const createdAt = this.now();
    const grant: Grant = {
      id: newToken("grant-"),
      realmId: record.realmId,
      clientId,
      scopes: record.scopes,
      createdAt,
      hardExpiresAt: createdAt + this.lifetimes.refreshTokenHardCapSeconds * 1000,
      revoked: false,
    };
    return this.issue(grant);
  }

  /** Exchanges a refresh token: undefined when unknown, expired, past its 24 h after first use, revoked or foreign. */
  refresh(token: string, clientId: string): IssuedTokens | undefined {
    const record = this.liveRefreshToken(token);
    if (!record || record.grant.clientId !== clientId) return undefined;
    record.firstUsedAt ??= this.now();
    return this.issue(record.grant);
  }

  liveRefreshToken(token: string): RefreshTokenRecord | undefined {
    const record = this.refreshTokens.get(token);
    const now = this.now();
    if (!record || record.grant.revoked || record.expiresAt <= now) return undefined;
    if (record.firstUsedAt !== null && now - record.firstUsedAt >= PREVIOUS_REFRESH_TOKEN_GRACE_MS) return undefined;
    return record;
  }

  liveAccessToken(token: string): AccessTokenRecord | undefined {
    const record = this.accessTokens.get(token);
    if (!record || record.grant.revoked || record.expiresAt <= this.now()) return undefined;
    return record;
  }

  /** The grant an access or refresh token belongs to, live or not (revocation accepts expired tokens). */
  grantOf(token: string): Grant | undefined {
    return (this.accessTokens.get(token) ?? this.refreshTokens.get(token))?.grant;
  }

  /** Makes the realm's access tokens expire now; their refresh tokens stay valid. */
  expireAccessTokens(realmId: string): number {
    let count = 0;
    for (const record of this.accessTokens.values()) {
      if (record.grant.realmId === realmId && !record.grant.revoked && record.expiresAt > this.now()) {
        record.expiresAt = this.now();
        count++;
      }
    }
    return count;
  }

  /** Ends one refresh token ("expire": past its life; "revoke": the whole grant, as the revoke endpoint does). */
  endRefreshToken(token: string, how: "expire" | "revoke"): boolean {
    const record = this.refreshTokens.get(token);
    if (!record) return false;
    if (how === "expire") record.expiresAt = Math.min(record.expiresAt, this.now());
    else record.grant.revoked = true;
    return true;
  }

  /** Revokes every grant of the realm (the company disconnected the app). */
  revokeRealm(realmId: string): number {
    const grants = new Set([...this.accessTokens.values(), ...this.refreshTokens.values()].map((record) => record.grant));
    let count = 0;
    for (const grant of grants) {
      if (grant.realmId === realmId && !grant.revoked) {
        grant.revoked = true;
        count++;
      }
    }
    return count;
  }

  private issue(grant: Grant): IssuedTokens {
    const now = this.now();
    const access = { token: newToken("eyJ-sandbox-at-"), grant, expiresAt: now + this.lifetimes.accessTokenLifetimeSeconds * 1000 };
    const refresh = {
      token: newToken("RT1-sandbox-"),
      grant,
      expiresAt: Math.min(now + this.lifetimes.refreshTokenLifetimeSeconds * 1000, grant.hardExpiresAt),
      firstUsedAt: null,
    };
    remember(this.accessTokens, access.token, access);
    remember(this.refreshTokens, refresh.token, refresh);
    return { access, refresh };
  }
}

function remember<T>(map: Map<string, T>, key: string, value: T): T {
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= MAX_ENTRIES) break;
    map.delete(oldest);
  }
  return value;
}

import { randomBytes } from "node:crypto";

/**
 * Authorization codes and tokens, with Square's code-flow rules (square-qbo.md §2, developer.squareup.com
 * /docs/oauth-api/how-oauth-works and /docs/oauth-api/refresh-revoke-limit-scope):
 *  - an authorization code is single use and expires 5 minutes after the seller approves;
 *  - an access token lasts 30 days (accessTokenLifetimeSeconds); earlier ones stay valid after a refresh;
 *  - a code-flow refresh token is multi-use, never expires and does not rotate: a refresh returns the same one;
 *  - revoking removes every token of the seller for the app (or only its access tokens). Revoked access tokens are
 *    remembered so calls with them answer ACCESS_TOKEN_REVOKED rather than UNAUTHORIZED, as Square does.
 */

export interface CodeRecord {
  code: string;
  merchantId: string;
  scopes: string[];
  /** The redirect_uri passed to authorize, if any: the token request must then pass the same. */
  redirectUri: string | null;
  expiresAt: number;
  used: boolean;
}

export interface AccessTokenRecord {
  token: string;
  merchantId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface RefreshTokenRecord {
  token: string;
  merchantId: string;
  scopes: string[];
  revokedAt: number | null;
}

export type AccessTokenCheck =
  | { ok: true; record: AccessTokenRecord }
  | { ok: false; reason: "unknown" | "expired" | "revoked" };

/** An access token's state for display. */
export function tokenState(record: AccessTokenRecord, now = Date.now()): "live" | "expired" | "revoked" {
  return record.revokedAt !== null ? "revoked" : record.expiresAt <= now ? "expired" : "live";
}

/** A token for display: enough to tell tokens apart, never the whole secret. */
export const maskToken = (token: string) => `${token.slice(0, 8)}…${token.slice(-4)}`;

const CODE_LIFETIME_MS = 5 * 60 * 1000;
const SHORT_LIVED_SECONDS = 24 * 3600;
/** Bounds memory when a test or a demo loops over authorizations: the oldest entries are forgotten first. */
const MAX_ENTRIES = 5_000;

// Square's prefixes: sq0cgb- for codes, EAAA for access tokens, EQAA for refresh tokens (the SDK does not care).
const newSecret = (prefix: string) => `${prefix}${randomBytes(24).toString("base64url")}`;

export class TokenRegistry {
  private readonly codes = new Map<string, CodeRecord>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(
    private readonly accessTokenLifetimeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issueCode(merchantId: string, scopes: string[], redirectUri: string | null): CodeRecord {
    const record: CodeRecord = { code: newSecret("sq0cgb-"), merchantId, scopes, redirectUri, expiresAt: this.now() + CODE_LIFETIME_MS, used: false };
    return this.add(this.codes, record.code, record);
  }

  /** Redeems a code, or says why not. Any attempt uses the code up: a second one is refused as "used". */
  redeemCode(code: string): CodeRecord | { refused: "unknown" | "used" | "expired" } {
    const record = this.codes.get(code);
    if (!record) return { refused: "unknown" };
    if (record.used) return { refused: "used" };
    record.used = true;
    if (record.expiresAt <= this.now()) return { refused: "expired" };
    return record;
  }

  /** A new access token; short-lived ones (ObtainToken's short_lived) last 24 hours. */
  issueAccess(merchantId: string, scopes: string[], shortLived = false): AccessTokenRecord {
    const issuedAt = this.now();
    const lifetimeSeconds = shortLived ? SHORT_LIVED_SECONDS : this.accessTokenLifetimeSeconds;
    const record = { token: newSecret("EAAA"), merchantId, scopes, issuedAt, expiresAt: issuedAt + lifetimeSeconds * 1000, revokedAt: null };
    return this.add(this.accessTokens, record.token, record);
  }

  /** The seller's live refresh token for the app, or a new one: code-flow refresh tokens do not rotate. */
  refreshTokenFor(merchantId: string, scopes: string[]): RefreshTokenRecord {
    for (const record of this.refreshTokens.values()) {
      if (record.merchantId === merchantId && record.revokedAt === null) {
        record.scopes = scopes;
        return record;
      }
    }
    const record = { token: newSecret("EQAA"), merchantId, scopes, revokedAt: null };
    return this.add(this.refreshTokens, record.token, record);
  }

  liveRefreshToken(token: string): RefreshTokenRecord | undefined {
    const record = this.refreshTokens.get(token);
    return record && record.revokedAt === null ? record : undefined;
  }

  /** The record of an access token in any state (revoking by access_token works with an expired one too). */
  findAccess(token: string): AccessTokenRecord | undefined {
    return this.accessTokens.get(token);
  }

  checkAccess(token: string): AccessTokenCheck {
    const record = this.accessTokens.get(token);
    if (!record) return { ok: false, reason: "unknown" };
    if (record.revokedAt !== null) return { ok: false, reason: "revoked" };
    if (record.expiresAt <= this.now()) return { ok: false, reason: "expired" };
    return { ok: true, record };
  }

  /** The scopes the seller granted the app (its live refresh token's), or null when the app is not authorized. */
  grantedScopes(merchantId: string): string[] | null {
    for (const record of this.refreshTokens.values()) if (record.merchantId === merchantId && record.revokedAt === null) return record.scopes;
    return null;
  }

  /** Whether the seller still has an unrevoked refresh token, i.e. the app is authorized. */
  hasLiveAuthorization(merchantId: string): boolean {
    for (const record of this.refreshTokens.values()) if (record.merchantId === merchantId && record.revokedAt === null) return true;
    return false;
  }

  revokeMerchant(merchantId: string, onlyAccessTokens = false): void {
    const now = this.now();
    for (const record of this.accessTokens.values()) if (record.merchantId === merchantId) record.revokedAt ??= now;
    if (!onlyAccessTokens) {
      for (const record of this.refreshTokens.values()) if (record.merchantId === merchantId) record.revokedAt ??= now;
    }
  }

  /** Makes the seller's live access tokens expire now (refresh tokens stay valid), to exercise the app's refresh. */
  expireAccessTokens(merchantId: string): number {
    const now = this.now();
    let count = 0;
    for (const record of this.accessTokens.values()) {
      if (record.merchantId === merchantId && record.revokedAt === null && record.expiresAt > now) {
        record.expiresAt = now;
        count++;
      }
    }
    return count;
  }

  /** Every access token, newest first, for the index page and the control API. */
  accessTokenList(): AccessTokenRecord[] {
    return [...this.accessTokens.values()].reverse();
  }

  private add<T>(map: Map<string, T>, key: string, value: T): T {
    map.set(key, value);
    for (const oldest of map.keys()) {
      if (map.size <= MAX_ENTRIES) break;
      map.delete(oldest);
    }
    return value;
  }
}

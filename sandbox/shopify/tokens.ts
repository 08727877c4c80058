import { randomBytes } from "node:crypto";

/**
 * Access and refresh tokens the sandbox has issued, with Shopify's lifetimes and rotation rules:
 *  - expiring offline tokens (token exchange with `expiring: "1"`) last accessTokenLifetimeSeconds and come with a
 *    refresh token that lasts refreshTokenLifetimeSeconds;
 *  - a refresh issues a new access token and a replacement refresh token. Since 2026-08-28 Shopify keeps the used
 *    refresh token valid until the app first uses its replacement (for at most 30 days), so an app that lost a
 *    refresh response can retry; using the replacement retires it (shopify.dev changelog "More resilient refreshes
 *    for expiring offline access tokens"). Earlier access tokens stay valid until they expire;
 *  - non-expiring offline tokens (`expiring: "0"`) are one per shop, returned again on every exchange;
 *  - online tokens last 24 hours (Shopify's `expires_in: 86399`) and carry the user;
 *  - uninstalling revokes every token of the shop.
 */

export type AccessTokenKind = "offline" | "offline-expiring" | "online";

export interface AccessTokenRecord {
  token: string;
  shop: string;
  kind: AccessTokenKind;
  scopes: string[];
  issuedAt: number;
  /** Epoch ms; null for non-expiring offline tokens. */
  expiresAt: number | null;
  userId?: string;
}

export interface RefreshTokenRecord {
  token: string;
  shop: string;
  issuedAt: number;
  expiresAt: number;
  /** The refresh token whose use issued this one; null for the one from token exchange. */
  replaces: string | null;
  firstUsedAt: number | null;
}

export interface TokenLifetimes {
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
}

export interface TokenPair {
  access: AccessTokenRecord;
  refresh: RefreshTokenRecord;
}

const ONLINE_TOKEN_LIFETIME_SECONDS = 86_399;
const REFRESH_RECOVERY_WINDOW_MS = 30 * 24 * 3600 * 1000;
/** Bounds memory when a test or a demo loops over token exchanges: the oldest tokens are forgotten first. */
const MAX_TOKENS = 5_000;

function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString("hex")}`;
}

export class TokenRegistry {
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(
    private lifetimes: TokenLifetimes,
    private readonly now: () => number = Date.now,
  ) {}

  setLifetimes(lifetimes: Partial<TokenLifetimes>): void {
    this.lifetimes = { ...this.lifetimes, ...lifetimes };
  }

  getLifetimes(): TokenLifetimes {
    return { ...this.lifetimes };
  }

  issueExpiringOffline(shop: string, scopes: string[]): TokenPair {
    return this.issuePair(shop, scopes, null);
  }

  /** The shop's non-expiring offline token: Shopify returns the same one until the app is uninstalled. */
  nonExpiringOffline(shop: string, scopes: string[]): AccessTokenRecord {
    for (const record of this.accessTokens.values()) {
      if (record.shop === shop && record.kind === "offline") return record;
    }
    return this.addAccess({ token: newToken("shpat"), shop, kind: "offline", scopes, issuedAt: this.now(), expiresAt: null });
  }

  issueOnline(shop: string, scopes: string[], userId: string): AccessTokenRecord {
    const issuedAt = this.now();
    return this.addAccess({
      token: newToken("shpua"),
      shop,
      kind: "online",
      scopes,
      issuedAt,
      expiresAt: issuedAt + ONLINE_TOKEN_LIFETIME_SECONDS * 1000,
      userId,
    });
  }

  /** Exchanges a refresh token; undefined when it is unknown, expired, retired or of another shop. */
  refresh(shop: string, token: string, scopes: string[]): TokenPair | undefined {
    const record = this.refreshTokens.get(token);
    const now = this.now();
    if (!record || record.shop !== shop || record.expiresAt <= now) return undefined;
    if (record.firstUsedAt !== null && now - record.firstUsedAt > REFRESH_RECOVERY_WINDOW_MS) return undefined;
    record.firstUsedAt ??= now;
    if (record.replaces !== null) this.retireReplaced(record);
    return this.issuePair(shop, scopes, record.token);
  }

  /** The live access token, or undefined when it is unknown, expired or revoked. */
  liveAccessToken(token: string): AccessTokenRecord | undefined {
    const record = this.accessTokens.get(token);
    if (!record || (record.expiresAt !== null && record.expiresAt <= this.now())) return undefined;
    return record;
  }

  /** Makes the shop's access tokens expire now (refresh tokens stay valid), to exercise the app's refresh path. */
  expireAccessTokens(shop: string): number {
    let count = 0;
    for (const record of this.accessTokens.values()) {
      if (record.shop === shop && record.expiresAt !== null && record.expiresAt > this.now()) {
        record.expiresAt = this.now();
        count++;
      }
    }
    return count;
  }

  revokeShop(shop: string): void {
    for (const [token, record] of this.accessTokens) if (record.shop === shop) this.accessTokens.delete(token);
    for (const [token, record] of this.refreshTokens) if (record.shop === shop) this.refreshTokens.delete(token);
  }

  private issuePair(shop: string, scopes: string[], replaces: string | null): TokenPair {
    const issuedAt = this.now();
    const access = this.addAccess({
      token: newToken("shpat"),
      shop,
      kind: "offline-expiring",
      scopes,
      issuedAt,
      expiresAt: issuedAt + this.lifetimes.accessTokenLifetimeSeconds * 1000,
    });
    const refresh: RefreshTokenRecord = {
      token: newToken("shprt"),
      shop,
      issuedAt,
      expiresAt: issuedAt + this.lifetimes.refreshTokenLifetimeSeconds * 1000,
      replaces,
      firstUsedAt: null,
    };
    this.refreshTokens.set(refresh.token, refresh);
    this.bound(this.refreshTokens);
    return { access, refresh };
  }

  /** Using a replacement retires the token it replaced, and the other replacements issued for that token. */
  private retireReplaced(used: RefreshTokenRecord): void {
    for (const [token, record] of this.refreshTokens) {
      if (token === used.replaces || (record.replaces === used.replaces && token !== used.token)) this.refreshTokens.delete(token);
    }
  }

  private addAccess(record: AccessTokenRecord): AccessTokenRecord {
    this.accessTokens.set(record.token, record);
    this.bound(this.accessTokens);
    return record;
  }

  private bound(map: Map<string, unknown>): void {
    for (const token of map.keys()) {
      if (map.size <= MAX_TOKENS) return;
      map.delete(token);
    }
  }
}

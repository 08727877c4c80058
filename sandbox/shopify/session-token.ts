import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/**
 * Shopify session tokens (App Bridge's ID tokens): HS256 JWTs signed with the app's client secret, valid for one
 * minute. Claims as Shopify issues them (shopify-api lib/session/types.ts JwtPayload).
 */
export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
}

export const SESSION_TOKEN_LIFETIME_SECONDS = 60;
/** The clock tolerance Shopify's libraries and token endpoint allow. */
const CLOCK_TOLERANCE_SECONDS = 10;

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

function sign(input: string, secret: string): Buffer {
  return createHmac("sha256", secret).update(input).digest();
}

/** Admin session id: stable for one user in one shop, as Shopify's is for one admin login. */
export function adminSessionId(shop: string, userId: string): string {
  return createHash("sha256").update(`${shop}:${userId}`).digest("hex").slice(0, 32);
}

export function signSessionToken(options: { shop: string; userId: string; apiKey: string; apiSecret: string; now?: number }): string {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: SessionTokenClaims = {
    iss: `https://${options.shop}/admin`,
    dest: `https://${options.shop}`,
    aud: options.apiKey,
    sub: options.userId,
    exp: now + SESSION_TOKEN_LIFETIME_SECONDS,
    nbf: now,
    iat: now,
    jti: randomUUID(),
    sid: adminSessionId(options.shop, options.userId),
  };
  const input = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${base64url(sign(input, options.apiSecret))}`;
}

export type VerifiedSessionToken = { ok: true; claims: SessionTokenClaims } | { ok: false; reason: string };

/** Verifies signature, algorithm, audience and time window; the caller checks `dest` against the shop. */
export function verifySessionToken(token: string, options: { apiKey: string; apiSecret: string; now?: number }): VerifiedSessionToken {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "is not a JWT" };
  const [header, payload, signature] = parts as [string, string, string];
  let claims: SessionTokenClaims;
  try {
    const alg = (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown }).alg;
    if (alg !== "HS256") return { ok: false, reason: `uses algorithm ${String(alg)}, not HS256` };
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as SessionTokenClaims;
  } catch {
    return { ok: false, reason: "is not a JWT" };
  }
  const expected = sign(`${header}.${payload}`, options.apiSecret);
  const actual = Buffer.from(signature, "base64url");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { ok: false, reason: "signature does not match the app's client secret" };
  }
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_TOLERANCE_SECONDS < now) return { ok: false, reason: "has expired" };
  if (typeof claims.nbf === "number" && claims.nbf - CLOCK_TOLERANCE_SECONDS > now) return { ok: false, reason: "is not valid yet" };
  if (claims.aud !== options.apiKey) return { ok: false, reason: "was issued for another app (aud)" };
  return { ok: true, claims };
}

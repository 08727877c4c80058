import { createHash, randomBytes } from "node:crypto";
import { createCookie, redirect } from "@remix-run/node";
import { getConfig } from "~/config.server";
import type { PrismaClient } from "~/db.server";

/**
 * Sessions of the Square merchant area, which lives outside the Shopify admin and so has no session token: a
 * random token in an HttpOnly, Secure, SameSite=Lax cookie scoped to /square, and only its hash in the database,
 * so sessions can be ended (sign-out, tenant deleted) and a leaked table hands out nothing. Sessions last twelve
 * hours; signing in again goes through Square's consent page.
 */

const SESSION_LIFETIME_MS = 12 * 3600 * 1000;
export const SQUARE_SIGN_IN_PATH = "/square/sign-in";

// Browsers accept Secure cookies from http://localhost, so the flag holds in development too.
const sessionCookie = createCookie("tb_square_session", {
  httpOnly: true,
  secure: true,
  sameSite: "lax",
  path: "/square",
  maxAge: SESSION_LIFETIME_MS / 1000,
});

export interface SquareMerchant {
  sessionId: string;
  tenantId: string;
  squareMerchantId: string;
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Opens a session after a Square sign-in; returns the Set-Cookie header value. */
export async function openMerchantSession(db: PrismaClient, input: { tenantId: string; squareMerchantId: string }, now = new Date()): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await db.merchantSession.create({
    data: { ...input, tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS) },
  });
  await db.merchantSession.deleteMany({ where: { expiresAt: { lt: now } } });
  return sessionCookie.serialize(token);
}

async function readSessionToken(request: Request): Promise<string | null> {
  const token: unknown = await sessionCookie.parse(request.headers.get("cookie"));
  return typeof token === "string" && token.length > 0 && token.length <= 100 ? token : null;
}

/**
 * The signed-in Square merchant, or a redirect to the sign-in page. Form posts from another site are refused:
 * SameSite=Lax already keeps the cookie off them, and the Origin check says so plainly.
 */
export async function requireSquareMerchant(db: PrismaClient, request: Request, now = new Date()): Promise<SquareMerchant> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    const origin = request.headers.get("origin");
    if (origin && origin !== new URL(getConfig().appUrl).origin && origin !== new URL(request.url).origin) {
      throw new Response("Cross-site request refused", { status: 403 });
    }
  }
  const token = await readSessionToken(request);
  const session = token ? await db.merchantSession.findUnique({ where: { tokenHash: hashToken(token) } }) : null;
  if (!session || session.expiresAt.getTime() <= now.getTime()) {
    throw redirect(SQUARE_SIGN_IN_PATH, { headers: { "Set-Cookie": await sessionCookie.serialize("", { maxAge: 0 }) } });
  }
  return { sessionId: session.id, tenantId: session.tenantId, squareMerchantId: session.squareMerchantId };
}

/** Signs out: the session row is deleted, and the cookie with it. Returns the Set-Cookie header value. */
export async function closeMerchantSession(db: PrismaClient, request: Request): Promise<string> {
  const token = await readSessionToken(request);
  if (token) await db.merchantSession.deleteMany({ where: { tokenHash: hashToken(token) } });
  return sessionCookie.serialize("", { maxAge: 0 });
}

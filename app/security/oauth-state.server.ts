import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "~/db.server";
import type { OAuthPurpose, Provider } from "~/generated/prisma/client";

/**
 * OAuth `state` for connecting Square and QuickBooks, and for signing in with Square: a random value bound to
 * the tenant (none yet for a sign-in) and the person who started the flow, valid for ten minutes and usable once. Neither vendor library checks state (intuit-oauth
 * says so), so this is the only protection against a forged or replayed callback.
 */

const STATE_LIFETIME_MS = 10 * 60 * 1000;

export class OAuthStateError extends Error {
  override name = "OAuthStateError";
}

function hashState(state: string): string {
  return createHash("sha256").update(state).digest("hex");
}

export async function createOAuthState(
  db: PrismaClient,
  input: { tenantId: string | null; provider: Provider; purpose?: OAuthPurpose; actor: string; returnTo: string },
  now = new Date(),
): Promise<string> {
  const state = randomBytes(32).toString("base64url");
  await db.oAuthState.create({
    data: { ...input, stateHash: hashState(state), expiresAt: new Date(now.getTime() + STATE_LIFETIME_MS) },
  });
  // Expired states of any tenant are useless; clearing them here keeps the table small without a job.
  await db.oAuthState.deleteMany({ where: { expiresAt: { lt: now } } });
  return state;
}

/**
 * Takes the state back: deleted in the same statement that reads it, so a replayed callback finds nothing.
 * Throws OAuthStateError with a message a merchant can read.
 */
export async function consumeOAuthState(
  db: PrismaClient,
  input: { state: string | null; provider: Provider },
  now = new Date(),
): Promise<{ tenantId: string | null; purpose: OAuthPurpose; actor: string; returnTo: string }> {
  if (!input.state || input.state.length > 200) throw new OAuthStateError("This link is missing its security check. Start connecting again from Tillbridge.");
  const rows = await db.$queryRaw<{ tenantId: string | null; provider: Provider; purpose: OAuthPurpose; actor: string; returnTo: string; expiresAt: Date }[]>`
    DELETE FROM "OAuthState" WHERE "stateHash" = ${hashState(input.state)}
    RETURNING "tenantId"::text AS "tenantId", provider::text AS provider, purpose::text AS purpose, actor, "returnTo", "expiresAt"`;
  const found = rows[0];
  if (!found) throw new OAuthStateError("This connection link was already used or is not from Tillbridge. Start connecting again from Tillbridge.");
  if (found.provider !== input.provider) throw new OAuthStateError("This link belongs to another connection. Start connecting again from Tillbridge.");
  if (found.expiresAt.getTime() < now.getTime()) throw new OAuthStateError("This connection link has expired (they last ten minutes). Start connecting again from Tillbridge.");
  return { tenantId: found.tenantId, purpose: found.purpose, actor: found.actor, returnTo: found.returnTo };
}

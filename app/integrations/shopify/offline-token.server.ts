import "@shopify/shopify-api/adapters/web-api";
import { HttpResponseError, HttpRetriableError, type Session } from "@shopify/shopify-api";
import { getConfig } from "~/config.server";
import type { PrismaClient } from "~/db.server";
import { markConnectionNeedsReauth } from "~/models/connections.server";
import { findTenantIdByShop } from "~/models/tenants.server";
import { logger } from "~/observability/logger.server";
import { getKeyRing } from "~/security/key-ring.server";
import { shopifyApiClient } from "./api-client.server";
import { PrismaSessionStorage } from "./session-storage.server";

/**
 * Expiring offline tokens (60 minutes, with a rotating refresh token) for work outside a merchant's request.
 *
 * The library refreshes on its own, but without any lock: two workers finding the same expired token would both
 * refresh, and the loser's refresh token would already be dead. Here a refresh takes a per-shop advisory lock in
 * the database (shared by every process), re-reads the session under the lock, and only refreshes if it is still
 * due; the new tokens are written in the same transaction.
 */

/** Refresh this long before expiry, as the library does, so a request never starts with a dying token. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export class ShopifyReauthorizationRequiredError extends Error {
  override name = "ShopifyReauthorizationRequiredError";
}

export class ShopNotConnectedError extends Error {
  override name = "ShopNotConnectedError";
}

function needsRefresh(session: Session, now = Date.now()): boolean {
  return session.expires !== undefined && session.expires.getTime() - now < REFRESH_MARGIN_MS;
}

function isPermanentRefreshFailure(error: unknown): error is HttpResponseError {
  return error instanceof HttpResponseError && !(error instanceof HttpRetriableError) && error.response.code >= 400 && error.response.code < 500;
}

export function offlineSessionId(shop: string): string {
  return shopifyApiClient().session.getOfflineId(shop);
}

/**
 * The shop's offline session with at least five minutes of life left. Throws ShopNotConnectedError when there is
 * none (not installed), ShopifyReauthorizationRequiredError when Shopify refuses the refresh for good (the
 * connection is then NEEDS_REAUTH and the merchant is told); transient failures propagate for the job to retry.
 */
export async function getFreshOfflineSession(prisma: PrismaClient, shop: string): Promise<Session> {
  const storage = new PrismaSessionStorage(() => prisma, () => getKeyRing(getConfig()));
  const session = await storage.loadSession(offlineSessionId(shop));
  if (!session) throw new ShopNotConnectedError(`No offline session for ${shop}`);
  if (!needsRefresh(session)) return session;
  return refreshUnderLock(prisma, shop);
}

async function refreshUnderLock(prisma: PrismaClient, shop: string): Promise<Session> {
  const outcome = await prisma.$transaction(
    async (tx): Promise<{ session: Session } | { refused: string }> => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`shopify-token-refresh:${shop}`}, 0))`;
      const storage = new PrismaSessionStorage(() => tx, () => getKeyRing(getConfig()));
      const current = await storage.loadSession(offlineSessionId(shop));
      if (!current) throw new ShopNotConnectedError(`No offline session for ${shop}`);
      // Another process may have refreshed while this one waited for the lock.
      if (!needsRefresh(current)) return { session: current };
      if (!current.refreshToken) return { refused: "the offline token has no refresh token" };
      if (current.refreshTokenExpires && current.refreshTokenExpires.getTime() <= Date.now()) return { refused: "the refresh token has expired" };
      try {
        const { session } = await shopifyApiClient().auth.refreshToken({ shop, refreshToken: current.refreshToken });
        await storage.storeSession(session);
        return { session };
      } catch (error) {
        if (isPermanentRefreshFailure(error)) return { refused: `Shopify refused the refresh (HTTP ${error.response.code})` };
        throw error;
      }
    },
    { timeout: 30_000, maxWait: 30_000 },
  );
  if ("session" in outcome) return outcome.session;

  const tenantId = await findTenantIdByShop(prisma, shop);
  logger.warn({ shop, tenantId, reason: outcome.refused }, "Shopify access lost; connection needs reauthorization");
  if (tenantId) {
    await markConnectionNeedsReauth(prisma, {
      tenantId,
      provider: "SHOPIFY",
      reason: outcome.refused,
      message: "Tillbridge lost access to your Shopify store, so syncing with Shopify is paused. Open Tillbridge from your Shopify admin to restore access.",
    });
  }
  throw new ShopifyReauthorizationRequiredError(`Shopify access for ${shop} must be restored: ${outcome.refused}`);
}

import { getConfig } from "~/config.server";
import type { PrismaClient } from "~/db.server";
import { quickBooksConnector } from "~/integrations/quickbooks/connector.server";
import { squareConnector } from "~/integrations/square/connector.server";
import { connectionIssueKey, markConnectionNeedsReauth, providerLabel } from "~/models/connections.server";
import { logger } from "~/observability/logger.server";
import { getKeyRing } from "~/security/key-ring.server";
import { openSecret, sealSecret } from "~/security/encryption.server";
import { AUTHORIZATION_WARNING_MS, AuthorizationLostError, type VendorConnector } from "./types";

/**
 * Renewing Square and QuickBooks tokens before they run out, one renewal per connection at a time across every
 * process: a per-connection advisory lock, a re-read under the lock (another worker may have just renewed), and
 * the new tokens written in the same transaction. QuickBooks rotates its refresh token, and the previous one
 * dies a day later, so losing the newest one would lose the connection: it is never written anywhere else.
 */

const connectors = { SQUARE: squareConnector, QUICKBOOKS: quickBooksConnector } as Record<"SQUARE" | "QUICKBOOKS", VendorConnector<never>>;

export type RefreshOutcome = "renewed" | "not-due" | "not-connected" | "authorization-lost";

export async function refreshConnectionTokens(db: PrismaClient, connectionId: string, now = new Date()): Promise<RefreshOutcome> {
  const keyRing = getKeyRing(getConfig());
  const outcome = await db.$transaction(
    async (tx): Promise<{ result: RefreshOutcome; tenantId?: string; provider?: "SQUARE" | "QUICKBOOKS"; reason?: string }> => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`connection-refresh:${connectionId}`}, 0))`;
      const connection = await tx.connection.findUnique({ where: { id: connectionId } });
      if (!connection?.credentialsEncrypted || connection.status !== "ACTIVE" || connection.provider === "SHOPIFY") return { result: "not-connected" };
      const connector = connectors[connection.provider];
      const context = `connection:${connection.id}`;
      const credentials = JSON.parse(openSecret(keyRing, connection.credentialsEncrypted, context)) as never;
      if (!connector.isRefreshDue(credentials, now)) return { result: "not-due" };
      try {
        const renewed = await connector.refresh(credentials);
        await tx.connection.update({
          where: { id: connection.id },
          data: {
            credentialsEncrypted: sealSecret(keyRing, JSON.stringify(renewed.credentials), context),
            accessTokenExpiresAt: renewed.accessTokenExpiresAt,
            refreshTokenExpiresAt: renewed.refreshTokenExpiresAt ?? connection.refreshTokenExpiresAt,
            lastError: null,
          },
        });
        return { result: "renewed" };
      } catch (error) {
        if (error instanceof AuthorizationLostError) return { result: "authorization-lost", tenantId: connection.tenantId, provider: connection.provider, reason: error.message };
        throw error;
      }
    },
    { timeout: 30_000, maxWait: 30_000 },
  );
  if (outcome.result === "authorization-lost") {
    logger.warn({ connectionId, tenantId: outcome.tenantId, provider: outcome.provider }, "token renewal refused; connection needs reauthorization");
    await markConnectionNeedsReauth(db, {
      tenantId: outcome.tenantId!,
      provider: outcome.provider!,
      reason: outcome.reason!,
      message: `${outcome.reason} Syncing with ${providerLabel(outcome.provider!)} is paused until then; nothing is lost.`,
    });
  }
  return outcome.result;
}

/** Connections whose tokens may be due, for the scheduled sweep (the per-connection job decides exactly). */
export async function connectionsDueForRefresh(db: PrismaClient, now = new Date()): Promise<string[]> {
  const rows = await db.connection.findMany({
    where: {
      status: "ACTIVE",
      provider: { in: ["SQUARE", "QUICKBOOKS"] },
      credentialsEncrypted: { not: null },
      OR: [
        // QuickBooks: within 15 minutes of expiry. Square: issued more than six days ago (expires within 24 days).
        { provider: "QUICKBOOKS", accessTokenExpiresAt: { lt: new Date(now.getTime() + 15 * 60 * 1000) } },
        { provider: "SQUARE", accessTokenExpiresAt: { lt: new Date(now.getTime() + 24 * 24 * 3600 * 1000) } },
      ],
    },
    select: { id: true },
    take: 1000,
  });
  return rows.map((row) => row.id);
}

/** Refresh tokens with a hard expiry coming up: the merchant must reconnect before then (told ahead of time). */
export async function warnAboutExpiringAuthorizations(db: PrismaClient, now = new Date()): Promise<number> {
  const soon = await db.connection.findMany({
    where: { status: "ACTIVE", refreshTokenExpiresAt: { lt: new Date(now.getTime() + AUTHORIZATION_WARNING_MS) } },
    select: { tenantId: true, provider: true, refreshTokenExpiresAt: true },
  });
  for (const connection of soon) {
    // Restated on every sweep, not a new occurrence: an upsert without reportSyncIssue's occurrence count.
    const key = connectionIssueKey(connection.provider, "expiring");
    const message = `${providerLabel(connection.provider)}'s authorization ends on ${connection.refreshTokenExpiresAt!.toISOString().slice(0, 10)}. Reconnect before then to keep syncing.`;
    await db.syncIssue.upsert({
      where: { tenantId_key: { tenantId: connection.tenantId, key } },
      create: { tenantId: connection.tenantId, key, code: "CONNECTION_AUTHORIZATION_EXPIRING", message, entityType: "connection", entityRef: connection.provider },
      update: { status: "OPEN", message, lastSeenAt: now, resolvedAt: null },
    });
  }
  return soon.length;
}

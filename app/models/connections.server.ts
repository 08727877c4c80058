import type { Prisma, PrismaClient } from "~/db.server";
import type { Provider } from "~/generated/prisma/client";
import type { ConnectedAccount } from "~/integrations/connections/types";
import { keepPausedJob } from "~/jobs/paused-jobs.server";
import { openSecret, sealSecret, type KeyRing } from "~/security/encryption.server";
import { reportSyncIssue, resolveSyncIssues } from "./sync-issues.server";

type Db = PrismaClient | Prisma.TransactionClient;

export async function listConnections(db: Db, tenantId: string) {
  return db.connection.findMany({
    where: { tenantId },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      provider: true,
      externalId: true,
      displayName: true,
      status: true,
      scopes: true,
      lastCheckedAt: true,
      lastError: true,
      accessTokenExpiresAt: true,
      refreshTokenExpiresAt: true,
      updatedAt: true,
    },
  });
}

/** The names of the tenant's vendors whose authorization was lost, for the banner on every page. */
export async function connectionsNeedingReauth(db: Db, tenantId: string): Promise<string[]> {
  const connections = await db.connection.findMany({ where: { tenantId, status: "NEEDS_REAUTH" }, select: { provider: true }, orderBy: { provider: "asc" } });
  return connections.map((connection) => providerLabel(connection.provider));
}

/** The keys of the issues about a connection's authorization: lost (reauth) and ending soon (expiring). */
export function connectionIssueKey(provider: Provider, problem: "reauth" | "expiring"): string {
  return `connection:${provider}:${problem}`;
}

/** Issues about a connection's authorization close themselves once it is authorized again. */
export async function resolveConnectionIssues(db: Db, tenantId: string, provider: Provider): Promise<void> {
  await resolveSyncIssues(db, tenantId, [connectionIssueKey(provider, "reauth"), connectionIssueKey(provider, "expiring")]);
}

/**
 * A connection that lost its authorization: NEEDS_REAUTH, its syncs wait, and one open issue tells the merchant
 * what to do (repeats increment the same issue). The job that found out, if any, waits for the reconnect.
 */
export async function markConnectionNeedsReauth(
  db: PrismaClient,
  input: { tenantId: string; provider: Provider; reason: string; message: string; pausedJob?: { name: string; payload: unknown } },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.connection.updateMany({ where: { tenantId: input.tenantId, provider: input.provider }, data: { status: "NEEDS_REAUTH", lastError: input.reason } });
    // The job that found out is kept with the mark, and sent again once the merchant reconnects.
    if (input.pausedJob) await keepPausedJob(tx, { tenantId: input.tenantId, provider: input.provider, ...input.pausedJob });
    await reportSyncIssue(tx, {
      tenantId: input.tenantId,
      key: connectionIssueKey(input.provider, "reauth"),
      code: "CONNECTION_NEEDS_REAUTH",
      message: input.message,
      retriable: false,
      entityType: "connection",
      entityRef: input.provider,
    });
    await tx.auditLog.create({
      data: { tenantId: input.tenantId, actorType: "SYSTEM", action: "connection.needs_reauth", target: input.provider, details: { reason: input.reason } },
    });
  });
}

export class ConnectionBelongsToAnotherTenantError extends Error {
  override name = "ConnectionBelongsToAnotherTenantError";
}

/**
 * Stores a vendor account's tokens for a tenant (sealed, bound to the connection's id) and marks it ACTIVE.
 * An account already linked to another tenant is refused, never merged: the unique key on
 * (provider, externalId) is the final word, under a lock so two callbacks cannot race past the check.
 */
export async function saveConnectionCredentials(
  db: PrismaClient,
  keyRing: KeyRing,
  input: ConnectedAccount & { tenantId: string; provider: Provider; actor: string },
): Promise<{ connectionId: string }> {
  return db.$transaction((tx) => storeConnectionCredentials(tx, keyRing, input));
}

/** saveConnectionCredentials inside a caller's transaction (a Square sign-in creates the tenant in the same one). */
export async function storeConnectionCredentials(
  tx: Prisma.TransactionClient,
  keyRing: KeyRing,
  input: ConnectedAccount & { tenantId: string; provider: Provider; actor: string },
): Promise<{ connectionId: string }> {
  await lockVendorAccount(tx, input.provider, input.externalId);
  const owner = await tx.connection.findUnique({ where: { provider_externalId: { provider: input.provider, externalId: input.externalId } }, select: { tenantId: true, status: true } });
  if (owner && owner.tenantId !== input.tenantId) {
    if (owner.status !== "DISCONNECTED") {
      throw new ConnectionBelongsToAnotherTenantError(`This ${providerLabel(input.provider)} account is already connected to another Tillbridge account.`);
    }
    // A tenant that disconnected the account no longer holds it; its audit trail stays in AuditLog.
    await tx.connection.delete({ where: { provider_externalId: { provider: input.provider, externalId: input.externalId } } });
  }
  const fields = {
    externalId: input.externalId,
    displayName: input.displayName,
    status: "ACTIVE" as const,
    scopes: input.scopes,
    accessTokenExpiresAt: input.accessTokenExpiresAt,
    refreshTokenExpiresAt: input.refreshTokenExpiresAt,
    lastError: null,
    lastCheckedAt: new Date(),
  };
  const connection = await tx.connection.upsert({
    where: { tenantId_provider: { tenantId: input.tenantId, provider: input.provider } },
    create: { tenantId: input.tenantId, provider: input.provider, ...fields },
    update: fields,
    select: { id: true },
  });
  await tx.connection.update({
    where: { id: connection.id },
    data: { credentialsEncrypted: sealSecret(keyRing, JSON.stringify(input.credentials), `connection:${connection.id}`) },
  });
  await resolveConnectionIssues(tx, input.tenantId, input.provider);
  await tx.auditLog.create({
    data: { tenantId: input.tenantId, actorType: "MERCHANT", actorId: input.actor, action: "connection.connected", target: input.provider, details: { account: input.displayName } },
  });
  return { connectionId: connection.id };
}

/**
 * Serializes everything that decides which tenant holds a vendor account (connecting, signing in, linking):
 * two callbacks for the same account cannot both pass the ownership check. Re-entrant within a transaction.
 */
export async function lockVendorAccount(tx: Prisma.TransactionClient, provider: Provider, externalId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`connection:${provider}:${externalId}`}, 0))`;
}

/** The connection and its opened credentials, or null when the tenant has none (or it is disconnected). */
export async function readConnectionCredentials<T>(db: Db, keyRing: KeyRing, tenantId: string, provider: Provider) {
  const connection = await db.connection.findUnique({ where: { tenantId_provider: { tenantId, provider } } });
  if (!connection?.credentialsEncrypted) return null;
  return { connection, credentials: JSON.parse(openSecret(keyRing, connection.credentialsEncrypted, `connection:${connection.id}`)) as T };
}

/** Disconnected: tokens deleted, syncs using the connection stopped, the row and its history kept. */
export async function markConnectionDisconnected(db: PrismaClient, input: { tenantId: string; provider: Provider; actor: string; reason: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const connection = await tx.connection.findUnique({ where: { tenantId_provider: { tenantId: input.tenantId, provider: input.provider } }, select: { id: true } });
    if (!connection) return;
    await tx.connection.update({
      where: { id: connection.id },
      data: { status: "DISCONNECTED", credentialsEncrypted: null, accessTokenExpiresAt: null, refreshTokenExpiresAt: null },
    });
    await tx.sync.updateMany({
      where: { tenantId: input.tenantId, OR: [{ sourceConnectionId: connection.id }, { targetConnectionId: connection.id }] },
      data: { enabled: false },
    });
    await tx.auditLog.create({
      data: { tenantId: input.tenantId, actorType: input.actor === "system" ? "SYSTEM" : "MERCHANT", actorId: input.actor, action: "connection.disconnected", target: input.provider, details: { reason: input.reason } },
    });
  });
}

export function providerLabel(provider: Provider): string {
  return { SHOPIFY: "Shopify", SQUARE: "Square", QUICKBOOKS: "QuickBooks" }[provider];
}

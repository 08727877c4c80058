import type { Prisma, PrismaClient } from "~/db.server";
import type { ConnectionStatus, Provider } from "~/generated/prisma/client";

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

export async function setConnectionStatus(
  db: Db,
  tenantId: string,
  provider: Provider,
  status: ConnectionStatus,
  lastError: string | null = null,
): Promise<void> {
  await db.connection.updateMany({ where: { tenantId, provider }, data: { status, lastError } });
}

/** Issues about a connection's authorization close themselves once it is authorized again. */
export async function resolveConnectionIssues(db: Db, tenantId: string, provider: Provider): Promise<void> {
  await db.syncIssue.updateMany({
    where: { tenantId, status: "OPEN", key: { startsWith: `connection:${provider}:` } },
    data: { status: "RESOLVED", resolvedAt: new Date() },
  });
}

/**
 * A connection that lost its authorization: NEEDS_REAUTH, its syncs wait, and one open issue tells the merchant
 * what to do (repeats increment the same issue).
 */
export async function markConnectionNeedsReauth(
  db: PrismaClient,
  input: { tenantId: string; provider: Provider; reason: string; message: string },
): Promise<void> {
  const key = `connection:${input.provider}:reauth`;
  await db.$transaction(async (tx) => {
    await tx.connection.updateMany({ where: { tenantId: input.tenantId, provider: input.provider }, data: { status: "NEEDS_REAUTH", lastError: input.reason } });
    await tx.syncIssue.upsert({
      where: { tenantId_key: { tenantId: input.tenantId, key } },
      create: { tenantId: input.tenantId, key, code: "CONNECTION_NEEDS_REAUTH", message: input.message, retriable: false, entityType: "connection", entityRef: input.provider },
      update: { status: "OPEN", message: input.message, occurrences: { increment: 1 }, lastSeenAt: new Date(), resolvedAt: null },
    });
    await tx.auditLog.create({
      data: { tenantId: input.tenantId, actorType: "SYSTEM", action: "connection.needs_reauth", target: input.provider, details: { reason: input.reason } },
    });
  });
}

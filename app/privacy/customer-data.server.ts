import { Prisma } from "~/generated/prisma/client";

const sql = Prisma.sql;

/**
 * Finding and erasing one customer's personal data in everything a tenant holds: webhook payloads in the inbox,
 * audit details, entity links, sync issues (with their retry jobs). A customer is matched by id (as a number or inside a Shopify gid),
 * email or phone, and optionally by their order ids. Matching is deliberately broad: over-redacting a cached
 * payload costs nothing, missing one breaks a promise to the customer.
 */

export interface CustomerIdentity {
  id: string;
  email: string | null;
  phone: string | null;
  orderIds: string[];
}

export interface CustomerDataReport {
  webhookEvents: { id: string; topic: string; receivedAt: Date }[];
  auditLogs: { id: string; action: string; createdAt: Date }[];
  entityLinks: { id: string; entityType: string; sourceId: string; targetId: string }[];
  syncIssues: { id: string; code: string; message: string }[];
}

const REDACTED_JSON = { redacted: true };

/** A SQL predicate over a text expression: true when it mentions the customer. */
function mentionsCustomer(column: Prisma.Sql, identity: CustomerIdentity): Prisma.Sql {
  const numbers = [identity.id, ...identity.orderIds].filter((value) => /^\d+$/.test(value));
  const numberPattern = numbers.length ? `(^|[^0-9])(${numbers.join("|")})([^0-9]|$)` : null;
  return sql`(
    (${identity.email}::text IS NOT NULL AND position(lower(${identity.email}::text) IN lower(${column})) > 0)
    OR (${identity.phone}::text IS NOT NULL AND position(${identity.phone}::text IN ${column}) > 0)
    OR (${numberPattern}::text IS NOT NULL AND ${column} ~ ${numberPattern}::text)
  )`;
}

export async function findCustomerData(tx: Prisma.TransactionClient, tenantId: string, identity: CustomerIdentity): Promise<CustomerDataReport> {
  // One statement at a time: a transaction runs on one connection anyway.
  const webhookEvents = await tx.$queryRaw<CustomerDataReport["webhookEvents"]>(
      sql`SELECT id::text, topic, "receivedAt" FROM "WebhookEvent" WHERE "tenantId" = ${tenantId}::uuid AND ${mentionsCustomer(sql`payload::text`, identity)} ORDER BY "receivedAt"`,
  );
  const auditLogs = await tx.$queryRaw<CustomerDataReport["auditLogs"]>(
      sql`SELECT id::text, action, "createdAt" FROM "AuditLog" WHERE "tenantId" = ${tenantId}::uuid AND ${mentionsCustomer(sql`details::text`, identity)} ORDER BY "createdAt"`,
  );
  const entityLinks = await tx.$queryRaw<CustomerDataReport["entityLinks"]>(
      sql`SELECT id::text, "entityType", "sourceId", "targetId" FROM "EntityLink" WHERE "tenantId" = ${tenantId}::uuid
          AND (("entityType" = 'customer' AND ("sourceId" = ${identity.id} OR "targetId" = ${identity.id}))
               OR ${mentionsCustomer(sql`coalesce("lastValue"::text, '')`, identity)})`,
  );
  const syncIssues = await tx.$queryRaw<CustomerDataReport["syncIssues"]>(
      sql`SELECT id::text, code, message FROM "SyncIssue" WHERE "tenantId" = ${tenantId}::uuid
          AND ${mentionsCustomer(sql`(message || ' ' || coalesce("entityRef", '') || ' ' || coalesce("retryJob"::text, ''))`, identity)}`,
  );
  return { webhookEvents, auditLogs, entityLinks, syncIssues };
}

/** Erases what findCustomerData finds: payloads and details are replaced, links deleted, issue texts cleared. */
export async function eraseCustomerData(tx: Prisma.TransactionClient, tenantId: string, identity: CustomerIdentity): Promise<Record<keyof CustomerDataReport, number>> {
  const found = await findCustomerData(tx, tenantId, identity);
  const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
  const webhookEvents = await tx.webhookEvent.updateMany({ where: { tenantId, id: { in: ids(found.webhookEvents) } }, data: { payload: REDACTED_JSON } });
  const auditLogs = await tx.auditLog.updateMany({ where: { tenantId, id: { in: ids(found.auditLogs) } }, data: { details: REDACTED_JSON } });
  const entityLinks = await tx.entityLink.deleteMany({ where: { tenantId, id: { in: ids(found.entityLinks) } } });
  const syncIssues = await tx.syncIssue.updateMany({
    where: { tenantId, id: { in: ids(found.syncIssues) } },
    // The retry job's payload may name the customer too; without it the issue can no longer be retried.
    data: { message: "Details removed at the customer's request.", entityRef: null, retryJob: Prisma.DbNull, retriable: false },
  });
  return { webhookEvents: webhookEvents.count, auditLogs: auditLogs.count, entityLinks: entityLinks.count, syncIssues: syncIssues.count };
}

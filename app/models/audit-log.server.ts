import type { Prisma, PrismaClient } from "~/db.server";

type Db = PrismaClient | Prisma.TransactionClient;

/** Plain-language lines for the audit actions a merchant sees; others stay visible to support only. */
const MERCHANT_FACING_ACTIONS: Record<string, string> = {
  "tenant.installed": "Tillbridge was installed",
  "shopify.app_uninstalled": "Tillbridge was uninstalled from Shopify",
  "shopify.reinstalled": "Tillbridge was installed again",
  "shopify.scopes_updated": "Shopify permissions changed",
  "connection.needs_reauth": "A connection lost its authorization",
  "connection.connected": "A connection was made",
  "connection.disconnected": "A connection was disconnected",
  "tenant.linked": "Your Square account and Shopify store were linked",
  "privacy.customer_data_request": "A customer asked for their data; the report is ready for you",
  "privacy.customer_redacted": "A customer's data was erased at their request",
};

export async function listRecentMerchantEvents(db: Db, tenantId: string, limit = 10) {
  const entries = await db.auditLog.findMany({
    where: { tenantId, action: { in: Object.keys(MERCHANT_FACING_ACTIONS) } },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: { id: true, action: true, createdAt: true },
  });
  return entries.map((entry) => ({ id: entry.id, description: MERCHANT_FACING_ACTIONS[entry.action]!, at: entry.createdAt.toISOString() }));
}

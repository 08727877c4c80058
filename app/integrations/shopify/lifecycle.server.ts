import type { Prisma, PrismaClient } from "~/db.server";
import { findTenantIdByShop } from "~/models/tenants.server";
import { recordShopifyWebhook, type ShopifyWebhook } from "~/webhooks/inbox.server";

/**
 * Effects of Shopify's app lifecycle webhooks. Each runs in one transaction with its inbox record, so a
 * redelivery (same webhook id) is a no-op, and a delivery for a shop we no longer know is recorded and answered.
 */

/**
 * app/uninstalled: the connection is DISCONNECTED (its tokens gone), the tenant's syncs stop, the shop's sessions
 * are deleted. The tenant and its history stay, so a reinstall brings the same tenant back.
 */
export async function handleAppUninstalled(
  db: PrismaClient,
  webhook: ShopifyWebhook,
  /** Runs in the same transaction for a known tenant: used to enqueue the revocation of its other connections. */
  afterUninstall: (tx: Prisma.TransactionClient, tenantId: string) => Promise<unknown> = async () => {},
): Promise<"applied" | "duplicate"> {
  return db.$transaction(async (tx) => {
    const tenantId = await findTenantIdByShop(tx, webhook.shop);
    const fresh = await recordShopifyWebhook(tx, null, webhook, tenantId, { payload: { shop: webhook.shop }, status: "PROCESSED" });
    if (!fresh) return "duplicate";
    await tx.session.deleteMany({ where: { shop: webhook.shop } });
    if (tenantId) {
      await tx.connection.update({
        where: { provider_externalId: { provider: "SHOPIFY", externalId: webhook.shop } },
        data: { status: "DISCONNECTED", credentialsEncrypted: null, accessTokenExpiresAt: null, refreshTokenExpiresAt: null },
      });
      await tx.sync.updateMany({ where: { tenantId }, data: { enabled: false } });
      await tx.tenant.update({ where: { id: tenantId }, data: { status: "UNINSTALLED" } });
      await tx.auditLog.create({ data: { tenantId, actorType: "SYSTEM", action: "shopify.app_uninstalled", target: webhook.shop } });
      await afterUninstall(tx, tenantId);
    }
    return "applied";
  });
}

/** app/scopes_update: the shop granted or removed scopes; sessions and the connection record the current set. */
export async function handleScopesUpdate(db: PrismaClient, webhook: ShopifyWebhook, currentScopes: string[]): Promise<"applied" | "duplicate"> {
  return db.$transaction(async (tx) => {
    const tenantId = await findTenantIdByShop(tx, webhook.shop);
    const fresh = await recordShopifyWebhook(tx, null, webhook, tenantId, { payload: { current: currentScopes }, status: "PROCESSED" });
    if (!fresh) return "duplicate";
    await tx.session.updateMany({ where: { shop: webhook.shop }, data: { scope: currentScopes.join(",") } });
    if (tenantId) {
      await tx.connection.updateMany({ where: { tenantId, provider: "SHOPIFY" }, data: { scopes: currentScopes } });
      await tx.auditLog.create({ data: { tenantId, actorType: "SYSTEM", action: "shopify.scopes_updated", target: webhook.shop, details: { current: currentScopes } } });
    }
    return "applied";
  });
}

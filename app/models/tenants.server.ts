import type { Prisma, PrismaClient } from "~/db.server";
import { resolveConnectionIssues } from "./connections.server";

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * A Shopify shop's tenant, created by its first install and brought back by a reinstall: the SHOPIFY connection
 * (unique per shop domain) is the anchor, so repeated calls, and a reinstall after an uninstall, land on the same
 * tenant. Returns the tenant id.
 */
export async function installShopifyTenant(
  db: PrismaClient,
  input: { shop: string; shopName: string; scopes: string[] },
): Promise<{ tenantId: string; reinstalled: boolean }> {
  return db.$transaction(async (tx) => {
    // Remix runs a page's loaders in parallel, and on a first visit each may authenticate (and so install) at
    // once: a per-shop lock makes the second find what the first created instead of failing on the unique key.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`shopify-install:${input.shop}`}, 0))`;
    const existing = await tx.connection.findUnique({
      where: { provider_externalId: { provider: "SHOPIFY", externalId: input.shop } },
      select: { tenantId: true, status: true },
    });
    if (existing) {
      await tx.tenant.update({ where: { id: existing.tenantId }, data: { status: "ACTIVE", name: input.shopName } });
      await tx.connection.update({
        where: { provider_externalId: { provider: "SHOPIFY", externalId: input.shop } },
        data: { status: "ACTIVE", displayName: input.shopName, scopes: input.scopes, lastError: null },
      });
      if (existing.status !== "ACTIVE") await resolveConnectionIssues(tx, existing.tenantId, "SHOPIFY");
      if (existing.status === "DISCONNECTED") {
        await tx.auditLog.create({ data: { tenantId: existing.tenantId, actorType: "SYSTEM", action: "shopify.reinstalled", target: input.shop } });
      }
      return { tenantId: existing.tenantId, reinstalled: existing.status === "DISCONNECTED" };
    }
    const tenant = await tx.tenant.create({ data: { name: input.shopName, origin: "SHOPIFY" } });
    await tx.connection.create({
      data: { tenantId: tenant.id, provider: "SHOPIFY", externalId: input.shop, displayName: input.shopName, scopes: input.scopes },
    });
    await tx.auditLog.create({
      data: { tenantId: tenant.id, actorType: "SYSTEM", action: "tenant.installed", target: input.shop, details: { origin: "SHOPIFY" } },
    });
    return { tenantId: tenant.id, reinstalled: false };
  });
}

export async function findTenantIdByShop(db: Db, shop: string): Promise<string | null> {
  const connection = await db.connection.findUnique({
    where: { provider_externalId: { provider: "SHOPIFY", externalId: shop } },
    select: { tenantId: true },
  });
  return connection?.tenantId ?? null;
}

export async function getTenant(db: Db, tenantId: string) {
  return db.tenant.findUniqueOrThrow({ where: { id: tenantId } });
}

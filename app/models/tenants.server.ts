import type { Prisma, PrismaClient } from "~/db.server";
import type { ConnectedAccount } from "~/integrations/connections/types";
import type { KeyRing } from "~/security/encryption.server";
import { lockVendorAccount, resolveConnectionIssues, storeConnectionCredentials } from "./connections.server";

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * A Shopify shop's tenant, created by its first install and brought back by a reinstall: the SHOPIFY connection
 * (unique per shop domain) is the anchor, so repeated calls, and a reinstall after an uninstall, land on the same
 * tenant. Returns the tenant id.
 */
export async function installShopifyTenant(
  db: PrismaClient,
  // shopName unknown (a page's loader got there before afterAuth read it): an existing name is kept, a new
  // tenant is named after the domain until afterAuth names it.
  input: { shop: string; shopName?: string; scopes: string[] },
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
      await tx.tenant.update({ where: { id: existing.tenantId }, data: { status: "ACTIVE", ...(input.shopName && { name: input.shopName }) } });
      await tx.connection.update({
        where: { provider_externalId: { provider: "SHOPIFY", externalId: input.shop } },
        data: { status: "ACTIVE", ...(input.shopName && { displayName: input.shopName }), scopes: input.scopes, lastError: null },
      });
      if (existing.status !== "ACTIVE") await resolveConnectionIssues(tx, existing.tenantId, "SHOPIFY");
      if (existing.status === "DISCONNECTED") {
        await tx.auditLog.create({ data: { tenantId: existing.tenantId, actorType: "SYSTEM", action: "shopify.reinstalled", target: input.shop } });
      }
      return { tenantId: existing.tenantId, reinstalled: existing.status === "DISCONNECTED" };
    }
    const name = input.shopName ?? input.shop;
    const tenant = await tx.tenant.create({ data: { name, origin: "SHOPIFY" } });
    await tx.connection.create({
      data: { tenantId: tenant.id, provider: "SHOPIFY", externalId: input.shop, displayName: name, scopes: input.scopes },
    });
    await tx.auditLog.create({
      data: { tenantId: tenant.id, actorType: "SYSTEM", action: "tenant.installed", target: input.shop, details: { origin: "SHOPIFY" } },
    });
    return { tenantId: tenant.id, reinstalled: false };
  });
}

/**
 * Signing in with Square (the Square App Marketplace install and every later sign-in): the tenant that holds the
 * seller's SQUARE connection, or a new Square-first tenant on the seller's first visit. The fresh tokens replace
 * the stored ones, so signing in also repairs a connection that needed reauthorization.
 */
export async function signInSquareTenant(
  db: PrismaClient,
  keyRing: KeyRing,
  account: ConnectedAccount,
): Promise<{ tenantId: string; installed: boolean }> {
  return db.$transaction(async (tx) => {
    await lockVendorAccount(tx, "SQUARE", account.externalId);
    const existing = await tx.connection.findUnique({
      where: { provider_externalId: { provider: "SQUARE", externalId: account.externalId } },
      select: { tenantId: true },
    });
    let tenantId = existing?.tenantId;
    if (tenantId) {
      await tx.tenant.update({ where: { id: tenantId }, data: { status: "ACTIVE" } });
    } else {
      const tenant = await tx.tenant.create({ data: { name: account.displayName, origin: "SQUARE" } });
      tenantId = tenant.id;
      await tx.auditLog.create({
        data: { tenantId, actorType: "SYSTEM", action: "tenant.installed", target: account.externalId, details: { origin: "SQUARE" } },
      });
    }
    const actor = `square-merchant:${account.externalId}`;
    await storeConnectionCredentials(tx, keyRing, { ...account, tenantId, provider: "SQUARE", actor });
    await tx.auditLog.create({ data: { tenantId, actorType: "MERCHANT", actorId: actor, action: "merchant.signed_in", target: "SQUARE" } });
    return { tenantId, installed: !existing };
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

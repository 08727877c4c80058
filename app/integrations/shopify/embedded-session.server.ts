import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { installShopifyTenant } from "~/models/tenants.server";
import { authenticate } from "~/shopify.server";

/**
 * Authenticates an embedded admin request and resolves the merchant's tenant. Every /app loader and action goes
 * through here, so every query below it can be scoped to that tenant.
 *
 * A request that authenticates proves the shop has the app installed and authorized. The library's afterAuth
 * hook records that, but Remix runs a page's loaders in parallel and only one of them runs the hook, so the
 * others may get here first: they bring the connection back themselves (idempotent, under the install lock).
 */
export async function requireShopifyTenant(request: Request) {
  const context = await authenticate.admin(request);
  const shop = context.session.shop;
  const connection = await db().connection.findUnique({
    where: { provider_externalId: { provider: "SHOPIFY", externalId: shop } },
    select: { tenantId: true, status: true, displayName: true },
  });
  if (connection && connection.status !== "DISCONNECTED" && connection.status !== "NEEDS_REAUTH") {
    return { ...context, shop, tenantId: connection.tenantId };
  }
  const { tenantId } = await installShopifyTenant(db(), {
    shop,
    shopName: connection?.displayName ?? undefined,
    scopes: (context.session.scope ?? "").split(",").filter(Boolean),
  });
  return { ...context, shop, tenantId };
}

/**
 * The address of an app page inside the merchant's Shopify admin, for flows that leave the admin (vendor
 * consent pages) and must bring the merchant back: the sandbox's admin page, or admin.shopify.com.
 */
export function embeddedAdminUrl(shop: string, appPath: string): string {
  const config = getConfig();
  if (config.sandboxed.shopify) return `${config.sandbox.url}/store/${shop}/admin?path=${encodeURIComponent(appPath)}`;
  const handle = shop.replace(/\.myshopify\.com$/, "");
  return `https://admin.shopify.com/store/${handle}/apps/${config.shopify.apiKey}${appPath}`;
}

// Loads the library's node adapter, with the sandbox's App Bridge for its bounce page when Shopify is sandboxed.
import "~/integrations/shopify/app-bridge-url.server";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { shopifyLibraryLogger } from "~/integrations/shopify/api-client.server";
import { SHOPIFY_API_VERSION } from "~/integrations/shopify/api-version";
import { sandboxFetch } from "~/integrations/shopify/sandbox-routing.server";
import { PrismaSessionStorage } from "~/integrations/shopify/session-storage.server";
import { installShopifyTenant } from "~/models/tenants.server";
import { logger } from "~/observability/logger.server";
import { getKeyRing } from "~/security/key-ring.server";

const config = getConfig();

export const sessionStorage = new PrismaSessionStorage(db, () => getKeyRing(config));

const shopify = shopifyApp({
  apiKey: config.shopify.apiKey,
  apiSecretKey: config.shopify.apiSecret,
  apiVersion: SHOPIFY_API_VERSION,
  appUrl: config.shopify.appUrl,
  // Managed install: the scopes live in shopify.app.toml; SCOPES only matters for the legacy install flow.
  scopes: config.shopify.scopes.length > 0 ? config.shopify.scopes : undefined,
  authPathPrefix: "/auth",
  sessionStorage,
  distribution: AppDistribution.AppStore,
  future: { unstable_newEmbeddedAuthStrategy: true, expiringOfflineAccessTokens: true },
  logger: shopifyLibraryLogger,
  hooks: {
    afterAuth: async ({ session, admin }) => {
      const response = await admin.graphql(`#graphql
        query TillbridgeInstalledShop {
          shop {
            name
          }
        }`);
      const body = (await response.json()) as { data?: { shop?: { name?: string } } };
      const shopName = body.data?.shop?.name ?? session.shop;
      const { tenantId, reinstalled } = await installShopifyTenant(db(), {
        shop: session.shop,
        shopName,
        scopes: (session.scope ?? "").split(",").filter(Boolean),
      });
      await db().session.updateMany({ where: { shop: session.shop }, data: { tenantId } });
      logger.info({ tenantId, shop: session.shop, reinstalled }, "Shopify shop authorized");
    },
  },
});

// After the library's import-time fetch setup, so this one wins.
if (config.sandboxed.shopify) setAbstractFetchFunc(sandboxFetch(config.sandbox.url));

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;

import { LogSeverity, shopifyApi, type Shopify } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { getConfig } from "~/config.server";
import { logger } from "~/observability/logger.server";
import { SHOPIFY_API_VERSION } from "./api-version";
import { sandboxFetch } from "./sandbox-routing.server";

/** The Shopify libraries log through our logger, so their messages get the same redaction and request context. */
export const shopifyLibraryLogger = {
  level: LogSeverity.Warning,
  log: (severity: LogSeverity, message: string) => {
    const level = severity === LogSeverity.Error ? "error" : severity === LogSeverity.Warning ? "warn" : "debug";
    logger[level]({ component: "shopify" }, message);
  },
};

let client: Shopify | undefined;

/**
 * The `@shopify/shopify-api` object for work outside a merchant's request (jobs, webhook checks, token refresh):
 * what `shopifyApp()` builds inside for the Remix routes, with the same key, secret and API version. In sandbox
 * mode the library's requests to `<shop>.myshopify.com` go to the local sandbox (installed here, at first use,
 * after every adapter's import-time setup).
 */
export function shopifyApiClient(): Shopify {
  if (!client) {
    const config = getConfig();
    const appUrl = new URL(config.shopify.appUrl);
    client = shopifyApi({
      apiKey: config.shopify.apiKey,
      apiSecretKey: config.shopify.apiSecret,
      apiVersion: SHOPIFY_API_VERSION,
      hostName: appUrl.host,
      hostScheme: appUrl.protocol === "http:" ? "http" : "https",
      isEmbeddedApp: true,
      logger: shopifyLibraryLogger,
    });
    if (config.sandboxed.shopify) setAbstractFetchFunc(sandboxFetch(config.sandbox.url));
  }
  return client;
}

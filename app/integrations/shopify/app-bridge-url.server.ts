import { getConfig } from "~/config.server";

/**
 * Where the embedded pages load App Bridge from: Shopify's CDN, or the sandbox's stand-in when Shopify is
 * sandboxed (this machine, CI and the demo have no internet).
 */
export function appBridgeScriptUrl(): string | undefined {
  const config = getConfig();
  return config.sandboxed.shopify ? `${config.sandbox.url}/app-bridge.js` : undefined;
}

// The library's node adapter reads APP_BRIDGE_URL once, when it is imported, for its auth bounce page.
// This module is imported before the adapter (see shopify.server.ts) so the sandbox's script is used there too.
const override = appBridgeScriptUrl();
if (override) process.env.APP_BRIDGE_URL = override;

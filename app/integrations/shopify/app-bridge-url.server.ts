import { getConfig } from "~/config.server";

/**
 * Where the embedded pages load App Bridge from: Shopify's CDN, or the sandbox's stand-in when Shopify is
 * sandboxed (this machine, CI and the demo have no internet).
 */
export function appBridgeScriptUrl(): string | undefined {
  const config = getConfig();
  return config.sandboxed.shopify ? `${config.sandbox.url}/app-bridge.js` : undefined;
}

// The library's auth bounce page (/auth/session-token) takes its App Bridge script from APP_BRIDGE_URL, which the
// library's node adapter reads once, when the adapter module is evaluated. A static import of the adapter cannot
// follow the assignment below: the production server build hoists every package import above the application's
// own code, whatever the order in the source, so the adapter read the variable before it was set and the bounce
// page asked Shopify's CDN. Hence the variable first, then the adapter, loaded here and only here.
const override = appBridgeScriptUrl();
if (override) process.env.APP_BRIDGE_URL = override;
await import("@shopify/shopify-app-remix/adapters/node");

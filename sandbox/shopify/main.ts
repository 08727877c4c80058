/**
 * Runs the Shopify sandbox on its own: `npx tsx sandbox/shopify/main.ts`.
 * Environment: SANDBOX_PORT (3100), APP_URL (http://localhost:3000), SHOPIFY_API_KEY / SHOPIFY_API_SECRET (the
 * sandbox credentials), SHOPIFY_APP_TOML (./shopify.app.toml).
 */
import { SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET } from "./credentials";
import { DEMO_SHOP, startShopifySandbox } from "./index";

const sandbox = await startShopifySandbox({
  port: Number(process.env.SANDBOX_PORT ?? 3100),
  appUrl: process.env.APP_URL ?? "http://localhost:3000",
  apiKey: process.env.SHOPIFY_API_KEY || SANDBOX_SHOPIFY_API_KEY,
  apiSecret: process.env.SHOPIFY_API_SECRET || SANDBOX_SHOPIFY_API_SECRET,
  appTomlPath: process.env.SHOPIFY_APP_TOML,
});
console.log(`Shopify sandbox on ${sandbox.url} · admin: ${sandbox.url}/store/${DEMO_SHOP}/admin`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}

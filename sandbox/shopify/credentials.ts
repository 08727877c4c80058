/**
 * The app credentials the Tillbridge Shopify sandbox uses when no real Shopify app is configured. They only ever
 * sign tokens and webhooks between the app and the local sandbox, so they are public on purpose.
 */
export const SANDBOX_SHOPIFY_API_KEY = "tillbridge-sandbox";
export const SANDBOX_SHOPIFY_API_SECRET = "sandbox-secret-for-local-development-only";

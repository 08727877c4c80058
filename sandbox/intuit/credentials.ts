/**
 * The app credentials the Tillbridge Intuit sandbox uses when no real Intuit app is configured. They only ever
 * authenticate the app to the local sandbox and sign its webhooks, so they are public on purpose.
 */
export const SANDBOX_QUICKBOOKS_CLIENT_ID = "sandbox-ABtillbridge";
export const SANDBOX_QUICKBOOKS_CLIENT_SECRET = "sandbox-quickbooks-secret-local-development-only";
export const SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = "sandbox-quickbooks-verifier-token";

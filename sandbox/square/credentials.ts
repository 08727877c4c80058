/**
 * The app credentials the Tillbridge Square sandbox uses when no real Square application is configured. They only
 * ever sign webhooks and mint tokens between the app and the local sandbox, so they are public on purpose.
 */
export const SANDBOX_SQUARE_APPLICATION_ID = "sandbox-sq0idb-tillbridge";
export const SANDBOX_SQUARE_APPLICATION_SECRET = "sandbox-sq0csb-local-development-only";
export const SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY = "sandbox-square-webhook-signature-key";

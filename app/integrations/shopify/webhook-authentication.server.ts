import { countWebhook } from "~/observability/metrics.server";
import { authenticate } from "~/shopify.server";

/**
 * Shopify's own webhook check (HMAC over the raw body, required headers), with refusals counted in /metrics:
 * the library answers a bad delivery by throwing a Response (401 for the HMAC, 400 for missing headers).
 */
export async function authenticateShopifyWebhook(request: Request) {
  try {
    return await authenticate.webhook(request);
  } catch (thrown) {
    if (thrown instanceof Response) countWebhook("SHOPIFY", "rejected", thrown.status === 401 ? "signature" : "malformed");
    throw thrown;
  }
}

import { countWebhook } from "~/observability/metrics.server";
import { authenticate } from "~/shopify.server";
import type { ShopifyWebhook } from "~/webhooks/inbox.server";

/**
 * Shopify's own webhook check (HMAC over the raw body, required headers), with refusals counted in /metrics:
 * the library answers a bad delivery by throwing a Response (401 for the HMAC, 400 for missing headers).
 */
export async function authenticateShopifyWebhook(request: Request): Promise<ShopifyWebhook> {
  try {
    const { shop, topic, webhookId, eventId, payload } = await authenticate.webhook(request);
    return { shop, topic, webhookId, eventId, payload };
  } catch (thrown) {
    if (thrown instanceof Response) countWebhook("SHOPIFY", "rejected", thrown.status === 401 ? "signature" : "malformed");
    throw thrown;
  }
}

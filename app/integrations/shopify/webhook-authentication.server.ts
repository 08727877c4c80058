import { WebhookValidationErrorReason } from "@shopify/shopify-api";
import { countWebhook } from "~/observability/metrics.server";
import type { ShopifyWebhook } from "~/webhooks/inbox.server";
import { shopifyApiClient } from "./api-client.server";
import { readRawBody } from "~/webhooks/raw-body.server";

/** Shopify's own deliveries are small (an order with many lines is tens of kilobytes); more is refused unread. */
export const SHOPIFY_WEBHOOK_MAX_BYTES = 1024 * 1024;

/**
 * Verifies a Shopify delivery with the library's own check (`shopify.api.webhooks.validate`: HMAC over the raw
 * body in constant time, required X-Shopify-* headers) and answers refusals as `authenticate.webhook` does: 405
 * for another method, 401 for a bad HMAC, 400 for missing headers, plus 413 for an oversized body and 400 for a
 * body that is not JSON. Refusals are thrown as Responses and counted in /metrics.
 *
 * Not `authenticate.webhook` itself: after the same check it loads the shop's offline session and, when the
 * token is close to expiring, refreshes it: a database read per delivery, and a call to Shopify inside the
 * webhook request (racing the refresh job over the single-use refresh token). The inbox needs neither.
 */
export async function authenticateShopifyWebhook(request: Request): Promise<ShopifyWebhook> {
  if (request.method !== "POST") throw new Response(null, { status: 405, headers: { Allow: "POST" } });
  const rawBody = await readRawBody(request, SHOPIFY_WEBHOOK_MAX_BYTES);
  if (rawBody instanceof Response) throw refused(rawBody, "too_large");
  const check = await shopifyApiClient().webhooks.validate({ rawBody, rawRequest: request });
  if (!check.valid) {
    if (check.reason === WebhookValidationErrorReason.InvalidHmac) throw refused(new Response(null, { status: 401 }), "signature");
    throw refused(new Response(null, { status: 400 }), "malformed");
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    throw refused(new Response("Body is not JSON", { status: 400 }), "malformed");
  }
  return { shop: check.domain, topic: check.topic, webhookId: check.webhookId, eventId: "eventId" in check ? check.eventId : undefined, payload };
}

function refused(response: Response, reason: "signature" | "malformed" | "too_large"): Response {
  countWebhook("SHOPIFY", "rejected", reason);
  return response;
}

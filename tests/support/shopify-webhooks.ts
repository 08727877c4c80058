import { createHmac, randomUUID } from "node:crypto";

/** A webhook request as Shopify sends it: raw JSON body, base64 HMAC-SHA256 with the app secret, X-Shopify-* headers. */
export function shopifyWebhookRequest(options: {
  path: string;
  topic: string;
  shop: string;
  payload: unknown;
  secret: string;
  webhookId?: string;
  eventId?: string;
  hmac?: string;
  omitHeaders?: string[];
  /** Sent instead of the payload's JSON (signed all the same). */
  rawBody?: string;
}): Request {
  const body = options.rawBody ?? JSON.stringify(options.payload);
  // A retry repeats both ids: a caller that repeats a webhook id gets the same event id with it.
  const eventId = options.eventId ?? (options.webhookId ? `event-of-${options.webhookId}` : randomUUID());
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": options.topic,
    "X-Shopify-Hmac-Sha256": options.hmac ?? createHmac("sha256", options.secret).update(body).digest("base64"),
    "X-Shopify-Shop-Domain": options.shop,
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Webhook-Id": options.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": eventId,
    "X-Shopify-Triggered-At": new Date().toISOString(),
  };
  for (const name of options.omitHeaders ?? []) delete headers[name];
  return new Request(`http://localhost:3000${options.path}`, { method: "POST", headers, body });
}

import { createHmac, randomUUID } from "node:crypto";
import type { Faults } from "../common/faults";
import type { StatsCounter } from "./stats";
import { DeliveryLog, WebhookPoster } from "../common/webhook-delivery";

/**
 * Delivers events to the app as Square does (square-qbo.md §1 "Webhook helper" and §3 "Webhook envelope"):
 *  - one notification URL per subscription; the sandbox has one, webhookUrl;
 *  - envelope `{merchant_id, location_id?, type, event_id, created_at, data: {type, id?, object}}`;
 *  - `x-square-hmacsha256-signature` = base64(HMAC-SHA256(signature key, notification URL + raw body)), which is
 *    what the SDK's WebhooksHelper.verifySignature recomputes, so the app must use the exact registered URL;
 *  - Square waits 10 s for a 2xx and counts a 3xx as a failure (/docs/webhooks-api/delivery-sla). The sandbox
 *    records the outcome and does not retry (Square would, for 72 hours);
 *  - the webhook fault switches (duplicates, delays, reordering) apply to every delivery; a duplicate is the same
 *    request again, signature and event_id included.
 */

export interface SquareEvent {
  merchant_id: string;
  location_id?: string;
  type: string;
  event_id: string;
  created_at: string;
  /** `id` is absent where Square's event has none (catalog.version.updated). */
  data: { type: string; id?: string; object: Record<string, unknown> };
}

export interface WebhookDelivery {
  /** A sandbox id for the delivery; the event's own id is event_id. */
  id: string;
  eventId: string;
  merchantId: string;
  type: string;
  url: string;
  deliveredAt: string;
  /** HTTP status of the app's answer; null when the request failed (refused, timed out). */
  status: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
  body: string;
  signature: string;
  /** True for the second copy the duplicateRate switch sent. */
  duplicate: boolean;
}

const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_LOGGED_DELIVERIES = 200;

export function squareSignature(signatureKey: string, notificationUrl: string, body: string): string {
  return createHmac("sha256", signatureKey).update(notificationUrl + body, "utf8").digest("base64");
}

export function newEvent(merchantId: string, type: string, data: SquareEvent["data"], locationId?: string): SquareEvent {
  return {
    merchant_id: merchantId,
    ...(locationId !== undefined && { location_id: locationId }),
    type,
    event_id: randomUUID(),
    created_at: new Date().toISOString(),
    data,
  };
}

export class WebhookDispatcher {
  private readonly log = new DeliveryLog<WebhookDelivery>(MAX_LOGGED_DELIVERIES);
  private readonly poster = new WebhookPoster(DELIVERY_TIMEOUT_MS);

  constructor(private readonly options: { url: string; signatureKey: string; stats: StatsCounter; faults: Faults }) {}

  deliver(event: SquareEvent): Promise<WebhookDelivery> {
    const body = JSON.stringify(event);
    const signature = squareSignature(this.options.signatureKey, this.options.url, body);
    return this.options.faults.scheduleDelivery((duplicate) => this.send(event, body, signature, duplicate));
  }

  private async send(event: SquareEvent, body: string, signature: string, duplicate: boolean): Promise<WebhookDelivery> {
    const { url, stats } = this.options;
    const outcome = await this.poster.post(
      url,
      {
        "Content-Type": "application/json",
        "User-Agent": "Square Connect v2",
        "x-square-hmacsha256-signature": signature,
        "square-environment": "Sandbox",
        "square-initial-delivery-timestamp": event.created_at,
        "square-retry-number": "0",
      },
      body,
    );
    stats.count(outcome.ok ? "webhooksDelivered" : "webhooksFailed");
    return this.log.add({
      id: randomUUID(),
      eventId: event.event_id,
      merchantId: event.merchant_id,
      type: event.type,
      url,
      deliveredAt: new Date().toISOString(),
      ...outcome,
      body,
      signature,
      duplicate,
    });
  }

  deliveries(): WebhookDelivery[] {
    return this.log.list();
  }

  close(): void {
    this.poster.close();
  }
}

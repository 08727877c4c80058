import { createHmac, randomUUID } from "node:crypto";
import type { Faults } from "../common/faults";
import type { AppConfig } from "./app-config";
import type { StatsCounter } from "./stats";
import { DeliveryLog, WebhookPoster } from "../common/webhook-delivery";

/**
 * Delivers webhooks to the app as Shopify does for app-specific (toml) subscriptions: a JSON POST signed with the
 * client secret, with Shopify's headers, to each subscription of the topic. Shopify gives a delivery 5 seconds
 * and treats anything but 2xx as a failure (shopify.dev "Deliver webhooks through HTTPS"); the sandbox records
 * the outcome and does not retry. The webhook fault switches (duplicates, delays, reordering) apply to every
 * delivery; a duplicate is the same request again, X-Shopify-Webhook-Id included.
 */

export interface WebhookDelivery {
  /** X-Shopify-Webhook-Id: new for every delivery, redeliveries included (a duplicate repeats it). */
  id: string;
  /** X-Shopify-Event-Id: the same for every delivery of one event. */
  eventId: string;
  shop: string;
  topic: string;
  url: string;
  apiVersion: string;
  triggeredAt: string;
  deliveredAt: string;
  /** HTTP status of the app's answer; null when the request failed (refused, timed out). */
  status: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
  body: string;
  /** True for the second copy the duplicateRate switch sent. */
  duplicate: boolean;
}

type DeliveryEvent = Pick<WebhookDelivery, "eventId" | "shop" | "topic" | "url" | "triggeredAt" | "body">;

const DELIVERY_TIMEOUT_MS = 5_000;
const MAX_LOGGED_DELIVERIES = 200;

export function webhookHmac(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

/**
 * Where the app receives a subscription: a uri relative to the app URL as written in the toml, or an absolute
 * URL, whose path is then delivered to the app URL the sandbox was given (the toml points at production or a
 * tunnel, the sandbox at the local app).
 */
export function deliveryUrl(appUrl: string, uri: string): string {
  const base = appUrl.replace(/\/+$/, "");
  if (/^https?:\/\//i.test(uri)) {
    const absolute = new URL(uri);
    return `${base}${absolute.pathname}${absolute.search}`;
  }
  return `${base}${uri.startsWith("/") ? uri : `/${uri}`}`;
}

export class WebhookDispatcher {
  private readonly log = new DeliveryLog<WebhookDelivery>(MAX_LOGGED_DELIVERIES);
  private readonly poster = new WebhookPoster(DELIVERY_TIMEOUT_MS);

  constructor(
    private readonly options: { appUrl: string; apiSecret: string; config: AppConfig; stats: StatsCounter; faults: Faults },
  ) {}

  /** The app URLs subscribed to a topic (usually one). */
  targets(topic: string): string[] {
    return this.options.config.subscriptions
      .filter((subscription) => subscription.topics.includes(topic))
      .map((subscription) => deliveryUrl(this.options.appUrl, subscription.uri));
  }

  /** Delivers one event to every subscription of its topic; none when the toml does not subscribe to it. */
  async deliverEvent(shop: string, topic: string, payload: unknown): Promise<WebhookDelivery[]> {
    const eventId = randomUUID();
    const triggeredAt = new Date().toISOString();
    const body = JSON.stringify(payload);
    return Promise.all(this.targets(topic).map((url) => this.schedule({ eventId, shop, topic, url, triggeredAt, body })));
  }

  /** Sends a logged delivery again: same event, body and trigger time, new webhook id. */
  async redeliver(id: string): Promise<WebhookDelivery | undefined> {
    const original = this.log.find((delivery) => delivery.id === id);
    return original && this.schedule(original);
  }

  deliveries(): WebhookDelivery[] {
    return this.log.list();
  }

  close(): void {
    this.poster.close();
  }

  /** One delivery (one webhook id) under the webhook fault switches. */
  private schedule(event: DeliveryEvent): Promise<WebhookDelivery> {
    const id = randomUUID();
    return this.options.faults.scheduleDelivery((duplicate) => this.send(event, id, duplicate));
  }

  private async send(event: DeliveryEvent, id: string, duplicate: boolean): Promise<WebhookDelivery> {
    const { apiSecret, config, stats } = this.options;
    // Shopify counts only 2xx as delivered; a redirect is a failure too (the shared poster's rule).
    const outcome = await this.poster.post(
      event.url,
      {
        "Content-Type": "application/json",
        "User-Agent": "Shopify-Captain-Hook",
        "X-Shopify-Topic": event.topic,
        "X-Shopify-Hmac-Sha256": webhookHmac(event.body, apiSecret),
        "X-Shopify-Shop-Domain": event.shop,
        "X-Shopify-API-Version": config.webhookApiVersion,
        "X-Shopify-Webhook-Id": id,
        "X-Shopify-Event-Id": event.eventId,
        "X-Shopify-Triggered-At": event.triggeredAt,
      },
      event.body,
    );
    stats.count(event.shop, outcome.ok ? "webhooksDelivered" : "webhooksFailed");
    return this.log.add({ ...event, id, apiVersion: config.webhookApiVersion, deliveredAt: new Date().toISOString(), ...outcome, duplicate });
  }
}

import { createHmac, randomUUID } from "node:crypto";
import type { Faults } from "../common/faults";
import type { StatsCounter } from "./stats";
import { DeliveryLog, WebhookPoster } from "../common/webhook-delivery";

/**
 * QuickBooks webhooks in the CloudEvents format Intuit made mandatory in 2026 (Intuit blog 2025-11-12 "Upcoming
 * change to webhooks payload structure", reference §7): a JSON array of events
 * `{specversion, id, source, type: "qbo.<entity>.<operation>.v1", datacontenttype, time, intuitentityid,
 * intuitaccountid (the realm id), data}`, POSTed to the app's webhook endpoint (default
 * `${appUrl}/webhooks/quickbooks`) with the header `intuit-signature` = base64(HMAC-SHA256(verifier token, raw
 * body)). Intuit expects a 2xx within 3 s; this sandbox makes one attempt with that timeout. Intuit's retry
 * schedule is not modelled; a redelivery sends a logged delivery again byte for byte, as Intuit's retries do.
 * The webhook fault switches (duplicates, delays, reordering) apply to every first delivery; a duplicate is the
 * same request again.
 */

export interface WebhookEventInput {
  realmId: string;
  /** QuickBooks entity name, e.g. "Item", "SalesReceipt". */
  entity: string;
  /** e.g. "created", "updated", "deleted", "merged", "voided". */
  operation: string;
  entityId: string;
  data?: Record<string, unknown>;
}

export interface CloudEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  datacontenttype: "application/json";
  time: string;
  intuitentityid: string;
  intuitaccountid: string;
  data: Record<string, unknown>;
}

export interface WebhookDelivery {
  id: string;
  url: string;
  events: CloudEvent[];
  /** The raw body as sent (and signed). */
  body: string;
  signature: string;
  deliveredAt: string;
  /** HTTP status of the app's answer; null when it could not be reached or timed out. */
  status: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
  /** True for the second copy the duplicateRate switch sent. */
  duplicate: boolean;
}

const DELIVERY_TIMEOUT_MS = 3_000;
const MAX_DELIVERIES = 200;

export function signWebhookBody(body: string, verifierToken: string): string {
  return createHmac("sha256", verifierToken).update(body).digest("base64");
}

export class WebhookDispatcher {
  private readonly log = new DeliveryLog<WebhookDelivery>(MAX_DELIVERIES);
  private readonly poster = new WebhookPoster(DELIVERY_TIMEOUT_MS);

  constructor(
    private readonly options: { url: string; verifierToken: string; stats: StatsCounter; now: () => number; faults: Faults },
  ) {}

  /** CloudEvents for the inputs, timed by the sandbox clock. The source is not documented: the sandbox's choice. */
  events(inputs: WebhookEventInput[]): CloudEvent[] {
    const time = new Date(this.options.now()).toISOString();
    return inputs.map((input) => ({
      specversion: "1.0",
      id: randomUUID(),
      source: "intuit.quickbooks.sandbox",
      type: `qbo.${input.entity.toLowerCase()}.${input.operation.toLowerCase()}.v1`,
      datacontenttype: "application/json",
      time,
      intuitentityid: input.entityId,
      intuitaccountid: input.realmId,
      data: input.data ?? {},
    }));
  }

  deliver(events: CloudEvent[]): Promise<WebhookDelivery> {
    const body = JSON.stringify(events);
    return this.options.faults.scheduleDelivery((duplicate) => this.send(events, body, duplicate));
  }

  /** Sends a logged delivery again, same events and bytes, as Intuit retries one it saw fail. */
  async redeliver(id: string): Promise<WebhookDelivery | undefined> {
    const original = this.log.find((delivery) => delivery.id === id);
    return original && this.send(original.events, original.body, false);
  }

  deliveries(): WebhookDelivery[] {
    return this.log.list();
  }

  /** Aborts deliveries in flight, so close() does not wait for a slow app. */
  close(): void {
    this.poster.close();
  }

  private async send(events: CloudEvent[], body: string, duplicate: boolean): Promise<WebhookDelivery> {
    const { url, verifierToken, stats, now } = this.options;
    const signature = signWebhookBody(body, verifierToken);
    const deliveredAt = new Date(now()).toISOString();
    const outcome = await this.poster.post(url, { "content-type": "application/json", "intuit-signature": signature, "user-agent": "Intuit-Webhooks-Sandbox" }, body);
    for (const realmId of new Set(events.map((event) => event.intuitaccountid))) {
      stats.count(realmId, outcome.ok ? "webhooksDelivered" : "webhooksFailed");
    }
    return this.log.add({ id: randomUUID(), url, events, body, signature, deliveredAt, ...outcome, duplicate });
  }
}

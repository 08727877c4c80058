import { createHmac, randomUUID } from "node:crypto";
import type { Faults } from "../common/faults";
import type { StatsCounter } from "./stats";

/**
 * QuickBooks webhooks in the CloudEvents format Intuit made mandatory in 2026 (Intuit blog 2025-11-12 "Upcoming
 * change to webhooks payload structure", reference §7): a JSON array of events
 * `{specversion, id, source, type: "qbo.<entity>.<operation>.v1", datacontenttype, time, intuitentityid,
 * intuitaccountid (the realm id), data}`, POSTed to `${appUrl}/webhooks/quickbooks` with the header
 * `intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)). Intuit expects a 2xx within 3 s; this
 * sandbox makes one attempt with that timeout (Intuit's retry schedule is not modelled). The webhook fault
 * switches (duplicates, delays, reordering) apply to every delivery; a duplicate is the same request again.
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
  signature: string;
  deliveredAt: string;
  /** HTTP status of the app's answer; null when it could not be reached or timed out. */
  status: number | null;
  ok: boolean;
  error?: string;
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
  private readonly log: WebhookDelivery[] = [];
  private readonly controller = new AbortController();

  constructor(
    private readonly options: { appUrl: string; verifierToken: string; stats: StatsCounter; now: () => number; faults: Faults },
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
    const signature = signWebhookBody(body, this.options.verifierToken);
    return this.options.faults.scheduleDelivery((duplicate) => this.send(events, body, signature, duplicate));
  }

  private async send(events: CloudEvent[], body: string, signature: string, duplicate: boolean): Promise<WebhookDelivery> {
    const url = `${this.options.appUrl.replace(/\/+$/, "")}/webhooks/quickbooks`;
    const started = Date.now();
    const delivery: WebhookDelivery = { id: randomUUID(), url, events, signature, deliveredAt: new Date(this.options.now()).toISOString(), status: null, ok: false, durationMs: 0, duplicate };
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "intuit-signature": signature, "user-agent": "Intuit-Webhooks-Sandbox" },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(DELIVERY_TIMEOUT_MS), this.controller.signal]),
      });
      await response.body?.cancel();
      delivery.status = response.status;
      delivery.ok = response.ok;
    } catch (error) {
      delivery.error = (error as Error).message;
    }
    delivery.durationMs = Date.now() - started;
    for (const realmId of new Set(events.map((event) => event.intuitaccountid))) {
      this.options.stats.count(realmId, delivery.ok ? "webhooksDelivered" : "webhooksFailed");
    }
    this.log.unshift(delivery);
    this.log.length = Math.min(this.log.length, MAX_DELIVERIES);
    return delivery;
  }

  deliveries(): WebhookDelivery[] {
    return [...this.log];
  }

  /** Aborts deliveries in flight, so close() does not wait for a slow app. */
  close(): void {
    this.controller.abort();
  }
}

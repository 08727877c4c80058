import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Prisma, PrismaClient } from "~/db.server";
import { recordWebhookEvents, type InboxQueue } from "~/webhooks/inbox.server";

/**
 * QuickBooks Online webhooks in the CloudEvents format Intuit made mandatory in 2026: the body is a JSON array of
 * events, each naming its company (`intuitaccountid`, the realm id), and `intuit-signature` is
 * base64(HMAC-SHA256(verifier token, raw body)), compared in constant time. Intuit wants a 2xx within 3 seconds
 * and holds later events back while one delivery keeps failing, so a delivery is only verified and stored here,
 * with a processing job per event (app/webhooks/processing.server.ts); nothing calls QuickBooks in the request.
 */

export const QUICKBOOKS_WEBHOOK_MAX_BYTES = 1024 * 1024;
/** Intuit batches events (over 1 to 5 minutes in production); far more than one delivery holds, still bounded. */
export const QUICKBOOKS_WEBHOOK_MAX_EVENTS = 1000;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function isValidIntuitSignature(input: { verifierToken: string; rawBody: string; signature: string | null }): boolean {
  // Buffer.from skips characters that are not base64, so a garbled header is refused before it is decoded.
  if (!input.signature || !BASE64.test(input.signature)) return false;
  const expected = createHmac("sha256", input.verifierToken).update(input.rawBody, "utf8").digest();
  const given = Buffer.from(input.signature, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * One event as Intuit sends it. Loose: fields Intuit adds (datacontenttype today, others later) are kept, since the
 * event is stored as received. `data` is stored as it comes and validated by whatever reads it.
 */
const quickBooksEventSchema = z.looseObject({
  specversion: z.literal("1.0"),
  id: z.string().min(1),
  source: z.string().min(1),
  /** e.g. qbo.customer.created.v1 */
  type: z.string().min(1),
  time: z.string().optional(),
  intuitentityid: z.string().optional(),
  /** The realm id of the company the event is about. */
  intuitaccountid: z.string().min(1),
  data: z.unknown().optional(),
});

const quickBooksDeliverySchema = z.array(quickBooksEventSchema).min(1).max(QUICKBOOKS_WEBHOOK_MAX_EVENTS);

export type QuickBooksEvent = z.output<typeof quickBooksEventSchema>;

/** The delivery's events, or null when the body is not JSON or not a CloudEvents array as Intuit sends it. */
export function parseQuickBooksEvents(rawBody: string): QuickBooksEvent[] | null {
  try {
    const parsed = quickBooksDeliverySchema.safeParse(JSON.parse(rawBody));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Stores a delivery's events in the inbox, with their processing jobs, in one transaction: each under its
 * CloudEvents id, with the tenant that holds the company (null for a company no tenant has connected: stored,
 * answered, dropped by processing). An event seen before, in an earlier delivery or earlier in this one, changes
 * nothing and counts as a duplicate.
 */
export async function receiveQuickBooksEvents(db: PrismaClient, queue: InboxQueue, events: QuickBooksEvent[]): Promise<{ stored: number; duplicate: number }> {
  return db.$transaction(async (tx) => {
    const realmIds = [...new Set(events.map((event) => event.intuitaccountid))];
    const connections = await tx.connection.findMany({
      where: { provider: "QUICKBOOKS", externalId: { in: realmIds } },
      select: { externalId: true, tenantId: true },
    });
    const tenantByRealm = new Map(connections.map((connection) => [connection.externalId, connection.tenantId]));
    const fresh = await recordWebhookEvents(
      tx,
      queue,
      events.map((event) => ({
        provider: "QUICKBOOKS" as const,
        externalEventId: event.id,
        topic: event.type,
        accountRef: event.intuitaccountid,
        tenantId: tenantByRealm.get(event.intuitaccountid) ?? null,
        payload: event as Prisma.InputJsonValue,
      })),
    );
    const stored = fresh.filter(Boolean).length;
    return { stored, duplicate: events.length - stored };
  });
}

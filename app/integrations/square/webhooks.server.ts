import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { recordWebhookEvent, type InboxQueue } from "~/webhooks/inbox.server";
import type { IncomingWebhookEvent } from "~/webhooks/inbox-writer.server";

/**
 * Square webhooks: `x-square-hmacsha256-signature` is base64(HMAC-SHA256(signature key, notification URL + raw
 * body)), compared in constant time. Every verified event is stored in the inbox before the answer; an
 * authorization revoked at Square disconnects the connection in the same transaction.
 */

export const SQUARE_WEBHOOK_MAX_BYTES = 1024 * 1024;

export function isValidSquareSignature(input: { signatureKey: string; notificationUrl: string; rawBody: string; signature: string | null }): boolean {
  if (!input.signature) return false;
  const expected = createHmac("sha256", input.signatureKey).update(input.notificationUrl + input.rawBody).digest();
  const given = Buffer.from(input.signature, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const squareEventSchema = z.object({
  merchant_id: z.string().min(1),
  type: z.string().min(1),
  event_id: z.string().min(1),
  created_at: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export type SquareEvent = z.output<typeof squareEventSchema>;

export function parseSquareEvent(rawBody: string): SquareEvent | null {
  try {
    const parsed = squareEventSchema.safeParse(JSON.parse(rawBody));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** What the inbox keeps of a Square event: keyed by event id, routed by merchant id. */
export function squareInboxEvent(event: SquareEvent, rawPayload: unknown): IncomingWebhookEvent {
  return { provider: "SQUARE", externalEventId: event.event_id, topic: event.type, accountRef: event.merchant_id, payload: rawPayload as Prisma.InputJsonValue };
}

export function isSquareRevocation(event: SquareEvent): boolean {
  return event.type === "oauth.authorization.revoked";
}

/**
 * `oauth.authorization.revoked`: stored, and the connection disconnected and its syncs stopped in the same
 * transaction, so nothing syncs in between.
 */
export async function receiveSquareRevocation(db: PrismaClient, queue: InboxQueue, event: SquareEvent, rawPayload: unknown): Promise<"stored" | "duplicate"> {
  return db.$transaction(async (tx) => {
    const connection = await tx.connection.findUnique({
      where: { provider_externalId: { provider: "SQUARE", externalId: event.merchant_id } },
      select: { id: true, tenantId: true },
    });
    const fresh = await recordWebhookEvent(tx, queue, {
      provider: "SQUARE",
      externalEventId: event.event_id,
      topic: event.type,
      accountRef: event.merchant_id,
      tenantId: connection?.tenantId ?? null,
      payload: rawPayload as Prisma.InputJsonValue,
      status: "PROCESSED",
    });
    if (!fresh) return "duplicate";
    if (connection) {
      await tx.connection.update({
        where: { id: connection.id },
        data: { status: "DISCONNECTED", credentialsEncrypted: null, accessTokenExpiresAt: null, refreshTokenExpiresAt: null, lastError: "Square access was revoked." },
      });
      await tx.sync.updateMany({ where: { tenantId: connection.tenantId, OR: [{ sourceConnectionId: connection.id }, { targetConnectionId: connection.id }] }, data: { enabled: false } });
      await tx.auditLog.create({ data: { tenantId: connection.tenantId, actorType: "SYSTEM", action: "connection.revoked_upstream", target: "SQUARE", details: { eventId: event.event_id } } });
    }
    return "stored";
  });
}

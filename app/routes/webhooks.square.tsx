import type { ActionFunctionArgs } from "@remix-run/node";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { isSquareRevocation, isValidSquareSignature, parseSquareEvent, receiveSquareRevocation, SQUARE_WEBHOOK_MAX_BYTES, squareInboxEvent } from "~/integrations/square/webhooks.server";
import { countWebhook } from "~/observability/metrics.server";
import { runningJobQueue } from "~/runtime.server";
import { recordIncomingWebhookEvent } from "~/webhooks/inbox-writer.server";
import { readRawBody } from "~/webhooks/raw-body.server";

const methodNotAllowed = () => new Response(null, { status: 405, headers: { Allow: "POST" } });

// Square's webhook subscription points here. Verified, stored with its processing job, answered well within
// Square's 10 seconds; no call to Square inside the request.
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed();
  const rawBody = await readRawBody(request, SQUARE_WEBHOOK_MAX_BYTES);
  if (rawBody instanceof Response) {
    countWebhook("SQUARE", "rejected", "too_large");
    return rawBody;
  }
  const config = getConfig();
  const valid = isValidSquareSignature({
    signatureKey: config.square.webhookSignatureKey,
    notificationUrl: `${config.appUrl}/webhooks/square`,
    rawBody,
    signature: request.headers.get("x-square-hmacsha256-signature"),
  });
  if (!valid) {
    countWebhook("SQUARE", "rejected", "signature");
    return new Response("Invalid signature", { status: 401 });
  }
  const event = parseSquareEvent(rawBody);
  if (!event) {
    countWebhook("SQUARE", "rejected", "malformed");
    return new Response("Not a Square event", { status: 400 });
  }
  const payload: unknown = JSON.parse(rawBody);
  if (isSquareRevocation(event)) await receiveSquareRevocation(db(), runningJobQueue(), event, payload);
  else await recordIncomingWebhookEvent(squareInboxEvent(event, payload));
  return new Response(null, { status: 200 });
};

// Without a loader Remix would answer a GET with 400, as if the request were malformed.
export const loader = methodNotAllowed;

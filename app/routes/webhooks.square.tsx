import type { ActionFunctionArgs } from "@remix-run/node";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { runningJobQueue } from "~/runtime.server";
import { isValidSquareSignature, parseSquareEvent, receiveSquareEvent, SQUARE_WEBHOOK_MAX_BYTES } from "~/integrations/square/webhooks.server";
import { readRawBody } from "~/webhooks/raw-body.server";

// Square's webhook subscription points here. Verified, stored, answered; no call to Square inside the request.
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return new Response(null, { status: 405 });
  const rawBody = await readRawBody(request, SQUARE_WEBHOOK_MAX_BYTES);
  if (rawBody instanceof Response) return rawBody;
  const config = getConfig();
  const valid = isValidSquareSignature({
    signatureKey: config.square.webhookSignatureKey,
    notificationUrl: `${config.appUrl}/webhooks/square`,
    rawBody,
    signature: request.headers.get("x-square-hmacsha256-signature"),
  });
  if (!valid) return new Response("Invalid signature", { status: 401 });
  const event = parseSquareEvent(rawBody);
  if (!event) return new Response("Not a Square event", { status: 400 });
  await receiveSquareEvent(db(), runningJobQueue(), event, JSON.parse(rawBody));
  return new Response(null, { status: 200 });
};

import type { ActionFunctionArgs } from "@remix-run/node";
import { Prisma } from "~/generated/prisma/client";
import { authenticateShopifyWebhook } from "~/integrations/shopify/webhook-authentication.server";
import { shopifyInboxKey } from "~/webhooks/inbox.server";
import { recordIncomingWebhookEvent } from "~/webhooks/inbox-writer.server";

/**
 * Order, refund, product and inventory topics (declared in shopify.app.toml) land here: verified, stored in the
 * inbox with their processing job, acknowledged (app/webhooks/processing.server.ts).
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await authenticateShopifyWebhook(request);
  await recordIncomingWebhookEvent({
    provider: "SHOPIFY",
    externalEventId: shopifyInboxKey(webhook),
    topic: webhook.topic,
    accountRef: webhook.shop,
    payload: (webhook.payload ?? Prisma.JsonNull) as Prisma.InputJsonValue,
  });
  return new Response(null, { status: 200 });
};

import type { ActionFunctionArgs } from "@remix-run/node";
import { db } from "~/db.server";
import { handleShopRedact, shopRedactPayload } from "~/privacy/shopify-privacy.server";
import { authenticateShopifyWebhook } from "~/integrations/shopify/webhook-authentication.server";

// Mandatory compliance webhook (compliance_topics in shopify.app.toml).
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await authenticateShopifyWebhook(request);
  if (!shopRedactPayload.safeParse(webhook.payload).success) return Response.json({ error: "not a shop/redact payload" }, { status: 400 });
  await handleShopRedact(db(), webhook);
  return new Response(null, { status: 200 });
};

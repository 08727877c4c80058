import type { ActionFunctionArgs } from "@remix-run/node";
import { db } from "~/db.server";
import { customersRedactPayload, handleCustomersRedact } from "~/privacy/shopify-privacy.server";
import { authenticateShopifyWebhook } from "~/integrations/shopify/webhook-authentication.server";

// Mandatory compliance webhook (compliance_topics in shopify.app.toml).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, topic, webhookId, payload } = await authenticateShopifyWebhook(request);
  const parsed = customersRedactPayload.safeParse(payload);
  if (!parsed.success) return Response.json({ error: "not a customers/redact payload" }, { status: 400 });
  await handleCustomersRedact(db(), { shop, topic, webhookId, payload }, parsed.data);
  return new Response(null, { status: 200 });
};

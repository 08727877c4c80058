import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { db } from "~/db.server";
import { handleScopesUpdate } from "~/integrations/shopify/lifecycle.server";
import { authenticateShopifyWebhook } from "~/integrations/shopify/webhook-authentication.server";

const scopesUpdatePayload = z.object({ current: z.array(z.string()) });

// Declared in shopify.app.toml.
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await authenticateShopifyWebhook(request);
  const parsed = scopesUpdatePayload.safeParse(webhook.payload);
  if (!parsed.success) return Response.json({ error: "payload.current must be a list of scopes" }, { status: 400 });
  await handleScopesUpdate(db(), webhook, parsed.data.current);
  return new Response(null, { status: 200 });
};

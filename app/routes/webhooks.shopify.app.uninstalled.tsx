import type { ActionFunctionArgs } from "@remix-run/node";
import { db } from "~/db.server";
import { handleAppUninstalled } from "~/integrations/shopify/lifecycle.server";
import { authenticate } from "~/shopify.server";

// Declared in shopify.app.toml. Shopify may deliver this more than once, and after the sessions are gone.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, topic, webhookId } = await authenticate.webhook(request);
  await handleAppUninstalled(db(), { shop, topic, webhookId, payload: null });
  return new Response(null, { status: 200 });
};

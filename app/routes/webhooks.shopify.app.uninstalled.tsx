import type { ActionFunctionArgs } from "@remix-run/node";
import { db } from "~/db.server";
import { handleAppUninstalled } from "~/integrations/shopify/lifecycle.server";
import { disconnectTenantConnectionsJob } from "~/jobs/definitions.server";
import { jobQueue } from "~/runtime.server";
import { authenticateShopifyWebhook } from "~/integrations/shopify/webhook-authentication.server";

// Declared in shopify.app.toml. Shopify may deliver this more than once, and after the sessions are gone.
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await authenticateShopifyWebhook(request);
  // The merchant's Square and QuickBooks authorizations are revoked by a job, enqueued in the same transaction:
  // no vendor call inside a webhook request, and no uninstall without it.
  await handleAppUninstalled(db(), { ...webhook, payload: null }, (tx, tenantId) =>
    jobQueue().send(disconnectTenantConnectionsJob, { tenantId, reason: "Tillbridge was uninstalled from Shopify" }, { tx }),
  );
  return new Response(null, { status: 200 });
};

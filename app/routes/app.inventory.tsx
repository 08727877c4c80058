import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { InventoryPage } from "~/components/InventoryPage";
import { db } from "~/db.server";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { jobQueue } from "~/runtime.server";
import { loadInventoryPage, performInventoryAction } from "~/sync/inventory/inventory-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireShopifyTenant(request);
  return loadInventoryPage(db(), tenantId);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, sessionToken } = await requireShopifyTenant(request);
  return performInventoryAction(db(), jobQueue(), { tenantId, actor: `shopify-user:${sessionToken.sub}` }, Object.fromEntries(await request.formData()));
};

export default function Inventory() {
  return <InventoryPage {...useLoaderData<typeof loader>()} />;
}

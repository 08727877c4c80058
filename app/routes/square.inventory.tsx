import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { InventoryPage } from "~/components/InventoryPage";
import { db } from "~/db.server";
import { jobQueue } from "~/runtime.server";
import { requireSquareMerchant } from "~/security/merchant-session.server";
import { loadInventoryPage, performInventoryAction } from "~/sync/inventory/inventory-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireSquareMerchant(db(), request);
  return loadInventoryPage(db(), tenantId);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, squareMerchantId } = await requireSquareMerchant(db(), request);
  return performInventoryAction(db(), jobQueue(), { tenantId, actor: `square-merchant:${squareMerchantId}` }, Object.fromEntries(await request.formData()));
};

export default function SquareInventory() {
  return <InventoryPage {...useLoaderData<typeof loader>()} />;
}

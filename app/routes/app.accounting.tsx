import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AccountingPage } from "~/components/AccountingPage";
import { db } from "~/db.server";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { jobQueue } from "~/runtime.server";
import { loadAccountingPage, performAccountingAction } from "~/sync/accounting/accounting-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireShopifyTenant(request);
  return loadAccountingPage(db(), tenantId);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, sessionToken } = await requireShopifyTenant(request);
  return performAccountingAction(db(), jobQueue(), { tenantId, actor: `shopify-user:${sessionToken.sub}` }, Object.fromEntries(await request.formData()));
};

export default function Accounting() {
  return <AccountingPage {...useLoaderData<typeof loader>()} />;
}

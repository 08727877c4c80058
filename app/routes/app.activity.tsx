import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ActivityPage } from "~/components/ActivityPage";
import { db } from "~/db.server";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { jobQueue } from "~/runtime.server";
import { loadActivityPage, performActivityAction } from "~/sync/activity-page.server";
import { retryJobSender } from "~/sync/retry-jobs.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireShopifyTenant(request);
  return loadActivityPage(db(), tenantId);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, sessionToken } = await requireShopifyTenant(request);
  const form = Object.fromEntries(await request.formData());
  return performActivityAction(db(), form, { tenantId, actor: `shopify-user:${sessionToken.sub}`, send: retryJobSender(jobQueue()) });
};

export default function Activity() {
  return <ActivityPage {...useLoaderData<typeof loader>()} />;
}

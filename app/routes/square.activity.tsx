import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ActivityPage } from "~/components/ActivityPage";
import { db } from "~/db.server";
import { jobQueue } from "~/runtime.server";
import { requireSquareMerchant } from "~/security/merchant-session.server";
import { loadActivityPage, performActivityAction } from "~/sync/activity-page.server";
import { retryJobSender } from "~/sync/retry-jobs.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireSquareMerchant(db(), request);
  return loadActivityPage(db(), tenantId);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, squareMerchantId } = await requireSquareMerchant(db(), request);
  const form = Object.fromEntries(await request.formData());
  return performActivityAction(db(), form, { tenantId, actor: `square-merchant:${squareMerchantId}`, send: retryJobSender(jobQueue()) });
};

export default function SquareActivity() {
  return <ActivityPage {...useLoaderData<typeof loader>()} />;
}

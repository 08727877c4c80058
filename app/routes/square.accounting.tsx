import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AccountingPage } from "~/components/AccountingPage";
import { db } from "~/db.server";
import { jobQueue } from "~/runtime.server";
import { requireSquareMerchant } from "~/security/merchant-session.server";
import { loadAccountingPage, performAccountingAction } from "~/sync/accounting/accounting-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireSquareMerchant(db(), request);
  return loadAccountingPage(db(), tenantId);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, squareMerchantId } = await requireSquareMerchant(db(), request);
  return performAccountingAction(db(), jobQueue(), { tenantId, actor: `square-merchant:${squareMerchantId}` }, Object.fromEntries(await request.formData()));
};

export default function SquareAccounting() {
  return <AccountingPage {...useLoaderData<typeof loader>()} />;
}

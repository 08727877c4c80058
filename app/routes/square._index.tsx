import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { OverviewPage } from "~/components/OverviewCards";
import { db } from "~/db.server";
import { overviewConnections } from "~/integrations/connections/connections-page.server";
import { listRecentMerchantEvents } from "~/models/audit-log.server";
import { getTenant } from "~/models/tenants.server";
import { requireSquareMerchant } from "~/security/merchant-session.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId, squareMerchantId } = await requireSquareMerchant(db(), request);
  const [tenant, connections, events] = await Promise.all([getTenant(db(), tenantId), overviewConnections(db(), tenantId), listRecentMerchantEvents(db(), tenantId)]);
  return { businessName: tenant.name, squareMerchantId, memberSince: tenant.createdAt.toISOString(), connections, events };
};

export default function SquareOverview() {
  const { businessName, squareMerchantId, memberSince, connections, events } = useLoaderData<typeof loader>();
  return (
    <OverviewPage
      accountName={businessName}
      accountDetails={`Square seller ${squareMerchantId}`}
      memberSince={memberSince}
      connections={connections}
      connectionsUrl="/square/connections"
      events={events}
    />
  );
}

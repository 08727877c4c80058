import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { OverviewPage } from "~/components/OverviewCards";
import { db } from "~/db.server";
import { overviewConnections } from "~/integrations/connections/connections-page.server";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { readShopOverview } from "~/integrations/shopify/shop.server";
import { listRecentMerchantEvents } from "~/models/audit-log.server";
import { getTenant } from "~/models/tenants.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { admin, tenantId } = await requireShopifyTenant(request);
  const [shop, connections, tenant, events] = await Promise.all([
    readShopOverview(admin.graphql),
    overviewConnections(db(), tenantId),
    getTenant(db(), tenantId),
    listRecentMerchantEvents(db(), tenantId),
  ]);
  return {
    shop,
    memberSince: tenant.createdAt.toISOString(),
    events,
    connections,
  };
};

export default function Overview() {
  const { shop, connections, memberSince, events } = useLoaderData<typeof loader>();
  return (
    <OverviewPage
      accountName={shop.name}
      accountDetails={`${shop.myshopifyDomain} · ${shop.currencyCode} · ${shop.ianaTimezone}${shop.plan ? ` · ${shop.plan.displayName} plan` : ""}`}
      memberSince={memberSince}
      connections={connections}
      connectionsUrl="/app/connections"
      events={events}
    />
  );
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import { ConnectionsOverviewCard, formatMoment, RecentEventsCard } from "~/components/OverviewCards";
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
    <Page title="Overview">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {shop.name}
              </Text>
              <Text as="p" tone="subdued">
                {shop.myshopifyDomain} · {shop.currencyCode} · {shop.ianaTimezone}
                {shop.plan ? ` · ${shop.plan.displayName} plan` : ""}
              </Text>
              <Text as="p" tone="subdued">
                Using Tillbridge since <time dateTime={memberSince}>{formatMoment(memberSince)}</time>
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <ConnectionsOverviewCard connections={connections} manageUrl="/app/connections" />
        </Layout.Section>
        <Layout.Section>
          <RecentEventsCard events={events} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import { ConnectionsOverviewCard, formatMoment, RecentEventsCard } from "~/components/OverviewCards";
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
    <Page title="Overview">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {businessName}
              </Text>
              <Text as="p" tone="subdued">
                Square seller {squareMerchantId}
              </Text>
              <Text as="p" tone="subdued">
                Using Tillbridge since <time dateTime={memberSince}>{formatMoment(memberSince)}</time>
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <ConnectionsOverviewCard connections={connections} manageUrl="/square/connections" />
        </Layout.Section>
        <Layout.Section>
          <RecentEventsCard events={events} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

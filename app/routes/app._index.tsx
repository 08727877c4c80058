import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link as RemixLink, useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { ConnectionStatusBadge } from "~/components/ConnectionStatusBadge";
import { db } from "~/db.server";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { readShopOverview } from "~/integrations/shopify/shop.server";
import { listRecentMerchantEvents } from "~/models/audit-log.server";
import { listConnections } from "~/models/connections.server";
import { getTenant } from "~/models/tenants.server";

const PROVIDERS = [
  { provider: "SHOPIFY", name: "Shopify", role: "Online store: orders, products and stock" },
  { provider: "SQUARE", name: "Square", role: "Point of sale: in-store sales and stock" },
  { provider: "QUICKBOOKS", name: "QuickBooks Online", role: "Books: sales receipts, refunds and fees" },
] as const;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { admin, tenantId } = await requireShopifyTenant(request);
  const [shop, connections, tenant, events] = await Promise.all([
    readShopOverview(admin.graphql),
    listConnections(db(), tenantId),
    getTenant(db(), tenantId),
    listRecentMerchantEvents(db(), tenantId),
  ]);
  return {
    shop,
    memberSince: tenant.createdAt.toISOString(),
    events,
    connections: PROVIDERS.map(({ provider, name, role }) => {
      const connection = connections.find((candidate) => candidate.provider === provider);
      return { provider, name, role, status: connection?.status ?? ("NOT_CONNECTED" as const), account: connection?.displayName ?? null };
    }),
  };
};

export default function Overview() {
  const { shop, connections, memberSince, events } = useLoaderData<typeof loader>();
  const connectedCount = connections.filter((connection) => connection.status === "ACTIVE").length;
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
          <Card>
            <BlockStack gap="400">
              <InlineStack align="space-between">
                <Text as="h2" variant="headingMd">
                  Connections
                </Text>
                <Text as="span" tone="subdued">
                  {connectedCount} of {connections.length} connected
                </Text>
              </InlineStack>
              <ul aria-label="Connections" style={{ listStyle: "none", margin: 0, padding: 0 }}>
                {connections.map((connection) => (
                  <li key={connection.provider} aria-label={connection.name}>
                    <InlineStack align="space-between" blockAlign="center">
                      <BlockStack gap="050">
                        <Text as="h3" variant="headingSm">
                          {connection.name}
                        </Text>
                        <Text as="p" tone="subdued">
                          {connection.account ? `${connection.account} · ` : ""}
                          {connection.role}
                        </Text>
                      </BlockStack>
                      <ConnectionStatusBadge status={connection.status} />
                    </InlineStack>
                  </li>
                ))}
              </ul>
              {connectedCount < connections.length && (
                <Text as="p">
                  <RemixLink to="/app/connections">Manage connections</RemixLink>
                </Text>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Recent events
              </Text>
              {events.length === 0 ? (
                <Text as="p" tone="subdued">
                  Nothing yet.
                </Text>
              ) : (
                <ul aria-label="Recent events">
                  {events.map((event) => (
                    <li key={event.id}>
                      <Text as="span">{event.description}</Text>{" "}
                      <Text as="span" tone="subdued">
                        · <time dateTime={event.at}>{formatMoment(event.at)}</time>
                      </Text>
                    </li>
                  ))}
                </ul>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** Shown in UTC so the server render and the browser agree; the merchant's time zone comes with Settings. */
function formatMoment(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Button, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { ConnectionStatusBadge } from "~/components/ConnectionStatusBadge";
import { db } from "~/db.server";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { listConnections } from "~/models/connections.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireShopifyTenant(request);
  const connections = await listConnections(db(), tenantId);
  const byProvider = (provider: "SHOPIFY" | "SQUARE" | "QUICKBOOKS") => {
    const connection = connections.find((candidate) => candidate.provider === provider);
    return connection
      ? { status: connection.status, account: connection.displayName ?? connection.externalId, scopes: connection.scopes, updatedAt: connection.updatedAt }
      : null;
  };
  return { shopify: byProvider("SHOPIFY"), square: byProvider("SQUARE"), quickbooks: byProvider("QUICKBOOKS") };
};

export default function Connections() {
  const { shopify, square, quickbooks } = useLoaderData<typeof loader>();
  return (
    <Page title="Connections">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Shopify
                </Text>
                <ConnectionStatusBadge status={shopify?.status ?? "NOT_CONNECTED"} />
              </InlineStack>
              <Text as="p">{shopify ? `Store: ${shopify.account}` : "This store is not connected."}</Text>
              {shopify && shopify.scopes.length > 0 && (
                <Text as="p" tone="subdued">
                  Access granted: {shopify.scopes.join(", ")}
                </Text>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <VendorCard
            name="Square"
            purpose="Connect your Square point of sale to sync in-store sales and stock."
            connection={square}
            action="Connect Square"
          />
        </Layout.Section>
        <Layout.Section>
          <VendorCard
            name="QuickBooks Online"
            purpose="Connect QuickBooks Online to post sales, refunds and fees to your books."
            connection={quickbooks}
            action="Connect to QuickBooks"
          />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function VendorCard(props: {
  name: string;
  purpose: string;
  action: string;
  connection: { status: "ACTIVE" | "NEEDS_REAUTH" | "PAUSED" | "DISCONNECTED"; account: string } | null;
}) {
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {props.name}
          </Text>
          <ConnectionStatusBadge status={props.connection?.status ?? "NOT_CONNECTED"} />
        </InlineStack>
        <Text as="p">{props.connection ? `Account: ${props.connection.account}` : props.purpose}</Text>
        <InlineStack gap="200" blockAlign="center">
          <Button disabled>{props.action}</Button>
          <Text as="span" tone="subdued">
            Connecting {props.name} is not available yet; it comes with the next release.
          </Text>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

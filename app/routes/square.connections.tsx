import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { ConnectionStatusBadge } from "~/components/ConnectionStatusBadge";
import { ShowLinkCodeCard } from "~/components/LinkCodeCards";
import { QuickBooksConnectionCard, SquareConnectionCard } from "~/components/VendorConnectionCard";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { performConnectionAction, summarizeConnections } from "~/integrations/connections/connections-page.server";
import { createLinkCode } from "~/models/tenant-linking.server";
import { requireSquareMerchant } from "~/security/merchant-session.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireSquareMerchant(db(), request);
  return summarizeConnections(db(), tenantId);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, squareMerchantId } = await requireSquareMerchant(db(), request);
  const form = Object.fromEntries(await request.formData());
  const actor = `square-merchant:${squareMerchantId}`;
  if (form.intent === "create-link-code") {
    const { code, expiresAt } = await createLinkCode(db(), { tenantId, actor });
    return { code, expiresAt: expiresAt.toISOString() };
  }
  return performConnectionAction(db(), form, { tenantId, actor, returnTo: `${getConfig().appUrl}/square/connections` });
};

export default function SquareConnections() {
  const { shopify, square, quickbooks } = useLoaderData<typeof loader>();
  const shopifyLinked = shopify !== null && shopify.status !== "DISCONNECTED";
  return (
    <Page title="Connections">
      <Layout>
        <Layout.Section>
          <SquareConnectionCard connection={square} />
        </Layout.Section>
        <Layout.Section>
          <QuickBooksConnectionCard connection={quickbooks} />
        </Layout.Section>
        <Layout.Section>
          {shopifyLinked ? (
            <Card>
              <BlockStack gap="300">
                <InlineStack align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    Shopify
                  </Text>
                  <ConnectionStatusBadge status={shopify.status} />
                </InlineStack>
                <Text as="p">Store: {shopify.account}. Manage it from Tillbridge in your Shopify admin.</Text>
              </BlockStack>
            </Card>
          ) : (
            <ShowLinkCodeCard />
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

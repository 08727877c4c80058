import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { ConnectionStatusBadge } from "~/components/ConnectionStatusBadge";
import { EnterLinkCodeCard } from "~/components/LinkCodeCards";
import { QuickBooksConnectionCard, SquareConnectionCard } from "~/components/VendorConnectionCard";
import { db } from "~/db.server";
import { performConnectionAction, summarizeConnections } from "~/integrations/connections/connections-page.server";
import { embeddedAdminUrl, requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { redeemLinkCode } from "~/models/tenant-linking.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireShopifyTenant(request);
  return summarizeConnections(db(), tenantId);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, shop, sessionToken } = await requireShopifyTenant(request);
  const form = Object.fromEntries(await request.formData());
  const actor = `shopify-user:${sessionToken.sub}`;
  if (form.intent === "link") {
    if (typeof form.code !== "string" || form.code.length > 40) return Response.json({ ok: false, message: "Enter the code shown in the Square area of Tillbridge." }, { status: 400 });
    const outcome = await redeemLinkCode(db(), { tenantId, code: form.code, actor });
    return outcome.ok ? { ok: true, message: `Linked: ${outcome.joinedName} and this store are now one Tillbridge account.` } : outcome;
  }
  return performConnectionAction(db(), form, { tenantId, actor, returnTo: embeddedAdminUrl(shop, "/app/connections") });
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
          <SquareConnectionCard connection={square} />
        </Layout.Section>
        {(!square || square.status === "DISCONNECTED") && (
          <Layout.Section>
            <EnterLinkCodeCard />
          </Layout.Section>
        )}
        <Layout.Section>
          <QuickBooksConnectionCard connection={quickbooks} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

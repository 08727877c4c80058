import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { z } from "zod";
import { ConnectionStatusBadge } from "~/components/ConnectionStatusBadge";
import { db } from "~/db.server";
import { disconnect, startConnection, testConnection } from "~/integrations/connections/flow.server";
import { embeddedAdminUrl, requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { listConnections } from "~/models/connections.server";

type Provider = "SHOPIFY" | "SQUARE" | "QUICKBOOKS";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireShopifyTenant(request);
  const connections = await listConnections(db(), tenantId);
  const byProvider = (provider: Provider) => {
    const connection = connections.find((candidate) => candidate.provider === provider);
    return connection
      ? {
          status: connection.status,
          account: connection.displayName ?? connection.externalId,
          scopes: connection.scopes,
          lastCheckedAt: connection.lastCheckedAt?.toISOString() ?? null,
          lastError: connection.lastError,
          refreshTokenExpiresAt: connection.refreshTokenExpiresAt?.toISOString() ?? null,
        }
      : null;
  };
  return { shopify: byProvider("SHOPIFY"), square: byProvider("SQUARE"), quickbooks: byProvider("QUICKBOOKS") };
};

const connectionForm = z.object({
  intent: z.enum(["connect", "disconnect", "test"]),
  provider: z.enum(["SQUARE", "QUICKBOOKS"]),
});

export const action = async ({ request }: ActionFunctionArgs) => {
  const { tenantId, shop, sessionToken } = await requireShopifyTenant(request);
  const parsed = connectionForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return Response.json({ error: "Unknown request." }, { status: 400 });
  const { intent, provider } = parsed.data;
  const actor = `shopify-user:${sessionToken.sub}`;
  if (intent === "connect") {
    const authorizeUrl = await startConnection(db(), { tenantId, provider, actor, returnTo: embeddedAdminUrl(shop, "/app/connections") });
    return { authorizeUrl };
  }
  if (intent === "disconnect") {
    await disconnect(db(), { tenantId, provider, actor });
    return { message: provider === "SQUARE" ? "Square is disconnected." : "QuickBooks is disconnected." };
  }
  const health = await testConnection(db(), { tenantId, provider });
  return { message: health.detail, ok: health.ok };
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
          <VendorCard provider="SQUARE" name="Square" purpose="Connect your Square point of sale to sync in-store sales and stock." connectLabel="Connect Square" connection={square} />
        </Layout.Section>
        <Layout.Section>
          <VendorCard
            provider="QUICKBOOKS"
            name="QuickBooks Online"
            purpose="Connect QuickBooks Online to post sales, refunds and fees to your books."
            connectLabel="Connect to QuickBooks"
            connection={quickbooks}
          />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

type LoaderConnection = ReturnType<typeof useLoaderData<typeof loader>>["square"];

function VendorCard(props: { provider: "SQUARE" | "QUICKBOOKS"; name: string; purpose: string; connectLabel: string; connection: LoaderConnection }) {
  const fetcher = useFetcher<{ authorizeUrl?: string; message?: string; ok?: boolean; error?: string }>();
  const { connection } = props;
  const busy = fetcher.state !== "idle";
  const connected = connection !== null && connection.status !== "DISCONNECTED";

  // The vendor's consent page cannot be shown inside the Shopify admin's frame: leave it for the whole window.
  useEffect(() => {
    if (fetcher.data?.authorizeUrl) window.open(fetcher.data.authorizeUrl, "_top");
  }, [fetcher.data?.authorizeUrl]);

  const submit = (intent: "connect" | "disconnect" | "test") => fetcher.submit({ intent, provider: props.provider }, { method: "post" });

  return (
    <section aria-label={props.name}>
      <Card>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              {props.name}
            </Text>
            <ConnectionStatusBadge status={connection?.status ?? "NOT_CONNECTED"} />
          </InlineStack>
          <Text as="p">{connected ? `Account: ${connection.account}` : props.purpose}</Text>
          {connection?.status === "NEEDS_REAUTH" && (
            <Banner tone="critical" title={`${props.name} needs to be reconnected`}>
              <p>{connection.lastError ?? `Tillbridge can no longer reach ${props.name}. Reconnect to resume syncing.`}</p>
            </Banner>
          )}
          {connected && connection.lastCheckedAt && (
            <Text as="p" tone="subdued">
              Last checked {connection.lastCheckedAt.slice(0, 16).replace("T", " ")} UTC{connection.lastError ? `: ${connection.lastError}` : ""}
            </Text>
          )}
          {connected && connection.refreshTokenExpiresAt && (
            <Text as="p" tone="subdued">
              Authorization valid until {connection.refreshTokenExpiresAt.slice(0, 10)} unless renewed.
            </Text>
          )}
          {fetcher.data?.message && (
            <Banner tone={fetcher.data.ok === false ? "warning" : "info"}>
              <p>{fetcher.data.message}</p>
            </Banner>
          )}
          <InlineStack gap="200">
            {(!connected || connection.status === "NEEDS_REAUTH") && (
              <Button variant="primary" loading={busy} onClick={() => submit("connect")}>
                {connection?.status === "NEEDS_REAUTH" ? `Reconnect ${props.name}` : props.connectLabel}
              </Button>
            )}
            {connected && (
              <>
                <Button disabled={busy} onClick={() => submit("test")}>
                  Test connection
                </Button>
                <Button tone="critical" disabled={busy} onClick={() => submit("disconnect")}>
                  Disconnect
                </Button>
              </>
            )}
          </InlineStack>
        </BlockStack>
      </Card>
    </section>
  );
}

import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { Banner, Box } from "@shopify/polaris";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { appBridgeScriptUrl } from "~/integrations/shopify/app-bridge-url.server";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { listConnections } from "~/models/connections.server";

const providerNames = { SHOPIFY: "Shopify", SQUARE: "Square", QUICKBOOKS: "QuickBooks" } as const;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireShopifyTenant(request);
  const connections = await listConnections(db(), tenantId);
  return {
    apiKey: getConfig().shopify.apiKey,
    appBridgeUrl: appBridgeScriptUrl(),
    needsReauth: connections.filter((connection) => connection.status === "NEEDS_REAUTH").map((connection) => providerNames[connection.provider]),
  };
};

export default function EmbeddedApp() {
  const { apiKey, appBridgeUrl, needsReauth } = useLoaderData<typeof loader>();
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} __APP_BRIDGE_URL={appBridgeUrl}>
      <NavMenu>
        <Link to="/app" rel="home">
          Overview
        </Link>
        <Link to="/app/connections">Connections</Link>
        <Link to="/app/inventory">Inventory</Link>
        <Link to="/app/accounting">Accounting</Link>
        <Link to="/app/loyalty">Loyalty</Link>
        <Link to="/app/activity">Activity</Link>
        <Link to="/app/settings">Settings</Link>
      </NavMenu>
      {needsReauth.length > 0 && (
        <Box padding="400">
          <Banner tone="critical" title={`${needsReauth.join(" and ")} needs to be reconnected`} action={{ content: "Open Connections", url: "/app/connections" }}>
            Tillbridge can no longer reach {needsReauth.join(" and ")} with the authorization it had, so syncing with it is paused.
            Nothing is lost: it resumes where it stopped once you reconnect.
          </Banner>
        </Box>
      )}
      <Outlet />
    </AppProvider>
  );
}

// Shopify needs Remix to let its thrown responses (redirects, bounce pages) through with their headers.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);

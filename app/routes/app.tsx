import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { ReconnectBanner } from "~/components/ReconnectBanner";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { appBridgeScriptUrl } from "~/integrations/shopify/app-bridge-url.server";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";
import { connectionsNeedingReauth } from "~/models/connections.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireShopifyTenant(request);
  return {
    apiKey: getConfig().shopify.apiKey,
    appBridgeUrl: appBridgeScriptUrl(),
    needsReauth: await connectionsNeedingReauth(db(), tenantId),
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
      <ReconnectBanner providers={needsReauth} connectionsUrl="/app/connections" />
      <Outlet />
    </AppProvider>
  );
}

// Shopify needs Remix to let its thrown responses (redirects, bounce pages) through with their headers.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);

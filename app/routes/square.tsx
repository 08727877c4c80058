import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link as RemixLink, Outlet, isRouteErrorResponse, useLoaderData, useLocation, useRouteError, useSubmit } from "@remix-run/react";
import { AppProvider, Frame, Navigation, Page, Text, TopBar } from "@shopify/polaris";
import enTranslations from "@shopify/polaris/locales/en.json";
import { useState, type ComponentProps, type ReactNode } from "react";
import { ReconnectBanner } from "~/components/ReconnectBanner";
import { db } from "~/db.server";
import { connectionsNeedingReauth } from "~/models/connections.server";
import { getTenant } from "~/models/tenants.server";
import { requireSquareMerchant } from "~/security/merchant-session.server";

/**
 * The Square merchant area: Tillbridge for merchants who came from the Square App Marketplace, outside the
 * Shopify admin. Every page below requires a signed-in Square merchant and sees only that merchant's tenant.
 */

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { tenantId } = await requireSquareMerchant(db(), request);
  const [tenant, needsReauth] = await Promise.all([getTenant(db(), tenantId), connectionsNeedingReauth(db(), tenantId)]);
  return { businessName: tenant.name, needsReauth };
};

export const meta: MetaFunction = () => [{ title: "Tillbridge for Square" }];

const NAVIGATION = [
  { url: "/square", label: "Overview", exact: true },
  { url: "/square/connections", label: "Connections" },
  { url: "/square/inventory", label: "Inventory" },
  { url: "/square/accounting", label: "Accounting" },
  { url: "/square/loyalty", label: "Loyalty" },
  { url: "/square/activity", label: "Activity" },
  { url: "/square/settings", label: "Settings" },
];

type LinkLikeComponentProps = ComponentProps<NonNullable<ComponentProps<typeof AppProvider>["linkComponent"]>>;

/** Polaris navigation through Remix's router, so moving between pages does not reload the document. */
function PolarisLink({ url, children, external, ...rest }: LinkLikeComponentProps) {
  if (external || /^https?:/.test(url)) {
    return (
      <a href={url} {...rest}>
        {children}
      </a>
    );
  }
  return (
    <RemixLink to={url} {...rest}>
      {children}
    </RemixLink>
  );
}

function SquareAreaFrame({ businessName, children }: { businessName: string; children: ReactNode }) {
  const location = useLocation();
  const submit = useSubmit();
  const [userMenuOpen, setUserMenuOpen] = useState(false);
  const [navigationOpen, setNavigationOpen] = useState(false);
  const topBar = (
    <TopBar
      showNavigationToggle
      onNavigationToggle={() => setNavigationOpen((open) => !open)}
      userMenu={
        <TopBar.UserMenu
          name={businessName}
          initials={businessName.slice(0, 1).toUpperCase()}
          open={userMenuOpen}
          onToggle={() => setUserMenuOpen((open) => !open)}
          actions={[{ items: [{ content: "Sign out", onAction: () => submit(null, { method: "post", action: "/square/sign-out" }) }] }]}
        />
      }
    />
  );
  const navigation = (
    <Navigation location={location.pathname}>
      <Navigation.Section
        title="Tillbridge for Square"
        items={NAVIGATION.map((item) => ({ ...item, selected: item.exact ? location.pathname === item.url : location.pathname.startsWith(item.url) }))}
      />
    </Navigation>
  );
  return (
    <Frame topBar={topBar} navigation={navigation} showMobileNavigation={navigationOpen} onNavigationDismiss={() => setNavigationOpen(false)}>
      {children}
    </Frame>
  );
}

export default function SquareMerchantArea() {
  const { businessName, needsReauth } = useLoaderData<typeof loader>();
  return (
    <AppProvider i18n={enTranslations} linkComponent={PolarisLink}>
      <SquareAreaFrame businessName={businessName}>
        <ReconnectBanner providers={needsReauth} connectionsUrl="/square/connections" />
        <Outlet />
      </SquareAreaFrame>
    </AppProvider>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) ? (typeof error.data === "string" ? error.data : error.statusText) : "Something went wrong on our side. Please try again.";
  return (
    <AppProvider i18n={enTranslations}>
      <Page title="Tillbridge for Square">
        <Text as="p">{message}</Text>
      </Page>
    </AppProvider>
  );
}

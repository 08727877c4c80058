import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { LandingPage } from "~/components/LandingPage";
import { getConfig } from "~/config.server";
import { DEMO_SHOP } from "../../sandbox/shopify/seed";

export const meta: MetaFunction = () => [
  { title: "Tillbridge — point-of-sale integration for Shopify, Square and QuickBooks" },
  {
    name: "description",
    content:
      "Tillbridge connects Square POS, Shopify and QuickBooks Online: sales reach the books exactly once, stock matches in every channel, and customers earn one loyalty balance.",
  },
];

export const loader = ({ request }: LoaderFunctionArgs) => {
  // Shopify opens the app URL with ?shop=… (e.g. after an install from the App Store): hand over to /app.
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  const config = getConfig();
  return { demoAdminUrl: config.sandboxed.shopify ? `${config.sandbox.url}/store/${DEMO_SHOP}/admin` : null };
};

export default function Index() {
  const { demoAdminUrl } = useLoaderData<typeof loader>();
  return <LandingPage demoAdminUrl={demoAdminUrl} />;
}

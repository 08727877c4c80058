import type { MetaFunction } from "@remix-run/node";
import { InformationPage } from "~/components/StandalonePage";

// Intuit's Launch URL: where QuickBooks sends a user who opens Tillbridge from QuickBooks' app list.
export const meta: MetaFunction = () => [{ title: "Tillbridge for QuickBooks" }];

export default function QuickBooksLaunch() {
  return (
    <InformationPage
      title="Open Tillbridge from your store"
      paragraphs={[
        "Tillbridge posts your Square and Shopify sales, refunds and fees to QuickBooks Online. It is managed from your Shopify admin (Apps, then Tillbridge), or, if you use Tillbridge with Square only, from its Square area: sign in with Square at /square/sign-in.",
        "There, open Connections to connect, check or disconnect QuickBooks.",
      ]}
    />
  );
}

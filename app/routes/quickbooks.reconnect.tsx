import type { MetaFunction } from "@remix-run/node";
import { InformationPage } from "~/components/StandalonePage";

// Intuit's Reconnect URL. Reconnecting must happen where we know who the merchant is, so this page shows the way.
export const meta: MetaFunction = () => [{ title: "Reconnect QuickBooks · Tillbridge" }];

export default function QuickBooksReconnect() {
  return (
    <InformationPage
      title="Reconnect QuickBooks"
      paragraphs={[
        "Open Tillbridge from your Shopify admin (Apps, then Tillbridge), go to Connections and press Reconnect QuickBooks.",
        "Syncing resumes where it stopped once QuickBooks is connected again; nothing is lost meanwhile.",
      ]}
    />
  );
}

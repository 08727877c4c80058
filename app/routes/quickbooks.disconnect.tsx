import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { InformationPage } from "~/components/StandalonePage";
import { db } from "~/db.server";
import { confirmQuickBooksDisconnected } from "~/integrations/connections/flow.server";

// Intuit's Disconnect URL: QuickBooks sends the merchant here after they disconnect Tillbridge in QuickBooks.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const outcome = await confirmQuickBooksDisconnected(db(), new URL(request.url).searchParams.get("realmId"));
  return { outcome };
};

export const meta: MetaFunction = () => [{ title: "QuickBooks disconnected · Tillbridge" }];

const MESSAGES = {
  disconnected: [
    "Tillbridge no longer has access to this QuickBooks company. Nothing more will be posted to it, and the access tokens were deleted.",
    "To connect again, open Tillbridge from your Shopify admin and go to Connections.",
  ],
  "still-connected": [
    "QuickBooks still lets Tillbridge reach this company, so nothing was changed.",
    "To disconnect, open Tillbridge from your Shopify admin, go to Connections and press Disconnect.",
  ],
  unconfirmed: ["QuickBooks could not be reached to confirm the disconnection. Tillbridge will notice on its next check; nothing more is needed from you."],
  unknown: ["Tillbridge has no connection to this QuickBooks company, so there is nothing to disconnect."],
} as const;

export default function QuickBooksDisconnect() {
  const { outcome } = useLoaderData<typeof loader>();
  return <InformationPage title="QuickBooks and Tillbridge" paragraphs={[...MESSAGES[outcome]]} />;
}

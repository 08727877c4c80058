import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ConnectionResultPage } from "~/components/ConnectionResultPage";
import { db } from "~/db.server";
import { completeConnection } from "~/integrations/connections/flow.server";

// Square sends the merchant back here after its consent page (registered redirect URL).
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const outcome = await completeConnection(db(), "SQUARE", new URL(request.url));
  if (outcome.ok) throw redirect(outcome.returnTo);
  return outcome;
};

export const meta: MetaFunction = () => [{ title: "Square connection · Tillbridge" }];

export default function SquareOAuthCallback() {
  const outcome = useLoaderData<typeof loader>();
  return <ConnectionResultPage title={outcome.title} message={outcome.message} returnTo={outcome.returnTo} />;
}

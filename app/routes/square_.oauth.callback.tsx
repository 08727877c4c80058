import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ConnectionResultPage } from "~/components/ConnectionResultPage";
import { db } from "~/db.server";
import { completeConnection } from "~/integrations/connections/flow.server";
import { runningJobQueue } from "~/runtime.server";
import { retryJobSender } from "~/sync/retry-jobs.server";
import { openMerchantSession } from "~/security/merchant-session.server";

// Square sends the merchant back here after its consent page (the one registered redirect URL), both when a
// merchant area connects Square and when a merchant signs in to (or installs) the Square merchant area.
// Jobs stopped by the lost authorization go again through the queue (absent only when the route runs without the runtime).
const resumeThrough = () => {
  const queue = runningJobQueue();
  return queue ? retryJobSender(queue) : undefined;
};

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const outcome = await completeConnection(db(), "SQUARE", new URL(request.url), { resumeJobs: resumeThrough() });
  if (outcome.ok && outcome.signedIn) {
    const cookie = await openMerchantSession(db(), { tenantId: outcome.signedIn.tenantId, squareMerchantId: outcome.signedIn.squareMerchantId });
    throw redirect(outcome.returnTo, { headers: { "Set-Cookie": cookie } });
  }
  if (outcome.ok) throw redirect(outcome.returnTo);
  return outcome;
};

export const meta: MetaFunction = () => [{ title: "Square · Tillbridge" }];

export default function SquareOAuthCallback() {
  const outcome = useLoaderData<typeof loader>();
  return <ConnectionResultPage title={outcome.title} message={outcome.message} returnTo={outcome.returnTo} />;
}

import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ConnectionResultPage } from "~/components/ConnectionResultPage";
import { db } from "~/db.server";
import { completeConnection } from "~/integrations/connections/flow.server";
import { runningJobQueue } from "~/runtime.server";
import { retryJobSender } from "~/sync/retry-jobs.server";

// QuickBooks sends the merchant back here after its consent page (registered redirect URL).
// Jobs stopped by the lost authorization go again through the queue (absent only when the route runs without the runtime).
const resumeThrough = () => {
  const queue = runningJobQueue();
  return queue ? retryJobSender(queue) : undefined;
};

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const outcome = await completeConnection(db(), "QUICKBOOKS", new URL(request.url), { resumeJobs: resumeThrough() });
  if (outcome.ok) throw redirect(outcome.returnTo);
  return outcome;
};

export const meta: MetaFunction = () => [{ title: "QuickBooks connection · Tillbridge" }];

export default function QuickBooksOAuthCallback() {
  const outcome = useLoaderData<typeof loader>();
  return <ConnectionResultPage title={outcome.title} message={outcome.message} returnTo={outcome.returnTo} />;
}

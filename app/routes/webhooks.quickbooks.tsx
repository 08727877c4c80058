import type { ActionFunctionArgs } from "@remix-run/node";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { isValidIntuitSignature, parseQuickBooksEvents, QUICKBOOKS_WEBHOOK_MAX_BYTES, receiveQuickBooksEvents } from "~/integrations/quickbooks/webhooks.server";
import { countWebhook } from "~/observability/metrics.server";
import { runningJobQueue } from "~/runtime.server";
import { readRawBody } from "~/webhooks/raw-body.server";

const methodNotAllowed = () => new Response(null, { status: 405, headers: { Allow: "POST" } });

// The Intuit app's webhook endpoint points here. Verified, stored with the events' processing jobs, answered well
// within Intuit's 3 seconds; no call to QuickBooks inside the request.
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed();
  const rawBody = await readRawBody(request, QUICKBOOKS_WEBHOOK_MAX_BYTES);
  if (rawBody instanceof Response) {
    countWebhook("QUICKBOOKS", "rejected", "too_large");
    return rawBody;
  }
  const valid = isValidIntuitSignature({
    verifierToken: getConfig().quickbooks.webhookVerifierToken,
    rawBody,
    signature: request.headers.get("intuit-signature"),
  });
  if (!valid) {
    // Counted: a run of these usually means the verifier token configured here is not the Intuit app's.
    countWebhook("QUICKBOOKS", "rejected", "signature");
    return new Response("Invalid signature", { status: 401 });
  }
  const events = parseQuickBooksEvents(rawBody);
  if (!events) {
    countWebhook("QUICKBOOKS", "rejected", "malformed");
    return new Response("Not a CloudEvents array of QuickBooks events", { status: 400 });
  }
  await receiveQuickBooksEvents(db(), runningJobQueue(), events);
  return new Response(null, { status: 200 });
};

// Without a loader Remix would answer a GET with 400, as if the request were malformed.
export const loader = methodNotAllowed;

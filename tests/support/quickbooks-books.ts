import type { PrismaClient } from "~/db.server";
import type * as ConnectionFlow from "~/integrations/connections/flow.server";
import { answerConsentPage } from "./consent-forms";

/**
 * A QuickBooks company for an accounting test: made in the Intuit sandbox through its control API, then connected
 * the way a merchant connects it (the consent page, the callback).
 */

/** A new company in the Intuit sandbox (name, and any of the control API's company options); answers its realm id. */
export async function createIntuitCompany(intuitUrl: string, company: { name: string } & Record<string, unknown>): Promise<string> {
  const created = await fetch(`${intuitUrl}/_sandbox/companies`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(company) });
  if (!created.ok) throw new Error(`the Intuit sandbox refused the company: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { realmId: string }).realmId;
}

/** Connects the tenant to the company through its consent page and the app's callback, as a merchant would. */
export async function connectQuickBooks(
  flow: typeof ConnectionFlow,
  database: PrismaClient,
  input: { tenantId: string; realmId: string },
  options?: Parameters<typeof ConnectionFlow.completeConnection>[3],
): Promise<void> {
  const authorizeUrl = await flow.startConnection(database, { tenantId: input.tenantId, provider: "QUICKBOOKS", actor: "test", returnTo: "http://admin.example/connections" });
  const callback = await answerConsentPage(authorizeUrl, { account: { field: "realmId", value: input.realmId }, button: { field: "action", value: "connect" } });
  const outcome = await flow.completeConnection(database, "QUICKBOOKS", callback, options);
  if (!outcome.ok) throw new Error(`connecting QuickBooks failed: ${JSON.stringify(outcome)}`);
}

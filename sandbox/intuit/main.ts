/**
 * Runs the Intuit sandbox on its own: `npx tsx sandbox/intuit/main.ts`.
 * Environment: INTUIT_SANDBOX_PORT (3103), APP_URL (http://localhost:3000), QUICKBOOKS_CLIENT_ID /
 * QUICKBOOKS_CLIENT_SECRET / QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN (the sandbox credentials).
 */
import {
  SANDBOX_QUICKBOOKS_CLIENT_ID,
  SANDBOX_QUICKBOOKS_CLIENT_SECRET,
  SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
  startIntuitSandbox,
} from "./index";

const sandbox = await startIntuitSandbox({
  port: Number(process.env.INTUIT_SANDBOX_PORT ?? 3103),
  appUrl: process.env.APP_URL ?? "http://localhost:3000",
  clientId: process.env.QUICKBOOKS_CLIENT_ID || SANDBOX_QUICKBOOKS_CLIENT_ID,
  clientSecret: process.env.QUICKBOOKS_CLIENT_SECRET || SANDBOX_QUICKBOOKS_CLIENT_SECRET,
  webhookVerifierToken: process.env.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN || SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
});
console.log(`Intuit sandbox on ${sandbox.url} · companies: ${sandbox.companies().map((company) => `${company.name} (${company.realmId})`).join(", ")}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}

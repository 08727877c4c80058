/**
 * The shared QuickBooks budget against the Intuit sandbox's real limits (500 requests a minute and 10 in flight
 * per realm, answered with 429 beyond either). Two workers, each with its own connection pool (separate worker
 * processes as far as the database is concerned; on PGlite, one process by design, they share the one
 * database), make CALLS CompanyInfo calls for one realm through `callVendor`, and wait as the job runner would
 * when told to. Printed: calls per minute against the 500 ceiling (target at least 90 %), 429s received from
 * the sandbox (target 0), and how often the budget made a worker wait.
 *
 *   npm run bench -- budget                  (PGlite)
 *   DATABASE_URL=postgres://... npm run bench -- budget
 */
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import OAuthClient from "intuit-oauth";
import { SANDBOX_QUICKBOOKS_CLIENT_ID, SANDBOX_QUICKBOOKS_CLIENT_SECRET, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN } from "../sandbox/intuit/credentials";
import { intuitOAuthEndpoints } from "../sandbox/intuit/endpoints";
import { DEMO_REALM_ID, startIntuitSandbox } from "../sandbox/intuit/index";
import { answerConsentPage } from "../tests/support/consent-forms";
import { openDatabase, type Database } from "~/db.server";
import { applyMigrations } from "~/db/migrations.server";
import { RateLimitedError } from "~/jobs/errors";
import { logger } from "~/observability/logger.server";
import { callVendor } from "~/sync/vendor-calls.server";
import { openBenchDatabase } from "./support/database";

const CALLS = Number(process.env.BENCH_BUDGET_CALLS ?? 2_000);
const LOOPS_PER_WORKER = 8;
const PORT = 3190 + Math.floor(Math.random() * 9);

logger.level = "warn";

const intuit = await startIntuitSandbox({
  port: PORT,
  appUrl: "http://localhost:3000",
  clientId: SANDBOX_QUICKBOOKS_CLIENT_ID,
  clientSecret: SANDBOX_QUICKBOOKS_CLIENT_SECRET,
  webhookVerifierToken: SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
});

/** An access token for the demo company, through Intuit's consent page and token endpoint (the real library). */
async function accessToken(): Promise<string> {
  const endpoints = intuitOAuthEndpoints(intuit.url);
  OAuthClient.authorizeEndpoint = endpoints.authorizeEndpoint;
  OAuthClient.tokenEndpoint = endpoints.tokenEndpoint;
  const client = new OAuthClient({ clientId: SANDBOX_QUICKBOOKS_CLIENT_ID, clientSecret: SANDBOX_QUICKBOOKS_CLIENT_SECRET, environment: "sandbox", redirectUri: "http://localhost:3000/quickbooks/oauth/callback", logging: false });
  const callback = await answerConsentPage(client.authorizeUri({ scope: [OAuthClient.scopes.Accounting], state: "bench" }), { account: { field: "realmId", value: DEMO_REALM_ID }, button: { field: "action", value: "connect" } });
  const token = (await client.createToken(callback.toString())).getToken();
  return token.access_token!;
}

const { database, label, dispose } = await openBenchDatabase();
const second: Database = process.env.DATABASE_URL ? openDatabase({ kind: "postgres", url: database.migrationTarget.kind === "postgres" ? database.migrationTarget.url : "", poolSize: 10 }) : database;
try {
  await applyMigrations(database.migrationTarget, { migrationsDir: path.resolve("prisma/migrations") });
  console.log(`bench/budget on ${label}; ${os.cpus().length} cores, Node ${process.version}`);
  const token = await accessToken();
  const url = `${intuit.url}/v3/company/${DEMO_REALM_ID}/companyinfo/${DEMO_REALM_ID}?minorversion=75`;
  let started = 0;
  let succeeded = 0;
  let throttled = 0;
  let waits = 0;

  const loop = async (worker: Database) => {
    while (started < CALLS) {
      started += 1;
      for (;;) {
        try {
          await callVendor(worker.prisma, { provider: "QUICKBOOKS", account: DEMO_REALM_ID }, async () => {
            const response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });
            await response.arrayBuffer();
            if (response.status === 429) throw Object.assign(new Error("429"), { status: 429 });
            if (!response.ok) throw new Error(`CompanyInfo answered ${response.status}`);
          });
          succeeded += 1;
          break;
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          if (error.message.includes("429")) throttled += 1;
          else waits += 1;
          await sleep(error.retryAfterMs);
        }
      }
    }
  };

  const began = performance.now();
  await Promise.all([database, second].flatMap((worker) => Array.from({ length: LOOPS_PER_WORKER }, () => loop(worker))));
  const minutes = (performance.now() - began) / 60_000;
  const perMinute = succeeded / minutes;
  console.log(`${succeeded} CompanyInfo calls for one realm by 2 workers x ${LOOPS_PER_WORKER} loops in ${(minutes * 60).toFixed(1)} s`);
  console.log(`calls per minute                    ${Math.round(perMinute)} (${((perMinute / 500) * 100).toFixed(1)}% of QuickBooks' 500 ceiling)`);
  console.log(`429s received from the sandbox      ${throttled}`);
  console.log(`waits told by the shared budget     ${waits}`);
  const stats = intuit.stats();
  console.log(`sandbox counted                     ${stats.apiCalls} API calls, ${stats.apiThrottled} throttled`);
} finally {
  if (second !== database) await second.close();
  await database.close();
  await dispose();
  await intuit.close();
}

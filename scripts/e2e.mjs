#!/usr/bin/env node
// `npm run test:e2e [-- <playwright args>]`: build the production bundle, then
// run the Playwright suite against it with the system Chromium.
//   E2E_SKIP_BUILD=1  reuse the existing build/ instead of rebuilding
//   E2E_PORT=NNNN     port for the server under test (default 3210)
//   E2E_SERVER_LOGS=1 show the server's log (always shown when CI is set)
//   DATABASE_URL      run the server on PostgreSQL: a scratch database is created on that server for the run
//                     (migrated at start) and dropped afterwards; unset, the server runs on a fresh PGlite
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { constants } from "node:os";

const CHROMIUM = "/usr/bin/chromium";

if (!existsSync(CHROMIUM)) {
  console.error(
    "Chromium is missing: install it with 'apt-get install -y chromium' (Playwright's own browser download does not work here)."
  );
  process.exit(1);
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: "inherit", env });
  if (result.error) {
    console.error(`Could not run ${command}: ${result.error.message}`);
    return 1;
  }
  if (result.signal) return 128 + (constants.signals[result.signal] ?? 0);
  return result.status ?? 1;
}

if (process.env.E2E_SKIP_BUILD !== "1") {
  const status = run("npm", ["run", "build"]);
  if (status !== 0) process.exit(status);
}

const playwrightArgs = ["playwright", "test", ...process.argv.slice(2)];
if (!process.env.DATABASE_URL) process.exit(run("npx", playwrightArgs));

const { default: pg } = await import("pg");
const scratch = `tillbridge_e2e_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
await admin.connect();
await admin.query(`CREATE DATABASE "${scratch}"`);
const scratchUrl = new URL(process.env.DATABASE_URL);
scratchUrl.pathname = `/${scratch}`;
let status;
try {
  status = run("npx", playwrightArgs, {
    ...process.env,
    DATABASE_URL: scratchUrl.toString(),
    ENCRYPTION_KEYS: process.env.ENCRYPTION_KEYS || `e2e:${randomBytes(32).toString("base64")}`,
    MIGRATE_ON_START: "true",
    RUN_WORKERS_IN_WEB: "true",
  });
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
  await admin.end();
}
process.exit(status);

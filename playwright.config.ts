import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { defineConfig } from "@playwright/test";

// End-to-end tests run against the production build (`npm run build`, which
// `npm run test:e2e` does first) served by the real production entry.

const port = Number(process.env.E2E_PORT ?? 3210);
// localhost for the app and the sandbox alike: the sandbox's admin page frames the app, and Chromium denies
// storage to a cross-site frame (127.0.0.1 and localhost are different sites).
const baseURL = `http://localhost:${port}`;

// A fresh data directory per run. Playwright loads this file in the runner and
// again in each worker; the runner creates the directory and passes it on via
// the environment so workers reuse it, and only the runner removes it. Set
// TILLBRIDGE_E2E_DATA_DIR yourself to keep the data after a run.
function e2eDataDir(): string {
  const inherited = process.env.TILLBRIDGE_E2E_DATA_DIR;
  if (inherited) return inherited;
  const created = mkdtempSync(join(tmpdir(), "tillbridge-e2e-"));
  process.env.TILLBRIDGE_E2E_DATA_DIR = created;
  process.on("exit", () => rmSync(created, { recursive: true, force: true }));
  return created;
}
const dataDir = e2eDataDir();

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: "list",
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    baseURL,
    browserName: "chromium",
    headless: true,
    // Playwright's own browser download does not work on this machine: drive
    // the system Chromium (Debian package `chromium`).
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
    // A regular browser's user agent: the Shopify library answers bots (HeadlessChrome) with 410 Gone.
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  webServer: {
    command: "node build/main.js web",
    url: `${baseURL}/healthz`,
    env: {
      PORT: String(port),
      NODE_ENV: "production",
      TILLBRIDGE_DATA_DIR: dataDir,
      APP_URL: baseURL,
      SANDBOX_PORT: String(port + 1),
      SANDBOX_URL: "",
      SHOPIFY_API_KEY: "",
      SHOPIFY_API_SECRET: "",
      // Short enough for a test to watch a link code expire.
      LINK_CODE_LIFETIME_SECONDS: "15",
    },
    // Never test whatever happens to be listening on the port.
    reuseExistingServer: false,
    timeout: 120_000,
    // The server's request log is noise in a passing run; CI keeps it, and
    // E2E_SERVER_LOGS=1 shows it locally.
    stdout: process.env.CI || process.env.E2E_SERVER_LOGS === "1" ? "pipe" : "ignore",
    stderr: "pipe",
  },
});

import fs from "node:fs";
import path from "node:path";
import { ConfigError, getConfig, type AppConfig } from "~/config.server";
import { closeDatabase, getDatabase, type Database } from "~/db.server";
import { applyMigrations, migrationStatus } from "~/db/migrations.server";
import { jobDefinitions } from "~/jobs/definitions.server";
import { startJobQueue, type JobQueue } from "~/jobs/queue.server";
import { logger, registerSecretValue } from "~/observability/logger.server";
import { getKeyRing } from "~/security/key-ring.server";

/**
 * What a Tillbridge process holds while it runs: configuration, database, job queue (with or without workers).
 * Started once by the server entry (web, worker or both) before it takes requests; stopped on shutdown.
 * Kept on globalThis so Vite's dev server, which re-evaluates modules, keeps one of each.
 */

export type ProcessRole = "web" | "worker";

interface RuntimeState {
  config: AppConfig;
  database: Database;
  queue: JobQueue;
  /** Vendor sandboxes this process runs (sandbox mode, web role, no external SANDBOX_URL). */
  sandboxes: { close(): Promise<void> }[];
  roles: ProcessRole[];
  draining: boolean;
}

const holder = globalThis as typeof globalThis & { __tillbridgeRuntime?: RuntimeState; __tillbridgeRuntimeStarting?: Promise<RuntimeState> };

export const migrationsDir = () => path.resolve("prisma/migrations");

export async function startRuntime(roles: ProcessRole[]): Promise<RuntimeState> {
  if (holder.__tillbridgeRuntime) return holder.__tillbridgeRuntime;
  holder.__tillbridgeRuntimeStarting ??= (async () => {
    const config = getConfig();
    logger.level = config.logLevel;
    // The app's own client secrets are scrubbed from every log line, wherever they might appear.
    for (const secret of [config.shopify.apiSecret, config.square.applicationSecret, config.square.webhookSignatureKey, config.quickbooks.clientSecret, config.quickbooks.webhookVerifierToken, config.encryptionKeys, config.metricsToken]) {
      registerSecretValue(secret);
    }
    getKeyRing(config); // a missing or malformed key ring is a startup error, not a failure on first use
    const database = getDatabase();
    if (config.migrateOnStart) {
      const { applied } = await applyMigrations(database.migrationTarget, { migrationsDir: migrationsDir() });
      for (const name of applied) logger.info({ migration: name }, "applied migration");
    }
    const runWorkers = roles.includes("worker") || config.runWorkersInWeb;
    const queue = await startJobQueue(database, { definitions: jobDefinitions, runWorkers, timing: config.jobs });
    const sandboxes = roles.includes("web") ? await startSandboxes(config) : [];
    const state: RuntimeState = { config, database, queue, sandboxes, roles, draining: false };
    holder.__tillbridgeRuntime = state;
    logger.info({ roles, database: database.kind, workers: runWorkers }, "runtime started");
    return state;
  })();
  try {
    return await holder.__tillbridgeRuntimeStarting;
  } finally {
    holder.__tillbridgeRuntimeStarting = undefined;
  }
}

/**
 * Vendors without credentials are served by the local sandboxes; the web process runs them unless SANDBOX_URL
 * points at ones running elsewhere (npm run sandbox). Loaded lazily: with real credentials the sandbox code never
 * loads.
 */
async function startSandboxes(config: AppConfig): Promise<RuntimeState["sandboxes"]> {
  const { sandboxed, sandbox } = config;
  if (!sandbox.startInProcess || !(sandboxed.shopify || sandboxed.square || sandboxed.quickbooks)) return [];
  const shopifyToml = path.resolve("shopify.app.toml");
  if (!fs.existsSync(path.resolve("sandbox/shopify/schema")) || !fs.existsSync(shopifyToml)) {
    // The production image leaves the sandboxes out: there, missing credentials are a configuration error.
    const missing = [sandboxed.shopify && "SHOPIFY_API_KEY", sandboxed.square && "SQUARE_APPLICATION_ID", sandboxed.quickbooks && "QUICKBOOKS_CLIENT_ID"].filter(Boolean);
    throw new ConfigError(`Invalid configuration: ${missing.join(", ")} (and their secrets) are required: this installation has no sandbox. See .env.example.`);
  }
  const started: RuntimeState["sandboxes"] = [];
  const port = (url: string) => Number(new URL(url).port);
  if (sandboxed.shopify) {
    const { startShopifySandbox } = await import("../sandbox/shopify/index");
    started.push(
      await startShopifySandbox({ port: port(sandbox.url), appUrl: config.appUrl, apiKey: config.shopify.apiKey, apiSecret: config.shopify.apiSecret, appTomlPath: shopifyToml }),
    );
  }
  if (sandboxed.square) {
    const { startSquareSandbox } = await import("../sandbox/square/index");
    started.push(
      await startSquareSandbox({
        port: port(sandbox.squareUrl),
        appUrl: config.appUrl,
        applicationId: config.square.applicationId,
        applicationSecret: config.square.applicationSecret,
        webhookSignatureKey: config.square.webhookSignatureKey,
      }),
    );
  }
  if (sandboxed.quickbooks) {
    const { startIntuitSandbox } = await import("../sandbox/intuit/index");
    started.push(
      await startIntuitSandbox({
        port: port(sandbox.intuitUrl),
        appUrl: config.appUrl,
        clientId: config.quickbooks.clientId,
        clientSecret: config.quickbooks.clientSecret,
        webhookVerifierToken: config.quickbooks.webhookVerifierToken,
      }),
    );
  }
  logger.info({ shopify: sandboxed.shopify && sandbox.url, square: sandboxed.square && sandbox.squareUrl, quickbooks: sandboxed.quickbooks && sandbox.intuitUrl }, "vendor sandboxes started (no credentials configured for them)");
  return started;
}

export function getRuntime(): RuntimeState {
  const state = holder.__tillbridgeRuntime;
  if (!state) throw new Error("The Tillbridge runtime has not been started");
  return state;
}

export function jobQueue(): JobQueue {
  return getRuntime().queue;
}

/** The queue when the runtime runs, else null (a module used outside the server, e.g. from a script). */
export function runningJobQueue(): JobQueue | null {
  return holder.__tillbridgeRuntime?.queue ?? null;
}

/** Readiness stops answering "ready" first, so load balancers move traffic away before the server closes. */
export function markDraining(): void {
  if (holder.__tillbridgeRuntime) holder.__tillbridgeRuntime.draining = true;
}

export async function stopRuntime(): Promise<void> {
  const state = holder.__tillbridgeRuntime;
  if (!state) return;
  state.draining = true;
  for (const sandbox of state.sandboxes) await sandbox.close();
  await state.queue.stop({ timeoutMs: state.config.shutdownTimeoutMs });
  await closeDatabase();
  holder.__tillbridgeRuntime = undefined;
  logger.info("runtime stopped");
}

export interface ReadinessReport {
  ready: boolean;
  checks: { database: boolean; migrations: boolean; queue: boolean; accepting: boolean };
  pendingMigrations?: string[];
}

export async function checkReadiness(): Promise<ReadinessReport> {
  const state = holder.__tillbridgeRuntime;
  if (!state) return { ready: false, checks: { database: false, migrations: false, queue: false, accepting: false } };
  let databaseOk = false;
  let pending: string[] = [];
  let migrationsOk = false;
  try {
    await state.database.prisma.$queryRaw`SELECT 1`;
    databaseOk = true;
    const status = await migrationStatus(state.database.migrationTarget, { migrationsDir: migrationsDir() });
    pending = status.pending;
    migrationsOk = status.pending.length === 0 && status.failed.length === 0;
  } catch (error) {
    logger.warn({ err: error }, "readiness check failed");
  }
  const checks = { database: databaseOk, migrations: migrationsOk, queue: state.queue.isRunning(), accepting: !state.draining };
  return { ready: Object.values(checks).every(Boolean), checks, ...(pending.length ? { pendingMigrations: pending } : {}) };
}

import fs from "node:fs";
import path from "node:path";
import { ConfigError, getConfig, type AppConfig } from "~/config.server";
import { closeDatabase, getDatabase, type Database } from "~/db.server";
import { applyMigrations, migrationStatus } from "~/db/migrations.server";
import { jobDefinitions } from "~/jobs/definitions.server";
import { startJobQueue, type JobQueue } from "~/jobs/queue.server";
import { logger } from "~/observability/logger.server";
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
    getKeyRing(config); // a missing or malformed key ring is a startup error, not a failure on first use
    const database = getDatabase();
    if (config.migrateOnStart) {
      const { applied } = await applyMigrations(database.migrationTarget, { migrationsDir: migrationsDir() });
      for (const name of applied) logger.info({ migration: name }, "applied migration");
    }
    const runWorkers = roles.includes("worker") || config.runWorkersInWeb;
    const queue = await startJobQueue(database, { definitions: jobDefinitions, runWorkers });
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
 * With no Shopify credentials the app talks to the Shopify sandbox; the web process runs it unless SANDBOX_URL
 * points at one running elsewhere (npm run sandbox). Loaded lazily: production with real credentials never
 * loads the sandbox code.
 */
async function startSandboxes(config: AppConfig): Promise<RuntimeState["sandboxes"]> {
  if (!config.sandboxed.shopify || !config.sandbox.startInProcess) return [];
  const shopifyToml = path.resolve("shopify.app.toml");
  if (!fs.existsSync(path.resolve("sandbox/shopify/schema")) || !fs.existsSync(shopifyToml)) {
    // The production image leaves the sandbox out: there, missing credentials are a configuration error.
    throw new ConfigError("Invalid configuration: SHOPIFY_API_KEY and SHOPIFY_API_SECRET are required (this installation has no Shopify sandbox). See .env.example.");
  }
  const { startShopifySandbox } = await import("../sandbox/shopify/index");
  const sandbox = await startShopifySandbox({
    port: config.sandbox.port,
    appUrl: config.appUrl,
    apiKey: config.shopify.apiKey,
    apiSecret: config.shopify.apiSecret,
    appTomlPath: shopifyToml,
  });
  logger.info({ url: sandbox.url }, "Shopify sandbox started (no Shopify credentials configured)");
  return [sandbox];
}

export function getRuntime(): RuntimeState {
  const state = holder.__tillbridgeRuntime;
  if (!state) throw new Error("The Tillbridge runtime has not been started");
  return state;
}

export function jobQueue(): JobQueue {
  return getRuntime().queue;
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

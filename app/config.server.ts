import path from "node:path";
import { z } from "zod";
import { SANDBOX_QUICKBOOKS_CLIENT_ID, SANDBOX_QUICKBOOKS_CLIENT_SECRET, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN } from "../sandbox/intuit/credentials";
import { SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET } from "../sandbox/shopify/credentials";
import { SANDBOX_SQUARE_APPLICATION_ID, SANDBOX_SQUARE_APPLICATION_SECRET, SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY } from "../sandbox/square/credentials";

/**
 * The one place that reads the environment. Every variable is documented in .env.example.
 * A bad value stops the process with one line that names the variable (see ConfigError),
 * and never echoes the value, since several of these are secrets.
 */

const postgresUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "postgres:" || url.protocol === "postgresql:";
    } catch {
      return false;
    }
  }, "must be a postgres:// or postgresql:// URL");

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
  .transform((value) => value === "true" || value === "1" || value === "yes");

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    APP_URL: z.preprocess(emptyAsUndefined, z.url({ error: "must be an absolute http(s) URL" }).optional()),
    DATABASE_URL: z.preprocess(emptyAsUndefined, postgresUrl.optional()),
    TILLBRIDGE_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default(".data")),
    ENCRYPTION_KEYS: z.preprocess(emptyAsUndefined, z.string().optional()),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    RUN_WORKERS_IN_WEB: z.preprocess(emptyAsUndefined, booleanFlag.optional()),
    MIGRATE_ON_START: z.preprocess(emptyAsUndefined, booleanFlag.optional()),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(25),
    LINK_CODE_LIFETIME_SECONDS: z.coerce.number().int().min(5).max(3600).default(600),
    JOB_HEARTBEAT_SECONDS: z.coerce.number().int().min(10).max(3600).default(30),
    JOB_SUPERVISE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, "must be at least 16 characters").optional()),
    SHOPIFY_API_KEY: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
    SHOPIFY_API_SECRET: z.preprocess(emptyAsUndefined, z.string().min(8, "must be the app's client secret").optional()),
    SHOPIFY_APP_URL: z.preprocess(emptyAsUndefined, z.url({ error: "must be an absolute http(s) URL" }).optional()),
    SCOPES: z.preprocess(emptyAsUndefined, z.string().optional()),
    SQUARE_APPLICATION_ID: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
    SQUARE_APPLICATION_SECRET: z.preprocess(emptyAsUndefined, z.string().min(8, "must be the application's secret").optional()),
    SQUARE_WEBHOOK_SIGNATURE_KEY: z.preprocess(emptyAsUndefined, z.string().min(8).optional()),
    SQUARE_ENVIRONMENT: z.enum(["sandbox", "production"], { error: "must be sandbox or production" }).default("production"),
    QUICKBOOKS_CLIENT_ID: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
    QUICKBOOKS_CLIENT_SECRET: z.preprocess(emptyAsUndefined, z.string().min(8, "must be the app's client secret").optional()),
    QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(8).optional()),
    QUICKBOOKS_ENVIRONMENT: z.enum(["sandbox", "production"], { error: "must be sandbox or production" }).default("production"),
    SANDBOX_PORT: z.coerce.number().int().min(1).max(65534).default(3100),
    SANDBOX_URL: z.preprocess(emptyAsUndefined, z.url({ error: "must be an absolute http(s) URL" }).optional()),
  });

export type DatabaseConfig =
  | { kind: "pglite"; dataDir: string }
  | { kind: "postgres"; url: string; poolSize: number };

export interface AppConfig {
  nodeEnv: "development" | "production" | "test";
  port: number;
  appUrl: string;
  dataDir: string;
  database: DatabaseConfig;
  /**
   * Raw key ring from the environment; null means "use the key kept under the data dir", which only the
   * embedded default may do (resolveKeyRing refuses it with DATABASE_URL, at start of every process that
   * handles secrets; the migration CLI does not need keys).
   */
  encryptionKeys: string | null;
  logLevel: z.infer<typeof environmentSchema>["LOG_LEVEL"];
  /** Whether the web process also runs the job workers. Always true on PGlite, which only one process can open. */
  runWorkersInWeb: boolean;
  /** Whether starting a process applies pending migrations first. */
  migrateOnStart: boolean;
  shutdownTimeoutMs: number;
  /** How long a link code (joining a Square-first account with a Shopify store) can be entered. */
  linkCodeLifetimeMs: number;
  /** Bearer token that opens /metrics; without one, /metrics is off. */
  metricsToken: string | null;
  jobs: JobTimingConfig;
  shopify: ShopifyConfig;
  square: SquareConfig;
  quickbooks: QuickBooksConfig;
  /** Which vendors run against the local sandbox instead of the real service (those without credentials). */
  sandboxed: { shopify: boolean; square: boolean; quickbooks: boolean };
  sandbox: SandboxConfig;
}

/** How soon a job whose worker died is noticed and retried (see startJobQueue). */
export interface JobTimingConfig {
  /** A running job's worker confirms it is alive this often (halved); a job silent for longer is failed and retried. */
  heartbeatSeconds: number;
  /** How often a process looks for such jobs (and expired ones). */
  superviseIntervalSeconds: number;
}

export interface ShopifyConfig {
  apiKey: string;
  apiSecret: string;
  appUrl: string;
  /** Empty means "as declared in shopify.app.toml" (Shopify-managed install). */
  scopes: string[];
}

/**
 * The local vendor emulators. Used whenever a vendor has no real credentials configured; `url` is where the
 * app reaches them, and `startInProcess` says whether the web process runs them itself (no SANDBOX_URL given).
 */
export interface SquareConfig {
  applicationId: string;
  applicationSecret: string;
  webhookSignatureKey: string;
  /** Square's own developer sandbox or production; ignored when the local sandbox is used. */
  environment: "sandbox" | "production";
}

export interface QuickBooksConfig {
  clientId: string;
  clientSecret: string;
  webhookVerifierToken: string;
  environment: "sandbox" | "production";
}

export interface SandboxConfig {
  /** The Shopify sandbox; Square's listens two ports above it, Intuit's three. */
  url: string;
  squareUrl: string;
  intuitUrl: string;
  port: number;
  startInProcess: boolean;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}. See .env.example.`);
  }
  const parsed = result.data;
  for (const [first, second, vendor] of [
    ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "Shopify"],
    ["SQUARE_APPLICATION_ID", "SQUARE_APPLICATION_SECRET", "Square"],
    ["QUICKBOOKS_CLIENT_ID", "QUICKBOOKS_CLIENT_SECRET", "QuickBooks"],
  ] as const) {
    if (Boolean(parsed[first]) !== Boolean(parsed[second])) {
      throw new ConfigError(`Invalid configuration: ${first} and ${second} must be set together (or neither, to use the ${vendor} sandbox). See .env.example.`);
    }
  }
  const dataDir = path.resolve(parsed.TILLBRIDGE_DATA_DIR);
  const appUrl = (parsed.APP_URL ?? parsed.SHOPIFY_APP_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/$/, "");
  const sandboxUrl = new URL(parsed.SANDBOX_URL ?? `http://localhost:${parsed.SANDBOX_PORT}`);
  const sandboxBasePort = Number(sandboxUrl.port || parsed.SANDBOX_PORT);
  const sandboxAt = (offset: number) => `${sandboxUrl.protocol}//${sandboxUrl.hostname}:${sandboxBasePort + offset}`;
  const embedded = parsed.DATABASE_URL === undefined;
  return {
    nodeEnv: parsed.NODE_ENV,
    port: parsed.PORT,
    appUrl,
    dataDir,
    database: embedded
      ? { kind: "pglite", dataDir: path.join(dataDir, "pglite") }
      : { kind: "postgres", url: parsed.DATABASE_URL!, poolSize: parsed.DATABASE_POOL_SIZE },
    encryptionKeys: parsed.ENCRYPTION_KEYS ?? null,
    logLevel: parsed.LOG_LEVEL,
    runWorkersInWeb: embedded ? true : (parsed.RUN_WORKERS_IN_WEB ?? false),
    migrateOnStart: parsed.MIGRATE_ON_START ?? embedded,
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    linkCodeLifetimeMs: parsed.LINK_CODE_LIFETIME_SECONDS * 1000,
    metricsToken: parsed.METRICS_TOKEN ?? null,
    jobs: { heartbeatSeconds: parsed.JOB_HEARTBEAT_SECONDS, superviseIntervalSeconds: parsed.JOB_SUPERVISE_INTERVAL_SECONDS },
    shopify: {
      apiKey: parsed.SHOPIFY_API_KEY ?? SANDBOX_SHOPIFY_API_KEY,
      apiSecret: parsed.SHOPIFY_API_SECRET ?? SANDBOX_SHOPIFY_API_SECRET,
      appUrl: (parsed.SHOPIFY_APP_URL ?? appUrl).replace(/\/$/, ""),
      scopes: (parsed.SCOPES ?? "").split(",").map((scope) => scope.trim()).filter(Boolean),
    },
    square: {
      applicationId: parsed.SQUARE_APPLICATION_ID ?? SANDBOX_SQUARE_APPLICATION_ID,
      applicationSecret: parsed.SQUARE_APPLICATION_SECRET ?? SANDBOX_SQUARE_APPLICATION_SECRET,
      webhookSignatureKey: parsed.SQUARE_WEBHOOK_SIGNATURE_KEY ?? SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY,
      environment: parsed.SQUARE_ENVIRONMENT,
    },
    quickbooks: {
      clientId: parsed.QUICKBOOKS_CLIENT_ID ?? SANDBOX_QUICKBOOKS_CLIENT_ID,
      clientSecret: parsed.QUICKBOOKS_CLIENT_SECRET ?? SANDBOX_QUICKBOOKS_CLIENT_SECRET,
      webhookVerifierToken: parsed.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN ?? SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
      environment: parsed.QUICKBOOKS_ENVIRONMENT,
    },
    sandboxed: { shopify: !parsed.SHOPIFY_API_KEY, square: !parsed.SQUARE_APPLICATION_ID, quickbooks: !parsed.QUICKBOOKS_CLIENT_ID },
    sandbox: {
      url: sandboxAt(0),
      squareUrl: sandboxAt(2),
      intuitUrl: sandboxAt(3),
      port: sandboxBasePort,
      startInProcess: !parsed.SANDBOX_URL,
    },
  };
}

let cached: AppConfig | undefined;

/** The process's configuration, parsed once. Throws ConfigError when the environment is wrong. */
export function getConfig(): AppConfig {
  cached ??= parseConfig();
  return cached;
}

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { testEncryptionKeys, withDatabase } from "../support/test-database-env";

/**
 * Gives this test file a database of its own, copied from the run's migrated template, and points the app's
 * configuration at it (TILLBRIDGE_DATA_DIR for PGlite, DATABASE_URL for PostgreSQL). Dropped after the file.
 */

const template = inject("testDatabaseTemplate");
let cleanup: () => Promise<void>;

if (template.kind === "pglite") {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-test-"));
  fs.cpSync(template.templateDir, path.join(dataDir, "pglite"), { recursive: true });
  delete process.env.DATABASE_URL;
  delete process.env.ENCRYPTION_KEYS;
  process.env.TILLBRIDGE_DATA_DIR = dataDir;
  cleanup = async () => fs.rmSync(dataDir, { recursive: true, force: true });
} else {
  const database = `tillbridge_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: template.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${template.templateDatabase}"`);
  process.env.DATABASE_URL = withDatabase(template.adminUrl, database);
  process.env.ENCRYPTION_KEYS = testEncryptionKeys;
  process.env.TILLBRIDGE_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-test-"));
  cleanup = async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  };
}
process.env.MIGRATE_ON_START = "false";
process.env.LOG_LEVEL ??= "silent";
const { logger } = await import("~/observability/logger.server");
logger.level = process.env.LOG_LEVEL;

afterAll(async () => {
  const { stopRuntime } = await import("~/runtime.server");
  const { closeDatabase } = await import("~/db.server");
  await stopRuntime();
  await closeDatabase();
  await cleanup();
});

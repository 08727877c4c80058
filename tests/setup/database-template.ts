import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { fromPglite, PgBoss } from "pg-boss";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../app/db/migrations.server";
import { templatePostgresDatabase, withDatabase } from "../support/test-database-env";

/**
 * Builds one migrated database (schema and job queue tables) per test run; every test file then starts from a
 * copy of it (tests/setup/isolated-database.ts), which is much faster than migrating per file.
 */

export type TestDatabaseTemplate =
  | { kind: "pglite"; templateDir: string }
  | { kind: "postgres"; adminUrl: string; templateDatabase: string };

declare module "vitest" {
  export interface ProvidedContext {
    testDatabaseTemplate: TestDatabaseTemplate;
  }
}

const migrationsDir = path.resolve("prisma/migrations");

export default async function setup(project: TestProject) {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-template-"));
    const templateDir = path.join(root, "pglite");
    const pglite = new PGlite(templateDir);
    await applyMigrations({ kind: "pglite", db: pglite }, { migrationsDir });
    await installJobQueueSchema(new PgBoss({ db: fromPglite(pglite), backend: "pglite", schema: "pgboss" }));
    await pglite.close();
    project.provide("testDatabaseTemplate", { kind: "pglite", templateDir });
    return () => fs.rmSync(root, { recursive: true, force: true });
  }

  const templateDatabase = `${templatePostgresDatabase}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${templateDatabase}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${templateDatabase}"`);
  const templateUrl = withDatabase(adminUrl, templateDatabase);
  await applyMigrations({ kind: "postgres", url: templateUrl }, { migrationsDir });
  await installJobQueueSchema(new PgBoss({ connectionString: templateUrl, schema: "pgboss" }));
  project.provide("testDatabaseTemplate", { kind: "postgres", adminUrl, templateDatabase });
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${templateDatabase}" WITH (FORCE)`);
    await admin.end();
  };
}

async function installJobQueueSchema(boss: PgBoss): Promise<void> {
  await boss.start();
  await boss.stop({ graceful: false, close: true });
}

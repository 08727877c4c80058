import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { applyMigrations, createMigration, migrationStatus, type MigrationTarget } from "./migrations.server";

// Every PGlite boots a whole Postgres in wasm (1-3 s each).
const TIMEOUT = 60_000;

const BASE_SCHEMA = `
datasource db {
  provider = "postgresql"
}

model Tenant {
  id        String   @id @default(uuid()) @db.Uuid
  name      String
  createdAt DateTime @default(now())
}

model Note {
  id   Int    @id @default(autoincrement())
  body String @default("a;b")
}
`;

/** Hand-written, but exactly what Prisma generates for BASE_SCHEMA. */
const INIT_SQL = `-- CreateTable
CREATE TABLE "Tenant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);
`;

/** Semicolons inside a literal and a function body: the script must reach the database whole. */
const NOTES_SQL = `CREATE TABLE "Note" ("id" SERIAL NOT NULL, "body" TEXT NOT NULL DEFAULT 'a;b', CONSTRAINT "Note_pkey" PRIMARY KEY ("id"));
CREATE FUNCTION note_body_length(body TEXT) RETURNS INTEGER LANGUAGE plpgsql AS $$
BEGIN
  RETURN length(body);
END;
$$;
`;

const MIGRATIONS = { "20240101000000_init": INIT_SQL, "20240102000000_notes": NOTES_SQL };
const NAMES = Object.keys(MIGRATIONS);

let tmp: string;
let migrationsDir: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "tillbridge-migrations-"));
  migrationsDir = path.join(tmp, "migrations");
  await writeMigrations(migrationsDir, MIGRATIONS);
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeMigrations(dir: string, migrations: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

async function migrationRows(query: Query) {
  return query(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs
       FROM _prisma_migrations ORDER BY started_at`,
  );
}

async function tableNames(query: Query): Promise<string[]> {
  const rows = await query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  return rows.map((row) => String(row.tablename));
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The same scenario against PGlite and, when available, a real PostgreSQL. */
async function expectFreshApplyThenNoop(target: MigrationTarget, query: Query): Promise<void> {
  expect(await migrationStatus(target, { migrationsDir })).toEqual({ applied: [], pending: NAMES, failed: [] });

  expect(await applyMigrations(target, { migrationsDir })).toEqual({ applied: NAMES });

  const rows = await migrationRows(query);
  expect(rows.map((row) => row.migration_name)).toEqual(NAMES);
  for (const row of rows) {
    const name = String(row.migration_name);
    expect(row.checksum).toBe(sha256(MIGRATIONS[name as keyof typeof MIGRATIONS]));
    expect(row.finished_at).not.toBeNull();
    expect(row.rolled_back_at).toBeNull();
    expect(row.applied_steps_count).toBe(1);
    expect(row.logs).toBeNull();
  }
  expect(await tableNames(query)).toEqual(["Note", "Tenant", "_prisma_migrations"]);
  expect(await query("SELECT note_body_length('a;b') AS n")).toEqual([{ n: 3 }]);

  expect(await applyMigrations(target, { migrationsDir })).toEqual({ applied: [] });
  expect(await migrationRows(query)).toHaveLength(NAMES.length);
  expect(await migrationStatus(target, { migrationsDir })).toEqual({ applied: NAMES, pending: [], failed: [] });
}

describe("with PGlite", { timeout: TIMEOUT }, () => {
  let db: PGlite;
  let query: Query;

  beforeEach(async () => {
    db = await PGlite.create();
    query = async (sql) => (await db.query<Record<string, unknown>>(sql)).rows;
  });

  afterEach(async () => {
    await db.close();
  });

  it("applies every migration once, as Prisma records them", async () => {
    await expectFreshApplyThenNoop({ kind: "pglite", db }, query);
    // The caller's instance stays open.
    expect(db.closed).toBe(false);
  });

  it("applies only what is new", async () => {
    await applyMigrations({ kind: "pglite", db }, { migrationsDir });
    await writeMigrations(migrationsDir, { "20240103000000_more": `ALTER TABLE "Note" ADD COLUMN "extra" INTEGER;` });

    expect(await migrationStatus({ kind: "pglite", db }, { migrationsDir })).toEqual({
      applied: NAMES,
      pending: ["20240103000000_more"],
      failed: [],
    });
    expect(await applyMigrations({ kind: "pglite", db }, { migrationsDir })).toEqual({
      applied: ["20240103000000_more"],
    });
  });

  it("queues concurrent calls on the same instance", async () => {
    const results = await Promise.all([
      applyMigrations({ kind: "pglite", db }, { migrationsDir }),
      applyMigrations({ kind: "pglite", db }, { migrationsDir }),
    ]);
    // Whichever runs first applies everything; the other finds nothing left to do.
    const applied = results.map((result) => result.applied).sort((a, b) => b.length - a.length);
    expect(applied).toEqual([NAMES, []]);
    expect(await migrationRows(query)).toHaveLength(NAMES.length);
  });

  it("reports a failed migration by name and database error, and applies nothing of it", async () => {
    await writeMigrations(migrationsDir, {
      "20240103000000_broken": `CREATE TABLE "Half" (id INTEGER);\nCREATE TABLE "Tenant" (id INTEGER);\n`,
    });

    await expect(applyMigrations({ kind: "pglite", db }, { migrationsDir })).rejects.toThrow(
      /^Migration 20240103000000_broken failed: .*relation "Tenant" already exists/,
    );

    const broken = (await migrationRows(query)).find((row) => row.migration_name === "20240103000000_broken");
    expect(broken).toMatchObject({ finished_at: null, applied_steps_count: 0 });
    // The whole script ran as one implicit transaction.
    expect(await tableNames(query)).not.toContain("Half");
    expect(await migrationStatus({ kind: "pglite", db }, { migrationsDir })).toEqual({
      applied: NAMES,
      pending: [],
      failed: ["20240103000000_broken"],
    });
    // Like `prisma migrate deploy`, nothing more is applied until the failure is resolved.
    await expect(applyMigrations({ kind: "pglite", db }, { migrationsDir })).rejects.toThrow(
      /failed migrations in the target database.*20240103000000_broken.*\(P3009\)/s,
    );
  });

  it("reads the status of a database without a migrations table", async () => {
    await rm(migrationsDir, { recursive: true });
    expect(await migrationStatus({ kind: "pglite", db }, { migrationsDir })).toEqual({
      applied: [],
      pending: [],
      failed: [],
    });
  });
});

describe("createMigration", { timeout: TIMEOUT }, () => {
  async function newMigrationDirs(): Promise<string[]> {
    const entries = await readdir(migrationsDir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory() && !NAMES.includes(entry.name)).map((entry) => entry.name);
  }

  async function writeSchema(schema: string): Promise<string> {
    const schemaPath = path.join(tmp, "schema.prisma");
    await writeFile(schemaPath, schema);
    return schemaPath;
  }

  it("writes the SQL from the existing migrations to the schema", async () => {
    const schemaPath = await writeSchema(BASE_SCHEMA.replace("name      String", "name      String\n  plan      String?"));

    const { dir, sql } = await createMigration({ schemaPath, migrationsDir, name: "add_plan" });

    expect(sql).toContain(`ALTER TABLE "Tenant" ADD COLUMN     "plan" TEXT;`);
    // Nothing else differs: the replayed history matches the rest of the schema.
    expect(sql.trim().split("\n")).toEqual(["-- AlterTable", `ALTER TABLE "Tenant" ADD COLUMN     "plan" TEXT;`]);
    expect(dir).not.toBeNull();
    expect(path.dirname(dir!)).toBe(migrationsDir);
    expect(path.basename(dir!)).toMatch(/^\d{14}_add_plan$/);
    expect(await newMigrationDirs()).toEqual([path.basename(dir!)]);
    expect(await readFile(path.join(dir!, "migration.sql"), "utf8")).toBe(sql);
    expect(await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8")).toContain(
      'provider = "postgresql"',
    );

    // The new migration applies on top of the others.
    const db = await PGlite.create();
    try {
      const { applied } = await applyMigrations({ kind: "pglite", db }, { migrationsDir });
      expect(applied).toEqual([...NAMES, path.basename(dir!)]);
      const columns = await db.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'Tenant' AND column_name = 'plan'");
      expect(columns.rows).toHaveLength(1);
    } finally {
      await db.close();
    }
  });

  it("writes nothing when the schema matches the migrations", async () => {
    const schemaPath = await writeSchema(BASE_SCHEMA);

    expect(await createMigration({ schemaPath, migrationsDir, name: "nothing" })).toEqual({ dir: null, sql: "" });
    expect(await newMigrationDirs()).toEqual([]);
    expect(existsSync(path.join(migrationsDir, "migration_lock.toml"))).toBe(false);
  });

  it("creates the first migration in an empty directory", async () => {
    const schemaPath = await writeSchema(BASE_SCHEMA);
    const emptyDir = path.join(tmp, "fresh");

    const { dir, sql } = await createMigration({ schemaPath, migrationsDir: emptyDir, name: "init" });

    expect(sql).toContain(`CREATE TABLE "Tenant"`);
    expect(sql).toContain(`CREATE TABLE "Note"`);
    expect(path.basename(dir!)).toMatch(/^\d{14}_init$/);
    expect(await readFile(path.join(emptyDir, "migration_lock.toml"), "utf8")).toBe(
      `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n`,
    );
  });

  it("rejects names that are not letters, digits and underscores", async () => {
    const schemaPath = await writeSchema(BASE_SCHEMA);
    await expect(createMigration({ schemaPath, migrationsDir, name: "../escape" })).rejects.toThrow(/Invalid migration name/);
  });
});

describe.runIf(process.env.DATABASE_URL)("with PostgreSQL (DATABASE_URL)", { timeout: TIMEOUT }, () => {
  const database = `tillbridge_migrations_test_${randomUUID().replaceAll("-", "")}`;
  let admin: pg.Client;
  let url: string;
  let client: pg.Client;
  let query: Query;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    const scratch = new URL(process.env.DATABASE_URL!);
    scratch.pathname = `/${database}`;
    url = scratch.toString();
    client = new pg.Client({ connectionString: url });
    await client.connect();
    query = async (sql) => (await client.query(sql)).rows;
  });

  afterAll(async () => {
    await client?.end();
    await admin?.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin?.end();
  });

  it("applies every migration once, as Prisma records them", async () => {
    await expectFreshApplyThenNoop({ kind: "postgres", url }, query);
  });

  it("lets only one of two concurrent callers apply a migration", async () => {
    // A copy so that the first test's history stays untouched.
    const slowDir = path.join(tmp, "slow");
    await cp(migrationsDir, slowDir, { recursive: true });
    await writeMigrations(slowDir, { "20240103000000_slow": `SELECT pg_sleep(1);\nCREATE TABLE "Slow" (id INTEGER);\n` });

    const { pending } = await migrationStatus({ kind: "postgres", url }, { migrationsDir: slowDir });
    expect(pending).toContain("20240103000000_slow");

    const results = await Promise.all([
      applyMigrations({ kind: "postgres", url }, { migrationsDir: slowDir }),
      applyMigrations({ kind: "postgres", url }, { migrationsDir: slowDir }),
    ]);

    // One caller applied everything, the other waited for the lock and found nothing left.
    expect(results.map((result) => result.applied).sort()).toEqual([[], pending]);
    const rows = await migrationRows(query);
    expect(rows.filter((row) => row.migration_name === "20240103000000_slow")).toHaveLength(1);
    expect(await tableNames(query)).toContain("Slow");
  });
});

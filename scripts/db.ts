/**
 * Database migrations CLI (the Prisma CLI's schema engine cannot run here).
 *
 *   npm run db:migrate               apply pending migrations
 *   npm run db:migration -- <name>   create a migration from prisma/schema.prisma
 *
 * `migrate` targets DATABASE_URL when set, else the embedded PGlite in
 * $TILLBRIDGE_DATA_DIR/pglite (default .data/pglite).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";

import { applyMigrations, createMigration, type MigrationTarget } from "../app/db/migrations.server";

const SCHEMA_PATH = path.resolve("prisma/schema.prisma");
const MIGRATIONS_DIR = path.resolve("prisma/migrations");
const USAGE = "Usage: tsx scripts/db.ts migrate | tsx scripts/db.ts new <name>";

async function migrate(): Promise<void> {
  const { target, label, close } = await openTarget();
  try {
    const started = performance.now();
    const { applied } = await applyMigrations(target, { migrationsDir: MIGRATIONS_DIR });
    for (const name of applied) console.log(`Applied ${name}`);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      applied.length === 0
        ? `${label} is up to date.`
        : `Applied ${applied.length} migration(s) to ${label} in ${seconds}s.`,
    );
  } finally {
    await close();
  }
}

async function openTarget(): Promise<{ target: MigrationTarget; label: string; close: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    return { target: { kind: "postgres", url }, label: describeUrl(url), close: async () => {} };
  }
  const dataDir = path.join(process.env.TILLBRIDGE_DATA_DIR || ".data", "pglite");
  // PGlite creates its own directory but not the missing parents; `create`
  // (unlike `new`) lets a failed start reject here instead of crashing later.
  await mkdir(path.dirname(dataDir), { recursive: true });
  const db = await PGlite.create(dataDir);
  return { target: { kind: "pglite", db }, label: `PGlite (${dataDir})`, close: () => db.close() };
}

/** host/database only: the URL may hold a password. */
function describeUrl(url: string): string {
  try {
    const { host, pathname } = new URL(url);
    return `PostgreSQL ${host}${pathname}`;
  } catch {
    return "PostgreSQL (DATABASE_URL)";
  }
}

async function newMigration(name: string | undefined): Promise<void> {
  if (!name || !/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(`Migration name must be letters, digits and underscores (got ${JSON.stringify(name ?? "")}).`);
  }
  const { dir } = await createMigration({ schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR, name });
  console.log(dir ? `Created ${path.relative(process.cwd(), path.join(dir, "migration.sql"))}` : "No schema changes");
}

async function run(command: string | undefined, args: string[]): Promise<void> {
  if (command === "migrate" && args.length === 0) return migrate();
  if (command === "new" && args.length <= 1) return newMigration(args[0]);
  throw new Error(USAGE);
}

const [command, ...args] = process.argv.slice(2);
run(command, args).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  // `migrate` runs in deploy logs: one line (it already names the migration
  // and the database error). `new` may show a multi-line schema diagnostic.
  console.error(`Error: ${command === "migrate" ? message.replace(/\s*\n\s*/g, " ") : message}`);
  process.exitCode = 1;
});

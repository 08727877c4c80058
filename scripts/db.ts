/**
 * Database migrations CLI (the Prisma CLI's schema engine cannot run here).
 *
 *   npm run db:migrate               apply pending migrations
 *   npm run db:migration -- <name>   create a migration from prisma/schema.prisma
 *
 * `migrate` targets DATABASE_URL when set, else the embedded PGlite in
 * $TILLBRIDGE_DATA_DIR/pglite (default .data/pglite), as configured by app/config.server.ts.
 */
import path from "node:path";

import { parseConfig } from "../app/config.server";
import { openDatabase } from "../app/db.server";
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
  const { database: databaseConfig } = parseConfig();
  // openDatabase locks the embedded data dir, so migrating while `npm run dev` has it open is refused.
  const database = openDatabase(databaseConfig);
  const label = databaseConfig.kind === "postgres" ? describeUrl(databaseConfig.url) : `PGlite (${databaseConfig.dataDir})`;
  return { target: database.migrationTarget, label, close: () => database.close() };
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

import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { getConfig, type DatabaseConfig } from "~/config.server";
import { PrismaClient } from "~/generated/prisma/client";
import type { MigrationTarget } from "~/db/migrations.server";

export { PrismaClient };
export type { Prisma } from "~/generated/prisma/client";

/**
 * The database: PGlite in-process when DATABASE_URL is unset (the embedded default), a real PostgreSQL
 * otherwise. Both run the same schema and migrations; the job queue (pg-boss) lives in the same database.
 */
export interface Database {
  readonly kind: DatabaseConfig["kind"];
  readonly prisma: PrismaClient;
  /** The open PGlite instance on the embedded default (pg-boss and the migration runner share it). */
  readonly pglite: PGlite | null;
  readonly migrationTarget: MigrationTarget;
  close(): Promise<void>;
}

export class DatabaseLockedError extends Error {
  override name = "DatabaseLockedError";
}

export function openDatabase(config: DatabaseConfig): Database {
  if (config.kind === "postgres") {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: config.url, max: config.poolSize }) });
    return {
      kind: "postgres",
      prisma,
      pglite: null,
      migrationTarget: { kind: "postgres", url: config.url },
      close: () => prisma.$disconnect(),
    };
  }
  const releaseLock = lockDataDir(config.dataDir);
  const pglite = new PGlite(config.dataDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: "pglite",
    prisma,
    pglite,
    migrationTarget: { kind: "pglite", db: pglite },
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
      releaseLock();
    },
  };
}

/**
 * PGlite is a single-process database: two processes writing one data dir corrupt it. A lock file holding the
 * owner's pid turns that into a clear error. A lock left by a process that no longer runs (kill -9) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(lockFile, "utf8").trim());
      if (owner === process.pid || (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner))) {
        throw new DatabaseLockedError(
          `The embedded database in ${dataDir} is in use by process ${owner}. Stop that process (npm run dev or npm start) first, or set DATABASE_URL to use a PostgreSQL server.`,
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new DatabaseLockedError(`Could not lock the embedded database in ${dataDir}`);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// One database per process. Kept on globalThis because Vite's dev server re-evaluates modules on change,
// and a second PGlite on the same data dir must never be opened.
const globalForDatabase = globalThis as typeof globalThis & { __tillbridgeDatabase?: Database };

export function getDatabase(): Database {
  globalForDatabase.__tillbridgeDatabase ??= openDatabase(getConfig().database);
  return globalForDatabase.__tillbridgeDatabase;
}

export async function closeDatabase(): Promise<void> {
  const database = globalForDatabase.__tillbridgeDatabase;
  globalForDatabase.__tillbridgeDatabase = undefined;
  await database?.close();
}

/** The Prisma client of this process's database. */
export function db(): PrismaClient {
  return getDatabase().prisma;
}

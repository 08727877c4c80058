import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "~/db.server";

/**
 * The database a benchmark runs on: PostgreSQL when DATABASE_URL is set (a scratch database is created on that
 * server and dropped afterwards), otherwise an embedded PGlite in a temporary directory.
 */
export async function openBenchDatabase(): Promise<{ database: Database; label: string; dispose: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-bench-"));
    const database = openDatabase({ kind: "pglite", dataDir: path.join(dir, "pglite") });
    return { database, label: "PGlite (embedded, in-process)", dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const scratch = await createScratchDatabase(url);
  const database = openDatabase({ kind: "postgres", url: scratch.url, poolSize: 10 });
  return { database, label: `PostgreSQL ${scratch.version} (scratch database ${scratch.name})`, dispose: scratch.drop };
}

/** An empty database on the server of `url`, for one benchmark run; `drop` removes it. */
export async function createScratchDatabase(url: string): Promise<{ name: string; url: string; version: string; drop: () => Promise<void> }> {
  const name = `tillbridge_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const scratchUrl = new URL(url);
  scratchUrl.pathname = `/${name}`;
  const version = (await admin.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version ?? "?";
  return {
    name,
    url: scratchUrl.toString(),
    version,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

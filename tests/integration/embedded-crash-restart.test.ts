import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "~/db.server";
import { startServerProcess } from "../support/dev-server";
import { freePorts } from "../support/ports";

// `kill -9` of the dev process on the embedded database: the data under the data dir survives, the restart
// takes over the stale lock, and no migration is applied twice. Only meaningful on PGlite.

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tillbridge-crash-"));
const port = await freePorts();
// The dev server's sandboxes on ports of this file's own, not the defaults another test's server may hold.
const sandboxPort = await freePorts(4);
const children: ChildProcess[] = [];

async function startDevServer() {
  const server = await startServerProcess({ port, env: { TILLBRIDGE_DATA_DIR: dataDir, MIGRATE_ON_START: "", DATABASE_URL: "", SANDBOX_PORT: String(sandboxPort) } });
  children.push(server.child);
  return server;
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(Boolean(process.env.DATABASE_URL))("embedded database after kill -9", () => {
  it("keeps its data and applies each migration once", async () => {
    const first = await startDevServer();
    expect(first.output()).toMatch(/"msg":"applied migration"/);
    await killHard(first.child);

    // The killed process left its lock behind; a new owner takes it over and sees what the server wrote.
    const database = openDatabase({ kind: "pglite", dataDir: path.join(dataDir, "pglite") });
    await database.prisma.tenant.create({ data: { name: "Survivor Shop", origin: "SQUARE" } });
    const queues = await database.prisma.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pgboss.queue`);
    expect(queues.map((queue) => queue.name)).toContain("system.noop");
    await database.close();

    const second = await startDevServer();
    expect(second.output()).not.toMatch(/"msg":"applied migration"/);
    await killHard(second.child);

    const reopened = openDatabase({ kind: "pglite", dataDir: path.join(dataDir, "pglite") });
    try {
      expect(await reopened.prisma.tenant.count({ where: { name: "Survivor Shop" } })).toBe(1);
      const migrations = await reopened.prisma.$queryRawUnsafe<{ migration_name: string; count: bigint }[]>(
        `SELECT migration_name, count(*) AS count FROM _prisma_migrations GROUP BY migration_name`,
      );
      expect(migrations.length).toBeGreaterThan(0);
      expect(migrations.every((row) => Number(row.count) === 1)).toBe(true);
    } finally {
      await reopened.close();
    }
  }, 360_000);

  it("refuses a second process on the same data dir with a clear message", async () => {
    const owner = openDatabase({ kind: "pglite", dataDir: path.join(dataDir, "pglite-locked") });
    try {
      // Same process, same dir: the lock names the owner, whoever asks.
      expect(() => openDatabase({ kind: "pglite", dataDir: path.join(dataDir, "pglite-locked") })).toThrow(
        /is in use by process \d+\. Stop that process/,
      );
    } finally {
      await owner.close();
    }
  });
});

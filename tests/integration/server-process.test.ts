import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type RunningServer } from "../support/dev-server";
import { freePorts } from "../support/ports";

// The real process entry, on this test file's own database (PGlite or PostgreSQL).

let server: RunningServer;

beforeAll(async () => {
  server = await startServerProcess({
    port: await freePorts(),
    env: {
      TILLBRIDGE_DATA_DIR: process.env.TILLBRIDGE_DATA_DIR,
      DATABASE_URL: process.env.DATABASE_URL ?? "",
      ENCRYPTION_KEYS: process.env.ENCRYPTION_KEYS ?? "",
      // Sandboxes on ports of this file's own, not the defaults another test's server may hold.
      SANDBOX_PORT: String(await freePorts(4)),
    },
  });
}, 180_000);

afterAll(() => {
  if (server?.child.exitCode === null) server.child.kill("SIGKILL");
});

function logLines(): Record<string, unknown>[] {
  return server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("server process", () => {
  it("answers health and readiness", async () => {
    expect(await (await fetch(`${server.baseUrl}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { database: true, migrations: true, queue: true, accepting: true } });
  });

  it("logs each request with its id, and no token from headers or the query string", async () => {
    const token = "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";
    const response = await fetch(`${server.baseUrl}/healthz?code=${token}&state=${token}`, {
      headers: { Authorization: `Bearer ${token}`, "X-Request-Id": "test-request-42" },
    });
    expect(response.headers.get("x-request-id")).toBe("test-request-42");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const line = logLines().find((entry) => entry.requestId === "test-request-42");
    expect(line).toMatchObject({ msg: "request", method: "GET", path: "/healthz", status: 200 });
    expect(server.output()).not.toContain(token);
  });

  it("replaces a malformed request id with its own", async () => {
    const response = await fetch(`${server.baseUrl}/healthz`, { headers: { "X-Request-Id": "bad id with spaces" } });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("shuts down gracefully on SIGTERM: stops workers, closes the database, exits 0", async () => {
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const messages = logLines().map((entry) => entry.msg);
    expect(messages).toEqual(expect.arrayContaining(["shutting down: no new requests, draining", "runtime stopped", "stopped"]));
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();
  });
});

import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.server";

const key = "k1:" + Buffer.alloc(32, 1).toString("base64");

describe("parseConfig", () => {
  it("defaults to the embedded database under .data with workers in the web process", () => {
    const config = parseConfig({});
    expect(config.database.kind).toBe("pglite");
    expect(config.database).toMatchObject({ dataDir: expect.stringMatching(/\.data[/\\]pglite$/) });
    expect(config.port).toBe(3000);
    expect(config.appUrl).toBe("http://localhost:3000");
    expect(config.runWorkersInWeb).toBe(true);
    expect(config.migrateOnStart).toBe(true);
  });

  it("uses PostgreSQL when DATABASE_URL is set, with workers in their own processes by default", () => {
    const config = parseConfig({ DATABASE_URL: "postgres://user:pw@db.internal:5432/app", ENCRYPTION_KEYS: key });
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://user:pw@db.internal:5432/app", poolSize: 10 });
    expect(config.runWorkersInWeb).toBe(false);
    expect(config.migrateOnStart).toBe(false);
  });

  it("names the variable and the problem on one line, without echoing the value", () => {
    const attempt = () => parseConfig({ DATABASE_URL: "nonsense-with-secret-pw" });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("DATABASE_URL must be a postgres:// or postgresql:// URL");
      expect(message).not.toContain("nonsense-with-secret-pw");
      expect(message.split("\n")).toHaveLength(1);
    }
  });

  it("rejects a port out of range and a malformed flag", () => {
    expect(() => parseConfig({ PORT: "70000" })).toThrow(/PORT/);
    expect(() => parseConfig({ RUN_WORKERS_IN_WEB: "sometimes" })).toThrow(/RUN_WORKERS_IN_WEB must be true or false/);
  });

  it("treats empty values as unset, as .env files often leave them", () => {
    expect(parseConfig({ DATABASE_URL: "", APP_URL: "" }).database.kind).toBe("pglite");
  });
});

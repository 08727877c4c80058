import os from "node:os";
import path from "node:path";

/** Where the integration tests' template databases live; shared by the global setup and each test file. */
export const templateDataDir = path.join(os.tmpdir(), `tillbridge-test-template-${process.env.TILLBRIDGE_TEST_RUN ?? "local"}`);
export const templatePostgresDatabase = `tillbridge_template_${(process.env.TILLBRIDGE_TEST_RUN ?? "local").replace(/[^a-z0-9_]/gi, "_")}`;
/** A fixed key ring for tests on PostgreSQL (the embedded default generates its own). */
export const testEncryptionKeys = "test-1:" + Buffer.alloc(32, 7).toString("base64");

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

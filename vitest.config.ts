import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const alias = { "~": fileURLToPath(new URL("./app", import.meta.url)) };

/**
 * Two projects:
 * - unit: pure modules, no database, no network (`*.test.ts(x)` next to the module).
 * - integration: anything that touches a database or a server (`*.integration.test.ts`, and tests/integration).
 *   Each test file gets its own database, copied from a migrated template: an embedded PGlite by default,
 *   a fresh PostgreSQL database when DATABASE_URL is set (see tests/setup/).
 */
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          environment: "node",
          include: ["app/**/*.test.{ts,tsx}", "server/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "**/node_modules/**"],
          setupFiles: ["tests/setup/fail-on-console-error.ts"],
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          environment: "node",
          include: ["app/**/*.integration.test.ts", "tests/integration/**/*.test.ts"],
          globalSetup: ["tests/setup/database-template.ts"],
          setupFiles: ["tests/setup/fail-on-console-error.ts", "tests/setup/isolated-database.ts"],
          sequence: { groupOrder: 2 },
          pool: "forks",
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

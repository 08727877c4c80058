import { afterEach, beforeEach, vi } from "vitest";

// A console.error during a test means something went wrong that no assertion looked at: fail the test.
// Tests that expect one mock console.error themselves.
let calls: unknown[][] = [];
beforeEach(() => {
  calls = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    calls.push(args);
  });
});
afterEach(() => {
  const seen = calls;
  vi.mocked(console.error).mockRestore();
  if (seen.length > 0) {
    throw new Error(`console.error was called during the test:\n${seen.map((args) => args.map(String).join(" ")).join("\n")}`);
  }
});

import { describe, expect, it } from "vitest";
import { webConcurrency } from "./web-processes";

describe("webConcurrency", () => {
  it("is one process unless WEB_CONCURRENCY says otherwise", () => {
    expect(webConcurrency({})).toBe(1);
    expect(webConcurrency({ WEB_CONCURRENCY: " " })).toBe(1);
    expect(webConcurrency({ WEB_CONCURRENCY: "4", DATABASE_URL: "postgresql://db/tillbridge" })).toBe(4);
  });

  it("refuses a count that is not a whole number from 1 to 64, in one line", () => {
    for (const value of ["0", "-1", "2.5", "many", "65"]) {
      expect(() => webConcurrency({ WEB_CONCURRENCY: value, DATABASE_URL: "postgresql://db/tillbridge" })).toThrow("Invalid configuration: WEB_CONCURRENCY must be a whole number from 1 to 64.");
    }
  });

  it("refuses several processes on the embedded database, which admits one", () => {
    expect(() => webConcurrency({ WEB_CONCURRENCY: "2" })).toThrow(/needs DATABASE_URL/);
    expect(webConcurrency({ WEB_CONCURRENCY: "1" })).toBe(1);
  });
});

import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { formatDuration } from "./ActivityPage";
import { niceCeiling, summarizeSyncedHours, SyncedPerHourChart } from "./SyncedPerHourChart";

const HOUR_MS = 3600 * 1000;

function day(values: Record<number, number> = {}) {
  const first = Date.UTC(2026, 2, 9, 16);
  return Array.from({ length: 24 }, (_, index) => ({ hourStart: new Date(first + index * HOUR_MS).toISOString(), records: values[index] ?? 0 }));
}

describe("records synced per hour chart", () => {
  it("is one image with a summary, and the values in a table for screen readers", () => {
    const html = renderToString(<SyncedPerHourChart hours={day({ 0: 11, 17: 2, 22: 7, 23: 8 })} />);
    expect(html).toContain('role="img"');
    expect(html).toContain(
      'aria-label="Records synced per hour over the last 24 hours (UTC): 28 records in total; the busiest hour was 16:00–17:00 UTC with 11 records."',
    );
    expect(html.match(/<rect /g)).toHaveLength(4);
    expect(html).toContain("<caption>Records synced per hour, UTC</caption>");
    expect(html.match(/<tr>/g)).toHaveLength(25);
    expect(html).toContain('<th scope="row">15:00–16:00 UTC</th><td>8</td>');
    // Axis: a round top (20 for a busiest hour of 11), zero, and every sixth hour.
    const labels = (html.match(/<span[^>]*>[^<]*<\/span>/g) ?? []).map((span) => span.replace(/<[^>]+>/g, ""));
    expect(labels).toEqual(["20", "0", "16:00", "22:00", "04:00", "10:00"]);
  });

  it("says plainly when nothing was synced, and draws no bars", () => {
    const hours = day();
    expect(summarizeSyncedHours(hours)).toBe("Records synced per hour over the last 24 hours (UTC): no records were synced.");
    const html = renderToString(<SyncedPerHourChart hours={hours} />);
    expect(html).not.toContain("<rect");
    expect(html.match(/<td>0<\/td>/g)).toHaveLength(24);
  });

  it("rounds the scale up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 1, 2, 3, 7, 11, 20, 21, 499, 501, 1000].map(niceCeiling)).toEqual([1, 1, 2, 5, 10, 20, 20, 50, 500, 1000, 1000]);
  });
});

describe("run durations", () => {
  it("read naturally at every scale", () => {
    expect([850, 4250, 125_000, 3_780_000].map(formatDuration)).toEqual(["850 ms", "4.3 s", "2 min 5 s", "1 h 3 min"]);
  });
});

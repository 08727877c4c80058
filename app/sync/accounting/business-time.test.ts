import { describe, expect, it } from "vitest";
import { businessDateOf } from "~/domain/accounting/source-sale";
import { addDays, estimateBacklog, firstWholeDayWithin, startOfBusinessDay, wholeBusinessDays } from "./business-time";

describe("startOfBusinessDay", () => {
  it("is local midnight as an instant, on either side of UTC", () => {
    expect(startOfBusinessDay("2026-11-20", "America/Chicago")).toBe("2026-11-20T06:00:00.000Z");
    expect(startOfBusinessDay("2026-07-20", "America/Chicago")).toBe("2026-07-20T05:00:00.000Z");
    expect(startOfBusinessDay("2026-11-20", "Asia/Kathmandu")).toBe("2026-11-19T18:15:00.000Z");
    expect(startOfBusinessDay("2026-11-20", "UTC")).toBe("2026-11-20T00:00:00.000Z");
  });

  it("is the first hour that exists where a clock change skips midnight", () => {
    // Chile moved its clocks from 00:00 to 01:00 on 2026-09-06.
    const start = startOfBusinessDay("2026-09-06", "America/Santiago");
    expect(businessDateOf(start, "America/Santiago")).toBe("2026-09-06");
    expect(businessDateOf(new Date(Date.parse(start) - 1).toISOString(), "America/Santiago")).toBe("2026-09-05");
  });

  it("refuses what is not a date", () => {
    expect(() => startOfBusinessDay("20 November", "UTC")).toThrow(RangeError);
  });
});

describe("wholeBusinessDays", () => {
  it("lists only the days a window has seen from their first to their last instant", () => {
    // 72 hours back from 06:00 UTC on the 27th, in Chicago (UTC−6): the 24th from 00:00 is inside, the 27th is not over.
    const now = new Date("2026-11-27T06:00:00Z");
    const from = new Date(now.getTime() - 72 * 3600 * 1000);
    expect(wholeBusinessDays(from, now, "America/Chicago")).toEqual(["2026-11-24", "2026-11-25", "2026-11-26"]);
    // In Los Angeles (UTC−8) the window starts at 22:00 on the 23rd: the 23rd is not whole, and the 26th ends at 08:00 UTC.
    expect(wholeBusinessDays(from, now, "America/Los_Angeles")).toEqual(["2026-11-24", "2026-11-25"]);
  });

  it("is empty for a window shorter than a day", () => {
    expect(wholeBusinessDays(new Date("2026-11-27T01:00:00Z"), new Date("2026-11-27T20:00:00Z"), "UTC")).toEqual([]);
  });
});

describe("estimateBacklog", () => {
  it("counts documents left at QuickBooks' pace", () => {
    // 900 orders × 1.5 documents × 1.1 calls ÷ 450 calls a minute = 3.3 minutes, shown as 4.
    expect(estimateBacklog({ ordersLeft: 900, documentsPerOrder: 1.5, callsPerDocument: 1.1, callsPerMinute: 450 })).toEqual({ documentsLeft: 1350, minutesLeft: 4 });
  });

  it("says at least a minute while anything is left, and nothing once done", () => {
    expect(estimateBacklog({ ordersLeft: 1, documentsPerOrder: 1, callsPerDocument: 1, callsPerMinute: 450 })).toEqual({ documentsLeft: 1, minutesLeft: 1 });
    expect(estimateBacklog({ ordersLeft: 0, documentsPerOrder: 2, callsPerDocument: 1, callsPerMinute: 450 })).toEqual({ documentsLeft: 0, minutesLeft: 0 });
  });

  it("never counts fewer documents than orders", () => {
    expect(estimateBacklog({ ordersLeft: 10, documentsPerOrder: 0.2, callsPerDocument: 1, callsPerMinute: 450 }).documentsLeft).toBe(10);
  });
});

describe("addDays", () => {
  it("crosses months and years", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });
});

describe("firstWholeDayWithin", () => {
  it("is the first business day that starts inside the window, in the zone's own calendar", () => {
    const now = new Date("2026-11-27T16:00:00.000Z");
    // 60 days back is 2026-09-28 16:00 UTC: noon in New York, already the 29th in Kiritimati (UTC+14).
    expect(firstWholeDayWithin(now, 60, "America/New_York")).toBe("2026-09-29");
    expect(firstWholeDayWithin(now, 60, "Pacific/Kiritimati")).toBe("2026-09-30");
    for (const timeZone of ["America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"]) {
      const first = firstWholeDayWithin(now, 60, timeZone);
      expect(Date.parse(startOfBusinessDay(first, timeZone))).toBeGreaterThanOrEqual(now.getTime() - 60 * 24 * 3600 * 1000);
      expect(Date.parse(startOfBusinessDay(addDays(first, -1), timeZone))).toBeLessThan(now.getTime() - 60 * 24 * 3600 * 1000);
    }
  });
});

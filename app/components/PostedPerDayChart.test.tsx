import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { dayLabel, formatMinorUnits, PostedPerDayChart, summarizePostedDays } from "./PostedPerDayChart";

const DAY_MS = 24 * 3600 * 1000;

/** Thirty business days ending on 2026-11-27, with amounts in minor units by index. */
function month(values: Record<number, number> = {}, currency = "USD") {
  const last = Date.UTC(2026, 10, 27);
  const days = Array.from({ length: 30 }, (_, index) => ({ date: new Date(last - (29 - index) * DAY_MS).toISOString().slice(0, 10), totalMinor: values[index] ?? 0 }));
  return { currency, days };
}

/** The text of every axis label, in document order. */
function axisLabels(html: string): string[] {
  return (html.match(/<span[^>]*>[^<]*<\/span>/g) ?? []).map((span) => span.replace(/<[^>]+>/g, "").replace(/\u00a0/g, " "));
}

describe("posted per day chart", () => {
  it("draws sales up and a day of net refunds down from a zero line, with a summary and a table for screen readers", () => {
    const series = month({ 0: 100_000, 28: -2_500, 29: 12_345 });
    const html = renderToString(<PostedPerDayChart series={series} />);
    expect(html).toContain('role="img"');
    expect(html).toContain(
      'aria-label="Sales less refunds posted to QuickBooks per business day, Oct 29 to Nov 27, in USD: $1,098.45 in total; the highest day was Oct 29 with $1,000.00; refunds outweighed sales on 1 day."',
    );
    const rects = html.match(/<rect [^>]*>/g) ?? [];
    expect(rects).toHaveLength(3);
    // The scale runs from $1,000 above zero to $50 below it: zero sits at 100,000 / 105,000 of the height.
    const negative = rects.find((rect) => rect.includes('x="281.5"'));
    expect(negative).toContain('y="95.24"');
    expect(negative).toContain('height="2.38"');
    expect(rects.find((rect) => rect.includes('x="1.5"'))).toContain('y="0"');
    expect(html).toContain("<title>Nov 26: -$25.00</title>");
    expect(axisLabels(html)).toEqual(["$1,000", "$0", "-$50", "Oct 30", "Nov 6", "Nov 13", "Nov 20", "Nov 27"]);
    expect(html).toContain("<caption>Sales less refunds posted per business day, USD</caption>");
    expect(html.match(/<tr>/g)).toHaveLength(31);
    expect(html).toContain('<th scope="row">2026-11-26</th><td>-$25.00</td>');
    expect(html).toContain('<th scope="row">2026-11-27</th><td>$123.45</td>');
  });

  it("says plainly when nothing was posted, and draws no bars", () => {
    const series = month();
    expect(summarizePostedDays(series)).toBe("Sales less refunds posted to QuickBooks per business day, Oct 29 to Nov 27, in USD: nothing was posted.");
    const html = renderToString(<PostedPerDayChart series={series} />);
    expect(html).not.toContain("<rect");
    expect(axisLabels(html).slice(0, 2)).toEqual(["$1", "$0"]);
    expect(html.match(/<td>\$0\.00<\/td>/g)).toHaveLength(30);
  });

  it("scales in the currency's own minor units", () => {
    const html = renderToString(<PostedPerDayChart series={month({ 29: 1_200 }, "JPY")} />);
    expect(axisLabels(html).slice(0, 2)).toEqual(["¥2,000", "¥0"]);
    expect(html).toContain('<th scope="row">2026-11-27</th><td>¥1,200</td>');
  });
});

describe("amounts kept in minor units", () => {
  it("are written with the currency's decimals, and zero without a sign", () => {
    expect(formatMinorUnits(123_456, "USD")).toBe("$1,234.56");
    expect(formatMinorUnits(-5, "USD")).toBe("-$0.05");
    expect(formatMinorUnits(1_200, "JPY")).toBe("¥1,200");
    expect(formatMinorUnits(1_250, "KWD").replace(/\u00a0/g, " ")).toBe("KWD 1.250");
    expect(formatMinorUnits(-0, "EUR")).toBe("€0.00");
    expect(formatMinorUnits(500_000, "USD", { dropZeroFraction: true })).toBe("$5,000");
    expect(formatMinorUnits(50, "USD", { dropZeroFraction: true })).toBe("$0.50");
  });

  it("label business days without converting time zones", () => {
    expect(["2026-01-01", "2026-11-27", "2026-12-31"].map(dayLabel)).toEqual(["Jan 1", "Nov 27", "Dec 31"]);
  });
});

import { Text } from "@shopify/polaris";
import type { CSSProperties } from "react";
import { niceCeiling } from "~/components/SyncedPerHourChart";
import { minorUnitExponent } from "~/domain/accounting/money";
import type { PostedSeries } from "~/sync/accounting/accounting-page.server";

/**
 * Money posted to QuickBooks per business day, as bars: sales up, a day whose refunds outweigh its sales down.
 * Drawn like SyncedPerHourChart (plain SVG, since Polaris has no chart and Polaris Viz cannot render on the
 * server): one image with a sentence that sums it up, and the same amounts in a visually hidden table.
 */

const SLOT = 10;
const PLOT_HEIGHT = 100;
const CHART_HEIGHT_PX = 160;
/** An axis label every week, counted back from the last day so that day is always labelled. */
const LABEL_EVERY_DAYS = 7;

const visuallyHidden: CSSProperties = {
  position: "absolute",
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: "hidden",
  clip: "rect(0, 0, 0, 0)",
  whiteSpace: "nowrap",
  border: 0,
};

/**
 * An amount kept in minor units, in the currency's own format ("$1,234.56", "¥1,200", "KWD 1.250"). Stored
 * amounts stay integers; only this display divides. `dropZeroFraction` writes a whole amount without decimals,
 * for axis labels.
 */
export function formatMinorUnits(amountMinor: number, currency: string, options: { dropZeroFraction?: boolean } = {}): string {
  const exponent = minorUnitExponent(currency);
  const scale = 10 ** exponent;
  const digits = options.dropZeroFraction && amountMinor % scale === 0 ? 0 : exponent;
  // Zero is written without a sign, whichever way it was reached.
  const value = amountMinor === 0 ? 0 : amountMinor / scale;
  return new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Nov 27" for "2026-11-27" (a business day has no time zone to convert). */
export function dayLabel(date: string): string {
  return `${MONTHS[Number(date.slice(5, 7)) - 1] ?? date.slice(5, 7)} ${Number(date.slice(8, 10))}`;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** What the chart says, in one sentence. */
export function summarizePostedDays(series: PostedSeries): string {
  const { currency, days } = series;
  const first = days[0];
  const last = days[days.length - 1];
  const range = first && last ? `${dayLabel(first.date)} to ${dayLabel(last.date)}` : "no days";
  const intro = `Sales less refunds posted to QuickBooks per business day, ${range}, in ${currency}`;
  const busy = days.filter((day) => day.totalMinor !== 0);
  if (busy.length === 0) return `${intro}: nothing was posted.`;
  const total = days.reduce((sum, day) => sum + day.totalMinor, 0);
  const highest = days.reduce((best, day) => (day.totalMinor > best.totalMinor ? day : best));
  const negative = days.filter((day) => day.totalMinor < 0).length;
  const parts = [`${formatMinorUnits(total, currency)} in total`];
  if (highest.totalMinor > 0) parts.push(`the highest day was ${dayLabel(highest.date)} with ${formatMinorUnits(highest.totalMinor, currency)}`);
  if (negative > 0) parts.push(`refunds outweighed sales on ${negative === 1 ? "1 day" : `${negative} days`}`);
  return `${intro}: ${parts.join("; ")}.`;
}

export function PostedPerDayChart({ series }: { series: PostedSeries }) {
  const { currency, days } = series;
  const highest = Math.max(0, ...days.map((day) => day.totalMinor));
  const deepest = Math.max(0, ...days.map((day) => -day.totalMinor));
  // The scale reaches a round amount above zero and, only when some day is negative, one below it. An empty
  // chart is scaled to one unit of the currency rather than one cent.
  const top = highest > 0 ? niceCeiling(highest) : deepest === 0 ? 10 ** minorUnitExponent(currency) : 0;
  const bottom = deepest > 0 ? niceCeiling(deepest) : 0;
  const span = top + bottom;
  const zeroY = round((top / span) * PLOT_HEIGHT);
  const width = SLOT * Math.max(days.length, 1);
  const barWidth = SLOT * 0.7;
  const axisLabel = (text: string) => (
    <Text as="span" variant="bodySm" tone="subdued">
      {text}
    </Text>
  );
  const caption = `Sales less refunds posted per business day, ${currency}`;
  return (
    <div style={{ position: "relative" }}>
      <div style={{ display: "flex", gap: "var(--p-space-200)" }}>
        <div aria-hidden="true" style={{ position: "relative", height: CHART_HEIGHT_PX, minWidth: "4.5em", textAlign: "right" }}>
          <span style={{ position: "absolute", right: 0, top: 0, transform: "translateY(-50%)" }}>{axisLabel(formatMinorUnits(top, currency, { dropZeroFraction: true }))}</span>
          {top > 0 && bottom > 0 && (
            <span style={{ position: "absolute", right: 0, top: `${zeroY}%`, transform: "translateY(-50%)" }}>{axisLabel(formatMinorUnits(0, currency, { dropZeroFraction: true }))}</span>
          )}
          <span style={{ position: "absolute", right: 0, bottom: 0, transform: "translateY(50%)" }}>
            {axisLabel(formatMinorUnits(-bottom, currency, { dropZeroFraction: true }))}
          </span>
        </div>
        <div style={{ flex: 1, minWidth: 0 }}>
          <svg
            role="img"
            aria-label={summarizePostedDays(series)}
            viewBox={`0 0 ${width} ${PLOT_HEIGHT}`}
            preserveAspectRatio="none"
            width="100%"
            height={CHART_HEIGHT_PX}
            style={{ display: "block", overflow: "visible" }}
            data-testid="posted-per-day-chart"
          >
            <g aria-hidden="true">
              <line x1={0} x2={width} y1={0} y2={0} vectorEffect="non-scaling-stroke" style={{ stroke: "var(--p-color-border-secondary, #ebebeb)" }} />
              <line x1={0} x2={width} y1={PLOT_HEIGHT} y2={PLOT_HEIGHT} vectorEffect="non-scaling-stroke" style={{ stroke: "var(--p-color-border-secondary, #ebebeb)" }} />
              <line x1={0} x2={width} y1={zeroY} y2={zeroY} vectorEffect="non-scaling-stroke" style={{ stroke: "var(--p-color-border, #e3e3e3)" }} />
              {days.map((day, index) => {
                if (day.totalMinor === 0) return null;
                const height = round((Math.abs(day.totalMinor) / span) * PLOT_HEIGHT);
                const positive = day.totalMinor > 0;
                return (
                  <rect
                    key={day.date}
                    x={round(index * SLOT + (SLOT - barWidth) / 2)}
                    y={positive ? round(zeroY - height) : zeroY}
                    width={barWidth}
                    height={height}
                    style={{ fill: positive ? "var(--p-color-bg-fill-info, #91d0ff)" : "var(--p-color-bg-fill-critical-secondary, #fed1d7)" }}
                  >
                    <title>{`${dayLabel(day.date)}: ${formatMinorUnits(day.totalMinor, currency)}`}</title>
                  </rect>
                );
              })}
            </g>
          </svg>
          <div aria-hidden="true" style={{ position: "relative", height: "1.5em", marginTop: "var(--p-space-100)" }}>
            {days.map((day, index) =>
              (days.length - 1 - index) % LABEL_EVERY_DAYS === 0 ? (
                <span key={day.date} data-day-label style={{ position: "absolute", left: `${round(((index + 0.5) / days.length) * 100)}%`, transform: "translateX(-50%)", whiteSpace: "nowrap" }}>
                  {axisLabel(dayLabel(day.date))}
                </span>
              ) : null,
            )}
          </div>
        </div>
      </div>
      <div style={visuallyHidden}>
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Business day</th>
              <th scope="col">Posted</th>
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.date}>
                <th scope="row">{day.date}</th>
                <td>{formatMinorUnits(day.totalMinor, currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

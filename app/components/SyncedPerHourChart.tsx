import { Text } from "@shopify/polaris";
import type { CSSProperties } from "react";
import type { SyncedHour } from "~/sync/activity-page.server";

/**
 * Records synced per hour over the last day, as bars. Polaris has no chart, and Polaris Viz cannot render on the
 * server (it reads `navigator` during render), so this is a plain SVG: one image for sighted people, with an
 * aria-label that sums it up, and the same numbers in a visually hidden table for screen readers. Hours are UTC,
 * like every time on these pages.
 */

// The plot is drawn in its own units and stretched to the card's width; the axis labels are HTML beside it, so
// they keep their size on a phone.
const SLOT = 10;
const PLOT_HEIGHT = 100;
const CHART_HEIGHT_PX = 160;

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

/** "15:00" for an ISO hour. */
export function hourLabel(iso: string): string {
  return iso.slice(11, 16);
}

function hourRange(iso: string): string {
  const end = new Date(new Date(iso).getTime() + 3600 * 1000).toISOString();
  return `${hourLabel(iso)}–${hourLabel(end)} UTC`;
}

/** 1, 2, 5, 10, 20, 50, ... at or above the value: a round top for the scale. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((candidate) => candidate * magnitude >= value)!;
  return step * magnitude;
}

const round = (value: number) => Math.round(value * 100) / 100;

const plural = (count: number, one: string, many: string) => `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;

/** What the chart says, in one sentence. */
export function summarizeSyncedHours(hours: SyncedHour[]): string {
  const total = hours.reduce((sum, hour) => sum + hour.records, 0);
  if (total === 0) return "Records synced per hour over the last 24 hours (UTC): no records were synced.";
  const busiest = hours.reduce((best, hour) => (hour.records > best.records ? hour : best));
  return `Records synced per hour over the last 24 hours (UTC): ${plural(total, "record", "records")} in total; the busiest hour was ${hourRange(busiest.hourStart)} with ${plural(busiest.records, "record", "records")}.`;
}

export function SyncedPerHourChart({ hours }: { hours: SyncedHour[] }) {
  const top = niceCeiling(Math.max(0, ...hours.map((hour) => hour.records)));
  const width = SLOT * Math.max(hours.length, 1);
  const barWidth = SLOT * 0.7;
  const axisLabel = (text: string) => (
    <Text as="span" variant="bodySm" tone="subdued">
      {text}
    </Text>
  );
  return (
    <div style={{ position: "relative" }}>
      <div style={{ display: "flex", gap: "var(--p-space-200)" }}>
        <div aria-hidden="true" style={{ display: "flex", flexDirection: "column", justifyContent: "space-between", alignItems: "flex-end", height: CHART_HEIGHT_PX, minWidth: "2.5em" }}>
          <span style={{ transform: "translateY(-50%)" }}>{axisLabel(top.toLocaleString("en-US"))}</span>
          <span style={{ transform: "translateY(50%)" }}>{axisLabel("0")}</span>
        </div>
        <div style={{ flex: 1, minWidth: 0 }}>
          <svg
            role="img"
            aria-label={summarizeSyncedHours(hours)}
            viewBox={`0 0 ${width} ${PLOT_HEIGHT}`}
            preserveAspectRatio="none"
            width="100%"
            height={CHART_HEIGHT_PX}
            style={{ display: "block", overflow: "visible" }}
            data-testid="synced-per-hour-chart"
          >
            <g aria-hidden="true">
              <line x1={0} x2={width} y1={0} y2={0} vectorEffect="non-scaling-stroke" style={{ stroke: "var(--p-color-border-secondary, #ebebeb)" }} />
              <line x1={0} x2={width} y1={PLOT_HEIGHT} y2={PLOT_HEIGHT} vectorEffect="non-scaling-stroke" style={{ stroke: "var(--p-color-border, #e3e3e3)" }} />
              {hours.map((hour, index) => {
                if (hour.records === 0) return null;
                const height = round((hour.records / top) * PLOT_HEIGHT);
                return (
                  <rect key={hour.hourStart} x={round(index * SLOT + (SLOT - barWidth) / 2)} y={round(PLOT_HEIGHT - height)} width={barWidth} height={height} style={{ fill: "var(--p-color-bg-fill-info, #91d0ff)" }}>
                    <title>{`${hourRange(hour.hourStart)}: ${plural(hour.records, "record", "records")}`}</title>
                  </rect>
                );
              })}
            </g>
          </svg>
          <div aria-hidden="true" style={{ position: "relative", height: "1.5em", marginTop: "var(--p-space-100)" }}>
            {hours.map((hour, index) =>
              index % 6 === 0 ? (
                <span key={hour.hourStart} data-hour-label style={{ position: "absolute", left: `${round(((index + 0.5) / hours.length) * 100)}%`, transform: "translateX(-50%)" }}>
                  {axisLabel(hourLabel(hour.hourStart))}
                </span>
              ) : null,
            )}
          </div>
        </div>
      </div>
      <div style={visuallyHidden}>
        <table>
          <caption>Records synced per hour, UTC</caption>
          <thead>
            <tr>
              <th scope="col">Hour</th>
              <th scope="col">Records synced</th>
            </tr>
          </thead>
          <tbody>
            {hours.map((hour) => (
              <tr key={hour.hourStart}>
                <th scope="row">{hourRange(hour.hourStart)}</th>
                <td>{hour.records}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

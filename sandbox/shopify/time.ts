/** Time zone helpers: Shopify reports times and offsets in the shop's zone (REST payloads, Shop.timezone*). */

/** "-05:00" for America/New_York in winter. */
export function utcOffset(timeZone: string, at: Date): string {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(at)
    .find((part) => part.type === "timeZoneName")?.value;
  const offset = name?.replace("GMT", "") ?? "";
  return offset === "" ? "+00:00" : offset;
}

export function utcOffsetMinutes(timeZone: string, at: Date): number {
  const [hours, minutes] = utcOffset(timeZone, at).slice(1).split(":").map(Number);
  const sign = utcOffset(timeZone, at).startsWith("-") ? -1 : 1;
  return sign * ((hours ?? 0) * 60 + (minutes ?? 0));
}

export function zoneAbbreviation(timeZone: string, at: Date): string {
  return (
    new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" }).formatToParts(at).find((part) => part.type === "timeZoneName")
      ?.value ?? "UTC"
  );
}

/** ISO 8601 in the shop's zone with its offset, as REST and webhook payloads carry: "2026-01-15T09:00:00-05:00". */
export function shopTime(date: Date, timeZone: string): string {
  const offsetMinutes = utcOffsetMinutes(timeZone, date);
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return `${local}${utcOffset(timeZone, date)}`;
}

/**
 * QuickBooks writes times in the company's time zone with its offset; the sandbox's companies all keep Pacific
 * standard time (-08:00), as CompanyInfo's answers and `time` stamps do. Dates (TxnDate) are that day.
 */
const OFFSET_MS = 8 * 3600 * 1000;

/** "2026-01-05T09:00:00-08:00", MetaData's form. */
export function companyDateTime(ms: number): string {
  return `${new Date(ms - OFFSET_MS).toISOString().slice(0, 19)}-08:00`;
}

/** "2026-01-05": the company's date at that instant. */
export function companyDate(ms: number): string {
  return new Date(ms - OFFSET_MS).toISOString().slice(0, 10);
}

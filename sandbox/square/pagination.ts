import { badRequest } from "./errors";

/**
 * Square's list endpoints page with an opaque `cursor`, absent on the last page. The sandbox's cursor is the offset
 * of the next page in the (re-evaluated) result list, so a list that changes between pages can shift, as a real
 * cursor over a live catalog can too.
 */

export function pageOf<T>(items: T[], cursor: string | null | undefined, limit: number): { page: T[]; cursor: string | undefined } {
  const offset = cursor ? decodeCursor(cursor) : 0;
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(JSON.stringify({ offset: offset + limit })).toString("base64url") : undefined;
  return { page, cursor: next };
}

function decodeCursor(cursor: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { offset?: unknown };
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Not one of ours: answered below.
  }
  throw badRequest("INVALID_CURSOR", "The cursor is not valid.", "cursor");
}

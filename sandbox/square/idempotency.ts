/**
 * Square's idempotency keys (square-qbo.md §3, /docs/build-basics/common-api-patterns/idempotency): a request with a
 * key already used by the same seller on the same endpoint gets the first answer again, unchanged, and changes
 * nothing; the same key with a different body is refused with IDEMPOTENCY_KEY_REUSED. Only answered writes are
 * remembered (an answer the fault switches destroyed counts: the write stood); an error answer leaves the key free
 * (assumed: Square does not say).
 */

export type IdempotencyCheck = { kind: "new" } | { kind: "replay"; body: unknown } | { kind: "reused" };

interface Remembered {
  fingerprint: string;
  body: unknown;
}

/** Bounds memory when a benchmark loops over writes: the oldest keys are forgotten first. */
const MAX_KEYS = 20_000;

/** JSON with object keys sorted, so two bodies that differ only in key order compare equal. */
export function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === "object" && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : field,
  );
}

export class IdempotencyStore {
  private readonly entries = new Map<string, Remembered>();

  /** `scope` names the seller and the endpoint, e.g. "MLTB0DEMO0001 inventory.changes". */
  check(scope: string, key: string, body: unknown): IdempotencyCheck {
    const entry = this.entries.get(`${scope} ${key}`);
    if (!entry) return { kind: "new" };
    return entry.fingerprint === fingerprint(body) ? { kind: "replay", body: entry.body } : { kind: "reused" };
  }

  remember(scope: string, key: string, request: unknown, answer: unknown): void {
    this.entries.set(`${scope} ${key}`, { fingerprint: fingerprint(request), body: answer });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MAX_KEYS) break;
      this.entries.delete(oldest);
    }
  }
}

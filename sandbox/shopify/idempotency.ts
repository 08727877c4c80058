/**
 * Shopify's `@idempotent(key:)` directive for the mutations that take it (shopify.dev "Idempotent requests" and
 * "Implementing idempotency"): within a shop, a key names one operation. The same key with the same arguments
 * returns the first call's result without doing the work again; with other arguments it is refused
 * (IDEMPOTENCY_KEY_PARAMETER_MISMATCH); while a call holding the key is still being served, another call with it is
 * refused (IDEMPOTENCY_CONCURRENT_REQUEST). Keys are remembered for 24 hours.
 *
 * A call holds its keys from the moment it arrives (claim), before the fault switches' latency, until it is
 * answered or its connection closes: to Shopify a call is in flight as soon as it is received, and a call the
 * timeout switch leaves hanging keeps its key until the client gives up.
 */

/** How long a key is remembered: the retention Shopify's idempotency guide gives for these mutations. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export type IdempotencyOutcome<T> =
  | { kind: "new" }
  | { kind: "replay"; result: T }
  | { kind: "mismatch" }
  | { kind: "concurrent" };

interface KeyRecord<T> {
  fingerprint: string;
  result: T;
  expiresAt: number;
}

/** JSON with object keys sorted, so that two equal argument values give the same text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export class IdempotencyRegistry<T> {
  /** Completed calls by shop and key, oldest first (a Map keeps insertion order, so expiry stops at the first live one). */
  private readonly records = new Map<string, KeyRecord<T>>();
  /** Which call holds a key now. */
  private readonly holders = new Map<string, object>();
  private readonly heldBy = new Map<object, Set<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A call that arrived with this key holds it, unless another call already does. */
  claim(shop: string, key: string, holder: object): void {
    const id = keyId(shop, key);
    if (this.holders.has(id)) return;
    this.holders.set(id, holder);
    let keys = this.heldBy.get(holder);
    if (!keys) this.heldBy.set(holder, (keys = new Set()));
    keys.add(id);
  }

  /** The call was answered (or its connection closed): its keys are free again. */
  release(holder: object): void {
    for (const id of this.heldBy.get(holder) ?? []) {
      if (this.holders.get(id) === holder) this.holders.delete(id);
    }
    this.heldBy.delete(holder);
  }

  /** What a call with this key and these arguments (their fingerprint) gets: to run, a replay, or a refusal. */
  begin(shop: string, key: string, fingerprint: string, holder: object): IdempotencyOutcome<T> {
    this.expire();
    const id = keyId(shop, key);
    const record = this.records.get(id);
    if (record) return record.fingerprint === fingerprint ? { kind: "replay", result: record.result } : { kind: "mismatch" };
    const current = this.holders.get(id);
    if (current !== undefined && current !== holder) return { kind: "concurrent" };
    return { kind: "new" };
  }

  /** Remembers the result of a call that ran, for the retention period. */
  complete(shop: string, key: string, fingerprint: string, result: T): void {
    const id = keyId(shop, key);
    this.records.delete(id);
    this.records.set(id, { fingerprint, result, expiresAt: this.now() + IDEMPOTENCY_RETENTION_MS });
  }

  private expire(): void {
    const now = this.now();
    for (const [id, record] of this.records) {
      if (record.expiresAt > now) break;
      this.records.delete(id);
    }
  }
}

function keyId(shop: string, key: string): string {
  return `${shop}\n${key}`;
}

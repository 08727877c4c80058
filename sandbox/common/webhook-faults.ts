import type { FaultRandom } from "./random";

/**
 * Webhook delivery faults: what vendors' at-least-once, unordered delivery does to an app. Each sandbox's
 * dispatcher hands its sends to `schedule`, which
 *  - duplicates a delivery (duplicateRate): the same request, byte for byte (body, signature, event and delivery
 *    ids), sent again right after the first was answered;
 *  - delays it (delayMs) before it goes out;
 *  - holds deliveries (reorder) until `batchSize` are waiting or `maxHoldMs` has passed since the first, then
 *    sends that batch one after another in reverse or shuffled order (seeded, so deterministic with a seed).
 * The promise a caller gets settles with the first send's result, whenever that happens.
 */

export interface ReorderSettings {
  batchSize: number;
  order: "reverse" | "shuffle";
  maxHoldMs: number;
}

export interface WebhookFaultSettings {
  duplicateRate: number;
  delayMs: number;
  reorder: ReorderSettings | null;
}

/** One delivery: sends the request; `duplicate` is true for the second copy (for the delivery log). */
export type DeliverySend<T> = (duplicate: boolean) => Promise<T>;

type Job = () => Promise<void>;

export class DeliveryScheduler {
  private held: Job[] = [];
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly delayed = new Map<NodeJS.Timeout, () => void>();
  /** Batches go out one after another, so a later batch never overtakes an earlier one. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly settings: () => WebhookFaultSettings,
    private readonly random: FaultRandom,
  ) {}

  schedule<T>(send: DeliverySend<T>): Promise<T> {
    const { duplicateRate, delayMs, reorder } = this.settings();
    const duplicate = !this.closed && this.random.chance(duplicateRate);
    return new Promise<T>((resolve, reject) => {
      const job: Job = async () => {
        try {
          resolve(await send(false));
          if (duplicate) await send(true);
        } catch (error) {
          // After the first send resolved, a failing duplicate has no one left to tell.
          reject(error);
        }
      };
      const enqueue = () => {
        if (reorder && !this.closed) this.hold(job, reorder);
        else void job();
      };
      if (delayMs > 0 && !this.closed) this.delay(delayMs, enqueue);
      else enqueue();
    });
  }

  /** How many deliveries are held for reordering. */
  heldCount(): number {
    return this.held.length;
  }

  /** Sends the held deliveries now, in the reorder order. */
  flush(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const batch = this.held.splice(0);
    if (batch.length === 0) return;
    const order = this.settings().reorder?.order ?? "reverse";
    const ordered = order === "shuffle" ? this.random.shuffle(batch) : batch.reverse();
    this.chain = this.chain.then(async () => {
      for (const job of ordered) await job();
    });
  }

  /** Sends whatever is delayed or held at once (the dispatchers, closed first, fail those sends fast). */
  close(): void {
    this.closed = true;
    for (const [timer, enqueue] of this.delayed) {
      clearTimeout(timer);
      enqueue();
    }
    this.delayed.clear();
    this.flush();
  }

  private hold(job: Job, reorder: ReorderSettings): void {
    this.held.push(job);
    if (this.held.length >= reorder.batchSize) this.flush();
    else if (this.holdTimer === undefined) {
      this.holdTimer = setTimeout(() => this.flush(), reorder.maxHoldMs);
      this.holdTimer.unref();
    }
  }

  private delay(ms: number, enqueue: () => void): void {
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      enqueue();
    }, ms);
    timer.unref();
    this.delayed.set(timer, enqueue);
  }
}

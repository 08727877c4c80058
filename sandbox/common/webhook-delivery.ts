/**
 * How the sandboxes deliver webhooks, as the vendors do: one POST of an already signed body, an answer within the
 * vendor's time limit, and only a 2xx counts as delivered (a redirect is not followed: it is a failure). No retry;
 * a sandbox that models one sends the logged delivery again. Each vendor keeps its own signature, headers and
 * delivery record around this.
 */

export interface DeliveryOutcome {
  /** HTTP status of the app's answer; null when the request failed (refused, timed out). */
  status: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
}

export class WebhookPoster {
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly timeoutMs: number) {}

  async post(url: string, headers: Record<string, string>, body: string): Promise<DeliveryOutcome> {
    const controller = new AbortController();
    // A delivery held back by a fault switch (delay, reordering) may come due after the sandbox closed.
    if (this.closed) controller.abort(new Error("the sandbox closed"));
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    timeout.unref();
    this.inFlight.add(controller);
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, { method: "POST", redirect: "manual", signal: controller.signal, headers, body });
      status = response.status;
      await response.body?.cancel();
    } catch (caught) {
      error = controller.signal.aborted ? String((controller.signal.reason as Error | undefined)?.message ?? "aborted") : String((caught as Error).cause ?? caught);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    return { status, ok: status !== null && status >= 200 && status < 300, error, durationMs: Math.round(performance.now() - started) };
  }

  /** Aborts deliveries in flight, so closing a sandbox does not wait for a slow app. */
  close(): void {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort(new Error("the sandbox closed"));
  }
}

/** The latest deliveries, newest first, bounded so a long-running sandbox does not grow. */
export class DeliveryLog<T> {
  private readonly entries: T[] = [];

  constructor(private readonly limit: number) {}

  add(entry: T): T {
    this.entries.unshift(entry);
    this.entries.length = Math.min(this.entries.length, this.limit);
    return entry;
  }

  find(predicate: (entry: T) => boolean): T | undefined {
    return this.entries.find(predicate);
  }

  list(): T[] {
    return [...this.entries];
  }
}

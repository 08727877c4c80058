import type { NextFunction, Request, RequestHandler, Response } from "express";
import { z } from "zod";
import { FaultRandom } from "./random";
import { DeliveryScheduler, type DeliverySend, type WebhookFaultSettings } from "./webhook-faults";

/**
 * Fault switches shared by the sandboxes: what a vendor's API and webhooks do on a bad day, on demand. Each sandbox
 * owns one `Faults`, sets it from its control API (POST /_sandbox/faults) and its start handle (`setFaults`), and
 * supplies its own error bodies (a `FaultResponder`) where it mounts `middleware()` on its API routes:
 *
 *  - throttles: the next `forcedThrottles` calls, then `throttleRate` of them (for `throttleForMs` if given), get
 *    the vendor's 429 answer at once, before any work, as a rate limiter does;
 *  - `latencyMs` (+ up to `latencyJitterMs`) before the call is served;
 *  - `timeoutRate`: the call is accepted and never answered, until the client gives up (or the sandbox closes);
 *  - `serverErrorRate`: the vendor's 5xx (`serverErrorStatus`) instead of the answer, nothing done;
 *  - `lostResponseRate`, writes only: the call is served (the write is committed) and then the connection is
 *    destroyed instead of answering, as when a response is lost on the way back. Error answers are not lost.
 *  - `webhooks`: duplicate, delayed and reordered deliveries (webhook-faults.ts).
 *
 * Every call draws its fate on arrival from a random source that a `seed` makes deterministic.
 */

export const SERVER_ERROR_STATUSES = [500, 502, 503, 504] as const;
export type ServerErrorStatus = (typeof SERVER_ERROR_STATUSES)[number];

const rate = z.number().min(0).max(1);
const milliseconds = (max: number) => z.number().int().min(0).max(max);

const reorderInput = z.strictObject({
  /** Hold deliveries until this many wait, then send them together. */
  batchSize: z.number().int().min(2).max(100),
  order: z.enum(["reverse", "shuffle"]).default("reverse"),
  /** Send a batch that is not full this long after its first delivery was held. */
  maxHoldMs: milliseconds(600_000).default(1_000),
});

/** The body of POST /_sandbox/faults and the argument of `setFaults`: every field optional, merged into the current settings. */
export const faultSettingsInput = z.strictObject({
  seed: z.number().int().min(0).max(0xffff_ffff).nullable().optional(),
  latencyMs: milliseconds(60_000).optional(),
  latencyJitterMs: milliseconds(60_000).optional(),
  serverErrorRate: rate.optional(),
  serverErrorStatus: z.literal(SERVER_ERROR_STATUSES).optional(),
  forcedThrottles: z.number().int().min(0).max(10_000).optional(),
  throttleRate: rate.optional(),
  throttleForMs: z.number().int().positive().max(86_400_000).nullable().optional(),
  timeoutRate: rate.optional(),
  lostResponseRate: rate.optional(),
  webhooks: z
    .strictObject({
      duplicateRate: rate.optional(),
      delayMs: milliseconds(600_000).optional(),
      reorder: reorderInput.nullable().optional(),
    })
    .optional(),
});

export type FaultSettingsInput = z.input<typeof faultSettingsInput>;

export interface FaultSettings {
  /** The seed of the random source; null: Math.random. */
  seed: number | null;
  latencyMs: number;
  latencyJitterMs: number;
  serverErrorRate: number;
  serverErrorStatus: ServerErrorStatus;
  /** Throttles still to come. */
  forcedThrottles: number;
  throttleRate: number;
  /** When throttleRate goes back to 0; null: it stays until changed. */
  throttleUntil: string | null;
  timeoutRate: number;
  lostResponseRate: number;
  webhooks: WebhookFaultSettings;
}

export const NO_FAULTS: FaultSettings = {
  seed: null,
  latencyMs: 0,
  latencyJitterMs: 0,
  serverErrorRate: 0,
  serverErrorStatus: 503,
  forcedThrottles: 0,
  throttleRate: 0,
  throttleUntil: null,
  timeoutRate: 0,
  lostResponseRate: 0,
  webhooks: { duplicateRate: 0, delayMs: 0, reorder: null },
};

export type FaultKind = "throttled" | "serverError" | "timeout" | "lostResponse";

/** What a sandbox supplies where it mounts the fault middleware: its vendor's answers and what counts as a write. */
export interface FaultResponder {
  /** Sends the vendor's 429. Leave out where throttles are decided elsewhere (or the vendor has none there). */
  throttled?(request: Request, response: Response): void;
  /** Sends the vendor's 5xx body with that status. */
  serverError(request: Request, response: Response, status: ServerErrorStatus): void;
  /** Whether the call changes state (lostResponseRate applies to those); default: POST, PUT, PATCH and DELETE. */
  isWrite?(request: Request): boolean;
  /** Called for each injected fault, for the sandbox's stats. */
  onFault?(kind: FaultKind, request: Request): void;
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function copy(settings: FaultSettings): FaultSettings {
  const { reorder } = settings.webhooks;
  return { ...settings, webhooks: { ...settings.webhooks, reorder: reorder && { ...reorder } } };
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

export class Faults {
  private settings = copy(NO_FAULTS);
  private throttleUntilMs: number | null = null;
  private readonly httpRandom = new FaultRandom();
  private readonly webhookRandom = new FaultRandom();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hung = new Set<Response>();
  private readonly deliveries = new DeliveryScheduler(() => this.settings.webhooks, this.webhookRandom);

  constructor(private readonly now: () => number = Date.now) {}

  current(): FaultSettings {
    this.expireThrottleWindow();
    return copy(this.settings);
  }

  /** Merges the given switches into the current ones; throws a ZodError for invalid values. */
  configure(input: FaultSettingsInput): FaultSettings {
    const { seed, throttleForMs, webhooks, ...plain } = faultSettingsInput.parse(input);
    this.settings = { ...this.settings, ...defined(plain) };
    if (seed !== undefined) {
      this.settings.seed = seed;
      // Two streams, so webhook faults do not shift which API calls fail and the other way round.
      this.httpRandom.reseed(seed);
      this.webhookRandom.reseed(seed === null ? null : (seed ^ 0x9e37_79b9) >>> 0);
    }
    if (throttleForMs !== undefined) this.throttleUntilMs = throttleForMs === null ? null : this.now() + throttleForMs;
    else if (plain.throttleRate !== undefined) this.throttleUntilMs = null;
    this.settings.throttleUntil = this.throttleUntilMs === null ? null : new Date(this.throttleUntilMs).toISOString();
    if (webhooks) {
      this.settings.webhooks = { ...this.settings.webhooks, ...defined(webhooks) };
      // Deliveries held for a reorder that was switched off (or changed) go out now.
      if (webhooks.reorder !== undefined) this.deliveries.flush();
    }
    return this.current();
  }

  /** Every switch off, the seed forgotten; held deliveries go out. */
  reset(): FaultSettings {
    const { throttleUntil: _until, webhooks, ...rest } = NO_FAULTS;
    return this.configure({ ...rest, throttleForMs: null, webhooks: { ...webhooks } });
  }

  /** Whether this call is throttled: one of the forced throttles, or a draw at throttleRate. */
  takeThrottle(): boolean {
    if (this.settings.forcedThrottles > 0) {
      this.settings.forcedThrottles--;
      return true;
    }
    this.expireThrottleWindow();
    return this.httpRandom.chance(this.settings.throttleRate);
  }

  /** Express middleware applying throttles, latency, timeouts, 5xx and lost responses, in that order. */
  middleware(responder: FaultResponder): RequestHandler {
    return (request: Request, response: Response, next: NextFunction) => {
      if (responder.throttled && this.takeThrottle()) {
        responder.onFault?.("throttled", request);
        responder.throttled(request, response);
        return;
      }
      const { latencyMs, latencyJitterMs, timeoutRate, serverErrorRate, serverErrorStatus, lostResponseRate } = this.settings;
      const random = this.httpRandom;
      const delay = latencyMs + random.upTo(latencyJitterMs);
      const timeout = random.chance(timeoutRate);
      const serverError = !timeout && random.chance(serverErrorRate);
      const lose = !timeout && !serverError && lostResponseRate > 0 && (responder.isWrite?.(request) ?? WRITE_METHODS.has(request.method)) && random.chance(lostResponseRate);

      let gone = false;
      response.once("close", () => (gone = true));
      const serve = () => {
        if (gone) return;
        if (timeout) {
          responder.onFault?.("timeout", request);
          this.hang(response);
        } else if (serverError) {
          responder.onFault?.("serverError", request);
          responder.serverError(request, response, serverErrorStatus);
        } else {
          if (lose) loseResponse(response, () => responder.onFault?.("lostResponse", request));
          next();
        }
      };
      if (delay > 0) this.after(delay, serve);
      else serve();
    };
  }

  /** Runs a webhook delivery under the webhook faults; settles with the first send's result. */
  scheduleDelivery<T>(send: DeliverySend<T>): Promise<T> {
    return this.deliveries.schedule(send);
  }

  /** Sends the deliveries held for reordering now. */
  flushDeliveries(): number {
    const count = this.deliveries.heldCount();
    this.deliveries.flush();
    return count;
  }

  /** Ends what the faults keep waiting (latency timers, hung calls, held deliveries), so the sandbox closes promptly. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const response of this.hung) response.socket?.destroy();
    this.hung.clear();
    this.deliveries.close();
  }

  private expireThrottleWindow(): void {
    if (this.throttleUntilMs !== null && this.now() >= this.throttleUntilMs) {
      this.throttleUntilMs = null;
      this.settings.throttleRate = 0;
      this.settings.throttleUntil = null;
    }
  }

  private after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  /** Accepts the call and never answers: the client's timeout fires, or the sandbox's close ends the connection. */
  private hang(response: Response): void {
    this.hung.add(response);
    response.once("close", () => this.hung.delete(response));
  }
}

/**
 * Lets the handler do its work, then destroys the connection where the answer would have been sent: the client
 * sees a reset socket, the write stands. An error answer (4xx, 5xx: nothing was written) goes out as usual.
 */
function loseResponse(response: Response, onLost: () => void): void {
  const { end, write } = response;
  const intercept =
    <F extends (...args: never[]) => unknown>(original: F) =>
    (...args: Parameters<F>) => {
      if (response.statusCode >= 400) {
        response.end = end;
        response.write = write;
        return original.apply(response, args);
      }
      onLost();
      response.socket?.destroy();
      return response;
    };
  response.end = intercept(end) as Response["end"];
  response.write = intercept(write) as unknown as Response["write"];
}

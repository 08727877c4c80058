import { getConfig } from "~/config.server";
import { db, type PrismaClient } from "~/db.server";
import type { Provider } from "~/generated/prisma/client";
import { runningJobQueue } from "~/runtime.server";
import { recordWebhookEvents, type InboxEvent, type InboxQueue } from "./inbox.server";

/** A verified delivery as a route hands it over; its tenant is found from the account while it is written. */
export type IncomingWebhookEvent = Omit<InboxEvent, "tenantId" | "status">;

interface Waiting {
  event: IncomingWebhookEvent;
  resolve(fresh: boolean): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the webhook inbox. Each delivery would otherwise take a transaction of its own (find the tenant,
 * insert the event, insert its job, commit: five round trips holding a pooled connection), which caps a web
 * process at a few hundred deliveries a second. Here deliveries that arrive while earlier writes are in flight
 * wait and are then written together, in one transaction of the same four statements. Nothing is acknowledged
 * before its batch has committed, so "stored before answered" holds; under light load a delivery is written at
 * once, alone, and waits for nothing.
 */
export class InboxWriter {
  readonly #waiting: Waiting[] = [];
  #inFlight = 0;

  constructor(
    private readonly options: {
      database: () => PrismaClient;
      queue: () => InboxQueue;
      /** Transactions at once; the rest of the pool stays free for everything else. */
      maxInFlight: number;
      maxBatch: number;
    },
  ) {}

  /** Resolves once the event is stored (true) or found stored before (false, a redelivery). */
  record(event: IncomingWebhookEvent): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#waiting.push({ event, resolve, reject });
      this.#startWrites();
    });
  }

  #startWrites(): void {
    while (this.#inFlight < this.options.maxInFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.options.maxBatch);
      this.#inFlight += 1;
      void this.#write(batch).finally(() => {
        this.#inFlight -= 1;
        this.#startWrites();
      });
    }
  }

  async #write(batch: Waiting[]): Promise<void> {
    try {
      const fresh = await this.#writeEvents(batch.map((waiting) => waiting.event));
      batch.forEach((waiting, index) => waiting.resolve(fresh[index]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // One event the database refuses must not fail the deliveries it happened to share a batch with.
      for (const waiting of batch) {
        await this.#writeEvents([waiting.event]).then(([fresh]) => waiting.resolve(fresh!), (alone) => waiting.reject(alone));
      }
    }
  }

  #writeEvents(events: IncomingWebhookEvent[]): Promise<boolean[]> {
    return this.options.database().$transaction(async (tx) => {
      const refsByProvider = new Map<Provider, Set<string>>();
      for (const event of events) refsByProvider.set(event.provider, (refsByProvider.get(event.provider) ?? new Set()).add(event.accountRef));
      const connections = await tx.connection.findMany({
        where: { OR: [...refsByProvider].map(([provider, refs]) => ({ provider, externalId: { in: [...refs] } })) },
        select: { provider: true, externalId: true, tenantId: true },
      });
      const tenantOf = new Map(connections.map((connection) => [`${connection.provider}:${connection.externalId}`, connection.tenantId]));
      return recordWebhookEvents(
        tx,
        this.options.queue(),
        events.map((event) => ({ ...event, tenantId: tenantOf.get(`${event.provider}:${event.accountRef}`) ?? null })),
      );
    });
  }
}

let writer: InboxWriter | null = null;

/** The process's inbox writer, on the running database and job queue. */
export function inboxWriter(): InboxWriter {
  if (!writer) {
    const database = getConfig().database;
    // The embedded database has one connection: one transaction at a time, the batches do the rest.
    const maxInFlight = database.kind === "postgres" ? Math.max(1, Math.min(2, Math.floor(database.poolSize / 2))) : 1;
    writer = new InboxWriter({ database: db, queue: runningJobQueue, maxInFlight, maxBatch: 200 });
  }
  return writer;
}

/** Stores a verified delivery (with its processing job) before the route answers; false for a redelivery. */
export function recordIncomingWebhookEvent(event: IncomingWebhookEvent): Promise<boolean> {
  return inboxWriter().record(event);
}

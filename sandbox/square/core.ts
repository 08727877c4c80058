import { randomUUID } from "node:crypto";
import { Faults, type FaultSettings as CommonFaultSettings, type FaultSettingsInput } from "../common/faults";
import { CatalogStore } from "./catalog";
import { CATALOG_SEED_TIME, seedCatalog } from "./catalog-seed";
import { IdempotencyStore } from "./idempotency";
import { SalesStore } from "./sales";
import { countWire, InventoryStore, type CountRecord } from "./inventory";
import { seedSellers, type SeedKind, type SellerRecord } from "./seed";
import { StatsCounter } from "./stats";
import { TokenRegistry } from "./tokens";
import { newEvent, WebhookDispatcher, type SquareEvent, type WebhookDelivery } from "./webhooks";

export interface SandboxSettings {
  appUrl: string;
  applicationId: string;
  applicationSecret: string;
  webhookSignatureKey: string;
  webhookUrl: string;
  /** Where authorize sends the seller back when the request names no redirect_uri (the Developer Console's). */
  redirectUrl: string;
  accessTokenLifetimeSeconds: number;
}

/**
 * The fault switches (sandbox/common/faults.ts), plus the first form of this sandbox's 429 switch, kept working:
 * `rateLimit.next` is `forcedThrottles` and `rateLimit.fraction` is `throttleRate`.
 */
export interface FaultSettings extends CommonFaultSettings {
  rateLimit: { next: number; fraction: number };
}

export type FaultSettingsUpdate = FaultSettingsInput & {
  rateLimit?: { next?: number; fraction?: number };
  /** Same as rateLimit.next (the start handle's first form). */
  next?: number;
  /** Same as rateLimit.fraction. */
  fraction?: number;
};

/** How the sandbox behaves where Square leaves room (README "Settings"); changed with POST /_sandbox/settings. */
export interface SandboxBehaviour {
  /** How long a catalog write holds the seller's catalog lock (a write arriving meanwhile gets 429). */
  catalogWriteMs: number;
  /** Whether a register sale may take IN_STOCK below zero (Square's does); false: it is refused with 409. */
  allowNegativeSales: boolean;
  /**
   * How long after a card sale its processing fee appears on the payment (and the tender), and after a card refund
   * until it completes with its share of the fee given back. Square: "not immediately populated … usually available
   * after about ten seconds" (Tender.processing_fee_money). 0: at once, within the call that made the sale.
   */
  processingFeeDelayMs: number;
}

export const DEFAULT_BEHAVIOUR: SandboxBehaviour = { catalogWriteMs: 10, allowNegativeSales: false, processingFeeDelayMs: 3_000 };

/** A seller's catalog, inventory, and orders with their payments and refunds. */
export interface SellerStores {
  catalog: CatalogStore;
  inventory: InventoryStore;
  sales: SalesStore;
}

/** Who revoked, as the oauth.authorization.revoked event says (OauthAuthorizationRevokedEventRevokerType). */
export type RevokerType = "APPLICATION" | "MERCHANT" | "SQUARE";

export class UnknownSellerError extends Error {
  constructor(readonly merchantId: string) {
    super(`No seller ${merchantId} in the Square sandbox`);
  }
}

/** A control request the sandbox cannot carry out (unknown SKU, ambiguous SKU, unknown location …), with its HTTP status. */
export class SandboxRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** inventory.count.updated carries at most 100 counts (square-qbo.md §3). */
const COUNTS_PER_EVENT = 100;

/** The sandbox's state and the actions on it, shared by OAuth, the /v2 API, the pages and the control API. */
export class SandboxCore {
  readonly sellers: Map<string, SellerRecord>;
  readonly stats = new StatsCounter();
  readonly faults = new Faults();
  readonly tokens: TokenRegistry;
  readonly webhooks: WebhookDispatcher;
  readonly idempotency = new IdempotencyStore();
  behaviour: SandboxBehaviour;
  private readonly stores = new Map<string, SellerStores>();
  /** Sellers with a catalog write in progress: Square processes one at a time per seller. */
  private readonly catalogWrites = new Set<string>();
  /** Work Square does a little later (processing fees, refunds completing), by timer, in the order it was scheduled. */
  private readonly scheduled = new Map<NodeJS.Timeout, () => void>();

  constructor(
    readonly settings: SandboxSettings,
    seed: SeedKind,
    behaviour: Partial<SandboxBehaviour> = {},
  ) {
    this.sellers = seedSellers(seed);
    this.tokens = new TokenRegistry(settings.accessTokenLifetimeSeconds);
    this.webhooks = new WebhookDispatcher({ url: settings.webhookUrl, signatureKey: settings.webhookSignatureKey, stats: this.stats, faults: this.faults });
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...behaviour };
    for (const seller of this.sellers.values()) {
      const stores = {
        catalog: new CatalogStore({ currency: seller.currency, locationIds: seller.locations.map((location) => location.id) }, CATALOG_SEED_TIME),
        inventory: new InventoryStore(),
        sales: new SalesStore(),
      };
      if (seed === "demo") seedCatalog(stores.catalog, stores.inventory, seller);
      this.stores.set(seller.id, stores);
    }
  }

  seller(merchantId: string): SellerRecord {
    const seller = this.sellers.get(merchantId);
    if (!seller) throw new UnknownSellerError(merchantId);
    return seller;
  }

  storesOf(merchantId: string): SellerStores {
    const stores = this.stores.get(merchantId);
    if (!stores) throw new UnknownSellerError(merchantId);
    return stores;
  }

  /**
   * Runs a catalog write under the seller's catalog lock, held `catalogWriteMs`; null (and nothing done) when
   * another write of the seller holds it, which Square answers with 429.
   */
  async withCatalogLock<T>(merchantId: string, write: () => T): Promise<{ result: T } | null> {
    if (this.catalogWrites.has(merchantId)) return null;
    this.catalogWrites.add(merchantId);
    try {
      if (this.behaviour.catalogWriteMs > 0) await new Promise((resolve) => setTimeout(resolve, this.behaviour.catalogWriteMs));
      return { result: write() };
    } finally {
      this.catalogWrites.delete(merchantId);
    }
  }

  /**
   * Whether Square would send the seller's events of this permission to the app: only while the seller has
   * authorized it with that scope (catalog.version.updated needs ITEMS_READ, inventory.count.updated INVENTORY_READ).
   */
  private subscribed(merchantId: string, scope: string): boolean {
    return this.tokens.grantedScopes(merchantId)?.includes(scope) ?? false;
  }

  /**
   * Sends an order, payment or refund event without waiting, while the seller has authorized the app with the
   * event's permission: ORDERS_READ for order.*, PAYMENTS_READ for payment.* and refund.* (Square's webhook event
   * reference lists those permissions per event).
   */
  notify(merchantId: string, scope: "ORDERS_READ" | "PAYMENTS_READ", type: string, data: SquareEvent["data"]): void {
    if (!this.subscribed(merchantId, scope)) return;
    this.sendLater(newEvent(merchantId, type, data));
  }

  /** Runs `task` after `delayMs`, or now when 0; pending tasks run on `runScheduled()` and are dropped on close. */
  schedule(delayMs: number, task: () => void): void {
    if (delayMs <= 0) {
      task();
      return;
    }
    const timer = setTimeout(() => {
      this.scheduled.delete(timer);
      task();
    }, delayMs);
    timer.unref();
    this.scheduled.set(timer, task);
  }

  /** Runs every pending scheduled task now, oldest first; how many there were. */
  runScheduled(): number {
    const tasks = [...this.scheduled];
    this.scheduled.clear();
    for (const [timer, task] of tasks) {
      clearTimeout(timer);
      task();
    }
    return tasks.length;
  }

  /** catalog.version.updated, whose payload carries only the catalog's `updated_at`; sent without waiting. */
  notifyCatalog(merchantId: string, updatedAt: string): void {
    if (!this.subscribed(merchantId, "ITEMS_READ")) return;
    this.sendLater(newEvent(merchantId, "catalog.version.updated", { type: "catalog_version", object: { catalog_version: { updated_at: updatedAt } } }));
  }

  /** inventory.count.updated with the counts a change moved (100 per event); sent without waiting. */
  notifyInventory(merchantId: string, counts: CountRecord[]): void {
    if (!this.subscribed(merchantId, "INVENTORY_READ")) return;
    const unique = [...new Set(counts)].map(countWire);
    for (let start = 0; start < unique.length; start += COUNTS_PER_EVENT) {
      const batch = unique.slice(start, start + COUNTS_PER_EVENT);
      this.sendLater(newEvent(merchantId, "inventory.count.updated", { type: "inventory_counts", id: randomUUID(), object: { inventory_counts: batch } }));
    }
  }

  private sendLater(event: SquareEvent): void {
    void this.webhooks.deliver(event).catch((error: unknown) => {
      console.error("Square sandbox: webhook delivery failed", error);
    });
  }

  /**
   * Revokes the seller's tokens for the app. When that ends the authorization (all tokens, not only access tokens)
   * Square sends oauth.authorization.revoked; a revoke with nothing left to revoke sends nothing.
   */
  async revoke(merchantId: string, revokerType: RevokerType, onlyAccessTokens = false): Promise<WebhookDelivery | null> {
    this.seller(merchantId);
    const hadAuthorization = this.tokens.hasLiveAuthorization(merchantId);
    this.tokens.revokeMerchant(merchantId, onlyAccessTokens);
    if (onlyAccessTokens || !hadAuthorization) return null;
    const revokedAt = new Date().toISOString();
    return this.webhooks.deliver(
      newEvent(merchantId, "oauth.authorization.revoked", { type: "revocation", id: randomUUID(), object: { revocation: { revoked_at: revokedAt, revoker_type: revokerType } } }),
    );
  }

  async deliver(event: SquareEvent): Promise<WebhookDelivery> {
    this.seller(event.merchant_id);
    return this.webhooks.deliver(event);
  }

  faultSettings(): FaultSettings {
    const current = this.faults.current();
    return { ...current, rateLimit: { next: current.forcedThrottles, fraction: current.throttleRate } };
  }

  setFaults(update: FaultSettingsUpdate): FaultSettings {
    const { rateLimit, next, fraction, ...switches } = update;
    const forcedThrottles = switches.forcedThrottles ?? rateLimit?.next ?? next;
    const throttleRate = switches.throttleRate ?? rateLimit?.fraction ?? fraction;
    this.faults.configure({ ...switches, ...(forcedThrottles !== undefined && { forcedThrottles }), ...(throttleRate !== undefined && { throttleRate }) });
    return this.faultSettings();
  }

  close(): void {
    for (const timer of this.scheduled.keys()) clearTimeout(timer);
    this.scheduled.clear();
    this.webhooks.close();
    this.faults.close();
  }
}

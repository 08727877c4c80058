import { Faults, type FaultSettings, type FaultSettingsInput } from "../common/faults";
import type { AppConfig } from "./app-config";
import { BulkOperations } from "./bulk-operations";
import { LeakyBucket } from "./cost";
import { IdempotencyRegistry } from "./idempotency";
import { InventoryService, type InventoryMutationResult, type ItemReference, type SaleRequest, type SaleResult } from "./inventory";
import { orderPayload, refundPayload } from "./order-payloads";
import { OrderService, type NewOrderRequest, type OrderEditRequest, type RefundRequest } from "./orders";
import { seedStore, type CatalogOptions, type SeedKind } from "./seed";
import { signSessionToken } from "./session-token";
import { StatsCounter } from "./stats";
import { ShopifyStore, type InventoryLevelRecord, type OrderRecord, type RefundRecord, type ShopRecord } from "./store";
import { TokenRegistry } from "./tokens";
import { defaultPayload, inventoryLevelPayload, type PayloadOptions } from "./webhook-payloads";
import { WebhookDispatcher, type WebhookDelivery } from "./webhooks";

/** The staff member every sandbox shop has: its owner, who opens the app in the admin. */
export const SHOP_OWNER_USER_ID = "1001";

export interface SandboxSettings {
  appUrl: string;
  apiKey: string;
  apiSecret: string;
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  restoreRatePerSecond: number;
  bucketSize: number;
  /** How long a bulk operation takes from creation to COMPLETED. */
  bulkOperationDelayMs: number;
}

/** What can change while the sandbox runs (POST /_sandbox/config). */
export type RuntimeSettings = Pick<
  SandboxSettings,
  "accessTokenLifetimeSeconds" | "refreshTokenLifetimeSeconds" | "restoreRatePerSecond" | "bucketSize" | "bulkOperationDelayMs"
>;

export class UnknownShopError extends Error {
  constructor(readonly shop: string) {
    super(`No shop ${shop} in the Shopify sandbox`);
  }
}

/**
 * The sandbox's state and the merchant's actions on it (install, uninstall, compliance requests), shared by the
 * HTTP surfaces: the token endpoint, Admin GraphQL, the admin page and the control API.
 */
export class SandboxCore {
  readonly store = new ShopifyStore();
  readonly stats = new StatsCounter();
  readonly faults = new Faults();
  readonly tokens: TokenRegistry;
  readonly bucket: LeakyBucket;
  readonly webhooks: WebhookDispatcher;
  readonly inventory: InventoryService;
  readonly orders: OrderService;
  readonly idempotency = new IdempotencyRegistry<InventoryMutationResult>();
  readonly bulkOperations: BulkOperations;
  readonly appOrigin: string;

  constructor(
    readonly settings: SandboxSettings,
    readonly appConfig: AppConfig,
    seed: SeedKind,
    catalog?: CatalogOptions,
  ) {
    seedStore(this.store, seed, catalog);
    this.appOrigin = new URL(settings.appUrl).origin;
    this.tokens = new TokenRegistry({
      accessTokenLifetimeSeconds: settings.accessTokenLifetimeSeconds,
      refreshTokenLifetimeSeconds: settings.refreshTokenLifetimeSeconds,
    });
    this.bucket = new LeakyBucket({ bucketSize: settings.bucketSize, restoreRatePerSecond: settings.restoreRatePerSecond });
    this.webhooks = new WebhookDispatcher({ appUrl: settings.appUrl, apiSecret: settings.apiSecret, config: appConfig, stats: this.stats, faults: this.faults });
    this.inventory = new InventoryService(this.store, (shop, levels) => this.levelsChanged(shop, levels));
    this.orders = new OrderService(this.store, this.inventory, {
      // Shopify raises each topic as its own event; the payload is the order (or refund) as of the change.
      created: (shop, order) => {
        const payload = orderPayload(shop, order);
        this.raise(shop, "orders/create", payload);
        this.raise(shop, "orders/paid", payload);
      },
      refunded: (shop, order, refund) => {
        this.raise(shop, "refunds/create", refundPayload(shop, order, refund));
        this.raise(shop, "orders/updated", orderPayload(shop, order));
      },
      // orders/edited carries an order_edit summary, not the order; the sync listens to orders/updated, which follows.
      edited: (shop, order) => {
        this.raise(shop, "orders/updated", orderPayload(shop, order));
      },
    });
    this.bulkOperations = new BulkOperations(this.store, this.webhooks, () => this.settings);
  }

  /** inventory_levels/update for each level whose available changed: one event (one event id) per level. */
  private levelsChanged(shop: ShopRecord, levels: InventoryLevelRecord[]): void {
    for (const level of levels) this.raise(shop, "inventory_levels/update", inventoryLevelPayload(shop, level));
  }

  /** An event the sandbox raises by itself, delivered in the background. */
  private raise(shop: ShopRecord, topic: string, payload: unknown): void {
    void this.webhooks
      .deliverEvent(shop.domain, topic, payload)
      // The dispatcher logs a failed delivery itself; the change that raised it does not wait for it.
      .catch(() => undefined);
  }

  shop(domain: string): ShopRecord {
    const shop = this.store.shop(domain);
    if (!shop) throw new UnknownShopError(domain);
    return shop;
  }

  /** Managed installation: the merchant opened the app, Shopify grants the toml's scopes. No webhook is sent. */
  install(domain: string): ShopRecord {
    const shop = this.shop(domain);
    shop.installed = true;
    shop.scopes = [...this.appConfig.scopes];
    return shop;
  }

  /** Revokes every token of the shop, then tells the app with app/uninstalled, as Shopify does. */
  async uninstall(domain: string): Promise<WebhookDelivery[]> {
    const shop = this.shop(domain);
    this.tokens.revokeShop(domain);
    const wasInstalled = shop.installed;
    shop.installed = false;
    return wasInstalled ? this.deliver(domain, "app/uninstalled") : [];
  }

  /** A session token (App Bridge's ID token) for a user of the shop, signed with the app's secret. */
  sessionToken(domain: string, userId = SHOP_OWNER_USER_ID): string {
    this.shop(domain);
    this.stats.count(domain, "sessionTokens");
    return signSessionToken({ shop: domain, userId, apiKey: this.settings.apiKey, apiSecret: this.settings.apiSecret });
  }

  /** Delivers an event of the shop to the app's subscriptions of the topic, with the given or the default payload. */
  async deliver(domain: string, topic: string, payload?: unknown, options?: PayloadOptions): Promise<WebhookDelivery[]> {
    const shop = this.shop(domain);
    return this.webhooks.deliverEvent(domain, topic, payload ?? defaultPayload(shop, topic, options));
  }

  configure(settings: Partial<RuntimeSettings>): RuntimeSettings {
    const { accessTokenLifetimeSeconds, refreshTokenLifetimeSeconds, restoreRatePerSecond, bucketSize, bulkOperationDelayMs } = settings;
    if (bulkOperationDelayMs !== undefined) this.settings.bulkOperationDelayMs = bulkOperationDelayMs;
    this.tokens.setLifetimes({
      ...(accessTokenLifetimeSeconds !== undefined && { accessTokenLifetimeSeconds }),
      ...(refreshTokenLifetimeSeconds !== undefined && { refreshTokenLifetimeSeconds }),
    });
    this.bucket.configure({ ...(restoreRatePerSecond !== undefined && { restoreRatePerSecond }), ...(bucketSize !== undefined && { bucketSize }) });
    return { ...this.tokens.getLifetimes(), ...this.bucket.getSettings(), bulkOperationDelayMs: this.settings.bulkOperationDelayMs };
  }

  /** The user record Shopify puts in an online token's associated_user. */
  associatedUser(shop: ShopRecord, userId: string) {
    const [firstName = "", lastName = ""] = shop.shopOwnerName.split(" ");
    const isOwner = userId === SHOP_OWNER_USER_ID;
    return {
      id: Number(userId),
      first_name: isOwner ? firstName : "Staff",
      last_name: isOwner ? lastName : `Member ${userId}`,
      email: isOwner ? shop.email : `staff-${userId}@${shop.domain.replace(/\.myshopify\.com$/, "")}.example`,
      account_owner: isOwner,
      locale: "en",
      collaborator: false,
      email_verified: true,
    };
  }

  /** An online sale of the shop (InventoryService.sell), counted in the stats. */
  sell(domain: string, item: ItemReference, sale: SaleRequest): SaleResult {
    const result = this.inventory.sell(this.shop(domain), item, sale);
    this.stats.count(domain, result.sold ? "sales" : "salesRefused");
    return result;
  }

  /** A paid order of the shop (OrderService.createOrder), counted in the stats. */
  createOrder(domain: string, request: NewOrderRequest, options: { silent?: boolean } = {}): OrderRecord {
    const order = this.orders.createOrder(this.shop(domain), request, options);
    this.stats.count(domain, "orders");
    return order;
  }

  /** A refund of one of the shop's orders (OrderService.refund), counted in the stats. */
  refundOrder(domain: string, orderId: number | string, request: RefundRequest, options: { silent?: boolean } = {}): { order: OrderRecord; refund: RefundRecord } {
    const shop = this.shop(domain);
    const refund = this.orders.refund(shop, orderId, request, options);
    this.stats.count(domain, "refunds");
    return { order: this.orders.resolveOrder(shop, orderId), refund };
  }

  /** An order edit committed on one of the shop's orders (OrderService.edit). */
  editOrder(domain: string, orderId: number | string, request: OrderEditRequest): OrderRecord {
    return this.orders.edit(this.shop(domain), orderId, request);
  }

  setFaults(faults: FaultSettingsInput): FaultSettings {
    return this.faults.configure(faults);
  }

  close(): void {
    this.bulkOperations.close();
    this.webhooks.close();
    this.faults.close();
  }
}

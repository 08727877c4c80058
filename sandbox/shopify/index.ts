import path from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import { adminPages } from "./admin-page";
import { readAppConfig } from "./app-config";
import { browserScript } from "./browser-scripts";
import { SandboxCore, type RuntimeSettings } from "./core";
import { adminGraphql } from "./graphql";
import { asyncHandler } from "./http";
import { controlApi } from "./control-api";
import type { ItemReference, SaleRequest, SaleResult } from "./inventory";
import { tokenEndpoint } from "./oauth";
import { generateOrders, type GenerateOrdersOptions, type GeneratedOrders } from "./order-generator";
import type { NewOrderRequest, OrderEditRequest, RefundRequest } from "./orders";
import { DEMO_SHOP, seedShop, type CatalogOptions, type SeedKind } from "./seed";
import type { SandboxStats } from "./stats";
import type { OrderRecord, RefundRecord, ShopifyStore } from "./store";
import type { WebhookDelivery } from "./webhooks";
import type { FaultSettings, FaultSettingsInput } from "../common/faults";
import { listenOnLoopback } from "../common/listen";

export { ADMIN_API_VERSION, loadAdminSchema } from "./admin-schema";
export { SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET } from "./credentials";
export { DEMO_SHOP } from "./seed";
export type { FaultSettings, FaultSettingsInput } from "../common/faults";
export { catalogSku, type CatalogOptions } from "./seed";
export type { ItemReference, SaleRequest, SaleResult } from "./inventory";
export type { GenerateOrdersOptions, GeneratedOrders } from "./order-generator";
export type { NewOrderRequest, OrderEditRequest, RefundRequest } from "./orders";
export { ORDER_WINDOW_MS, OrderRequestError } from "./orders";
export type { OrderRecord, RefundRecord } from "./store";
export type { SandboxStats } from "./stats";
export type { WebhookDelivery } from "./webhooks";

/**
 * A local Shopify for Tillbridge: the token endpoint, Admin GraphQL on Shopify's real schema, webhooks, an admin
 * page that embeds the app, an App Bridge stand-in, and fault switches. The app reaches it by rewriting the library's
 * `https://<shop>.myshopify.com/<path>` requests to `<url>/store/<shop>/<path>`. See sandbox/shopify/README.md.
 */

export interface ShopifySandboxOptions {
  /** 0 = pick a free port. */
  port: number;
  /** The Tillbridge app's base URL, e.g. http://localhost:3000 (iframe src and webhook target). */
  appUrl: string;
  /** The app's client id. */
  apiKey: string;
  /** The app's client secret: signs session tokens and webhooks, checked on token requests. */
  apiSecret: string;
  /** Default path.resolve("shopify.app.toml"): access scopes and webhook subscriptions. */
  appTomlPath?: string;
  /** Default 3600 (Shopify's expiring offline tokens). */
  accessTokenLifetimeSeconds?: number;
  /** Default 90 days. */
  refreshTokenLifetimeSeconds?: number;
  /** Query cost bucket restore rate per second; default 100 (Standard plan). */
  restoreRatePerSecond?: number;
  /** Query cost bucket size; default 2000. */
  bucketSize?: number;
  /** How long a bulk operation takes to complete; default 200 ms. */
  bulkOperationDelayMs?: number;
  /**
   * "demo" (default): the demo shop with locations, products, stock and customers; "empty": a bare shop;
   * "catalog": the demo shop's domain with a generated catalog (`catalog`, README "Data").
   */
  seed?: SeedKind;
  catalog?: CatalogOptions;
}

export interface ShopifySandbox {
  /** Base URL, e.g. http://localhost:3100. */
  url: string;
  /** The shops and their data, for tests to read or change. */
  store: ShopifyStore;
  stats(): SandboxStats;
  resetStats(): void;
  /** Webhook deliveries, newest first (the last 200). */
  deliveries(): WebhookDelivery[];
  /** A session token as App Bridge would give the app (user 1001, the shop owner, by default). */
  sessionToken(shop?: string, userId?: string): string;
  install(shop?: string): void;
  /** Adds a shop as POST /_sandbox/shops does (seed "demo" by default; "catalog" with `catalog`). */
  /** `currency`: the shop's currency (its prices and shop money), default USD. */
  addShop(shop: string, options?: { name?: string; seed?: SeedKind; catalog?: CatalogOptions; currency?: string }): void;
  /** Revokes the shop's tokens and delivers app/uninstalled. */
  uninstall(shop?: string): Promise<WebhookDelivery[]>;
  /** Delivers an event to the app's subscriptions of the topic; the default payload when none is given. */
  deliverWebhook(shop: string, topic: string, payload?: unknown): Promise<WebhookDelivery[]>;
  /** Makes the shop's access tokens expire now (their refresh tokens stay valid). */
  expireAccessTokens(shop?: string): number;
  configure(settings: Partial<RuntimeSettings>): void;
  /** Merges fault switches into the current ones (README "Faults"). */
  setFaults(faults: FaultSettingsInput): FaultSettings;
  faults(): FaultSettings;
  /** Every fault switch off (held webhook deliveries go out). */
  resetFaults(): FaultSettings;
  /** Sends the webhook deliveries held for reordering now; how many there were. */
  flushWebhooks(): number;
  /**
   * An online sale (README "Control API"): available goes down at the location (default: the primary one).
   * `sold: false` when the variant denies overselling and stock is short. Sends inventory_levels/update.
   */
  sell(shop: string, item: ItemReference, sale: SaleRequest): SaleResult;
  /**
   * A paid order (README "Orders"), its units taken from stock as `sell` takes them; sends orders/create and
   * orders/paid. Throws OrderRequestError (status 400/404/409) for a request the control API would refuse.
   * `silent`: no webhooks at all, as for a sale whose webhooks never reach the app.
   */
  createOrder(shop: string, order: NewOrderRequest, options?: { silent?: boolean }): OrderRecord;
  /** A refund of an order (by id or gid); sends refunds/create and orders/updated (none when `silent`). */
  refundOrder(shop: string, orderId: number | string, refund: RefundRequest, options?: { silent?: boolean }): { order: OrderRecord; refund: RefundRecord };
  /** Commits an order edit: lines added, the difference collected; raises orders/updated. */
  editOrder(shop: string, orderId: number | string, edit: OrderEditRequest): OrderRecord;
  /** A generated order history for benchmarks and the demo (order-generator.ts). */
  generateOrders(shop: string, options: GenerateOrdersOptions): GeneratedOrders;
  /** Sets available at a location directly (test setup); sends inventory_levels/update unless silent. */
  setAvailable(shop: string, item: ItemReference, locationId: number | string, available: number, options?: { silent?: boolean }): number;
  /** A level's available: an item by SKU (string) or id (number or gid); null when not stocked at the location. */
  available(shop: string, item: string | number, locationId?: number | string): number | null;
  close(): Promise<void>;
}

const NINETY_DAYS = 90 * 24 * 3600;

function errorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) {
    next(error);
    return;
  }
  const parseFailed = (error as { type?: string }).type === "entity.parse.failed";
  if (parseFailed) {
    response.status(400).json({ errors: "The request body is not valid JSON" });
    return;
  }
  console.error("Shopify sandbox: unexpected error", error);
  response.status(500).json({ errors: `Internal error in the Tillbridge Shopify sandbox: ${(error as Error).message}` });
}

function createApp(core: SandboxCore): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use((_request, response, next) => {
    response.setHeader("X-Request-Id", crypto.randomUUID());
    next();
  });
  app.use(tokenEndpoint(core));
  app.use(adminGraphql(core));
  app.use(core.bulkOperations.router());
  app.use(controlApi(core));
  app.use(adminPages(core));
  app.get(
    "/app-bridge.js",
    asyncHandler(async (_request, response) => {
      response.setHeader("Cache-Control", "no-cache");
      response.type("application/javascript").send(await browserScript("app-bridge"));
    }),
  );
  app.get("/favicon.ico", (_request, response) => {
    response.status(204).end();
  });
  app.use((request, response) => {
    response.status(404).json({ errors: `Not Found: ${request.method} ${request.path} is not part of the Tillbridge Shopify sandbox` });
  });
  app.use(errorHandler);
  return app;
}

export async function startShopifySandbox(options: ShopifySandboxOptions): Promise<ShopifySandbox> {
  const appConfig = readAppConfig(options.appTomlPath ?? path.resolve("shopify.app.toml"));
  const core = new SandboxCore(
    {
      appUrl: options.appUrl,
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3600,
      refreshTokenLifetimeSeconds: options.refreshTokenLifetimeSeconds ?? NINETY_DAYS,
      restoreRatePerSecond: options.restoreRatePerSecond ?? 100,
      bucketSize: options.bucketSize ?? 2000,
      bulkOperationDelayMs: options.bulkOperationDelayMs ?? 200,
    },
    appConfig,
    options.seed ?? "demo",
    options.catalog,
  );
  const { url, close } = await listenOnLoopback(createApp(core), options.port);

  return {
    url,
    store: core.store,
    stats: () => core.stats.snapshot(),
    resetStats: () => core.stats.reset(),
    deliveries: () => core.webhooks.deliveries(),
    sessionToken: (shop = DEMO_SHOP, userId) => core.sessionToken(shop, userId),
    install: (shop = DEMO_SHOP) => void core.install(shop),
    addShop: (shop, { name, seed = "demo", catalog, currency } = {}) => void seedShop(core.store, shop, seed, name, catalog, currency),
    uninstall: (shop = DEMO_SHOP) => core.uninstall(shop),
    deliverWebhook: (shop, topic, payload) => core.deliver(shop, topic, payload),
    expireAccessTokens: (shop = DEMO_SHOP) => core.tokens.expireAccessTokens(shop),
    configure: (settings) => void core.configure(settings),
    setFaults: (faults) => core.setFaults(faults),
    faults: () => core.faults.current(),
    resetFaults: () => core.faults.reset(),
    flushWebhooks: () => core.faults.flushDeliveries(),
    sell: (shop, item, sale) => core.sell(shop, item, sale),
    createOrder: (shop, order, orderOptions) => core.createOrder(shop, order, orderOptions),
    refundOrder: (shop, orderId, refund, refundOptions) => core.refundOrder(shop, orderId, refund, refundOptions),
    editOrder: (shop, orderId, edit) => core.editOrder(shop, orderId, edit),
    generateOrders: (shop, options) => generateOrders(core, shop, options),
    setAvailable: (shop, item, locationId, available, setOptions) => core.inventory.setAvailable(core.shop(shop), item, locationId, available, setOptions),
    available: (shop, item, locationId) => {
      const reference: ItemReference = typeof item === "string" && !item.startsWith("gid://") ? { sku: item } : { inventoryItemId: item };
      return core.inventory.availableAt(core.shop(shop), reference, locationId);
    },
    close: async () => {
      core.close();
      await close();
    },
  };
}

import express, { type NextFunction, type Request, type Response } from "express";
import { apiRoutes } from "./api";
import { controlApi } from "./control-api";
import type { GenerateCatalogOptions } from "./catalog-seed";
import { SandboxCore, type FaultSettings, type FaultSettingsUpdate, type RevokerType, type SandboxBehaviour } from "./core";
import { indexPage } from "./index-page";
import { registerRoutes } from "./register-page";
import { oauthRoutes } from "./oauth";
import { catalogEntries, generateCatalog, inStock, sell, setInStock, stockEntries, type CatalogEntry, type SaleInput, type SaleResult, type SetStockInput, type StockEntry } from "./pos";
import { generateSales, refundAtRegister, sellOrder, type GeneratedSales, type GenerateSalesOptions, type OrderSaleInput, type OrderSaleResult, type RefundResult, type RegisterRefundInput } from "./register";
import type { SeedKind, SellerRecord } from "./seed";
import type { SandboxStats } from "./stats";
import { newEvent, type SquareEvent, type WebhookDelivery } from "./webhooks";
import { listenOnLoopback } from "../common/listen";

export { SANDBOX_SQUARE_APPLICATION_ID, SANDBOX_SQUARE_APPLICATION_SECRET, SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY } from "./credentials";
export { squareSignature } from "./webhooks";
export { generatedSku, type GenerateCatalogOptions } from "./catalog-seed";
export type { FaultSettings, FaultSettingsUpdate, SandboxBehaviour } from "./core";
export { SandboxRequestError } from "./core";
export type { CatalogEntry, SaleInput, SaleResult, SetStockInput, StockEntry } from "./pos";
export type { GeneratedSales, GenerateSalesOptions, OrderLineInput, OrderSaleInput, OrderSaleResult, RefundResult, RegisterRefundInput, TaxSpec, TenderInput } from "./register";
export type { OrderWire, PaymentWire, RefundWire, TenderKind } from "./sales";
export type { SellerRecord } from "./seed";
export type { SandboxStats } from "./stats";
export type { SquareEvent, WebhookDelivery } from "./webhooks";

/**
 * A local Square for Tillbridge: OAuth (consent page, ObtainToken, RevokeToken, RetrieveTokenStatus), the /v2
 * merchant, location, catalog, inventory, orders, payments and refunds endpoints, register sales and refunds, signed
 * webhooks and fault switches, at
 * Square's real paths, so the `square` SDK talks to it with `new SquareClient({ token, baseUrl: sandbox.url })`.
 * See sandbox/square/README.md.
 */

export interface SquareSandboxOptions {
  /** 0 = pick a free port. */
  port: number;
  /** The Tillbridge app's base URL, e.g. http://localhost:3000 (OAuth redirect and webhook target). */
  appUrl: string;
  applicationId: string;
  applicationSecret: string;
  /** The webhook subscription's signature key. */
  webhookSignatureKey: string;
  /** The subscription's notification URL; default `${appUrl}/webhooks/square`. It is part of the signature. */
  webhookUrl?: string;
  /** The application's registered redirect URL; default `${appUrl}/square/oauth/callback`. */
  redirectUrl?: string;
  /** Default 30 days, Square's. */
  accessTokenLifetimeSeconds?: number;
  /**
   * "demo" (default): two sellers with two locations each and a small catalog with stock; "empty": the same sellers
   * with their main location only and no catalog.
   */
  seed?: SeedKind;
  /** How long a catalog write holds the seller's catalog lock (default 10 ms); also POST /_sandbox/settings. */
  catalogWriteMs?: number;
  /** Whether register sales may take stock below zero (default false: refused with 409). */
  allowNegativeSales?: boolean;
  /** How long until a card payment's processing fee appears and a card refund completes (default 3000 ms; 0: at once). */
  processingFeeDelayMs?: number;
}

export interface SquareSandbox {
  /** Base URL, e.g. http://localhost:3102: the SDK's baseUrl. */
  url: string;
  sellers(): SellerRecord[];
  stats(): SandboxStats;
  resetStats(): void;
  /** Webhook deliveries, newest first (the last 200). */
  deliveries(): WebhookDelivery[];
  /**
   * Merges fault switches into the current ones (README "Faults"): latency, 5xx, 429 RATE_LIMITED, timeouts, lost
   * responses, webhook duplicates / delays / reordering. `{next, fraction}` (the first form) still sets the 429s.
   */
  setFaults(faults: FaultSettingsUpdate): FaultSettings;
  faults(): FaultSettings;
  /** Every fault switch off (held webhook deliveries go out). */
  resetFaults(): FaultSettings;
  /** Sends the webhook deliveries held for reordering now; how many there were. */
  flushWebhooks(): number;
  /** Makes the seller's access tokens expire now (the refresh token stays valid). */
  expireAccessTokens(merchantId: string): number;
  /** Revokes the seller's tokens as the seller (default) or Square would, and sends oauth.authorization.revoked. */
  revoke(merchantId: string, revokerType?: RevokerType): Promise<WebhookDelivery | null>;
  /** Delivers an event to the webhook URL, signed. */
  deliverEvent(event: Pick<SquareEvent, "merchant_id" | "type" | "data" | "location_id">): Promise<WebhookDelivery>;
  /** A sale at the register: IN_STOCK → SOLD (default location: the main one); `sold: false` when short. */
  sell(merchantId: string, sale: SaleInput): SaleResult;
  /**
   * A sale at the register as an order (README "Orders, payments and refunds"): a COMPLETED order with a payment per
   * tender, the location's taxes, optional discount, service charge and tip; stock moves as `sell` moves it.
   * `sold: false` (nothing done) when short, unless allowNegative.
   */
  sellOrder(merchantId: string, sale: OrderSaleInput): OrderSaleResult;
  /** A refund at the register, of lines or an amount: a return order and a PaymentRefund per refunded payment. */
  refundAtRegister(merchantId: string, refund: RegisterRefundInput): RefundResult;
  /** N seeded, realistic register sales (and `refunds` of them refunded), for benchmarks; silent by default. */
  generateSales(merchantId: string, options: GenerateSalesOptions): GeneratedSales;
  /** Processing fees and card refunds still waiting for their delay happen now; how many tasks ran. */
  settle(): number;
  /** Sets IN_STOCK as the seller would in the dashboard (a physical count; inventory.count.updated unless silent). */
  setInStock(merchantId: string, stock: SetStockInput): { inStock: number; variationId: string; locationId: string };
  /** IN_STOCK of a variation (its id, or its SKU) at a location; null when it has no count there. */
  inStock(merchantId: string, variationIdOrSku: string, locationId: string): number | null;
  /** The seller's live variations with their items. */
  catalog(merchantId: string): CatalogEntry[];
  /** IN_STOCK counts of the seller's live variations (at one location, or all). */
  stock(merchantId: string, locationId?: string): StockEntry[];
  /** Generates a catalog for benchmarks: SKUs `skuPrefix` + index from 1 zero-padded to 5 digits (README "Seeds"). */
  generateCatalog(merchantId: string, options: Partial<GenerateCatalogOptions> & { variants: number }): { items: number; variations: number; version: number };
  settings(): SandboxBehaviour;
  setSettings(settings: Partial<SandboxBehaviour>): SandboxBehaviour;
  close(): Promise<void>;
}

const THIRTY_DAYS = 30 * 24 * 3600;

function errorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) {
    next(error);
    return;
  }
  const category = "INVALID_REQUEST_ERROR";
  if ((error as { type?: string }).type === "entity.parse.failed") {
    response.status(400).json({ errors: [{ category, code: "INVALID_CONTENT_TYPE", detail: "The request body is not valid JSON." }] });
    return;
  }
  if ((error as { type?: string }).type === "entity.too.large") {
    response.status(413).json({ errors: [{ category, code: "BAD_REQUEST", detail: "The request body is too large for the Tillbridge Square sandbox." }] });
    return;
  }
  console.error("Square sandbox: unexpected error", error);
  response.status(500).json({ errors: [{ category: "API_ERROR", code: "INTERNAL_SERVER_ERROR", detail: `Tillbridge Square sandbox: ${(error as Error).message}` }] });
}

function createApp(core: SandboxCore): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(oauthRoutes(core));
  app.use(apiRoutes(core));
  app.use(controlApi(core));
  app.use(registerRoutes(core));
  app.get("/", (_request, response) => {
    response.type("html").send(indexPage(core));
  });
  app.get("/favicon.ico", (_request, response) => {
    response.status(204).end();
  });
  app.use((request, response) => {
    response.status(404).json({
      errors: [{ category: "INVALID_REQUEST_ERROR", code: "NOT_FOUND", detail: `${request.method} ${request.path} is not part of the Tillbridge Square sandbox` }],
    });
  });
  app.use(errorHandler);
  return app;
}

export async function startSquareSandbox(options: SquareSandboxOptions): Promise<SquareSandbox> {
  const appUrl = options.appUrl.replace(/\/+$/, "");
  const core = new SandboxCore(
    {
      appUrl,
      applicationId: options.applicationId,
      applicationSecret: options.applicationSecret,
      webhookSignatureKey: options.webhookSignatureKey,
      webhookUrl: options.webhookUrl ?? `${appUrl}/webhooks/square`,
      redirectUrl: options.redirectUrl ?? `${appUrl}/square/oauth/callback`,
      accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? THIRTY_DAYS,
    },
    options.seed ?? "demo",
    {
      ...(options.catalogWriteMs !== undefined && { catalogWriteMs: options.catalogWriteMs }),
      ...(options.allowNegativeSales !== undefined && { allowNegativeSales: options.allowNegativeSales }),
      ...(options.processingFeeDelayMs !== undefined && { processingFeeDelayMs: options.processingFeeDelayMs }),
    },
  );
  const { url, close } = await listenOnLoopback(createApp(core), options.port);

  return {
    url,
    sellers: () => [...core.sellers.values()],
    stats: () => core.stats.snapshot(),
    resetStats: () => core.stats.reset(),
    deliveries: () => core.webhooks.deliveries(),
    setFaults: (faults) => core.setFaults(faults),
    faults: () => core.faultSettings(),
    resetFaults: () => {
      core.faults.reset();
      return core.faultSettings();
    },
    flushWebhooks: () => core.faults.flushDeliveries(),
    expireAccessTokens: (merchantId) => core.tokens.expireAccessTokens(core.seller(merchantId).id),
    revoke: (merchantId, revokerType = "MERCHANT") => core.revoke(merchantId, revokerType),
    deliverEvent: (event) => core.deliver(newEvent(event.merchant_id, event.type, event.data, event.location_id)),
    sell: (merchantId, sale) => sell(core, merchantId, sale),
    sellOrder: (merchantId, sale) => sellOrder(core, merchantId, sale),
    refundAtRegister: (merchantId, refund) => refundAtRegister(core, merchantId, refund),
    generateSales: (merchantId, options) => generateSales(core, merchantId, options),
    settle: () => core.runScheduled(),
    setInStock: (merchantId, stock) => setInStock(core, merchantId, stock),
    inStock: (merchantId, variationIdOrSku, locationId) => inStock(core, merchantId, variationIdOrSku, locationId),
    catalog: (merchantId) => catalogEntries(core, merchantId),
    stock: (merchantId, locationId) => stockEntries(core, merchantId, locationId),
    generateCatalog: (merchantId, options) =>
      generateCatalog(core, merchantId, { skuPrefix: "SKU-", inStock: 100, variationsPerItem: 1, mode: "replace", ...options }),
    settings: () => ({ ...core.behaviour }),
    setSettings: (settings) => {
      core.behaviour = { ...core.behaviour, ...settings };
      return { ...core.behaviour };
    },
    close: async () => {
      core.close();
      await close();
    },
  };
}

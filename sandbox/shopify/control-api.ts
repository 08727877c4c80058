import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { faultSettingsInput } from "../common/faults";
import { UnknownShopError, type SandboxCore } from "./core";
import { asyncHandler } from "./http";
import { isEnumType } from "graphql";
import { loadAdminSchema } from "./admin-schema";
import { gid } from "./gid";
import { InventoryRequestError, type ItemReference } from "./inventory";
import { graphqlDecimal, isDecimal, ratioOf } from "./money";
import { generateOrders } from "./order-generator";
import { orderTotals, refundTotal } from "./order-totals";
import { OrderRequestError } from "./orders";
import { seedShop } from "./seed";
import type { OrderRecord, RefundRecord } from "./store";
import { MissingPayloadError } from "./webhook-payloads";

/**
 * JSON API for tests, scripts and the App Bridge stand-in, under /_sandbox. Not part of Shopify: it drives what a
 * merchant or Shopify would do (install, uninstall, raise webhooks) and shows what happened (stats, deliveries).
 */

/** Shops added through the API, on top of the seed: enough for any multi-tenant test, bounded all the same. */
const MAX_SHOPS = 100;

const shopDomain = z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be <handle>.myshopify.com");

const newShopBody = z
  .strictObject({
    shop: shopDomain,
    name: z.string().min(1).optional(),
    seed: z.enum(["demo", "empty", "catalog"]).default("demo"),
    // Seed "catalog" only (README "Data"): the generated catalog's size and shape.
    variants: z.number().int().min(1).max(100_000).optional(),
    skuPrefix: z.string().regex(/^[A-Za-z0-9._-]{0,20}$/, "letters, digits, '.', '_' or '-', at most 20").optional(),
    locations: z.number().int().min(1).max(20).optional(),
    variantsPerProduct: z.number().int().min(1).max(100).optional(),
    available: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  })
  .refine((body) => body.seed === "catalog" || Object.keys(body).every((key) => ["shop", "name", "seed"].includes(key)), {
    message: "variants, skuPrefix, locations, variantsPerProduct and available go with seed \"catalog\" only",
  });

/** An inventory item: by id (a number, or its gid) or by SKU, exactly one of the two. */
const itemReference = {
  inventoryItemId: z.union([z.number().int().positive(), z.string().min(1)]).optional(),
  sku: z.string().min(1).optional(),
};
const oneItem = (body: { inventoryItemId?: unknown; sku?: unknown }) => (body.inventoryItemId === undefined) !== (body.sku === undefined);
const oneItemMessage = { message: "give inventoryItemId or sku (one of them)" };
const locationId = z.union([z.number().int().positive(), z.string().min(1)]);

const saleBody = z
  .strictObject({ ...itemReference, locationId: locationId.optional(), quantity: z.number().int().min(1).max(1_000_000), fulfilled: z.boolean().optional() })
  .refine(oneItem, oneItemMessage);

const stockBody = z
  .strictObject({ ...itemReference, locationId, available: z.number().int().min(-1_000_000_000).max(1_000_000_000), silent: z.boolean().optional() })
  .refine(oneItem, oneItemMessage);

const stockQuery = z.object({ inventoryItemId: z.string().min(1).optional(), sku: z.string().min(1).optional(), locationId: z.string().min(1).optional() }).refine(oneItem, oneItemMessage);

function itemOf(body: { inventoryItemId?: number | string; sku?: string }): ItemReference {
  return body.sku !== undefined ? { sku: body.sku } : { inventoryItemId: body.inventoryItemId! };
}

/** A non-negative decimal given as a string ("12.50") or a JSON number (12.5). */
const decimal = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value) => (typeof value === "number" ? String(value) : value))
  .refine(isDecimal, "must be a non-negative decimal such as \"12.50\"");
const positiveDecimal = decimal.refine((value) => ratioOf(value).numerator > 0n, "must be more than 0");

/** A currency Shopify knows (the schema's CurrencyCode enum). */
const currencyCode = z.string().refine((code) => {
  const type = loadAdminSchema().getType("CurrencyCode");
  return /^[A-Z]{3}$/.test(code) && isEnumType(type) && type.getValue(code) !== undefined;
}, "must be a three-letter currency code Shopify knows, e.g. CAD");

const timestamp = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const anyId = z.union([z.number().int().positive(), z.string().min(1)]);

const orderBody = z.strictObject({
  lines: z
    .array(
      z
        .strictObject({ sku: z.string().min(1).optional(), variantId: anyId.optional(), quantity: z.number().int().min(1).max(100_000) })
        .refine((line) => (line.sku === undefined) !== (line.variantId === undefined), { message: "give sku or variantId (one of them)" }),
    )
    .min(1)
    .max(250),
  presentmentCurrency: currencyCode.optional(),
  rate: positiveDecimal.optional(),
  discountPercent: decimal.optional(),
  discountCode: z.string().min(1).max(255).optional(),
  shippingAmount: decimal.optional(),
  shippingTitle: z.string().min(1).max(255).optional(),
  tipAmount: decimal.optional(),
  taxRate: decimal.refine((value) => ratioOf(value).numerator <= ratioOf(value).denominator, "is a fraction: 0.0875 for 8.75 %").optional(),
  taxTitle: z.string().min(1).max(255).optional(),
  taxesIncluded: z.boolean().optional(),
  taxShipping: z.boolean().optional(),
  gateways: z
    .array(z.strictObject({ gateway: z.string().regex(/^[a-z0-9_]{1,64}$/, "lower-case letters, digits and _ (shopify_payments, cash, manual, gift_card, …)"), amount: decimal.optional() }))
    .min(1)
    .max(10)
    .optional(),
  customerEmail: z.email().optional(),
  processedAt: timestamp.optional(),
  locationId: anyId.optional(),
  source: z.enum(["web", "pos"]).optional(),
  fulfilled: z.boolean().optional(),
  // No webhooks: a sale whose webhooks never reach the app (a test of the sync's catch-up).
  silent: z.boolean().optional(),
});

const refundBody = z.strictObject({
  lines: z.array(z.strictObject({ lineItemId: anyId, quantity: z.number().int().min(1).max(100_000) })).max(250).optional(),
  shippingAmount: decimal.optional(),
  amount: decimal.optional(),
  note: z.string().max(5000).optional(),
  restock: z.boolean().optional(),
  processedAt: timestamp.optional(),
  silent: z.boolean().optional(),
});

const editBody = z.strictObject({
  addLines: z.array(z.strictObject({ sku: z.string().min(1).max(255).optional(), variantId: anyId.optional(), quantity: z.number().int().min(1).max(100_000) })).min(1).max(250),
  gateway: z.string().min(1).max(100).optional(),
});

const generateBody = z.strictObject({
  count: z.number().int().min(1).max(100_000),
  seed: z.number().int().min(0).max(4_294_967_295).optional(),
  refunds: z.number().min(0).max(1).optional(),
  days: z.number().positive().max(3650).optional(),
  silent: z.boolean().optional(),
});

/** What the control API answers about an order: its ids for GraphQL, and its totals as GraphQL shows them. */
function orderSummary(order: OrderRecord) {
  const totals = orderTotals(order);
  const amounts = (pair: { shop: number; presentment: number }) => ({
    shop: graphqlDecimal(pair.shop, order.currencyCode),
    presentment: graphqlDecimal(pair.presentment, order.presentmentCurrencyCode),
  });
  return {
    id: gid("Order", order.id),
    legacyResourceId: order.id,
    name: order.name,
    currencyCode: order.currencyCode,
    presentmentCurrencyCode: order.presentmentCurrencyCode,
    financialStatus: totals.financialStatus,
    totalPrice: amounts(totals.total),
    netPayment: amounts(totals.netPayment),
    lineItems: order.lineItems.map((line) => ({ id: gid("LineItem", line.id), sku: line.sku, quantity: line.quantity })),
    transactions: order.transactions.map((transaction) => ({ id: gid("OrderTransaction", transaction.id), kind: transaction.kind, gateway: transaction.gateway, amount: amounts(transaction.amount) })),
    refunds: order.refunds.map((refund) => ({ id: gid("Refund", refund.id), totalRefunded: amounts(refundTotal(order, refund)) })),
  };
}

function refundSummary(order: OrderRecord, refund: RefundRecord) {
  return orderSummary(order).refunds.find((summary) => summary.id === gid("Refund", refund.id))!;
}

const webhookBody = z.strictObject({
  topic: z.string().regex(/^[a-z_]+\/[a-z_]+$/, "must be a topic like orders/paid"),
  payload: z.record(z.string(), z.unknown()).optional(),
  /** For the compliance topics' default payloads: which customer (default: the shop's first). */
  customerId: z.number().int().optional(),
});

const configBody = z.strictObject({
  accessTokenLifetimeSeconds: z.number().int().positive().optional(),
  refreshTokenLifetimeSeconds: z.number().int().positive().optional(),
  restoreRatePerSecond: z.number().positive().optional(),
  bucketSize: z.number().int().positive().optional(),
  bulkOperationDelayMs: z.number().int().min(0).max(600_000).optional(),
});

const sessionTokenQuery = z.object({ user: z.string().regex(/^\d+$/).optional() });

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new BadRequest(400, z.prettifyError(result.error));
  return result.data;
}

/** The App Bridge stand-in runs in the app's pages, another origin: let that origin call the control API. */
function cors(core: SandboxCore) {
  return (request: Request, response: Response, next: NextFunction) => {
    if (request.get("Origin") === core.appOrigin) {
      response.setHeader("Access-Control-Allow-Origin", core.appOrigin);
      response.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
      response.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    }
    response.setHeader("Vary", "Origin");
    if (request.method === "OPTIONS") response.sendStatus(204);
    else next();
  };
}

export function controlApi(core: SandboxCore): express.Router {
  const router = express.Router();
  router.use("/_sandbox", cors(core), express.json({ limit: "256kb" }));

  router.get("/_sandbox/stats", (_request, response) => {
    response.json(core.stats.snapshot());
  });
  router.post("/_sandbox/stats/reset", (_request, response) => {
    core.stats.reset();
    response.json(core.stats.snapshot());
  });

  router.post("/_sandbox/config", (request, response) => {
    response.json(core.configure(parse(configBody, request.body)));
  });

  router.get("/_sandbox/faults", (_request, response) => {
    response.json(core.faults.current());
  });
  router.post("/_sandbox/faults", (request, response) => {
    response.json(core.setFaults(parse(faultSettingsInput, request.body)));
  });
  router.post("/_sandbox/faults/reset", (_request, response) => {
    response.json(core.faults.reset());
  });
  router.post("/_sandbox/faults/flush", (_request, response) => {
    response.json({ flushed: core.faults.flushDeliveries() });
  });

  router.get("/_sandbox/shops", (_request, response) => {
    response.json([...core.store.shops.values()].map((shop) => ({ shop: shop.domain, name: shop.name, installed: shop.installed, scopes: shop.scopes })));
  });
  router.post("/_sandbox/shops", (request, response) => {
    const body = parse(newShopBody, request.body);
    if (core.store.shop(body.shop)) throw new BadRequest(409, `${body.shop} already exists`);
    if (core.store.shops.size >= MAX_SHOPS) throw new BadRequest(409, `The sandbox holds at most ${MAX_SHOPS} shops`);
    const { shop: domain, name, seed, ...catalog } = body;
    const shop = seedShop(core.store, domain, seed, name, catalog);
    response.status(201).json({ shop: shop.domain, name: shop.name, installed: shop.installed, variants: shop.variants.size, locations: shop.locations.size });
  });

  router.get("/_sandbox/shops/:shop/session-token", (request, response) => {
    const { user } = parse(sessionTokenQuery, request.query);
    response.setHeader("Cache-Control", "no-store");
    response.json({ token: core.sessionToken(request.params.shop ?? "", user) });
  });
  router.post("/_sandbox/shops/:shop/install", (request, response) => {
    const shop = core.install(request.params.shop ?? "");
    response.json({ shop: shop.domain, installed: shop.installed, scopes: shop.scopes });
  });
  router.post(
    "/_sandbox/shops/:shop/uninstall",
    asyncHandler(async (request, response) => {
      response.json({ deliveries: await core.uninstall(request.params.shop ?? "") });
    }),
  );
  router.post(
    "/_sandbox/shops/:shop/webhooks",
    asyncHandler(async (request, response) => {
      const body = parse(webhookBody, request.body);
      if (core.webhooks.targets(body.topic).length === 0) throw new BadRequest(409, `${body.topic} is not subscribed in shopify.app.toml`);
      response.json({ deliveries: await core.deliver(request.params.shop ?? "", body.topic, body.payload, { customerId: body.customerId }) });
    }),
  );
  // What happens to stock on Shopify's side without the app: online sales, and stock set for a test.
  router.post("/_sandbox/shops/:shop/sales", (request, response) => {
    const { locationId: location, quantity, fulfilled, ...item } = parse(saleBody, request.body);
    const sale = core.sell(request.params.shop ?? "", itemOf(item), { quantity, fulfilled, ...(location !== undefined && { locationId: location }) });
    if (sale.sold) response.json(sale);
    else response.status(409).json({ error: sale.reason, ...sale });
  });
  // Orders paid on Shopify's side (online or at a POS till), and their refunds.
  router.post("/_sandbox/shops/:shop/orders", (request, response) => {
    const { silent, ...orderRequest } = parse(orderBody, request.body);
    const order = core.createOrder(request.params.shop ?? "", orderRequest, { silent });
    response.status(201).json({ order: orderSummary(order) });
  });
  router.post("/_sandbox/shops/:shop/orders/generate", (request, response) => {
    const { orders, refunds } = generateOrders(core, request.params.shop ?? "", parse(generateBody, request.body));
    response.status(201).json({ orders: orders.length, refunds: refunds.length, first: orders[0]?.name ?? null, last: orders.at(-1)?.name ?? null });
  });
  router.post("/_sandbox/shops/:shop/orders/:order/refunds", (request, response) => {
    const { silent, ...refundRequest } = parse(refundBody, request.body);
    const { order, refund } = core.refundOrder(request.params.shop ?? "", request.params.order ?? "", refundRequest, { silent });
    response.status(201).json({ refund: refundSummary(order, refund), order: orderSummary(order) });
  });
  router.post("/_sandbox/shops/:shop/orders/:order/edits", (request, response) => {
    const order = core.editOrder(request.params.shop ?? "", request.params.order ?? "", parse(editBody, request.body));
    response.status(201).json({ order: orderSummary(order) });
  });
  router.post("/_sandbox/shops/:shop/inventory", (request, response) => {
    const { locationId: location, available, silent, ...item } = parse(stockBody, request.body);
    const shop = core.shop(request.params.shop ?? "");
    response.json({ available: core.inventory.setAvailable(shop, itemOf(item), location, available, { silent }) });
  });
  router.get("/_sandbox/shops/:shop/inventory", (request, response) => {
    const { locationId: location, ...item } = parse(stockQuery, request.query);
    response.json({ available: core.inventory.availableAt(core.shop(request.params.shop ?? ""), itemOf(item), location) });
  });

  router.post("/_sandbox/shops/:shop/expire-tokens", (request, response) => {
    core.shop(request.params.shop ?? "");
    response.json({ expired: core.tokens.expireAccessTokens(request.params.shop ?? "") });
  });

  router.get("/_sandbox/deliveries", (_request, response) => {
    response.json(core.webhooks.deliveries());
  });
  router.post(
    "/_sandbox/deliveries/:id/redeliver",
    asyncHandler(async (request, response) => {
      const delivery = await core.webhooks.redeliver(request.params.id ?? "");
      if (!delivery) throw new BadRequest(404, `No delivery ${request.params.id}`);
      response.json({ delivery });
    }),
  );

  router.use("/_sandbox", (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (error instanceof BadRequest) response.status(error.status).json({ error: error.message });
    else if (error instanceof UnknownShopError) response.status(404).json({ error: error.message });
    else if (error instanceof MissingPayloadError) response.status(400).json({ error: error.message });
    else if (error instanceof InventoryRequestError) response.status(error.status).json({ error: error.message });
    else if (error instanceof OrderRequestError) response.status(error.status).json({ error: error.message });
    else next(error);
  });
  return router;
}

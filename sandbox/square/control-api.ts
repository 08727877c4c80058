import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { faultSettingsInput } from "../common/faults";
import { SandboxRequestError, UnknownSellerError, type SandboxCore } from "./core";
import { asyncHandler } from "./http";
import { catalogEntries, generateCatalog, sell, setInStock, stockEntries } from "./pos";
import { generateSales, refundAtRegister, sellOrder } from "./register";
import { maskToken, tokenState } from "./tokens";
import { newEvent } from "./webhooks";

/**
 * JSON API for tests and scripts, under /_sandbox. Not part of Square: it does what a seller or Square would do
 * (revoke from the dashboard, let a token expire, raise an event, throttle) and shows what happened.
 */

/** The common switches (sandbox/common/faults.ts), and `rateLimit`, this sandbox's first form of the 429 switch. */
const faultsBody = faultSettingsInput.extend({
  rateLimit: z
    .strictObject({
      next: z.number().int().min(0).max(10_000).optional(),
      fraction: z.number().min(0).max(1).optional(),
    })
    .optional(),
});

const revokeBody = z.strictObject({
  /** Who revoked: the seller in the Square dashboard (default), Square itself, or the app. */
  revokerType: z.enum(["MERCHANT", "SQUARE", "APPLICATION"]).default("MERCHANT"),
});

const eventBody = z.strictObject({
  merchantId: z.string(),
  type: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, "must be an event type like order.updated"),
  locationId: z.string().optional(),
  data: z.strictObject({
    type: z.string().min(1),
    id: z.string().min(1),
    object: z.record(z.string(), z.unknown()),
  }),
});

const settingsBody = z.strictObject({
  catalogWriteMs: z.number().int().min(0).max(60_000).optional(),
  allowNegativeSales: z.boolean().optional(),
  processingFeeDelayMs: z.number().int().min(0).max(600_000).optional(),
});

/** A variation by id or SKU. */
const variationRef = {
  variationId: z.string().min(1).optional(),
  sku: z.string().min(1).optional(),
};
const oneOf = (body: { variationId?: string; sku?: string }) => (body.variationId === undefined) !== (body.sku === undefined);
const ONE_OF = { message: "name the variation by variationId or sku (one of them)" };

const saleBody = z
  .strictObject({
    ...variationRef,
    locationId: z.string().optional(),
    quantity: z.number().positive().max(1_000_000),
    allowNegative: z.boolean().optional(),
  })
  .refine(oneOf, ONE_OF);

const stockBody = z
  .strictObject({
    ...variationRef,
    locationId: z.string(),
    inStock: z.number().min(-1_000_000).max(1_000_000),
    silent: z.boolean().optional(),
  })
  .refine(oneOf, ONE_OF);

/** A percentage as Square writes it ("8.875"); numbers are taken too. */
const percentageText = z.union([z.string().regex(/^\d{1,3}(\.\d{1,8})?$/, "a percentage like 8.875"), z.number().min(0).max(100)]).transform(String);

const orderBody = z.strictObject({
  locationId: z.string().optional(),
  lines: z
    .array(
      z
        .strictObject({
          ...variationRef,
          quantity: z.number().positive().max(1_000_000),
          price: z.number().int().min(0).max(100_000_000).optional(),
        })
        .refine(oneOf, ONE_OF),
    )
    .min(1)
    .max(500),
  tenders: z
    .array(
      z.strictObject({
        type: z.enum(["CARD", "CASH", "SQUARE_GIFT_CARD", "OTHER"]),
        amount: z.number().int().min(0).max(100_000_000).optional(),
        cardBrand: z.enum(["VISA", "MASTERCARD", "AMERICAN_EXPRESS", "DISCOVER", "DISCOVER_DINERS", "JCB", "CHINA_UNIONPAY", "INTERAC"]).optional(),
      }),
    )
    .min(1)
    .max(10)
    .optional(),
  taxes: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(255),
        percentage: percentageText,
        type: z.enum(["ADDITIVE", "INCLUSIVE"]).optional(),
        scope: z.enum(["ORDER", "LINE_ITEM"]).optional(),
      }),
    )
    .max(10)
    .optional(),
  discountPercent: z.number().min(0).max(100).optional(),
  serviceCharge: z
    .strictObject({
      name: z.string().min(1).max(255).optional(),
      percentage: percentageText.optional(),
      amount: z.number().int().min(0).max(100_000_000).optional(),
      taxable: z.boolean().optional(),
      phase: z.enum(["SUBTOTAL_PHASE", "TOTAL_PHASE"]).optional(),
    })
    .refine((charge) => (charge.percentage === undefined) !== (charge.amount === undefined), { message: "give a service charge a percentage or an amount (one of them)" })
    .optional(),
  tipAmount: z.number().int().min(0).max(100_000_000).optional(),
  tipPercent: z.number().min(0).max(100).optional(),
  closedAt: z.iso.datetime({ offset: true }).optional(),
  allowNegative: z.boolean().optional(),
  silent: z.boolean().optional(),
});

const refundBody = z
  .strictObject({
    orderId: z.string().min(1),
    lines: z
      .array(
        z
          .strictObject({ uid: z.string().min(1).optional(), ...variationRef, quantity: z.number().positive().max(1_000_000) })
          .refine((line) => [line.uid, line.variationId, line.sku].filter((value) => value !== undefined).length === 1, {
            message: "name the line by uid, variationId or sku (one of them)",
          }),
      )
      .min(1)
      .max(500)
      .optional(),
    amount: z.number().int().positive().max(100_000_000).optional(),
    reason: z.string().min(1).max(192).optional(),
    restock: z.boolean().optional(),
    silent: z.boolean().optional(),
  })
  .refine((body) => (body.lines === undefined) !== (body.amount === undefined), { message: "refund lines or an amount (one of them)" });

const generateSalesBody = z.strictObject({
  count: z.number().int().min(1).max(100_000),
  seed: z.number().int().min(0).max(0xffff_ffff),
  refunds: z.number().int().min(0).max(100_000).optional(),
  locationId: z.string().optional(),
  silent: z.boolean().optional(),
});

const generateBody = z.strictObject({
  variants: z.number().int().min(1).max(100_000),
  skuPrefix: z
    .string()
    .max(40)
    .regex(/^[A-Za-z0-9_.-]*$/, "letters, digits, _ . - only")
    .default("SKU-"),
  inStock: z.number().int().min(-1_000_000).max(1_000_000).default(100),
  variationsPerItem: z.number().int().min(1).max(20).default(1),
  mode: z.enum(["replace", "append"]).default("replace"),
});

class BadRequest extends Error {}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new BadRequest(z.prettifyError(result.error));
  return result.data;
}

export function controlApi(core: SandboxCore): express.Router {
  const router = express.Router();
  router.use("/_sandbox", express.json({ limit: "256kb" }));

  router.get("/_sandbox/stats", (_request, response) => {
    response.json(core.stats.snapshot());
  });
  router.post("/_sandbox/stats/reset", (_request, response) => {
    core.stats.reset();
    response.json(core.stats.snapshot());
  });

  router.get("/_sandbox/faults", (_request, response) => {
    response.json(core.faultSettings());
  });
  router.post("/_sandbox/faults", (request, response) => {
    response.json(core.setFaults(parse(faultsBody, request.body)));
  });
  router.post("/_sandbox/faults/reset", (_request, response) => {
    core.faults.reset();
    response.json(core.faultSettings());
  });
  router.post("/_sandbox/faults/flush", (_request, response) => {
    response.json({ flushed: core.faults.flushDeliveries() });
  });

  router.get("/_sandbox/settings", (_request, response) => {
    response.json(core.behaviour);
  });
  router.post("/_sandbox/settings", (request, response) => {
    core.behaviour = { ...core.behaviour, ...parse(settingsBody, request.body) };
    response.json(core.behaviour);
  });

  router.get("/_sandbox/sellers", (_request, response) => {
    response.json(
      [...core.sellers.values()].map((seller) => ({
        merchantId: seller.id,
        businessName: seller.businessName,
        authorized: core.tokens.hasLiveAuthorization(seller.id),
        locations: seller.locations.map((location) => ({ id: location.id, name: location.name })),
      })),
    );
  });
  router.get("/_sandbox/tokens", (_request, response) => {
    response.json(
      core.tokens.accessTokenList().map((record) => ({
        token: maskToken(record.token),
        merchantId: record.merchantId,
        scopes: record.scopes,
        expiresAt: new Date(record.expiresAt).toISOString(),
        state: tokenState(record),
      })),
    );
  });
  router.post("/_sandbox/sellers/:merchantId/expire-tokens", (request, response) => {
    const merchantId = core.seller(request.params.merchantId ?? "").id;
    response.json({ expired: core.tokens.expireAccessTokens(merchantId) });
  });
  router.post(
    "/_sandbox/sellers/:merchantId/revoke",
    asyncHandler(async (request, response) => {
      const { revokerType } = parse(revokeBody, request.body);
      response.json({ delivery: await core.revoke(request.params.merchantId ?? "", revokerType) });
    }),
  );

  router.get("/_sandbox/sellers/:merchantId/catalog", (request, response) => {
    response.json(catalogEntries(core, request.params.merchantId ?? ""));
  });
  router.post("/_sandbox/sellers/:merchantId/catalog", (request, response) => {
    response.json(generateCatalog(core, request.params.merchantId ?? "", parse(generateBody, request.body)));
  });
  router.get("/_sandbox/sellers/:merchantId/inventory", (request, response) => {
    const locationId = typeof request.query.locationId === "string" ? request.query.locationId : undefined;
    response.json(stockEntries(core, request.params.merchantId ?? "", locationId));
  });
  router.post("/_sandbox/sellers/:merchantId/inventory", (request, response) => {
    response.json(setInStock(core, request.params.merchantId ?? "", parse(stockBody, request.body)));
  });
  router.post("/_sandbox/sellers/:merchantId/sales", (request, response) => {
    const result = sell(core, request.params.merchantId ?? "", parse(saleBody, request.body));
    if (!result.sold) {
      response.status(409).json({ error: `Only ${result.inStock} in stock at ${result.locationId}.`, ...result });
      return;
    }
    response.json(result);
  });

  router.post("/_sandbox/sellers/:merchantId/orders", (request, response) => {
    const result = sellOrder(core, request.params.merchantId ?? "", parse(orderBody, request.body));
    if (!result.sold) {
      response.status(409).json({ error: "Not enough in stock for this sale.", ...result });
      return;
    }
    response.json(result);
  });
  router.post("/_sandbox/sellers/:merchantId/orders/generate", (request, response) => {
    response.json(generateSales(core, request.params.merchantId ?? "", parse(generateSalesBody, request.body)));
  });
  router.post("/_sandbox/sellers/:merchantId/refunds", (request, response) => {
    response.json(refundAtRegister(core, request.params.merchantId ?? "", parse(refundBody, request.body)));
  });
  router.post("/_sandbox/settle", (_request, response) => {
    response.json({ ran: core.runScheduled() });
  });

  router.post(
    "/_sandbox/webhooks",
    asyncHandler(async (request, response) => {
      const body = parse(eventBody, request.body);
      response.json({ delivery: await core.deliver(newEvent(body.merchantId, body.type, body.data, body.locationId)) });
    }),
  );
  router.get("/_sandbox/deliveries", (_request, response) => {
    response.json(core.webhooks.deliveries());
  });

  router.use("/_sandbox", (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (error instanceof BadRequest) response.status(400).json({ error: error.message });
    else if (error instanceof UnknownSellerError) response.status(404).json({ error: error.message });
    else if (error instanceof SandboxRequestError) response.status(error.status).json({ error: error.message });
    else next(error);
  });
  return router;
}

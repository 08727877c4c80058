import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { faultSettingsInput } from "../common/faults";
import {
  changePreferences,
  documentTypeSchema,
  exchangeRateSchema,
  listDocuments,
  PreferenceRefused,
  preferencesChangeSchema,
  preferencesView,
  setExchangeRate,
} from "./accounting/control";
import { UnknownCompanyError, type SandboxCore } from "./core";
import { asyncHandler } from "./http";
import type { ApiCallRecord } from "./qbo-api";

/**
 * JSON API for tests and scripts, under /_sandbox. Not part of Intuit: it does what the merchant, Intuit or time
 * would do (disconnect, lose access, let tokens expire, raise webhooks, throttle) and shows what happened.
 */

const realmIdSchema = z.string().regex(/^\d{1,20}$/, "must be a numeric realm id");

const configBody = z.strictObject({
  accessTokenLifetimeSeconds: z.number().int().positive().optional(),
  refreshTokenLifetimeSeconds: z.number().int().positive().optional(),
  refreshTokenHardCapSeconds: z.number().int().positive().optional(),
  requestsPerMinute: z.number().int().positive().optional(),
  maxConcurrent: z.number().int().positive().optional(),
  batchRequestsPerMinute: z.number().int().positive().optional(),
  entityWebhooks: z.boolean().optional(),
});

const documentsQuery = z.strictObject({ type: documentTypeSchema.default("SalesReceipt") });


const clockBody = z.strictObject({ advanceSeconds: z.number().int().positive() });

const newCompanyBody = z.strictObject({ name: z.string().min(1).max(100), realmId: realmIdSchema.optional() });

const refreshTokenBody = z.strictObject({ refreshToken: z.string().min(1), action: z.enum(["expire", "revoke"]) });

const accessBody = z.strictObject({ lost: z.boolean() });

const webhookEvent = z.strictObject({
  realmId: realmIdSchema,
  entity: z.string().regex(/^[A-Za-z]+$/, "must be a QuickBooks entity name such as Item"),
  operation: z.string().regex(/^[a-z]+$/, "must be an operation such as created, updated, deleted"),
  entityId: z.string().min(1),
  data: z.record(z.string(), z.unknown()).optional(),
});
const webhookBody = z.strictObject({ events: z.array(webhookEvent).min(1).max(100) });

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

export function controlApi(core: SandboxCore, calls: ApiCallRecord[]): express.Router {
  const router = express.Router();
  router.use("/_sandbox", express.json({ limit: "256kb" }));

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
  router.post("/_sandbox/clock", (request, response) => {
    const now = core.advanceClock(parse(clockBody, request.body).advanceSeconds);
    response.json({ now: new Date(now).toISOString() });
  });

  router.get("/_sandbox/companies", (_request, response) => {
    response.json([...core.companies.values()].map((company) => ({ realmId: company.realmId, name: company.name, accessLost: core.accessLost.has(company.realmId) })));
  });
  router.post("/_sandbox/companies", (request, response) => {
    const body = parse(newCompanyBody, request.body);
    try {
      const company = core.addCompany(body.name, body.realmId);
      response.status(201).json({ realmId: company.realmId, name: company.name });
    } catch (error) {
      throw new BadRequest(409, (error as Error).message);
    }
  });
  router.post("/_sandbox/companies/:realmId/expire-access-tokens", (request, response) => {
    const company = core.company(request.params.realmId ?? "");
    response.json({ expired: core.grants.expireAccessTokens(company.realmId) });
  });
  router.post("/_sandbox/companies/:realmId/disconnect", (request, response) => {
    const company = core.company(request.params.realmId ?? "");
    response.json({ revokedGrants: core.grants.revokeRealm(company.realmId) });
  });
  router.post("/_sandbox/companies/:realmId/access", (request, response) => {
    const company = core.company(request.params.realmId ?? "");
    const { lost } = parse(accessBody, request.body);
    if (lost) core.accessLost.add(company.realmId);
    else core.accessLost.delete(company.realmId);
    response.json({ realmId: company.realmId, accessLost: lost });
  });

  router.get("/_sandbox/companies/:realmId/documents", (request, response) => {
    const books = core.books(request.params.realmId ?? "");
    response.json(listDocuments(books, parse(documentsQuery, request.query).type));
  });
  router.get("/_sandbox/companies/:realmId/preferences", (request, response) => {
    response.json(preferencesView(core.books(request.params.realmId ?? "")));
  });
  router.post("/_sandbox/companies/:realmId/preferences", (request, response) => {
    const books = core.books(request.params.realmId ?? "");
    response.json(changePreferences(books, parse(preferencesChangeSchema, request.body), core.now()));
  });
  router.post("/_sandbox/companies/:realmId/exchange-rates", (request, response) => {
    const books = core.books(request.params.realmId ?? "");
    response.json(setExchangeRate(books, parse(exchangeRateSchema, request.body), core.now()));
  });

  router.post("/_sandbox/refresh-tokens", (request, response) => {
    const body = parse(refreshTokenBody, request.body);
    if (!core.grants.endRefreshToken(body.refreshToken, body.action)) throw new BadRequest(404, "No such refresh token");
    response.json({ ok: true });
  });

  router.post(
    "/_sandbox/webhooks",
    asyncHandler(async (request, response) => {
      response.json({ delivery: await core.deliverWebhook(parse(webhookBody, request.body).events) });
    }),
  );
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
  router.get("/_sandbox/api-calls", (_request, response) => {
    response.json(calls);
  });

  router.use("/_sandbox", (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (error instanceof BadRequest) response.status(error.status).json({ error: error.message });
    else if (error instanceof PreferenceRefused) response.status(409).json({ error: error.message });
    else if (error instanceof UnknownCompanyError) response.status(404).json({ error: error.message });
    else next(error);
  });
  return router;
}

import { randomUUID } from "node:crypto";
import express, { type Request, type Response } from "express";
import type { FaultKind, FaultResponder } from "../common/faults";
import { companyInfo } from "./companies";
import type { SandboxCore } from "./core";
import {
  applicationAuthorizationFailed,
  authenticationFailed,
  authorizationFailure,
  faultBody,
  notImplemented,
  objectNotFound,
  serverError,
  throttleExceeded,
  type QuickBooksFault,
} from "./faults";
import { SCOPES } from "./oauth";
import type { SandboxCounts } from "./stats";
import { intuitResponseXml } from "./xml";

/**
 * The QuickBooks Online Accounting API v3 under /v3/company/:realmId, the part needed to connect: CompanyInfo by id
 * and by query. Every call needs a live Bearer access token of a grant for that realm with the accounting scope,
 * and passes the realm's limits and the fault switches. Answers are XML unless the request accepts JSON, as
 * QuickBooks does.
 */

const FAULT_COUNTS: Record<Exclude<FaultKind, "throttled">, keyof SandboxCounts> = {
  serverError: "apiServerErrors",
  timeout: "timeouts",
  lostResponse: "lostResponses",
};

/** Since 2025-08-01 QuickBooks treats an absent or older minorversion as 75 (Intuit blog 2025-01-21, reference §7). */
export const BASE_MINOR_VERSION = 75;
const MAX_LOGGED_CALLS = 200;

export interface ApiCallRecord {
  at: string;
  realmId: string;
  method: string;
  path: string;
  /** The minorversion the call was answered with (BASE_MINOR_VERSION when absent or older). */
  minorVersion: number;
  status: number;
}

type Locals = { realmId: string };

function send(core: SandboxCore, request: Request, response: Response, status: number, body: Record<string, unknown>): void {
  const withTime = { ...body, time: core.timestamp() };
  response.status(status);
  if ((request.get("Accept") ?? "").includes("application/json")) response.json(withTime);
  else response.type("application/xml").send(intuitResponseXml(withTime));
}

function sendFault(core: SandboxCore, request: Request, response: Response, fault: QuickBooksFault): void {
  send(core, request, response, fault.status, faultBody(fault));
}

function minorVersion(request: Request): number {
  const requested = Number(request.query.minorversion);
  return Number.isInteger(requested) && requested > BASE_MINOR_VERSION ? requested : BASE_MINOR_VERSION;
}

export function quickBooksApi(core: SandboxCore, calls: ApiCallRecord[]): express.Router {
  const router = express.Router();

  router.use("/v3/company/:realmId", (request, response, next) => {
    const realmId = request.params.realmId ?? "";
    // Count by realm only for companies that exist, so made-up realm ids cannot grow the stats.
    const knownRealm = core.companies.has(realmId) ? realmId : undefined;
    response.setHeader("intuit_tid", randomUUID());
    response.locals = { realmId } satisfies Locals;
    response.on("finish", () => {
      calls.unshift({ at: new Date(core.now()).toISOString(), realmId, method: request.method, path: request.originalUrl.split("?")[0] ?? "", minorVersion: minorVersion(request), status: response.statusCode });
      calls.length = Math.min(calls.length, MAX_LOGGED_CALLS);
    });

    const token = /^Bearer\s+(\S+)$/i.exec(request.get("Authorization") ?? "")?.[1];
    const record = token ? core.grants.liveAccessToken(token) : undefined;
    if (!record) {
      core.stats.count(knownRealm, "apiUnauthorized");
      const grant = token ? core.grants.grantOf(token) : undefined;
      const detail = !token ? "Missing bearer token" : !grant ? "Invalid bearer token" : grant.revoked ? "Token revoked" : "Token expired";
      sendFault(core, request, response, authenticationFailed(detail));
      return;
    }
    if (record.grant.realmId !== realmId || !record.grant.scopes.includes(SCOPES.accounting)) {
      core.stats.count(knownRealm, "apiForbidden");
      const detail = record.grant.realmId !== realmId ? `The access token was issued for another company than ${realmId}` : "The access token does not have sufficient scope";
      sendFault(core, request, response, applicationAuthorizationFailed(detail));
      return;
    }
    if (core.accessLost.has(realmId)) {
      core.stats.count(realmId, "apiForbidden");
      sendFault(core, request, response, authorizationFailure());
      return;
    }
    // An injected throttle answers like the limiter, without taking a slot or counting in the minute.
    const release = core.faults.takeThrottle() ? undefined : core.limiter.acquire(realmId);
    if (!release) {
      core.stats.count(realmId, "apiThrottled");
      sendFault(core, request, response, throttleExceeded());
      return;
    }
    response.on("close", release);
    core.stats.count(realmId, "apiCalls");
    next();
  });

  // The other fault switches act on accepted calls: latency and timeouts hold a concurrency slot, as a slow
  // QuickBooks would.
  const faults: FaultResponder = {
    serverError: (request, response, status) => sendFault(core, request, response, serverError(status)),
    // Reads are GETs (a query by POST would be one too); creates, updates, deletes and voids are POSTs.
    isWrite: (request) => request.method !== "GET" && !request.path.endsWith("/query"),
    onFault: (kind, request) => {
      if (kind !== "throttled") core.stats.count(request.params.realmId, FAULT_COUNTS[kind]);
    },
  };
  router.use("/v3/company/:realmId", core.faults.middleware(faults));

  router.get("/v3/company/:realmId/companyinfo/:id", (request, response) => {
    const company = core.company(request.params.realmId ?? "");
    if (request.params.id !== company.realmId) {
      sendFault(core, request, response, objectNotFound(`Object Not Found: Something you're trying to use has been made inactive or is not found. CompanyInfo ${request.params.id}`));
      return;
    }
    send(core, request, response, 200, { CompanyInfo: companyInfo(company) });
  });

  router.get("/v3/company/:realmId/query", (request, response) => {
    const company = core.company(request.params.realmId ?? "");
    const query = typeof request.query.query === "string" ? request.query.query.trim() : "";
    if (!/^select\s+\*\s+from\s+companyinfo$/i.test(query)) {
      sendFault(core, request, response, notImplemented(`The sandbox answers only "select * from CompanyInfo", not: ${query.slice(0, 200)}`));
      return;
    }
    send(core, request, response, 200, { QueryResponse: { CompanyInfo: [companyInfo(company)], startPosition: 1, maxResults: 1 } });
  });

  router.all("/v3/company/:realmId/*", (request, response) => {
    sendFault(core, request, response, notImplemented(`${request.method} ${request.path} is not part of the Tillbridge QuickBooks sandbox`));
  });

  return router;
}

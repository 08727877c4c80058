import { randomUUID } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import type { FaultKind, FaultResponder } from "../common/faults";
import { accountingApi, batchItemCount, UNPARSABLE_BODY } from "./accounting/routes";
import { sendFault } from "./answers";
import type { SandboxCore } from "./core";
import { applicationAuthorizationFailed, authenticationFailed, authorizationFailure, serverError, throttleExceeded } from "./faults";
import { SCOPES } from "./oauth";
import type { SandboxCounts } from "./stats";

/**
 * The QuickBooks Online Accounting API v3 under /v3/company/:realmId (the entities, query, batch and CDC are in
 * accounting/routes.ts). Every call needs a live Bearer access token of a grant for that realm with the
 * accounting scope, and passes the realm's limits (a batch counts one call per item) and the fault switches.
 * Answers are XML unless the request accepts JSON, as QuickBooks does.
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

/** Request bodies QuickBooks takes: Intuit documents no size limit; 4 MB holds a batch of 30 large receipts. */
const BODY_LIMIT = "4mb";

/**
 * Reads the body before authentication, so the limiter can count a batch's items: JSON (parsed; UNPARSABLE_BODY
 * when it is not JSON, which QuickBooks answers with 2010), anything else as text (a query sent as
 * application/text, or an XML body the sandbox does not take).
 */
function readBody(): express.RequestHandler[] {
  const text = express.text({ type: () => true, limit: BODY_LIMIT });
  return [
    text,
    (request: Request, _response: Response, next: NextFunction) => {
      if (typeof request.body === "string" && request.is("application/json")) {
        try {
          request.body = request.body.trim() === "" ? undefined : JSON.parse(request.body);
        } catch {
          request.body = UNPARSABLE_BODY;
        }
      }
      next();
    },
  ];
}

function minorVersion(request: Request): number {
  const requested = Number(request.query.minorversion);
  return Number.isInteger(requested) && requested > BASE_MINOR_VERSION ? requested : BASE_MINOR_VERSION;
}

export function quickBooksApi(core: SandboxCore, calls: ApiCallRecord[]): express.Router {
  const router = express.Router();

  router.use("/v3/company/:realmId", readBody());
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
    const batchItems = batchItemCount(request);
    const isBatch = request.method === "POST" && /\/batch\/?$/.test(request.path);
    const release = core.faults.takeThrottle() ? undefined : core.limiter.acquire(realmId, { calls: batchItems ?? 1, batch: isBatch });
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

  router.use(accountingApi(core));

  return router;
}

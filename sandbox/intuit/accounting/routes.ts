import express, { type Request, type Response } from "express";
import { companyInfo } from "../companies";
import type { SandboxCore } from "../core";
import { sendAnswer, sendFault, withTime } from "../answers";
import {
  businessValidation,
  faultBody,
  fail,
  malformedRequest,
  notImplemented,
  objectNotFound,
  queryParserError,
  QuickBooksFaultError,
  requiredParameterMissing,
  unsupportedOperation,
  unsupportedProperty,
  type QuickBooksFault,
} from "../faults";
import { BooksFullError, type Books } from "./books";
import type { WriteContext } from "./context";
import { answerOf, readEntity, writeEntity, type WriteOperation, type WriteResult } from "./operations";
import { exchangeRateOf, preferencesOf } from "./preferences";
import { parseQuery, runQuery, type QuerySource } from "./query";
import { MAX_BATCH_REQUEST_ID_LENGTH, MAX_REQUEST_ID_LENGTH } from "./replay";
import { entityNamed, isPlainObject, isWritableList, NOT_IN_CDC, READ_ONLY_LIST_ENTITIES, type EntityName, type Json } from "./schema";
import { companyDate, companyDateTime } from "./time";

/**
 * The QuickBooks Online accounting API under /v3/company/:realmId (mounted after authentication, the realm's
 * limits and the fault switches): entities by id, create / update / delete / void, query, batch, ChangeDataCapture,
 * Preferences and ExchangeRate. Every answer goes through `answer`, which applies Intuit's `requestid` replay.
 */

/** A batch holds at most 30 items (Intuit blog 2023-07-19, reference §7). */
export const MAX_BATCH_ITEMS = 30;
/** ChangeDataCapture looks back at most 30 days and answers at most 1000 objects (reference §7). */
const CDC_LOOKBACK_MS = 30 * 24 * 3600 * 1000;
const CDC_MAX_OBJECTS = 1000;

/** Set by the body reader when a JSON body does not parse (QuickBooks answers 2010). */
export const UNPARSABLE_BODY = Symbol("unparsable body");

interface Produced {
  status: number;
  body: Json;
  events?: WriteResult[];
}

function realmOf(response: Response): string {
  return String((response.locals as { realmId?: string }).realmId ?? "");
}

function faultAnswer(fault: QuickBooksFault): Produced {
  return { status: fault.status, body: faultBody(fault) };
}

/** Runs the work and turns a thrown QuickBooks fault into its answer (anything else is a sandbox bug: 500). */
function attempt(work: () => Produced): Produced {
  try {
    return work();
  } catch (error) {
    if (error instanceof QuickBooksFaultError) return faultAnswer(error.fault);
    if (error instanceof BooksFullError) return faultAnswer(businessValidation(error.message));
    throw error;
  }
}

/** The number of items of a well-formed batch body (what the limiter counts), else undefined. */
export function batchItemCount(request: Request): number | undefined {
  if (request.method !== "POST" || !/\/batch\/?$/.test(request.path)) return undefined;
  const items = isPlainObject(request.body) ? request.body.BatchItemRequest : undefined;
  return Array.isArray(items) && items.length >= 1 && items.length <= MAX_BATCH_ITEMS ? items.length : undefined;
}

function contextFor(core: SandboxCore, books: Books, include: unknown): WriteContext {
  const options = typeof include === "string" ? include.toLowerCase().split(",") : [];
  return { books, now: core.now(), allowDuplicateDocNumber: options.includes("allowduplicatedocnum") };
}

function querySource(core: SandboxCore, realmId: string, name: string): QuerySource {
  const company = core.company(realmId);
  const books = core.books(realmId);
  if (name.toLowerCase() === "companyinfo") return { entity: "CompanyInfo", rows: [companyInfo(company)], activeOnlyByDefault: false };
  if (name.toLowerCase() === "preferences") return { entity: "Preferences", rows: [preferencesOf(books, company.fiscalYearStartMonth)], activeOnlyByDefault: false };
  const entity = entityNamed(name);
  if (!entity) fail(queryParserError(`Entity ${name} is not one the Tillbridge QuickBooks sandbox can query`));
  return { entity, rows: books.all(entity).map((record) => answerOf(entity, record)), activeOnlyByDefault: isWritableList(entity) || (READ_ONLY_LIST_ENTITIES as readonly string[]).includes(entity) };
}

function runQueryText(core: SandboxCore, realmId: string, text: string): Json {
  const parsed = parseQuery(text);
  return runQuery(parsed, querySource(core, realmId, parsed.entity));
}

function bodyOf(request: Request): unknown {
  if (request.body === UNPARSABLE_BODY) fail(unsupportedProperty("failed to parse json object; a property"));
  return request.body;
}

function runBatch(core: SandboxCore, realmId: string, envelope: unknown): Produced {
  const items = isPlainObject(envelope) ? envelope.BatchItemRequest : undefined;
  if (items === undefined || (Array.isArray(items) && items.length === 0)) fail(malformedRequest("Batch Request is Empty"));
  if (!Array.isArray(items)) fail(unsupportedProperty("Can not deserialize instance of java.util.ArrayList out of START_OBJECT token", "BatchItemRequest"));
  if (items.length > MAX_BATCH_ITEMS) fail(malformedRequest(`Batch Request has ${items.length} items; a batch holds at most ${MAX_BATCH_ITEMS}`));
  const bIds = new Set<string>();
  for (const item of items) {
    const bId = isPlainObject(item) ? item.bId : undefined;
    if (typeof bId !== "string" || bId === "") fail(malformedRequest("Every BatchItemRequest needs a bId"));
    if (bIds.has(bId)) fail(malformedRequest(`bId ${bId} is used twice in the batch`));
    bIds.add(bId);
  }
  core.stats.count(realmId, "apiBatchItems", items.length);
  const books = core.books(realmId);
  const events: WriteResult[] = [];
  const responses = (items as Json[]).map((item) => {
    const bId = String(item.bId);
    const produced = attempt(() => {
      if (typeof item.Query === "string") return { status: 200, body: runQueryText(core, realmId, item.Query) };
      const entityKeys = Object.keys(item).filter((key) => !["bId", "operation", "optionsData", "Query"].includes(key));
      const [key] = entityKeys;
      const entity = key === undefined ? undefined : entityNamed(key);
      if (!key || !entity || entityKeys.length > 1 || key !== entity) fail(unsupportedProperty(`Unrecognized field "${entityKeys.join(", ") || "(none)"}" (class com.intuit.schema.finance.v3.BatchItemRequest), not marked as ignorable`, "BatchItemRequest"));
      const options = typeof item.optionsData === "string" ? item.optionsData.toLowerCase().split(",") : [];
      const operation = item.operation;
      let mode: WriteOperation;
      if (operation === "create") mode = "create";
      else if (operation === "update") mode = options.includes("void") ? "void" : "update";
      else if (operation === "delete") mode = "delete";
      else if (operation === undefined) fail(requiredParameterMissing("operation"));
      else fail(unsupportedOperation(`Operation ${String(operation)} is not supported`));
      const result = writeEntity(contextFor(core, books, options.join(",")), entity, item[key], mode);
      events.push(result);
      return { status: 200, body: { [entity]: result.answer } };
    });
    return { bId, ...produced.body };
  });
  return { status: 200, body: { BatchItemResponse: responses }, events };
}

function runCdc(core: SandboxCore, realmId: string, request: Request): Produced {
  const { entities, changedSince } = request.query;
  if (typeof entities !== "string" || entities.trim() === "") fail(requiredParameterMissing("entities"));
  if (typeof changedSince !== "string" || changedSince.trim() === "") fail(requiredParameterMissing("changedSince"));
  const since = Date.parse(changedSince);
  if (Number.isNaN(since)) fail(unsupportedProperty(`changedSince '${changedSince}' is not a date-time`, "changedSince"));
  if (since < core.now() - CDC_LOOKBACK_MS) fail(businessValidation("changedSince can be at most 30 days in the past", "changedSince"));
  const books = core.books(realmId);
  const wanted = entities.split(",").map((name) => {
    const entity = entityNamed(name.trim());
    if (!entity || NOT_IN_CDC.has(entity)) fail(unsupportedProperty(`ChangeDataCapture does not support entity '${name.trim()}'`, "entities"));
    return entity;
  });
  // The earliest changes first, so an app that got 1000 can ask again from the last LastUpdatedTime it saw.
  const changes = [...new Set(wanted)].flatMap((entity) => {
    const { records, deleted } = books.changesSince(entity, since);
    return [
      ...records.map((record) => ({ entity, at: record.updatedAt, answer: answerOf(entity, record) })),
      ...deleted.map((tombstone) => ({ entity, at: tombstone.deletedAt, answer: { domain: "QBO", status: "Deleted", Id: tombstone.id, MetaData: { LastUpdatedTime: companyDateTime(tombstone.deletedAt) } } })),
    ];
  });
  const kept = changes.sort((a, b) => a.at - b.at).slice(0, CDC_MAX_OBJECTS);
  const responses = [...new Set(wanted)].map((entity) => {
    const objects = kept.filter((change) => change.entity === entity).map((change) => change.answer);
    return objects.length === 0 ? {} : { [entity]: objects, startPosition: 1, maxResults: objects.length, totalCount: objects.length };
  });
  return { status: 200, body: { CDCResponse: [{ QueryResponse: responses }] } };
}

export function accountingApi(core: SandboxCore): express.Router {
  const router = express.Router();

  /** Answers the request through Intuit's requestid replay: a repeated id gets the kept answer, nothing is redone. */
  const answer = (request: Request, response: Response, work: (realmId: string) => Produced): void => {
    const realmId = realmOf(response);
    const requestId = request.query.requestid;
    if (requestId !== undefined) {
      const limit = /\/batch\/?$/.test(request.path) ? MAX_BATCH_REQUEST_ID_LENGTH : MAX_REQUEST_ID_LENGTH;
      if (typeof requestId !== "string" || requestId === "" || requestId.length > limit) {
        sendFault(core, request, response, unsupportedProperty(`requestid must be 1 to ${limit} characters, got ${typeof requestId === "string" ? requestId.length : "several"}`, "requestid"));
        return;
      }
      const kept = core.replays.find(realmId, requestId);
      if (kept) {
        core.stats.count(realmId, "apiReplays");
        sendAnswer(core, request, response, kept.status, kept.body);
        return;
      }
    }
    const produced = attempt(() => work(realmId));
    const body = withTime(core, produced.body);
    if (typeof requestId === "string") core.replays.keep(realmId, requestId, { status: produced.status, body });
    if (produced.events) core.emitEntityEvents(realmId, produced.events);
    sendAnswer(core, request, response, produced.status, body);
  };

  router.get("/v3/company/:realmId/companyinfo/:id", (request, response) => {
    answer(request, response, (realmId) => {
      const company = core.company(realmId);
      if (request.params.id !== company.realmId) fail(objectNotFound(`Object Not Found: Something you're trying to use has been made inactive or is not found. CompanyInfo ${request.params.id}`));
      return { status: 200, body: { CompanyInfo: companyInfo(company) } };
    });
  });

  const query = (request: Request, response: Response) => {
    answer(request, response, (realmId) => {
      const text = typeof request.query.query === "string" ? request.query.query : typeof request.body === "string" ? request.body : "";
      return { status: 200, body: runQueryText(core, realmId, text.trim()) };
    });
  };
  router.get("/v3/company/:realmId/query", query);
  router.post("/v3/company/:realmId/query", query);

  router.post("/v3/company/:realmId/batch", (request, response) => {
    answer(request, response, (realmId) => runBatch(core, realmId, bodyOf(request)));
  });

  router.get("/v3/company/:realmId/cdc", (request, response) => {
    answer(request, response, (realmId) => runCdc(core, realmId, request));
  });

  router.get("/v3/company/:realmId/preferences", (request, response) => {
    answer(request, response, (realmId) => ({ status: 200, body: { Preferences: preferencesOf(core.books(realmId), core.company(realmId).fiscalYearStartMonth) } }));
  });

  router.get("/v3/company/:realmId/exchangerate", (request, response) => {
    answer(request, response, (realmId) => {
      const books = core.books(realmId);
      if (!books.preferences.multiCurrency) fail(businessValidation("Multicurrency is not turned on for this company", "sourcecurrencycode"));
      const currency = request.query.sourcecurrencycode;
      if (typeof currency !== "string" || currency === "") fail(requiredParameterMissing("sourcecurrencycode"));
      const date = typeof request.query.asofdate === "string" && request.query.asofdate !== "" ? request.query.asofdate : companyDate(core.now());
      const rate = exchangeRateOf(books, currency.toUpperCase(), date);
      if (!rate) fail(objectNotFound(`Object Not Found : no exchange rate for ${currency} in this company`));
      return { status: 200, body: { ExchangeRate: rate } };
    });
  });

  router.get("/v3/company/:realmId/:entity/:id", (request, response, next) => {
    const entity = entityNamed(request.params.entity ?? "");
    if (!entity) {
      next();
      return;
    }
    answer(request, response, (realmId) => {
      const books = core.books(realmId);
      return { status: 200, body: { [entity]: readEntity(contextFor(core, books, undefined), entity, request.params.id ?? "") } };
    });
  });

  router.post("/v3/company/:realmId/:entity", (request, response, next) => {
    const entity: EntityName | undefined = entityNamed(request.params.entity ?? "");
    if (!entity) {
      next();
      return;
    }
    answer(request, response, (realmId) => {
      if (typeof request.body === "string") fail(notImplemented("The sandbox takes JSON request bodies (Content-Type: application/json)"));
      const operation = request.query.operation;
      if (operation !== undefined && operation !== "delete" && operation !== "void") fail(unsupportedOperation(`Operation ${String(operation)} is not supported`));
      const result = writeEntity(contextFor(core, core.books(realmId), request.query.include), entity, bodyOf(request), operation ?? "save");
      return { status: 200, body: { [entity]: result.answer }, events: [result] };
    });
  });

  router.all("/v3/company/:realmId/*", (request, response) => {
    sendFault(core, request, response, notImplemented(`${request.method} ${request.path} is not part of the Tillbridge QuickBooks sandbox`));
  });

  return router;
}

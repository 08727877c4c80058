import express, { type Request } from "express";
import { z } from "zod";
import { authenticate, requireScope } from "./auth";
import { CATALOG_OBJECT_TYPES, type CatalogObjectType, type CatalogRecord, type CatalogStore } from "./catalog";
import { requestedTypes, searchBody, searchCatalog } from "./catalog-search";
import type { SandboxCore } from "./core";
import { badRequest, bodyError, notFound } from "./errors";
import { RATE_LIMITED, squareEndpoint } from "./http";
import { pageOf } from "./pagination";

/**
 * Square's Catalog API for the sellable catalog (ITEM and ITEM_VARIATION), at its real paths:
 *  - reads (ITEMS_READ): ListCatalog, SearchCatalogObjects, BatchRetrieveCatalogObjects, RetrieveCatalogObject,
 *    CatalogInfo;
 *  - writes (ITEMS_WRITE): UpsertCatalogObject, BatchUpsertCatalogObjects, DeleteCatalogObject,
 *    BatchDeleteCatalogObjects. One write per seller at a time: a write arriving while another runs gets 429
 *    RATE_LIMITED (the SDK's catalog client docs); each write holds the lock `catalogWriteMs`. The upserts take an
 *    idempotency key. A write that changed something sends catalog.version.updated.
 * Bodies carry only fields of the SDK's schemas (ListCatalogResponse, SearchCatalogObjectsResponse, …).
 */

/** ListCatalog's page size ("currently set to be 100"). */
const LIST_PAGE_SIZE = 100;
const SEARCH_DEFAULT_LIMIT = 100;
const MAX_PER_BATCH = 1_000;
const MAX_PER_REQUEST = 10_000;
const MAX_RETRIEVE = 1_000;
const MAX_DELETE = 200;

const idempotencyKey = z.string().min(1).max(128);
const upsertBody = z.looseObject({ idempotency_key: idempotencyKey, object: z.looseObject({}) });
const batchUpsertBody = z.looseObject({
  idempotency_key: idempotencyKey,
  batches: z.array(z.looseObject({ objects: z.array(z.unknown()).min(1).max(MAX_PER_BATCH) })).min(1),
});
const batchRetrieveBody = z.looseObject({
  object_ids: z.array(z.string()).min(1).max(MAX_RETRIEVE),
  include_related_objects: z.boolean().nullish(),
  include_deleted_objects: z.boolean().nullish(),
  catalog_version: z.number().nullish(),
});
const batchDeleteBody = z.looseObject({ object_ids: z.array(z.string()).min(1).max(MAX_DELETE) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw bodyError(result.error);
  return result.data;
}

const withoutEmpty = (name: string, list: unknown[]) => (list.length > 0 ? { [name]: list } : {});

function notModelledVersion(value: unknown, field: string): void {
  if (value !== undefined && value !== null) throw badRequest("BAD_REQUEST", "Reading older catalog versions (catalog_version) is not modelled by the Tillbridge Square sandbox.", field);
}

/** ListCatalog's `types`: comma separated, case-insensitive CatalogObjectType values. */
function listTypes(raw: unknown): Set<CatalogObjectType> {
  if (typeof raw !== "string" || raw.trim() === "") return requestedTypes(undefined);
  const types = raw.split(",").map((type) => type.trim().toUpperCase());
  const unknown = types.find((type) => !(CATALOG_OBJECT_TYPES as readonly string[]).includes(type));
  if (unknown !== undefined) throw badRequest("INVALID_ENUM_VALUE", `Unknown catalog object type ${unknown}.`, "types");
  return requestedTypes(types as CatalogObjectType[]);
}

function related(catalog: CatalogStore, records: CatalogRecord[], wanted: boolean | null | undefined) {
  return wanted ? withoutEmpty("related_objects", catalog.relatedObjects(records).map((record) => catalog.toWire(record))) : {};
}

export function catalogRoutes(core: SandboxCore): express.Router {
  const router = express.Router();

  const reader = (request: Request) => {
    const token = authenticate(core, request);
    requireScope(token, "ITEMS_READ");
    return { merchantId: token.merchantId, catalog: core.storesOf(token.merchantId).catalog };
  };
  const writer = (request: Request) => {
    const token = authenticate(core, request);
    requireScope(token, "ITEMS_WRITE");
    return { merchantId: token.merchantId, catalog: core.storesOf(token.merchantId).catalog };
  };

  /** Runs a write under the seller's catalog lock; 429 RATE_LIMITED when another write of the seller is running. */
  async function locked<T>(merchantId: string, write: () => T): Promise<T> {
    const outcome = await core.withCatalogLock(merchantId, write);
    if (!outcome) {
      core.stats.count("catalogWritesLocked");
      throw RATE_LIMITED;
    }
    core.stats.count("catalogWrites");
    return outcome.result;
  }

  /** The first answer again for a key already used with the same body; IDEMPOTENCY_KEY_REUSED for another body. */
  function replayed(scope: string, key: string, body: unknown): unknown {
    const check = core.idempotency.check(scope, key, body);
    if (check.kind === "reused") throw badRequest("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different request.", "idempotency_key");
    if (check.kind === "replay") core.stats.count("idempotentReplays");
    return check.kind === "replay" ? check.body : undefined;
  }

  router.get(
    "/v2/catalog/list",
    squareEndpoint(core, (request, response) => {
      const { catalog } = reader(request);
      notModelledVersion(request.query.catalog_version, "catalog_version");
      const types = listTypes(request.query.types);
      const records = [...catalog.all()].filter((record) => types.has(record.type) && !record.is_deleted);
      const { page, cursor } = pageOf(records, typeof request.query.cursor === "string" ? request.query.cursor : undefined, LIST_PAGE_SIZE);
      response.json({ ...(cursor && { cursor }), ...withoutEmpty("objects", page.map((record) => catalog.toWire(record))) });
    }),
  );

  router.post(
    "/v2/catalog/search",
    squareEndpoint(core, (request, response) => {
      const { catalog } = reader(request);
      const body = parse(searchBody, request.body);
      const found = searchCatalog(catalog, body);
      const limit = body.limit && body.limit > 0 && body.limit <= 1_000 ? body.limit : SEARCH_DEFAULT_LIMIT;
      const { page, cursor } = pageOf(found, body.cursor, limit);
      response.json({
        ...(cursor && { cursor }),
        ...withoutEmpty("objects", page.map((record) => catalog.toWire(record))),
        ...related(catalog, page, body.include_related_objects),
        latest_time: catalog.updatedAt(),
      });
    }),
  );

  router.post(
    "/v2/catalog/batch-retrieve",
    squareEndpoint(core, (request, response) => {
      const { catalog } = reader(request);
      const body = parse(batchRetrieveBody, request.body);
      notModelledVersion(body.catalog_version, "catalog_version");
      // Ids that name no object (or a deleted one, unless asked for) are left out of the answer (assumed).
      const records = [...new Set(body.object_ids)]
        .map((id) => catalog.get(id))
        .filter((record): record is CatalogRecord => record !== undefined && (!record.is_deleted || body.include_deleted_objects === true));
      response.json({ ...withoutEmpty("objects", records.map((record) => catalog.toWire(record))), ...related(catalog, records, body.include_related_objects) });
    }),
  );

  router.get(
    "/v2/catalog/object/:objectId",
    squareEndpoint(core, (request, response) => {
      const { catalog } = reader(request);
      notModelledVersion(request.query.catalog_version, "catalog_version");
      const record = catalog.get(request.params.objectId ?? "");
      if (!record || record.is_deleted) throw notFound(`Object ${request.params.objectId} not found.`);
      response.json({ object: catalog.toWire(record), ...related(catalog, [record], request.query.include_related_objects === "true") });
    }),
  );

  router.get(
    "/v2/catalog/info",
    squareEndpoint(core, (request, response) => {
      reader(request);
      response.json({
        limits: {
          batch_upsert_max_objects_per_batch: MAX_PER_BATCH,
          batch_upsert_max_total_objects: MAX_PER_REQUEST,
          batch_retrieve_max_object_ids: MAX_RETRIEVE,
          search_max_page_limit: 1_000,
          batch_delete_max_object_ids: MAX_DELETE,
        },
      });
    }),
  );

  router.post(
    "/v2/catalog/object",
    squareEndpoint(core, async (request, response) => {
      const { merchantId, catalog } = writer(request);
      const body = parse(upsertBody, request.body);
      const scope = `${merchantId} catalog.upsert`;
      const replay = replayed(scope, body.idempotency_key, request.body);
      if (replay !== undefined) {
        response.json(replay);
        return;
      }
      const result = await locked(merchantId, () => catalog.upsert([[body.object]], () => "object"));
      if (result.errors.length > 0) throw result.errors[0]!;
      const answer = { catalog_object: catalog.toWire(result.objects[0]!), ...withoutEmpty("id_mappings", result.idMappings) };
      core.idempotency.remember(scope, body.idempotency_key, request.body, answer);
      core.notifyCatalog(merchantId, result.updatedAt);
      response.json(answer);
    }),
  );

  router.post(
    "/v2/catalog/batch-upsert",
    squareEndpoint(core, async (request, response) => {
      const { merchantId, catalog } = writer(request);
      const body = parse(batchUpsertBody, request.body);
      const total = body.batches.reduce((sum, batch) => sum + batch.objects.reduce<number>((objects, object) => objects + 1 + inlinedVariations(object), 0), 0);
      if (total > MAX_PER_REQUEST) throw badRequest("ARRAY_LENGTH_TOO_LONG", `A request may upsert at most ${MAX_PER_REQUEST} objects (variations included); this one has ${total}.`, "batches");
      const scope = `${merchantId} catalog.batch-upsert`;
      const replay = replayed(scope, body.idempotency_key, request.body);
      if (replay !== undefined) {
        response.json(replay);
        return;
      }
      const result = await locked(merchantId, () =>
        catalog.upsert(
          body.batches.map((batch) => batch.objects),
          (batch, index) => `batches[${batch}].objects[${index}]`,
        ),
      );
      // Every batch refused: the request fails. Some refused: the others stand, and the answer lists the errors (assumed).
      if (result.objects.length === 0 && result.errors.length > 0) throw result.errors[0]!;
      const answer = {
        ...withoutEmpty("errors", result.errors.map((error) => ({ category: error.category, code: error.code, detail: error.detail, ...(error.field && { field: error.field }) }))),
        ...withoutEmpty("objects", result.objects.map((record) => catalog.toWire(record))),
        updated_at: result.updatedAt,
        ...withoutEmpty("id_mappings", result.idMappings),
      };
      core.idempotency.remember(scope, body.idempotency_key, request.body, answer);
      core.notifyCatalog(merchantId, result.updatedAt);
      response.json(answer);
    }),
  );

  router.delete(
    "/v2/catalog/object/:objectId",
    squareEndpoint(core, async (request, response) => {
      const { merchantId, catalog } = writer(request);
      const id = request.params.objectId ?? "";
      const result = await locked(merchantId, () => {
        const record = catalog.get(id);
        if (!record || record.is_deleted) throw notFound(`Object ${id} not found.`);
        return catalog.delete([id]);
      });
      core.notifyCatalog(merchantId, result.deletedAt);
      response.json({ deleted_object_ids: result.deleted, deleted_at: result.deletedAt });
    }),
  );

  router.post(
    "/v2/catalog/batch-delete",
    squareEndpoint(core, async (request, response) => {
      const { merchantId, catalog } = writer(request);
      const body = parse(batchDeleteBody, request.body);
      // Ids that name no live object are skipped (assumed).
      const result = await locked(merchantId, () => catalog.delete(body.object_ids));
      if (result.deleted.length > 0) core.notifyCatalog(merchantId, result.deletedAt);
      response.json({ ...withoutEmpty("deleted_object_ids", result.deleted), deleted_at: result.deletedAt });
    }),
  );

  return router;
}

function inlinedVariations(object: unknown): number {
  const variations = (object as { item_data?: { variations?: unknown } } | null)?.item_data?.variations;
  return Array.isArray(variations) ? variations.length : 0;
}

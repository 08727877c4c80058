import express, { type Request } from "express";
import { z } from "zod";
import { authenticate, requireScope } from "./auth";
import type { VariationRecord } from "./catalog";
import { parseTime } from "./catalog-search";
import type { SandboxCore, SellerStores } from "./core";
import { badRequest, bodyError, notFound } from "./errors";
import { squareEndpoint } from "./http";
import {
  ADJUSTABLE_STATES,
  COUNTABLE_STATES,
  countWire,
  INVENTORY_STATES,
  UNCOUNTED_STATES,
  type AdjustmentInput,
  type ChangeRecord,
  type CountRecord,
  type InventoryState,
  type PhysicalCountInput,
} from "./inventory";
import { pageOf } from "./pagination";
import { parseQuantity, type Quantity } from "./quantity";

/**
 * Square's Inventory API, at its real paths (and the deprecated ones the SDK still calls):
 *  - BatchChangeInventory, POST /v2/inventory/changes/batch-create (INVENTORY_WRITE): PHYSICAL_COUNT and ADJUSTMENT
 *    changes, all checked before any is applied; an idempotency key; answers `{counts, changes}` and sends
 *    inventory.count.updated with the counts that moved;
 *  - BatchRetrieveInventoryCounts (POST /v2/inventory/counts/batch-retrieve), RetrieveInventoryCount
 *    (GET /v2/inventory/{catalog_object_id}) and BatchRetrieveInventoryChanges
 *    (POST /v2/inventory/changes/batch-retrieve), INVENTORY_READ.
 * In API version 2026-09-16 an adjustment names `from_location_id` and `to_location_id`; `location_id` is gone
 * (square-qbo.md §0.2), and the SDK strips it from requests without a word.
 */

const MAX_CHANGES = 100;
const MAX_PAGE = 1_000;
const DAY_MS = 24 * 3600 * 1000;

const state = z.enum(INVENTORY_STATES);
const physicalCountInput = z.looseObject({
  reference_id: z.string().max(255).nullish(),
  catalog_object_id: z.string().nullish(),
  catalog_object_type: z.string().nullish(),
  state: state.nullish(),
  location_id: z.string().nullish(),
  quantity: z.string().nullish(),
  occurred_at: z.string().nullish(),
});
const adjustmentInput = z.looseObject({
  reference_id: z.string().max(255).nullish(),
  from_state: state.nullish(),
  to_state: state.nullish(),
  from_location_id: z.string().nullish(),
  to_location_id: z.string().nullish(),
  catalog_object_id: z.string().nullish(),
  catalog_object_type: z.string().nullish(),
  quantity: z.string().nullish(),
  total_price_money: z.looseObject({ amount: z.number().int().min(0), currency: z.string() }).nullish(),
  occurred_at: z.string().nullish(),
});
const changeInput = z.looseObject({
  type: z.enum(["PHYSICAL_COUNT", "ADJUSTMENT"]),
  physical_count: physicalCountInput.nullish(),
  adjustment: adjustmentInput.nullish(),
});
const batchChangeBody = z.looseObject({
  idempotency_key: z.string().min(1).max(128),
  changes: z.array(changeInput).min(1).max(MAX_CHANGES),
  ignore_unchanged_counts: z.boolean().nullish(),
});
const countsBody = z.looseObject({
  catalog_object_ids: z.array(z.string()).max(1_000).nullish(),
  location_ids: z.array(z.string()).nullish(),
  updated_after: z.string().nullish(),
  cursor: z.string().nullish(),
  states: z.array(state).nullish(),
  limit: z.number().int().min(1).max(MAX_PAGE).nullish(),
});
const changesBody = z.looseObject({
  catalog_object_ids: z.array(z.string()).nullish(),
  location_ids: z.array(z.string()).nullish(),
  types: z.array(z.enum(["PHYSICAL_COUNT", "ADJUSTMENT"])).nullish(),
  states: z.array(state).nullish(),
  updated_after: z.string().nullish(),
  updated_before: z.string().nullish(),
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(MAX_PAGE).nullish(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw bodyError(result.error);
  return result.data;
}

const missing = (field: string, detail = `Field \`${field}\` is missing.`) => badRequest("MISSING_REQUIRED_PARAMETER", detail, field);
const invalid = (detail: string, field: string) => badRequest("INVALID_VALUE", detail, field);

type PlannedChange = { kind: "count"; input: PhysicalCountInput } | { kind: "adjustment"; input: AdjustmentInput };

/** Checks one change against the seller's catalog and locations (errors name the field as Square does). */
class ChangeChecker {
  constructor(
    private readonly stores: SellerStores,
    private readonly locationIds: string[],
    private readonly applicationId: string,
    private readonly now: number,
  ) {}

  check(change: z.infer<typeof changeInput>, at: string): PlannedChange {
    if (change.type === "PHYSICAL_COUNT") {
      if (change.adjustment) throw invalid("A PHYSICAL_COUNT change carries physical_count only.", `${at}.adjustment`);
      if (!change.physical_count) throw missing(`${at}.physical_count`);
      return { kind: "count", input: this.physicalCount(change.physical_count, `${at}.physical_count`) };
    }
    if (change.physical_count) throw invalid("An ADJUSTMENT change carries adjustment only.", `${at}.physical_count`);
    if (!change.adjustment) throw missing(`${at}.adjustment`);
    return { kind: "adjustment", input: this.adjustment(change.adjustment, `${at}.adjustment`) };
  }

  private physicalCount(count: z.infer<typeof physicalCountInput>, at: string): PhysicalCountInput {
    const variation = this.variation(count.catalog_object_id, count.catalog_object_type, at);
    if (!count.state) throw missing(`${at}.state`);
    if (!COUNTABLE_STATES.includes(count.state)) throw invalid(`A physical count cannot set state ${count.state}.`, `${at}.state`);
    const locationId = this.location(count.location_id, `${at}.location_id`);
    this.tracked(variation, locationId, at);
    const quantity = this.quantity(count.quantity, `${at}.quantity`);
    if (quantity < 0n) throw invalid("A physical count cannot be negative.", `${at}.quantity`);
    const occurredAt = this.occurredAt(count.occurred_at, `${at}.occurred_at`, false);
    return { catalogObjectId: variation.id, locationId, state: count.state, quantity, occurredAt, ...this.reference(count.reference_id), source: this.source() };
  }

  private adjustment(adjustment: z.infer<typeof adjustmentInput>, at: string): AdjustmentInput {
    const variation = this.variation(adjustment.catalog_object_id, adjustment.catalog_object_type, at);
    for (const key of ["from_state", "to_state"] as const) {
      const value = adjustment[key];
      if (!value) throw missing(`${at}.${key}`);
      if (!ADJUSTABLE_STATES.includes(value)) throw invalid(`The Inventory API cannot move quantities ${key === "from_state" ? "from" : "to"} state ${value} (READ-ONLY).`, `${at}.${key}`);
    }
    const hint = "location_id" in adjustment ? " InventoryAdjustment has no location_id in Square-Version 2026-09-16: use from_location_id and to_location_id." : "";
    if (!adjustment.from_location_id) throw missing(`${at}.from_location_id`, `Field \`${at}.from_location_id\` is missing.${hint}`);
    if (!adjustment.to_location_id) throw missing(`${at}.to_location_id`, `Field \`${at}.to_location_id\` is missing.${hint}`);
    const fromLocationId = this.location(adjustment.from_location_id, `${at}.from_location_id`);
    const toLocationId = this.location(adjustment.to_location_id, `${at}.to_location_id`);
    this.tracked(variation, fromLocationId, at);
    this.tracked(variation, toLocationId, at);
    if (adjustment.from_state === adjustment.to_state && fromLocationId === toLocationId) {
      throw invalid("An adjustment must change the state or the location.", `${at}.to_state`);
    }
    const quantity = this.quantity(adjustment.quantity, `${at}.quantity`);
    if (quantity <= 0n) throw invalid("An adjustment's quantity must be above 0: its direction is from_state → to_state.", `${at}.quantity`);
    const occurredAt = this.occurredAt(adjustment.occurred_at, `${at}.occurred_at`, true);
    const money = adjustment.total_price_money;
    return {
      catalogObjectId: variation.id,
      fromState: adjustment.from_state!,
      toState: adjustment.to_state!,
      fromLocationId,
      toLocationId,
      quantity,
      occurredAt,
      ...this.reference(adjustment.reference_id),
      ...(money && { totalPriceMoney: { amount: money.amount, currency: money.currency } }),
      source: this.source(),
    };
  }

  private variation(id: string | null | undefined, type: string | null | undefined, at: string): VariationRecord {
    if (!id) throw missing(`${at}.catalog_object_id`);
    if (type && type !== "ITEM_VARIATION") throw invalid("The Inventory API tracks ITEM_VARIATION objects.", `${at}.catalog_object_type`);
    const variation = this.stores.catalog.liveVariation(id);
    if (!variation) throw badRequest("NOT_FOUND", `Item variation with catalog object ID \`${id}\` not found.`, `${at}.catalog_object_id`);
    return variation;
  }

  private location(id: string | null | undefined, field: string): string {
    if (!id) throw missing(field);
    if (!this.locationIds.includes(id)) throw badRequest("NOT_FOUND", `Location \`${id}\` not found.`, field);
    return id;
  }

  /** Assumed: a change for a variation whose stock is not tracked at the location is refused. */
  private tracked(variation: VariationRecord, locationId: string, at: string): void {
    if (!this.stores.catalog.tracksInventory(variation, locationId)) {
      throw invalid(`Item variation \`${variation.id}\` does not track inventory at location \`${locationId}\` (track_inventory is false).`, `${at}.catalog_object_id`);
    }
  }

  private quantity(text: string | null | undefined, field: string): Quantity {
    if (text === null || text === undefined) throw missing(field);
    const quantity = parseQuantity(text);
    if (quantity === null) throw invalid("A quantity is a decimal string with at most 5 digits after the point, e.g. \"3\" or \"2.5\".", field);
    return quantity;
  }

  /** Adjustments: within the last 24 hours and not in the future; physical counts: not in the future (assumed). */
  private occurredAt(text: string | null | undefined, field: string, adjustment: boolean): string {
    if (!text) throw missing(field);
    const time = parseTime(text, field);
    if (time > this.now) throw invalid("occurred_at cannot be in the future.", field);
    if (adjustment && time < this.now - DAY_MS) throw invalid("An adjustment's occurred_at cannot be more than 24 hours ago.", field);
    return text;
  }

  private reference(referenceId: string | null | undefined) {
    return referenceId ? { referenceId } : {};
  }

  private source() {
    return { product: "EXTERNAL_API" as const, application_id: this.applicationId };
  }
}

/** The counts of every counted state Square keeps for the (object, location) pairs a request named. */
function countsOf(stores: SellerStores, pairs: Set<string>): CountRecord[] {
  const counted = INVENTORY_STATES.filter((name) => !UNCOUNTED_STATES.includes(name));
  const counts: CountRecord[] = [];
  for (const pair of pairs) {
    const [objectId, locationId] = pair.split(" ") as [string, string];
    for (const name of counted) {
      const count = stores.inventory.count(objectId, locationId, name);
      if (count) counts.push(count);
    }
  }
  return counts;
}

const withoutEmpty = (name: string, list: unknown[]) => (list.length > 0 ? { [name]: list } : {});

export function inventoryRoutes(core: SandboxCore): express.Router {
  const router = express.Router();

  const access = (request: Request, scope: "INVENTORY_READ" | "INVENTORY_WRITE") => {
    const token = authenticate(core, request);
    requireScope(token, scope);
    return { merchantId: token.merchantId, stores: core.storesOf(token.merchantId) };
  };

  const batchChange = squareEndpoint(core, (request, response) => {
    const { merchantId, stores } = access(request, "INVENTORY_WRITE");
    const body = parse(batchChangeBody, request.body);
    const scope = `${merchantId} inventory.changes`;
    const check = core.idempotency.check(scope, body.idempotency_key, request.body);
    if (check.kind === "reused") throw badRequest("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different request.", "idempotency_key");
    if (check.kind === "replay") {
      core.stats.count("idempotentReplays");
      response.json(check.body);
      return;
    }

    const seller = core.seller(merchantId);
    const checker = new ChangeChecker(stores, seller.locations.map((location) => location.id), core.settings.applicationId, Date.now());
    // All or nothing: every change is checked before the first is applied.
    const planned = body.changes.map((change, index) => checker.check(change, `changes[${index}]`));
    const now = new Date().toISOString();
    const applied: ChangeRecord[] = [];
    const touched: CountRecord[] = [];
    const pairs = new Set<string>();
    for (const change of planned) {
      if (change.kind === "count") {
        pairs.add(`${change.input.catalogObjectId} ${change.input.locationId}`);
        if (body.ignore_unchanged_counts !== false && stores.inventory.isUnchanged(change.input)) continue;
        const result = stores.inventory.physicalCount(change.input, now);
        applied.push(result.change);
        touched.push(...result.touched);
      } else {
        pairs.add(`${change.input.catalogObjectId} ${change.input.fromLocationId}`);
        pairs.add(`${change.input.catalogObjectId} ${change.input.toLocationId}`);
        const result = stores.inventory.adjust(change.input, now);
        applied.push(result.change);
        touched.push(...result.touched);
      }
    }
    const answer = { ...withoutEmpty("counts", countsOf(stores, pairs).map(countWire)), ...withoutEmpty("changes", applied.map((change) => change.wire)) };
    core.idempotency.remember(scope, body.idempotency_key, request.body, answer);
    core.stats.count("inventoryChanges", applied.length);
    if (touched.length > 0) core.notifyInventory(merchantId, touched);
    response.json(answer);
  });
  router.post("/v2/inventory/changes/batch-create", batchChange);
  router.post("/v2/inventory/batch-change", batchChange);

  const batchCounts = squareEndpoint(core, (request, response) => {
    const { stores } = access(request, "INVENTORY_READ");
    const body = parse(countsBody, request.body);
    const objects = body.catalog_object_ids?.length ? new Set(body.catalog_object_ids) : null;
    const locations = body.location_ids?.length ? new Set(body.location_ids) : null;
    const states = body.states?.length ? new Set<InventoryState>(body.states) : null;
    const after = body.updated_after ? parseTime(body.updated_after, "updated_after") : null;
    const counts = [...stores.inventory.allCounts()]
      .filter(
        (count) =>
          (!objects || objects.has(count.catalogObjectId)) &&
          (!locations || locations.has(count.locationId)) &&
          (!states || states.has(count.state)) &&
          (after === null || Date.parse(count.calculatedAt) > after),
      )
      // Newest first, as Square sorts them.
      .sort((a, b) => (a.calculatedAt < b.calculatedAt ? 1 : a.calculatedAt > b.calculatedAt ? -1 : 0));
    const { page, cursor } = pageOf(counts, body.cursor, body.limit ?? MAX_PAGE);
    response.json({ ...withoutEmpty("counts", page.map(countWire)), ...(cursor && { cursor }) });
  });
  router.post("/v2/inventory/counts/batch-retrieve", batchCounts);
  router.post("/v2/inventory/batch-retrieve-counts", batchCounts);

  const batchChanges = squareEndpoint(core, (request, response) => {
    const { stores } = access(request, "INVENTORY_READ");
    const body = parse(changesBody, request.body);
    const objects = body.catalog_object_ids?.length ? new Set(body.catalog_object_ids) : null;
    const locations = body.location_ids?.length ? new Set(body.location_ids) : null;
    const types = body.types?.length ? new Set(body.types) : null;
    const states = body.states?.length ? new Set<InventoryState>(body.states) : null;
    const after = body.updated_after ? parseTime(body.updated_after, "updated_after") : null;
    const before = body.updated_before ? parseTime(body.updated_before, "updated_before") : null;
    const changes = stores.inventory
      .changeLog()
      .filter(
        (change) =>
          (!objects || objects.has(change.catalogObjectId)) &&
          (!locations || change.locationIds.some((id) => locations.has(id))) &&
          (!types || types.has(change.wire.type)) &&
          (!states || change.states.some((name) => states.has(name))) &&
          (after === null || Date.parse(change.createdAt) > after) &&
          (before === null || Date.parse(change.createdAt) < before),
      )
      // Oldest first by occurred_at, as Square sorts them.
      .sort((a, b) => a.occurredAt - b.occurredAt);
    const { page, cursor } = pageOf(changes, body.cursor, body.limit ?? MAX_PAGE);
    response.json({ ...withoutEmpty("changes", page.map((change) => change.wire)), ...(cursor && { cursor }) });
  });
  router.post("/v2/inventory/changes/batch-retrieve", batchChanges);
  router.post("/v2/inventory/batch-retrieve-changes", batchChanges);

  router.get(
    "/v2/inventory/:catalogObjectId",
    squareEndpoint(core, (request, response) => {
      const { stores } = access(request, "INVENTORY_READ");
      const id = request.params.catalogObjectId ?? "";
      // Assumed: an id that is not in the seller's catalog is 404 (Square does not say).
      if (!stores.catalog.get(id)) throw notFound(`Catalog object \`${id}\` not found.`);
      const raw = typeof request.query.location_ids === "string" ? request.query.location_ids : "";
      const locations = raw ? new Set(raw.split(",").map((location) => location.trim())) : null;
      const counts = [...stores.inventory.allCounts()].filter((count) => count.catalogObjectId === id && (!locations || locations.has(count.locationId)));
      const { page, cursor } = pageOf(counts, typeof request.query.cursor === "string" ? request.query.cursor : undefined, MAX_PAGE);
      response.json({ ...withoutEmpty("counts", page.map(countWire)), ...(cursor && { cursor }) });
    }),
  );

  return router;
}

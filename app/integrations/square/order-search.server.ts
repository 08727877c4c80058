import { serialization, type Square, type SquareError } from "square";
import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import type { SquareCatalogLookup } from "~/domain/accounting/square-order";
import { PermanentJobError } from "~/jobs/errors";
import { callVendor } from "~/sync/vendor-calls.server";
import { squareCallError } from "./call-errors.server";
import type { SquareInventoryAccount } from "./inventory.server";
import type { SquareOrderForBooks } from "./orders.server";

/**
 * Finding Square orders in bulk, for a historical import (closed since a date) and for reconciliation (changed in
 * the last 72 hours), and reading many of them for the books at once.
 *
 * SearchOrders (square-qbo.md §3): at most 10 locations per search, a time range on one of created_at, updated_at
 * or closed_at, and the sort on that same field (anything else is refused); pages of up to 1,000 (`limit`), and a
 * `cursor` that only works with the query that made it, so every page repeats the query. The SDK does not page
 * SearchOrders: the caller keeps the cursor (the import keeps it in its row). `return_entries` gives light
 * `{order_id, location_id}` entries, which is how orders are counted without reading them.
 *
 * Reading orders for the books in bulk: one ListLocations, one ListPayments walk per location (payments changed
 * since the window's start) rather than one GetPayment per tender, BatchRetrieveCatalogObjects in chunks of 1,000
 * for SKUs and categories, and GetPaymentRefund for the refunds of return orders (few). The shapes are the ones
 * app/integrations/square/orders.server.ts gives for one order: Square's own JSON, which the pure mappers read.
 */

export const MAX_LOCATIONS_PER_SEARCH = 10;
export const MAX_SEARCH_PAGE = 1_000;
const MAX_CATALOG_BATCH = 1_000;

export type SquareAccount = SquareInventoryAccount;

export interface SquareLocationSummary {
  id: string;
  name: string;
  timeZone: string;
  currency?: string;
}

/** Which orders to find: completed ones at these locations, by a time range on one field, oldest first. */
export interface SquareOrderQuery {
  locationIds: readonly string[];
  /** The time field the range is on; the sort is on the same field (Square refuses any other). */
  field: "closed_at" | "updated_at";
  /** RFC 3339, inclusive. */
  startAt: string;
  /** RFC 3339, inclusive; open-ended when absent (Square then fixes it at the first page). */
  endAt?: string;
}

/** Square refused a search itself (a bad cursor, a location that is not the seller's): trying again cannot help. */
export class SquareSearchRefusedError extends PermanentJobError {
  override name = "SquareSearchRefusedError";
}

/** JSON as the wire carries it: Square's amounts are int64, which the SDK gives as bigint. */
function wire(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value, (_key, entry: unknown) => (typeof entry === "bigint" ? Number(entry) : entry))) as Record<string, unknown>;
}

function translate(error: unknown, account: SquareAccount, what: string): unknown {
  return squareCallError(error, account.tenantId, {
    missingPermission: "Square says Tillbridge lacks permission to read orders or payments; reconnect Square to grant it",
    refused: (refusal: SquareError, status: number, codes: string[]) =>
      new SquareSearchRefusedError(`Square refused to ${what} (${codes.join(", ") || `HTTP ${status}`}): ${refusal.errors.map((entry) => entry.detail ?? entry.code).join("; ") || refusal.message}`),
  });
}

async function squareCall<T>(db: PrismaClient, account: SquareAccount, what: string, call: () => Promise<T>): Promise<T> {
  return callVendor(db, { provider: "SQUARE", account: account.merchantId }, async () => {
    try {
      return await call();
    } catch (error) {
      throw translate(error, account, what);
    }
  });
}

/** Every location of the seller (closed ones too: their past sales still belong in the books). */
export async function listSquareLocations(db: PrismaClient, account: SquareAccount): Promise<SquareLocationSummary[]> {
  const { locations } = await squareCall(db, account, "list its locations", () => account.client.locations.list());
  return (locations ?? [])
    .filter((location): location is Square.Location & { id: string } => Boolean(location.id))
    .map((location) => ({ id: location.id, name: location.name ?? location.id, timeZone: location.timezone ?? "UTC", ...(location.currency && { currency: location.currency }) }));
}

/** Splits locations into groups a single search accepts. */
export function searchGroups(locationIds: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (let index = 0; index < locationIds.length; index += MAX_LOCATIONS_PER_SEARCH) groups.push(locationIds.slice(index, index + MAX_LOCATIONS_PER_SEARCH));
  return groups;
}

function searchRequest(query: SquareOrderQuery, page: { cursor?: string | null; limit: number }, entriesOnly: boolean): Square.SearchOrdersRequest {
  if (query.locationIds.length === 0 || query.locationIds.length > MAX_LOCATIONS_PER_SEARCH) {
    throw new RangeError(`A Square order search takes 1 to ${MAX_LOCATIONS_PER_SEARCH} locations, not ${query.locationIds.length}`);
  }
  const range: Square.TimeRange = { startAt: query.startAt, ...(query.endAt !== undefined && { endAt: query.endAt }) };
  return {
    locationIds: [...query.locationIds],
    query: {
      filter: { stateFilter: { states: ["COMPLETED"] }, dateTimeFilter: query.field === "closed_at" ? { closedAt: range } : { updatedAt: range } },
      sort: { sortField: query.field === "closed_at" ? "CLOSED_AT" : "UPDATED_AT", sortOrder: "ASC" },
    },
    limit: Math.min(Math.max(1, page.limit), MAX_SEARCH_PAGE),
    ...(page.cursor && { cursor: page.cursor }),
    ...(entriesOnly && { returnEntries: true }),
  };
}

/** One page of completed orders, as Square's JSON, and the cursor of the next page (null after the last). */
export async function searchSquareOrders(
  db: PrismaClient,
  account: SquareAccount,
  query: SquareOrderQuery,
  page: { cursor?: string | null; limit: number },
): Promise<{ orders: Record<string, unknown>[]; cursor: string | null }> {
  const answer = await squareCall(db, account, "search its orders", () => account.client.orders.search(searchRequest(query, page, false)));
  const orders = (answer.orders ?? []).map((order) => wire(serialization.Order.jsonOrThrow(order, { unrecognizedObjectKeys: "passthrough" })));
  return { orders, cursor: answer.cursor ?? null };
}

/** One page of the same search as light entries (id and location only): counting without reading the orders. */
export async function searchSquareOrderEntries(
  db: PrismaClient,
  account: SquareAccount,
  query: SquareOrderQuery,
  page: { cursor?: string | null; limit: number },
): Promise<{ entries: { orderId: string; locationId: string | null }[]; cursor: string | null }> {
  const answer = await squareCall(db, account, "search its orders", () => account.client.orders.search(searchRequest(query, page, true)));
  const entries = (answer.orderEntries ?? []).filter((entry) => Boolean(entry.orderId)).map((entry) => ({ orderId: entry.orderId!, locationId: entry.locationId ?? null }));
  return { entries, cursor: answer.cursor ?? null };
}

/** Variation id → SKU and category, for every variation the orders name (in batches Square accepts). */
export async function readCatalogLookup(db: PrismaClient, account: SquareAccount, variationIds: readonly string[]): Promise<SquareCatalogLookup> {
  const catalog: SquareCatalogLookup = {};
  const unique = [...new Set(variationIds)];
  for (let index = 0; index < unique.length; index += MAX_CATALOG_BATCH) {
    const objectIds = unique.slice(index, index + MAX_CATALOG_BATCH);
    const { objects, relatedObjects } = await squareCall(db, account, "read its catalog", () => account.client.catalog.batchGet({ objectIds, includeRelatedObjects: true }));
    const categories = new Map((relatedObjects ?? []).filter((object) => object.type === "CATEGORY").map((object) => [object.id, (object as { categoryData?: { name?: string | null } }).categoryData?.name ?? undefined]));
    const itemCategory = new Map(
      (relatedObjects ?? [])
        .filter((object) => object.type === "ITEM")
        .map((object) => {
          const data = (object as { itemData?: { categories?: { id?: string }[] | null; categoryId?: string | null } }).itemData;
          const categoryId = data?.categories?.[0]?.id ?? data?.categoryId ?? undefined;
          return [object.id, categoryId ? categories.get(categoryId) : undefined] as const;
        }),
    );
    for (const object of objects ?? []) {
      if (object.type !== "ITEM_VARIATION") continue;
      const data = (object as { itemVariationData?: { sku?: string | null; itemId?: string | null } }).itemVariationData;
      const category = data?.itemId ? itemCategory.get(data.itemId) : undefined;
      catalog[object.id] = { sku: data?.sku ?? null, ...(category && { category }) };
    }
  }
  return catalog;
}

/** The parts of an order this module reads to gather what goes with it (the mappers check the rest). */
const orderOutline = z.looseObject({
  id: z.string(),
  location_id: z.string(),
  state: z.string().nullish(),
  line_items: z.array(z.looseObject({ catalog_object_id: z.string().nullish() })).nullish(),
  returns: z.array(z.looseObject({ return_line_items: z.array(z.looseObject({ catalog_object_id: z.string().nullish() })).nullish() })).nullish(),
  tenders: z.array(z.looseObject({ id: z.string().nullish(), payment_id: z.string().nullish() })).nullish(),
  refunds: z.array(z.looseObject({ id: z.string().nullish() })).nullish(),
});
type OrderOutline = z.infer<typeof orderOutline>;

/**
 * Orders found by a search (Square's JSON) with what the books need around them, read in bulk: payments changed
 * since `paymentsChangedSince` by one walk of ListPayments per location (any a tender names that the walk did not
 * bring are read one by one), refunds of return orders, the locations and the catalog once.
 */
export async function readSquareOrdersForBooks(
  db: PrismaClient,
  account: SquareAccount,
  orders: readonly Record<string, unknown>[],
  options: { paymentsChangedSince: string; locations?: readonly SquareLocationSummary[] },
): Promise<SquareOrderForBooks[]> {
  if (orders.length === 0) return [];
  const typed = orders.map((order) => orderOutline.parse(order));
  const locations = options.locations ?? (await listSquareLocations(db, account));
  const byLocation = new Map(locations.map((location) => [location.id, location]));

  const isReturn = (order: OrderOutline) => (order.returns?.length ?? 0) > 0 && (order.line_items?.length ?? 0) === 0;
  const wantedPayments = new Set(typed.filter((order) => !isReturn(order)).flatMap((order) => (order.tenders ?? []).map((tender) => tender.payment_id ?? tender.id).filter((id): id is string => Boolean(id))));
  const payments = new Map<string, Record<string, unknown>>();
  if (wantedPayments.size > 0) {
    for (const locationId of new Set(typed.map((order) => order.location_id))) {
      // ListPayments without a location lists the main location only: one walk per location.
      await squareCall(db, account, "list its payments", async () => {
        const page = await account.client.payments.list({ locationId, updatedAtBeginTime: options.paymentsChangedSince, limit: 100 });
        for await (const payment of page) {
          if (payment.id && wantedPayments.has(payment.id)) payments.set(payment.id, wire(serialization.Payment.jsonOrThrow(payment, { unrecognizedObjectKeys: "passthrough" })));
        }
      });
    }
    for (const paymentId of wantedPayments) {
      if (payments.has(paymentId)) continue;
      const { payment } = await squareCall(db, account, "read a payment", () => account.client.payments.get({ paymentId }));
      if (payment) payments.set(paymentId, wire(serialization.Payment.jsonOrThrow(payment, { unrecognizedObjectKeys: "passthrough" })));
    }
  }

  const refunds = new Map<string, Record<string, unknown>>();
  for (const refundId of new Set(typed.filter(isReturn).flatMap((order) => (order.refunds ?? []).map((refund) => refund.id).filter((id): id is string => Boolean(id))))) {
    const { refund } = await squareCall(db, account, "read a refund", () => account.client.refunds.get({ refundId }));
    if (refund) refunds.set(refundId, wire(serialization.PaymentRefund.jsonOrThrow(refund, { unrecognizedObjectKeys: "passthrough" })));
  }

  const variationIds = typed.flatMap((order) => [...(order.line_items ?? []), ...(order.returns ?? []).flatMap((entry) => entry.return_line_items ?? [])].map((line) => line.catalog_object_id).filter((id): id is string => Boolean(id)));
  const catalog = await readCatalogLookup(db, account, variationIds);

  return typed.map((order, index) => {
    const locationId = order.location_id;
    const location = byLocation.get(locationId);
    const paymentIds = (order.tenders ?? []).map((tender) => tender.payment_id ?? tender.id);
    const returned = isReturn(order);
    return {
      order: orders[index]!,
      payments: returned ? [] : paymentIds.map((id) => (id ? payments.get(id) : undefined)).filter((payment): payment is Record<string, unknown> => payment !== undefined),
      refunds: (order.refunds ?? []).map((refund) => (refund.id ? refunds.get(refund.id) : undefined)).filter((refund): refund is Record<string, unknown> => refund !== undefined),
      location: { id: locationId, name: location?.name ?? locationId, timeZone: location?.timeZone ?? "UTC", ...(location?.currency && { currency: location.currency }) },
      catalog,
      state: order.state ?? "OPEN",
      isReturn: returned,
    };
  });
}

import { serialization, type SquareError } from "square";
import type { PrismaClient } from "~/db.server";
import type { SquareCatalogLookup, SquareLocation } from "~/domain/accounting/square-order";
import { RecordValidationError } from "~/jobs/errors";
import { callVendor } from "~/sync/vendor-calls.server";
import { squareCallError } from "./call-errors.server";
import type { SquareInventoryAccount } from "./inventory.server";

/**
 * Square's side of accounting: an order with what the books need around it (its payments with their processing
 * fees, its location's time zone, its items' SKUs and categories), or a return order with its refunds. The SDK
 * hands back camelCase objects; they are turned back into Square's own JSON (the SDK's serializers), which is what
 * the pure mappers in app/domain/accounting/square-order.ts read, so they can be tested with API samples.
 */

export type SquareAccount = SquareInventoryAccount;

export interface SquareOrderForBooks {
  /** The order as Square's API sends it (snake_case, amounts as numbers). */
  order: Record<string, unknown>;
  payments: Record<string, unknown>[];
  /** For a return order: the PaymentRefunds that paid it back. */
  refunds: Record<string, unknown>[];
  location: SquareLocation & { name: string };
  catalog: SquareCatalogLookup;
  state: string;
  isReturn: boolean;
}

/** JSON as the wire carries it: Square's amounts are int64, which the SDK gives as bigint. */
function wire(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value, (_key, entry: unknown) => (typeof entry === "bigint" ? Number(entry) : entry))) as Record<string, unknown>;
}

/** What a call was about, for the issue a refusal becomes: its key and how the merchant knows it. */
interface CallSubject {
  key: string;
  label: string;
}

const orderSubject = (orderId: string): CallSubject => ({ key: `square-order:${orderId}`, label: `order ${orderId}` });

function translate(error: unknown, account: SquareAccount, subject: CallSubject): unknown {
  return squareCallError(error, account.tenantId, {
    missingPermission: "Square says Tillbridge lacks permission to read orders or payments; reconnect Square to grant it",
    refused: (refusal: SquareError, status: number, codes: string[]) =>
      new RecordValidationError({
        tenantId: account.tenantId,
        key: subject.key,
        code: codes[0] ?? `SQUARE_${status}`,
        message: `Square would not give Tillbridge ${subject.label}: ${refusal.errors.map((entry) => entry.detail ?? entry.code).join("; ") || refusal.message}.`,
        entityType: "square_order",
        entityRef: subject.label,
      }),
  });
}

async function squareCall<T>(db: PrismaClient, account: SquareAccount, subject: CallSubject, call: () => Promise<T>): Promise<T> {
  return callVendor(db, { provider: "SQUARE", account: account.merchantId }, async () => {
    try {
      return await call();
    } catch (error) {
      throw translate(error, account, subject);
    }
  });
}

type SdkOrder = NonNullable<Awaited<ReturnType<SquareAccount["client"]["orders"]["get"]>>["order"]>;

function orderJson(order: SdkOrder): Record<string, unknown> {
  return wire(serialization.Order.jsonOrThrow(order, { unrecognizedObjectKeys: "passthrough" }));
}

/** Square's return order: it returns items of another order and sells nothing itself. */
function isReturnOrder(order: SdkOrder): boolean {
  return (order.returns?.length ?? 0) > 0 && (order.lineItems?.length ?? 0) === 0;
}

/** The Payments behind a sale's tenders (they carry the processing fees); none for a return. */
async function paymentsOf(db: PrismaClient, account: SquareAccount, order: SdkOrder): Promise<Record<string, unknown>[]> {
  if (isReturnOrder(order)) return [];
  const paymentIds = [...new Set((order.tenders ?? []).map((tender) => tender.paymentId ?? tender.id).filter((id): id is string => Boolean(id)))];
  const payments: Record<string, unknown>[] = [];
  // One at a time: a day's worth of orders must not open a burst of parallel calls against the seller's limits.
  for (const paymentId of paymentIds) {
    const { payment } = await squareCall(db, account, orderSubject(order.id ?? paymentId), () => account.client.payments.get({ paymentId }));
    if (payment) payments.push(wire(serialization.Payment.jsonOrThrow(payment, { unrecognizedObjectKeys: "passthrough" })));
  }
  return payments;
}

/** The PaymentRefunds an order lists (a return order's refunds). */
async function refundsOf(db: PrismaClient, account: SquareAccount, order: SdkOrder): Promise<Record<string, unknown>[]> {
  const refundIds = [...new Set((order.refunds ?? []).map((refund) => refund.id).filter(Boolean))];
  const refunds: Record<string, unknown>[] = [];
  for (const refundId of refundIds) {
    const { refund } = await squareCall(db, account, orderSubject(order.id ?? refundId), () => account.client.refunds.get({ refundId }));
    if (refund) refunds.push(wire(serialization.PaymentRefund.jsonOrThrow(refund, { unrecognizedObjectKeys: "passthrough" })));
  }
  return refunds;
}

/** BatchRetrieveCatalogObjects takes at most 1000 ids. */
const CATALOG_IDS_PER_CALL = 1000;

/** The SKU and category of every variation the orders' lines (and returned lines) name. */
async function catalogOf(db: PrismaClient, account: SquareAccount, orders: readonly SdkOrder[], subject: CallSubject): Promise<SquareCatalogLookup> {
  const lineItems = orders.flatMap((order) => [...(order.lineItems ?? []), ...(order.returns ?? []).flatMap((entry) => entry.returnLineItems ?? [])]);
  const variationIds = [...new Set(lineItems.map((line) => line.catalogObjectId).filter((id): id is string => Boolean(id)))];
  const catalog: SquareCatalogLookup = {};
  for (let start = 0; start < variationIds.length; start += CATALOG_IDS_PER_CALL) {
    const objectIds = variationIds.slice(start, start + CATALOG_IDS_PER_CALL);
    const { objects, relatedObjects } = await squareCall(db, account, subject, () => account.client.catalog.batchGet({ objectIds, includeRelatedObjects: true }));
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

export interface SquareLocationForBooks extends SquareLocation {
  name: string;
  active: boolean;
}

/** The seller's locations with their time zones (ListLocations: one call, a handful of rows). */
export async function listSquareLocationsForBooks(db: PrismaClient, account: SquareAccount): Promise<SquareLocationForBooks[]> {
  const { locations } = await squareCall(db, account, { key: `square-locations:${account.merchantId}`, label: "its locations" }, () => account.client.locations.list());
  return (locations ?? [])
    .filter((location): location is typeof location & { id: string } => Boolean(location.id))
    .map((location) => ({
      id: location.id,
      name: location.name ?? location.id,
      timeZone: location.timezone ?? "UTC",
      ...(location.currency && { currency: location.currency }),
      active: location.status !== "INACTIVE",
    }));
}

export async function readSquareOrderForBooks(db: PrismaClient, account: SquareAccount, orderId: string): Promise<SquareOrderForBooks | null> {
  const subject = orderSubject(orderId);
  const { order } = await squareCall(db, account, subject, () => account.client.orders.get({ orderId }));
  if (!order) return null;
  const payments = await paymentsOf(db, account, order);
  const refunds = await refundsOf(db, account, order);
  // ListLocations (one call, a handful of rows) rather than RetrieveLocation: the same data, and cacheable later.
  const location = (await listSquareLocationsForBooks(db, account)).find((entry) => entry.id === order.locationId);
  const catalog = await catalogOf(db, account, [order], subject);
  return {
    order: orderJson(order),
    payments,
    refunds,
    location: { id: order.locationId, name: location?.name ?? order.locationId, timeZone: location?.timeZone ?? "UTC", ...(location?.currency && { currency: location.currency }) },
    catalog,
    state: order.state ?? "OPEN",
    isReturn: isReturnOrder(order),
  };
}

/** Where and when an order closed, without its payments or catalog: enough to know which business day it is in. */
export interface SquareOrderPlace {
  id: string;
  locationId: string;
  state: string;
  /** When the register closed it (an offline sale: the register's time, not the upload's); null while open. */
  closedAt: string | null;
  isReturn: boolean;
}

export async function readSquareOrderPlace(db: PrismaClient, account: SquareAccount, orderId: string): Promise<SquareOrderPlace | null> {
  const { order } = await squareCall(db, account, orderSubject(orderId), () => account.client.orders.get({ orderId }));
  if (!order) return null;
  return { id: order.id ?? orderId, locationId: order.locationId, state: order.state ?? "OPEN", closedAt: order.closedAt ?? null, isReturn: isReturnOrder(order) };
}

/** SearchOrders answers at most 1000 orders a page; fewer keep each page's payments and refunds reads short. */
const SEARCH_PAGE_SIZE = 200;

/**
 * The COMPLETED orders (sales and return orders) a location closed between `startAt` and `endAt` (both
 * inclusive, RFC 3339), oldest first: SearchOrders filtered on `closed_at`, which must then also be the sort
 * field. Square fixes an open end of the window at the first page and keeps the query in its cursor, so pages
 * neither skip nor repeat orders; the SDK does not follow the cursor, so it is followed here with the same query.
 */
async function searchClosedOrders(db: PrismaClient, account: SquareAccount, window: { locationId: string; startAt: string; endAt: string }): Promise<SdkOrder[]> {
  const subject: CallSubject = { key: `square-orders:${window.locationId}:${window.startAt}`, label: `the orders of location ${window.locationId} closed from ${window.startAt} to ${window.endAt}` };
  const query = {
    filter: { stateFilter: { states: ["COMPLETED" as const] }, dateTimeFilter: { closedAt: { startAt: window.startAt, endAt: window.endAt } } },
    sort: { sortField: "CLOSED_AT" as const, sortOrder: "ASC" as const },
  };
  const orders: SdkOrder[] = [];
  let cursor: string | undefined;
  do {
    const page = await squareCall(db, account, subject, () => account.client.orders.search({ locationIds: [window.locationId], query, limit: SEARCH_PAGE_SIZE, ...(cursor && { cursor }) }));
    orders.push(...(page.orders ?? []));
    cursor = page.cursor || undefined;
  } while (cursor);
  return orders;
}

export interface SquareClosedOrders {
  /** Each closed order as the books need it, oldest first. */
  orders: Omit<SquareOrderForBooks, "location" | "catalog">[];
  catalog: SquareCatalogLookup;
}

/**
 * A location's completed sales and returns closed within a window (a business day), each with its payments (for
 * processing fees) or refunds, and one catalog look-up for all of them.
 */
export async function readSquareClosedOrdersForBooks(db: PrismaClient, account: SquareAccount, location: Pick<SquareLocation, "id">, window: { startAt: string; endAt: string }): Promise<SquareClosedOrders> {
  const found = await searchClosedOrders(db, account, { locationId: location.id, ...window });
  const orders: SquareClosedOrders["orders"] = [];
  for (const order of found) {
    orders.push({ order: orderJson(order), payments: await paymentsOf(db, account, order), refunds: await refundsOf(db, account, order), state: order.state ?? "OPEN", isReturn: isReturnOrder(order) });
  }
  const catalog = await catalogOf(db, account, found, { key: `square-catalog:${location.id}`, label: "the catalog items of the day's orders" });
  return { orders, catalog };
}

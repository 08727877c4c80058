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

function translate(error: unknown, account: SquareAccount, orderId: string): unknown {
  return squareCallError(error, account.tenantId, {
    missingPermission: "Square says Tillbridge lacks permission to read orders or payments; reconnect Square to grant it",
    refused: (refusal: SquareError, status: number, codes: string[]) =>
      new RecordValidationError({
        tenantId: account.tenantId,
        key: `square-order:${orderId}`,
        code: codes[0] ?? `SQUARE_${status}`,
        message: `Square would not give Tillbridge order ${orderId}: ${refusal.errors.map((entry) => entry.detail ?? entry.code).join("; ") || refusal.message}.`,
        entityType: "square_order",
        entityRef: orderId,
      }),
  });
}

async function squareCall<T>(db: PrismaClient, account: SquareAccount, orderId: string, call: () => Promise<T>): Promise<T> {
  return callVendor(db, { provider: "SQUARE", account: account.merchantId }, async () => {
    try {
      return await call();
    } catch (error) {
      throw translate(error, account, orderId);
    }
  });
}

export async function readSquareOrderForBooks(db: PrismaClient, account: SquareAccount, orderId: string): Promise<SquareOrderForBooks | null> {
  const { order } = await squareCall(db, account, orderId, () => account.client.orders.get({ orderId }));
  if (!order) return null;
  const orderJson = wire(serialization.Order.jsonOrThrow(order, { unrecognizedObjectKeys: "passthrough" }));
  const isReturn = (order.returns?.length ?? 0) > 0 && (order.lineItems?.length ?? 0) === 0;

  const paymentIds = [...new Set((order.tenders ?? []).map((tender) => tender.paymentId ?? tender.id).filter((id): id is string => Boolean(id)))];
  const payments = isReturn
    ? []
    : await Promise.all(
        paymentIds.map(async (paymentId) => {
          const { payment } = await squareCall(db, account, orderId, () => account.client.payments.get({ paymentId }));
          return payment ? wire(serialization.Payment.jsonOrThrow(payment, { unrecognizedObjectKeys: "passthrough" })) : null;
        }),
      );
  const refundIds = [...new Set((order.refunds ?? []).map((refund) => refund.id).filter(Boolean))];
  const refunds = await Promise.all(
    refundIds.map(async (refundId) => {
      const { refund } = await squareCall(db, account, orderId, () => account.client.refunds.get({ refundId }));
      return refund ? wire(serialization.PaymentRefund.jsonOrThrow(refund, { unrecognizedObjectKeys: "passthrough" })) : null;
    }),
  );

  // ListLocations (one call, a handful of rows) rather than RetrieveLocation: the same data, and cacheable later.
  const { locations } = await squareCall(db, account, orderId, () => account.client.locations.list());
  const location = locations?.find((entry) => entry.id === order.locationId);
  const lineItems = [...(order.lineItems ?? []), ...(order.returns ?? []).flatMap((entry) => entry.returnLineItems ?? [])];
  const variationIds = [...new Set(lineItems.map((line) => line.catalogObjectId).filter((id): id is string => Boolean(id)))];
  const catalog: SquareCatalogLookup = {};
  if (variationIds.length > 0) {
    const { objects, relatedObjects } = await squareCall(db, account, orderId, () => account.client.catalog.batchGet({ objectIds: variationIds, includeRelatedObjects: true }));
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

  return {
    order: orderJson,
    payments: payments.filter((payment): payment is Record<string, unknown> => payment !== null),
    refunds: refunds.filter((refund): refund is Record<string, unknown> => refund !== null),
    location: { id: order.locationId, name: location?.name ?? order.locationId, timeZone: location?.timezone ?? "UTC", ...(location?.currency && { currency: location.currency }) },
    catalog,
    state: order.state ?? "OPEN",
    isReturn,
  };
}

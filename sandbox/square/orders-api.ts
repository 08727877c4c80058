import express, { type Request } from "express";
import { z } from "zod";
import { authenticate, requireScope } from "./auth";
import { parseTime } from "./catalog-search";
import { SandboxRequestError, type SandboxCore } from "./core";
import { badRequest, bodyError, notFound, SquareApiError } from "./errors";
import { squareEndpoint } from "./http";
import { fingerprint } from "./idempotency";
import { refundPayment } from "./register";
import { orderWire, paymentWire, POINT_OF_SALE_SOURCE, refundWire, type OrderRecord, type PaymentRecord, type RefundRecord } from "./sales";

/**
 * Square's Orders, Payments and Refunds APIs, read side plus RefundPayment (square-qbo.md §3, the SDK's request and
 * response types for 2026-09-16):
 *  - SearchOrders `POST /v2/orders/search`, BatchRetrieveOrders `POST /v2/orders/batch-retrieve`, RetrieveOrder
 *    `GET /v2/orders/{order_id}` (ORDERS_READ);
 *  - ListPayments `GET /v2/payments`, GetPayment `GET /v2/payments/{payment_id}`, ListPaymentRefunds
 *    `GET /v2/refunds`, GetPaymentRefund `GET /v2/refunds/{refund_id}` (PAYMENTS_READ);
 *  - RefundPayment `POST /v2/refunds` (PAYMENTS_WRITE), a custom-amount refund of one payment.
 * Pages are cursors over a frozen key (the last item's time and id), so items that change between pages are neither
 * skipped nor repeated; a cursor is only good with the query that made it.
 */

const ORDER_STATES = ["OPEN", "COMPLETED", "CANCELED", "DRAFT"] as const;
const SORT_FIELDS = ["CREATED_AT", "UPDATED_AT", "CLOSED_AT"] as const;
type SortField = (typeof SORT_FIELDS)[number];
const MAX_SEARCH_LOCATIONS = 10;
const SEARCH_DEFAULT_LIMIT = 500;
const SEARCH_MAX_LIMIT = 1_000;
const MAX_BATCH_ORDERS = 100;
const LIST_LIMIT = 100;
const YEAR_MS = 365 * 24 * 3600 * 1000;

const timeRange = z.looseObject({ start_at: z.string().nullish(), end_at: z.string().nullish() });
const searchBody = z.looseObject({
  location_ids: z.array(z.string()).max(MAX_SEARCH_LOCATIONS).nullish(),
  cursor: z.string().nullish(),
  query: z
    .looseObject({
      filter: z
        .looseObject({
          state_filter: z.looseObject({ states: z.array(z.enum(ORDER_STATES)).min(1) }).nullish(),
          date_time_filter: z.looseObject({ created_at: timeRange.nullish(), updated_at: timeRange.nullish(), closed_at: timeRange.nullish() }).nullish(),
          fulfillment_filter: z.looseObject({ fulfillment_types: z.array(z.string()).nullish(), fulfillment_states: z.array(z.string()).nullish() }).nullish(),
          source_filter: z.looseObject({ source_names: z.array(z.string()).nullish() }).nullish(),
          customer_filter: z.looseObject({ customer_ids: z.array(z.string()).nullish() }).nullish(),
        })
        .nullish(),
      sort: z.looseObject({ sort_field: z.enum(SORT_FIELDS), sort_order: z.enum(["ASC", "DESC"]).nullish() }).nullish(),
    })
    .nullish(),
  limit: z.number().int().min(1).max(SEARCH_MAX_LIMIT).nullish(),
  return_entries: z.boolean().nullish(),
});
const batchBody = z.looseObject({
  location_id: z.string().nullish(),
  order_ids: z.array(z.string()).min(1).max(MAX_BATCH_ORDERS),
});
const refundBody = z.looseObject({
  idempotency_key: z.string().min(1).max(45),
  amount_money: z.looseObject({ amount: z.number().int(), currency: z.string() }),
  app_fee_money: z.unknown().optional(),
  payment_id: z.string().nullish(),
  destination_id: z.string().nullish(),
  unlinked: z.boolean().nullish(),
  location_id: z.string().nullish(),
  customer_id: z.string().nullish(),
  reason: z.string().max(192).nullish(),
  payment_version_token: z.string().nullish(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw bodyError(result.error);
  return result.data;
}

const withoutEmpty = (name: string, list: unknown[]) => (list.length > 0 ? { [name]: list } : {});

/** A page boundary: the last item's sort time and id, with what the first page froze (its end time) and its query. */
interface CursorState {
  time: number;
  id: string;
  end: number;
  query: string;
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString("base64url");
}

function decodeCursor(cursor: string, query: string): CursorState {
  try {
    const state = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<CursorState>;
    if (typeof state.time === "number" && typeof state.id === "string" && typeof state.end === "number" && typeof state.query === "string") {
      // "When retrieving additional pages using a cursor, you must use the original query" (SearchOrdersRequest).
      if (state.query !== query) throw badRequest("INVALID_CURSOR", "The cursor was made for another query: send the original query with it.", "cursor");
      return state as CursorState;
    }
  } catch (error) {
    if (error instanceof SquareApiError) throw error;
  }
  throw badRequest("INVALID_CURSOR", "The cursor is not valid.", "cursor");
}

/**
 * One page of `items` sorted by (time, id), ascending or descending, after the cursor's key. The answer's cursor is
 * absent on the last page.
 */
function keysetPage<T>(items: T[], key: (item: T) => { time: number; id: string }, descending: boolean, after: CursorState | null, limit: number, end: number, query: string) {
  const compare = (a: { time: number; id: string }, b: { time: number; id: string }) => (a.time !== b.time ? a.time - b.time : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sorted = [...items].sort((a, b) => (descending ? -1 : 1) * compare(key(a), key(b)));
  const rest = after ? sorted.filter((item) => (descending ? -1 : 1) * compare(key(item), after) > 0) : sorted;
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  const cursor = rest.length > limit && last ? encodeCursor({ ...key(last), end, query }) : undefined;
  return { page, cursor };
}

function orderTime(order: OrderRecord, field: SortField): number | null {
  const value = field === "CREATED_AT" ? order.createdAt : field === "UPDATED_AT" ? order.updatedAt : order.closedAt;
  return value === undefined ? null : Date.parse(value);
}

function queryString(request: Request, name: string): string | undefined {
  const value = request.query[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function ordersRoutes(core: SandboxCore): express.Router {
  const router = express.Router();

  const access = (request: Request, scope: "ORDERS_READ" | "PAYMENTS_READ" | "PAYMENTS_WRITE") => {
    const token = authenticate(core, request);
    requireScope(token, scope);
    return { merchantId: token.merchantId, seller: core.seller(token.merchantId), sales: core.storesOf(token.merchantId).sales };
  };

  router.post(
    "/v2/orders/search",
    squareEndpoint(core, (request, response) => {
      const { seller, sales } = access(request, "ORDERS_READ");
      const body = parse(searchBody, request.body);
      // "Your request must include one or more location_ids" (Search Orders guide).
      if (!body.location_ids?.length) throw badRequest("MISSING_REQUIRED_PARAMETER", "Field `location_ids` is missing: name 1 to 10 of the seller's locations.", "location_ids");
      body.location_ids.forEach((id, index) => {
        if (!seller.locations.some((entry) => entry.id === id)) throw badRequest("NOT_FOUND", `Location \`${id}\` not found.`, `location_ids[${index}]`);
      });
      const filter = body.query?.filter;
      const ranges = (["created_at", "updated_at", "closed_at"] as const).filter((name) => filter?.date_time_filter?.[name]);
      if (ranges.length > 1) throw badRequest("INVALID_VALUE", "A date_time_filter can filter on only one time range at a time.", "query.filter.date_time_filter");
      const sortField: SortField = body.query?.sort?.sort_field ?? "CREATED_AT";
      const rangeName = ranges[0];
      // "If you use the DateTimeFilter … you must set the sort_field … to the same field you filter for" (SearchOrdersDateTimeFilter).
      if (rangeName && rangeName.toUpperCase() !== sortField) {
        throw badRequest(
          "INVALID_VALUE",
          `A date_time_filter on ${rangeName} needs query.sort.sort_field ${rangeName.toUpperCase()} (sorting by ${sortField}${body.query?.sort ? "" : ", the default"}).`,
          "query.sort.sort_field",
        );
      }
      const query = fingerprint({ location_ids: body.location_ids, query: body.query ?? null, return_entries: body.return_entries ?? false });
      const after = body.cursor ? decodeCursor(body.cursor, query) : null;
      const range = rangeName ? filter!.date_time_filter![rangeName]! : null;
      const start = range?.start_at ? parseTime(range.start_at, `query.filter.date_time_filter.${rangeName}.start_at`) : null;
      // An absent end "defaults to the time of the first request for the cursor".
      const end = range?.end_at ? parseTime(range.end_at, `query.filter.date_time_filter.${rangeName}.end_at`) : (after?.end ?? Date.now());
      // Both given and crossed: refused (assumed); a start after the default end simply finds nothing.
      if (start !== null && range?.end_at && start > end) throw badRequest("INVALID_TIME_RANGE", "start_at is after end_at.", `query.filter.date_time_filter.${rangeName}`);
      const locations = new Set(body.location_ids);
      const states = filter?.state_filter ? new Set<string>(filter.state_filter.states) : null;
      const sources = filter?.source_filter?.source_names?.length ? new Set(filter.source_filter.source_names) : null;
      // No order here has a customer or a fulfillment, so those filters match nothing when they name any.
      const noneMatch = Boolean(filter?.customer_filter?.customer_ids?.length || filter?.fulfillment_filter?.fulfillment_types?.length || filter?.fulfillment_filter?.fulfillment_states?.length);
      const matches = [...sales.orders.values()].filter((order) => {
        if (noneMatch || !locations.has(order.locationId)) return false;
        if (states && !states.has(order.state)) return false;
        if (sources && !sources.has(POINT_OF_SALE_SOURCE)) return false;
        const time = orderTime(order, sortField);
        // Orders without the sort field's time (no closed_at) are left out when sorting by it (assumed).
        if (time === null) return false;
        // Both ends inclusive.
        return (start === null || time >= start) && time <= end;
      });
      const descending = (body.query?.sort?.sort_order ?? "DESC") === "DESC";
      const { page, cursor } = keysetPage(matches, (order) => ({ time: orderTime(order, sortField)!, id: order.id }), descending, after, body.limit ?? SEARCH_DEFAULT_LIMIT, end, query);
      if (body.return_entries) {
        response.json({ ...withoutEmpty("order_entries", page.map((order) => ({ order_id: order.id, version: order.version, location_id: order.locationId }))), ...(cursor && { cursor }) });
        return;
      }
      response.json({ ...withoutEmpty("orders", page.map((order) => orderWire(order, sales))), ...(cursor && { cursor }) });
    }),
  );

  router.post(
    "/v2/orders/batch-retrieve",
    squareEndpoint(core, (request, response) => {
      const { sales } = access(request, "ORDERS_READ");
      const body = parse(batchBody, request.body);
      // "If a given order ID does not exist, the ID is ignored instead of generating an error."
      const found = [...new Set(body.order_ids)]
        .map((id) => sales.orders.get(id))
        .filter((order): order is OrderRecord => order !== undefined && (!body.location_id || order.locationId === body.location_id));
      response.json(withoutEmpty("orders", found.map((order) => orderWire(order, sales))));
    }),
  );

  router.get(
    "/v2/orders/:orderId",
    squareEndpoint(core, (request, response) => {
      const { sales } = access(request, "ORDERS_READ");
      const order = sales.orders.get(request.params.orderId ?? "");
      if (!order) throw notFound(`Order \`${request.params.orderId}\` not found.`);
      response.json({ order: orderWire(order, sales) });
    }),
  );

  /** A list's common query: the created_at window (default: the last year), sort, location, limit, cursor. */
  const listQuery = (request: Request, sortFields: readonly string[]) => {
    const now = Date.now();
    const begin = queryString(request, "begin_time") ? parseTime(queryString(request, "begin_time")!, "begin_time") : now - YEAR_MS;
    const sortOrder = queryString(request, "sort_order") ?? "DESC";
    if (sortOrder !== "ASC" && sortOrder !== "DESC") throw badRequest("INVALID_SORT_ORDER", "sort_order must be ASC or DESC.", "sort_order");
    const sortField = queryString(request, "sort_field") ?? "CREATED_AT";
    if (!sortFields.includes(sortField)) throw badRequest("INVALID_ENUM_VALUE", `sort_field must be one of ${sortFields.join(", ")}.`, "sort_field");
    const updatedBegin = queryString(request, "updated_at_begin_time") ? parseTime(queryString(request, "updated_at_begin_time")!, "updated_at_begin_time") : null;
    const updatedEnd = queryString(request, "updated_at_end_time") ? parseTime(queryString(request, "updated_at_end_time")!, "updated_at_end_time") : null;
    const rawLimit = Number(queryString(request, "limit") ?? LIST_LIMIT);
    // "If the provided value is greater than 100, it is ignored and the default value is used instead."
    const limit = Number.isInteger(rawLimit) && rawLimit >= 1 && rawLimit <= LIST_LIMIT ? rawLimit : LIST_LIMIT;
    const { cursor: _cursor, ...rest } = request.query;
    const query = fingerprint(rest);
    const cursor = queryString(request, "cursor");
    const after = cursor ? decodeCursor(cursor, query) : null;
    const end = queryString(request, "end_time") ? parseTime(queryString(request, "end_time")!, "end_time") : (after?.end ?? now);
    const inWindow = (createdAt: string, updatedAt: string) => {
      const created = Date.parse(createdAt);
      const updated = Date.parse(updatedAt);
      // begin_time is inclusive; end_time is taken as exclusive (assumed, Square does not say).
      return created >= begin && created < end && (updatedBegin === null || updated >= updatedBegin) && (updatedEnd === null || updated < updatedEnd);
    };
    return { descending: sortOrder === "DESC", sortField, limit, after, end, query, inWindow };
  };

  router.get(
    "/v2/payments",
    squareEndpoint(core, (request, response) => {
      const { seller, sales } = access(request, "PAYMENTS_READ");
      const list = listQuery(request, ["CREATED_AT", "UPDATED_AT", "OFFLINE_CREATED_AT"]);
      // "By default, results are returned for the default (main) location associated with the seller."
      const locationId = queryString(request, "location_id") ?? seller.locations[0]!.id;
      const total = queryString(request, "total");
      const last4 = queryString(request, "last_4");
      const brand = queryString(request, "card_brand");
      const offline = queryString(request, "is_offline_payment");
      const offlineBegin = queryString(request, "offline_begin_time") ? parseTime(queryString(request, "offline_begin_time")!, "offline_begin_time") : null;
      const offlineEnd = queryString(request, "offline_end_time") ? parseTime(queryString(request, "offline_end_time")!, "offline_end_time") : null;
      const matches = [...sales.payments.values()].filter((payment) => {
        if (payment.locationId !== locationId || !list.inWindow(payment.createdAt, payment.updatedAt)) return false;
        if (total !== undefined && String(payment.tender.amount) !== total) return false;
        if (last4 !== undefined && payment.tender.card?.last4 !== last4) return false;
        if (brand !== undefined && payment.tender.card?.brand !== brand.toUpperCase()) return false;
        if (offline !== undefined && (payment.offlineCreatedAt !== undefined) !== (offline === "true")) return false;
        if (offlineBegin !== null || offlineEnd !== null) {
          // "Payments without a value set in offline_payment_details.client_created_at will not be returned."
          if (payment.offlineCreatedAt === undefined) return false;
          const at = Date.parse(payment.offlineCreatedAt);
          if ((offlineBegin !== null && at < offlineBegin) || (offlineEnd !== null && at >= offlineEnd)) return false;
        }
        return true;
      });
      const time = (payment: PaymentRecord) =>
        Date.parse(list.sortField === "UPDATED_AT" ? payment.updatedAt : list.sortField === "OFFLINE_CREATED_AT" ? (payment.offlineCreatedAt ?? payment.createdAt) : payment.createdAt);
      const { page, cursor } = keysetPage(matches, (payment) => ({ time: time(payment), id: payment.id }), list.descending, list.after, list.limit, list.end, list.query);
      response.json({ ...withoutEmpty("payments", page.map(paymentWire)), ...(cursor && { cursor }) });
    }),
  );

  router.get(
    "/v2/payments/:paymentId",
    squareEndpoint(core, (request, response) => {
      const { sales } = access(request, "PAYMENTS_READ");
      const payment = sales.payments.get(request.params.paymentId ?? "");
      if (!payment) throw notFound(`Payment \`${request.params.paymentId}\` not found.`);
      response.json({ payment: paymentWire(payment) });
    }),
  );

  router.get(
    "/v2/refunds",
    squareEndpoint(core, (request, response) => {
      const { sales } = access(request, "PAYMENTS_READ");
      const list = listQuery(request, ["CREATED_AT", "UPDATED_AT"]);
      // "By default, results are returned for all locations associated with the seller."
      const locationId = queryString(request, "location_id");
      const status = queryString(request, "status");
      const sourceType = queryString(request, "source_type");
      const matches = [...sales.refunds.values()].filter(
        (refund) =>
          (locationId === undefined || refund.locationId === locationId) &&
          (status === undefined || refund.status === status) &&
          (sourceType === undefined || refund.destinationType === sourceType) &&
          list.inWindow(refund.createdAt, refund.updatedAt),
      );
      const time = (refund: RefundRecord) => Date.parse(list.sortField === "UPDATED_AT" ? refund.updatedAt : refund.createdAt);
      const { page, cursor } = keysetPage(matches, (refund) => ({ time: time(refund), id: refund.id }), list.descending, list.after, list.limit, list.end, list.query);
      response.json({ ...withoutEmpty("refunds", page.map(refundWire)), ...(cursor && { cursor }) });
    }),
  );

  router.get(
    "/v2/refunds/:refundId",
    squareEndpoint(core, (request, response) => {
      const { sales } = access(request, "PAYMENTS_READ");
      const refund = sales.refunds.get(request.params.refundId ?? "");
      if (!refund) throw notFound(`Refund \`${request.params.refundId}\` not found.`);
      response.json({ refund: refundWire(refund) });
    }),
  );

  router.post(
    "/v2/refunds",
    squareEndpoint(core, (request, response) => {
      const { merchantId, seller, sales } = access(request, "PAYMENTS_WRITE");
      const body = parse(refundBody, request.body);
      const scope = `${merchantId} refunds`;
      const check = core.idempotency.check(scope, body.idempotency_key, request.body);
      if (check.kind === "reused") throw badRequest("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different request.", "idempotency_key");
      if (check.kind === "replay") {
        core.stats.count("idempotentReplays");
        response.json(check.body);
        return;
      }
      if (body.unlinked) throw badRequest("BAD_REQUEST", "Unlinked refunds are not modelled by the Tillbridge Square sandbox.", "unlinked");
      if (body.app_fee_money !== undefined) throw badRequest("BAD_REQUEST", "app_fee_money is not modelled by the Tillbridge Square sandbox.", "app_fee_money");
      if (body.location_id) throw badRequest("INVALID_VALUE", "location_id is only for unlinked refunds.", "location_id");
      if (!body.payment_id) throw badRequest("MISSING_REQUIRED_PARAMETER", "Field `payment_id` is missing.", "payment_id");
      if (body.amount_money.currency !== seller.currency) throw badRequest("CURRENCY_MISMATCH", `The refund must be in ${seller.currency}, the payment's currency.`, "amount_money.currency");
      if (body.amount_money.amount <= 0) throw badRequest("REFUND_AMOUNT_INVALID", "The refund amount must be above 0.", "amount_money.amount");
      const payment = sales.payments.get(body.payment_id);
      if (!payment) throw notFound(`Payment \`${body.payment_id}\` not found.`);
      if (body.payment_version_token && body.payment_version_token !== payment.versionToken) {
        throw badRequest("VERSION_MISMATCH", "The payment has changed since that version token.", "payment_version_token");
      }
      const refundable = payment.tender.amount - payment.refunded;
      // "This amount cannot be more than the total_money value of the payment minus the total amount of all
      // previously completed refunds" (pending ones count here too, assumed).
      if (BigInt(body.amount_money.amount) > refundable) {
        throw badRequest("REFUND_AMOUNT_INVALID", `The refund amount is more than the ${refundable} left to refund on the payment.`, "amount_money.amount");
      }
      let refund;
      try {
        refund = refundPayment(core, merchantId, payment, BigInt(body.amount_money.amount), body.reason ?? undefined).refunds[0]!;
      } catch (error) {
        if (error instanceof SandboxRequestError) throw badRequest("BAD_REQUEST", error.message);
        throw error;
      }
      const answer = { refund };
      core.idempotency.remember(scope, body.idempotency_key, request.body, answer);
      response.json(answer);
    }),
  );

  return router;
}

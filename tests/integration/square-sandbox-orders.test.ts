import { randomUUID } from "node:crypto";
import { serialization, SquareClient, SquareError, WebhooksHelper, type Square } from "square";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SANDBOX_SQUARE_APPLICATION_ID as APP_ID,
  SANDBOX_SQUARE_APPLICATION_SECRET as APP_SECRET,
  SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY as SIGNATURE_KEY,
  startSquareSandbox,
  type OrderWire,
  type PaymentWire,
  type RefundWire,
  type SquareSandbox,
} from "../../sandbox/square/index";
import { freePorts } from "../support/ports";
import { startWebhookReceiver, waitUntil, type ReceivedWebhook, type WebhookReceiver } from "../support/webhook-receiver";

/**
 * The Square sandbox's Orders, Payments and Refunds APIs and register sales as orders, driven by the real `square`
 * SDK (v46, API 2026-09-16). Every answer the SDK receives is also parsed with the SDK's own schema for the endpoint,
 * failing on unknown keys, and every order, payment and refund event is checked with WebhooksHelper and parsed the
 * same way. Amounts are worked out by hand in the tests (Square rounds half to even), not by the sandbox's code.
 */

const COFFEE = "MLTB0DEMO0001";
const CAFE = "LTB0COFFEE001";
const CART = "LTB0COFFEE002";
const BOOKS = "MLTB0DEMO0002";
const DOWNTOWN = "LTB0BOOKS0001";
const SCOPES = "MERCHANT_PROFILE_READ ITEMS_READ INVENTORY_READ ORDERS_READ PAYMENTS_READ PAYMENTS_WRITE";

interface WireCall {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

interface StrictSchema {
  parse(raw: unknown, options: object): { ok: true; value: unknown } | { ok: false; errors: { path: string[]; message: string }[] };
}

let sandbox: SquareSandbox;
let receiver: WebhookReceiver;
const tokens: Record<string, string> = {};
const wire: WireCall[] = [];

const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const text = await response.clone().text();
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  wire.push({ method: init?.method ?? "GET", path: url.pathname, status: response.status, body: text === "" ? undefined : JSON.parse(text) });
  return response;
};

function client(merchantId = COFFEE, token = tokens[merchantId]!) {
  return new SquareClient({ token, baseUrl: sandbox.url, fetch: recordingFetch, maxRetries: 0 });
}

function schemaFor({ method, path }: WireCall): StrictSchema {
  if (path === "/oauth2/token") return serialization.ObtainTokenResponse;
  if (path === "/v2/orders/search") return serialization.SearchOrdersResponse;
  if (path === "/v2/orders/batch-retrieve") return serialization.BatchGetOrdersResponse;
  if (path.startsWith("/v2/orders/")) return serialization.GetOrderResponse;
  if (path === "/v2/payments") return serialization.ListPaymentsResponse;
  if (path.startsWith("/v2/payments/")) return serialization.GetPaymentResponse;
  if (path === "/v2/refunds") return method === "POST" ? serialization.RefundPaymentResponse : serialization.ListPaymentRefundsResponse;
  if (path.startsWith("/v2/refunds/")) return serialization.GetPaymentRefundResponse;
  if (path === "/v2/inventory/counts/batch-retrieve") return serialization.BatchGetInventoryCountsResponse;
  if (path === "/v2/inventory/changes/batch-retrieve") return serialization.BatchGetInventoryChangesResponse;
  throw new Error(`no schema for ${method} ${path}`);
}

function expectStrict(schema: StrictSchema, body: unknown, strictEnums = true): void {
  const result = schema.parse(body, { unrecognizedObjectKeys: "fail", allowUnrecognizedEnumValues: !strictEnums, allowUnrecognizedUnionMembers: false });
  expect(result.ok ? [] : result.errors, JSON.stringify(body).slice(0, 2_000)).toEqual([]);
}

async function squareError(promise: Promise<unknown>): Promise<SquareError> {
  const error = await promise.then(
    () => expect.unreachable("expected a rejection"),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SquareError);
  return error as SquareError;
}

async function accessToken(merchantId: string, scope: string): Promise<string> {
  const form = new URLSearchParams({ client_id: APP_ID, scope, merchant_id: merchantId, decision: "approve" });
  const redirect = await fetch(`${sandbox.url}/oauth2/authorize`, { method: "POST", body: form, redirect: "manual" });
  const code = new URL(redirect.headers.get("location")!).searchParams.get("code")!;
  const obtained = await new SquareClient({ token: "unused", baseUrl: sandbox.url, fetch: recordingFetch }).oAuth.obtainToken({ clientId: APP_ID, clientSecret: APP_SECRET, grantType: "authorization_code", code });
  return obtained.accessToken!;
}

async function control<T = Record<string, unknown>>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

interface Sale {
  sold: true;
  order: OrderWire;
  payments: PaymentWire[];
  stock: { variationId: string; locationId: string; inStock: number | null }[];
}

async function sell(merchantId: string, body: Record<string, unknown>): Promise<Sale> {
  const answer = await control<Sale>(`/sellers/${merchantId}/orders`, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

function events(type: string): { raw: ReceivedWebhook; event: { type: string; data: { id: string; object: Record<string, Record<string, unknown>> } } }[] {
  return receiver.received.map((raw) => ({ raw, event: JSON.parse(raw.rawBody) as never })).filter(({ event }) => (event as { type: string }).type === type);
}

const EVENT_SCHEMAS: Record<string, StrictSchema> = {
  "order.created": serialization.OrderCreatedEvent,
  "order.updated": serialization.OrderUpdatedEvent,
  "payment.created": serialization.PaymentCreatedEvent,
  "payment.updated": serialization.PaymentUpdatedEvent,
  "refund.created": serialization.RefundCreatedEvent,
  "refund.updated": serialization.RefundUpdatedEvent,
  "inventory.count.updated": serialization.InventoryCountUpdatedEvent,
};

async function expectSigned(raw: ReceivedWebhook): Promise<void> {
  const valid = await WebhooksHelper.verifySignature({
    requestBody: raw.rawBody,
    signatureHeader: String(raw.headers["x-square-hmacsha256-signature"]),
    signatureKey: SIGNATURE_KEY,
    notificationUrl: `${receiver.url}/webhooks/square`,
  });
  expect(valid).toBe(true);
}

/** Every search page, following the cursor by hand (SearchOrders is not wrapped in a Page by the SDK). */
async function searchAll(request: Square.SearchOrdersRequest, merchantId = COFFEE): Promise<{ orders: Square.Order[]; pages: number }> {
  const orders: Square.Order[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client(merchantId).orders.search({ ...request, ...(cursor && { cursor }) });
    orders.push(...(page.orders ?? []));
    cursor = page.cursor;
    pages++;
  } while (cursor);
  return { orders, pages };
}

const amount = (money: Square.Money | undefined) => Number(money?.amount ?? 0n);
const sum = (values: number[]) => values.reduce((acc, value) => acc + value, 0);

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSquareSandbox({
    port: await freePorts(),
    appUrl: receiver.url,
    applicationId: APP_ID,
    applicationSecret: APP_SECRET,
    webhookSignatureKey: SIGNATURE_KEY,
  });
  tokens[COFFEE] = await accessToken(COFFEE, SCOPES);
  tokens[BOOKS] = await accessToken(BOOKS, SCOPES);
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

beforeEach(() => {
  sandbox.resetFaults();
  sandbox.setSettings({ allowNegativeSales: false, processingFeeDelayMs: 0 });
  receiver.received.length = 0;
  wire.length = 0;
});

afterEach(() => {
  for (const call of wire) expectStrict(schemaFor(call), call.body, call.status < 400);
});

describe("SearchOrders", () => {
  it("finds orders by updated_at, sorted, a page at a time; entries; state and location filters", async () => {
    const since = new Date(Date.now() - 1).toISOString();
    const made: OrderWire[] = [];
    for (let index = 0; index < 5; index++) made.push((await sell(COFFEE, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }] })).order);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const elsewhere = (await sell(COFFEE, { locationId: CART, lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }] })).order.id;
    // Square sorts by the time; orders of the same millisecond come in id order here.
    const sold = made.sort((a, b) => (a.updated_at !== b.updated_at ? (a.updated_at < b.updated_at ? -1 : 1) : a.id < b.id ? -1 : 1)).map((order) => order.id);

    const query: Square.SearchOrdersQuery = { filter: { dateTimeFilter: { updatedAt: { startAt: since } } }, sort: { sortField: "UPDATED_AT", sortOrder: "ASC" } };
    const { orders, pages } = await searchAll({ locationIds: [CAFE], query, limit: 2 });
    expect(pages).toBe(3);
    expect(orders.map((order) => order.id)).toEqual(sold);
    const times = orders.map((order) => order.updatedAt!);
    expect([...times].sort()).toEqual(times);
    expect(orders.every((order) => order.locationId === CAFE && order.state === "COMPLETED")).toBe(true);

    // Newest first by default; both locations; entries only.
    const both = await client().orders.search({ locationIds: [CAFE, CART], query: { ...query, sort: { sortField: "UPDATED_AT" } }, returnEntries: true });
    expect(both.orders).toBeUndefined();
    expect(both.orderEntries?.map((entry) => entry.orderId)).toEqual([elsewhere, ...[...sold].reverse()]);
    expect(both.orderEntries?.[0]).toEqual({ orderId: elsewhere, version: 1, locationId: CART });

    const open = await client().orders.search({ locationIds: [CAFE], query: { filter: { stateFilter: { states: ["OPEN"] }, dateTimeFilter: query.filter!.dateTimeFilter }, sort: query.sort } });
    expect(open.orders).toBeUndefined();
    // Nothing before the window's start.
    const later = await client().orders.search({ locationIds: [CAFE], query: { filter: { dateTimeFilter: { updatedAt: { startAt: new Date(Date.now() + 60_000).toISOString() } } }, sort: query.sort } });
    expect(later).toEqual({});
  });

  it("holds the window's end from the first page, and takes the cursor only with its own query", async () => {
    const since = new Date(Date.now() - 1).toISOString();
    for (let index = 0; index < 3; index++) await sell(COFFEE, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }] });
    const request: Square.SearchOrdersRequest = { locationIds: [CAFE], query: { filter: { dateTimeFilter: { updatedAt: { startAt: since } } }, sort: { sortField: "UPDATED_AT", sortOrder: "ASC" } }, limit: 2 };
    const first = await client().orders.search(request);
    expect(first.orders).toHaveLength(2);
    // A sale after the first page is past the end the first page fixed: the second page does not show it.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const late = (await sell(COFFEE, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }] })).order.id;
    const second = await client().orders.search({ ...request, cursor: first.cursor! });
    expect(second.orders).toHaveLength(1);
    expect(second.cursor).toBeUndefined();
    expect(second.orders!.map((order) => order.id)).not.toContain(late);

    const other = await squareError(client().orders.search({ ...request, query: { ...request.query, sort: { sortField: "UPDATED_AT", sortOrder: "DESC" } }, cursor: first.cursor! }));
    expect(other.statusCode).toBe(400);
    expect(other.errors[0]).toMatchObject({ code: "INVALID_CURSOR", field: "cursor" });
  });

  it("refuses a sort field that is not the date filter's, two ranges, missing or too many locations, a limit over 1000", async () => {
    const range = { startAt: new Date(Date.now() - 3_600_000).toISOString() };
    const mismatch = await squareError(client().orders.search({ locationIds: [CAFE], query: { filter: { dateTimeFilter: { updatedAt: range } }, sort: { sortField: "CREATED_AT" } } }));
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.errors).toEqual([{ category: "INVALID_REQUEST_ERROR", code: "INVALID_VALUE", detail: expect.stringContaining("UPDATED_AT"), field: "query.sort.sort_field" }]);
    // No sort means CREATED_AT, which does not match either.
    const defaulted = await squareError(client().orders.search({ locationIds: [CAFE], query: { filter: { dateTimeFilter: { closedAt: range } } } }));
    expect(defaulted.errors[0]).toMatchObject({ code: "INVALID_VALUE", field: "query.sort.sort_field" });
    const two = await squareError(client().orders.search({ locationIds: [CAFE], query: { filter: { dateTimeFilter: { updatedAt: range, closedAt: range } }, sort: { sortField: "UPDATED_AT" } } }));
    expect(two.errors[0]).toMatchObject({ code: "INVALID_VALUE", field: "query.filter.date_time_filter" });
    expect((await squareError(client().orders.search({}))).errors[0]).toMatchObject({ code: "MISSING_REQUIRED_PARAMETER", field: "location_ids" });
    expect((await squareError(client().orders.search({ locationIds: Array.from({ length: 11 }, () => CAFE) }))).errors[0]).toMatchObject({ code: "ARRAY_LENGTH_TOO_LONG", field: "location_ids" });
    expect((await squareError(client().orders.search({ locationIds: [DOWNTOWN] }))).errors[0]).toMatchObject({ code: "NOT_FOUND", field: "location_ids[0]" });
    expect((await squareError(client().orders.search({ locationIds: [CAFE], limit: 1001 }))).errors[0]).toMatchObject({ code: "VALUE_TOO_HIGH", field: "limit" });
    // Without ORDERS_READ.
    const payments = await accessToken(BOOKS, "PAYMENTS_READ");
    expect((await squareError(client(BOOKS, payments).orders.search({ locationIds: [DOWNTOWN] }))).errors[0]).toMatchObject({ code: "INSUFFICIENT_SCOPES" });
    tokens[BOOKS] = await accessToken(BOOKS, SCOPES);
  });
});

describe("BatchRetrieveOrders and RetrieveOrder", () => {
  it("answers the orders asked for, leaving out unknown ids and other locations; 404 for one unknown order", async () => {
    const a = (await sell(COFFEE, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }] })).order.id;
    const b = (await sell(COFFEE, { locationId: CART, lines: [{ sku: "TB-DRIP-12OZ", quantity: 2 }] })).order.id;
    const batch = await client().orders.batchGet({ orderIds: [b, "NoSuchOrder", a] });
    expect(batch.orders?.map((order) => order.id)).toEqual([b, a]);
    const atCafe = await client().orders.batchGet({ locationId: CAFE, orderIds: [a, b] });
    expect(atCafe.orders?.map((order) => order.id)).toEqual([a]);
    expect((await client().orders.get({ orderId: b })).order).toMatchObject({ id: b, locationId: CART, lineItems: [{ quantity: "2", totalMoney: { amount: 700n } }] });
    const missing = await squareError(client().orders.get({ orderId: "NoSuchOrder" }));
    expect(missing.statusCode).toBe(404);
    expect(missing.errors[0]?.code).toBe("NOT_FOUND");
    expect((await squareError(client().orders.batchGet({ orderIds: Array.from({ length: 101 }, (_, index) => `id${index}`) }))).errors[0]).toMatchObject({ code: "ARRAY_LENGTH_TOO_LONG" });
  });
});

describe("register sales as orders", () => {
  it("splits a taxed, discounted, tipped sale across cash and card; every amount adds up to the cent", async () => {
    // Downtown adds Chicago's 10.25% to taxable items. 3 × 12.00 notebooks and a 49.99 game, 10% off the order.
    const sale = await sell(BOOKS, {
      lines: [
        { sku: "TB-NOTE-A5-DOT", quantity: 3 },
        { sku: "BG-HARBOR-STD", quantity: 1 },
      ],
      discountPercent: 10,
      tenders: [{ type: "CASH", amount: 2000 }, { type: "CARD", cardBrand: "MASTERCARD" }],
      tipAmount: 300,
    });
    const order = (await client(BOOKS).orders.get({ orderId: sale.order.id })).order!;
    const [notebooks, game] = order.lineItems!;
    // Discount: 10% of 85.99 = 8.599 → 8.60, shared 36.00 : 49.99 → 3.60 + 5.00.
    expect(order.discounts).toMatchObject([{ type: "FIXED_PERCENTAGE", percentage: "10", scope: "ORDER", appliedMoney: { amount: 860n } }]);
    expect(notebooks).toMatchObject({ quantity: "3", basePriceMoney: { amount: 1200n }, grossSalesMoney: { amount: 3600n }, totalDiscountMoney: { amount: 360n } });
    expect(game).toMatchObject({ totalDiscountMoney: { amount: 500n } });
    // Tax per line on what the discount left: 32.40 × 10.25% = 3.321 → 3.32; 44.99 × 10.25% = 4.611… → 4.61.
    expect(notebooks).toMatchObject({ totalTaxMoney: { amount: 332n }, totalMoney: { amount: 3572n } });
    expect(game).toMatchObject({ totalTaxMoney: { amount: 461n }, totalMoney: { amount: 4960n } });
    expect(order.taxes).toMatchObject([{ name: "Chicago Sales Tax", percentage: "10.25", type: "ADDITIVE", scope: "LINE_ITEM", appliedMoney: { amount: 793n } }]);
    expect(notebooks!.appliedTaxes![0]!.taxUid).toBe(order.taxes![0]!.uid);
    expect(order).toMatchObject({
      state: "COMPLETED",
      totalTaxMoney: { amount: 793n },
      totalDiscountMoney: { amount: 860n },
      totalTipMoney: { amount: 300n },
      totalMoney: { amount: 8832n },
      netAmounts: { totalMoney: { amount: 8832n }, tipMoney: { amount: 300n } },
      source: { name: "Square Point of Sale" },
    });
    expect(order.closedAt).toBe(order.createdAt);

    // Tenders: 20.00 cash (the buyer hands over 20.00), the card pays the rest and carries the tip.
    const [cash, card] = order.tenders!;
    expect(cash).toMatchObject({ type: "CASH", amountMoney: { amount: 2000n }, cashDetails: { buyerTenderedMoney: { amount: 2000n }, changeBackMoney: { amount: 0n } } });
    expect(card).toMatchObject({ type: "CARD", amountMoney: { amount: 6832n }, tipMoney: { amount: 300n }, cardDetails: { status: "CAPTURED", card: { cardBrand: "MASTERCARD" } } });
    expect(sum(order.tenders!.map((tender) => amount(tender.amountMoney)))).toBe(amount(order.totalMoney));

    // One payment per tender: amount + tip = total = the tender's amount.
    const payments = await Promise.all(order.tenders!.map(async (tender) => (await client(BOOKS).payments.get({ paymentId: tender.paymentId! })).payment!));
    expect(payments[0]).toMatchObject({ id: cash!.id, sourceType: "CASH", amountMoney: { amount: 2000n }, totalMoney: { amount: 2000n }, cashDetails: { buyerSuppliedMoney: { amount: 2000n } } });
    expect(payments[1]).toMatchObject({ sourceType: "CARD", amountMoney: { amount: 6532n }, tipMoney: { amount: 300n }, totalMoney: { amount: 6832n }, cardDetails: { card: { cardBrand: "MASTERCARD" } } });
    for (const payment of payments) expect(payment).toMatchObject({ status: "COMPLETED", orderId: order.id, locationId: DOWNTOWN, applicationDetails: { squareProduct: "SQUARE_POS" } });

    // ListPayments shows the main location's by default.
    const listed: Square.Payment[] = [];
    for await (const payment of await client(BOOKS).payments.list({ beginTime: order.createdAt })) listed.push(payment);
    expect(listed.map((payment) => payment.id).sort()).toEqual(payments.map((payment) => payment.id).sort());
    const atOther: Square.Payment[] = [];
    for await (const payment of await client(BOOKS).payments.list({ beginTime: order.createdAt, locationId: "LTB0BOOKS0002" })) atOther.push(payment);
    expect(atOther).toEqual([]);

    // A split that does not add up is refused.
    const wrong = await control(`/sellers/${BOOKS}/orders`, { lines: [{ sku: "BG-PUZ-1000", quantity: 1 }], tenders: [{ type: "CASH", amount: 100 }, { type: "CARD", amount: 100 }] });
    expect(wrong.status).toBe(400);
  });

  it("rounds taxes half to even: per line for LINE_ITEM taxes, once for the order for ORDER taxes, shared to the cent", async () => {
    // Two 5.00 gift wraps, a 3.50 drip coffee and an 18.00 mug at 8.5%.
    const lines = [
      { sku: "TB-SVC-WRAP", quantity: 1 },
      { sku: "TB-SVC-WRAP", quantity: 1 },
      { sku: "TB-DRIP-12OZ", quantity: 1 },
      { sku: "TB-MUG-12OZ", quantity: 1 },
    ];
    const perLine = (await sell(COFFEE, { lines, taxes: [{ name: "Sales tax", percentage: "8.5" }], tenders: [{ type: "CASH" }] })).order;
    // 42.5 → 42 (half to even; half up would give 43), 42.5 → 42, 29.75 → 30, 153 → 153.
    expect(perLine.line_items!.map((line) => line.total_tax_money.amount)).toEqual([42, 42, 30, 153]);
    expect(perLine.taxes![0]!.applied_money.amount).toBe(267);
    expect(perLine.total_tax_money.amount).toBe(267);
    expect(perLine.total_money.amount).toBe(3150 + 267);
    expect(sum(perLine.line_items!.map((line) => line.total_money.amount))).toBe(perLine.total_money.amount);

    // ORDER scope: 31.50 × 8.5% = 2.6775 → 2.68, shared by amount; the shares add up to it.
    const whole = (await sell(COFFEE, { lines, taxes: [{ name: "Sales tax", percentage: "8.5", scope: "ORDER" }], tenders: [{ type: "CASH" }] })).order;
    const shares = whole.line_items!.map((line) => line.total_tax_money.amount);
    expect(whole.taxes![0]).toMatchObject({ scope: "ORDER", applied_money: { amount: 268 } });
    expect(sum(shares)).toBe(268);
    [500, 500, 350, 1800].forEach((base, index) => expect(Math.abs(shares[index]! - (268 * base) / 3150)).toBeLessThan(1));
    expect(whole.total_money.amount).toBe(3150 + 268);

    // INCLUSIVE 10% on an 11.00 price: 1.00 of it is tax; US gross sales leave it out; the total does not grow.
    const inclusive = (await sell(COFFEE, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1, price: 1100 }], taxes: [{ name: "VAT", percentage: "10", type: "INCLUSIVE" }], tenders: [{ type: "OTHER" }] })).order;
    expect(inclusive.line_items![0]).toMatchObject({ gross_sales_money: { amount: 1000 }, total_tax_money: { amount: 100 }, total_money: { amount: 1100 } });
    expect(inclusive).toMatchObject({ total_money: { amount: 1100 }, total_tax_money: { amount: 100 } });

    // Through the SDK, the same numbers.
    const fetched = (await client().orders.get({ orderId: perLine.id })).order!;
    expect(fetched.lineItems!.map((line) => amount(line.totalTaxMoney))).toEqual([42, 42, 30, 153]);
  });

  it("moves stock as a register sale does, says so in inventory.count.updated, and refuses a short sale whole", async () => {
    const before = sandbox.inStock(COFFEE, "TB-MUG-12OZ", CAFE)!;
    const sale = await sell(COFFEE, { lines: [{ sku: "TB-MUG-12OZ", quantity: 2 }, { sku: "TB-DRIP-12OZ", quantity: 1 }] });
    const mug = sale.stock[0]!.variationId;
    expect(sale.stock).toEqual([
      { variationId: mug, locationId: CAFE, inStock: before - 2 },
      { variationId: expect.any(String), locationId: CAFE, inStock: null },
    ]);
    const counts: Square.InventoryCount[] = [];
    for await (const count of await client().inventory.batchGetCounts({ catalogObjectIds: [mug], locationIds: [CAFE], states: ["IN_STOCK"] })) counts.push(count);
    expect(counts.map((count) => count.quantity)).toEqual([String(before - 2)]);
    const changes: Square.InventoryChange[] = [];
    for await (const change of await client().inventory.batchGetChanges({ catalogObjectIds: [mug], states: ["SOLD"] })) changes.push(change);
    expect(changes.at(-1)).toMatchObject({ type: "ADJUSTMENT", adjustment: { fromState: "IN_STOCK", toState: "SOLD", quantity: "2", transactionId: sale.order.id, source: { product: "SQUARE_POS" }, totalPriceMoney: { amount: 3600n } } });
    await waitUntil(() => events("inventory.count.updated").some(({ event }) => JSON.stringify(event).includes(mug)));
    await waitUntil(() => events("order.created").some(({ event }) => event.data.id === sale.order.id));

    // Short: nothing sold, no order.
    const orders = sandbox.stats().orders;
    const short = await control(`/sellers/${COFFEE}/orders`, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }, { sku: "TB-MUG-12OZ", quantity: before }] });
    expect(short).toMatchObject({ status: 409, body: { sold: false, short: [{ variationId: mug, inStock: before - 2, wanted: before }] } });
    expect(sandbox.inStock(COFFEE, "TB-MUG-12OZ", CAFE)).toBe(before - 2);
    expect(sandbox.stats().orders).toBe(orders);
    // `sell` is as it was.
    expect(sandbox.sell(COFFEE, { sku: "TB-MUG-12OZ", quantity: 1 })).toMatchObject({ sold: true, inStock: before - 3 });
  });

  it("sends order.created and payment.created, signed, with Square's payloads", async () => {
    const sale = await sell(COFFEE, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }], tenders: [{ type: "CASH" }] });
    await waitUntil(() => events("payment.created").some(({ event }) => event.data.id === sale.payments[0]!.id));
    await waitUntil(() => events("order.created").some(({ event }) => event.data.id === sale.order.id));
    const created = events("order.created").find(({ event }) => event.data.id === sale.order.id)!;
    await expectSigned(created.raw);
    expectStrict(EVENT_SCHEMAS["order.created"]!, created.event);
    expect(created.event).toMatchObject({
      merchant_id: COFFEE,
      type: "order.created",
      data: { type: "order_created", id: sale.order.id, object: { order_created: { order_id: sale.order.id, version: 1, location_id: CAFE, state: "COMPLETED", created_at: sale.order.created_at } } },
    });
    const payment = events("payment.created").find(({ event }) => event.data.id === sale.payments[0]!.id)!;
    await expectSigned(payment.raw);
    expectStrict(EVENT_SCHEMAS["payment.created"]!, payment.event);
    expect(payment.event.data).toMatchObject({ type: "payment", object: { payment: { id: sale.payments[0]!.id, order_id: sale.order.id, source_type: "CASH", total_money: { amount: 350 } } } });
  });
});

describe("processing fees", () => {
  it("appear on a card payment a few seconds after the sale, with payment.updated and order.updated", async () => {
    sandbox.setSettings({ processingFeeDelayMs: 300 });
    // 18.00 mug + 2.00 tip = 20.00; 2.6% + 15¢ = 0.52 + 0.15.
    const sale = await sell(COFFEE, { lines: [{ sku: "TB-MUG-12OZ", quantity: 1 }], tipAmount: 200 });
    const paymentId = sale.payments[0]!.id;
    const at = (await client().payments.get({ paymentId })).payment!;
    expect(at.processingFee).toBeUndefined();
    expect((await client().orders.get({ orderId: sale.order.id })).order!.tenders![0]!.processingFeeMoney).toBeUndefined();

    await waitUntil(() => events("payment.updated").some(({ event }) => event.data.id === paymentId));
    const updated = events("payment.updated").find(({ event }) => event.data.id === paymentId)!;
    await expectSigned(updated.raw);
    expectStrict(EVENT_SCHEMAS["payment.updated"]!, updated.event);
    expect(updated.event.data.object.payment).toMatchObject({ processing_fee: [{ type: "INITIAL", amount_money: { amount: 67, currency: "USD" } }] });

    const payment = (await client().payments.get({ paymentId })).payment!;
    expect(payment.processingFee).toEqual([{ effectiveAt: expect.any(String), type: "INITIAL", amountMoney: { amount: 67n, currency: "USD" } }]);
    expect(Date.parse(payment.updatedAt!) - Date.parse(payment.createdAt!)).toBeGreaterThanOrEqual(250);
    expect(payment.versionToken).not.toBe(at.versionToken);
    const order = (await client().orders.get({ orderId: sale.order.id })).order!;
    expect(order.tenders![0]!.processingFeeMoney).toEqual({ amount: 67n, currency: "USD" });
    expect(order.version).toBe(2);
    await waitUntil(() => events("order.updated").some(({ event }) => event.data.id === sale.order.id));
    const orderUpdated = events("order.updated").find(({ event }) => event.data.id === sale.order.id)!;
    expectStrict(EVENT_SCHEMAS["order.updated"]!, orderUpdated.event);
    expect(orderUpdated.event.data).toMatchObject({ type: "order_updated", object: { order_updated: { order_id: sale.order.id, version: 2, state: "COMPLETED", updated_at: order.updatedAt } } });

    // ListPayments by updated_at finds the fee's change.
    const changed: Square.Payment[] = [];
    for await (const entry of await client().payments.list({ updatedAtBeginTime: payment.updatedAt, sortField: "UPDATED_AT" })) changed.push(entry);
    expect(changed.map((entry) => entry.id)).toContain(paymentId);

    // Cash has no processing fee; settle() runs what waits.
    const cash = await sell(COFFEE, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }], tenders: [{ type: "CASH" }] });
    const pendingCard = await sell(COFFEE, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }] });
    expect(sandbox.settle()).toBe(1);
    expect((await client().payments.get({ paymentId: pendingCard.payments[0]!.id })).payment!.processingFee?.[0]?.amountMoney?.amount).toBe(24n);
    expect((await client().payments.get({ paymentId: cash.payments[0]!.id })).payment!.processingFee).toBeUndefined();
  });
});

describe("refunds", () => {
  it("RefundPayment refunds part of a card payment: PENDING, then COMPLETED with its share of the fee given back; a return order", async () => {
    sandbox.setSettings({ processingFeeDelayMs: 200 });
    const sale = await sell(COFFEE, { lines: [{ sku: "TB-MUG-12OZ", quantity: 1 }], tipAmount: 200 });
    sandbox.settle();
    const paymentId = sale.payments[0]!.id;
    const key = randomUUID();
    const request: Square.RefundPaymentRequest = { idempotencyKey: key, amountMoney: { amount: 1000n, currency: "USD" }, paymentId, reason: "Chipped mug" };
    const { refund } = await client().refunds.refundPayment(request);
    expect(refund).toMatchObject({ status: "PENDING", paymentId, amountMoney: { amount: 1000n }, reason: "Chipped mug", locationId: CAFE, destinationType: "CARD" });
    expect(refund!.id.startsWith(`${paymentId}_`)).toBe(true);
    expect(refund!.processingFee).toBeUndefined();
    // The same key and body: the same refund, nothing more refunded. Another body: refused.
    expect((await client().refunds.refundPayment(request)).refund!.id).toBe(refund!.id);
    const reused = await squareError(client().refunds.refundPayment({ ...request, amountMoney: { amount: 999n, currency: "USD" } }));
    expect(reused.errors[0]).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });

    // The payment: 10.00 of 20.00 refunded; only 10.00 left.
    const payment = (await client().payments.get({ paymentId })).payment!;
    expect(payment).toMatchObject({ refundedMoney: { amount: 1000n }, refundIds: [refund!.id] });
    const over = await squareError(client().refunds.refundPayment({ ...request, idempotencyKey: randomUUID(), amountMoney: { amount: 1001n, currency: "USD" } }));
    expect(over.errors[0]).toMatchObject({ code: "REFUND_AMOUNT_INVALID", field: "amount_money.amount" });
    expect((await squareError(client().refunds.refundPayment({ ...request, idempotencyKey: randomUUID(), amountMoney: { amount: 10n, currency: "CAD" } }))).errors[0]?.code).toBe("CURRENCY_MISMATCH");
    expect((await squareError(client().refunds.refundPayment({ ...request, idempotencyKey: randomUUID(), paymentId: "NoSuchPayment" }))).statusCode).toBe(404);

    // Completed: 0.67 × 10.00 / 20.00 = 0.335 → 0.34 of the fee comes back.
    await waitUntil(() => events("refund.updated").some(({ event }) => event.data.id === refund!.id));
    const completed = (await client().refunds.get({ refundId: refund!.id })).refund!;
    expect(completed).toMatchObject({ status: "COMPLETED", processingFee: [{ type: "INITIAL", amountMoney: { amount: -34n, currency: "USD" } }] });
    for (const type of ["refund.created", "refund.updated"]) {
      const event = events(type).find((entry) => entry.event.data.id === refund!.id)!;
      await expectSigned(event.raw);
      expectStrict(EVENT_SCHEMAS[type]!, event.event);
    }
    expect(events("refund.created").find((entry) => entry.event.data.id === refund!.id)!.event.data.object.refund).toMatchObject({ status: "PENDING" });

    // The return order: a custom amount back, linked to the sale; zero sale totals, negative net amounts.
    const returnOrder = (await client().orders.get({ orderId: refund!.orderId! })).order!;
    expect(returnOrder).toMatchObject({
      state: "COMPLETED",
      totalMoney: { amount: 0n },
      returns: [{ sourceOrderId: sale.order.id, returnLineItems: [{ itemType: "CUSTOM_AMOUNT", quantity: "1", totalMoney: { amount: 1000n } }], returnAmounts: { totalMoney: { amount: 1000n } } }],
      returnAmounts: { totalMoney: { amount: 1000n }, taxMoney: { amount: 0n } },
      netAmounts: { totalMoney: { amount: -1000n } },
      refunds: [{ id: refund!.id, tenderId: paymentId, transactionId: sale.order.id, status: "APPROVED", amountMoney: { amount: 1000n }, processingFeeMoney: { amount: 34n } }],
    });
    expect(returnOrder.version).toBe(2);
    const listed: Square.PaymentRefund[] = [];
    for await (const entry of await client().refunds.list({ beginTime: refund!.createdAt })) listed.push(entry);
    expect(listed.map((entry) => entry.id)).toContain(refund!.id);
    // Without PAYMENTS_WRITE.
    const readOnly = await accessToken(COFFEE, "PAYMENTS_READ ORDERS_READ");
    expect((await squareError(client(COFFEE, readOnly).refunds.refundPayment({ ...request, idempotencyKey: randomUUID() }))).errors[0]?.code).toBe("INSUFFICIENT_SCOPES");
    tokens[COFFEE] = await accessToken(COFFEE, SCOPES);
  });

  it("refunds one of three items at the register: a priced return order, stock back, the cash tender first", async () => {
    const sale = await sell(BOOKS, {
      lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 3 }, { sku: "BG-HARBOR-STD", quantity: 1 }],
      discountPercent: 10,
      tenders: [{ type: "CASH", amount: 2000 }, { type: "CARD" }],
    });
    const notebooks = sale.order.line_items![0]!;
    const stock = sandbox.inStock(BOOKS, "TB-NOTE-A5-DOT", DOWNTOWN)!;
    const first = await control<{ returnOrder: OrderWire; refunds: RefundWire[] }>(`/sellers/${BOOKS}/refunds`, { orderId: sale.order.id, lines: [{ uid: notebooks.uid, quantity: 1 }] });
    expect(first.status).toBe(200);
    // One notebook: 12.00 less its 1.20 discount, plus 3.32 / 3 = 1.1067 → 1.11 tax.
    const returned = (await client(BOOKS).orders.get({ orderId: first.body.returnOrder.id })).order!;
    const [line] = returned.returns![0]!.returnLineItems!;
    expect(line).toMatchObject({ sourceLineItemUid: notebooks.uid, quantity: "1", itemType: "ITEM", grossReturnMoney: { amount: 1200n }, totalDiscountMoney: { amount: 120n }, totalTaxMoney: { amount: 111n }, totalMoney: { amount: 1191n } });
    expect(returned.returns![0]!.returnTaxes).toMatchObject([{ sourceTaxUid: sale.order.taxes![0]!.uid, percentage: "10.25", appliedMoney: { amount: 111n } }]);
    expect(line!.appliedTaxes![0]!.taxUid).toBe(returned.returns![0]!.returnTaxes![0]!.uid);
    expect(returned.returns![0]!.returnDiscounts).toMatchObject([{ sourceDiscountUid: sale.order.discounts![0]!.uid, appliedMoney: { amount: 120n } }]);
    expect(returned.returnAmounts).toMatchObject({ totalMoney: { amount: 1191n }, taxMoney: { amount: 111n }, discountMoney: { amount: 120n } });
    // The cash tender (20.00) is refunded first: a completed cash refund.
    expect(first.body.refunds).toMatchObject([{ payment_id: sale.payments[0]!.id, amount_money: { amount: 1191 }, status: "COMPLETED", destination_type: "CASH" }]);
    expect(sandbox.inStock(BOOKS, "TB-NOTE-A5-DOT", DOWNTOWN)).toBe(stock + 1);

    // The other two: the last return takes what is left, so the three add up to the sale line exactly.
    const rest = await control<{ returnOrder: OrderWire; refunds: RefundWire[] }>(`/sellers/${BOOKS}/refunds`, { orderId: sale.order.id, lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 2 }], restock: false });
    expect(rest.status).toBe(200);
    const restLine = rest.body.returnOrder.returns![0]!.return_line_items[0]!;
    expect(restLine.total_tax_money.amount + 111).toBe(notebooks.total_tax_money.amount);
    expect(restLine.total_money.amount + 1191).toBe(notebooks.total_money.amount);
    // 20.00 cash less 11.91 left 8.09 on it; the card takes the rest of 23.81.
    expect(rest.body.refunds.map((refund) => [refund.payment_id, refund.amount_money.amount, refund.status])).toEqual([
      [sale.payments[0]!.id, 809, "COMPLETED"],
      [sale.payments[1]!.id, restLine.total_money.amount - 809, "COMPLETED"],
    ]);
    expect(sandbox.inStock(BOOKS, "TB-NOTE-A5-DOT", DOWNTOWN)).toBe(stock + 1);
    expect((await control(`/sellers/${BOOKS}/refunds`, { orderId: sale.order.id, lines: [{ uid: notebooks.uid, quantity: 1 }] })).status).toBe(400);

    // An amount refund: more than is left is refused.
    const left = sale.order.total_money.amount - 1191 - restLine.total_money.amount;
    expect((await control(`/sellers/${BOOKS}/refunds`, { orderId: sale.order.id, amount: left + 1 })).status).toBe(400);
    const all = await control<{ returnOrder: OrderWire }>(`/sellers/${BOOKS}/refunds`, { orderId: sale.order.id, amount: left });
    expect(all.body.returnOrder.return_amounts.total_money.amount).toBe(left);
  });
});

describe("offline sales uploaded late", () => {
  it("closed two days ago, created and updated now: found by updated_at and by closed_at in the past, not by closed_at today", async () => {
    const since = new Date(Date.now() - 1).toISOString();
    const closedAt = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
    const sale = await sell(COFFEE, { lines: [{ sku: "TB-COF-HSE-12OZ", quantity: 1 }], closedAt });
    expect(sale.order).toMatchObject({ closed_at: closedAt });
    expect(Date.parse(sale.order.created_at)).toBeGreaterThanOrEqual(Date.parse(since));
    expect(sale.order.updated_at).toBe(sale.order.created_at);

    const byUpdate = await searchAll({ locationIds: [CAFE], query: { filter: { dateTimeFilter: { updatedAt: { startAt: since } } }, sort: { sortField: "UPDATED_AT", sortOrder: "ASC" } } });
    expect(byUpdate.orders.map((order) => order.id)).toContain(sale.order.id);
    const closedToday = await searchAll({ locationIds: [CAFE], query: { filter: { dateTimeFilter: { closedAt: { startAt: since } } }, sort: { sortField: "CLOSED_AT" } } });
    expect(closedToday.orders.map((order) => order.id)).not.toContain(sale.order.id);
    const closedThen = await searchAll({
      locationIds: [CAFE],
      query: { filter: { dateTimeFilter: { closedAt: { startAt: new Date(Date.parse(closedAt) - 1000).toISOString(), endAt: new Date(Date.parse(closedAt) + 1000).toISOString() } } }, sort: { sortField: "CLOSED_AT" } },
    });
    expect(closedThen.orders.map((order) => order.id)).toEqual([sale.order.id]);

    const payment = (await client().payments.get({ paymentId: sale.payments[0]!.id })).payment!;
    expect(payment).toMatchObject({ isOfflinePayment: true, offlinePaymentDetails: { clientCreatedAt: closedAt } });
    const offline: Square.Payment[] = [];
    for await (const entry of await client().payments.list({ beginTime: since, isOfflinePayment: true })) offline.push(entry);
    expect(offline.map((entry) => entry.id)).toEqual([payment.id]);

    expect((await control(`/sellers/${COFFEE}/orders`, { lines: [{ sku: "TB-DRIP-12OZ", quantity: 1 }], closedAt: new Date(Date.now() - 73 * 3600 * 1000).toISOString() })).status).toBe(400);
  });
});

describe("generated sales", () => {
  it("makes the same sales for the same seed, with refunds, and the API finds them all", async () => {
    const since = new Date(Date.now() - 1).toISOString();
    const first = await control<{ orderIds: string[]; returnOrderIds: string[]; collected: number; refunded: number }>(`/sellers/${BOOKS}/orders/generate`, { count: 25, seed: 7, refunds: 4 });
    expect(first.status).toBe(200);
    expect(first.body.orderIds).toHaveLength(25);
    expect(first.body.returnOrderIds).toHaveLength(4);
    const again = sandbox.generateSales(BOOKS, { count: 25, seed: 7, refunds: 4 });
    expect([again.collected, again.refunded]).toEqual([first.body.collected, first.body.refunded]);
    expect(sandbox.generateSales(BOOKS, { count: 25, seed: 8 }).collected).not.toBe(first.body.collected);

    const { orders } = await searchAll({ locationIds: [DOWNTOWN, "LTB0BOOKS0002"], query: { filter: { dateTimeFilter: { createdAt: { startAt: since } } }, sort: { sortField: "CREATED_AT" } }, limit: 50 }, BOOKS);
    const ids = new Set(orders.map((order) => order.id));
    for (const id of [...first.body.orderIds, ...first.body.returnOrderIds, ...again.orderIds]) expect(ids.has(id)).toBe(true);
    const sales = orders.filter((order) => first.body.orderIds.includes(order.id!));
    expect(sum(sales.map((order) => amount(order.totalMoney)))).toBe(first.body.collected);
    for (const order of sales) expect(sum(order.tenders!.map((tender) => amount(tender.amountMoney)))).toBe(amount(order.totalMoney));
  });
});

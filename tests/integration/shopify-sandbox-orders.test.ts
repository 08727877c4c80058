import "@shopify/shopify-api/adapters/node";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { GraphqlQueryError, RequestedTokenType, Session, type Shopify } from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callSandboxControl, sandboxShopifyApi, startValidatingWebhookApp, type ValidatedWebhook } from "../support/shopify-sandbox-client";
import { freePorts } from "../support/ports";
import { waitUntil } from "../support/webhook-receiver";
import { DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../sandbox/shopify/index";

/**
 * The Shopify sandbox's orders, driven by the real @shopify/shopify-api GraphQL client as the accounting sync will
 * drive it: orders paged by updated_at, their money in shop and presentment currencies adding up to the cent,
 * transactions with fees, partial and full refunds, the order webhooks (validated by the library), the 60-day
 * window without read_all_orders, and the stock the sales take.
 */

const TOML = `
[access_scopes]
scopes = "read_products,read_locations,read_inventory,read_orders,read_customers"

[webhooks]
api_version = "2026-10"

  [[webhooks.subscriptions]]
  topics = ["orders/create", "orders/paid", "orders/updated", "refunds/create", "inventory_levels/update"]
  uri = "/webhooks/shopify/events"
`;

const DAY_MS = 24 * 3600 * 1000;

const ORDER = `#graphql
  fragment Bag on MoneyBag { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  query Order($id: ID!) {
    order(id: $id) {
      id name createdAt updatedAt processedAt closedAt cancelledAt currencyCode presentmentCurrencyCode displayFinancialStatus email
      customer { id email firstName lastName }
      retailLocation { name }
      taxesIncluded
      taxLines { title rate priceSet { ...Bag } }
      subtotalPriceSet { ...Bag } totalDiscountsSet { ...Bag } totalShippingPriceSet { ...Bag } totalTaxSet { ...Bag }
      totalTipReceivedSet { ...Bag } totalPriceSet { ...Bag } currentTotalPriceSet { ...Bag } currentSubtotalPriceSet { ...Bag }
      currentTotalTaxSet { ...Bag } totalReceivedSet { ...Bag } totalRefundedSet { ...Bag } netPaymentSet { ...Bag }
      discountCodes
      discountApplications(first: 5) { nodes { allocationMethod targetSelection targetType value { ... on PricingPercentageValue { percentage } } ... on DiscountCodeApplication { code } } }
      lineItems(first: 10) {
        nodes {
          id sku name quantity currentQuantity taxable variant { id }
          originalUnitPriceSet { ...Bag } discountedUnitPriceSet { ...Bag } originalTotalSet { ...Bag } totalDiscountSet { ...Bag }
          discountAllocations { allocatedAmountSet { ...Bag } }
          taxLines { title rate priceSet { ...Bag } }
        }
      }
      shippingLines(first: 2) { nodes { title originalPriceSet { ...Bag } discountedPriceSet { ...Bag } taxLines { title rate priceSet { ...Bag } } } }
      transactions(first: 6) {
        id kind status gateway formattedGateway processedAt amountSet { ...Bag }
        fees { amount { amount currencyCode } flatFee { amount currencyCode } rate type }
        parentTransaction { id }
        location { name }
      }
      refunds(first: 3) {
        id note totalRefundedSet { ...Bag }
        refundLineItems(first: 5) { nodes { lineItem { id sku } quantity restockType subtotalSet { ...Bag } totalTaxSet { ...Bag } } }
        transactions(first: 3) { nodes { id kind gateway amountSet { ...Bag } parentTransaction { id } } }
      }
    }
  }`;

interface Money {
  amount: string;
  currencyCode: string;
}
interface Bag {
  shopMoney: Money;
  presentmentMoney: Money;
}
interface TaxLine {
  title: string;
  rate: number;
  priceSet: Bag;
}
interface Transaction {
  id: string;
  kind: string;
  status: string;
  gateway: string;
  formattedGateway: string;
  processedAt: string;
  amountSet: Bag;
  fees: { amount: Money; flatFee: Money; rate: string; type: string }[];
  parentTransaction: { id: string } | null;
  location: { name: string } | null;
}
interface Order {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  closedAt: string | null;
  currencyCode: string;
  presentmentCurrencyCode: string;
  displayFinancialStatus: string;
  email: string | null;
  customer: { id: string; email: string; firstName: string; lastName: string } | null;
  retailLocation: { name: string } | null;
  taxesIncluded: boolean;
  taxLines: TaxLine[];
  subtotalPriceSet: Bag;
  totalDiscountsSet: Bag;
  totalShippingPriceSet: Bag;
  totalTaxSet: Bag;
  totalTipReceivedSet: Bag;
  totalPriceSet: Bag;
  currentTotalPriceSet: Bag;
  currentSubtotalPriceSet: Bag;
  currentTotalTaxSet: Bag;
  totalReceivedSet: Bag;
  totalRefundedSet: Bag;
  netPaymentSet: Bag;
  discountCodes: string[];
  discountApplications: { nodes: Record<string, unknown>[] };
  lineItems: {
    nodes: {
      id: string;
      sku: string;
      name: string;
      quantity: number;
      currentQuantity: number;
      taxable: boolean;
      variant: { id: string } | null;
      originalUnitPriceSet: Bag;
      discountedUnitPriceSet: Bag;
      originalTotalSet: Bag;
      totalDiscountSet: Bag;
      discountAllocations: { allocatedAmountSet: Bag }[];
      taxLines: TaxLine[];
    }[];
  };
  shippingLines: { nodes: { title: string; originalPriceSet: Bag; discountedPriceSet: Bag; taxLines: TaxLine[] }[] };
  transactions: Transaction[];
  refunds: {
    id: string;
    note: string | null;
    totalRefundedSet: Bag;
    refundLineItems: { nodes: { lineItem: { id: string; sku: string }; quantity: number; restockType: string; subtotalSet: Bag; totalTaxSet: Bag }[] };
    transactions: { nodes: { id: string; kind: string; gateway: string; amountSet: Bag; parentTransaction: { id: string } | null }[] };
  }[];
}

interface OrderSummary {
  id: string;
  legacyResourceId: number;
  name: string;
  financialStatus: string;
  lineItems: { id: string; sku: string; quantity: number }[];
  transactions: { id: string; kind: string; gateway: string }[];
}

let sandbox: ShopifySandbox;
let shopify: Shopify;
let app: http.Server;
let tomlDir: string;
let session: Session;
const received: ValidatedWebhook[] = [];

function control<T = Record<string, unknown>>(method: "GET" | "POST", route: string, body?: unknown) {
  return callSandboxControl<T>(sandbox.url, method, route, body);
}

async function createOrder(body: Record<string, unknown>, shop = DEMO_SHOP): Promise<OrderSummary> {
  const answer = await control<{ order: OrderSummary; error?: string }>("POST", `/_sandbox/shops/${shop}/orders`, body);
  expect(answer.status, answer.body.error).toBe(201);
  return answer.body.order;
}

async function refund(order: OrderSummary, body: Record<string, unknown>, shop = DEMO_SHOP) {
  return control<{ refund: { id: string }; order: OrderSummary; error?: string }>("POST", `/_sandbox/shops/${shop}/orders/${order.legacyResourceId}/refunds`, body);
}

async function offlineSession(shop: string): Promise<Session> {
  const { session: offline } = await shopify.auth.tokenExchange({
    shop,
    sessionToken: sandbox.sessionToken(shop),
    requestedTokenType: RequestedTokenType.OfflineAccessToken,
    expiring: true,
  });
  return offline;
}

async function graphql<T>(query: string, variables?: Record<string, unknown>, options: { session?: Session } = {}) {
  return new shopify.clients.Graphql({ session: options.session ?? session }).request<T>(query, { variables });
}

async function readOrder(id: string, options: { session?: Session } = {}): Promise<Order> {
  const answer = await graphql<{ order: Order | null }>(ORDER, { id }, options);
  expect(answer.data?.order).not.toBeNull();
  return answer.data!.order!;
}

/** A Decimal amount ("25.9", "0.0", "118.0") in cents, by its digits (no floating point). */
function cents(amount: string): number {
  const match = /^(-?)(\d+)\.(\d+)$/.exec(amount);
  if (!match) throw new Error(`not a Shopify Decimal: ${amount}`);
  const [, sign, whole, fraction] = match;
  expect(fraction!.length, `${amount} has more than two decimals`).toBeLessThanOrEqual(2);
  return (sign ? -1 : 1) * (Number(whole) * 100 + Number(fraction!.padEnd(2, "0")));
}

type Currency = "shopMoney" | "presentmentMoney";
const CURRENCIES: Currency[] = ["shopMoney", "presentmentMoney"];
const sum = (bags: Bag[], currency: Currency) => bags.reduce((total, bag) => total + cents(bag[currency].amount), 0);

/** The identities Shopify's order money keeps, checked in both currencies. */
function expectConsistentMoney(order: Order): void {
  for (const currency of CURRENCIES) {
    const of = (bag: Bag) => cents(bag[currency].amount);
    const lines = order.lineItems.nodes;
    const original = sum(
      lines.map((line) => line.originalTotalSet),
      currency,
    );
    const allocated = sum(
      lines.flatMap((line) => line.discountAllocations.map((allocation) => allocation.allocatedAmountSet)),
      currency,
    );
    const lineTax = sum(
      lines.flatMap((line) => line.taxLines.map((taxLine) => taxLine.priceSet)),
      currency,
    );
    const shippingTax = sum(
      order.shippingLines.nodes.flatMap((line) => line.taxLines.map((taxLine) => taxLine.priceSet)),
      currency,
    );
    const tax = order.taxesIncluded ? 0 : of(order.totalTaxSet);
    expect(allocated, `${currency}: discount allocations = total discounts`).toBe(of(order.totalDiscountsSet));
    // subtotalPriceSet is after discounts (the schema: "the sum of the prices for all line items after discounts").
    expect(of(order.subtotalPriceSet), `${currency}: subtotal`).toBe(original - allocated);
    expect(lineTax + shippingTax, `${currency}: line and shipping taxes = total tax`).toBe(of(order.totalTaxSet));
    expect(sum(order.taxLines.map((taxLine) => taxLine.priceSet), currency), `${currency}: order tax lines`).toBe(of(order.totalTaxSet));
    expect(sum(order.shippingLines.nodes.map((line) => line.originalPriceSet), currency)).toBe(of(order.totalShippingPriceSet));
    expect(original - allocated + of(order.totalShippingPriceSet) + tax + of(order.totalTipReceivedSet), `${currency}: subtotal − discounts + shipping + tax + tip = total`).toBe(
      of(order.totalPriceSet),
    );
    const sales = order.transactions.filter((transaction) => transaction.kind === "SALE").map((transaction) => transaction.amountSet);
    const refunds = order.transactions.filter((transaction) => transaction.kind === "REFUND").map((transaction) => transaction.amountSet);
    expect(sum(sales, currency), `${currency}: sales = received`).toBe(of(order.totalReceivedSet));
    expect(of(order.totalReceivedSet), `${currency}: paid in full`).toBe(of(order.totalPriceSet));
    expect(sum(refunds, currency), `${currency}: refund transactions = refunded`).toBe(of(order.totalRefundedSet));
    expect(sum(order.refunds.map((one) => one.totalRefundedSet), currency)).toBe(of(order.totalRefundedSet));
    expect(of(order.netPaymentSet)).toBe(of(order.totalReceivedSet) - of(order.totalRefundedSet));
  }
  for (const bag of [order.totalPriceSet, order.totalTaxSet, ...order.lineItems.nodes.map((line) => line.originalUnitPriceSet)]) {
    expect(bag.shopMoney.currencyCode).toBe(order.currencyCode);
    expect(bag.presentmentMoney.currencyCode).toBe(order.presentmentCurrencyCode);
  }
}

function locationId(name: string): string {
  const location = [...sandbox.store.shop(DEMO_SHOP)!.locations.values()].find((candidate) => candidate.name === name)!;
  return `gid://shopify/Location/${location.id}`;
}

function levelOf(sku: string, location = "Main Street Store") {
  const shop = sandbox.store.shop(DEMO_SHOP)!;
  const item = [...shop.inventoryItems.values()].find((candidate) => candidate.sku === sku)!;
  const level = sandbox.store.level(shop, item.id, Number(locationId(location).split("/").at(-1)));
  return { ...level!.quantities };
}

function webhooksAbout(topic: string, id: number, field = "id"): ValidatedWebhook[] {
  return received.filter((webhook) => webhook.headers["x-shopify-topic"] === topic && webhook.payload[field] === id);
}

beforeAll(async () => {
  app = await startValidatingWebhookApp(() => shopify, received);
  tomlDir = fs.mkdtempSync(path.join(os.tmpdir(), "shopify-sandbox-orders-"));
  fs.writeFileSync(path.join(tomlDir, "shopify.app.toml"), TOML);
  sandbox = await startShopifySandbox({
    port: await freePorts(),
    appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    apiKey: SANDBOX_SHOPIFY_API_KEY,
    apiSecret: SANDBOX_SHOPIFY_API_SECRET,
    appTomlPath: path.join(tomlDir, "shopify.app.toml"),
  });
  shopify = sandboxShopifyApi(sandbox.url, "127.0.0.1");
  session = await offlineSession(DEMO_SHOP);
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise((resolve) => app?.close(resolve));
  fs.rmSync(tomlDir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.resetStats();
});

describe("order money", () => {
  it("rounds tax per line, as Shopify does, and the totals are the sums of their parts", async () => {
    // Two tees at 28.00 with 8.875 % tax: 2.485 per line, rounded to 2.49 each (4.98), where the tax of the
    // order's 56.00 in one go would be 4.97.
    const summary = await createOrder({
      lines: [
        { sku: "TB-TEE-BLK-M", quantity: 1 },
        { sku: "TB-TEE-BLK-L", quantity: 1 },
      ],
      taxRate: "0.08875",
      taxTitle: "NY State Tax",
      shippingAmount: "5",
      customerEmail: "ava.chen@example.com",
    });
    const order = await readOrder(summary.id);

    expect(order).toMatchObject({
      name: summary.name,
      currencyCode: "USD",
      presentmentCurrencyCode: "USD",
      displayFinancialStatus: "PAID",
      email: "ava.chen@example.com",
      customer: { email: "ava.chen@example.com", firstName: "Ava", lastName: "Chen" },
      retailLocation: null,
      taxesIncluded: false,
      closedAt: null,
    });
    expect(order.name).toMatch(/^#1\d{3}$/);
    expect(order.lineItems.nodes.map((line) => [line.sku, line.name, line.taxLines.map((taxLine) => taxLine.priceSet.shopMoney.amount)])).toEqual([
      ["TB-TEE-BLK-M", "Tillbridge Tee - Black / M", ["2.49"]],
      ["TB-TEE-BLK-L", "Tillbridge Tee - Black / L", ["2.49"]],
    ]);
    expect(order.taxLines).toEqual([{ title: "NY State Tax", rate: 0.08875, priceSet: { shopMoney: { amount: "4.98", currencyCode: "USD" }, presentmentMoney: { amount: "4.98", currencyCode: "USD" } } }]);
    // Shopify's Decimal: no trailing zeros, at least one decimal.
    expect(order.subtotalPriceSet.shopMoney.amount).toBe("56.0");
    expect(order.totalShippingPriceSet.shopMoney.amount).toBe("5.0");
    expect(order.totalPriceSet.shopMoney.amount).toBe("65.98");
    expect(order.totalDiscountsSet.shopMoney.amount).toBe("0.0");
    expectConsistentMoney(order);
  });

  it("keeps presentment and shop money consistent for an order in another currency, with a discount code and a tip", async () => {
    const summary = await createOrder({
      lines: [
        { sku: "TB-TEE-BLK-M", quantity: 3 },
        { sku: "TB-MUG-16OZ", quantity: 1 },
        { sku: "TB-PIN-LOGO", quantity: 2 },
      ],
      presentmentCurrency: "CAD",
      rate: "1.36",
      discountPercent: "10",
      discountCode: "WELCOME10",
      taxRate: "0.13",
      taxTitle: "HST",
      shippingAmount: "7.95",
      taxShipping: true,
      tipAmount: "2.5",
    });
    const order = await readOrder(summary.id);

    expect(order.currencyCode).toBe("USD");
    expect(order.presentmentCurrencyCode).toBe("CAD");
    const [tees, mug, pins] = order.lineItems.nodes;
    // The customer sees the variant's price at the rate (28.00 USD → 38.08 CAD); shop money converts it back.
    expect(tees!.originalUnitPriceSet).toEqual({ shopMoney: { amount: "28.0", currencyCode: "USD" }, presentmentMoney: { amount: "38.08", currencyCode: "CAD" } });
    expect(mug!.originalUnitPriceSet.presentmentMoney.amount).toBe("28.56");
    expect(pins!.originalTotalSet.presentmentMoney.amount).toBe("21.76");
    // 10 % of 164.56 CAD = 16.46, allocated across the lines in proportion; an order-level discount is not a line
    // discount (totalDiscountSet stays 0, as at Shopify).
    expect(order.totalDiscountsSet.presentmentMoney.amount).toBe("16.46");
    expect(order.discountCodes).toEqual(["WELCOME10"]);
    expect(order.discountApplications.nodes).toEqual([{ allocationMethod: "ACROSS", targetSelection: "ALL", targetType: "LINE_ITEM", value: { percentage: 10 }, code: "WELCOME10" }]);
    expect(tees!.totalDiscountSet.presentmentMoney.amount).toBe("0.0");
    expect(order.lineItems.nodes.every((line) => line.discountAllocations.length === 1)).toBe(true);
    // Shipping is taxed here: its tax line is part of the total tax.
    expect(order.shippingLines.nodes[0]).toMatchObject({ title: "Standard Shipping", originalPriceSet: { presentmentMoney: { amount: "7.95" } }, taxLines: [{ title: "HST", rate: 0.13 }] });
    expect(order.shippingLines.nodes[0]!.taxLines[0]!.priceSet.presentmentMoney.amount).toBe("1.03");
    expect(order.totalTipReceivedSet.presentmentMoney.amount).toBe("2.5");
    // Shop money: each part converted once at 1.36, so the totals are the sums of the converted parts.
    expect(order.totalTipReceivedSet.shopMoney.amount).toBe("1.84");
    expectConsistentMoney(order);
  });

  it("shows VAT included in prices: the tax is inside the subtotal and not added to the total", async () => {
    const summary = await createOrder({
      lines: [{ sku: "TB-HOOD-BLK-M", quantity: 1 }],
      presentmentCurrency: "EUR",
      rate: "0.92",
      taxRate: "0.2",
      taxesIncluded: true,
      shippingAmount: "4.9",
    });
    const order = await readOrder(summary.id);

    // 64.00 USD at 0.92 = 58.88 EUR, of which VAT at 20 % is 58.88 × 0.2 / 1.2 = 9.81.
    expect(order.subtotalPriceSet.presentmentMoney.amount).toBe("58.88");
    expect(order.totalTaxSet.presentmentMoney.amount).toBe("9.81");
    expect(order.taxLines[0]!.title).toBe("VAT");
    expect(order.totalPriceSet.presentmentMoney.amount).toBe("63.78");
    expectConsistentMoney(order);
  });

  it("refuses what Shopify would not take: an unknown SKU, a draft product, payments that do not add up", async () => {
    expect(await control("POST", `/_sandbox/shops/${DEMO_SHOP}/orders`, { lines: [{ sku: "NOPE", quantity: 1 }] })).toMatchObject({ status: 404 });
    expect(await control("POST", `/_sandbox/shops/${DEMO_SHOP}/orders`, { lines: [{ sku: "TB-SWTR-RED-M", quantity: 1 }] })).toMatchObject({
      status: 409,
      body: { error: expect.stringContaining("draft") },
    });
    expect(
      await control("POST", `/_sandbox/shops/${DEMO_SHOP}/orders`, { lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], gateways: [{ gateway: "cash", amount: "1" }] }),
    ).toMatchObject({ status: 400, body: { error: expect.stringContaining("do not pay the order's total") } });
    expect(await control("POST", `/_sandbox/shops/${DEMO_SHOP}/orders`, { lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], presentmentCurrency: "CAD" })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining("rate is required") },
    });
    expect(await control("POST", `/_sandbox/shops/${DEMO_SHOP}/orders`, { lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], shippingAmount: "1.234" })).toMatchObject({ status: 400 });
  });
});

describe("transactions and fees", () => {
  it("splits a payment over gateways; Shopify Payments charges its fee in the shop's currency, a gift card none", async () => {
    const summary = await createOrder({
      lines: [{ sku: "TB-BTL-750-STL", quantity: 2 }],
      gateways: [{ gateway: "gift_card", amount: "10" }, { gateway: "shopify_payments" }],
    });
    const order = await readOrder(summary.id);

    expect(order.transactions.map((transaction) => [transaction.kind, transaction.status, transaction.gateway, transaction.formattedGateway, transaction.amountSet.shopMoney.amount])).toEqual([
      ["SALE", "SUCCESS", "gift_card", "Gift card", "10.0"],
      ["SALE", "SUCCESS", "shopify_payments", "Shopify Payments", "54.0"],
    ]);
    expect(order.transactions[0]!.fees).toEqual([]);
    // 2.9 % of 54.00 = 1.566 → 1.57, plus 0.30.
    expect(order.transactions[1]!.fees).toEqual([
      { amount: { amount: "1.87", currencyCode: "USD" }, flatFee: { amount: "0.3", currencyCode: "USD" }, rate: "0.029", type: "payment_processing_fee" },
    ]);
    expect(order.transactions.every((transaction) => transaction.parentTransaction === null && transaction.processedAt === order.processedAt)).toBe(true);
    expectConsistentMoney(order);
  });

  it("a POS sale happens at its location, is fulfilled and closed, and its card fee is the in-person rate", async () => {
    const summary = await createOrder({ lines: [{ sku: "TB-BEANIE-NVY", quantity: 1 }], source: "pos", locationId: locationId("Warehouse"), tipAmount: "3" });
    const order = await readOrder(summary.id);

    expect(order.retailLocation).toEqual({ name: "Warehouse" });
    expect(order.closedAt).toBe(order.processedAt);
    expect(order.transactions[0]).toMatchObject({ location: { name: "Warehouse" }, fees: [{ rate: "0.027", flatFee: { amount: "0.0" } }] });
    expect(order.totalTipReceivedSet.shopMoney.amount).toBe("3.0");
    expectConsistentMoney(order);
  });

  it("adds a currency conversion fee when the customer paid in another currency", async () => {
    const summary = await createOrder({ lines: [{ sku: "TB-TOTE-NAT", quantity: 1 }], presentmentCurrency: "CAD", rate: "1.36" });
    const order = await readOrder(summary.id);

    // 22.00 USD → 29.92 CAD → 22.00 USD; 2.9 % + 0.30 = 0.94, conversion 1.5 % = 0.33.
    expect(order.transactions[0]!.fees.map((fee) => [fee.type, fee.amount.amount, fee.amount.currencyCode])).toEqual([
      ["payment_processing_fee", "0.94", "USD"],
      ["currency_conversion_fee", "0.33", "USD"],
    ]);
  });
});

describe("refunds", () => {
  it("refunds part of an order: units with their tax and discount share, some shipping, money back to the sale", async () => {
    const summary = await createOrder({
      lines: [
        { sku: "TB-COF-HSE-12OZ", quantity: 3 },
        { sku: "TB-NOTE-A5-DOT", quantity: 1 },
      ],
      presentmentCurrency: "CAD",
      rate: "1.36",
      discountPercent: "15",
      taxRate: "0.13",
      shippingAmount: "9.5",
    });
    const coffee = summary.lineItems[0]!;

    const partial = await refund(summary, { lines: [{ lineItemId: coffee.id, quantity: 1 }], shippingAmount: "4", note: "One bag arrived open" });
    expect(partial.status, partial.body.error).toBe(201);
    let order = await readOrder(summary.id);

    expect(order.displayFinancialStatus).toBe("PARTIALLY_REFUNDED");
    const [first] = order.refunds;
    expect(first!.note).toBe("One bag arrived open");
    const item = first!.refundLineItems.nodes[0]!;
    expect(item).toMatchObject({ lineItem: { id: coffee.id, sku: "TB-COF-HSE-12OZ" }, quantity: 1, restockType: "NO_RESTOCK" });
    const line = order.lineItems.nodes[0]!;
    expect(line.currentQuantity).toBe(2);
    // One of three units: a third of the line after its discount share, a third of its tax.
    const lineNet = cents(line.originalTotalSet.presentmentMoney.amount) - cents(line.discountAllocations[0]!.allocatedAmountSet.presentmentMoney.amount);
    expect(cents(item.subtotalSet.presentmentMoney.amount)).toBe(Math.round(lineNet / 3));
    expect(cents(item.totalTaxSet.presentmentMoney.amount)).toBe(Math.round(cents(line.taxLines[0]!.priceSet.presentmentMoney.amount) / 3));
    // The money: the unit, its tax and 4.00 of shipping, from the Shopify Payments sale.
    const expected = cents(item.subtotalSet.presentmentMoney.amount) + cents(item.totalTaxSet.presentmentMoney.amount) + 400;
    expect(cents(first!.totalRefundedSet.presentmentMoney.amount)).toBe(expected);
    const sale = order.transactions.find((transaction) => transaction.kind === "SALE")!;
    expect(first!.transactions.nodes).toEqual([{ id: expect.stringMatching(/^gid:\/\/shopify\/OrderTransaction\/\d+$/), kind: "REFUND", gateway: "shopify_payments", amountSet: first!.totalRefundedSet, parentTransaction: { id: sale.id } }]);
    for (const currency of CURRENCIES) {
      expect(cents(order.currentTotalPriceSet[currency].amount)).toBe(cents(order.totalPriceSet[currency].amount) - cents(first!.totalRefundedSet[currency].amount));
    }
    expectConsistentMoney(order);

    // The rest of the order: the remaining units and shipping come back to exactly what was paid.
    const rest = await refund(summary, {
      lines: [
        { lineItemId: coffee.id, quantity: 2 },
        { lineItemId: summary.lineItems[1]!.id, quantity: 1 },
      ],
      shippingAmount: "5.5",
    });
    expect(rest.status, rest.body.error).toBe(201);
    order = await readOrder(summary.id);
    expect(order.displayFinancialStatus).toBe("REFUNDED");
    for (const currency of CURRENCIES) {
      expect(order.totalRefundedSet[currency].amount).toBe(order.totalReceivedSet[currency].amount);
      expect(order.netPaymentSet[currency].amount).toBe("0.0");
      expect(order.currentTotalPriceSet[currency].amount).toBe("0.0");
      expect(order.currentSubtotalPriceSet[currency].amount).toBe("0.0");
      expect(order.currentTotalTaxSet[currency].amount).toBe("0.0");
    }
    expectConsistentMoney(order);

    expect(await refund(summary, { amount: "0.01" })).toMatchObject({ status: 409, body: { error: expect.stringContaining("more than the 0 left to refund") } });
    expect(await refund(summary, { lines: [{ lineItemId: coffee.id, quantity: 1 }], amount: "0" })).toMatchObject({ status: 409, body: { error: expect.stringContaining("0 refundable units") } });
  });

  it("returns money over several sales in order, and records an amount-only refund as a discrepancy", async () => {
    const summary = await createOrder({
      lines: [{ sku: "TB-MUG-12OZ", quantity: 2 }],
      gateways: [{ gateway: "gift_card", amount: "5" }, { gateway: "shopify_payments" }],
    });
    const answer = await refund(summary, { amount: "20", note: "Goodwill" });
    expect(answer.status, answer.body.error).toBe(201);

    const order = await readOrder(summary.id);
    const [giftCard, card] = order.transactions.filter((transaction) => transaction.kind === "SALE");
    expect(order.refunds[0]!.transactions.nodes.map((transaction) => [transaction.gateway, transaction.amountSet.shopMoney.amount, transaction.parentTransaction?.id])).toEqual([
      ["gift_card", "5.0", giftCard!.id],
      ["shopify_payments", "15.0", card!.id],
    ]);
    expect(order.refunds[0]!.refundLineItems.nodes).toEqual([]);
    // Nothing returned: the order's items and total stay, the money refunded is a discrepancy in the customer's favour.
    expect(order.currentTotalPriceSet).toEqual(order.totalPriceSet);
    const discrepancy = await graphql<{ order: { refundDiscrepancySet: Bag; refunds: { orderAdjustments: { nodes: { reason: string; amountSet: Bag }[] } }[] } }>(
      `query($id: ID!) { order(id: $id) { refundDiscrepancySet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } } refunds { orderAdjustments(first: 2) { nodes { reason amountSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } } } } } } }`,
      { id: summary.id },
    );
    expect(discrepancy.data!.order.refundDiscrepancySet.shopMoney.amount).toBe("-20.0");
    expect(discrepancy.data!.order.refunds[0]!.orderAdjustments.nodes).toEqual([{ reason: "REFUND_DISCREPANCY", amountSet: discrepancy.data!.order.refundDiscrepancySet }]);
    expectConsistentMoney(order);
  });
});

describe("paging orders", () => {
  it("pages by updated_at with a filter, as an incremental sync reads them", async () => {
    const shop = "paging-shop.myshopify.com";
    sandbox.addShop(shop);
    sandbox.install(shop);
    const pagingSession = await offlineSession(shop);
    const now = Date.now();
    const created: OrderSummary[] = [];
    for (let daysAgo = 6; daysAgo >= 1; daysAgo--) {
      created.push(await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], processedAt: new Date(now - daysAgo * DAY_MS).toISOString() }, shop));
    }
    // A refund updates the oldest order now.
    await refund(created[0]!, { lines: [{ lineItemId: created[0]!.lineItems[0]!.id, quantity: 1 }] }, shop);
    const since = new Date(now - 3.5 * DAY_MS).toISOString();

    const seen: { name: string; updatedAt: string }[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const answer: Awaited<ReturnType<typeof graphql<{ orders: { nodes: { name: string; updatedAt: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>>> = await graphql(
        `query($after: String, $query: String) { orders(first: 2, after: $after, query: $query, sortKey: UPDATED_AT) { nodes { name updatedAt } pageInfo { hasNextPage endCursor } } }`,
        { after, query: `updated_at:>='${since}'` },
        { session: pagingSession },
      );
      seen.push(...answer.data!.orders.nodes);
      after = answer.data!.orders.pageInfo.hasNextPage ? answer.data!.orders.pageInfo.endCursor : null;
      pages++;
    } while (after);

    // The three orders of the last three days, then the refunded one, by update time.
    expect(seen.map((order) => order.name)).toEqual([created[3]!.name, created[4]!.name, created[5]!.name, created[0]!.name]);
    expect(pages).toBe(2);
    expect(seen.every((order) => order.updatedAt >= since)).toBe(true);

    const paid = await graphql<{ orders: { nodes: { name: string }[] }; ordersCount: { count: number; precision: string } }>(
      `{ orders(first: 10, query: "financial_status:paid", sortKey: CREATED_AT) { nodes { name } } ordersCount(query: "financial_status:paid") { count precision } }`,
      undefined,
      { session: pagingSession },
    );
    expect(paid.data!.orders.nodes.map((order) => order.name)).toEqual(created.slice(1).map((order) => order.name));
    expect(paid.data!.ordersCount).toEqual({ count: 5, precision: "EXACT" });
  });

  it("lists a day's sales by processed_at between two instants, and the orders refunded since, as daily summaries read them", async () => {
    const shop = "day-shop.myshopify.com";
    sandbox.addShop(shop);
    sandbox.install(shop);
    const daySession = await offlineSession(shop);
    // A whole second: Shopify's times have none finer.
    const start = Math.floor((Date.now() - 3 * DAY_MS) / 1000) * 1000;
    const end = start + DAY_MS - 1;
    const at = (ms: number) => new Date(ms).toISOString();
    const before = await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], processedAt: at(start - 60_000) }, shop);
    const first = await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], processedAt: at(start) }, shop);
    const last = await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 2 }], processedAt: at(end) }, shop);
    await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], processedAt: at(end + 1) }, shop);
    // The order of the evening before is refunded in the day (recorded now, dated in the day).
    await refund(before, { lines: [{ lineItemId: before.lineItems[0]!.id, quantity: 1 }], processedAt: at(start + 3_600_000) }, shop);

    const sales = await graphql<{ orders: { nodes: { name: string; processedAt: string }[] } }>(
      `query($query: String!) { orders(first: 10, query: $query, sortKey: PROCESSED_AT) { nodes { name processedAt } } }`,
      { query: `processed_at:>='${at(start)}' processed_at:<='${at(end)}'` },
      { session: daySession },
    );
    expect(sales.data!.orders.nodes.map((order) => order.name)).toEqual([first.name, last.name]);

    const refunded = await graphql<{ orders: { nodes: { name: string; displayFinancialStatus: string; refunds: { processedAt: string; createdAt: string }[] }[] } }>(
      `query($query: String!) { orders(first: 10, query: $query, sortKey: UPDATED_AT) { nodes { name displayFinancialStatus refunds(first: 10) { createdAt processedAt } } } }`,
      { query: `updated_at:>='${at(start)}' financial_status:refunded` },
      { session: daySession },
    );
    expect(refunded.data!.orders.nodes).toEqual([{ name: before.name, displayFinancialStatus: "REFUNDED", refunds: [{ processedAt: expect.any(String), createdAt: expect.any(String) }] }]);
    const [listed] = refunded.data!.orders.nodes[0]!.refunds;
    expect(Date.parse(listed!.processedAt)).toBe(start + 3_600_000);
    expect(Date.parse(listed!.createdAt)).toBeGreaterThan(end);
    // Not partially refunded: nothing else was.
    const partially = await graphql<{ orders: { nodes: unknown[] } }>(`{ orders(first: 10, query: "financial_status:partially_refunded") { nodes { id } } }`, undefined, { session: daySession });
    expect(partially.data!.orders.nodes).toEqual([]);
  });

  it("charges orders like any connection: 2 + first × the cost of a node", async () => {
    const answer = await graphql<{ orders: { nodes: unknown[] } }>(`{ orders(first: 5) { nodes { id lineItems(first: 3) { nodes { id } } } } }`);
    // 2 + 5 × (1 order + 2 + 3 × 1 line item)
    expect(answer.extensions?.cost).toMatchObject({ requestedQueryCost: 32 });
    expect((answer.extensions?.cost as { actualQueryCost: number }).actualQueryCost).toBeLessThanOrEqual(32);
  });
});

describe("access", () => {
  it("hides orders created more than 60 days ago unless the app has read_all_orders", async () => {
    const shop = "history-shop.myshopify.com";
    sandbox.addShop(shop);
    sandbox.install(shop);
    const old = await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], processedAt: new Date(Date.now() - 90 * DAY_MS).toISOString() }, shop);
    const recent = await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }], processedAt: new Date(Date.now() - 10 * DAY_MS).toISOString() }, shop);
    const LIST = `query($id: ID!) { order(id: $id) { name } orders(first: 10) { nodes { name } } ordersCount { count } }`;

    const windowed = await graphql<{ order: { name: string } | null; orders: { nodes: { name: string }[] }; ordersCount: { count: number } }>(LIST, { id: old.id }, { session: await offlineSession(shop) });
    expect(windowed.data).toEqual({ order: null, orders: { nodes: [{ name: recent.name }] }, ordersCount: { count: 1 } });

    // Shopify grants read_all_orders once the app's request is approved; the next token carries it.
    sandbox.store.shop(shop)!.scopes.push("read_all_orders");
    const all = await graphql<{ order: { name: string } | null; orders: { nodes: { name: string }[] }; ordersCount: { count: number } }>(LIST, { id: old.id }, { session: await offlineSession(shop) });
    expect(all.data).toEqual({ order: { name: old.name }, orders: { nodes: [{ name: old.name }, { name: recent.name }] }, ordersCount: { count: 2 } });
  });

  it("answers ACCESS_DENIED without read_orders", async () => {
    const shop = "no-orders-shop.myshopify.com";
    sandbox.addShop(shop);
    sandbox.install(shop);
    sandbox.store.shop(shop)!.scopes = ["read_products", "read_inventory"];
    const error = await graphql(`{ orders(first: 1) { nodes { id } } }`, undefined, { session: await offlineSession(shop) }).then(
      () => expect.unreachable("expected ACCESS_DENIED"),
      (failure: unknown) => failure as GraphqlQueryError,
    );
    expect(error).toBeInstanceOf(GraphqlQueryError);
    expect(error.body?.errors).toMatchObject({
      graphQLErrors: [{ message: "Access denied for orders field. Required access: `read_orders` access scope.", extensions: { code: "ACCESS_DENIED" }, path: ["orders"] }],
    });
  });
});

describe("webhooks", () => {
  it("sends orders/create and orders/paid for a new order, refunds/create and orders/updated for a refund, signed", async () => {
    const summary = await createOrder({ lines: [{ sku: "TB-COF-ESP-12OZ", quantity: 2 }], presentmentCurrency: "CAD", rate: "1.36", taxRate: "0.13" });
    const orderId = summary.legacyResourceId;
    await waitUntil(() => webhooksAbout("orders/create", orderId).length === 1 && webhooksAbout("orders/paid", orderId).length === 1);

    const [create] = webhooksAbout("orders/create", orderId);
    expect(create!.validation).toMatchObject({ valid: true, topic: "ORDERS_CREATE", domain: DEMO_SHOP });
    expect(create!.path).toBe("/webhooks/shopify/events");
    const order = await readOrder(summary.id);
    expect(create!.payload).toMatchObject({
      id: orderId,
      admin_graphql_api_id: summary.id,
      name: summary.name,
      financial_status: "paid",
      currency: "USD",
      presentment_currency: "CAD",
      // REST amounts carry the currency's decimals.
      total_price: (cents(order.totalPriceSet.shopMoney.amount) / 100).toFixed(2),
      total_tax: (cents(order.totalTaxSet.shopMoney.amount) / 100).toFixed(2),
      total_price_set: { presentment_money: { amount: (cents(order.totalPriceSet.presentmentMoney.amount) / 100).toFixed(2), currency_code: "CAD" } },
      line_items: [{ sku: "TB-COF-ESP-12OZ", quantity: 2, admin_graphql_api_id: summary.lineItems[0]!.id }],
    });
    expect(create!.payload.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/);
    expect(webhooksAbout("orders/paid", orderId)[0]!.validation).toMatchObject({ valid: true, topic: "ORDERS_PAID" });

    const answer = await refund(summary, { lines: [{ lineItemId: summary.lineItems[0]!.id, quantity: 1 }] });
    const refundId = Number(answer.body.refund.id.split("/").at(-1));
    await waitUntil(() => webhooksAbout("refunds/create", refundId).length === 1 && webhooksAbout("orders/updated", orderId).length === 1);
    const [refunded] = webhooksAbout("refunds/create", refundId);
    expect(refunded!.validation).toMatchObject({ valid: true, topic: "REFUNDS_CREATE" });
    expect(refunded!.payload).toMatchObject({
      id: refundId,
      order_id: orderId,
      admin_graphql_api_id: answer.body.refund.id,
      refund_line_items: [{ line_item_id: summary.lineItems[0]!.id.split("/").map(Number).at(-1), quantity: 1, restock_type: "no_restock" }],
      transactions: [{ kind: "refund", status: "success", gateway: "shopify_payments", currency: "CAD", parent_id: Number(summary.transactions[0]!.id.split("/").at(-1)) }],
    });
    expect(webhooksAbout("orders/updated", orderId)[0]!.payload).toMatchObject({ financial_status: "partially_refunded" });
    expect(sandbox.stats()).toMatchObject({ orders: 1, refunds: 1 });

    // Raised on demand, an order topic carries the shop's latest order as it is now.
    const raised = await control<{ deliveries: { ok: boolean; body: string }[] }>("POST", `/_sandbox/shops/${DEMO_SHOP}/webhooks`, { topic: "orders/paid" });
    expect(raised.body.deliveries).toHaveLength(1);
    expect(JSON.parse(raised.body.deliveries[0]!.body)).toMatchObject({ id: orderId, financial_status: "partially_refunded", refunds: [{ id: refundId }] });
  });

  it("sends nothing for a silent order and refund (webhooks that never arrive), which the Admin API still lists by updated_at", async () => {
    const deliveriesBefore = sandbox.deliveries().length;
    const since = new Date(Date.now() - 1000).toISOString();
    const summary = await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 2 }], taxRate: "0.08875", silent: true });
    const answer = await refund(summary, { lines: [{ lineItemId: summary.lineItems[0]!.id, quantity: 1 }], silent: true });
    expect(answer.status, answer.body.error).toBe(201);
    // Another order, not silent: its webhooks go out (and show the silent ones were not merely late).
    const loud = await createOrder({ lines: [{ sku: "TB-PIN-LOGO", quantity: 1 }] });
    await waitUntil(() => webhooksAbout("orders/paid", loud.legacyResourceId).length === 1);

    const orderId = summary.legacyResourceId;
    const refundId = Number(answer.body.refund.id.split("/").at(-1));
    expect(webhooksAbout("orders/create", orderId)).toEqual([]);
    expect(webhooksAbout("orders/paid", orderId)).toEqual([]);
    expect(webhooksAbout("orders/updated", orderId)).toEqual([]);
    expect(webhooksAbout("refunds/create", refundId)).toEqual([]);
    const topics = sandbox.deliveries().slice(deliveriesBefore).map((delivery) => ({ topic: delivery.topic, id: (JSON.parse(delivery.body) as { id?: number }).id }));
    expect(topics.filter((delivery) => delivery.id === orderId || delivery.id === refundId)).toEqual([]);

    const listed = await graphql<{ orders: { nodes: { id: string; displayFinancialStatus: string; refunds: { id: string }[] }[] } }>(
      `query($query: String) { orders(first: 10, query: $query, sortKey: UPDATED_AT) { nodes { id displayFinancialStatus refunds(first: 5) { id } } } }`,
      { query: `updated_at:>='${since}'` },
    );
    expect(listed.data!.orders.nodes).toContainEqual({ id: summary.id, displayFinancialStatus: "PARTIALLY_REFUNDED", refunds: [{ id: answer.body.refund.id }] });
  });
});

describe("order edits", () => {
  it("adds lines to a paid order, taxed at its rate, collects the difference on its gateway with its fee, and sends orders/updated", async () => {
    const summary = await createOrder({ lines: [{ sku: "TB-TOTE-NAT", quantity: 1 }], taxRate: "0.08" });
    const orderId = summary.legacyResourceId;
    const before = await readOrder(summary.id);
    const stock = levelOf("TB-MUG-16OZ");

    const edited = await control<{ order: OrderSummary; error?: string }>("POST", `/_sandbox/shops/${DEMO_SHOP}/orders/${orderId}/edits`, { addLines: [{ sku: "TB-MUG-16OZ", quantity: 2 }] });
    expect(edited.status, edited.body.error).toBe(201);
    const order = await readOrder(summary.id);

    expect(order.lineItems.nodes.map((line) => [line.sku, line.quantity])).toEqual([
      ["TB-TOTE-NAT", 1],
      ["TB-MUG-16OZ", 2],
    ]);
    const added = order.lineItems.nodes[1]!;
    // Taxed at the order's 8 %, on the added line's own total.
    expect(cents(added.taxLines[0]!.priceSet.shopMoney.amount)).toBe(Math.round(cents(added.originalTotalSet.shopMoney.amount) * 0.08));
    expect(order.displayFinancialStatus).toBe("PAID");
    // The difference is a second sale on the same gateway, with Shopify Payments' fee.
    expect(order.transactions).toHaveLength(2);
    expect(cents(order.transactions[1]!.amountSet.shopMoney.amount)).toBe(cents(order.totalPriceSet.shopMoney.amount) - cents(before.totalPriceSet.shopMoney.amount));
    expect(order.transactions[1]).toMatchObject({ kind: "SALE", gateway: "shopify_payments", fees: [{ type: "payment_processing_fee" }] });
    expectConsistentMoney(order);
    expect(levelOf("TB-MUG-16OZ")).toMatchObject({ available: stock.available - 2 });

    await waitUntil(() => webhooksAbout("orders/updated", orderId).some((webhook) => (webhook.payload.line_items as unknown[]).length === 2));
    const [update] = webhooksAbout("orders/updated", orderId);
    expect(update!.validation).toMatchObject({ valid: true, topic: "ORDERS_UPDATED" });
    expect(update!.payload).toMatchObject({ financial_status: "paid", total_price: (cents(order.totalPriceSet.shopMoney.amount) / 100).toFixed(2) });

    // An unknown SKU is refused whole: nothing changes.
    const refused = await control<{ error?: string }>("POST", `/_sandbox/shops/${DEMO_SHOP}/orders/${orderId}/edits`, { addLines: [{ sku: "NO-SUCH-SKU", quantity: 1 }] });
    expect(refused.status).toBe(404);
    expect((await readOrder(summary.id)).lineItems.nodes).toHaveLength(2);
  });
});

describe("stock", () => {
  it("takes the units of an online order from available into committed, as a sale does", async () => {
    const before = levelOf("TB-NOTE-A6-DOT");
    await createOrder({ lines: [{ sku: "TB-NOTE-A6-DOT", quantity: 2 }] });
    expect(levelOf("TB-NOTE-A6-DOT")).toMatchObject({ available: before.available - 2, committed: before.committed + 2 });
    await waitUntil(() => received.some((webhook) => webhook.headers["x-shopify-topic"] === "inventory_levels/update" && webhook.payload.available === before.available - 2));
  });

  it("a fulfilled POS sale leaves on hand at its location; a restocked return comes back to available", async () => {
    const before = levelOf("TB-MUG-16OZ", "Warehouse");
    const summary = await createOrder({ lines: [{ sku: "TB-MUG-16OZ", quantity: 3 }], source: "pos", locationId: locationId("Warehouse") });
    expect(levelOf("TB-MUG-16OZ", "Warehouse")).toMatchObject({ available: before.available - 3, committed: before.committed });

    await refund(summary, { lines: [{ lineItemId: summary.lineItems[0]!.id, quantity: 1 }], restock: true });
    expect(levelOf("TB-MUG-16OZ", "Warehouse")).toMatchObject({ available: before.available - 2 });
    const order = await readOrder(summary.id);
    expect(order.refunds[0]!.refundLineItems.nodes[0]!.restockType).toBe("RETURN");
  });

  it("refuses an order whole when stock cannot cover one of its lines, changing nothing", async () => {
    const tote = levelOf("TB-TOTE-NAT");
    const shoppedOut = levelOf("TB-TEE-WHT-M");
    const ordersBefore = sandbox.store.shop(DEMO_SHOP)!.orders.size;
    const answer = await control("POST", `/_sandbox/shops/${DEMO_SHOP}/orders`, {
      lines: [
        { sku: "TB-TOTE-NAT", quantity: 1 },
        { sku: "TB-TEE-WHT-M", quantity: 1 },
      ],
    });
    expect(answer).toMatchObject({ status: 409, body: { error: "Only 0 of TB-TEE-WHT-M available at Main Street Store" } });
    expect(levelOf("TB-TOTE-NAT")).toEqual(tote);
    expect(levelOf("TB-TEE-WHT-M")).toEqual(shoppedOut);
    expect(sandbox.store.shop(DEMO_SHOP)!.orders.size).toBe(ordersBefore);
  });
});

describe("generated orders", () => {
  it("generates the same history from the same seed, every order consistent, some refunded", async () => {
    // Reading 60 full orders one by one asks more of the query bucket than a Standard plan's 2000 points allow.
    sandbox.configure({ bucketSize: 40_000 });
    const histories = [];
    for (const shop of ["generated-a.myshopify.com", "generated-b.myshopify.com"]) {
      sandbox.addShop(shop, { seed: "catalog", catalog: { variants: 40, available: 10_000 } });
      sandbox.install(shop);
      const result = sandbox.generateOrders(shop, { count: 30, seed: 7, refunds: 0.3, silent: true });
      expect(result.orders).toHaveLength(30);
      const generatedSession = await offlineSession(shop);
      const orders: Order[] = [];
      for (const order of result.orders) orders.push(await readOrder(`gid://shopify/Order/${order.id}`, { session: generatedSession }));
      for (const order of orders) expectConsistentMoney(order);
      histories.push({ orders, refunds: result.refunds.length });
    }
    const [a, b] = histories;
    expect(a!.refunds).toBeGreaterThan(0);
    expect(a!.refunds).toBe(b!.refunds);
    const shape = (order: Order) => [order.presentmentCurrencyCode, order.totalPriceSet, order.lineItems.nodes.map((line) => [line.sku, line.quantity]), order.displayFinancialStatus];
    expect(a!.orders.map(shape)).toEqual(b!.orders.map(shape));
    expect(new Set(a!.orders.map((order) => order.presentmentCurrencyCode)).size).toBeGreaterThan(1);
    sandbox.configure({ bucketSize: 2000 });
  });

  it("exports orders with a bulk query: one line per order, its line items after it with __parentId", async () => {
    const shop = "bulk-orders.myshopify.com";
    sandbox.addShop(shop, { seed: "catalog", catalog: { variants: 20, available: 1_000 } });
    sandbox.install(shop);
    const { orders } = sandbox.generateOrders(shop, { count: 12, seed: 3, silent: true });
    const bulkSession = await offlineSession(shop);
    const query = `{ orders(query: "financial_status:paid") { edges { node { id name totalPriceSet { shopMoney { amount currencyCode } } lineItems { edges { node { id sku quantity } } } } } } }`;
    const started = await graphql<{ bulkOperationRunQuery: { bulkOperation: { id: string }; userErrors: unknown[] } }>(
      `mutation Run($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { field message } } }`,
      { query },
      { session: bulkSession },
    );
    expect(started.data!.bulkOperationRunQuery.userErrors).toEqual([]);
    let operation: { status: string; rootObjectCount: string; url: string | null } | undefined;
    for (let poll = 0; poll < 100 && operation?.status !== "COMPLETED"; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      operation = (
        await graphql<{ bulkOperation: typeof operation }>(`query Poll($id: ID!) { bulkOperation(id: $id) { status rootObjectCount url } }`, { id: started.data!.bulkOperationRunQuery.bulkOperation.id }, { session: bulkSession })
      ).data!.bulkOperation;
    }
    expect(operation).toMatchObject({ status: "COMPLETED", rootObjectCount: "12" });
    const lines = (await (await fetch(operation!.url!)).text()).trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const roots = lines.filter((line) => line.__parentId === undefined);
    // Sorted by processedAt, the default sort key: the generated history, oldest first.
    expect(roots.map((line) => line.name)).toEqual(orders.map((order) => order.name));
    expect(lines.filter((line) => line.__parentId === roots[0]!.id)).toEqual(
      orders[0]!.lineItems.map((line) => ({ id: `gid://shopify/LineItem/${line.id}`, sku: line.sku, quantity: line.quantity, __parentId: roots[0]!.id })),
    );
  });
});

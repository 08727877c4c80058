import { FaultRandom } from "../common/random";
import type { SandboxCore } from "./core";
import type { NewOrderRequest } from "./orders";
import type { OrderRecord, RefundRecord, VariantRecord } from "./store";

/**
 * A generated order history for benchmarks and the demo: `count` paid orders spread over the last `days` days,
 * oldest first, made through the same path as the control API (stock taken by each sale, webhooks unless silent).
 * The mix covers what an accounting sync meets: online and POS sales, orders in CAD and EUR besides the shop's
 * currency, a discount code, shipping, sales tax and VAT included in prices, tips, split payments (gift card and
 * Shopify Payments, cash at the till), and partial refunds with restock. The same seed on the same shop gives the
 * same orders (lines, amounts, dates relative to now).
 *
 * Stock runs out: a generated catalog with a large `available` (seed "catalog") supports long histories; a line
 * the stock cannot cover picks another variant, and generation fails when no variant can be sold.
 */

export interface GenerateOrdersOptions {
  count: number;
  /** Seed of the random choices; default 1. */
  seed?: number;
  /** Fraction (0–1) of the orders that get a partial refund; default 0. */
  refunds?: number;
  /** The orders are spread over this many days up to now; default 30 (inside the 60-day window). */
  days?: number;
  /** No webhooks for the orders and their sales (a large history for a benchmark). */
  silent?: boolean;
}

export interface GeneratedOrders {
  orders: OrderRecord[];
  refunds: RefundRecord[];
}

const DAY_MS = 24 * 3600 * 1000;

/** Presentment currencies of the generated foreign orders, at fixed rates per US dollar. */
const FOREIGN = [
  { currency: "CAD", rate: "1.36", taxRate: "0.13", taxTitle: "HST", taxesIncluded: false },
  { currency: "EUR", rate: "0.92", taxRate: "0.2", taxTitle: "VAT", taxesIncluded: true },
] as const;

export function generateOrders(core: SandboxCore, domain: string, options: GenerateOrdersOptions): GeneratedOrders {
  const shop = core.shop(domain);
  const random = new FaultRandom(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[random.upTo(items.length - 1)]!;
  const days = options.days ?? 30;
  const now = Date.now();
  const sellable = [...shop.variants.values()].filter((variant) => shop.products.get(variant.productId)?.status === "ACTIVE");
  const emails = shop.customers.map((customer) => customer.email);
  const generated: GeneratedOrders = { orders: [], refunds: [] };

  const canSell = (variant: VariantRecord, quantity: number, locationId: number) =>
    core.inventory.saleRefusal(shop, { inventoryItemId: variant.inventoryItemId }, { quantity, locationId }) === undefined;

  for (let index = 0; index < options.count; index++) {
    // Evenly spaced, oldest first, each at a random minute of its slot: processedAt increases with the index.
    const slot = (days * DAY_MS) / options.count;
    const processedAt = new Date(now - days * DAY_MS + index * slot + Math.floor(random.next() * slot * 0.9));
    const source = random.chance(0.2) ? "pos" : "web";
    const locations = [...shop.locations.values()].filter((location) => location.isActive);
    const location = source === "pos" ? pick(locations) : locations[0]!;

    const lineCount = 1 + random.upTo(2);
    const lines: NewOrderRequest["lines"] = [];
    const used = new Set<number>();
    for (let attempt = 0; lines.length < lineCount && attempt < 20; attempt++) {
      const variant = pick(sellable);
      const quantity = 1 + random.upTo(2);
      if (used.has(variant.id) || !canSell(variant, quantity, location.id)) continue;
      used.add(variant.id);
      lines.push({ variantId: variant.id, quantity });
    }
    if (lines.length === 0) throw new Error(`generateOrders: no variant of ${domain} can be sold any more after ${index} orders (stock ran out)`);

    const foreign = source === "web" && random.chance(0.25) ? pick(FOREIGN) : undefined;
    const request: NewOrderRequest = {
      lines,
      source,
      locationId: location.id,
      processedAt,
      taxRate: foreign?.taxRate ?? "0.08875",
      taxTitle: foreign?.taxTitle ?? "NY State Tax",
      taxesIncluded: foreign?.taxesIncluded ?? false,
      ...(foreign && { presentmentCurrency: foreign.currency, rate: foreign.rate }),
      ...(random.chance(0.2) && { discountPercent: "10", discountCode: "WELCOME10" }),
      ...(source === "web" && { shippingAmount: pick(["5", "7.95", "12.5"]) }),
      ...(source === "pos" && random.chance(0.3) && { tipAmount: pick(["1", "2", "3.5"]) }),
      ...(random.chance(0.7) && emails.length > 0 && { customerEmail: pick(emails) }),
      gateways:
        source === "pos"
          ? [{ gateway: random.chance(0.4) ? "cash" : "shopify_payments" }]
          : random.chance(0.1)
            ? [{ gateway: "gift_card", amount: "2" }, { gateway: "shopify_payments" }]
            : [{ gateway: "shopify_payments" }],
    };
    const order = core.createOrder(domain, request, { silent: options.silent });
    generated.orders.push(order);

    if (random.chance(options.refunds ?? 0)) {
      const line = order.lineItems[0]!;
      const refundAt = new Date(Math.min(now, processedAt.getTime() + DAY_MS));
      const { refund } = core.refundOrder(
        domain,
        order.id,
        {
          lines: [{ lineItemId: line.id, quantity: 1 }],
          restock: true,
          note: "Returned",
          processedAt: refundAt,
          ...(order.shippingLines[0] && random.chance(0.3) && { shippingAmount: "1" }),
        },
        { silent: options.silent },
      );
      generated.refunds.push(refund);
    }
  }
  return generated;
}

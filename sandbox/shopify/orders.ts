import { idOfType } from "./gid";
import { InventoryRequestError, type InventoryService } from "./inventory";
import {
  addPairs,
  allocate,
  Exchange,
  multiply,
  ratioOf,
  share,
  sharePair,
  subtractPairs,
  sumPairs,
  toMinorUnits,
  ZERO,
  type MoneyPair,
  type Ratio,
} from "./money";
import { lineDiscountedTotal, orderTotals, refundedQuantity, refundedShipping, taxOf } from "./order-totals";
import type {
  LineItemRecord,
  LocationRecord,
  OrderAdjustmentRecord,
  OrderRecord,
  RefundLineItemRecord,
  RefundRecord,
  RefundShippingLineRecord,
  ShippingLineRecord,
  ShopRecord,
  ShopifyStore,
  TaxLineRecord,
  TransactionFeeRecord,
  TransactionRecord,
  VariantRecord,
} from "./store";

/**
 * Paid orders and their refunds, as Shopify records them: line items priced from their variants, an order-level
 * percentage discount allocated across the lines, tax computed and rounded per line (and per shipping line), tips,
 * payment transactions with Shopify Payments' fees, and refunds of units, shipping or an amount, whose
 * transactions return money from the sales. Orders can be in another (presentment) currency than the shop's, at a
 * rate; each amount is converted once, so both currencies' totals add up (money.ts).
 *
 * A sale takes its units from stock through InventoryService.sell, exactly as a control-API sale does; an order
 * that stock cannot cover is refused whole before anything changes.
 */

/** A request the sandbox cannot serve: its HTTP status and why (the control API answers it as `{error}`). */
export class OrderRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export type OrderSource = "web" | "pos";

export interface NewOrderRequest {
  lines: { sku?: string; variantId?: number | string; quantity: number }[];
  /** The customer's currency; default the shop's. */
  presentmentCurrency?: string;
  /** Presentment units per shop unit, a decimal ("1.36"); required with another currency, "1" otherwise. */
  rate?: string;
  /** A percentage off the line items ("10"), allocated across them. */
  discountPercent?: string;
  /** The discount's code (a DiscountCodeApplication); without one the discount is manual. */
  discountCode?: string;
  /** Amounts in the presentment currency, decimals ("5.5"). */
  shippingAmount?: string;
  shippingTitle?: string;
  tipAmount?: string;
  /** A decimal fraction ("0.0875"); no tax without it. */
  taxRate?: string;
  taxTitle?: string;
  taxesIncluded?: boolean;
  /** Whether shipping is taxed too (default false, as the shop's taxShipping setting). */
  taxShipping?: boolean;
  /** How the order was paid: gateways with amounts (presentment); one may leave its amount out and takes the rest. */
  gateways?: { gateway: string; amount?: string }[];
  customerEmail?: string;
  /** When the order was placed; default now. The sandbox backdates the whole order to it (created and updated then). */
  processedAt?: Date;
  /** Where the stock leaves from (and where a POS sale happens); default the primary location. */
  locationId?: number | string;
  source?: OrderSource;
  /** Fulfilled at once (default: POS sales are, online orders are not): units leave on_hand, the order is closed. */
  fulfilled?: boolean;
}

/**
 * An order edit (Shopify's orderEditBegin … orderEditCommit): lines added to a paid order, the difference
 * collected from the customer at once (a new sale transaction, by default on the order's first gateway) so the
 * order stays paid. Added lines are priced from their variants, taxed at the order's rate, and not discounted.
 */
export interface OrderEditRequest {
  addLines: { sku?: string; variantId?: number | string; quantity: number }[];
  /** The gateway the difference is collected on; default the order's first sale's. */
  gateway?: string;
}

export interface RefundRequest {
  lines?: { lineItemId: number | string; quantity: number }[];
  /** Shipping to refund, before its tax (presentment currency). */
  shippingAmount?: string;
  /** The money to return (presentment currency); default what the refunded units and shipping came to. */
  amount?: string;
  note?: string;
  /** Return the refunded units to stock at the order's location (default false). */
  restock?: boolean;
  processedAt?: Date;
}

/** Names Shopify's admin shows for the common gateways (OrderTransaction.formattedGateway). */
const GATEWAY_NAMES: Record<string, string> = {
  shopify_payments: "Shopify Payments",
  manual: "Manual",
  cash: "Cash",
  gift_card: "Gift card",
  paypal: "PayPal Express Checkout",
  bogus: "Bogus",
  shop_cash: "Shop Cash",
};

export function formattedGateway(gateway: string): string {
  return GATEWAY_NAMES[gateway] ?? gateway.replace(/_/g, " ").replace(/\b\w/g, (letter) => letter.toUpperCase());
}

/**
 * Shopify Payments' processing fees on the Basic plan (US: 2.9 % + 30¢ online, 2.7 % in person), charged in the
 * shop's currency, plus 1.5 % for converting another currency. Rates from Shopify's public pricing; the fee type
 * names are the sandbox's (the schema types them as String without listing values).
 */
const PAYMENT_FEES = {
  web: { rate: "0.029", flat: "0.30", rateName: "Online credit card rate" },
  pos: { rate: "0.027", flat: "0", rateName: "In-person credit card rate" },
  conversion: { rate: "0.015", rateName: "Currency conversion" },
} as const;

/** Over Shopify's own limit of 60 days, orders are only visible with read_all_orders (order-views.ts). */
export const ORDER_WINDOW_MS = 60 * 24 * 3600 * 1000;

interface ResolvedLine {
  variant: VariantRecord;
  quantity: number;
}

export interface OrderEvents {
  /** An order was created and paid (orders/create, orders/paid). */
  created(shop: ShopRecord, order: OrderRecord): void;
  /** A refund was recorded on the order (refunds/create, orders/updated). */
  refunded(shop: ShopRecord, order: OrderRecord, refund: RefundRecord): void;
  /** An order edit was committed (orders/updated). */
  edited(shop: ShopRecord, order: OrderRecord): void;
}

export class OrderService {
  constructor(
    private readonly store: ShopifyStore,
    private readonly inventory: InventoryService,
    private readonly events: OrderEvents,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records a paid order and takes its units from stock. `silent`: no webhooks (generated histories). */
  createOrder(shop: ShopRecord, request: NewOrderRequest, options: { silent?: boolean } = {}): OrderRecord {
    const now = this.now();
    const processedAt = request.processedAt ?? now;
    if (processedAt.getTime() > now.getTime()) throw new OrderRequestError(400, "processedAt cannot be in the future");
    const source = request.source ?? "web";
    const fulfilled = request.fulfilled ?? source === "pos";
    const location = this.resolveLocation(shop, request.locationId);
    const lines = this.resolveLines(shop, request.lines);
    if (lines.length === 0) throw new OrderRequestError(400, "An order needs at least one line");

    const presentment = request.presentmentCurrency ?? shop.currencyCode;
    if (presentment === shop.currencyCode && request.rate !== undefined && ratioOf(request.rate).numerator !== ratioOf(request.rate).denominator) {
      throw new OrderRequestError(400, `rate must be 1 for an order in the shop's currency (${shop.currencyCode})`);
    }
    if (presentment !== shop.currencyCode && request.rate === undefined) throw new OrderRequestError(400, `rate is required for an order in ${presentment}`);
    const exchange = new Exchange(shop.currencyCode, presentment, request.rate ?? "1");
    const amount = (decimal: string | undefined, field: string) => this.minorUnits(decimal, presentment, field);

    // Line items: the variant's price shown in the presentment currency, then converted back once for shop money.
    const unitPrices = lines.map((line) => exchange.pair(exchange.toPresentment(this.minorUnits(line.variant.price, shop.currencyCode, "price"))));
    const originals = lines.map((line, index) => unitPrices[index]!.presentment * line.quantity);

    // The order-level discount: a percentage of all lines, split over them in proportion (the parts add up).
    const discountPercent = request.discountPercent === undefined ? undefined : ratioOf(request.discountPercent);
    if (discountPercent && discountPercent.numerator > 100n * discountPercent.denominator) throw new OrderRequestError(400, "discountPercent cannot exceed 100");
    const discountTotal = discountPercent ? multiply(originals.reduce((a, b) => a + b, 0), discountPercent, { numerator: 1n, denominator: 100n }) : 0;
    const allocations = allocate(discountTotal, originals);

    const taxRate = request.taxRate === undefined ? undefined : ratioOf(request.taxRate);
    const taxesIncluded = request.taxesIncluded ?? false;
    const taxTitle = request.taxTitle ?? (taxesIncluded ? "VAT" : "Sales Tax");
    const taxLine = (base: number): TaxLineRecord[] =>
      taxRate && base > 0 ? [{ title: taxTitle, rate: request.taxRate!, amount: exchange.pair(taxOn(base, taxRate, taxesIncluded)) }] : [];

    const lineItems: LineItemRecord[] = lines.map((line, index) =>
      this.lineItemOf(shop, line, {
        unitPrice: unitPrices[index]!,
        discountAllocation: exchange.pair(allocations[index]!),
        taxLines: line.variant.taxable ? taxLine(originals[index]! - allocations[index]!) : [],
      }),
    );

    const shippingAmount = amount(request.shippingAmount, "shippingAmount");
    const shippingLines: ShippingLineRecord[] =
      request.shippingAmount === undefined
        ? []
        : [
            {
              id: this.store.nextId("shippingLine"),
              title: request.shippingTitle ?? "Standard Shipping",
              code: request.shippingTitle ?? "Standard",
              price: exchange.pair(shippingAmount),
              taxLines: request.taxShipping ? taxLine(shippingAmount) : [],
            },
          ];
    const tip = exchange.pair(amount(request.tipAmount, "tipAmount"));

    const draft: OrderRecord = {
      id: 0,
      number: 0,
      name: "",
      createdAt: processedAt,
      updatedAt: processedAt,
      processedAt,
      closedAt: fulfilled ? processedAt : null,
      cancelledAt: null,
      currencyCode: shop.currencyCode,
      presentmentCurrencyCode: presentment,
      exchangeRate: request.rate ?? "1",
      email: request.customerEmail ?? null,
      customerId: null,
      sourceName: source,
      locationId: location.id,
      fulfilled,
      taxesIncluded,
      discount: discountPercent ? { percentage: request.discountPercent!, code: request.discountCode ?? null, title: request.discountCode ?? "Custom discount" } : null,
      lineItems,
      shippingLines,
      tip,
      transactions: [],
      refunds: [],
    };
    const total = orderTotals(draft).total;
    const payments = this.payments(request.gateways ?? [{ gateway: "shopify_payments" }], total, presentment);

    // Stock last among the checks: the order is refused whole when any of its items cannot be sold.
    const byItem = new Map<number, number>();
    for (const line of lines) byItem.set(line.variant.inventoryItemId, (byItem.get(line.variant.inventoryItemId) ?? 0) + line.quantity);
    for (const [inventoryItemId, quantity] of byItem) {
      const refusal = this.inventory.saleRefusal(shop, { inventoryItemId }, { quantity, locationId: location.id, fulfilled });
      if (refusal !== undefined) throw new OrderRequestError(409, refusal);
    }
    for (const [inventoryItemId, quantity] of byItem) this.inventory.sell(shop, { inventoryItemId }, { quantity, locationId: location.id, fulfilled }, options);

    const customer = request.customerEmail === undefined ? undefined : this.store.customerByEmail(shop, request.customerEmail);
    draft.transactions = payments.map((payment) => this.saleTransaction(shop, draft, payment, processedAt, exchange));
    const { id: _id, number: _number, name: _name, ...fields } = draft;
    const order = this.store.addOrder(shop, { ...fields, customerId: customer?.id ?? null });
    if (!options.silent) this.events.created(shop, order);
    return order;
  }

  /** Commits an order edit: adds the lines, takes their units from stock, and collects the difference. */
  edit(shop: ShopRecord, orderReference: number | string, request: OrderEditRequest, options: { silent?: boolean } = {}): OrderRecord {
    const order = this.resolveOrder(shop, orderReference);
    if (order.cancelledAt) throw new OrderRequestError(409, `${order.name} is cancelled and cannot be edited`);
    if (order.refunds.length > 0) throw new OrderRequestError(409, `${order.name} has refunds; the sandbox edits only orders without them`);
    const lines = this.resolveLines(shop, request.addLines);
    if (lines.length === 0) throw new OrderRequestError(400, "An edit needs at least one line to add");
    const firstSale = order.transactions.find((transaction) => transaction.kind === "SALE");
    const gateway = request.gateway ?? firstSale?.gateway ?? "manual";
    const exchange = new Exchange(order.currencyCode, order.presentmentCurrencyCode, order.exchangeRate);
    // The order's tax: the rate of its first taxed line (edits are taxed as the order was).
    const taxed = order.lineItems.flatMap((line) => line.taxLines)[0];
    const taxRate = taxed ? ratioOf(taxed.rate) : undefined;

    const byItem = new Map<number, number>();
    for (const line of lines) byItem.set(line.variant.inventoryItemId, (byItem.get(line.variant.inventoryItemId) ?? 0) + line.quantity);
    for (const [inventoryItemId, quantity] of byItem) {
      const refusal = this.inventory.saleRefusal(shop, { inventoryItemId }, { quantity, locationId: order.locationId, fulfilled: order.fulfilled });
      if (refusal !== undefined) throw new OrderRequestError(409, refusal);
    }

    const before = orderTotals(order).total;
    const now = this.now();
    for (const line of lines) {
      const unitPrice = exchange.pair(exchange.toPresentment(this.minorUnits(line.variant.price, shop.currencyCode, "price")));
      const original = unitPrice.presentment * line.quantity;
      order.lineItems.push(
        this.lineItemOf(shop, line, {
          unitPrice,
          discountAllocation: ZERO,
          taxLines: line.variant.taxable && taxed && taxRate && original > 0 ? [{ title: taxed.title, rate: taxed.rate, amount: exchange.pair(taxOn(original, taxRate, order.taxesIncluded)) }] : [],
        }),
      );
    }
    const after = orderTotals(order).total;
    const difference = subtractPairs(after, before);
    if (difference.presentment > 0) order.transactions.push(this.saleTransaction(shop, order, { gateway, amount: difference }, now, exchange));
    for (const [inventoryItemId, quantity] of byItem) this.inventory.sell(shop, { inventoryItemId }, { quantity, locationId: order.locationId, fulfilled: order.fulfilled }, options);
    order.updatedAt = now;
    if (!options.silent) this.events.edited(shop, order);
    return order;
  }

  /** Records a refund of units, shipping or an amount, with its transactions; gives restocked units back to stock. */
  refund(shop: ShopRecord, orderReference: number | string, request: RefundRequest, options: { silent?: boolean } = {}): RefundRecord {
    const order = this.resolveOrder(shop, orderReference);
    const currency = order.presentmentCurrencyCode;
    const now = this.now();
    const processedAt = request.processedAt ?? now;
    if (processedAt.getTime() > now.getTime()) throw new OrderRequestError(400, "processedAt cannot be in the future");
    if (processedAt.getTime() < order.processedAt.getTime()) throw new OrderRequestError(400, `processedAt cannot be before the order's (${order.processedAt.toISOString()})`);
    const included = order.taxesIncluded;

    // Units: each line's refunded units take the cumulative share of the line's amounts.
    const requested = new Map<number, number>();
    for (const line of request.lines ?? []) {
      const lineId = this.numericId(line.lineItemId, "LineItem");
      const lineItem = order.lineItems.find((candidate) => candidate.id === lineId);
      if (!lineItem) throw new OrderRequestError(404, `No line item ${line.lineItemId} on order ${order.name}`);
      if (!Number.isInteger(line.quantity) || line.quantity < 1) throw new OrderRequestError(400, "quantity must be a positive whole number");
      requested.set(lineItem.id, (requested.get(lineItem.id) ?? 0) + line.quantity);
    }
    const refundLineItems: RefundLineItemRecord[] = [];
    for (const [lineItemId, quantity] of requested) {
      const lineItem = order.lineItems.find((candidate) => candidate.id === lineItemId)!;
      const before = refundedQuantity(order, lineItem);
      if (before + quantity > lineItem.quantity) {
        throw new OrderRequestError(409, `Line item ${lineItem.id} (${lineItem.sku ?? lineItem.title}) has ${lineItem.quantity - before} refundable units, not ${quantity}`);
      }
      const cumulative = (amount: MoneyPair) => subtractPairs(sharePair(amount, before + quantity, lineItem.quantity), sharePair(amount, before, lineItem.quantity));
      refundLineItems.push({
        id: this.store.nextId("refundLineItem"),
        lineItemId,
        quantity,
        restockType: request.restock ? (order.fulfilled ? "RETURN" : "CANCEL") : "NO_RESTOCK",
        locationId: request.restock ? order.locationId : null,
        subtotal: cumulative(lineDiscountedTotal(lineItem)),
        totalTax: cumulative(taxOf(lineItem.taxLines)),
      });
    }

    // Shipping: the presentment amount asked for, its shop money and tax as the cumulative share of the line's.
    const refundShippingLines: RefundShippingLineRecord[] = [];
    let shippingLeft = this.minorUnits(request.shippingAmount, currency, "shippingAmount");
    for (const shippingLine of order.shippingLines) {
      if (shippingLeft === 0) break;
      const already = refundedShipping(order, shippingLine).subtotal;
      const take = Math.min(shippingLeft, shippingLine.price.presentment - already.presentment);
      if (take <= 0) continue;
      const upTo = (amount: MoneyPair, presentmentRefunded: number) => ({
        shop: share(amount.shop, presentmentRefunded, shippingLine.price.presentment),
        presentment: share(amount.presentment, presentmentRefunded, shippingLine.price.presentment),
      });
      const tax = taxOf(shippingLine.taxLines);
      refundShippingLines.push({
        id: this.store.nextId("refundShippingLine"),
        shippingLineId: shippingLine.id,
        subtotal: { shop: upTo(shippingLine.price, already.presentment + take).shop - upTo(shippingLine.price, already.presentment).shop, presentment: take },
        tax: subtractPairs(upTo(tax, already.presentment + take), upTo(tax, already.presentment)),
      });
      shippingLeft -= take;
    }
    if (shippingLeft > 0) throw new OrderRequestError(409, `shippingAmount is more than the shipping left to refund on ${order.name}`);

    const suggested = addPairs(
      ...refundLineItems.map((item) => addPairs(item.subtotal, included ? ZERO : item.totalTax)),
      ...refundShippingLines.map((line) => addPairs(line.subtotal, included ? ZERO : line.tax)),
    );
    const actual = request.amount === undefined ? suggested.presentment : this.minorUnits(request.amount, currency, "amount");
    if (refundLineItems.length === 0 && refundShippingLines.length === 0 && actual === 0) {
      throw new OrderRequestError(400, "A refund needs lines, shippingAmount or an amount");
    }
    const totals = orderTotals(order);
    const refundable = totals.netPayment.presentment;
    if (actual > refundable) throw new OrderRequestError(409, `The refund (${actual} minor units of ${currency}) is more than the ${refundable} left to refund on ${order.name}`);

    // Money goes back to the sales in order, each sale's shop amount returned in cumulative shares.
    const transactions: TransactionRecord[] = [];
    let left = actual;
    for (const sale of order.transactions.filter((transaction) => transaction.kind === "SALE")) {
      if (left === 0) break;
      const returned = order.transactions.filter((transaction) => transaction.parentId === sale.id).reduce((sum, transaction) => sum + transaction.amount.presentment, 0);
      const take = Math.min(left, sale.amount.presentment - returned);
      if (take <= 0) continue;
      const shopAmount = share(sale.amount.shop, returned + take, sale.amount.presentment) - share(sale.amount.shop, returned, sale.amount.presentment);
      transactions.push({
        id: this.store.nextId("transaction"),
        kind: "REFUND",
        status: "SUCCESS",
        gateway: sale.gateway,
        amount: { shop: shopAmount, presentment: take },
        createdAt: now,
        processedAt,
        parentId: sale.id,
        // Shopify keeps its processing fees when money is refunded.
        fees: [],
        locationId: sale.locationId,
      });
      left -= take;
    }
    const refunded = sumPairs(transactions.map((transaction) => transaction.amount));
    const discrepancy = subtractPairs(suggested, refunded);
    const adjustments: OrderAdjustmentRecord[] =
      discrepancy.shop === 0 && discrepancy.presentment === 0 ? [] : [{ id: this.store.nextId("orderAdjustment"), reason: "REFUND_DISCREPANCY", amount: discrepancy, taxAmount: ZERO }];

    const refund: RefundRecord = {
      id: this.store.nextId("refund"),
      createdAt: now,
      processedAt,
      note: request.note ?? null,
      restock: request.restock ?? false,
      lineItems: refundLineItems,
      shippingLines: refundShippingLines,
      transactionIds: transactions.map((transaction) => transaction.id),
      adjustments,
    };
    order.transactions.push(...transactions);
    order.refunds.push(refund);
    order.updatedAt = now;

    for (const item of refundLineItems) {
      const lineItem = order.lineItems.find((candidate) => candidate.id === item.lineItemId)!;
      if (lineItem.inventoryItemId === null || !shop.inventoryItems.has(lineItem.inventoryItemId)) continue;
      this.inventory.releaseOrderUnits(shop, lineItem.inventoryItemId, order.locationId, {
        quantity: item.quantity,
        committed: !order.fulfilled,
        restock: request.restock ?? false,
        silent: options.silent,
      });
    }
    if (!options.silent) this.events.refunded(shop, order, refund);
    return refund;
  }

  resolveOrder(shop: ShopRecord, reference: number | string): OrderRecord {
    const id = this.numericId(reference, "Order");
    const order = id === undefined ? undefined : shop.orders.get(id);
    if (!order) throw new OrderRequestError(404, `No order ${reference} in ${shop.domain}`);
    return order;
  }

  private resolveLocation(shop: ShopRecord, reference: number | string | undefined): LocationRecord {
    try {
      const location = this.inventory.resolveLocation(shop, reference);
      if (!location.isActive) throw new OrderRequestError(409, `${location.name} is not active`);
      return location;
    } catch (error) {
      throw error instanceof InventoryRequestError ? new OrderRequestError(error.status, error.message) : error;
    }
  }

  private resolveLines(shop: ShopRecord, lines: NewOrderRequest["lines"]): ResolvedLine[] {
    return lines.map((line) => {
      let variant: VariantRecord | undefined;
      if (line.sku !== undefined) {
        const items = this.store.itemsWithSku(shop, line.sku);
        if (items.length === 0) throw new OrderRequestError(404, `No variant with SKU ${line.sku} in ${shop.domain}`);
        if (items.length > 1) throw new OrderRequestError(409, `${items.length} variants have SKU ${line.sku} in ${shop.domain}: name one by variantId`);
        variant = shop.variants.get(items[0]!.variantId);
      } else if (line.variantId !== undefined) {
        const id = this.numericId(line.variantId, "ProductVariant");
        variant = id === undefined ? undefined : shop.variants.get(id);
        if (!variant) throw new OrderRequestError(404, `No variant ${line.variantId} in ${shop.domain}`);
      }
      if (!variant) throw new OrderRequestError(400, "Each line needs a sku or a variantId");
      const product = shop.products.get(variant.productId);
      if (product?.status !== "ACTIVE") throw new OrderRequestError(409, `${product?.title ?? variant.id} is ${product?.status.toLowerCase() ?? "gone"} and cannot be sold`);
      if (!Number.isInteger(line.quantity) || line.quantity < 1) throw new OrderRequestError(400, "quantity must be a positive whole number");
      return { variant, quantity: line.quantity };
    });
  }

  /** The payments of an order: each gateway's presentment amount; the one without an amount takes the rest. */
  private payments(gateways: { gateway: string; amount?: string }[], total: MoneyPair, currency: string): { gateway: string; amount: MoneyPair }[] {
    if (gateways.length === 0) throw new OrderRequestError(400, "gateways cannot be empty");
    const open = gateways.filter((gateway) => gateway.amount === undefined);
    if (open.length > 1) throw new OrderRequestError(400, "At most one gateway may leave its amount out (it takes the rest)");
    const given = gateways.map((gateway) => (gateway.amount === undefined ? undefined : this.minorUnits(gateway.amount, currency, "gateways.amount")));
    const fixed = given.reduce<number>((sum, value) => sum + (value ?? 0), 0);
    const rest = total.presentment - fixed;
    if (open.length === 0 ? rest !== 0 : rest < 0) {
      throw new OrderRequestError(400, `The gateways' amounts (${fixed} minor units of ${currency}) do not pay the order's total (${total.presentment})`);
    }
    const amounts = given.map((value) => value ?? rest);
    // Shop money of each payment: the cumulative share of the order's shop total, so that the payments add up to it.
    let paid = 0;
    return gateways.map((gateway, index) => {
      const before = share(total.shop, paid, total.presentment);
      paid += amounts[index]!;
      return { gateway: gateway.gateway, amount: { presentment: amounts[index]!, shop: share(total.shop, paid, total.presentment) - before } };
    }).filter((payment) => payment.amount.presentment > 0 || gateways.length === 1);
  }

  private saleTransaction(shop: ShopRecord, order: OrderRecord, payment: { gateway: string; amount: MoneyPair }, processedAt: Date, exchange: Exchange): TransactionRecord {
    const fees: TransactionFeeRecord[] = [];
    if (payment.gateway === "shopify_payments" && payment.amount.shop > 0) {
      const plan = PAYMENT_FEES[order.sourceName];
      const flatFee = this.minorUnits(plan.flat, shop.currencyCode, "fee");
      fees.push(this.fee("payment_processing_fee", plan.rate, plan.rateName, flatFee, payment.amount.shop));
      if (exchange.presentmentCurrency !== exchange.shopCurrency) {
        fees.push(this.fee("currency_conversion_fee", PAYMENT_FEES.conversion.rate, PAYMENT_FEES.conversion.rateName, 0, payment.amount.shop));
      }
    }
    return {
      id: this.store.nextId("transaction"),
      kind: "SALE",
      status: "SUCCESS",
      gateway: payment.gateway,
      amount: payment.amount,
      createdAt: processedAt,
      processedAt,
      parentId: null,
      fees,
      locationId: order.sourceName === "pos" ? order.locationId : null,
    };
  }

  private fee(type: string, rate: string, rateName: string, flatFee: number, shopAmount: number): TransactionFeeRecord {
    return {
      id: this.store.nextId("transactionFee"),
      type,
      rate,
      rateName,
      flatFeeName: flatFee > 0 ? "Transaction fee" : null,
      flatFee,
      amount: multiply(shopAmount, ratioOf(rate)) + flatFee,
      taxAmount: 0,
    };
  }

  /** A line item of a variant, with the money worked out by the caller (a new order, or lines an edit adds). */
  private lineItemOf(
    shop: ShopRecord,
    line: { variant: { id: number; productId: number; inventoryItemId: number; title: string; taxable: boolean }; quantity: number },
    money: Pick<LineItemRecord, "unitPrice" | "discountAllocation" | "taxLines">,
  ): LineItemRecord {
    const item = shop.inventoryItems.get(line.variant.inventoryItemId);
    const product = shop.products.get(line.variant.productId);
    return {
      id: this.store.nextId("lineItem"),
      variantId: line.variant.id,
      productId: line.variant.productId,
      inventoryItemId: line.variant.inventoryItemId,
      sku: item?.sku ?? null,
      title: product?.title ?? line.variant.title,
      variantTitle: line.variant.title === "Default Title" ? null : line.variant.title,
      vendor: product?.vendor ?? null,
      quantity: line.quantity,
      taxable: line.variant.taxable,
      requiresShipping: item?.requiresShipping ?? true,
      ...money,
    };
  }

  private minorUnits(decimal: string | undefined, currency: string, field: string): number {
    if (decimal === undefined) return 0;
    try {
      return toMinorUnits(decimal, currency);
    } catch (error) {
      throw new OrderRequestError(400, `${field}: ${(error as Error).message}`);
    }
  }

  private numericId(value: number | string, type: string): number | undefined {
    if (typeof value === "number") return value;
    if (/^\d+$/.test(value)) return Number(value);
    try {
      return idOfType(value, type);
    } catch {
      return undefined;
    }
  }
}

/** Tax on a base: base × rate, or the tax inside a base that includes it: base × rate / (1 + rate). Rounded once. */
function taxOn(base: number, rate: Ratio, included: boolean): number {
  return included ? multiply(base, { numerator: rate.numerator, denominator: rate.denominator + rate.numerator }) : multiply(base, rate);
}

import { z } from "zod";

/**
 * The activity generator: sales on both channels at a set rate, through the sandboxes' control APIs over HTTP, as
 * customers would make them (Square: an order at the register; Shopify: a paid order). For trying Tillbridge out
 * with something happening, and for watching it keep up. Sales alternate between the channels and pick SKUs at
 * random from those both sides sell; a sale a channel refuses (out of stock) is counted, not retried.
 */

export interface ActivityTarget {
  squareUrl: string;
  merchantId: string;
  /** Default: the seller's main location. */
  squareLocationId?: string;
  shopifyUrl: string;
  shop: string;
}

export interface ActivityOptions {
  /** Sales per minute, both channels together. */
  salesPerMinute: number;
  durationMs: number;
  /** SKUs to sell; default: every SKU of the Square seller's catalog that the Shopify shop also sells. */
  skus?: string[];
  /** Told after every sale. */
  onSale?: (sale: GeneratedSale) => void;
  random?: () => number;
  signal?: AbortSignal;
}

export interface GeneratedSale {
  channel: "square" | "shopify";
  sku: string;
  sold: boolean;
  at: string;
}

export interface ActivitySummary {
  square: { sold: number; refused: number };
  shopify: { sold: number; refused: number };
  skus: number;
}

const squareCatalog = z.array(z.object({ sku: z.string().nullable(), trackInventory: z.boolean() }).loose());

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function sellOnSquare(target: ActivityTarget, sku: string): Promise<Response> {
  return post(`${target.squareUrl}/_sandbox/sellers/${encodeURIComponent(target.merchantId)}/orders`, { ...(target.squareLocationId && { locationId: target.squareLocationId }), lines: [{ sku, quantity: 1 }] });
}

function sellOnShopify(target: ActivityTarget, sku: string): Promise<Response> {
  return post(`${target.shopifyUrl}/_sandbox/shops/${encodeURIComponent(target.shop)}/orders`, { lines: [{ sku, quantity: 1 }] });
}

/** The seller's tracked SKUs that the shop knows too (asked through the shop's stock of each). */
export async function sharedSkus(target: ActivityTarget): Promise<string[]> {
  const response = await fetch(`${target.squareUrl}/_sandbox/sellers/${encodeURIComponent(target.merchantId)}/catalog`);
  if (!response.ok) throw new Error(`The Square sandbox has no seller ${target.merchantId} (HTTP ${response.status})`);
  const skus = [...new Set(squareCatalog.parse(await response.json()).filter((entry) => entry.trackInventory && entry.sku).map((entry) => entry.sku!))];
  const known = await Promise.all(
    skus.map(async (sku) => (await fetch(`${target.shopifyUrl}/_sandbox/shops/${encodeURIComponent(target.shop)}/inventory?sku=${encodeURIComponent(sku)}`)).ok),
  );
  return skus.filter((_sku, index) => known[index]);
}

/** Sells at `salesPerMinute` for `durationMs` (or until aborted), alternating channels, and says what happened. */
export async function generateActivity(target: ActivityTarget, options: ActivityOptions): Promise<ActivitySummary> {
  if (!(options.salesPerMinute > 0 && options.salesPerMinute <= 60_000)) throw new RangeError("salesPerMinute must be above 0 and at most 60,000");
  const skus = options.skus ?? (await sharedSkus(target));
  if (skus.length === 0) throw new Error("No SKU is sold on both channels: pass the SKUs to sell.");
  const random = options.random ?? Math.random;
  const summary: ActivitySummary = { square: { sold: 0, refused: 0 }, shopify: { sold: 0, refused: 0 }, skus: skus.length };
  const interval = 60_000 / options.salesPerMinute;
  const started = performance.now();
  for (let n = 0; ; n += 1) {
    const offset = n * interval;
    if (offset >= options.durationMs || options.signal?.aborted) break;
    const wait = started + offset - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const channel = n % 2 === 0 ? "square" : "shopify";
    const sku = skus[Math.floor(random() * skus.length)]!;
    const response = channel === "square" ? await sellOnSquare(target, sku) : await sellOnShopify(target, sku);
    // 409: out of stock at that channel; anything else unexpected is a setup problem worth stopping for.
    if (!response.ok && response.status !== 409) throw new Error(`${channel} refused a sale of ${sku}: HTTP ${response.status} ${await response.text()}`);
    summary[channel][response.ok ? "sold" : "refused"] += 1;
    options.onSale?.({ channel, sku, sold: response.ok, at: new Date().toISOString() });
  }
  return summary;
}

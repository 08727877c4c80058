/**
 * Which Shopify variant is which Square variation: pure matching, no I/O.
 *
 * Both catalogs are read whole (app/sync/inventory/matching.server.ts) and compared here. A pair is found by SKU
 * first, then, among what is still unpaired, by barcode (Shopify) / UPC (Square). Nothing is ever guessed: a SKU
 * that two variants of one side share matches nothing, because stock carried to the wrong product is worse than
 * stock not carried at all; the merchant is shown both variants and fixes the SKU. Every variant of either side
 * ends up in exactly one list of the report, each list with a sentence telling the merchant what to do about it.
 * The report's order depends only on the catalogs' content, never on the order they were read in.
 */

/** A Shopify variant as matching needs it: its ids, what identifies it to the merchant, and whether stock is counted. */
export interface ShopifyCatalogVariant {
  inventoryItemId: string;
  variantId: string;
  sku: string | null;
  barcode: string | null;
  /** What the merchant calls it ("Tillbridge Tee - Black / M"). */
  title: string;
  /** Shopify counts this variant's stock ("Track quantity"). */
  tracked: boolean;
}

/** A Square item variation as matching needs it. */
export interface SquareCatalogVariation {
  variationId: string;
  itemId: string;
  sku: string | null;
  upc: string | null;
  /** What the merchant calls it ("Tillbridge Tee, Black, M"). */
  name: string;
  /** Square counts this variation's stock ("Track stock"). */
  trackInventory: boolean;
}

export interface MatchingOptions {
  /** "tb-tee-blk-m" and "TB-TEE-BLK-M" are the same SKU. Off by default: both vendors store SKUs as typed. */
  caseInsensitiveSkus?: boolean;
}

export type MatchedBy = "sku" | "barcode";

export interface MatchedPair {
  shopify: ShopifyCatalogVariant;
  square: SquareCatalogVariation;
  matchedBy: MatchedBy;
}

/** A pair that was found, but whose stock at least one side does not count: nothing to keep in step yet. */
export interface UntrackedPair extends MatchedPair {
  notTrackedOn: ("shopify" | "square")[];
}

/**
 * One SKU shared by several variants of one side. Both sides' variants with that SKU are listed: the ones to
 * tell apart, and the ones on the other side that will match once they are.
 */
export interface DuplicateSku {
  sku: string;
  shopifyVariants: ShopifyCatalogVariant[];
  squareVariations: SquareCatalogVariation[];
}

export interface ReportList<Entry> {
  entries: Entry[];
  /** What the merchant should do about the entries, in plain words. */
  advice: string;
}

export interface InventoryMatchReport {
  /** Found on both sides, both counting stock: ready to be kept in step. */
  matched: ReportList<MatchedPair>;
  /** Found on both sides, but at least one side does not count stock. Not in `matched`. */
  untracked: ReportList<UntrackedPair>;
  /** Shopify variants with nothing like them in Square (neither SKU nor barcode), including those with no SKU. */
  unmatchedShopify: ReportList<ShopifyCatalogVariant>;
  /** Square variations with nothing like them in Shopify, including those with no SKU. */
  unmatchedSquare: ReportList<SquareCatalogVariation>;
  /** SKUs on several Shopify variants: none of those variants (nor the Square ones with the SKU) is matched. */
  duplicateSkusShopify: ReportList<DuplicateSku>;
  /** SKUs on several Square variations: none of those variations (nor the Shopify ones with the SKU) is matched. */
  duplicateSkusSquare: ReportList<DuplicateSku>;
  counts: InventoryMatchCounts;
}

export interface InventoryMatchCounts {
  shopifyVariants: number;
  squareVariations: number;
  matched: number;
  /** Of `matched` (untracked pairs are counted in `untracked` only). */
  matchedBySku: number;
  matchedByBarcode: number;
  untracked: number;
  unmatchedShopify: number;
  unmatchedSquare: number;
  /** Duplicated SKUs (not variants). */
  duplicateSkusShopify: number;
  duplicateSkusSquare: number;
}

export const MATCHING_ADVICE = {
  matched: "These are the same product in Shopify and Square. Nothing to do: their stock is kept in step once the inventory sync is on.",
  untracked:
    "These are the same product in both channels, but at least one side does not count their stock. If you want their stock kept in step, turn on “Track quantity” for the variant in Shopify and “Track stock” for the variation in Square, then scan again. Services and made-to-order items can stay as they are.",
  unmatchedShopify:
    "Square has nothing with the SKU or barcode of these Shopify variants. If you sell them in Square too, give the Square variation exactly the same SKU as in Shopify (or the same barcode as its UPC), then scan again. If you sell them online only, nothing to do.",
  unmatchedSquare:
    "Shopify has nothing with the SKU or UPC of these Square variations. If you sell them online too, give the Shopify variant exactly the same SKU as in Square (or the same barcode as its UPC), then scan again. If you sell them in person only, nothing to do.",
  duplicateSkusShopify:
    "Several Shopify variants share each of these SKUs, so Tillbridge cannot tell which one is meant and matches none of them. Give each of these Shopify variants its own SKU, then scan again.",
  duplicateSkusSquare:
    "Several Square variations share each of these SKUs, so Tillbridge cannot tell which one is meant and matches none of them. Give each of these Square variations its own SKU (or delete an old listing you no longer sell), then scan again.",
} as const;

/** The SKU as both sides are compared on it, or null when there is none (an empty SKU never matches). */
export function skuKey(sku: string | null, options: MatchingOptions = {}): string | null {
  const trimmed = sku?.trim() ?? "";
  if (trimmed === "") return null;
  return options.caseInsensitiveSkus ? trimmed.toLowerCase() : trimmed;
}

/**
 * The barcode as both sides are compared on it, or null when it cannot be compared. Barcodes are GTINs, written in
 * digits only; leading zeros do not count, so the 12-digit UPC-A of a product matches its 13-digit EAN-13
 * (`0` + the UPC-A). Anything with other characters, or no digit other than 0, is not compared.
 */
export function barcodeKey(barcode: string | null): string | null {
  const trimmed = barcode?.trim() ?? "";
  if (!/^\d+$/.test(trimmed)) return null;
  const significant = trimmed.replace(/^0+/, "");
  return significant === "" ? null : significant;
}

function compareText(a: string, b: string): number {
  // Code unit order, not the locale's: the same on every machine.
  return a < b ? -1 : a > b ? 1 : 0;
}

const displaySku = (sku: string | null) => sku?.trim() ?? "";

function compareShopify(a: ShopifyCatalogVariant, b: ShopifyCatalogVariant): number {
  return compareText(displaySku(a.sku), displaySku(b.sku)) || compareText(a.variantId, b.variantId) || compareText(a.inventoryItemId, b.inventoryItemId);
}

function compareSquare(a: SquareCatalogVariation, b: SquareCatalogVariation): number {
  return compareText(displaySku(a.sku), displaySku(b.sku)) || compareText(a.variationId, b.variationId);
}

function comparePairs(a: MatchedPair, b: MatchedPair): number {
  return compareShopify(a.shopify, b.shopify) || compareSquare(a.square, b.square);
}

function groupBy<T>(entries: readonly T[], keyOf: (entry: T) => string | null): { groups: Map<string, T[]>; withoutKey: T[] } {
  const groups = new Map<string, T[]>();
  const withoutKey: T[] = [];
  for (const entry of entries) {
    const key = keyOf(entry);
    if (key === null) {
      withoutKey.push(entry);
      continue;
    }
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  return { groups, withoutKey };
}

export function matchInventoryCatalogs(shopifyVariants: readonly ShopifyCatalogVariant[], squareVariations: readonly SquareCatalogVariation[], options: MatchingOptions = {}): InventoryMatchReport {
  const shopifyBySku = groupBy(shopifyVariants, (variant) => skuKey(variant.sku, options));
  const squareBySku = groupBy(squareVariations, (variation) => skuKey(variation.sku, options));

  const pairs: MatchedPair[] = [];
  const duplicateSkusShopify: DuplicateSku[] = [];
  const duplicateSkusSquare: DuplicateSku[] = [];
  // Still unpaired after the SKUs, and free to pair by barcode: neither in a pair nor in a duplicate.
  const shopifyLeft: ShopifyCatalogVariant[] = [...shopifyBySku.withoutKey];
  const squareLeft: SquareCatalogVariation[] = [...squareBySku.withoutKey];

  for (const key of new Set([...shopifyBySku.groups.keys(), ...squareBySku.groups.keys()])) {
    const onShopify = [...(shopifyBySku.groups.get(key) ?? [])].sort(compareShopify);
    const onSquare = [...(squareBySku.groups.get(key) ?? [])].sort(compareSquare);
    if (onShopify.length > 1 || onSquare.length > 1) {
      // Neither side's variants with this SKU pair with anything, by SKU or barcode, until the SKU is unique: a
      // barcode pairing would quietly pick one of the look-alikes.
      const sku = displaySku(onShopify[0]?.sku ?? onSquare[0]?.sku ?? key);
      const entry: DuplicateSku = { sku, shopifyVariants: onShopify, squareVariations: onSquare };
      if (onShopify.length > 1) duplicateSkusShopify.push(entry);
      if (onSquare.length > 1) duplicateSkusSquare.push(entry);
      continue;
    }
    const [shopify] = onShopify;
    const [square] = onSquare;
    if (shopify && square) pairs.push({ shopify, square, matchedBy: "sku" });
    else if (shopify) shopifyLeft.push(shopify);
    else if (square) squareLeft.push(square);
  }

  // A barcode pairs only when exactly one unpaired variant on each side carries it.
  const shopifyByBarcode = groupBy(shopifyLeft, (variant) => barcodeKey(variant.barcode));
  const squareByBarcode = groupBy(squareLeft, (variation) => barcodeKey(variation.upc));
  const pairedByBarcode = { shopify: new Set<ShopifyCatalogVariant>(), square: new Set<SquareCatalogVariation>() };
  for (const [key, onShopify] of shopifyByBarcode.groups) {
    const onSquare = squareByBarcode.groups.get(key);
    if (onShopify.length !== 1 || onSquare?.length !== 1) continue;
    const [shopify] = onShopify as [ShopifyCatalogVariant];
    const [square] = onSquare as [SquareCatalogVariation];
    pairs.push({ shopify, square, matchedBy: "barcode" });
    pairedByBarcode.shopify.add(shopify);
    pairedByBarcode.square.add(square);
  }

  const unmatchedShopify = shopifyLeft.filter((variant) => !pairedByBarcode.shopify.has(variant)).sort(compareShopify);
  const unmatchedSquare = squareLeft.filter((variation) => !pairedByBarcode.square.has(variation)).sort(compareSquare);

  pairs.sort(comparePairs);
  const matched: MatchedPair[] = [];
  const untracked: UntrackedPair[] = [];
  for (const pair of pairs) {
    const notTrackedOn: UntrackedPair["notTrackedOn"] = [];
    if (!pair.shopify.tracked) notTrackedOn.push("shopify");
    if (!pair.square.trackInventory) notTrackedOn.push("square");
    if (notTrackedOn.length > 0) untracked.push({ ...pair, notTrackedOn });
    else matched.push(pair);
  }

  const byDuplicatedSku = (a: DuplicateSku, b: DuplicateSku) => compareText(a.sku, b.sku);
  duplicateSkusShopify.sort(byDuplicatedSku);
  duplicateSkusSquare.sort(byDuplicatedSku);

  return {
    matched: { entries: matched, advice: MATCHING_ADVICE.matched },
    untracked: { entries: untracked, advice: MATCHING_ADVICE.untracked },
    unmatchedShopify: { entries: unmatchedShopify, advice: MATCHING_ADVICE.unmatchedShopify },
    unmatchedSquare: { entries: unmatchedSquare, advice: MATCHING_ADVICE.unmatchedSquare },
    duplicateSkusShopify: { entries: duplicateSkusShopify, advice: MATCHING_ADVICE.duplicateSkusShopify },
    duplicateSkusSquare: { entries: duplicateSkusSquare, advice: MATCHING_ADVICE.duplicateSkusSquare },
    counts: {
      shopifyVariants: shopifyVariants.length,
      squareVariations: squareVariations.length,
      matched: matched.length,
      matchedBySku: matched.filter((pair) => pair.matchedBy === "sku").length,
      matchedByBarcode: matched.filter((pair) => pair.matchedBy === "barcode").length,
      untracked: untracked.length,
      unmatchedShopify: unmatchedShopify.length,
      unmatchedSquare: unmatchedSquare.length,
      duplicateSkusShopify: duplicateSkusShopify.length,
      duplicateSkusSquare: duplicateSkusSquare.length,
    },
  };
}

import { describe, expect, it } from "vitest";
import { barcodeKey, matchInventoryCatalogs, MATCHING_ADVICE, skuKey, type InventoryMatchReport, type ShopifyCatalogVariant, type SquareCatalogVariation } from "./matching";

/** A tracked Shopify variant; ids derive from `id`, so fixtures only say what matters to the case. */
function shopify(id: string, sku: string | null, more: Partial<ShopifyCatalogVariant> = {}): ShopifyCatalogVariant {
  return { variantId: `gid://shopify/ProductVariant/${id}`, inventoryItemId: `gid://shopify/InventoryItem/${id}`, sku, barcode: null, title: `Product ${id}`, tracked: true, ...more };
}

/** A tracked Square variation. */
function square(id: string, sku: string | null, more: Partial<SquareCatalogVariation> = {}): SquareCatalogVariation {
  return { variationId: `VAR${id}`, itemId: `ITEM${id}`, sku, upc: null, name: `Item ${id}`, trackInventory: true, ...more };
}

/** The report as SKU lists: what a merchant would read, and what most cases assert. */
function skusOf(report: InventoryMatchReport) {
  return {
    matched: report.matched.entries.map((pair) => [pair.shopify.sku, pair.square.sku, pair.matchedBy]),
    untracked: report.untracked.entries.map((pair) => [pair.shopify.sku, pair.square.sku, pair.notTrackedOn]),
    unmatchedShopify: report.unmatchedShopify.entries.map((variant) => variant.sku),
    unmatchedSquare: report.unmatchedSquare.entries.map((variation) => variation.sku),
    duplicateSkusShopify: report.duplicateSkusShopify.entries.map((entry) => [entry.sku, entry.shopifyVariants.length, entry.squareVariations.length]),
    duplicateSkusSquare: report.duplicateSkusSquare.entries.map((entry) => [entry.sku, entry.shopifyVariants.length, entry.squareVariations.length]),
  };
}

/** Every variant of either side lands in exactly one list. */
function placedOnce(report: InventoryMatchReport, shopifyVariants: ShopifyCatalogVariant[], squareVariations: SquareCatalogVariation[]) {
  const duplicates = [...report.duplicateSkusShopify.entries, ...report.duplicateSkusSquare.entries];
  const shopifyIds = [
    ...[...report.matched.entries, ...report.untracked.entries].map((pair) => pair.shopify.variantId),
    ...report.unmatchedShopify.entries.map((variant) => variant.variantId),
    ...new Set(duplicates.flatMap((entry) => entry.shopifyVariants.map((variant) => variant.variantId))),
  ];
  const squareIds = [
    ...[...report.matched.entries, ...report.untracked.entries].map((pair) => pair.square.variationId),
    ...report.unmatchedSquare.entries.map((variation) => variation.variationId),
    ...new Set(duplicates.flatMap((entry) => entry.squareVariations.map((variation) => variation.variationId))),
  ];
  expect([...shopifyIds].sort()).toEqual(shopifyVariants.map((variant) => variant.variantId).sort());
  expect([...squareIds].sort()).toEqual(squareVariations.map((variation) => variation.variationId).sort());
}

describe("skuKey and barcodeKey", () => {
  it("trims SKUs, folds case only when asked, and gives empty SKUs no key", () => {
    expect(skuKey("  TB-TEE-M ")).toBe("TB-TEE-M");
    expect(skuKey("TB-Tee-M")).toBe("TB-Tee-M");
    expect(skuKey("TB-Tee-M", { caseInsensitiveSkus: true })).toBe("tb-tee-m");
    expect(skuKey("")).toBeNull();
    expect(skuKey("   ")).toBeNull();
    expect(skuKey(null)).toBeNull();
  });

  it("compares barcodes as digits without leading zeros, and refuses anything else", () => {
    expect(barcodeKey(" 0850012340011 ")).toBe("850012340011");
    expect(barcodeKey("850012340011")).toBe(barcodeKey("0850012340011"));
    expect(barcodeKey("0850-0123")).toBeNull();
    expect(barcodeKey("ABC123")).toBeNull();
    expect(barcodeKey("0000")).toBeNull();
    expect(barcodeKey("")).toBeNull();
    expect(barcodeKey(null)).toBeNull();
  });
});

describe("matchInventoryCatalogs", () => {
  it("pairs equal SKUs, and lists what only one side has", () => {
    const shopifyVariants = [shopify("1", "TEE-M"), shopify("2", "MUG"), shopify("3", "HOODIE")];
    const squareVariations = [square("1", "MUG"), square("2", "TEE-M"), square("3", "POUR-KIT")];
    const report = matchInventoryCatalogs(shopifyVariants, squareVariations);
    expect(skusOf(report)).toEqual({
      matched: [
        ["MUG", "MUG", "sku"],
        ["TEE-M", "TEE-M", "sku"],
      ],
      untracked: [],
      unmatchedShopify: ["HOODIE"],
      unmatchedSquare: ["POUR-KIT"],
      duplicateSkusShopify: [],
      duplicateSkusSquare: [],
    });
    expect(report.matched.entries[0]).toEqual({ shopify: shopifyVariants[1], square: squareVariations[0], matchedBy: "sku" });
    expect(report.counts).toEqual({
      shopifyVariants: 3,
      squareVariations: 3,
      matched: 2,
      matchedBySku: 2,
      matchedByBarcode: 0,
      untracked: 0,
      unmatchedShopify: 1,
      unmatchedSquare: 1,
      duplicateSkusShopify: 0,
      duplicateSkusSquare: 0,
    });
    placedOnce(report, shopifyVariants, squareVariations);
  });

  it("ignores whitespace around SKUs but not inside them", () => {
    const report = matchInventoryCatalogs([shopify("1", "  TEE-M\t"), shopify("2", "MUG 12")], [square("1", "TEE-M "), square("2", "MUG  12")]);
    expect(skusOf(report).matched).toEqual([["  TEE-M\t", "TEE-M ", "sku"]]);
    expect(skusOf(report).unmatchedShopify).toEqual(["MUG 12"]);
    expect(skusOf(report).unmatchedSquare).toEqual(["MUG  12"]);
  });

  it("tells SKUs apart by case unless the option says otherwise", () => {
    const shopifyVariants = [shopify("1", "tb-tee-m")];
    const squareVariations = [square("1", "TB-TEE-M")];
    expect(matchInventoryCatalogs(shopifyVariants, squareVariations).counts).toMatchObject({ matched: 0, unmatchedShopify: 1, unmatchedSquare: 1 });
    expect(skusOf(matchInventoryCatalogs(shopifyVariants, squareVariations, { caseInsensitiveSkus: true })).matched).toEqual([["tb-tee-m", "TB-TEE-M", "sku"]]);
  });

  it("never pairs empty SKUs with each other", () => {
    const shopifyVariants = [shopify("1", ""), shopify("2", null), shopify("3", "  ")];
    const squareVariations = [square("1", ""), square("2", null)];
    const report = matchInventoryCatalogs(shopifyVariants, squareVariations);
    expect(report.counts).toMatchObject({ matched: 0, unmatchedShopify: 3, unmatchedSquare: 2, duplicateSkusShopify: 0, duplicateSkusSquare: 0 });
    placedOnce(report, shopifyVariants, squareVariations);
  });

  it("pairs what the SKUs left unpaired by barcode and UPC, leading zeros aside", () => {
    const shopifyVariants = [
      shopify("1", "TEE-M", { barcode: "0850012340011" }),
      shopify("2", null, { barcode: " 0850012340028 " }),
      shopify("3", "MUG-OLD", { barcode: "850012340059" }),
      shopify("4", "BOTTLE", { barcode: "0850012340073" }),
    ];
    const squareVariations = [
      // Same SKU as Shopify's TEE-M, another UPC: the SKU decides, the UPC is not looked at.
      square("1", "TEE-M", { upc: "0850012340999" }),
      square("2", "TEE-L", { upc: "0850012340028" }),
      // The UPC-A of Shopify's EAN-13 (and the other way round): the same product.
      square("3", "MUG-12", { upc: "0850012340059" }),
      square("4", "CARAFE", { upc: "0850012340080" }),
    ];
    const report = matchInventoryCatalogs(shopifyVariants, squareVariations);
    expect(skusOf(report).matched).toEqual([
      [null, "TEE-L", "barcode"],
      ["MUG-OLD", "MUG-12", "barcode"],
      ["TEE-M", "TEE-M", "sku"],
    ]);
    expect(report.counts).toMatchObject({ matched: 3, matchedBySku: 1, matchedByBarcode: 2 });
    expect(skusOf(report).unmatchedShopify).toEqual(["BOTTLE"]);
    expect(skusOf(report).unmatchedSquare).toEqual(["CARAFE"]);
    placedOnce(report, shopifyVariants, squareVariations);
  });

  it("does not pair by a barcode that several unpaired variants of one side carry", () => {
    const report = matchInventoryCatalogs([shopify("1", "A", { barcode: "0850012340011" }), shopify("2", "B", { barcode: "0850012340011" })], [square("1", "C", { upc: "0850012340011" })]);
    expect(report.counts).toMatchObject({ matched: 0, unmatchedShopify: 2, unmatchedSquare: 1 });
  });

  it("matches nothing with a SKU that several Square variations share, and lists them with the Shopify variant waiting for them", () => {
    const shopifyVariants = [shopify("1", "TOTE", { barcode: "0850012340042" }), shopify("2", "MUG")];
    const squareVariations = [square("1", "TOTE", { upc: "0850012340042" }), square("2", " TOTE", { name: "Market Tote (old listing)" }), square("3", "MUG")];
    const report = matchInventoryCatalogs(shopifyVariants, squareVariations);
    expect(skusOf(report)).toEqual({
      matched: [["MUG", "MUG", "sku"]],
      untracked: [],
      // Neither the Shopify tote nor the Square ones are "unmatched": they wait for the SKU to be made unique,
      // and the UPC the first Square tote shares with Shopify's does not pick one of them.
      unmatchedShopify: [],
      unmatchedSquare: [],
      duplicateSkusShopify: [],
      duplicateSkusSquare: [["TOTE", 1, 2]],
    });
    expect(report.duplicateSkusSquare.entries[0]).toEqual({ sku: "TOTE", shopifyVariants: [shopifyVariants[0]], squareVariations: [squareVariations[0], squareVariations[1]] });
    expect(report.duplicateSkusSquare.advice).toMatch(/Give each of these Square variations its own SKU.*then scan again/);
    placedOnce(report, shopifyVariants, squareVariations);
  });

  it("matches nothing with a SKU that several Shopify variants share; with case folding, differing case is sharing too", () => {
    const shopifyVariants = [shopify("1", "PIN"), shopify("2", "PIN"), shopify("3", "Cap"), shopify("4", "CAP")];
    const squareVariations = [square("1", "PIN"), square("2", "CAP")];
    expect(skusOf(matchInventoryCatalogs(shopifyVariants, squareVariations))).toMatchObject({
      matched: [["CAP", "CAP", "sku"]],
      unmatchedShopify: ["Cap"],
      duplicateSkusShopify: [["PIN", 2, 1]],
    });
    const folded = matchInventoryCatalogs(shopifyVariants, squareVariations, { caseInsensitiveSkus: true });
    expect(skusOf(folded)).toEqual({
      matched: [],
      untracked: [],
      unmatchedShopify: [],
      unmatchedSquare: [],
      duplicateSkusShopify: [
        ["CAP", 2, 1],
        ["PIN", 2, 1],
      ],
      duplicateSkusSquare: [],
    });
    expect(folded.duplicateSkusShopify.advice).toMatch(/Give each of these Shopify variants its own SKU/);
    placedOnce(folded, shopifyVariants, squareVariations);
  });

  it("lists a SKU duplicated on both sides in both lists", () => {
    const report = matchInventoryCatalogs([shopify("1", "PIN"), shopify("2", "PIN")], [square("1", "PIN"), square("2", "PIN")]);
    expect(skusOf(report).duplicateSkusShopify).toEqual([["PIN", 2, 2]]);
    expect(skusOf(report).duplicateSkusSquare).toEqual([["PIN", 2, 2]]);
    expect(report.counts).toMatchObject({ matched: 0, unmatchedShopify: 0, unmatchedSquare: 0, duplicateSkusShopify: 1, duplicateSkusSquare: 1 });
  });

  it("keeps pairs whose stock a side does not count apart from the matched ones, saying which side", () => {
    const report = matchInventoryCatalogs(
      [shopify("1", "WRAP", { tracked: false }), shopify("2", "DRIP"), shopify("3", "CARD", { tracked: false }), shopify("4", "MUG")],
      [square("1", "WRAP", { trackInventory: false }), square("2", "DRIP", { trackInventory: false }), square("3", "CARD"), square("4", "MUG")],
    );
    expect(skusOf(report).matched).toEqual([["MUG", "MUG", "sku"]]);
    expect(skusOf(report).untracked).toEqual([
      ["CARD", "CARD", ["shopify"]],
      ["DRIP", "DRIP", ["square"]],
      ["WRAP", "WRAP", ["shopify", "square"]],
    ]);
    expect(report.counts).toMatchObject({ matched: 1, untracked: 3 });
  });

  it("gives the same report, in the same order, whatever order the catalogs were read in", () => {
    const shopifyVariants = [
      shopify("1", "TEE-M", { barcode: "0850012340011" }),
      shopify("2", "PIN"),
      shopify("3", "PIN"),
      shopify("4", null, { barcode: "0850012340028" }),
      shopify("5", "HOODIE"),
      shopify("6", "WRAP", { tracked: false }),
      shopify("7", "TOTE"),
      shopify("8", "BEANIE"),
    ];
    const squareVariations = [
      square("1", "TEE-M"),
      square("2", "PIN"),
      square("3", "TEE-L", { upc: "850012340028" }),
      square("4", "TOTE"),
      square("5", "TOTE"),
      square("6", "WRAP"),
      square("7", null),
      square("8", "POUR-KIT"),
    ];
    const expected = matchInventoryCatalogs(shopifyVariants, squareVariations);
    // Deterministic shuffles: every rotation and the reverse of each.
    for (let shift = 0; shift < shopifyVariants.length; shift += 1) {
      const rotate = <T>(list: T[]) => [...list.slice(shift), ...list.slice(0, shift)];
      expect(matchInventoryCatalogs(rotate(shopifyVariants), rotate(squareVariations).reverse())).toEqual(expected);
      expect(matchInventoryCatalogs(rotate(shopifyVariants).reverse(), rotate(squareVariations))).toEqual(expected);
    }
    expect(skusOf(expected)).toEqual({
      matched: [
        [null, "TEE-L", "barcode"],
        ["TEE-M", "TEE-M", "sku"],
      ],
      untracked: [["WRAP", "WRAP", ["shopify"]]],
      unmatchedShopify: ["BEANIE", "HOODIE"],
      unmatchedSquare: [null, "POUR-KIT"],
      duplicateSkusShopify: [["PIN", 2, 1]],
      duplicateSkusSquare: [["TOTE", 1, 2]],
    });
    placedOnce(expected, shopifyVariants, squareVariations);
  });

  it("says what to do for every list, even an empty one", () => {
    const report = matchInventoryCatalogs([], []);
    expect(report.counts).toEqual({
      shopifyVariants: 0,
      squareVariations: 0,
      matched: 0,
      matchedBySku: 0,
      matchedByBarcode: 0,
      untracked: 0,
      unmatchedShopify: 0,
      unmatchedSquare: 0,
      duplicateSkusShopify: 0,
      duplicateSkusSquare: 0,
    });
    for (const list of ["matched", "untracked", "unmatchedShopify", "unmatchedSquare", "duplicateSkusShopify", "duplicateSkusSquare"] as const) {
      expect(report[list]).toEqual({ entries: [], advice: MATCHING_ADVICE[list] });
      expect(report[list].advice.length).toBeGreaterThan(20);
    }
  });
});

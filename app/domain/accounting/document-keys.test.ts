import { describe, expect, it } from "vitest";
import { BATCH_REQUEST_ID_MAX_LENGTH, dailyDocNumber, DOC_NUMBER_MAX_LENGTH, DOCUMENT_KINDS, orderDocNumber, requestIdFor, saleDocNumber } from "./document-keys";
import { seeded } from "./test-fixtures";

const BASE62 = [..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"];

/** Square order ids look like "CAISENgvlJ6jLWAzERDzjyHVybY": 27–29 base62 characters. */
function squareOrderId(random: ReturnType<typeof seeded>): string {
  return Array.from({ length: random.int(27, 29) }, () => random.pick(BASE62)).join("");
}

describe("requestIdFor", () => {
  const identity = { tenantId: "tenant-1", source: "square" as const, sourceId: "CAISENgvlJ6jLWAzERDzjyHVybY", kind: "sale" as const, revision: 0 };

  it("is a 36-character name-based UUID, short enough for a batch item", () => {
    const id = requestIdFor(identity);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.length).toBeLessThanOrEqual(BATCH_REQUEST_ID_MAX_LENGTH);
  });

  it("is the same for the same document, and different for another tenant, source, id, kind or revision", () => {
    const id = requestIdFor(identity);
    expect(requestIdFor({ ...identity })).toBe(id);
    const variants = [
      { ...identity, tenantId: "tenant-2" },
      { ...identity, source: "shopify" as const },
      { ...identity, sourceId: "CAISENgvlJ6jLWAzERDzjyHVybZ" },
      ...DOCUMENT_KINDS.filter((kind) => kind !== "sale").map((kind) => ({ ...identity, kind })),
      { ...identity, revision: 1 },
    ];
    const ids = variants.map(requestIdFor);
    expect(new Set([id, ...ids]).size).toBe(variants.length + 1);
  });

  it("cannot be confused by separators inside ids", () => {
    expect(requestIdFor({ ...identity, tenantId: "a|b", sourceId: "c" })).not.toBe(requestIdFor({ ...identity, tenantId: "a", sourceId: "b|c" }));
    expect(() => requestIdFor({ ...identity, revision: -1 })).toThrow(/revision/);
  });
});

describe("DocNumbers", () => {
  it("are readable and within QuickBooks' 21 characters for every kind", () => {
    const square = "CAISENgvlJ6jLWAzERDzjyHVybY";
    expect(orderDocNumber({ source: "square", saleSourceId: square, kind: "sale" })).toMatch(/^SQ-CAIS[0-9A-Z]{9}$/);
    expect(orderDocNumber({ source: "shopify", saleSourceId: "gid://shopify/Order/1", saleSourceName: "#1001", kind: "sale" })).toBe("SH-#1001");
    expect(orderDocNumber({ source: "shopify", saleSourceId: "gid://shopify/Order/1", saleSourceName: "#1001", kind: "refund", refundSequence: 2 })).toBe("SH-#1001-R2");
    expect(orderDocNumber({ source: "shopify", saleSourceId: "gid://shopify/Order/1", saleSourceName: "#1001", kind: "sale_fees" })).toBe("SH-#1001-F");
    expect(orderDocNumber({ source: "shopify", saleSourceId: "gid://shopify/Order/1", saleSourceName: "#1001", kind: "refund_tenders", refundSequence: 1 })).toBe("SH-#1001-R1T");
    const longest = orderDocNumber({ source: "square", saleSourceId: square, kind: "refund_tenders", refundSequence: 99 });
    expect(longest).toMatch(/-R99T$/);
    expect(longest.length).toBeLessThanOrEqual(DOC_NUMBER_MAX_LENGTH);
    expect(dailyDocNumber("square", "L1", "2026-11-26")).toMatch(/^SQD-20261126-[0-9A-Z]{4}$/);
    expect(dailyDocNumber("shopify", "online", "2026-11-26", 12)).toMatch(/^SHD-20261126-[0-9A-Z]{4}-C12$/);
  });

  it("fall back to a hash for Shopify names too long or unusual for the suffixes", () => {
    const long = saleDocNumber("shopify", "gid://shopify/Order/5", "#TILLBRIDGE-EU-100045");
    expect(long).toMatch(/^SH-[0-9A-Z]{13}$/);
    expect(saleDocNumber("shopify", "gid://shopify/Order/5", "Order 7 / EU")).toMatch(/^SH-[0-9A-Z]{13}$/);
    expect(orderDocNumber({ source: "shopify", saleSourceId: "gid://shopify/Order/5", saleSourceName: "#TILLBRIDGE-EU-100045", kind: "refund_fees", refundSequence: 99 }).length).toBeLessThanOrEqual(21);
  });

  it("refuse refund numbers they cannot write", () => {
    expect(() => orderDocNumber({ source: "square", saleSourceId: "X", kind: "refund", refundSequence: 100 })).toThrow(/between 1 and 99/);
    expect(() => dailyDocNumber("square", "L1", "2026-11-26", 100)).toThrow(/between 1 and 99/);
  });

  it("do not collide over 100,000 realistic Square order ids, even ids sharing their first characters", () => {
    const random = seeded(7);
    const numbers = new Set<string>();
    for (let index = 0; index < 50_000; index += 1) numbers.add(saleDocNumber("square", squareOrderId(random)));
    // Half the ids share a prefix: only the hash tells them apart.
    for (let index = 0; index < 50_000; index += 1) numbers.add(saleDocNumber("square", `CAIS${squareOrderId(random).slice(4)}`));
    expect(numbers.size).toBe(100_000);
  });

  it("give every location a different daily number on the same day", () => {
    const numbers = new Set(Array.from({ length: 200 }, (_, index) => dailyDocNumber("square", `L${index}`, "2026-11-26")));
    expect(numbers.size).toBe(200);
  });
});

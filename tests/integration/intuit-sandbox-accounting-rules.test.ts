import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { centsToAmount, parseDecimal, percentOfCents, productInCents, prorate, toCents } from "../../sandbox/intuit/accounting/decimal";
import { parseQuery } from "../../sandbox/intuit/accounting/query";
import { generateRules, maxLengthOf, RULES_FILE } from "../../sandbox/intuit/xsd/generate-rules";
import { REQUIRED_ON_CREATE, XSD_ENUMS, XSD_TYPES } from "../../sandbox/intuit/xsd/rules.generated";
import { parseXml } from "../../sandbox/intuit/xsd/xml-parser";

/**
 * The sandbox's validation rules come from Intuit's XSDs: the committed rules must be exactly what the generator
 * derives from the vendored schemas (so they never drift from them), and the pieces that derivation and the
 * sandbox's arithmetic rest on behave as intended. No server here.
 */

describe("rules generated from Intuit's XSDs", () => {
  it("are exactly what the generator derives from the vendored schemas", () => {
    expect(readFileSync(RULES_FILE, "utf8")).toBe(generateRules());
  });

  it("carry the facts the sandbox enforces", () => {
    expect(XSD_TYPES.SalesReceipt?.fields.DocNumber).toMatchObject({ type: "string", maxLength: 21 });
    expect(XSD_TYPES.SalesReceipt?.fields.PrivateNote?.maxLength).toBe(4000);
    expect(XSD_TYPES.Item?.fields.Name?.maxLength).toBe(100);
    expect(XSD_TYPES.Customer?.fields.DisplayName?.maxLength).toBe(500);
    expect(XSD_TYPES.Line?.fields.Line).toBeUndefined();
    expect(XSD_TYPES.Line?.fields.SalesItemLineDetail).toMatchObject({ kind: "complex", choice: 0 });
    expect(XSD_TYPES.ReferenceType).toEqual({ value: "string", fields: { name: { type: "string", kind: "primitive", attribute: true }, type: { type: "string", kind: "primitive", attribute: true } } });
    expect(XSD_ENUMS.PostingTypeEnum).toEqual(["Credit", "Debit"]);
    expect(XSD_ENUMS.ItemTypeEnum).toEqual(expect.arrayContaining(["Inventory", "NonInventory", "Service", "Category", "Group"]));
    expect(REQUIRED_ON_CREATE).toContainEqual({ entity: "Deposit", path: "DepositToAccountRef", source: 'XSD Deposit.DepositToAccountRef: "Required for the create operation"' });
  });

  it("read QuickBooks Online's maximum length from an element's documentation, not QuickBooks Desktop's", () => {
    expect(maxLengthOf("Product: QBW Description: Max. length: 31 characters. Product: QBO Description: Max. length: 100 characters.")).toBe(100);
    expect(maxLengthOf("Product: ALL Description: QBO: The maximum length for DocNumber is 21 characters. Description: QBW: Max. length is 11 characters. ValidRange: QBW: max=11 ValidRange: QBO: max=21")).toBe(21);
    expect(maxLengthOf("User recognizable name. Length Restriction: QBO: 100 characters QBW: 31 characters")).toBe(100);
    expect(maxLengthOf("Max. length: 41 characters (single name) or 209 characters (fully qualified name).", "FullyQualifiedName")).toBe(209);
    expect(maxLengthOf("Product: QBW Description: Max. length: 31 characters.")).toBeUndefined();
  });
});

describe("the minimal XML parser", () => {
  it("reads elements, attributes, text with entities, comments and CDATA", () => {
    const document = parseXml(`\uFEFF<?xml version="1.0"?><!-- a --><a x='1' y="&lt;2&gt;"><b>t &amp; u &#65;</b><c/><![CDATA[<raw>]]></a>`);
    expect(document).toEqual({
      name: "a",
      attributes: { x: "1", y: "<2>" },
      text: "<raw>",
      children: [
        { name: "b", attributes: {}, children: [], text: "t & u A" },
        { name: "c", attributes: {}, children: [], text: "" },
      ],
    });
  });

  it("refuses what it does not understand", () => {
    expect(() => parseXml("<a><b></a>")).toThrow(/Unexpected <\/a>/);
    expect(() => parseXml("<a>")).toThrow(/Unclosed/);
    expect(() => parseXml("<!DOCTYPE a><a/>")).toThrow(/DTD/);
    expect(() => parseXml("<a>&nbsp;</a>")).toThrow(/Unknown XML entity/);
  });
});

describe("the sandbox's arithmetic and query parser", () => {
  it("computes money exactly in cents", () => {
    const decimal = (value: number | string) => parseDecimal(value)!;
    expect(toCents(decimal(0.1 + 0.2))).toBe(30);
    expect(productInCents(decimal(3), decimal(1.15))).toBe(345);
    expect(productInCents(decimal("0.333"), decimal("9.99"))).toBe(333);
    expect(percentOfCents(1000, decimal(6.25))).toBe(63);
    expect(toCents(decimal("-2.345"))).toBe(-235);
    expect(prorate(100, [1n, 1n, 1n])).toEqual([34, 33, 33]);
    expect(centsToAmount(1050)).toBe(10.5);
    expect(parseDecimal("ten")).toBeUndefined();
  });

  it("parses Intuit's query grammar", () => {
    expect(parseQuery("Select Count(*) From Item Where Name Like 'Cof%' And Active In (true, false) Order By Name Desc StartPosition 3 MaxResults 2000")).toEqual({
      select: "count",
      entity: "Item",
      where: [
        { field: "Name", operator: "LIKE", values: ["Cof%"] },
        { field: "Active", operator: "IN", values: [true, false] },
      ],
      orderBy: [{ field: "Name", descending: true }],
      startPosition: 3,
      maxResults: 1000,
    });
    expect(parseQuery("select * from Customer where DisplayName = 'Cutlery \\'R Us'").where[0]?.values).toEqual(["Cutlery 'R Us"]);
  });
});

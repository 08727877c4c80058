import { describe, expect, it } from "vitest";
import { accountingMappingSchema, customerPlan, defaultMapping, missingMappings, needsOf, tenderRoute, type CompanySnapshot } from "./mapping";
import { account, fixtureMapping, makeRefund, makeSale, usCompany } from "./test-fixtures";

const company = { homeCurrency: "USD", multiCurrencyEnabled: false, automatedSalesTax: true };

describe("defaultMapping for a common US company", () => {
  const mapping = defaultMapping(usCompany);

  it("is a valid mapping", () => {
    expect(accountingMappingSchema.safeParse(mapping).success).toBe(true);
  });

  it("sends cards and other payments to Undeposited Funds with QuickBooks' payment methods, and cash to cash on hand", () => {
    expect(tenderRoute(mapping, "card", "visa")).toEqual({ account: account("4"), paymentMethod: { id: "3", name: "Visa" } });
    expect(tenderRoute(mapping, "card", "MasterCard")).toEqual({ account: account("4"), paymentMethod: { id: "4", name: "MasterCard" } });
    expect(tenderRoute(mapping, "card", "american_express")?.paymentMethod?.name).toBe("American Express");
    expect(tenderRoute(mapping, "card", "jcb")).toEqual({ account: account("4") });
    expect(tenderRoute(mapping, "cash")).toEqual({ account: account("36"), paymentMethod: { id: "1", name: "Cash" } });
    expect(tenderRoute(mapping, "gift_card")).toEqual({ account: account("91") });
    expect(mapping.clearingAccount).toEqual(account("4"));
  });

  it("picks the usual accounts by their QuickBooks subtype or name", () => {
    expect(mapping.fees.expenseAccount?.name).toBe("Merchant account fees");
    expect(mapping.discounts).toEqual({ mode: "separate_line", account: account("86") });
    expect(mapping.items.unmappedSku).toEqual({ create: "NonInventory", incomeAccount: account("79") });
    expect(mapping.tips).toEqual({ create: { name: "Tips", type: "Service", incomeAccount: account("92") } });
    expect(mapping.giftCards).toEqual({ create: { name: "Gift cards sold", type: "NonInventory", incomeAccount: account("91") } });
    // Automated Sales Tax's own payable account is never used by journal entries; the POS one is.
    expect(mapping.taxLiabilityAccount).toEqual(account("93"));
    expect(mapping.tax).toEqual({ mode: "automated" });
    expect(mapping.posting).toEqual({ square: "daily_summary", shopify: "per_order" });
  });

  it("needs nothing more for ordinary sales", () => {
    const sales = [makeSale({ tips: 100, tenders: [{ kind: "cash", amount: 500 }, { kind: "card", brand: "visa", fee: 30 }] }), makeSale({ source: "shopify", shipping: [{ amount: 500 }] })];
    expect(missingMappings(mapping, needsOf(sales, [makeRefund()], company))).toEqual([]);
  });

  it("uses tax codes for a company without Automated Sales Tax", () => {
    const manual: CompanySnapshot = { ...usCompany, automatedSalesTax: false };
    expect(defaultMapping(manual).tax).toEqual({ mode: "tax_codes", taxable: { id: "TAX", name: "TAX" }, nonTaxable: { id: "NON", name: "NON" } });
  });
});

describe("missingMappings for a bare company", () => {
  const bare: CompanySnapshot = { homeCurrency: "USD", multiCurrencyEnabled: false, automatedSalesTax: true, accounts: [{ id: "1", name: "Checking", type: "Bank" }], paymentMethods: [], taxCodes: [] };

  it("lists what keeps the sync off, in plain words", () => {
    const sales = [makeSale({ tips: 100, giftCards: [1000], tenders: [{ kind: "cash", amount: 300 }, { kind: "card", brand: "visa", fee: 30 }] })];
    const problems = missingMappings(defaultMapping(bare), needsOf(sales, [], company));
    expect(problems.map((problem) => problem.code)).toEqual(["tender.cash", "tender.card", "clearing", "tax.liability", "items.unmapped", "tips", "giftCards", "fees"]);
    expect(problems[0]?.message).toBe("Cash payments have no account to go to. Choose where they are deposited (usually Undeposited Funds).");
    expect(problems.find((problem) => problem.code === "giftCards")?.message).toMatch(/gift card sold is money owed, not income/);
  });

  it("refuses a liability as a deposit account and asks for multicurrency for foreign sales", () => {
    const mapping = fixtureMapping();
    mapping.tenders.cash = { account: account("89") };
    const problems = missingMappings(mapping, needsOf([makeSale({ currency: "CAD", tenders: [{ kind: "cash" }] })], [], company));
    expect(problems.map((problem) => problem.message)).toEqual([
      "Some sales are in CAD, but your QuickBooks company keeps its books in USD and multicurrency is off. Turn on multicurrency in QuickBooks (Settings → Account and settings → Advanced → Currency), then check again.",
      "Cash payments go to “Sales Tax Payable”, an account of type Other Current Liability, but payments can only be deposited to a bank or other current asset account such as Undeposited Funds.",
    ]);
  });

  it("asks for a location or class per source location when sales are tracked by location", () => {
    const mapping = fixtureMapping({ locations: { dimension: "department", byLocation: { "square:LOC-1": { id: "1", name: "Main St" } } } });
    const problems = missingMappings(mapping, needsOf([makeSale(), makeSale({ locationId: "LOC-2" })], [], company, { "square:LOC-2": "Harbor St" }));
    expect(problems).toEqual([{ code: "locations", message: "Square location “Harbor St” has no QuickBooks location. Choose one, or stop tracking sales by QuickBooks location." }]);
  });

  it("asks only for what the records need", () => {
    expect(missingMappings(defaultMapping(bare), needsOf([], [], company))).toEqual([]);
  });
});

describe("customerPlan", () => {
  const mapping = defaultMapping(usCompany);

  it("posts Square sales to the channel's generic customer by default", () => {
    expect(customerPlan("square", { email: "ana@example.com", name: "Ana" }, mapping)).toEqual({ kind: "generic", choice: { create: { displayName: "Square customer" } } });
  });

  it("matches Shopify buyers by email, creating them when QuickBooks does not know them", () => {
    expect(customerPlan("shopify", { email: " Ana@Example.com ", name: "Ana Ruiz" }, mapping)).toEqual({
      kind: "match_email",
      email: "ana@example.com",
      displayName: "Ana Ruiz",
      ifNotFound: { create: { displayName: "Ana Ruiz" } },
    });
  });

  it("falls back to the generic customer without an email, or when told not to create", () => {
    expect(customerPlan("shopify", { name: "Walk-in" }, mapping)).toEqual({ kind: "generic", choice: { create: { displayName: "Shopify customer" } } });
    const noCreate = { ...mapping, customers: { ...mapping.customers, shopify: { mode: "match_email" as const, ifNotFound: "generic" as const } }, genericCustomers: { ...mapping.genericCustomers, shopify: { use: { id: "58", name: "Online sales" } } } };
    expect(customerPlan("shopify", { email: "ana@example.com" }, noCreate)).toEqual({ kind: "match_email", email: "ana@example.com", displayName: "ana@example.com", ifNotFound: { use: { id: "58", name: "Online sales" } } });
  });
});

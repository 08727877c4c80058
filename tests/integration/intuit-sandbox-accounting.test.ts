import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_REALM_ID, SECOND_DEMO_REALM_ID, SEED_ACCOUNTS, type CloudEvent } from "../../sandbox/intuit/index";
import { checkObject } from "../../sandbox/intuit/accounting/validate";
import { faultOf, salesReceipt, startAccountingHarness, type AccountingHarness, type Json, type QuickBooksClient } from "./intuit-sandbox-accounting-harness";

/**
 * The QuickBooks Online accounting API of the Intuit sandbox, through HTTP with real tokens: entities, query,
 * updates and SyncToken, the rules derived from Intuit's XSDs, sales tax, journal entries, deposits, voids and
 * deletes, multicurrency, the control API's view of the books and the receipts page.
 * Demo Coffee (Oregon: AST at 0%) and Harbor Street (Massachusetts 6.25%, multicurrency) are the seeded companies.
 */

let harness: AccountingHarness;
let coffee: QuickBooksClient;
let harbor: QuickBooksClient;

beforeAll(async () => {
  harness = await startAccountingHarness();
  coffee = await harness.connect(DEMO_REALM_ID);
  harbor = await harness.connect(SECOND_DEMO_REALM_ID);
});

afterAll(async () => {
  await harness?.close();
});

let unique = 0;
const uniqueName = (prefix: string) => `${prefix} ${++unique}`;

async function created(client: QuickBooksClient, entity: string, body: Json, query?: Record<string, string>): Promise<Json> {
  const answer = await client.post(entity.toLowerCase(), body, query);
  if (answer.status !== 200) throw new Error(`${entity} create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body[entity];
}

async function newCompany(name: string): Promise<QuickBooksClient> {
  const response = await fetch(`${harness.sandbox.url}/_sandbox/companies`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
  const { realmId } = (await response.json()) as { realmId: string };
  return harness.connect(realmId);
}

describe("a new company's books", () => {
  it("are a common US company: accounts, payment methods, tax codes, preferences; no customers", async () => {
    const undeposited = await coffee.query("select * from Account where AccountSubType = 'UndepositedFunds'");
    expect(undeposited.body.QueryResponse.Account).toEqual([expect.objectContaining({ Id: SEED_ACCOUNTS.undepositedFunds, Name: "Undeposited Funds", AccountType: "Other Current Asset", Classification: "Asset" })]);
    const fees = await coffee.get(`account/${SEED_ACCOUNTS.merchantFees}`);
    expect(fees.body.Account).toMatchObject({ AccountType: "Expense", AccountSubType: "BankCharges" });
    const discounts = await coffee.query("select * from Account where AccountSubType = 'DiscountsRefundsGiven'");
    expect(discounts.body.QueryResponse.Account[0]).toMatchObject({ AccountType: "Income", Name: "Discounts given" });

    const methods = await coffee.query("select * from PaymentMethod");
    expect(methods.body.QueryResponse.PaymentMethod.map((method: Json) => [method.Name, method.Type])).toEqual([
      ["Cash", "NON_CREDIT_CARD"],
      ["Check", "NON_CREDIT_CARD"],
      ["Visa", "CREDIT_CARD"],
      ["MasterCard", "CREDIT_CARD"],
      ["American Express", "CREDIT_CARD"],
      ["Discover", "CREDIT_CARD"],
      ["Gift Card", "NON_CREDIT_CARD"],
    ]);
    const codes = await harbor.query("select * from TaxCode where Id in ('TAX', 'NON')");
    expect(codes.body.QueryResponse.TaxCode.map((code: Json) => [code.Id, code.Taxable])).toEqual([
      ["NON", false],
      ["TAX", true],
    ]);
    const rate = await harbor.query("select * from TaxRate");
    expect(rate.body.QueryResponse.TaxRate).toEqual([expect.objectContaining({ Name: "Massachusetts", RateValue: 6.25, AgencyRef: { value: "1" } })]);
    expect((await coffee.query("select count(*) from Customer")).body.QueryResponse).toEqual({ totalCount: 0 });
    expect((await coffee.query("select * from Customer")).body.QueryResponse).toEqual({});

    const coffeePreferences = (await coffee.get("preferences")).body.Preferences;
    expect(coffeePreferences.TaxPrefs).toMatchObject({ UsingSalesTax: true, PartnerTaxEnabled: true });
    expect(coffeePreferences.CurrencyPrefs).toEqual({ MultiCurrencyEnabled: false, HomeCurrency: { value: "USD" } });
    expect((await harbor.get("preferences")).body.Preferences.CurrencyPrefs).toEqual({ MultiCurrencyEnabled: true, HomeCurrency: { value: "USD" } });
  });
});

describe("create, read, query and update", () => {
  it("creates entities with Id, SyncToken 0 and MetaData, reads them by id, and pages through a query", async () => {
    const items: Json[] = [];
    for (const name of ["Tea A", "Tea B", "Tea C", "Tea D", "Earl's Tea"]) items.push(await created(coffee, "Item", { Name: name, Type: "NonInventory", IncomeAccountRef: { value: SEED_ACCOUNTS.salesOfProductIncome }, UnitPrice: 4.5 }));
    const [teaA, teaB] = items as [Json, Json];
    expect(teaA).toMatchObject({ domain: "QBO", sparse: false, SyncToken: "0", Active: true, FullyQualifiedName: "Tea A", IncomeAccountRef: { value: "5", name: "Sales of Product Income" } });
    expect(teaA.MetaData.CreateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-08:00$/);
    expect((await coffee.get(`item/${teaB.Id}`)).body.Item).toEqual(teaB);

    const page = await coffee.query("SELECT * FROM Item WHERE Name LIKE 'Tea%' ORDERBY Name DESC STARTPOSITION 2 MAXRESULTS 2");
    expect(page.status).toBe(200);
    expect(page.body.QueryResponse.Item.map((item: Json) => item.Name)).toEqual(["Tea C", "Tea B"]);
    expect(page.body.QueryResponse).toMatchObject({ startPosition: 2, maxResults: 2 });
    expect((await coffee.query("select count(*) from Item where Name like 'Tea%'")).body.QueryResponse).toEqual({ totalCount: 4 });
    expect((await coffee.query("select * from Item where Name = 'Earl\\'s Tea'")).body.QueryResponse.Item).toHaveLength(1);
    const projected = await coffee.query(`select Id, Name from Item where Id = '${teaA.Id}'`);
    expect(projected.body.QueryResponse.Item).toEqual([{ domain: "QBO", sparse: true, Id: teaA.Id, Name: "Tea A" }]);
    expect((await coffee.get("item/99999")).body.Fault.Error[0]).toMatchObject({ code: "610" });
  });

  it("works through intuit-oauth's makeApiCall: a create answers the entity, a Fault arrives as OAuthError.fault", async () => {
    const url = `v3/company/${DEMO_REALM_ID}/salesreceipt?minorversion=75`;
    const answer = await coffee.oauth.makeApiCall({ url, method: "POST", body: salesReceipt([{ amount: 7.25 }], { DocNumber: uniqueName("LIB") }) });
    expect(answer.json.SalesReceipt).toMatchObject({ TotalAmt: 7.25, SyncToken: "0" });
    const error = await coffee.oauth.makeApiCall({ url, method: "POST", body: { Line: [] } }).then(
      () => expect.unreachable("expected a rejection"),
      (caught: unknown) => caught as { fault: { type: string; errors: { code: string; detail: string }[] } },
    );
    expect(error.fault).toMatchObject({ type: "ValidationFault", errors: [{ code: "2020", detail: "Required parameter Line is missing in the request" }] });
  });

  it("updates sparsely or fully with the current SyncToken; a stale one answers 5010 and changes nothing", async () => {
    const customer = await created(coffee, "Customer", { GivenName: "Ada", FamilyName: "Byron", Notes: "regular" });
    expect(customer).toMatchObject({ DisplayName: "Ada Byron", PrintOnCheckName: "Ada Byron", SyncToken: "0" });

    const sparse = await coffee.post("customer", { Id: customer.Id, SyncToken: "0", sparse: true, Notes: "prefers oat milk" });
    expect(sparse.body.Customer).toMatchObject({ SyncToken: "1", GivenName: "Ada", Notes: "prefers oat milk" });
    const full = await coffee.post("customer", { Id: customer.Id, SyncToken: "1", DisplayName: "Ada Byron", GivenName: "Ada" });
    expect(full.body.Customer.SyncToken).toBe("2");
    expect(full.body.Customer.Notes).toBeUndefined();
    expect(full.body.Customer.FamilyName).toBeUndefined();

    const stale = await coffee.post("customer", { Id: customer.Id, SyncToken: "1", sparse: true, Notes: "lost update" });
    expect(stale.status).toBe(400);
    expect(faultOf(stale)).toMatchObject({ type: "ValidationFault", code: "5010", Message: "Stale Object Error" });
    expect((await coffee.get(`customer/${customer.Id}`)).body.Customer).toMatchObject({ SyncToken: "2" });
    expect(faultOf(await coffee.post("customer", { Id: customer.Id, sparse: true, Notes: "x" }))).toMatchObject({ code: "2020", element: "SyncToken" });
  });
});

describe("rules from Intuit's XSDs", () => {
  it("rejects a missing required element, an over-long string, a bad enumeration value, an unknown property and a bad reference", async () => {
    const before = harness.sandbox.documents(DEMO_REALM_ID, "SalesReceipt").count;
    const rejections: [unknown, Record<string, string>][] = [
      [await coffee.post("salesreceipt", { PrivateNote: "no lines" }), { code: "2020", element: "Line" }],
      [await coffee.post("salesreceipt", salesReceipt([{ amount: 5 }], { DocNumber: "D".repeat(22) })), { code: "2050", element: "DocNumber" }],
      [await coffee.post("salesreceipt", salesReceipt([{ amount: 5 }], { PrivateNote: "n".repeat(4001) })), { code: "2050", element: "PrivateNote" }],
      [await coffee.post("salesreceipt", salesReceipt([{ amount: 5 }], { Tip: 1 })), { code: "2010", element: "Tip" }],
      [await coffee.post("salesreceipt", { Line: [{ Amount: 5, DetailType: "SaleLine", SalesItemLineDetail: { ItemRef: { value: "1" } } }] }), { code: "2010", element: "Line.DetailType" }],
      [await coffee.post("salesreceipt", { Line: [{ Amount: 5, SalesItemLineDetail: { ItemRef: { value: "1" } } }] }), { code: "2020", element: "Line.DetailType" }],
      [await coffee.post("salesreceipt", { Line: [{ DetailType: "SalesItemLineDetail", SalesItemLineDetail: { ItemRef: { value: "1" } } }] }), { code: "2020", element: "Line.Amount" }],
      [await coffee.post("salesreceipt", { Line: [{ Amount: 5, DetailType: "SalesItemLineDetail", SalesItemLineDetail: { ItemRef: { value: "999" } } }] }), { code: "2500", element: "Line.SalesItemLineDetail.ItemRef" }],
      [await coffee.post("salesreceipt", salesReceipt([{ amount: 5 }], { PaymentMethodRef: { value: "77" } })), { code: "2500", element: "PaymentMethodRef" }],
      [await coffee.post("salesreceipt", salesReceipt([{ amount: 5 }], { DepartmentRef: { value: "3" } })), { code: "2500", element: "DepartmentRef" }],
      [await coffee.post("salesreceipt", salesReceipt([{ amount: "five" as unknown as number }])), { code: "2010", element: "Line.Amount" }],
    ];
    for (const [answer, expected] of rejections) {
      expect((answer as { status: number }).status).toBe(400);
      expect(faultOf(answer as never)).toMatchObject({ type: "ValidationFault", ...expected });
    }
    expect(faultOf(rejections[3]![0] as never).Detail).toBe(
      'Property Name:Unrecognized field "Tip" (class com.intuit.schema.finance.v3.SalesReceipt), not marked as ignorable specified is unsupported or invalid',
    );
    expect(faultOf(rejections[1]![0] as never).Detail).toBe("String length specified does not match the supported length. Min:0 Max:21 supported. Supplied length:22");

    expect(faultOf(await coffee.post("item", { Name: "x".repeat(101), Type: "Service", IncomeAccountRef: { value: "6" } }))).toMatchObject({ code: "2050", element: "Name" });
    expect(faultOf(await coffee.post("item", { Name: "Scone", Type: "Pastry", IncomeAccountRef: { value: "6" } }))).toMatchObject({ code: "2010", element: "Type" });
    expect(faultOf(await coffee.post("customer", { DisplayName: "d".repeat(501) }))).toMatchObject({ code: "2050", element: "DisplayName" });
    expect(faultOf(await coffee.post("customer", { Notes: "no name" }))).toMatchObject({ code: "2020", element: "DisplayName" });
    expect(faultOf(await coffee.post("account", { Name: "Petty cash" }))).toMatchObject({ code: "2020", element: "AccountType" });
    expect(faultOf(await coffee.post("department", {}))).toMatchObject({ code: "2020", element: "Name" });
    expect(faultOf(await coffee.post("class", { Name: "Wholesale", Color: "red" }))).toMatchObject({ code: "2010" });
    expect(faultOf(await coffee.post("taxcode", { Name: "NEW" }))).toMatchObject({ code: "500", Message: "Unsupported Operation" });
    expect(harness.sandbox.documents(DEMO_REALM_ID, "SalesReceipt").count).toBe(before);
  });

  it("keeps names unique (6240) among active Items, Accounts and Customers; an inactive entry frees its name", async () => {
    const name = uniqueName("Cold Brew");
    const item = await created(coffee, "Item", { Name: name, Type: "Service", IncomeAccountRef: { value: SEED_ACCOUNTS.salesOfProductIncome } });
    const duplicate = await coffee.post("item", { Name: name.toUpperCase(), Type: "Service", IncomeAccountRef: { value: SEED_ACCOUNTS.salesOfProductIncome } });
    expect(faultOf(duplicate)).toMatchObject({ code: "6240", Message: "Duplicate Name Exists Error", Detail: `The name supplied already exists. : Id=${item.Id}` });
    expect(faultOf(await coffee.post("account", { Name: "Checking", AccountType: "Bank" }))).toMatchObject({ code: "6240" });
    await created(coffee, "Customer", { DisplayName: "Walk-in" });
    expect(faultOf(await coffee.post("customer", { DisplayName: "walk-in" }))).toMatchObject({ code: "6240" });
    expect(faultOf(await coffee.post("customer", { DisplayName: "Oregon Department of Revenue" }))).toMatchObject({ code: "6240" });

    const retired = await coffee.post("item", { Id: item.Id, SyncToken: item.SyncToken, sparse: true, Active: false });
    expect(retired.body.Item).toMatchObject({ Active: false, Name: `${name} (deleted)` });
    expect((await coffee.query(`select * from Item where Name = '${name} (deleted)'`)).body.QueryResponse).toEqual({});
    expect((await coffee.query(`select * from Item where Name = '${name} (deleted)' and Active in (true, false)`)).body.QueryResponse.Item).toHaveLength(1);
    await created(coffee, "Item", { Name: name, Type: "Service", IncomeAccountRef: { value: SEED_ACCOUNTS.salesOfProductIncome } });
    expect(faultOf(await coffee.post("salesreceipt", { Line: [{ Amount: 1, DetailType: "SalesItemLineDetail", SalesItemLineDetail: { ItemRef: { value: item.Id } } }] }))).toMatchObject({ code: "610" });
  });

  it("keeps DocNumbers unique per transaction type (6140) unless the request or the company allows duplicates; numbers sales forms itself", async () => {
    const company = await newCompany("DocNumber Bakery");
    const first = await created(company, "SalesReceipt", salesReceipt([{ amount: 3 }], { DocNumber: "SQ-1001" }));
    const duplicate = await company.post("salesreceipt", salesReceipt([{ amount: 3 }], { DocNumber: "sq-1001" }));
    expect(duplicate.status).toBe(400);
    expect(faultOf(duplicate)).toMatchObject({ code: "6140", Message: "Duplicate Document Number Error", element: "DocNumber" });
    expect(faultOf(duplicate).Detail).toContain(`TxnId=${first.Id}`);
    await created(company, "RefundReceipt", { ...salesReceipt([{ amount: 3 }]), DocNumber: "SQ-1001", DepositToAccountRef: { value: SEED_ACCOUNTS.checking } });
    await created(company, "SalesReceipt", salesReceipt([{ amount: 3 }], { DocNumber: "SQ-1001" }), { include: "allowduplicatedocnum" });
    harness.sandbox.setPreferences(company.realmId, { uniqueDocNumbers: false });
    await created(company, "SalesReceipt", salesReceipt([{ amount: 3 }], { DocNumber: "SQ-1001" }));

    const numbered = await created(company, "SalesReceipt", salesReceipt([{ amount: 2 }]));
    const next = await created(company, "SalesReceipt", salesReceipt([{ amount: 2 }]));
    expect([numbered.DocNumber, next.DocNumber]).toEqual(["1001", "1002"]);
    harness.sandbox.setPreferences(company.realmId, { customTxnNumbers: true });
    expect((await created(company, "SalesReceipt", salesReceipt([{ amount: 2 }]))).DocNumber).toBeUndefined();
  });
});

describe("sales receipts", () => {
  it("checks Amount = Qty × UnitPrice to the cent, applies discounts, adds the subtotal line and totals", async () => {
    const receipt = await created(coffee, "SalesReceipt", {
      Line: [
        ...salesReceipt([
          { qty: 3, unitPrice: 1.15, amount: 3.45 },
          { qty: 0.333, unitPrice: 9.99, amount: 3.33 },
        ]).Line,
        // A percent discount: QuickBooks computes its Amount from the subtotal (the 1.00 sent is replaced).
        { Amount: 1, DetailType: "DiscountLineDetail", DiscountLineDetail: { PercentBased: true, DiscountPercent: 10 } },
      ],
      PaymentMethodRef: { value: "3" },
    });
    expect(receipt.Line.map((line: Json) => [line.DetailType, line.Amount])).toEqual([
      ["SalesItemLineDetail", 3.45],
      ["SalesItemLineDetail", 3.33],
      ["SubTotalLineDetail", 6.78],
      ["DiscountLineDetail", 0.68],
    ]);
    expect(receipt).toMatchObject({ TotalAmt: 6.1, Balance: 0, DepositToAccountRef: { value: SEED_ACCOUNTS.undepositedFunds, name: "Undeposited Funds" }, PaymentMethodRef: { value: "3", name: "Visa" } });
    expect(receipt.Line[3].DiscountLineDetail.DiscountAccountRef).toEqual({ value: SEED_ACCOUNTS.discountsGiven, name: "Discounts given" });

    const wrong = await coffee.post("salesreceipt", salesReceipt([{ qty: 3, unitPrice: 1.15, amount: 3.4 }]));
    expect(faultOf(wrong)).toMatchObject({ code: "6070" });
  });

  it("computes automated sales tax on the taxable lines at the company's rate, or honors a sent TotalTax exactly", async () => {
    const computed = await created(harbor, "SalesReceipt", salesReceipt([
      { amount: 10, taxCode: "TAX" },
      { amount: 5, taxCode: "NON" },
    ]));
    expect(computed.TxnTaxDetail).toEqual({
      TxnTaxCodeRef: { value: "1", name: "MA" },
      TotalTax: 0.63,
      TaxLine: [{ Amount: 0.63, DetailType: "TaxLineDetail", TaxLineDetail: { TaxRateRef: { value: "1", name: "Massachusetts" }, PercentBased: true, TaxPercent: 6.25, NetAmountTaxable: 10 } }],
    });
    expect(computed.TotalAmt).toBe(15.63);

    const honored = await created(harbor, "SalesReceipt", salesReceipt([{ amount: 10, taxCode: "TAX" }, { amount: 5, taxCode: "NON" }], { TxnTaxDetail: { TotalTax: 0.7 } }));
    expect(honored.TxnTaxDetail).toMatchObject({ TotalTax: 0.7, TaxLine: [{ Amount: 0.7 }] });
    expect(honored.TotalAmt).toBe(15.7);
    const untaxed = await created(harbor, "SalesReceipt", salesReceipt([{ amount: 8 }]));
    expect([untaxed.TxnTaxDetail, untaxed.TotalAmt]).toEqual([{ TotalTax: 0 }, 8]);
  });

  it("without automated sales tax takes the tax code and amounts as sent", async () => {
    const company = await newCompany("Manual Tax Deli");
    harness.sandbox.setPreferences(company.realmId, { automatedSalesTax: false });
    expect((await company.get("preferences")).body.Preferences.TaxPrefs.PartnerTaxEnabled).toBe(false);
    const missingCode = await company.post("salesreceipt", salesReceipt([{ amount: 10, taxCode: "TAX" }], { TxnTaxDetail: { TotalTax: 1 } }));
    expect(faultOf(missingCode)).toMatchObject({ code: "2020", element: "TxnTaxDetail.TxnTaxCodeRef" });
    expect(faultOf(await company.post("salesreceipt", salesReceipt([{ amount: 10 }], { TxnTaxDetail: { TxnTaxCodeRef: { value: "99" }, TotalTax: 1 } })))).toMatchObject({ code: "2500" });
    const receipt = await created(company, "SalesReceipt", salesReceipt([{ amount: 10, taxCode: "TAX" }], { TxnTaxDetail: { TxnTaxCodeRef: { value: "1" }, TotalTax: 0.99 } }));
    expect(receipt.TxnTaxDetail).toEqual({ TxnTaxCodeRef: { value: "1", name: "CA" }, TotalTax: 0.99 });
    expect(receipt.TotalAmt).toBe(10.99);
  });

  it("records foreign-currency receipts at the company's exchange rate in a multicurrency company, and answers ExchangeRate", async () => {
    const euro = await created(harbor, "SalesReceipt", salesReceipt([{ amount: 100 }], { CurrencyRef: { value: "EUR" } }));
    expect(euro).toMatchObject({ CurrencyRef: { value: "EUR", name: "Euro" }, ExchangeRate: 1.08, TotalAmt: 100, HomeTotalAmt: 108 });
    harness.sandbox.setExchangeRate(SECOND_DEMO_REALM_ID, "EUR", 1.1, "2026-06-01");
    const later = await created(harbor, "SalesReceipt", salesReceipt([{ amount: 10 }], { CurrencyRef: { value: "EUR" }, TxnDate: "2026-06-02" }));
    expect(later).toMatchObject({ ExchangeRate: 1.1, HomeTotalAmt: 11 });
    const rate = await harbor.get("exchangerate", { sourcecurrencycode: "EUR", asofdate: "2026-03-01" });
    expect(rate.body.ExchangeRate).toMatchObject({ SourceCurrencyCode: "EUR", TargetCurrencyCode: "USD", Rate: 1.08 });

    expect(faultOf(await coffee.post("salesreceipt", salesReceipt([{ amount: 10 }], { CurrencyRef: { value: "EUR" } })))).toMatchObject({ code: "6000", element: "CurrencyRef" });
    expect(faultOf(await coffee.get("exchangerate", { sourcecurrencycode: "EUR" }))).toMatchObject({ code: "6000" });
  });
});

describe("journal entries, deposits, voids and deletes", () => {
  it("refuses an unbalanced journal entry (6000) and totals a balanced one by its debits", async () => {
    const line = (postingType: string, account: string, amount: number) => ({ Amount: amount, DetailType: "JournalEntryLineDetail", JournalEntryLineDetail: { PostingType: postingType, AccountRef: { value: account } } });
    const unbalanced = await coffee.post("journalentry", { Line: [line("Debit", SEED_ACCOUNTS.undepositedFunds, 100), line("Credit", SEED_ACCOUNTS.salesOfProductIncome, 99.99)] });
    expect(unbalanced.status).toBe(400);
    expect(faultOf(unbalanced)).toMatchObject({ code: "6000", Message: "A business validation error has occurred while processing your request" });
    expect(faultOf(unbalanced).Detail).toContain("debits total 100.00 and credits total 99.99");
    expect(faultOf(await coffee.post("journalentry", { Line: [line("Debit", SEED_ACCOUNTS.accountsReceivable, 5), line("Credit", SEED_ACCOUNTS.services, 5)] }))).toMatchObject({ code: "6000" });
    expect(faultOf(await coffee.post("journalentry", { Line: [{ ...line("Debitt", "1", 5) }] }))).toMatchObject({ code: "2010", element: "Line.JournalEntryLineDetail.PostingType" });

    const entry = await created(coffee, "JournalEntry", {
      DocNumber: uniqueName("JE"),
      Line: [line("Debit", SEED_ACCOUNTS.undepositedFunds, 97.1), line("Debit", SEED_ACCOUNTS.merchantFees, 2.9), line("Credit", SEED_ACCOUNTS.salesOfProductIncome, 100)],
    });
    expect(entry.TotalAmt).toBe(100);
    expect(entry.Line[1].JournalEntryLineDetail.AccountRef).toEqual({ value: SEED_ACCOUNTS.merchantFees, name: "Merchant Processing Fees" });
  });

  it("deposits receipts out of Undeposited Funds once; a deposited receipt cannot change (6540); voids keep the number, deletes remove", async () => {
    const receipt = await created(coffee, "SalesReceipt", salesReceipt([{ amount: 40 }], { DocNumber: uniqueName("SQ") }));
    const deposit = await created(coffee, "Deposit", {
      DepositToAccountRef: { value: SEED_ACCOUNTS.checking },
      Line: [
        { Amount: 40, LinkedTxn: [{ TxnId: receipt.Id, TxnType: "SalesReceipt" }] },
        { Amount: -1.46, DetailType: "DepositLineDetail", DepositLineDetail: { AccountRef: { value: SEED_ACCOUNTS.merchantFees } } },
      ],
    });
    expect(deposit.TotalAmt).toBe(38.54);
    const twice = await coffee.post("deposit", { DepositToAccountRef: { value: SEED_ACCOUNTS.checking }, Line: [{ Amount: 40, LinkedTxn: [{ TxnId: receipt.Id, TxnType: "SalesReceipt" }] }] });
    expect(faultOf(twice).Detail).toContain("already been deposited");
    expect(faultOf(await coffee.post("salesreceipt", { Id: receipt.Id, SyncToken: receipt.SyncToken }, { operation: "delete" }))).toMatchObject({ code: "6540" });

    const removed = await coffee.post("deposit", { Id: deposit.Id, SyncToken: deposit.SyncToken }, { operation: "delete" });
    expect(removed.body.Deposit).toEqual({ domain: "QBO", status: "Deleted", Id: deposit.Id });
    expect(faultOf(await coffee.get(`deposit/${deposit.Id}`))).toMatchObject({ code: "610" });

    const voided = await coffee.post("salesreceipt", { Id: receipt.Id, SyncToken: receipt.SyncToken, sparse: true }, { operation: "void" });
    expect(voided.body.SalesReceipt).toMatchObject({ DocNumber: receipt.DocNumber, TotalAmt: 0, PrivateNote: "Voided", SyncToken: "1" });
    expect(harness.sandbox.documents(DEMO_REALM_ID, "SalesReceipt").documents.find((document) => document.id === receipt.Id)).toMatchObject({ voided: true, totalCents: 0 });
    expect(faultOf(await coffee.post("salesreceipt", salesReceipt([{ amount: 1 }], { DocNumber: receipt.DocNumber })))).toMatchObject({ code: "6140" });
    expect(faultOf(await coffee.post("item", { Id: "1", SyncToken: "0" }, { operation: "delete" }))).toMatchObject({ code: "500" });
  });
});

describe("what the merchant and the app's tests see", () => {
  it("lists a company's documents with totals, shows its receipts on a page, and raises webhooks for the writes", async () => {
    const company = await newCompany("Page Roasters");
    const customer = await created(company, "Customer", { DisplayName: "Grace Hopper" });
    const sale = await created(company, "SalesReceipt", salesReceipt([{ amount: 12.5 }], { DocNumber: "SQ-77", TxnDate: "2026-03-14", CustomerRef: { value: customer.Id } }));
    await created(company, "RefundReceipt", { ...salesReceipt([{ amount: 2.25 }]), DocNumber: "RF-1", DepositToAccountRef: { value: SEED_ACCOUNTS.checking } });

    const listed = (await (await fetch(`${harness.sandbox.url}/_sandbox/companies/${company.realmId}/documents?type=SalesReceipt`)).json()) as Json;
    expect(listed).toMatchObject({ entity: "SalesReceipt", count: 1, totalCents: 1250, documents: [{ id: sale.Id, docNumber: "SQ-77", txnDate: "2026-03-14", customer: "Grace Hopper", totalCents: 1250, voided: false }] });
    expect((await fetch(`${harness.sandbox.url}/_sandbox/companies/${company.realmId}/documents?type=Invoice`)).status).toBe(400);

    const page = await (await fetch(`${harness.sandbox.url}/app/${company.realmId}`)).text();
    expect(page).toContain("Page Roasters");
    expect(page).toMatch(/SQ-77<\/td><td>2026-03-14<\/td><td>Grace Hopper<\/td><td[^>]*>12\.50/);
    expect(page).toContain("RF-1");
    expect(await (await fetch(`${harness.sandbox.url}/`)).text()).toContain(`href="/app/${company.realmId}"`);

    await harness.receiver.waitFor(3);
    const events = harness.receiver.received.flatMap((request) => JSON.parse(request.rawBody) as CloudEvent[]).filter((event) => event.intuitaccountid === company.realmId);
    expect(events.map((event) => [event.type, event.intuitentityid])).toEqual(
      expect.arrayContaining([
        ["qbo.customer.created.v1", customer.Id],
        ["qbo.salesreceipt.created.v1", sale.Id],
      ]),
    );
  });

  it("answers entities that are valid against the XSD rules it enforces", async () => {
    const answers: [string, Json][] = [
      ["SalesReceipt", (await harbor.query("select * from SalesReceipt maxresults 5")).body.QueryResponse.SalesReceipt[0]],
      ["Item", (await coffee.get("item/1")).body.Item],
      ["Account", (await coffee.get(`account/${SEED_ACCOUNTS.checking}`)).body.Account],
      ["Customer", (await coffee.query("select * from Customer maxresults 1")).body.QueryResponse.Customer[0]],
      ["JournalEntry", (await coffee.query("select * from JournalEntry")).body.QueryResponse.JournalEntry[0]],
      ["TaxCode", (await harbor.get("taxcode/1")).body.TaxCode],
      ["TaxRate", (await harbor.get("taxrate/1")).body.TaxRate],
      ["TaxAgency", (await harbor.get("taxagency/1")).body.TaxAgency],
      ["PaymentMethod", (await coffee.get("paymentmethod/5")).body.PaymentMethod],
      ["Preferences", (await harbor.get("preferences")).body.Preferences],
      ["CompanyInfo", (await coffee.get(`companyinfo/${DEMO_REALM_ID}`)).body.CompanyInfo],
    ];
    for (const [entity, answer] of answers) {
      expect(answer, entity).toBeDefined();
      expect(() => checkObject(entity, answer, "")).not.toThrow();
    }
  });
});

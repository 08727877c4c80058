import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionAuthorizationError, RateLimitedError, RecordValidationError, TransientError } from "~/jobs/errors";
import { DEMO_REALM_ID, SECOND_DEMO_REALM_ID, SEED_ACCOUNTS, type IntuitSandbox } from "../../../sandbox/intuit/index";
import { answerConsentPage } from "../../support/consent-forms";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";

// The app's QuickBooks accounting client against the Intuit sandbox over HTTP: a tenant connects QuickBooks
// through the consent page, then every call goes through the shared budget with the sealed, renewed tokens.
// Each scenario that changes a company's state gets a company of its own.

const APP_URL = "http://localhost:3000";
let intuit: IntuitSandbox;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes>>;
let app: {
  db: typeof import("~/db.server");
  flow: typeof import("~/integrations/connections/flow.server");
  tenants: typeof import("~/models/tenants.server");
  client: typeof import("~/integrations/quickbooks/api-client.server");
  accounting: typeof import("~/integrations/quickbooks/accounting.server");
  faults: typeof import("~/integrations/quickbooks/faults.server");
  mapping: typeof import("~/domain/accounting/mapping");
  posting: typeof import("~/domain/accounting/posting");
  receipts: typeof import("~/domain/accounting/sales-receipt");
  fixtures: typeof import("~/domain/accounting/test-fixtures");
  keyRing: typeof import("~/security/key-ring.server");
  encryption: typeof import("~/security/encryption.server");
  config: typeof import("~/config.server");
};
let counter = 0;

beforeAll(async () => {
  sandboxes = await startVendorSandboxes(APP_URL, ["intuit"]);
  ({ intuit } = sandboxes);
  app = {
    db: await import("~/db.server"),
    flow: await import("~/integrations/connections/flow.server"),
    tenants: await import("~/models/tenants.server"),
    client: await import("~/integrations/quickbooks/api-client.server"),
    accounting: await import("~/integrations/quickbooks/accounting.server"),
    faults: await import("~/integrations/quickbooks/faults.server"),
    mapping: await import("~/domain/accounting/mapping"),
    posting: await import("~/domain/accounting/posting"),
    receipts: await import("~/domain/accounting/sales-receipt"),
    fixtures: await import("~/domain/accounting/test-fixtures"),
    keyRing: await import("~/security/key-ring.server"),
    encryption: await import("~/security/encryption.server"),
    config: await import("~/config.server"),
  };
});

afterEach(() => {
  intuit.resetFaults();
});

afterAll(async () => {
  await sandboxes.close();
});

const db = () => app.db.db();

async function control(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${intuit.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`sandbox control ${path} answered ${response.status}`);
  return response.json();
}

/** A fresh sandbox company (a common US company: seeded accounts, AST on at California's rate). */
async function newCompany(): Promise<string> {
  counter += 1;
  const company = (await control("/_sandbox/companies", { name: `Client Test Co ${counter}` })) as { realmId: string };
  return company.realmId;
}

/** A tenant with QuickBooks connected to `realmId` through the consent page, and its account for the client. */
async function connectedTenant(realmId: string) {
  counter += 1;
  const { tenantId } = await app.tenants.installShopifyTenant(db(), { shop: `qbo-client-${counter}.myshopify.com`, shopName: `QBO Client ${counter}`, scopes: [] });
  const authorizeUrl = await app.flow.startConnection(db(), { tenantId, provider: "QUICKBOOKS", actor: "shopify-user:1", returnTo: "http://admin.example/connections" });
  const callback = await answerConsentPage(authorizeUrl, { account: { field: "realmId", value: realmId }, button: { field: "action", value: "connect" } });
  const outcome = await app.flow.completeConnection(db(), "QUICKBOOKS", callback);
  if (!outcome.ok) throw new Error(`connecting QuickBooks failed: ${outcome.message}`);
  return app.client.quickBooksAccount(db(), tenantId);
}

/** Everything a sale needs in the company (items, the channel's customer), then its documents, as the sync will. */
async function saleDocuments(account: Awaited<ReturnType<typeof connectedTenant>>, saleId: string) {
  const { accounting, mapping, posting, receipts, fixtures } = app;
  const company = await accounting.readCompanySnapshot(db(), account);
  const chosen = mapping.defaultMapping(company);
  const sale = fixtures.makeSale({ id: saleId, lines: [{ sku: `BEAN-${saleId}`, name: "Coffee beans 1kg", unit: 1800, tax: 131 }] });
  const items: Record<string, import("~/domain/accounting/mapping").ItemRef> = {};
  for (const { key, item } of posting.itemsToCreate([sale], chosen)) items[key] = await accounting.createItem(db(), account, item);
  const generic = chosen.genericCustomers.square;
  const customer = "use" in generic ? generic.use : await accounting.createCustomer(db(), account, { displayName: generic.create.displayName });
  const ctx = { tenantId: account.tenantId, mapping: chosen, company, refs: { items, customer } };
  return { sale, company, documents: receipts.buildSaleDocuments(sale, ctx) };
}

async function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  const { logger } = await import("~/observability/logger.server");
  const level = logger.level;
  logger.level = "debug";
  try {
    return { result: await work(), output: chunks.join("") };
  } finally {
    logger.level = level;
    process.stdout.write = original;
  }
}

describe("reading the company", () => {
  it("reads the company snapshot the mapping is made from, at minor version 75 with JSON answers", async () => {
    const account = await connectedTenant(DEMO_REALM_ID);
    const snapshot = await app.accounting.readCompanySnapshot(db(), account);
    expect(snapshot).toMatchObject({ homeCurrency: "USD", multiCurrencyEnabled: false, automatedSalesTax: true });
    expect(snapshot.accounts).toContainEqual({ id: SEED_ACCOUNTS.undepositedFunds, name: "Undeposited Funds", type: "Other Current Asset", subType: "UndepositedFunds", active: true });
    expect(snapshot.accounts).toContainEqual(expect.objectContaining({ id: SEED_ACCOUNTS.merchantFees, name: "Merchant Processing Fees", type: "Expense" }));
    expect(snapshot.paymentMethods.map((method) => method.name)).toEqual(expect.arrayContaining(["Cash", "Visa", "MasterCard", "American Express", "Discover"]));
    expect(snapshot.taxCodes.map((code) => code.id)).toEqual(expect.arrayContaining(["TAX", "NON"]));

    // The domain's default mapping works from it without setup: cards and cash to Undeposited Funds.
    const mapping = app.mapping.defaultMapping(snapshot);
    expect(mapping.tenders.cardBrands.visa).toEqual({ account: { id: SEED_ACCOUNTS.undepositedFunds, name: "Undeposited Funds", type: "Other Current Asset" }, paymentMethod: { id: "3", name: "Visa" } });
    expect(mapping.fees.expenseAccount?.id).toBe(SEED_ACCOUNTS.merchantFees);

    const calls = intuit.apiCalls().filter((call) => call.realmId === DEMO_REALM_ID);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.every((call) => call.minorVersion === 75 && call.status === 200)).toBe(true);

    // Pages of two rows give the same lists as one page of a thousand.
    const paged = await app.accounting.readCompanySnapshot(db(), account, { pageSize: 2 });
    expect(paged).toEqual(snapshot);
  });

  it("reads a multicurrency company and its exchange rates", async () => {
    const account = await connectedTenant(SECOND_DEMO_REALM_ID);
    const snapshot = await app.accounting.readCompanySnapshot(db(), account);
    expect(snapshot).toMatchObject({ homeCurrency: "USD", multiCurrencyEnabled: true });
    expect(await app.accounting.readExchangeRate(db(), account, "EUR", "2026-11-26")).toEqual({ rate: "1.08", asOfDate: expect.any(String), homeCurrency: "USD" });
    expect(await app.accounting.readExchangeRate(db(), account, "JPY", "2026-11-26")).toBeNull();
  });
});

describe("items and customers", () => {
  it("finds items by SKU across pages and chunks, and adopts its own item when a create's answer was lost", async () => {
    const account = await connectedTenant(await newCompany());
    const income = { id: SEED_ACCOUNTS.salesOfProductIncome, name: "Sales of Product Income", type: "Income" as const };
    const skus = ["TEA-1", "TEA-2", "TEA-3", "TEA-'4'", "TEA-5"];
    const created = [];
    for (const sku of skus) created.push(await app.accounting.createItem(db(), account, { name: `Tea ${sku}`, type: "NonInventory", incomeAccount: income, sku }));
    const callsBefore = intuit.stats().byRealm[account.realmId]!.apiCalls;
    const found = await app.accounting.findItemsBySku(db(), account, [...skus, "tea-1", "NOPE-1"], { pageSize: 2, skusPerQuery: 4 });
    // Two chunks of SKUs (4 and 2 distinct), the first over three pages (2 + 2 + an empty one), the second one page.
    expect(intuit.stats().byRealm[account.realmId]!.apiCalls - callsBefore).toBe(4);
    expect([...found.keys()].sort()).toEqual([...skus, "tea-1"].sort());
    expect(found.get("TEA-'4'")).toMatchObject({ id: created[3]!.id, name: "Tea TEA-'4'", sku: "TEA-'4'", type: "NonInventory", active: true, incomeAccount: { id: income.id } });
    expect(found.get("tea-1")?.id).toBe(created[0]!.id);

    // A create whose answer was lost, sent again without a requestid: the name is taken by the same SKU's item.
    intuit.setFaults({ lostResponseRate: 1 });
    await expect(app.accounting.createItem(db(), account, { name: "Tea TEA-6", type: "NonInventory", incomeAccount: income, sku: "TEA-6" })).rejects.toBeInstanceOf(app.client.QuickBooksOutcomeUnknownError);
    intuit.resetFaults();
    const again = await app.accounting.createItem(db(), account, { name: "Tea TEA-6", type: "NonInventory", incomeAccount: income, sku: "TEA-6" });
    expect((await app.accounting.findItemsBySku(db(), account, ["TEA-6"])).get("TEA-6")?.id).toBe(again.id);

    // The same name for another SKU is the merchant's to sort out.
    const clash = await app.accounting.createItem(db(), account, { name: "Tea TEA-6", type: "NonInventory", incomeAccount: income, sku: "OTHER-6" }).catch((error: unknown) => error);
    expect(clash).toMatchObject({ name: "QuickBooksFault", code: "6240" });
  });

  it("creates customers with unique display names and finds them by email", async () => {
    const account = await connectedTenant(await newCompany());
    const ana = await app.accounting.createCustomer(db(), account, { displayName: "Ana Díaz", email: "ana@example.com" });
    expect(ana.name).toBe("Ana Díaz");
    // Another Ana Díaz: the name gets her email; a third one, without email, a number.
    const otherAna = await app.accounting.createCustomer(db(), account, { displayName: "Ana Díaz", email: "ana.diaz@example.org" });
    expect(otherAna).toMatchObject({ name: "Ana Díaz (ana.diaz@example.org)" });
    expect(await app.accounting.createCustomer(db(), account, { displayName: "ana díaz" })).toMatchObject({ name: "ana díaz 2" });
    // The same person again (an earlier answer lost): the customer with her email is hers.
    expect(await app.accounting.createCustomer(db(), account, { displayName: "Ana Díaz", email: "ANA@example.com" })).toEqual(ana);

    expect(await app.accounting.findCustomerByEmail(db(), account, " Ana@Example.com ")).toEqual(ana);
    expect(await app.accounting.findCustomerByEmail(db(), account, "ana.diaz@example.org", { pageSize: 1 })).toEqual(otherAna);
    expect(await app.accounting.findCustomerByEmail(db(), account, "nobody@example.com")).toBeNull();
  });
});

describe("documents", () => {
  it("creates a sales receipt built by the domain and reads it back, by Id and by DocNumber", async () => {
    const realmId = await newCompany();
    const account = await connectedTenant(realmId);
    const { sale, documents } = await saleDocuments(account, "ORDER-READ-1");
    const { receipt } = documents;
    const created = await app.accounting.createDocument(db(), account, "SalesReceipt", receipt.payload, receipt.requestId);
    expect(created).toMatchObject({ DocNumber: receipt.docNumber, TotalAmt: 19.31, SyncToken: "0", TxnDate: sale.businessDate });

    const read = await app.accounting.readDocument(db(), account, "SalesReceipt", created.Id);
    expect(read).toMatchObject({ Id: created.Id, DocNumber: receipt.docNumber, TotalAmt: 19.31, DepositToAccountRef: { value: SEED_ACCOUNTS.undepositedFunds, name: "Undeposited Funds" } });
    expect(await app.accounting.findDocumentByDocNumber(db(), account, "SalesReceipt", receipt.docNumber)).toMatchObject({ Id: created.Id });
    expect(await app.accounting.findDocumentByDocNumber(db(), account, "SalesReceipt", "SQ-NONE")).toBeNull();
    expect(await app.accounting.readDocument(db(), account, "SalesReceipt", "999999")).toBeNull();
    // What the merchant's QuickBooks now holds: one receipt of the sale's total, to the cent.
    expect(intuit.documents(realmId, "SalesReceipt")).toMatchObject({ count: 1, totalCents: sale.total.amount });
  });

  it("replays a create whose answer was lost: the same document comes back and only one exists", async () => {
    const realmId = await newCompany();
    const account = await connectedTenant(realmId);
    const { receipt } = (await saleDocuments(account, "ORDER-LOST-1")).documents;
    intuit.setFaults({ lostResponseRate: 1 });
    const lost = await app.accounting.createDocument(db(), account, "SalesReceipt", receipt.payload, receipt.requestId).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(app.client.QuickBooksOutcomeUnknownError);
    expect(lost).toBeInstanceOf(TransientError);
    expect(app.client.isOutcomeUnknown(lost)).toBe(true);
    expect((lost as InstanceType<typeof app.client.QuickBooksOutcomeUnknownError>).request).toEqual({ method: "POST", path: "salesreceipt", requestId: receipt.requestId });
    intuit.resetFaults();
    // The work was done: the document exists although no answer came.
    const existing = await app.accounting.findDocumentByDocNumber(db(), account, "SalesReceipt", receipt.docNumber);
    expect(existing).not.toBeNull();

    const replays = intuit.stats().byRealm[realmId]?.apiReplays ?? 0;
    const again = await app.accounting.createDocument(db(), account, "SalesReceipt", receipt.payload, receipt.requestId);
    expect(again.Id).toBe(existing!.Id);
    expect(intuit.stats().byRealm[realmId]?.apiReplays).toBe(replays + 1);
    expect(intuit.documents(realmId, "SalesReceipt").count).toBe(1);
  });

  it("a second document with the same DocNumber is a QuickBooksFault 6140 the merchant can act on", async () => {
    const account = await connectedTenant(await newCompany());
    const { receipt } = (await saleDocuments(account, "ORDER-DUP-1")).documents;
    await app.accounting.createDocument(db(), account, "SalesReceipt", receipt.payload, receipt.requestId);
    const { result: duplicate, output } = await captureStdout(() =>
      app.accounting.createDocument(db(), account, "SalesReceipt", receipt.payload, `${receipt.requestId.slice(0, 30)}-other`).catch((error: unknown) => error),
    );
    expect(duplicate).toBeInstanceOf(app.client.QuickBooksFault);
    const fault = duplicate as InstanceType<typeof app.client.QuickBooksFault>;
    expect(fault).toMatchObject({ code: "6140", element: "DocNumber", faultMessage: "Duplicate Document Number Error", faultType: "ValidationFault" });
    expect(fault.intuitTid).toMatch(/^[0-9a-f-]{36}$/);
    // The refusal is logged with Intuit's transaction id, which Intuit support asks for; never with the token.
    const line = output.split("\n").find((entry) => entry.includes("QuickBooks call refused"));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ intuitTid: fault.intuitTid, status: 400, fault: "6140", path: "salesreceipt", realmId: account.realmId });
    expect(output).not.toMatch(/Bearer|accessToken/);

    const problem = app.faults.faultProblem(fault, { tenantId: account.tenantId, key: `qbo-document:${receipt.requestId}`, subject: `receipt ${receipt.docNumber}`, entityType: "SalesReceipt", entityRef: receipt.docNumber });
    expect(problem).toBeInstanceOf(RecordValidationError);
    expect(problem.problem).toMatchObject({ tenantId: account.tenantId, code: "QUICKBOOKS_6140", entityRef: receipt.docNumber });
    expect(problem.problem.message).toMatch(new RegExp(`^QuickBooks refused receipt ${receipt.docNumber}: another document of that kind already has its number\\..*press Retry\\.$`));
  });

  it("names the refused reference: a deposit account that no longer exists", async () => {
    const account = await connectedTenant(await newCompany());
    const { receipt } = (await saleDocuments(account, "ORDER-REF-1")).documents;
    const payload = { ...receipt.payload, DepositToAccountRef: { value: "9999", name: "Old Till Account" } };
    const fault = await app.accounting.createDocument(db(), account, "SalesReceipt", payload, receipt.requestId).catch((error: unknown) => error);
    expect(fault).toMatchObject({ code: "2500", element: "DepositToAccountRef" });
    const problem = app.faults.faultProblem(fault as InstanceType<typeof app.client.QuickBooksFault>, { tenantId: account.tenantId, key: "k", subject: `receipt ${receipt.docNumber}`, payload });
    expect(problem.message).toBe(
      `QuickBooks refused receipt ${receipt.docNumber}: the deposit account “Old Till Account” no longer exists in QuickBooks. Choose another deposit account under Accounting (or make it active again in QuickBooks), then press Retry.`,
    );
  });

  it("updates with the current SyncToken, refuses a stale one with 5010, voids, and deletes a journal entry", async () => {
    const realmId = await newCompany();
    const account = await connectedTenant(realmId);
    const { receipt } = (await saleDocuments(account, "ORDER-SYNC-1")).documents;
    const created = await app.accounting.createDocument(db(), account, "SalesReceipt", receipt.payload, receipt.requestId);
    const updated = await app.accounting.updateDocument(db(), account, "SalesReceipt", { Id: created.Id, SyncToken: created.SyncToken, sparse: true, PrivateNote: "Corrected by Tillbridge" });
    expect(updated).toMatchObject({ SyncToken: "1", PrivateNote: "Corrected by Tillbridge", TotalAmt: 19.31 });
    const stale = await app.accounting.updateDocument(db(), account, "SalesReceipt", { Id: created.Id, SyncToken: created.SyncToken, sparse: true, PrivateNote: "Lost update" }).catch((error: unknown) => error);
    expect(stale).toMatchObject({ name: "QuickBooksFault", code: "5010" });
    expect((await app.accounting.readDocument(db(), account, "SalesReceipt", created.Id))?.PrivateNote).toBe("Corrected by Tillbridge");

    const voided = await app.accounting.voidDocument(db(), account, "SalesReceipt", { id: updated.Id, syncToken: updated.SyncToken });
    expect(voided).toMatchObject({ TotalAmt: 0, DocNumber: receipt.docNumber });
    expect(intuit.documents(realmId, "SalesReceipt").documents[0]).toMatchObject({ voided: true, totalCents: 0 });

    const entry = await app.accounting.createDocument(
      db(),
      account,
      "JournalEntry",
      {
        DocNumber: "JE-TEST-1",
        TxnDate: "2026-11-26",
        Line: [
          { DetailType: "JournalEntryLineDetail", Amount: 1.25, JournalEntryLineDetail: { PostingType: "Debit", AccountRef: { value: SEED_ACCOUNTS.merchantFees } } },
          { DetailType: "JournalEntryLineDetail", Amount: 1.25, JournalEntryLineDetail: { PostingType: "Credit", AccountRef: { value: SEED_ACCOUNTS.undepositedFunds } } },
        ],
      },
      "je-test-1",
    );
    expect(await app.accounting.deleteDocument(db(), account, "JournalEntry", { id: entry.Id, syncToken: entry.SyncToken })).toEqual({ id: entry.Id });
    expect(await app.accounting.readDocument(db(), account, "JournalEntry", entry.Id)).toBeNull();
  });

  it("sends a batch: each item answers on its own, a fault included", async () => {
    const realmId = await newCompany();
    const account = await connectedTenant(realmId);
    const { documents } = await saleDocuments(account, "ORDER-BATCH-1");
    const { receipt } = documents;
    const results = await app.accounting.postBatch(
      db(),
      account,
      [
        { bId: "receipt", operation: "create", entity: "SalesReceipt", payload: receipt.payload },
        { bId: "again", operation: "create", entity: "SalesReceipt", payload: receipt.payload },
        { bId: "accounts", query: "SELECT * FROM Account WHERE AccountSubType = 'UndepositedFunds'" },
      ],
      "batch-test-1",
    );
    expect(results.map((result) => [result.bId, result.ok])).toEqual([
      ["receipt", true],
      ["again", false],
      ["accounts", true],
    ]);
    expect(results[0]).toMatchObject({ document: { DocNumber: receipt.docNumber, TotalAmt: 19.31 } });
    expect(results[1]).toMatchObject({ fault: { code: "6140" } });
    expect(results[2]).toMatchObject({ rows: [expect.objectContaining({ Id: SEED_ACCOUNTS.undepositedFunds })] });
    expect(intuit.documents(realmId, "SalesReceipt").count).toBe(1);
    await expect(app.accounting.postBatch(db(), account, [])).rejects.toThrow(/1 to 30 items/);
  });
});

describe("errors in the job taxonomy", () => {
  it("refuses a requestid QuickBooks would refuse, before sending anything", async () => {
    const account = await connectedTenant(await newCompany());
    const before = intuit.stats().apiCalls;
    await expect(app.accounting.createDocument(db(), account, "SalesReceipt", {}, "x".repeat(51))).rejects.toThrow();
    expect(intuit.stats().apiCalls).toBe(before);
  });

  it("a 429 is a RateLimitedError for QuickBooks; a 5xx is transient, and for a write the outcome is unknown", async () => {
    const account = await connectedTenant(await newCompany());
    intuit.setFaults({ forcedThrottles: 1 });
    const throttled = await app.accounting.readCompanySnapshot(db(), account).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(RateLimitedError);
    expect(throttled).toMatchObject({ provider: "QUICKBOOKS" });
    expect((throttled as RateLimitedError).retryAfterMs).toBeGreaterThan(0);

    intuit.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 });
    const read = await app.accounting.readDocument(db(), account, "SalesReceipt", "1").catch((error: unknown) => error);
    expect(read).toBeInstanceOf(TransientError);
    expect(app.client.isOutcomeUnknown(read)).toBe(false);
    const write = await app.accounting.createDocument(db(), account, "JournalEntry", { Line: [] }, "write-503").catch((error: unknown) => error);
    expect(app.client.isOutcomeUnknown(write)).toBe(true);
    expect((write as Error).message).toMatch(/HTTP 503.*same requestid is safe/);
  });

  it("a call that gets no answer in time is transient", async () => {
    const account = await connectedTenant(await newCompany());
    intuit.setFaults({ timeoutRate: 1 });
    const started = Date.now();
    const error = await app.client.quickBooksRequest(db(), account, { method: "GET", path: "preferences", timeoutMs: 300 }, (await import("zod")).z.unknown()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/no answer within/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("renews an access token QuickBooks no longer takes, and tries the call again", async () => {
    const realmId = await newCompany();
    const account = await connectedTenant(realmId);
    const before = intuit.stats().byRealm[realmId]!;
    intuit.expireAccessTokens(realmId);
    const snapshot = await app.accounting.readCompanySnapshot(db(), account);
    expect(snapshot.homeCurrency).toBe("USD");
    const after = intuit.stats().byRealm[realmId]!;
    expect(after.apiUnauthorized - before.apiUnauthorized).toBe(1);
    expect(after.tokenRefreshes - before.tokenRefreshes).toBe(1);
    expect((await db().connection.findFirstOrThrow({ where: { tenantId: account.tenantId, provider: "QUICKBOOKS" } })).status).toBe("ACTIVE");
  });

  it("renews a token near its end before calling", async () => {
    const realmId = await newCompany();
    const account = await connectedTenant(realmId);
    // The stored token as if issued 55 minutes ago: five minutes left, within the ten kept in hand.
    const keyRing = app.keyRing.getKeyRing(app.config.getConfig());
    const connection = await db().connection.findFirstOrThrow({ where: { tenantId: account.tenantId, provider: "QUICKBOOKS" } });
    const credentials = JSON.parse(app.encryption.openSecret(keyRing, connection.credentialsEncrypted!, `connection:${connection.id}`)) as { createdAt: string; accessToken: string };
    const aged = { ...credentials, createdAt: new Date(Date.now() - 55 * 60_000).toISOString() };
    await db().connection.update({ where: { id: connection.id }, data: { credentialsEncrypted: app.encryption.sealSecret(keyRing, JSON.stringify(aged), `connection:${connection.id}`) } });
    const before = intuit.stats().byRealm[realmId]!;

    await app.accounting.readExchangeRate(db(), account, "EUR", "2026-11-26").catch(() => null);
    const after = intuit.stats().byRealm[realmId]!;
    expect(after.tokenRefreshes - before.tokenRefreshes).toBe(1);
    expect(after.apiUnauthorized).toBe(before.apiUnauthorized);
    const renewed = await db().connection.findUniqueOrThrow({ where: { id: connection.id } });
    const stored = JSON.parse(app.encryption.openSecret(keyRing, renewed.credentialsEncrypted!, `connection:${connection.id}`)) as { accessToken: string };
    expect(stored.accessToken).not.toBe(credentials.accessToken);
  });

  it("a grant revoked in QuickBooks mid-work: ConnectionAuthorizationError, and the connection needs reauthorization", async () => {
    const realmId = await newCompany();
    const account = await connectedTenant(realmId);
    await app.accounting.readCompanySnapshot(db(), account);
    await control(`/_sandbox/companies/${realmId}/disconnect`, {});

    const error = await app.accounting.findItemsBySku(db(), account, ["BEAN-1"]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionAuthorizationError);
    expect(error).toMatchObject({ connection: { tenantId: account.tenantId, provider: "QUICKBOOKS" } });
    expect((await db().connection.findFirstOrThrow({ where: { tenantId: account.tenantId, provider: "QUICKBOOKS" } })).status).toBe("NEEDS_REAUTH");
    const issue = await db().syncIssue.findFirstOrThrow({ where: { tenantId: account.tenantId, code: "CONNECTION_NEEDS_REAUTH" } });
    expect(issue).toMatchObject({ status: "OPEN", retriable: false });
    expect(issue.message).toMatch(/Reconnect QuickBooks/);
    // Nothing more is sent for a connection that needs reauthorization.
    const calls = intuit.stats().byRealm[realmId]!.apiCalls;
    await expect(app.accounting.readCompanySnapshot(db(), account)).rejects.toBeInstanceOf(ConnectionAuthorizationError);
    expect(intuit.stats().byRealm[realmId]!.apiCalls).toBe(calls);
  });

  it("a user who lost access to the company (fault 120) is a ConnectionAuthorizationError", async () => {
    const realmId = await newCompany();
    const account = await connectedTenant(realmId);
    await control(`/_sandbox/companies/${realmId}/access`, { lost: true });
    const error = await app.accounting.readCompanySnapshot(db(), account).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionAuthorizationError);
    expect((error as Error).message).toMatch(/fault 120.*Reconnect QuickBooks/);
  });
});

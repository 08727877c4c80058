import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { IntuitSandbox } from "../../../sandbox/intuit/index";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// A document whose post the shared QuickBooks budget held back was never sent, so the next run sends it straight
// away; only a post that may have landed (its answer lost) is looked up by DocNumber first. Before, every wait
// counted as an attempt, and under a backlog most of the budget went to lookups of documents never sent
// (bench/accounting.ts: 691 lookups for 639 documents).

const APP_URL = "http://localhost:3000";
let intuit: IntuitSandbox;
let sandboxes: Awaited<ReturnType<typeof startVendorSandboxes>>;
let app: {
  db: typeof import("~/db.server");
  flow: typeof import("~/integrations/connections/flow.server");
  tenants: typeof import("~/models/tenants.server");
  client: typeof import("~/integrations/quickbooks/api-client.server");
  accounting: typeof import("~/integrations/quickbooks/accounting.server");
  mapping: typeof import("~/domain/accounting/mapping");
  posting: typeof import("~/domain/accounting/posting");
  receipts: typeof import("~/domain/accounting/sales-receipt");
  fixtures: typeof import("~/domain/accounting/test-fixtures");
  leases: typeof import("~/sync/leases.server");
  poster: typeof import("~/sync/accounting/posting.server");
  books: typeof import("~/sync/accounting/books.server");
};
let tenantId: string;
let realmId: string;
let syncId: string;
let account: import("~/integrations/quickbooks/api-client.server").QuickBooksAccount;
let company: import("~/domain/accounting/mapping").CompanySnapshot;
let mapping: import("~/domain/accounting/mapping").AccountingMapping;
let customer: import("~/domain/accounting/mapping").Ref;

const db = () => app.db.db();

beforeAll(async () => {
  sandboxes = await startVendorSandboxes(APP_URL, ["intuit"]);
  ({ intuit } = sandboxes);
  app = {
    db: await import("~/db.server"),
    flow: await import("~/integrations/connections/flow.server"),
    tenants: await import("~/models/tenants.server"),
    client: await import("~/integrations/quickbooks/api-client.server"),
    accounting: await import("~/integrations/quickbooks/accounting.server"),
    mapping: await import("~/domain/accounting/mapping"),
    posting: await import("~/domain/accounting/posting"),
    receipts: await import("~/domain/accounting/sales-receipt"),
    fixtures: await import("~/domain/accounting/test-fixtures"),
    leases: await import("~/sync/leases.server"),
    poster: await import("~/sync/accounting/posting.server"),
    books: await import("~/sync/accounting/books.server"),
  };
  realmId = await createIntuitCompany(intuit.url, { name: "Budget Waits Co" });
  ({ tenantId } = await app.tenants.installShopifyTenant(db(), { shop: "budget-waits.myshopify.com", shopName: "Budget Waits", scopes: [] }));
  await connectQuickBooks(app.flow, db(), { tenantId, realmId });
  account = await app.client.quickBooksAccount(db(), tenantId);
  const connections = await db().connection.findMany({ where: { tenantId } });
  const sync = await db().sync.create({
    data: { tenantId, kind: "ACCOUNTING", sourceConnectionId: connections.find((c) => c.provider === "SHOPIFY")!.id, targetConnectionId: connections.find((c) => c.provider === "QUICKBOOKS")!.id },
  });
  syncId = sync.id;
  company = await app.accounting.readCompanySnapshot(db(), account);
  mapping = app.mapping.defaultMapping(company);
  const generic = mapping.genericCustomers.square;
  customer = "use" in generic ? generic.use : await app.accounting.createCustomer(db(), account, { displayName: generic.create.displayName });
}, 60_000);

afterEach(() => {
  intuit.resetFaults();
});

afterAll(async () => {
  await sandboxes.close();
});

/** A call made as a job would make it: told to wait for the budget, it waits and tries again. */
async function whenBudgetAllows<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if ((error as Error).name !== "RateLimitedError") throw error;
      await new Promise((resolve) => setTimeout(resolve, (error as { retryAfterMs: number }).retryAfterMs));
    }
  }
}

let saleCounter = 0;
/** A sale and its receipt, built by the domain with the company's default mapping, its item made in QuickBooks. */
async function plannedSale() {
  saleCounter += 1;
  const sale = app.fixtures.makeSale({ id: `budget-wait-${saleCounter}`, lines: [{ sku: `WAIT-${saleCounter}`, name: "Notebook", unit: 1250, tax: 103 }] });
  const items: Record<string, import("~/domain/accounting/mapping").ItemRef> = {};
  for (const { key, item } of app.posting.itemsToCreate([sale], mapping)) items[key] = await whenBudgetAllows(() => app.accounting.createItem(db(), account, item));
  const planned = app.receipts.buildSaleDocuments(sale, { tenantId, mapping, company, refs: { items, customer } }).receipt;
  return { tenantId, syncId, source: "square" as const, sourceId: sale.sourceId, revision: 0, planned, txnDate: planned.payload.TxnDate, locationId: sale.locationId, currency: sale.currency, totalMinor: sale.total.amount };
}

/**
 * Runs `work` while other jobs hold all 10 of the realm's in-flight slots, as a backlog would: a QuickBooks call
 * is told to wait (RateLimitedError) before anything is sent, as when the budget's tokens are used up. (Slots, not
 * tokens: the bucket refills a token every 133 ms, too soon to be sure a test still finds it empty.)
 */
async function whileQuickBooksIsBusy<T>(work: () => Promise<T>): Promise<T> {
  const held = [];
  for (let slot = 0; slot < 10; slot++) held.push(await app.leases.tryAcquireLease(db(), `quickbooks-in-flight:${realmId}`, { limit: 10, ttlMs: 60_000 }));
  if (held.some((lease) => lease === null)) throw new Error("the realm's in-flight slots were not all free");
  try {
    return await work();
  } finally {
    for (const lease of held) await lease?.release();
  }
}

/** The realm's calls QuickBooks answered since `before` (the sandbox's log, newest first). */
function callsSince(before: ReturnType<IntuitSandbox["apiCalls"]>) {
  const seen = new Set(before);
  return intuit
    .apiCalls()
    .filter((call) => !seen.has(call) && call.realmId === realmId)
    .map((call) => `${call.method} ${call.path.split("/").slice(4).join("/")} ${call.status}`)
    .reverse();
}

const ledgerRow = (document: Awaited<ReturnType<typeof plannedSale>>) =>
  db().accountingDocument.findUniqueOrThrow({ where: { tenantId_source_sourceId_kind: { tenantId, source: "square", sourceId: document.sourceId, kind: document.planned.kind } } });
const receiptsNumbered = (docNumber: string) => intuit.documents(realmId, "SalesReceipt").documents.filter((document) => document.docNumber === docNumber);

describe("posting while QuickBooks' shared limits make calls wait", () => {
  it("sends a post that was held back without looking it up first", async () => {
    const books = app.books.quickBooksBooks(db(), account);
    const document = await plannedSale();
    const before = intuit.apiCalls();
    await whileQuickBooksIsBusy(() => expect(app.poster.postAccountingDocument(db(), books, document)).rejects.toMatchObject({ name: "RateLimitedError" }));
    expect(callsSince(before)).toEqual([]);
    expect(await ledgerRow(document)).toMatchObject({ status: "PENDING", attempts: 0 });

    // Held back once more: still nothing sent, still no attempt counted.
    await whileQuickBooksIsBusy(() => expect(app.poster.postAccountingDocument(db(), books, document)).rejects.toMatchObject({ name: "RateLimitedError" }));
    expect((await ledgerRow(document)).attempts).toBe(0);

    // QuickBooks free again: the next run sends the receipt, with no lookup before it.
    const posted = await whenBudgetAllows(() => app.poster.postAccountingDocument(db(), books, document));
    expect(posted).toMatchObject({ outcome: "posted", how: "created", docNumber: document.planned.docNumber });
    expect(callsSince(before)).toEqual(["POST salesreceipt 200"]);
    expect(receiptsNumbered(document.planned.docNumber)).toHaveLength(1);
    expect(await ledgerRow(document)).toMatchObject({ status: "POSTED", attempts: 1 });
  });

  it("still looks up a post whose answer was lost, even when the lookup has to wait its turn", async () => {
    const books = app.books.quickBooksBooks(db(), account);
    const document = await plannedSale();
    intuit.setFaults({ lostResponseRate: 1 });
    await expect(whenBudgetAllows(() => app.poster.postAccountingDocument(db(), books, document))).rejects.toMatchObject({ name: "QuickBooksOutcomeUnknownError" });
    intuit.resetFaults();
    expect((await ledgerRow(document)).attempts).toBe(1);

    // The lookup is held back: the attempt that may have landed stays counted, so the next run looks again.
    await whileQuickBooksIsBusy(() => expect(app.poster.postAccountingDocument(db(), books, document)).rejects.toMatchObject({ name: "RateLimitedError" }));
    expect((await ledgerRow(document)).attempts).toBe(1);

    const before = intuit.apiCalls();
    expect(await whenBudgetAllows(() => app.poster.postAccountingDocument(db(), books, document))).toMatchObject({ outcome: "posted", how: "found" });
    expect(callsSince(before)).toEqual(["POST query 200"]);
    expect(receiptsNumbered(document.planned.docNumber)).toHaveLength(1);
  });
});

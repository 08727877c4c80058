import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { IntuitSandbox } from "../../../sandbox/intuit/index";
import { startVendorSandboxes } from "../../support/vendor-sandboxes";
import { connectQuickBooks, createIntuitCompany } from "../../support/quickbooks-books";

// The exactly-once poster against the Intuit sandbox over HTTP, one hard case at a time: a response lost after
// QuickBooks committed, a DocNumber the merchant's own books already use, a document edited in QuickBooks before
// Tillbridge updates it (stale SyncToken), and a refusal the merchant must fix.

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
  poster: typeof import("~/sync/accounting/posting.server");
  books: typeof import("~/sync/accounting/books.server");
};
let tenantId: string;
let realmId: string;
let syncId: string;
let account: import("~/integrations/quickbooks/api-client.server").QuickBooksAccount;
let chosen: import("~/domain/accounting/mapping").AccountingMapping;
let company: import("~/domain/accounting/mapping").CompanySnapshot;
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
    poster: await import("~/sync/accounting/posting.server"),
    books: await import("~/sync/accounting/books.server"),
  };
  realmId = await createIntuitCompany(intuit.url, { name: "Posting Test Co" });
  ({ tenantId } = await app.tenants.installShopifyTenant(db(), { shop: "posting-test.myshopify.com", shopName: "Posting Test", scopes: [] }));
  await connectQuickBooks(app.flow, db(), { tenantId, realmId });
  account = await app.client.quickBooksAccount(db(), tenantId);
  const connections = await db().connection.findMany({ where: { tenantId } });
  const sync = await db().sync.create({
    data: { tenantId, kind: "ACCOUNTING", sourceConnectionId: connections.find((c) => c.provider === "SHOPIFY")!.id, targetConnectionId: connections.find((c) => c.provider === "QUICKBOOKS")!.id },
  });
  syncId = sync.id;
  company = await app.accounting.readCompanySnapshot(db(), account);
  chosen = app.mapping.defaultMapping(company);
  const generic = chosen.genericCustomers.square;
  customer = "use" in generic ? generic.use : await app.accounting.createCustomer(db(), account, { displayName: generic.create.displayName });
}, 60_000);

afterEach(() => {
  intuit.resetFaults();
});

afterAll(async () => {
  await sandboxes.close();
});

let saleCounter = 0;
/** A sale's receipt, built by the domain with the company's default mapping and real items. */
async function plannedReceipt(overrides: Partial<import("~/domain/accounting/mapping").AccountingMapping> = {}) {
  saleCounter += 1;
  const sale = app.fixtures.makeSale({ id: `posting-${saleCounter}`, lines: [{ sku: `POST-${saleCounter}`, name: "Notebook", unit: 1250, tax: 103 }] });
  const mapping = { ...chosen, ...overrides };
  const items: Record<string, import("~/domain/accounting/mapping").ItemRef> = {};
  for (const { key, item } of app.posting.itemsToCreate([sale], mapping)) items[key] = await app.accounting.createItem(db(), account, item);
  const documents = app.receipts.buildSaleDocuments(sale, { tenantId, mapping, company, refs: { items, customer } });
  return { sale, planned: documents.receipt };
}

async function itemsOf(sale: import("~/domain/accounting/source-sale").SourceSale) {
  const items: Record<string, import("~/domain/accounting/mapping").ItemRef> = {};
  for (const { key, item } of app.posting.itemsToCreate([sale], chosen)) items[key] = await app.accounting.createItem(db(), account, item);
  return items;
}

function toPost(sale: import("~/domain/accounting/source-sale").SourceSale, planned: import("~/domain/accounting/quickbooks-documents").PlannedDocument, revision = 0) {
  return { tenantId, syncId, source: "square" as const, sourceId: sale.sourceId, revision, planned, txnDate: planned.payload.TxnDate, locationId: sale.locationId, currency: sale.currency, totalMinor: sale.total.amount };
}

const receiptsNumbered = (docNumber: string) => intuit.documents(realmId, "SalesReceipt").documents.filter((document) => document.docNumber === docNumber);

describe("posting a document exactly once", () => {
  it("finds a receipt whose answer was lost, instead of posting it again", async () => {
    const books = app.books.quickBooksBooks(db(), account);
    const { sale, planned } = await plannedReceipt();
    intuit.setFaults({ lostResponseRate: 1 });
    await expect(app.poster.postAccountingDocument(db(), books, toPost(sale, planned))).rejects.toMatchObject({ name: "QuickBooksOutcomeUnknownError" });
    intuit.resetFaults();
    const retried = await app.poster.postAccountingDocument(db(), books, toPost(sale, planned));
    expect(retried).toMatchObject({ outcome: "posted", how: "found", docNumber: planned.docNumber });
    expect(receiptsNumbered(planned.docNumber)).toHaveLength(1);
    // And once more: already posted, nothing sent.
    expect(await app.poster.postAccountingDocument(db(), books, toPost(sale, planned))).toMatchObject({ outcome: "already-posted" });
    expect(receiptsNumbered(planned.docNumber)).toHaveLength(1);
  });

  it("posts under the next free DocNumber when the merchant's own books already use it", async () => {
    const books = app.books.quickBooksBooks(db(), account);
    const { sale, planned } = await plannedReceipt();
    // The bookkeeper typed a receipt with that number by hand.
    await app.accounting.createDocument(db(), account, "SalesReceipt", { ...planned.payload, PrivateNote: "typed by hand" }, `hand-${planned.requestId.slice(0, 30)}`);
    const outcome = await app.poster.postAccountingDocument(db(), books, toPost(sale, planned));
    expect(outcome).toMatchObject({ outcome: "posted", how: "created", docNumber: app.poster.docNumberVariant(planned.docNumber, 2) });
    expect(receiptsNumbered(planned.docNumber)).toHaveLength(1);
    expect(receiptsNumbered(app.poster.docNumberVariant(planned.docNumber, 2))).toHaveLength(1);
    const row = await db().accountingDocument.findFirstOrThrow({ where: { tenantId, sourceId: sale.sourceId } });
    expect(row).toMatchObject({ status: "POSTED", docNumber: app.poster.docNumberVariant(planned.docNumber, 2) });
  });

  it("updates a changed record's receipt with the current SyncToken after someone edited it in QuickBooks", async () => {
    const books = app.books.quickBooksBooks(db(), account);
    const { sale, planned } = await plannedReceipt();
    const first = await app.poster.postAccountingDocument(db(), books, toPost(sale, planned));
    expect(first).toMatchObject({ outcome: "posted", how: "created" });
    const posted = (await app.accounting.readDocument(db(), account, "SalesReceipt", (first as { qboId: string }).qboId))!;
    // The bookkeeper adds a memo in QuickBooks: its SyncToken moves on.
    await app.accounting.updateDocument(db(), account, "SalesReceipt", { Id: posted.Id, SyncToken: posted.SyncToken, sparse: true, PrivateNote: `${posted.PrivateNote} (checked)` });

    const revised = { ...planned, requestId: `${planned.requestId.slice(0, 36)}-r1`, payload: { ...planned.payload, PrivateNote: `${planned.payload.PrivateNote} · revised` } };
    await expect(app.poster.postAccountingDocument(db(), books, toPost(sale, revised, 1))).rejects.toMatchObject({ name: "TransientError" });
    const second = await app.poster.postAccountingDocument(db(), books, toPost(sale, revised, 1));
    expect(second).toMatchObject({ outcome: "posted", how: "updated", qboId: posted.Id });
    const after = (await app.accounting.readDocument(db(), account, "SalesReceipt", posted.Id))!;
    expect(after.PrivateNote).toMatch(/revised$/);
    expect(Number(after.SyncToken)).toBe(Number(posted.SyncToken) + 2);
    expect(receiptsNumbered(planned.docNumber)).toHaveLength(1);
  });

  it("turns a refusal into one plain-language issue and does not retry it", async () => {
    const books = app.books.quickBooksBooks(db(), account);
    const gone = { id: "99999", name: "Old Clearing Account", type: "Other Current Asset" as const };
    const { sale, planned } = await plannedReceipt({
      tenders: { ...chosen.tenders, card: { account: gone, paymentMethod: chosen.tenders.card!.paymentMethod }, cardBrands: {}, cash: { account: gone, paymentMethod: chosen.tenders.cash!.paymentMethod } },
    });
    const outcome = await app.poster.postAccountingDocument(db(), books, toPost(sale, planned));
    expect(outcome).toMatchObject({ outcome: "failed" });
    const issue = await db().syncIssue.findFirstOrThrow({ where: { tenantId, code: "QUICKBOOKS_REFUSED" } });
    expect(issue.message).toMatch(/Old Clearing Account/);
    expect(issue.message).not.toMatch(/Fault|stack|undefined/);
    expect(receiptsNumbered(planned.docNumber)).toHaveLength(0);

    // The merchant picks an existing account and presses Retry: posted once, under a requestid of its own (the
    // first one's kept answer is the refusal), and the issue closes.
    const fixed = app.receipts.buildSaleDocuments(sale, { tenantId, mapping: chosen, company, refs: { items: await itemsOf(sale), customer } }).receipt;
    expect(await app.poster.postAccountingDocument(db(), books, toPost(sale, fixed))).toMatchObject({ outcome: "posted", how: "created" });
    expect(receiptsNumbered(planned.docNumber)).toHaveLength(1);
    expect(await db().syncIssue.findFirstOrThrow({ where: { id: issue.id } })).toMatchObject({ status: "RESOLVED" });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_REALM_ID, SEED_ACCOUNTS } from "../../sandbox/intuit/index";
import { faultOf, salesReceipt, startAccountingHarness, type AccountingHarness, type Json, type QuickBooksClient } from "./intuit-sandbox-accounting-harness";

/**
 * What makes posting exactly once possible, and what gets in its way: Intuit's requestid replay (also after a
 * lost response), batches (items failing on their own, counted against the per-minute budget), ChangeDataCapture,
 * the query language's errors, and the limits and fault switches on the accounting routes.
 */

let harness: AccountingHarness;
let coffee: QuickBooksClient;

beforeAll(async () => {
  harness = await startAccountingHarness({ entityWebhooks: false });
  coffee = await harness.connect(DEMO_REALM_ID);
});

afterAll(async () => {
  await harness?.close();
});

afterEach(() => {
  harness.sandbox.resetFaults();
  harness.sandbox.configure({ requestsPerMinute: 500, maxConcurrent: 10, batchRequestsPerMinute: 40 });
  harness.sandbox.advanceClock(61);
});

const receiptCount = () => harness.sandbox.documents(DEMO_REALM_ID, "SalesReceipt").count;

/** A POST whose answer may never arrive: the status, or "lost" when the connection was dropped. */
async function postMaybeLost(path: string, body: unknown): Promise<number | "lost"> {
  try {
    const response = await fetch(`${harness.sandbox.url}/v3/company/${DEMO_REALM_ID}/${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${coffee.accessToken}`, Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.text();
    return response.status;
  } catch {
    return "lost";
  }
}

describe("requestid", () => {
  it("answers a repeated requestid with the original answer and does nothing again, also after a lost response", async () => {
    const before = receiptCount();
    harness.sandbox.setFaults({ lostResponseRate: 1 });
    expect(await postMaybeLost("salesreceipt?minorversion=75&requestid=sale-0001", salesReceipt([{ amount: 9.5 }], { DocNumber: "RQ-1" }))).toBe("lost");
    expect(receiptCount()).toBe(before + 1);

    harness.sandbox.resetFaults();
    const retry = await coffee.post("salesreceipt", salesReceipt([{ amount: 9.5 }], { DocNumber: "RQ-1" }), { requestid: "sale-0001" });
    expect(retry.status).toBe(200);
    expect(retry.body.SalesReceipt).toMatchObject({ DocNumber: "RQ-1", TotalAmt: 9.5, SyncToken: "0" });
    const again = await coffee.post("salesreceipt", salesReceipt([{ amount: 1 }]), { requestid: "sale-0001" });
    expect(again.body).toEqual(retry.body);
    expect(receiptCount()).toBe(before + 1);
    expect(harness.sandbox.stats().byRealm[DEMO_REALM_ID]).toMatchObject({ lostResponses: 1, apiReplays: 2 });

    // A fault answer is kept as well: the same id keeps failing the same way, even with a corrected payload.
    const refused = await coffee.post("salesreceipt", { PrivateNote: "no lines" }, { requestid: "sale-0002" });
    expect(faultOf(refused).code).toBe("2020");
    expect(await coffee.post("salesreceipt", salesReceipt([{ amount: 1 }]), { requestid: "sale-0002" })).toEqual(refused);
    expect((await coffee.post("salesreceipt", salesReceipt([{ amount: 1 }]), { requestid: "sale-0003" })).status).toBe(200);
  });

  it("refuses a requestid over 50 characters (36 on a batch)", async () => {
    const tooLong = await coffee.post("salesreceipt", salesReceipt([{ amount: 1 }]), { requestid: "r".repeat(51) });
    expect(tooLong.status).toBe(400);
    expect(faultOf(tooLong)).toMatchObject({ type: "ValidationFault", element: "requestid" });
    expect((await coffee.post("batch", { BatchItemRequest: [{ bId: "1", Query: "select * from Item" }] }, { requestid: "b".repeat(37) })).status).toBe(400);
    expect((await coffee.post("batch", { BatchItemRequest: [{ bId: "1", Query: "select * from Item" }] }, { requestid: "b".repeat(36) })).status).toBe(200);
  });
});

describe("batch", () => {
  it("answers each item by bId: a failing item carries its Fault and the others still happen", async () => {
    const before = receiptCount();
    const batch = await coffee.post("batch", {
      BatchItemRequest: [
        { bId: "sale", operation: "create", SalesReceipt: salesReceipt([{ amount: 4 }], { DocNumber: "BATCH-1" }) },
        { bId: "bad-item", operation: "create", Item: { Type: "Service", IncomeAccountRef: { value: SEED_ACCOUNTS.services } } },
        { bId: "lookup", Query: "select * from PaymentMethod where Name = 'Cash'" },
        { bId: "dup", operation: "create", SalesReceipt: salesReceipt([{ amount: 4 }], { DocNumber: "BATCH-1" }) },
      ],
    });
    expect(batch.status).toBe(200);
    const byId = Object.fromEntries((batch.body.BatchItemResponse as Json[]).map((item) => [item.bId, item]));
    expect(Object.keys(byId)).toEqual(["sale", "bad-item", "lookup", "dup"]);
    expect(byId.sale.SalesReceipt).toMatchObject({ DocNumber: "BATCH-1", TotalAmt: 4 });
    expect(byId["bad-item"].Fault).toMatchObject({ type: "ValidationFault", Error: [{ code: "2020", element: "Name" }] });
    expect(byId.lookup.QueryResponse.PaymentMethod).toEqual([expect.objectContaining({ Name: "Cash" })]);
    expect(byId.dup.Fault.Error[0].code).toBe("6140");
    expect(receiptCount()).toBe(before + 1);

    const sale = byId.sale.SalesReceipt as Json;
    const followUp = await coffee.post("batch", {
      BatchItemRequest: [
        { bId: "1", operation: "update", optionsData: "void", SalesReceipt: { Id: sale.Id, SyncToken: sale.SyncToken, sparse: true } },
        { bId: "2", operation: "delete", SalesReceipt: { Id: sale.Id, SyncToken: "0" } },
        { bId: "3", operation: "update", SalesReceipt: { sparse: true, PrivateNote: "no id" } },
      ],
    });
    expect((followUp.body.BatchItemResponse as Json[]).map((item) => item.SalesReceipt?.TotalAmt ?? item.Fault.Error[0].code)).toEqual([0, "5010", "2020"]);
  });

  it("refuses an empty batch or one over 30 items", async () => {
    expect(faultOf(await coffee.post("batch", { BatchItemRequest: [] }))).toMatchObject({ code: "400", Message: "MalformedRequest", Detail: "Batch Request is Empty" });
    const items = Array.from({ length: 31 }, (_, index) => ({ bId: String(index), Query: "select * from Item" }));
    const tooMany = await coffee.post("batch", { BatchItemRequest: items });
    expect(tooMany.status).toBe(400);
    expect(faultOf(tooMany).Detail).toContain("at most 30");
    expect(faultOf(await coffee.post("batch", { BatchItemRequest: [{ bId: "1", Query: "x" }, { bId: "1", Query: "x" }] })).Detail).toContain("twice");
  });

  it("counts every batch item against the per-minute budget, and allows 40 batch calls a minute", async () => {
    harness.sandbox.configure({ requestsPerMinute: 10 });
    const queries = (count: number) => ({ BatchItemRequest: Array.from({ length: count }, (_, index) => ({ bId: String(index), Query: "select count(*) from Item" })) });
    const before = harness.sandbox.stats().byRealm[DEMO_REALM_ID]?.apiBatchItems ?? 0;
    expect((await coffee.post("batch", queries(8))).status).toBe(200);
    const over = await coffee.post("batch", queries(3));
    expect(over.status).toBe(429);
    expect(faultOf(over)).toMatchObject({ code: "3001" });
    expect((await coffee.query("select count(*) from Item")).status).toBe(200);
    expect((await coffee.query("select count(*) from Item")).status).toBe(200);
    expect((await coffee.query("select count(*) from Item")).status).toBe(429);
    expect(harness.sandbox.stats().byRealm[DEMO_REALM_ID]?.apiBatchItems).toBe(before + 8);

    harness.sandbox.advanceClock(61);
    harness.sandbox.configure({ requestsPerMinute: 500, batchRequestsPerMinute: 2 });
    expect((await coffee.post("batch", queries(1))).status).toBe(200);
    expect((await coffee.post("batch", queries(1))).status).toBe(200);
    expect((await coffee.post("batch", queries(1))).status).toBe(429);
    expect((await coffee.query("select count(*) from Item")).status).toBe(200);
    harness.sandbox.advanceClock(61);
    expect((await coffee.post("batch", queries(1))).status).toBe(200);
  });
});

describe("ChangeDataCapture", () => {
  it("answers what changed since a time, deletions with status Deleted, within 30 days", async () => {
    // The sandbox's own `time` stamp: its clock is what ChangeDataCapture compares with.
    const start = (await coffee.get("preferences")).body.time as string;
    harness.sandbox.advanceClock(2);
    const item = (await coffee.post("item", { Name: "CDC Latte", Type: "Service", IncomeAccountRef: { value: SEED_ACCOUNTS.services } })).body.Item as Json;
    const receipt = (await coffee.post("salesreceipt", salesReceipt([{ amount: 3 }]))).body.SalesReceipt as Json;
    await coffee.post("item", { Id: item.Id, SyncToken: "0", sparse: true, Description: "oat" });
    await coffee.post("salesreceipt", { Id: receipt.Id, SyncToken: "0" }, { operation: "delete" });

    const cdc = await coffee.get("cdc", { entities: "Item,SalesReceipt,Customer", changedSince: start });
    expect(cdc.status).toBe(200);
    const [items, receipts, customers] = cdc.body.CDCResponse[0].QueryResponse as Json[];
    expect(items!.Item).toEqual([expect.objectContaining({ Id: item.Id, SyncToken: "1", Description: "oat" })]);
    expect(receipts!.SalesReceipt).toEqual([{ domain: "QBO", status: "Deleted", Id: receipt.Id, MetaData: { LastUpdatedTime: expect.any(String) } }]);
    expect(customers).toEqual({});

    const monthAgo = new Date(Date.parse(start) - 31 * 24 * 3600 * 1000).toISOString();
    expect(faultOf(await coffee.get("cdc", { entities: "Item", changedSince: monthAgo })).element).toBe("changedSince");
    expect(faultOf(await coffee.get("cdc", { entities: "TaxCode", changedSince: new Date().toISOString() })).element).toBe("entities");
    expect(faultOf(await coffee.get("cdc", { entities: "Item" })).code).toBe("2020");
  });
});

describe("query errors", () => {
  it("answers 4000 for syntax errors and 4001 for properties that cannot be queried", async () => {
    const syntax = await coffee.query("select * from Item where Name = 'open");
    expect(faultOf(syntax)).toMatchObject({ code: "4000", Message: "Error parsing query" });
    expect(faultOf(syntax).Detail).toMatch(/^QueryParserError: /);
    expect(faultOf(await coffee.query("select * from Item where Name = 'a' or Name = 'b'")).code).toBe("4000");
    expect(faultOf(await coffee.query("select * from Item where Name ~ 'a'")).code).toBe("4000");
    expect(faultOf(await coffee.query("")).Detail).toBe("QueryParserError: The query provided was empty");
    expect(faultOf(await coffee.query("select * from Invoice")).code).toBe("4000");
    expect(faultOf(await coffee.query("select * from Item where Flavour = 'x'"))).toMatchObject({ code: "4001", Message: "Invalid query", Detail: "QueryValidationError: property 'Flavour' is not queryable" });
    expect(faultOf(await coffee.query("select * from SalesReceipt where Line = 'x'")).code).toBe("4001");
    expect((await coffee.query("select * from Item maxresults 5000")).body.QueryResponse.maxResults).toBeLessThanOrEqual(1000);
    expect((await coffee.query("select * from SalesReceipt where MetaData.LastUpdatedTime >= '2026-01-01T00:00:00-08:00' and TotalAmt > '0'")).status).toBe(200);

    const posted = await fetch(`${harness.sandbox.url}/v3/company/${DEMO_REALM_ID}/query?minorversion=75`, {
      method: "POST",
      headers: { Authorization: `Bearer ${coffee.accessToken}`, Accept: "application/json", "Content-Type": "application/text" },
      body: "select * from Account where AccountType = 'Bank'",
    });
    expect(((await posted.json()) as Json).QueryResponse.Account[0].Name).toBe("Checking");
  });
});

describe("limits and faults on the accounting routes", () => {
  it("throttles, fails with 5xx (nothing written) and answers XML like the rest of the API", async () => {
    const before = receiptCount();
    harness.sandbox.setFaults({ forcedThrottles: 1 });
    expect(faultOf(await coffee.post("salesreceipt", salesReceipt([{ amount: 2 }]))).code).toBe("3001");
    harness.sandbox.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 });
    const failed = await coffee.post("batch", { BatchItemRequest: [{ bId: "1", operation: "create", SalesReceipt: salesReceipt([{ amount: 2 }]) }] });
    expect(failed.status).toBe(503);
    expect(receiptCount()).toBe(before);
    harness.sandbox.resetFaults();

    const xml = await fetch(`${harness.sandbox.url}/v3/company/${DEMO_REALM_ID}/item/1?minorversion=75`, { headers: { Authorization: `Bearer ${coffee.accessToken}` } });
    const text = await xml.text();
    expect(text).toContain('<Item domain="QBO" sparse="false"><Id>1</Id><SyncToken>0</SyncToken>');
    expect(text).toContain('<IncomeAccountRef name="Services">6</IncomeAccountRef>');
  });
});

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, getDatabase } from "~/db.server";
import { receiveQuickBooksEvents, type QuickBooksEvent } from "~/integrations/quickbooks/webhooks.server";
import { startJobQueue, type JobQueue } from "~/jobs/queue.server";
import { installShopifyTenant } from "~/models/tenants.server";
import { renderMetrics } from "~/observability/metrics.server";
import { action, loader } from "~/routes/webhooks.quickbooks";
import { processWebhookEventJob } from "~/webhooks/processing.server";
import { DEMO_REALM_ID, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN, SECOND_DEMO_REALM_ID, signWebhookBody } from "../../../sandbox/intuit/index";

// QuickBooks webhooks through the real route, signed as the Intuit sandbox signs them (the app's default verifier
// token is the sandbox's), with what was stored read back from the database (PGlite, or PostgreSQL when
// DATABASE_URL is set).

const APP_URL = "http://localhost:3000";
const UNKNOWN_REALM = "9130355377777777";
let coffeeTenant: string;
let outfittersTenant: string;

beforeAll(async () => {
  ({ tenantId: coffeeTenant } = await installShopifyTenant(db(), { shop: "qbo-coffee.myshopify.com", shopName: "QBO Coffee", scopes: [] }));
  ({ tenantId: outfittersTenant } = await installShopifyTenant(db(), { shop: "qbo-outfitters.myshopify.com", shopName: "QBO Outfitters", scopes: [] }));
  await db().connection.create({ data: { tenantId: coffeeTenant, provider: "QUICKBOOKS", externalId: DEMO_REALM_ID } });
  await db().connection.create({ data: { tenantId: outfittersTenant, provider: "QUICKBOOKS", externalId: SECOND_DEMO_REALM_ID } });
});

function cloudEvent(realmId: string, type = "qbo.item.updated.v1", entityId = "42"): QuickBooksEvent {
  return {
    specversion: "1.0",
    id: randomUUID(),
    source: "intuit.quickbooks",
    type,
    datacontenttype: "application/json",
    time: new Date().toISOString(),
    intuitentityid: entityId,
    intuitaccountid: realmId,
    data: {},
  };
}

async function deliver(body: string, signature: string | null = signWebhookBody(body, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN)) {
  const headers = new Headers({ "Content-Type": "application/json" });
  if (signature !== null) headers.set("intuit-signature", signature);
  return action({ request: new Request(`${APP_URL}/webhooks/quickbooks`, { method: "POST", headers, body }), params: {}, context: {} });
}

/** How many QuickBooks deliveries this process counted as refused for the reason (tillbridge_webhooks_total). */
async function rejectedCount(reason: "signature" | "malformed" | "too_large"): Promise<number> {
  const line = (await renderMetrics(db())).split("\n").find((candidate) => candidate.startsWith(`tillbridge_webhooks_total{provider="QUICKBOOKS",outcome="rejected",reason="${reason}"}`));
  return Number(line?.split(" ").at(-1) ?? 0);
}

const storedEvents = (ids: string[]) => db().webhookEvent.findMany({ where: { provider: "QUICKBOOKS", externalEventId: { in: ids } }, orderBy: { topic: "asc" } });

describe("a signed delivery", () => {
  it("stores every event with the tenant that holds the company, and answers 200", async () => {
    const events = [cloudEvent(DEMO_REALM_ID, "qbo.customer.created.v1", "58"), cloudEvent(DEMO_REALM_ID, "qbo.item.updated.v1", "7")];
    const response = await deliver(JSON.stringify(events));
    expect(response.status).toBe(200);

    const stored = await storedEvents(events.map((event) => event.id));
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({
      externalEventId: events[0]!.id,
      topic: "qbo.customer.created.v1",
      accountRef: DEMO_REALM_ID,
      tenantId: coffeeTenant,
      status: "RECEIVED",
      processedAt: null,
      payload: events[0],
    });
    expect(stored[1]).toMatchObject({ externalEventId: events[1]!.id, topic: "qbo.item.updated.v1", tenantId: coffeeTenant, payload: events[1] });
  });

  it("gives each event the tenant of its own company when one delivery covers several", async () => {
    const events = [cloudEvent(DEMO_REALM_ID, "qbo.bill.created.v1"), cloudEvent(SECOND_DEMO_REALM_ID, "qbo.invoice.created.v1"), cloudEvent(UNKNOWN_REALM, "qbo.vendor.created.v1")];
    expect((await deliver(JSON.stringify(events))).status).toBe(200);
    const stored = await storedEvents(events.map((event) => event.id));
    expect(stored.map((row) => [row.topic, row.accountRef, row.tenantId])).toEqual([
      ["qbo.bill.created.v1", DEMO_REALM_ID, coffeeTenant],
      ["qbo.invoice.created.v1", SECOND_DEMO_REALM_ID, outfittersTenant],
      ["qbo.vendor.created.v1", UNKNOWN_REALM, null],
    ]);
  });

  it("keeps fields Intuit adds, and the event's data, as sent", async () => {
    const event = { ...cloudEvent(SECOND_DEMO_REALM_ID), data: { entity: { Id: "7", SyncToken: "3" } }, intuitfuturefield: "kept" };
    expect((await deliver(JSON.stringify([event]))).status).toBe(200);
    const [stored] = await storedEvents([event.id]);
    expect(stored?.payload).toEqual(event);
  });

  it("stores an event for a company no tenant has connected with no tenant, and answers 200", async () => {
    const event = cloudEvent(UNKNOWN_REALM, "qbo.customer.deleted.v1");
    expect((await deliver(JSON.stringify([event]))).status).toBe(200);
    const stored = await storedEvents([event.id]);
    expect(stored).toEqual([expect.objectContaining({ accountRef: UNKNOWN_REALM, tenantId: null, status: "RECEIVED" })]);
  });
});

describe("redeliveries", () => {
  it("a second delivery of the same events stores nothing new and changes nothing", async () => {
    const body = JSON.stringify([cloudEvent(DEMO_REALM_ID), cloudEvent(SECOND_DEMO_REALM_ID)]);
    expect((await deliver(body)).status).toBe(200);
    const before = await db().webhookEvent.findMany({ orderBy: { id: "asc" } });

    // Intuit resends the same body when it saw no 2xx in time.
    expect((await deliver(body)).status).toBe(200);
    expect(await db().webhookEvent.findMany({ orderBy: { id: "asc" } })).toEqual(before);
  });

  it("counts new and already-seen events, also within one delivery", async () => {
    const seen = cloudEvent(DEMO_REALM_ID);
    expect(await receiveQuickBooksEvents(db(), null, [seen])).toEqual({ stored: 1, duplicate: 0 });
    const fresh = cloudEvent(DEMO_REALM_ID);
    expect(await receiveQuickBooksEvents(db(), null, [seen, fresh, fresh])).toEqual({ stored: 1, duplicate: 2 });
    expect(await storedEvents([seen.id, fresh.id])).toHaveLength(2);
  });
});

describe("refused deliveries write nothing", () => {
  it("answers 401 to a wrong, missing or garbled signature", async () => {
    const body = JSON.stringify([cloudEvent(DEMO_REALM_ID)]);
    const before = await db().webhookEvent.count();
    const countedBefore = await rejectedCount("signature");
    expect((await deliver(body, signWebhookBody(body, "not-the-verifier-token"))).status).toBe(401);
    expect((await deliver(body, signWebhookBody(`${body} `, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN))).status).toBe(401);
    expect((await deliver(body, null)).status).toBe(401);
    expect((await deliver(body, "")).status).toBe(401);
    expect((await deliver(body, "%%% not a signature %%%")).status).toBe(401);
    expect(await db().webhookEvent.count()).toBe(before);
    expect(await rejectedCount("signature")).toBe(countedBefore + 5);
  });

  it("answers 400 to a signed body that is not JSON, or not a CloudEvents array", async () => {
    const before = await db().webhookEvent.count();
    const countedBefore = await rejectedCount("malformed");
    expect((await deliver("{not json")).status).toBe(400);
    expect((await deliver("")).status).toBe(400);
    expect((await deliver("[]")).status).toBe(400);
    expect((await deliver(JSON.stringify(cloudEvent(DEMO_REALM_ID)))).status).toBe(400);
    // Intuit's legacy format: the app's endpoint must be set to CloudEvents in the Intuit developer portal.
    expect((await deliver(JSON.stringify({ eventNotifications: [{ realmId: DEMO_REALM_ID, dataChangeEvent: { entities: [] } }] }))).status).toBe(400);
    // One bad event refuses the delivery, including its good events.
    expect((await deliver(JSON.stringify([cloudEvent(DEMO_REALM_ID), { ...cloudEvent(DEMO_REALM_ID), specversion: "0.3" }]))).status).toBe(400);
    expect(await db().webhookEvent.count()).toBe(before);
    expect(await rejectedCount("malformed")).toBe(countedBefore + 6);
  });

  it("answers 413 to a body over 1 MB, even when signed", async () => {
    const before = await db().webhookEvent.count();
    const countedBefore = await rejectedCount("too_large");
    const body = JSON.stringify([{ ...cloudEvent(DEMO_REALM_ID), data: { padding: "x".repeat(1024 * 1024) } }]);
    expect((await deliver(body)).status).toBe(413);
    expect(await db().webhookEvent.count()).toBe(before);
    expect(await rejectedCount("too_large")).toBe(countedBefore + 1);
  });

  it("answers 405 to anything but POST", async () => {
    const put = await action({ request: new Request(`${APP_URL}/webhooks/quickbooks`, { method: "PUT", body: "[]" }), params: {}, context: {} });
    expect(put.status).toBe(405);
    const get = await loader();
    expect(get.status).toBe(405);
    expect(get.headers.get("Allow")).toBe("POST");
  });
});

describe("a full delivery", () => {
  it("stores the largest delivery accepted, a thousand events, in one statement", async () => {
    const events = Array.from({ length: 1000 }, (_, index) => cloudEvent(index % 2 ? DEMO_REALM_ID : UNKNOWN_REALM));
    expect((await deliver(JSON.stringify(events))).status).toBe(200);
    const stored = await db().webhookEvent.groupBy({ by: ["tenantId"], where: { externalEventId: { in: events.map((event) => event.id) } }, _count: true });
    expect(Object.fromEntries(stored.map((group) => [group.tenantId ?? "no tenant", group._count]))).toEqual({ [coffeeTenant]: 500, "no tenant": 500 });
  });
});

describe("processing jobs", () => {
  let queue: JobQueue;

  beforeAll(async () => {
    // A queue without workers: the jobs stay where the inbox put them, to be counted.
    queue = await startJobQueue(getDatabase(), { definitions: [processWebhookEventJob], runWorkers: false });
  });

  afterAll(async () => {
    await queue?.stop({ timeoutMs: 2_000 });
  });

  async function processingJobs(webhookEventIds: string[]): Promise<{ webhookEventId: string; tenantId: string | null }[]> {
    return db().$queryRaw<{ webhookEventId: string; tenantId: string | null }[]>`
      SELECT data->>'webhookEventId' AS "webhookEventId", data->>'tenantId' AS "tenantId" FROM pgboss.job
      WHERE name = 'webhooks.process' AND data->>'webhookEventId' = ANY(${webhookEventIds})`;
  }

  it("enqueues one job per new event, with its tenant, in the transaction that stores it; none for a duplicate", async () => {
    const seen = cloudEvent(DEMO_REALM_ID);
    await receiveQuickBooksEvents(db(), queue, [seen]);
    const events = [seen, cloudEvent(SECOND_DEMO_REALM_ID), cloudEvent(UNKNOWN_REALM)];
    expect(await receiveQuickBooksEvents(db(), queue, events)).toEqual({ stored: 2, duplicate: 1 });

    const stored = await storedEvents(events.map((event) => event.id));
    const jobs = await processingJobs(stored.map((row) => row.id));
    expect(jobs).toHaveLength(3);
    expect(new Map(jobs.map((job) => [job.webhookEventId, job.tenantId]))).toEqual(new Map(stored.map((row) => [row.id, row.tenantId])));
  });

  it("enqueues the jobs of a thousand-event delivery along with it", async () => {
    const events = Array.from({ length: 1000 }, () => cloudEvent(SECOND_DEMO_REALM_ID));
    expect(await receiveQuickBooksEvents(db(), queue, events)).toEqual({ stored: 1000, duplicate: 0 });
    const stored = await storedEvents(events.map((event) => event.id));
    expect(await processingJobs(stored.map((row) => row.id))).toHaveLength(1000);
  });
});

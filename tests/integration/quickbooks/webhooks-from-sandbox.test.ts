import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, db } from "~/db.server";
import { installShopifyTenant } from "~/models/tenants.server";
import { DEMO_REALM_ID, SECOND_DEMO_REALM_ID, type WebhookDelivery } from "../../../sandbox/intuit/index";
import { startServerProcess, type RunningServer } from "../../support/dev-server";
import { freePorts } from "../../support/ports";

// The whole path over HTTP: the dev server (server/main.ts, as `npm run dev` runs it, with its own Intuit sandbox)
// on this test file's database, and the sandbox delivering signed CloudEvents to it as Intuit would. What the app
// stored is read once the server has stopped, since the embedded database admits one process at a time.

let server: RunningServer;
let intuitUrl: string;
let tenantId: string;

beforeAll(async () => {
  ({ tenantId } = await installShopifyTenant(db(), { shop: "qbo-running.myshopify.com", shopName: "QBO Running", scopes: [] }));
  await db().connection.create({ data: { tenantId, provider: "QUICKBOOKS", externalId: DEMO_REALM_ID } });
  await closeDatabase();

  const sandboxPort = await freePorts(4);
  server = await startServerProcess({
    port: await freePorts(),
    env: {
      TILLBRIDGE_DATA_DIR: process.env.TILLBRIDGE_DATA_DIR,
      DATABASE_URL: process.env.DATABASE_URL ?? "",
      ENCRYPTION_KEYS: process.env.ENCRYPTION_KEYS ?? "",
      // Sandboxes of their own, so this file never meets another test's server on the default ports.
      SANDBOX_PORT: String(sandboxPort),
    },
  });
  intuitUrl = `http://localhost:${sandboxPort + 3}`;
}, 180_000);

afterAll(() => {
  if (server?.child.exitCode === null) server.child.kill("SIGKILL");
});

async function control(path: string, body?: unknown): Promise<{ status: number; delivery: WebhookDelivery }> {
  const response = await fetch(`${intuitUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as { delivery: WebhookDelivery };
  return { status: response.status, delivery: answer.delivery };
}

describe("QuickBooks webhooks from the Intuit sandbox to the running app", () => {
  it("stores the delivered events with their tenants and jobs, takes a redelivery as already received, and refuses the rest", async () => {
    const first = await control("/_sandbox/webhooks", {
      events: [
        { realmId: DEMO_REALM_ID, entity: "Customer", operation: "created", entityId: "58" },
        { realmId: SECOND_DEMO_REALM_ID, entity: "Item", operation: "updated", entityId: "7" },
      ],
    });
    expect(first.status).toBe(200);
    expect(first.delivery).toMatchObject({ ok: true, status: 200, url: expect.stringMatching(/\/webhooks\/quickbooks$/) });

    // Intuit's retry of the same delivery: answered 200 again, nothing new stored (checked below).
    const again = await control(`/_sandbox/deliveries/${first.delivery.id}/redeliver`);
    expect(again.delivery).toMatchObject({ ok: true, status: 200, body: first.delivery.body });

    const endpoint = `${server.baseUrl}/webhooks/quickbooks`;
    expect((await fetch(endpoint)).status).toBe(405);
    expect((await fetch(endpoint, { method: "POST", headers: { "intuit-signature": first.delivery.signature }, body: `${first.delivery.body} ` })).status).toBe(401);
    const oversized = await fetch(endpoint, { method: "POST", headers: { "intuit-signature": first.delivery.signature }, body: "x".repeat(1024 * 1024 + 1) });
    expect(oversized.status).toBe(413);

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const stored = await db().webhookEvent.findMany({ where: { provider: "QUICKBOOKS" }, orderBy: { topic: "asc" } });
    expect(stored.map((event) => [event.externalEventId, event.topic, event.accountRef, event.tenantId])).toEqual([
      [first.delivery.events[0]!.id, "qbo.customer.created.v1", DEMO_REALM_ID, tenantId],
      [first.delivery.events[1]!.id, "qbo.item.updated.v1", SECOND_DEMO_REALM_ID, null],
    ]);
    expect(stored[0]!.payload).toEqual(first.delivery.events[0]);
    // Each with the one processing job the running app's queue received alongside it (run or not by now).
    const jobs = await db().$queryRaw<{ webhookEventId: string }[]>`
      SELECT data->>'webhookEventId' AS "webhookEventId" FROM pgboss.job WHERE name = 'webhooks.process'`;
    expect(jobs.map((job) => job.webhookEventId).sort()).toEqual(stored.map((event) => event.id).sort());
  });
});

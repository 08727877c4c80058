import { beforeAll, describe, expect, it } from "vitest";

// /metrics: Prometheus text behind a bearer token, with the webhook, job and queue figures it promises.

const TOKEN = "metrics-token-for-tests-0123456789";
let app: {
  route: typeof import("~/routes/metrics");
  squareRoute: typeof import("~/routes/webhooks.square");
  db: typeof import("~/db.server");
  inbox: typeof import("~/webhooks/inbox.server");
  metrics: typeof import("~/observability/metrics.server");
};

beforeAll(async () => {
  process.env.METRICS_TOKEN = TOKEN;
  app = {
    route: await import("~/routes/metrics"),
    squareRoute: await import("~/routes/webhooks.square"),
    db: await import("~/db.server"),
    inbox: await import("~/webhooks/inbox.server"),
    metrics: await import("~/observability/metrics.server"),
  };
});

async function scrape(authorization?: string): Promise<Response> {
  const headers = authorization ? { Authorization: authorization } : undefined;
  return (await app.route.loader({ request: new Request("http://localhost/metrics", { headers }), params: {}, context: {} })) as Response;
}

describe("/metrics", () => {
  it("refuses a missing or wrong token", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape("Bearer short")).status).toBe(401);
  });

  it("reports webhooks stored and duplicated, jobs, vendor calls and the queues", async () => {
    const db = app.db.db();
    for (const eventId of ["metrics-evt-1", "metrics-evt-2", "metrics-evt-1"]) {
      await db.$transaction((tx) => app.inbox.recordWebhookEvent(tx, null, { provider: "SQUARE", externalEventId: eventId, topic: "inventory.count.updated", accountRef: "MLMETRICS001", tenantId: null, payload: {} }));
    }
    const forged = new Request("http://localhost/webhooks/square", { method: "POST", body: "{}", headers: { "x-square-hmacsha256-signature": "Zm9yZ2Vk" } });
    expect(((await app.squareRoute.action({ request: forged, params: {}, context: {} })) as Response).status).toBe(401);
    app.metrics.observeJob("webhooks.process", "completed", 0.02);
    app.metrics.countVendorCall("QUICKBOOKS", "rate_limited");
    const response = await scrape(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    const text = await response.text();
    expect(text).toContain('tillbridge_webhooks_total{provider="SQUARE",outcome="stored"} 2');
    expect(text).toContain('tillbridge_webhooks_total{provider="SQUARE",outcome="duplicate"} 1');
    expect(text).toContain('tillbridge_webhooks_total{provider="SQUARE",outcome="rejected",reason="signature"} 1');
    expect(text).toContain('tillbridge_jobs_total{type="webhooks.process",outcome="completed"} 1');
    expect(text).toContain('tillbridge_job_duration_seconds_bucket{type="webhooks.process",outcome="completed",le="0.025"} 1');
    expect(text).toContain('tillbridge_vendor_calls_total{provider="QUICKBOOKS",outcome="rate_limited"} 1');
    expect(text).toContain("# TYPE tillbridge_queue_depth gauge");
    expect(text).not.toContain(TOKEN);
  });
});

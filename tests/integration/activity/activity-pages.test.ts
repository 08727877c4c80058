import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../../sandbox/shopify/index";
import { SANDBOX_SQUARE_APPLICATION_ID, SANDBOX_SQUARE_APPLICATION_SECRET, SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY, startSquareSandbox, type SquareSandbox } from "../../../sandbox/square/index";
import { answerConsentPage } from "../../support/consent-forms";
import { freePorts } from "../../support/ports";

// The Activity pages of both merchant areas, called as Remix calls them: real Requests with App Bridge's session
// token (embedded, against the Shopify sandbox) or the Square area's session cookie (signed in with Square, against
// the Square sandbox). Retry goes through the real job queue. Four merchants: two stores and two Square sellers,
// and none of them can see or act on another's runs and issues, from either area.

const APP_URL = "http://localhost:3000";
const OTHER_SHOP = "activity-other.myshopify.com";
const SELLERS = ["MLTB0DEMO0001", "MLTB0DEMO0002"] as const;
const browserUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

let shopify: ShopifySandbox;
let square: SquareSandbox;
let app: {
  db: typeof import("~/db.server");
  flow: typeof import("~/integrations/connections/flow.server");
  runs: typeof import("~/models/sync-runs.server");
  issues: typeof import("~/models/sync-issues.server");
  embeddedActivity: typeof import("~/routes/app.activity");
  squareActivity: typeof import("~/routes/square.activity");
  embeddedFeature: typeof import("~/routes/app.$feature");
  squareCallback: typeof import("~/routes/square_.oauth.callback");
};

/** One merchant: how to reach their Activity page, and their tenant. */
interface Merchant {
  name: string;
  tenantId: string;
  request(init?: RequestInit): Request;
  loader(request: Request): Promise<unknown>;
  action(request: Request): Promise<unknown>;
}
let merchants: { storeA: Merchant; storeB: Merchant; sellerA: Merchant; sellerB: Merchant };

beforeAll(async () => {
  const base = await freePorts(4);
  shopify = await startShopifySandbox({ port: base, appUrl: APP_URL, apiKey: SANDBOX_SHOPIFY_API_KEY, apiSecret: SANDBOX_SHOPIFY_API_SECRET });
  square = await startSquareSandbox({
    port: base + 2,
    appUrl: APP_URL,
    applicationId: SANDBOX_SQUARE_APPLICATION_ID,
    applicationSecret: SANDBOX_SQUARE_APPLICATION_SECRET,
    webhookSignatureKey: SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY,
  });
  // The app reads its configuration on first use: point it at these sandboxes first.
  process.env.SANDBOX_URL = `http://localhost:${base}`;
  process.env.APP_URL = APP_URL;
  const { startRuntime } = await import("~/runtime.server");
  await startRuntime(["worker"]);
  app = {
    db: await import("~/db.server"),
    flow: await import("~/integrations/connections/flow.server"),
    runs: await import("~/models/sync-runs.server"),
    issues: await import("~/models/sync-issues.server"),
    embeddedActivity: await import("~/routes/app.activity"),
    squareActivity: await import("~/routes/square.activity"),
    embeddedFeature: await import("~/routes/app.$feature"),
    squareCallback: await import("~/routes/square_.oauth.callback"),
  };
  const created = await fetch(`${shopify.url}/_sandbox/shops`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ shop: OTHER_SHOP, name: "Activity Other Store" }) });
  expect(created.ok).toBe(true);
  merchants = {
    storeA: await embeddedMerchant(DEMO_SHOP),
    storeB: await embeddedMerchant(OTHER_SHOP),
    sellerA: await squareMerchant(SELLERS[0]),
    sellerB: await squareMerchant(SELLERS[1]),
  };
  expect(new Set(Object.values(merchants).map((merchant) => merchant.tenantId)).size).toBe(4);
});

afterAll(async () => {
  await shopify.close();
  await square.close();
});

const db = () => app.db.db();

/** Remix's way of running a loader or action: a thrown Response is an answer too. */
async function outcome(run: () => Promise<unknown>): Promise<{ status: number; data: unknown; location?: string | null; cookie?: string | null }> {
  try {
    const result = await run();
    if (result instanceof Response) return { status: result.status, data: await result.json() };
    return { status: 200, data: result };
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    return { status: thrown.status, data: null, location: thrown.headers.get("location"), cookie: thrown.headers.get("set-cookie") };
  }
}

async function embeddedMerchant(shop: string): Promise<Merchant> {
  shopify.install(shop);
  const request = (init: RequestInit = {}) =>
    new Request(`${APP_URL}/app/activity?shop=${shop}`, {
      ...init,
      headers: { Authorization: `Bearer ${shopify.sessionToken(shop)}`, "User-Agent": browserUserAgent },
    });
  const merchant: Merchant = {
    name: shop,
    tenantId: "",
    request,
    loader: (req) => app.embeddedActivity.loader({ request: req, params: {}, context: {} }),
    action: (req) => app.embeddedActivity.action({ request: req, params: {}, context: {} }),
  };
  // The first request installs the store's tenant.
  expect((await outcome(() => merchant.loader(request()))).status).toBe(200);
  merchant.tenantId = (await db().connection.findFirstOrThrow({ where: { provider: "SHOPIFY", externalId: shop } })).tenantId;
  return merchant;
}

/** Signs in with Square (the sandbox's consent page, then the callback route) and keeps the session cookie. */
async function squareMerchant(seller: string): Promise<Merchant> {
  const callback = await answerConsentPage(await app.flow.startSquareSignIn(db()), { account: { field: "merchant_id", value: seller }, button: { field: "decision", value: "approve" } });
  const signedIn = await outcome(() => app.squareCallback.loader({ request: new Request(callback), params: {}, context: {} }));
  expect(signedIn.location).toBe("/square");
  const cookie = signedIn.cookie!.split(";")[0]!;
  const request = (init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("Cookie", cookie);
    return new Request(`${APP_URL}/square/activity`, { ...init, headers });
  };
  return {
    name: seller,
    tenantId: (await db().connection.findFirstOrThrow({ where: { provider: "SQUARE", externalId: seller } })).tenantId,
    request,
    loader: (req) => app.squareActivity.loader({ request: req, params: {}, context: {} }),
    action: (req) => app.squareActivity.action({ request: req, params: {}, context: {} }),
  };
}

type PageData = import("~/sync/activity-page.server").ActivityPageData;

async function page(merchant: Merchant): Promise<PageData> {
  const answer = await outcome(() => merchant.loader(merchant.request()));
  expect(answer.status).toBe(200);
  return answer.data as PageData;
}

async function act(merchant: Merchant, form: Record<string, string>) {
  return outcome(() => merchant.action(merchant.request({ method: "POST", body: new URLSearchParams(form) })));
}

/** Retry jobs this file sent (the workers may have run them already; the rows stay). */
async function sentRetryJobs(): Promise<unknown[]> {
  const rows = await db().$queryRawUnsafe<{ data: unknown }[]>(`SELECT data FROM pgboss.job WHERE name = 'system.noop' AND data->>'note' LIKE 'activity %' ORDER BY created_on`);
  return rows.map((row) => row.data);
}

const HOUR_MS = 3600 * 1000;

/** Each merchant's own history: runs that wrote `written` records within the last day, and two open issues. */
async function seed(merchant: Merchant, written: number) {
  const finishedAt = new Date(Date.now() - 2 * HOUR_MS);
  const run = await app.runs.startSyncRun(db(), { tenantId: merchant.tenantId, kind: "INVENTORY", trigger: `schedule ${merchant.name}` }, new Date(finishedAt.getTime() - 4250));
  await app.runs.finishSyncRun(db(), merchant.tenantId, run.id, { counts: { read: written + 2, written, skipped: 1, failed: 1 } }, finishedAt);
  const retriable = await app.issues.reportSyncIssue(db(), {
    tenantId: merchant.tenantId,
    key: "stock:variant:1",
    code: "SQUARE_UNAVAILABLE",
    message: `Square did not answer for ${merchant.name}.`,
    entityType: "variant",
    entityRef: "SKU-1",
    retriable: true,
    retryJob: { name: "system.noop", payload: { note: `activity ${merchant.name}` } },
  });
  const permanent = await app.issues.reportSyncIssue(db(), {
    tenantId: merchant.tenantId,
    key: "stock:variant:2",
    code: "NO_SKU",
    message: `A product of ${merchant.name} has no SKU.`,
    retriable: false,
  });
  return { run, retriable, permanent };
}

let seeded: Record<keyof typeof merchants, Awaited<ReturnType<typeof seed>>>;

beforeEach(async () => {
  await db().syncRun.deleteMany();
  await db().syncIssue.deleteMany();
  await db().$executeRawUnsafe(`DELETE FROM pgboss.job WHERE name = 'system.noop'`);
  await db().auditLog.deleteMany({ where: { action: { in: ["sync_issue.retried", "sync_issue.dismissed"] } } });
  seeded = {
    storeA: await seed(merchants.storeA, 5),
    storeB: await seed(merchants.storeB, 7),
    sellerA: await seed(merchants.sellerA, 11),
    sellerB: await seed(merchants.sellerB, 13),
  };
});

describe("the Activity page in both merchant areas", () => {
  it("shows each merchant their own runs, open issues and records per hour, and nobody else's", async () => {
    for (const [key, written] of [["storeA", 5], ["storeB", 7], ["sellerA", 11], ["sellerB", 13]] as const) {
      const merchant = merchants[key];
      const data = await page(merchant);
      expect(data.runs).toEqual([
        expect.objectContaining({ id: seeded[key].run.id, kind: "INVENTORY", trigger: `schedule ${merchant.name}`, status: "PARTIAL", durationMs: 4250, read: written + 2, written, skipped: 1, failed: 1 }),
      ]);
      expect(data.issues.map((issue) => issue.id).sort()).toEqual([seeded[key].retriable.id, seeded[key].permanent.id].sort());
      expect(data.issues.find((issue) => issue.id === seeded[key].retriable.id)).toMatchObject({ record: "Variant SKU-1", occurrences: 1, canRetry: true });
      expect(data.issues.find((issue) => issue.id === seeded[key].permanent.id)).toMatchObject({ record: null, canRetry: false });
      expect(data.syncedPerHour).toHaveLength(24);
      expect(data.syncedPerHour.reduce((sum, hour) => sum + hour.records, 0)).toBe(written);
      // The stored job stays on the server.
      expect(JSON.stringify(data)).not.toContain("system.noop");
    }
  });

  it("says so when nothing has run and nothing needs attention", async () => {
    await db().syncRun.deleteMany();
    await db().syncIssue.deleteMany();
    for (const merchant of Object.values(merchants)) {
      const data = await page(merchant);
      expect(data.runs).toEqual([]);
      expect(data.issues).toEqual([]);
      expect(data.syncedPerHour.every((hour) => hour.records === 0)).toBe(true);
    }
  });

  it("is a page of its own now, not the upcoming-feature placeholder", async () => {
    const placeholder = await outcome(() => app.embeddedFeature.loader({ request: merchants.storeA.request(), params: { feature: "activity" }, context: {} }));
    expect(placeholder.status).toBe(404);
  });

  it("sends the Square area's visitors without a session to sign in", async () => {
    const anonymous = await outcome(() => app.squareActivity.loader({ request: new Request(`${APP_URL}/square/activity`), params: {}, context: {} }));
    expect(anonymous.location).toBe("/square/sign-in");
  });
});

describe("Retry and Dismiss", () => {
  it("Retry sends exactly the issue's stored job and leaves it open; Dismiss hides it, in either area", async () => {
    for (const key of ["storeA", "sellerA"] as const) {
      const merchant = merchants[key];
      const issue = seeded[key].retriable;
      const retried = await act(merchant, { intent: "retry", issueId: issue.id });
      expect(retried).toEqual({ status: 200, data: { ok: true, message: "Trying again. This problem closes itself once it works.", issueId: issue.id } });
      const after = await db().syncIssue.findUniqueOrThrow({ where: { id: issue.id } });
      expect(after.status).toBe("OPEN");
      expect(after.lastSeenAt.getTime()).toBeGreaterThan(issue.lastSeenAt.getTime());
      expect((await page(merchant)).issues.map((open) => open.id)).toContain(issue.id);

      const dismissed = await act(merchant, { intent: "dismiss", issueId: seeded[key].permanent.id });
      expect(dismissed).toMatchObject({ status: 200, data: { ok: true, issueId: seeded[key].permanent.id } });
      expect((await page(merchant)).issues.map((open) => open.id)).toEqual([issue.id]);
    }
    expect(await sentRetryJobs()).toEqual([{ note: `activity ${DEMO_SHOP}` }, { note: `activity ${SELLERS[0]}` }]);
    const audit = await db().auditLog.findMany({ where: { action: { in: ["sync_issue.retried", "sync_issue.dismissed"] } }, orderBy: { createdAt: "asc" } });
    expect(audit.map((entry) => [entry.tenantId, entry.action, entry.actorId])).toEqual([
      [merchants.storeA.tenantId, "sync_issue.retried", "shopify-user:1001"],
      [merchants.storeA.tenantId, "sync_issue.dismissed", "shopify-user:1001"],
      [merchants.sellerA.tenantId, "sync_issue.retried", `square-merchant:${SELLERS[0]}`],
      [merchants.sellerA.tenantId, "sync_issue.dismissed", `square-merchant:${SELLERS[0]}`],
    ]);
  });

  it("Retry on an issue that cannot be retried says so and sends nothing", async () => {
    const answer = await act(merchants.sellerB, { intent: "retry", issueId: seeded.sellerB.permanent.id });
    expect(answer).toEqual({ status: 409, data: { ok: false, message: "Trying again would not fix this problem. Follow what it says, or dismiss it.", issueId: seeded.sellerB.permanent.id } });
    expect(await sentRetryJobs()).toEqual([]);
  });

  it("a merchant cannot retry or dismiss another merchant's issue, from either area: not found, nothing changes", async () => {
    const everyIssue = async () => db().syncIssue.findMany({ orderBy: { id: "asc" } });
    const before = await everyIssue();
    for (const [actor, victim] of [
      ["storeA", "storeB"],
      ["storeA", "sellerA"],
      ["sellerA", "sellerB"],
      ["sellerA", "storeA"],
      ["sellerB", "storeB"],
    ] as const) {
      for (const intent of ["retry", "dismiss"]) {
        for (const issue of [seeded[victim].retriable, seeded[victim].permanent]) {
          expect(await act(merchants[actor], { intent, issueId: issue.id })).toEqual({ status: 404, data: { ok: false, message: "That problem was not found.", issueId: issue.id } });
        }
      }
    }
    expect(await everyIssue()).toEqual(before);
    expect(await sentRetryJobs()).toEqual([]);
    expect(await db().auditLog.count({ where: { action: { in: ["sync_issue.retried", "sync_issue.dismissed"] } } })).toBe(0);
  });

  it("answers a malformed form with 400 and changes nothing", async () => {
    const before = await db().syncIssue.findMany({ orderBy: { id: "asc" } });
    const malformed: Record<string, string>[] = [
      {},
      { intent: "retry" },
      { intent: "retry", issueId: "not-a-uuid" },
      { intent: "delete", issueId: seeded.storeA.retriable.id },
      { issueId: seeded.storeA.retriable.id },
    ];
    for (const merchant of [merchants.storeA, merchants.sellerA]) {
      for (const form of malformed) {
        expect(await act(merchant, form)).toEqual({ status: 400, data: { ok: false, message: "Unknown request." } });
      }
    }
    expect(await db().syncIssue.findMany({ orderBy: { id: "asc" } })).toEqual(before);
    expect(await sentRetryJobs()).toEqual([]);
  });

  it("refuses a cross-site post in the Square area", async () => {
    const crossSite = await outcome(() =>
      merchants.sellerA.action(merchants.sellerA.request({ method: "POST", headers: { Origin: "https://evil.example" }, body: new URLSearchParams({ intent: "dismiss", issueId: seeded.sellerA.permanent.id }) })),
    );
    expect(crossSite.status).toBe(403);
    expect((await db().syncIssue.findUniqueOrThrow({ where: { id: seeded.sellerA.permanent.id } })).status).toBe("OPEN");
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDatabase, type Prisma } from "~/db.server";
import { defaultMapping, type AccountingMapping } from "~/domain/accounting/mapping";
import { UPCOMING_FEATURES } from "~/features/upcoming";
import { noopJob } from "~/jobs/definitions.server";
import { startJobQueue, type JobQueue } from "~/jobs/queue.server";
import { reportSyncIssue } from "~/models/sync-issues.server";
import { loadAccountingPage, performAccountingAction, type AccountingPageData } from "~/sync/accounting/accounting-page.server";
import { disableAccountingSync, enableAccountingSync } from "~/sync/accounting/setup.server";

// The Accounting page's data and form, as both merchant areas' routes call them: the ledger of QuickBooks
// documents read per tenant (sums per business day in minor units, refunds counted against the day, the latest
// documents, counts), the accounting sync's setup and open problems, and the form's refusals. Turning the sync on
// and off belongs to the setup module; here it is replaced, so only what the page hands it is checked.

vi.mock("~/sync/accounting/setup.server", () => ({ enableAccountingSync: vi.fn(), disableAccountingSync: vi.fn() }));

/** Friday 27 November 2026, 15:00 UTC: the week began on Monday the 23rd; the chart runs from 29 October. */
const NOW = new Date("2026-11-27T15:00:00Z");
const at = (iso: string) => new Date(iso);

const database = () => getDatabase().prisma;
let queue: JobQueue;

interface Tenant {
  id: string;
  syncs: { square?: string; shopify?: string };
}
let storeA: Tenant;
let storeB: Tenant;
let unconnected: Tenant;
let issues: { accountingOpen: string; accountingDismissed: string; otherSync: string; otherTenant: string };

function mappingForA(): AccountingMapping {
  const mapping = defaultMapping({
    homeCurrency: "USD",
    multiCurrencyEnabled: true,
    automatedSalesTax: true,
    accounts: [
      { id: "4", name: "Undeposited Funds", type: "Other Current Asset", subType: "UndepositedFunds" },
      { id: "79", name: "Sales of Product Income", type: "Income", subType: "SalesOfProductIncome" },
      { id: "12", name: "Merchant account fees", type: "Expense" },
    ],
    paymentMethods: [
      { id: "1", name: "Cash" },
      { id: "3", name: "Visa" },
    ],
    taxCodes: [],
  });
  return {
    ...mapping,
    locations: { dimension: "class", byLocation: { "square:L1": { id: "300", name: "Downtown" }, "shopify:gid://shopify/Location/9": { id: "301", name: "Online" } } },
    posting: { square: "per_order", shopify: "daily_summary" },
  };
}

async function tenantWith(name: string, providers: ("QUICKBOOKS" | "SQUARE" | "SHOPIFY")[]): Promise<{ id: string; connections: Record<string, string> }> {
  const tenant = await database().tenant.create({ data: { name, origin: "SQUARE" } });
  const connections: Record<string, string> = {};
  for (const provider of providers) {
    connections[provider] = (await database().connection.create({ data: { tenantId: tenant.id, provider, externalId: `${name}-${provider}` } })).id;
  }
  return { id: tenant.id, connections };
}

type DocumentSeed = Partial<Prisma.AccountingDocumentUncheckedCreateInput> & Pick<Prisma.AccountingDocumentUncheckedCreateInput, "sourceId" | "kind" | "txnDate" | "totalMinor">;

let created = 0;
async function ledger(tenantId: string, syncId: string, documents: DocumentSeed[]) {
  for (const document of documents) {
    created += 1;
    const entity = document.kind.startsWith("refund") && !document.kind.endsWith("_tenders") && !document.kind.endsWith("_fees") ? "RefundReceipt" : document.kind === "sale" ? "SalesReceipt" : "JournalEntry";
    await database().accountingDocument.create({
      data: {
        tenantId,
        syncId,
        source: "square",
        entity,
        requestId: `request-${created}`,
        docNumber: `DOC-${created}`,
        currency: "USD",
        payload: {},
        // One second apart, in the order given: the newest is listed first.
        createdAt: new Date(Date.parse("2026-11-01T00:00:00Z") + created * 1000),
        ...document,
      },
    });
  }
}

beforeAll(async () => {
  queue = await startJobQueue(getDatabase(), { definitions: [noopJob], runWorkers: false });

  const a = await tenantWith("store-a", ["QUICKBOOKS", "SQUARE", "SHOPIFY"]);
  const squareSync = await database().sync.create({
    data: { tenantId: a.id, kind: "ACCOUNTING", sourceConnectionId: a.connections.SQUARE!, targetConnectionId: a.connections.QUICKBOOKS!, enabled: true, settings: mappingForA() as Prisma.InputJsonValue },
  });
  // Shopify's sync exists but is off and has no settings of its own yet.
  const shopifySync = await database().sync.create({ data: { tenantId: a.id, kind: "ACCOUNTING", sourceConnectionId: a.connections.SHOPIFY!, targetConnectionId: a.connections.QUICKBOOKS! } });
  const inventorySync = await database().sync.create({ data: { tenantId: a.id, kind: "INVENTORY", sourceConnectionId: a.connections.SQUARE!, targetConnectionId: a.connections.SHOPIFY! } });
  await database().inventoryScan.create({ data: { tenantId: a.id, status: "DONE", locations: { square: [{ id: "L1", name: "Main Street" }], shopify: [] } } });
  storeA = { id: a.id, syncs: { square: squareSync.id, shopify: shopifySync.id } };

  const b = await tenantWith("store-b", ["QUICKBOOKS", "SQUARE"]);
  const bSync = await database().sync.create({ data: { tenantId: b.id, kind: "ACCOUNTING", sourceConnectionId: b.connections.SQUARE!, targetConnectionId: b.connections.QUICKBOOKS!, enabled: true } });
  storeB = { id: b.id, syncs: { square: bSync.id } };

  unconnected = { id: (await tenantWith("nothing-yet", [])).id, syncs: {} };

  await ledger(storeA.id, squareSync.id, [
    // 30 days back from today is one day too early for the chart.
    { sourceId: "ORDER-OLD", kind: "sale", txnDate: "2026-10-28", totalMinor: 88_800, status: "POSTED", qboId: "90", postedAt: at("2026-10-28T20:00:00Z") },
    { sourceId: "L1@2026-11-20", kind: "daily_summary", txnDate: "2026-11-20", totalMinor: 50_000, status: "POSTED", qboId: "95", postedAt: at("2026-11-21T06:00:00Z"), locationId: "L1" },
    { sourceId: "ORDER-CAD", kind: "sale", txnDate: "2026-11-24", totalMinor: 3_000, currency: "CAD", status: "POSTED", qboId: "96", postedAt: at("2026-11-24T10:00:00Z") },
    { sourceId: "REFUND-7", kind: "refund", txnDate: "2026-11-25", totalMinor: 4_000, status: "POSTED", qboId: "97", postedAt: at("2026-11-25T10:00:00Z") },
    { sourceId: "ORDER-FAIL", kind: "sale", txnDate: "2026-11-26", totalMinor: 9_999, status: "FAILED", qboId: "stale", error: "Card payments have no account to go to." },
    { sourceId: "ORDER-WAIT", kind: "sale", txnDate: "2026-11-26", totalMinor: 7_000, status: "PENDING" },
    { sourceId: "ORDER-1", kind: "sale", txnDate: "2026-11-27", totalMinor: 10_000, status: "POSTED", qboId: "101", postedAt: at("2026-11-27T14:00:00Z") },
    { sourceId: "ORDER-2", kind: "sale", txnDate: "2026-11-27", totalMinor: 2_550, status: "POSTED", qboId: "102", postedAt: at("2026-11-27T14:10:00Z") },
    // Fees move money between accounts: posted, counted, but not a sale.
    { sourceId: "ORDER-2", kind: "sale_fees", txnDate: "2026-11-27", totalMinor: 300, status: "POSTED", qboId: "103", postedAt: at("2026-11-27T14:20:00Z") },
    { sourceId: "REFUND-8", kind: "refund", txnDate: "2026-11-27", totalMinor: 1_000, status: "POSTED", qboId: "104", postedAt: at("2026-11-27T14:30:00Z") },
  ]);
  await ledger(storeA.id, shopifySync.id, [
    { source: "shopify", sourceId: "gid://shopify/Order/5551", kind: "sale", txnDate: "2026-11-27", totalMinor: 1_234, status: "PENDING", docNumber: "SH-#1001" },
  ]);
  // Store B: one sale posted today, then more failed documents than the page lists.
  await ledger(storeB.id, bSync.id, [
    { sourceId: "B-ORDER", kind: "sale", txnDate: "2026-11-27", totalMinor: 777_777, status: "POSTED", qboId: "1", postedAt: at("2026-11-27T09:00:00Z") },
    ...Array.from({ length: 25 }, (_, index) => ({ sourceId: `B-FAIL-${index}`, kind: "sale", txnDate: "2026-11-26", totalMinor: 100 + index, status: "FAILED", error: `Problem ${index}` })),
  ]);

  const retryJob = { name: "system.noop", payload: { note: "accounting page retry" } };
  const open = await reportSyncIssue(database(), { tenantId: storeA.id, syncId: squareSync.id, key: "qbo:order:ORDER-FAIL", code: "MAPPING", message: "Card payments have no account to go to.", entityType: "order", entityRef: "ORDER-FAIL", retriable: true, retryJob });
  const dismissed = await reportSyncIssue(database(), { tenantId: storeA.id, syncId: shopifySync.id, key: "qbo:old", code: "OLD", message: "An old problem.", retriable: false });
  await database().syncIssue.update({ where: { id: dismissed.id }, data: { status: "DISMISSED" } });
  const otherSync = await reportSyncIssue(database(), { tenantId: storeA.id, syncId: inventorySync.id, key: "stock:1", code: "NO_SKU", message: "A product has no SKU.", retriable: false });
  const otherTenant = await reportSyncIssue(database(), { tenantId: storeB.id, syncId: bSync.id, key: "qbo:b", code: "MAPPING", message: "Store B's problem.", retriable: false });
  issues = { accountingOpen: open.id, accountingDismissed: dismissed.id, otherSync: otherSync.id, otherTenant: otherTenant.id };
});

afterAll(async () => {
  await queue.stop({ timeoutMs: 2_000 });
});

beforeEach(() => {
  vi.mocked(enableAccountingSync).mockReset();
  vi.mocked(disableAccountingSync).mockReset();
});

const merchantA = () => ({ tenantId: storeA.id, actor: "square-merchant:A" });
const chartDays = (data: AccountingPageData, currency: string) => Object.fromEntries((data.postedPerDay.find((series) => series.currency === currency)?.days ?? []).map((day) => [day.date, day.totalMinor]));

describe("the Accounting page's data", () => {
  it("sums posted sales less refunds per business day in minor units, per currency, over the last 30 days", async () => {
    const data = await loadAccountingPage(database(), storeA.id, NOW);
    expect(data.postedPerDay.map((series) => series.currency)).toEqual(["USD", "CAD"]);
    const usd = data.postedPerDay[0]!;
    expect(usd.days).toHaveLength(30);
    expect(usd.days[0]!.date).toBe("2026-10-29");
    expect(usd.days[29]!.date).toBe("2026-11-27");
    const nonZero = Object.fromEntries(Object.entries(chartDays(data, "USD")).filter(([, amount]) => amount !== 0));
    // 27th: 100.00 + 25.50 − 10.00 (fees, failed and pending documents left out); 25th: a refund alone.
    expect(nonZero).toEqual({ "2026-11-20": 50_000, "2026-11-25": -4_000, "2026-11-27": 11_550 });
    expect(Object.entries(chartDays(data, "CAD")).filter(([, amount]) => amount !== 0)).toEqual([["2026-11-24", 3_000]]);
    expect(usd.days.every((day) => Number.isSafeInteger(day.totalMinor))).toBe(true);
  });

  it("ends the chart on tomorrow when a location east of UTC has already posted it", async () => {
    await ledger(storeA.id, storeA.syncs.square!, [{ sourceId: "ORDER-SYDNEY", kind: "sale", txnDate: "2026-11-28", totalMinor: 4_200, status: "POSTED", qboId: "120", postedAt: at("2026-11-27T14:50:00Z") }]);
    try {
      const days = (await loadAccountingPage(database(), storeA.id, NOW)).postedPerDay[0]!.days;
      expect([days[0]!.date, days[29]!.date]).toEqual(["2026-10-30", "2026-11-28"]);
      expect(days[29]!.totalMinor).toBe(4_200);
    } finally {
      await database().accountingDocument.deleteMany({ where: { tenantId: storeA.id, sourceId: "ORDER-SYDNEY" } });
    }
  });

  it("lists the latest documents first, in words, with QuickBooks' id once posted and the error when failed", async () => {
    const { documents } = await loadAccountingPage(database(), storeA.id, NOW);
    expect(documents.map((document) => document.record)).toEqual([
      "Shopify order 5551",
      "Square refund REFUND-8",
      "Square order ORDER-2",
      "Square order ORDER-2",
      "Square order ORDER-1",
      "Square order ORDER-WAIT",
      "Square order ORDER-FAIL",
      "Square refund REFUND-7",
      "Square order ORDER-CAD",
      "Square sales at Main Street",
      "Square order ORDER-OLD",
    ]);
    const byRecord = (record: string, purpose?: string) => documents.find((document) => document.record === record && (!purpose || document.purpose === purpose));
    expect(byRecord("Square refund REFUND-8")).toMatchObject({ entity: "Refund receipt", purpose: "Refund", source: "Square", businessDay: "2026-11-27", amountMinor: -1_000, currency: "USD", status: "POSTED", qboId: "104", error: null });
    expect(byRecord("Square order ORDER-2", "Sale")).toMatchObject({ entity: "Sales receipt", amountMinor: 2_550, qboId: "102" });
    expect(byRecord("Square order ORDER-2", "Processing fees of a sale")).toMatchObject({ entity: "Journal entry", amountMinor: 300 });
    expect(byRecord("Square order ORDER-FAIL")).toMatchObject({ status: "FAILED", qboId: null, error: "Card payments have no account to go to." });
    expect(byRecord("Square sales at Main Street")).toMatchObject({ entity: "Journal entry", purpose: "Daily summary", amountMinor: 50_000 });
    expect(byRecord("Shopify order 5551")).toMatchObject({ docNumber: "SH-#1001", source: "Shopify", status: "PENDING", qboId: null });
  });

  it("counts documents posted today and this week (UTC, from Monday), failed and waiting", async () => {
    expect((await loadAccountingPage(database(), storeA.id, NOW)).counts).toEqual({ postedToday: 4, postedThisWeek: 6, failed: 1, pending: 2 });
    // On Monday morning only Monday counts as this week.
    expect((await loadAccountingPage(database(), storeA.id, at("2026-11-30T08:00:00Z"))).counts).toEqual({ postedToday: 0, postedThisWeek: 0, failed: 1, pending: 2 });
  });

  it("shows the setup: on for Square, each channel's posting mode, and the mapping in words", async () => {
    const data = await loadAccountingPage(database(), storeA.id, NOW);
    expect(data.connected).toEqual({ quickbooks: true, square: true, shopify: true });
    expect(data.setup.enabledFor).toEqual(["square"]);
    expect(data.setup.modes).toEqual({ square: "per_order", shopify: "daily_summary" });
    const mapping = data.setup.mapping!;
    expect(mapping.deposits).toEqual([
      { label: "Card payments", account: "Undeposited Funds", paymentMethod: null },
      { label: "Visa card payments", account: "Undeposited Funds", paymentMethod: "Visa" },
      { label: "Cash payments", account: "Undeposited Funds", paymentMethod: "Cash" },
      { label: "Gift card payments", account: null, paymentMethod: null },
      { label: "Other payments", account: "Undeposited Funds", paymentMethod: null },
    ]);
    expect(mapping.tax).toMatch(/exactly the sales tax your customers paid/);
    expect(mapping.feesAccount).toBe("Merchant account fees");
    expect(mapping.locations).toEqual({
      dimension: "class",
      pairs: [
        { location: "Shopify · location gid://shopify/Location/9", target: "Online" },
        { location: "Square · Main Street", target: "Downtown" },
      ],
    });
  });

  it("lists only the accounting sync's open problems", async () => {
    const { issues: open } = await loadAccountingPage(database(), storeA.id, NOW);
    expect(open).toEqual([expect.objectContaining({ id: issues.accountingOpen, message: "Card payments have no account to go to.", record: "Order ORDER-FAIL", occurrences: 1, canRetry: true })]);
    expect(JSON.stringify(open)).not.toContain("system.noop");
  });

  it("shows another tenant only its own documents, counts and problems", async () => {
    const data = await loadAccountingPage(database(), storeB.id, NOW);
    expect(data.connected).toEqual({ quickbooks: true, square: true, shopify: false });
    expect(data.documents).toHaveLength(25);
    expect(data.documents[0]!.record).toBe("Square order B-FAIL-24");
    expect(data.documents.every((document) => document.record.startsWith("Square order B-"))).toBe(true);
    expect(data.postedPerDay).toEqual([{ currency: "USD", days: expect.any(Array) }]);
    expect(Object.entries(chartDays(data, "USD")).filter(([, amount]) => amount !== 0)).toEqual([["2026-11-27", 777_777]]);
    expect(data.counts).toEqual({ postedToday: 1, postedThisWeek: 1, failed: 25, pending: 0 });
    expect(data.issues.map((issue) => issue.id)).toEqual([issues.otherTenant]);
    // B's sync has no valid settings: the defaults are offered and no mapping is shown.
    expect(data.setup).toEqual({ enabledFor: ["square"], modes: { square: "daily_summary", shopify: "per_order" }, mapping: null });
  });

  it("shows a merchant with nothing connected an empty page, and says what to connect", async () => {
    expect(await loadAccountingPage(database(), unconnected.id, NOW)).toEqual({
      connected: { quickbooks: false, square: false, shopify: false },
      setup: { enabledFor: [], modes: { square: "daily_summary", shopify: "per_order" }, mapping: null },
      postedPerDay: [],
      documents: [],
      issues: [],
      counts: { postedToday: 0, postedThisWeek: 0, failed: 0, pending: 0 },
      accountingImports: [],
      shopifyImportEarliest: expect.objectContaining({ windowDays: 60 }),
    });
  });

  it("is a page of its own now, not the upcoming-feature placeholder", () => {
    expect(UPCOMING_FEATURES).not.toHaveProperty("accounting");
  });
});

describe("the Accounting page's form", () => {
  async function answer(result: Awaited<ReturnType<typeof performAccountingAction>>) {
    return result instanceof Response ? { status: result.status, data: await result.json() } : { status: 200, data: result };
  }

  it("refuses what it does not know with a 400 and calls nothing", async () => {
    const malformed: Record<string, string>[] = [
      {},
      { intent: "delete-everything" },
      { intent: "enable", squareMode: "weekly" },
      { intent: "retry" },
      { intent: "dismiss", issueId: "not-a-uuid" },
      { intent: "import", source: "square", startDate: "last spring" },
      { intent: "import", source: "clover", startDate: "2026-01-01" },
    ];
    for (const form of malformed) {
      expect(await answer(await performAccountingAction(database(), queue, merchantA(), form))).toEqual({ status: 400, data: { ok: false, message: "That action is not known on this page." } });
    }
    expect(enableAccountingSync).not.toHaveBeenCalled();
    expect(disableAccountingSync).not.toHaveBeenCalled();
  });

  it("refuses an import, saying why, while Square's accounting is not on", async () => {
    const result = await performAccountingAction(database(), queue, { tenantId: unconnected.id, actor: "test" }, { intent: "import", source: "square", startDate: "2026-01-01" });
    expect(result).toEqual({ ok: false, message: "Turn accounting on for Square first: the import posts Square sales the way new ones are posted." });
    expect(await database().accountingImport.count({ where: { tenantId: unconnected.id } })).toBe(0);
  });

  it("turns the sync on with each channel's mode, and passes the setup's problems back", async () => {
    const refusal = { ok: false as const, message: "Accounting sync cannot start yet.", problems: ["Choose the expense account processing fees are posted to."] };
    vi.mocked(enableAccountingSync).mockResolvedValueOnce(refusal);
    expect(await performAccountingAction(database(), queue, merchantA(), { intent: "enable", squareMode: "per_order", shopifyMode: "daily_summary" })).toEqual(refusal);
    expect(vi.mocked(enableAccountingSync).mock.calls).toEqual([[database(), queue, { tenantId: storeA.id, actor: "square-merchant:A", modes: { square: "per_order", shopify: "daily_summary" } }]]);

    vi.mocked(enableAccountingSync).mockResolvedValueOnce({ ok: true, message: "Accounting sync is on." });
    expect(await performAccountingAction(database(), queue, merchantA(), { intent: "enable", shopifyMode: "per_order" })).toEqual({ ok: true, message: "Accounting sync is on." });
    expect(vi.mocked(enableAccountingSync).mock.calls[1]![2]).toEqual({ tenantId: storeA.id, actor: "square-merchant:A", modes: { shopify: "per_order" } });
  });

  it("does not turn the sync on without QuickBooks and a channel, or for a channel no longer connected", async () => {
    expect(await performAccountingAction(database(), queue, { tenantId: unconnected.id, actor: "x" }, { intent: "enable", squareMode: "per_order" })).toEqual({
      ok: false,
      message: "Connect QuickBooks Online and at least one of Square or Shopify first, under Connections.",
    });
    expect(await performAccountingAction(database(), queue, { tenantId: storeB.id, actor: "x" }, { intent: "enable", shopifyMode: "per_order" })).toEqual({
      ok: false,
      message: "Shopify is no longer connected. Reload the page to see the current setup.",
    });
    expect(enableAccountingSync).not.toHaveBeenCalled();
  });

  it("turns the sync off for the merchant's own tenant", async () => {
    vi.mocked(disableAccountingSync).mockResolvedValueOnce({ ok: true, message: "Accounting sync is off." });
    expect(await performAccountingAction(database(), queue, merchantA(), { intent: "disable" })).toEqual({ ok: true, message: "Accounting sync is off." });
    expect(vi.mocked(disableAccountingSync).mock.calls).toEqual([[database(), queue, { tenantId: storeA.id, actor: "square-merchant:A" }]]);
  });

  it("retries and dismisses the merchant's own problems as the Activity page does, and not another tenant's", async () => {
    const sent = async () => (await database().$queryRawUnsafe<{ data: unknown }[]>(`SELECT data FROM pgboss.job WHERE name = 'system.noop'`)).map((row) => row.data);
    expect(await answer(await performAccountingAction(database(), queue, merchantA(), { intent: "retry", issueId: issues.accountingOpen }))).toEqual({
      status: 200,
      data: { ok: true, message: "Trying again. This problem closes itself once it works.", issueId: issues.accountingOpen },
    });
    expect(await sent()).toEqual([{ note: "accounting page retry" }]);

    expect(await answer(await performAccountingAction(database(), queue, merchantA(), { intent: "dismiss", issueId: issues.otherTenant }))).toEqual({
      status: 404,
      data: { ok: false, message: "That problem was not found.", issueId: issues.otherTenant },
    });
    expect((await database().syncIssue.findUniqueOrThrow({ where: { id: issues.otherTenant } })).status).toBe("OPEN");

    expect(await answer(await performAccountingAction(database(), queue, merchantA(), { intent: "dismiss", issueId: issues.accountingOpen }))).toMatchObject({ status: 200, data: { ok: true } });
    expect((await loadAccountingPage(database(), storeA.id, NOW)).issues).toEqual([]);
    const audit = await database().auditLog.findMany({ where: { tenantId: storeA.id, action: { in: ["sync_issue.retried", "sync_issue.dismissed"] } }, orderBy: { createdAt: "asc" } });
    expect(audit.map((entry) => [entry.action, entry.actorId, entry.target])).toEqual([
      ["sync_issue.retried", "square-merchant:A", issues.accountingOpen],
      ["sync_issue.dismissed", "square-merchant:A", issues.accountingOpen],
    ]);
  });
});

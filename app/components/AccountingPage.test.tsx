import { AppProvider } from "@shopify/polaris";
import enTranslations from "@shopify/polaris/locales/en.json";
import { renderToString } from "react-dom/server";
// The router Remix itself renders with (a dependency of @remix-run/react, same version): a static data router
// gives the page's fetcher forms what they need on the server, without a running app.
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { describe, expect, it } from "vitest";
import type { AccountingPageData } from "~/sync/accounting/accounting-page.server";
import { AccountingPage } from "./AccountingPage";

async function render(data: AccountingPageData): Promise<string> {
  const routes = [
    {
      path: "/",
      element: (
        <AppProvider i18n={enTranslations}>
          <AccountingPage {...data} />
        </AppProvider>
      ),
    },
  ];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request("http://localhost/"));
  if (context instanceof Response) throw new Error("the page redirected");
  const html = renderToString(<StaticRouterProvider router={createStaticRouter(handler.dataRoutes, context)} context={context} hydrate={false} />);
  return html.replace(/<!-- -->/g, "");
}

const EMPTY: AccountingPageData = {
  connected: { quickbooks: false, square: true, shopify: false },
  setup: { enabledFor: [], modes: { square: "daily_summary", shopify: "per_order" }, mapping: null },
  postedPerDay: [],
  documents: [],
  issues: [],
  counts: { postedToday: 0, postedThisWeek: 0, failed: 0, pending: 0 },
  accountingImports: [],
  shopifyImportEarliest: { date: "2026-09-29", windowDays: 60 },
};

describe("the Accounting page", () => {
  it("says what to connect, offers to turn on with each connected channel's mode, and explains both modes", async () => {
    const html = await render(EMPTY);
    expect(html).toContain("Connect your accounts first");
    expect(html).toContain("Connect QuickBooks Online under Connections.");
    expect(html).toContain("Off. Nothing is posted to QuickBooks until you turn it on.");
    expect(html).toContain('name="intent" value="enable"');
    expect(html).toContain('name="squareMode"');
    expect(html).not.toContain('name="shopifyMode"');
    expect(html).toMatch(/<button[^>]*disabled[^>]*>.*?Turn on with these settings/);
    expect(html).toContain("One receipt per order");
    expect(html).toContain("One summary per day");
    expect(html).toContain("Nothing was posted to QuickBooks in the last 30 days.");
    expect(html).toContain("No documents yet.");
  });

  it("shows a running setup, the mapping, the chart and the latest documents in words", async () => {
    const html = await render({
      connected: { quickbooks: true, square: true, shopify: true },
      setup: {
        enabledFor: ["square"],
        modes: { square: "per_order", shopify: "daily_summary" },
        mapping: {
          deposits: [{ label: "Card payments", account: "Undeposited Funds", paymentMethod: null }],
          tax: "QuickBooks works out which lines are taxable.",
          taxLiabilityAccount: null,
          feesAccount: null,
          locations: { dimension: "class", pairs: [{ location: "Square · Main Street", target: "Downtown" }] },
        },
      },
      postedPerDay: [{ currency: "USD", days: [{ date: "2026-11-26", totalMinor: -1_000 }, { date: "2026-11-27", totalMinor: 12_550 }] }],
      documents: [
        { id: "d1", docNumber: "SQ-ABCD123456789-R1", entity: "Refund receipt", purpose: "Refund", source: "Square", record: "Square refund R1", businessDay: "2026-11-27", amountMinor: -1_000, currency: "USD", status: "POSTED", qboId: "104", error: null, recordedAt: "2026-11-27T14:30:00.000Z" },
        { id: "d2", docNumber: "SH-#1002", entity: "Sales receipt", purpose: "Sale", source: "Shopify", record: "Shopify order 5552", businessDay: "2026-11-26", amountMinor: 9_999, currency: "USD", status: "FAILED", qboId: null, error: "Card payments have no account to go to.", recordedAt: "2026-11-27T14:00:00.000Z" },
      ],
      issues: [],
      counts: { postedToday: 4, postedThisWeek: 6, failed: 1, pending: 2 },
      accountingImports: [],
      shopifyImportEarliest: null,
    });
    expect(html).not.toContain("Connect your accounts first");
    expect(html).toContain("On for Square.");
    expect(html).toContain("Square: one receipt per order.");
    // Shopify is connected but not on yet: only its mode is offered, and Square's sync can be turned off.
    expect(html).toContain('name="shopifyMode"');
    expect(html).not.toContain('name="squareMode"');
    // Shopify's daily summaries say what a location and a day are for a Shopify shop.
    expect(html).toContain("the online store counts as one location and each point-of-sale location as another");
    expect(html).toContain('name="intent" value="disable"');
    expect(html).toContain("Undeposited Funds");
    expect(html).toContain("Processing fees:</span> Not chosen yet");
    expect(html).toContain("Square · Main Street");
    expect(html).toContain("Sales less refunds: $115.50 over 30 days.");
    expect(html).toContain('data-testid="posted-per-day-chart"');
    expect(html).toContain("SQ-ABCD123456789-R1");
    expect(html).toContain("-$10.00");
    expect(html).toContain("QuickBooks ID 104");
    expect(html).toContain("Not posted");
    expect(html).toContain("Card payments have no account to go to.");
  });

  it("offers a historical import of each channel posted per order, and says what Shopify allows before it starts", async () => {
    const html = await render({ ...EMPTY, connected: { quickbooks: true, square: true, shopify: true }, setup: { ...EMPTY.setup, enabledFor: ["square", "shopify"], modes: { square: "per_order", shopify: "per_order" } } });
    expect(html).toContain("Import past sales");
    expect(html).toContain('name="intent" value="import"');
    expect(html).toContain('name="source" value="square"');
    expect(html).toMatch(/<input[^>]*name="startDate"[^>]*type="date"|<input[^>]*type="date"[^>]*name="startDate"/);
    expect(html).toContain('name="source" value="shopify"');
    expect(html).toContain("Import Shopify sales");
    expect(html).toContain("last 60 days of orders");
    expect(html).toContain("choose 2026-09-29 or later");
    expect(html).toContain('min="2026-09-29"');
  });

  it("shows an import's progress with a progress bar and its ETA, and no second form while it runs", async () => {
    const html = await render({
      ...EMPTY,
      connected: { quickbooks: true, square: true, shopify: false },
      setup: { ...EMPTY.setup, enabledFor: ["square"], modes: { square: "per_order", shopify: "per_order" } },
      accountingImports: [{
        id: "i1",
        source: "square",
        startDate: "2026-01-01",
        status: "RUNNING",
        ordersFound: 1_200,
        ordersPosted: 290,
        ordersNotPosted: 10,
        minutesLeft: 4,
        documentsLeft: 1_350,
        reason: null,
        startedAt: "2026-11-27T10:00:00.000Z",
        finishedAt: null,
      }],
    });
    expect(html).toContain("290 orders of 1,200 posted to QuickBooks (Square sales since 2026-01-01).");
    expect(html).toMatch(/<progress[^>]*value="25"/);
    expect(html).toContain("About 4 minutes left: 1,350 documents to go");
    expect(html).toContain("10 orders could not be posted.");
    expect(html).not.toContain('name="intent" value="import"');
  });

  it("says why an import is paused", async () => {
    const html = await render({
      ...EMPTY,
      connected: { quickbooks: false, square: true, shopify: false },
      accountingImports: [{
        id: "i1",
        source: "square",
        startDate: "2026-01-01",
        status: "PAUSED",
        ordersFound: 40,
        ordersPosted: 12,
        ordersNotPosted: 0,
        minutesLeft: 1,
        documentsLeft: 42,
        reason: "QuickBooks no longer accepts Tillbridge's access. Reconnect QuickBooks under Connections: the import continues where it stopped.",
        startedAt: "2026-11-27T10:00:00.000Z",
        finishedAt: null,
      }],
    });
    expect(html).toContain("Import of Square sales paused");
    expect(html).toContain("Reconnect QuickBooks under Connections: the import continues where it stopped.");
    expect(html).toContain("12 orders of 40 posted");
    expect(html).not.toContain("minutes left");
  });
});

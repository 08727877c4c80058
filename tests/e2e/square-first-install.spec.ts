import type { Page } from "@playwright/test";
import { expect, test, waitForHydration } from "./fixtures";

// A merchant who starts on the Square App Marketplace: installs with Square, gets the Square merchant area,
// connects QuickBooks there, then joins a Shopify store with a one-time link code.

const LINKED_SHOP = "square-first-linked.myshopify.com";

// The Shopify sandbox listens on the port after the app's (playwright.config.ts).
const SHOPIFY_SANDBOX = `http://localhost:${Number(process.env.E2E_PORT ?? 3210) + 1}`;

async function installFromSquare(page: Page) {
  await page.goto("/square/install");
  await expect(page.getByText("Tillbridge would like to access your Square account")).toBeVisible();
  await page.getByRole("radio", { name: /Tillbridge Coffee Roasters/ }).check();
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page).toHaveURL(/\/square$/);
  await expect(page.getByRole("heading", { name: "Overview", exact: true })).toBeVisible();
  await expect(page.getByText("Square seller MLTB0DEMO0001")).toBeVisible();
}

async function openEmbeddedConnections(page: Page, shop: string) {
  await page.goto(`${SHOPIFY_SANDBOX}/store/${shop}/admin`);
  await page.getByRole("button", { name: "Open Tillbridge" }).first().click();
  const app = page.frameLocator("iframe");
  await expect(app.getByRole("heading", { name: "Overview", exact: true })).toBeVisible({ timeout: 20_000 });
  await page.getByRole("link", { name: "Connections" }).click();
  await expect(app.getByRole("heading", { name: "Connections", exact: true })).toBeVisible();
  return app;
}

test("a Square-first install shows the Square merchant area, and a link code joins it to a Shopify store", async ({ page, context }) => {
  // Watching a code expire takes its 15 seconds on top of the flow itself.
  test.setTimeout(90_000);
  await installFromSquare(page);
  await expect(page.getByRole("heading", { name: "Tillbridge Coffee Roasters" })).toBeVisible();
  const overviewConnections = page.getByRole("list", { name: "Connections" });
  await expect(overviewConnections.getByRole("listitem", { name: "Square" }).getByText("Connected", { exact: true })).toBeVisible();

  // Connect QuickBooks from the Square area; Intuit's consent page brings the merchant back here.
  await page.getByRole("link", { name: "Connections", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Connections", exact: true })).toBeVisible();
  const quickbooks = page.getByRole("region", { name: "QuickBooks Online", exact: true });
  await quickbooks.getByRole("button", { name: "Connect to QuickBooks" }).click();
  // The second company: the demo store may hold the first one (tests/e2e/connections.spec.ts).
  await page.getByRole("radio", { name: /Harbor Street Outfitters/ }).check();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await expect(page).toHaveURL(/\/square\/connections$/);
  await expect(quickbooks.getByText("Connected", { exact: true })).toBeVisible();

  // In another tab: a freshly installed Shopify store with Tillbridge open on its Connections page.
  const created = await page.request.post(`${SHOPIFY_SANDBOX}/_sandbox/shops`, { data: { shop: LINKED_SHOP, name: "Square First Outfitters" } });
  expect(created.status()).toBe(201);
  const admin = await context.newPage();
  const app = await openEmbeddedConnections(admin, LINKED_SHOP);
  const enterCard = app.getByRole("region", { name: "Already use Tillbridge with Square?" });
  const enterCode = async (code: string) => {
    await enterCard.getByLabel("Link code").fill(code);
    await enterCard.getByRole("button", { name: "Link accounts" }).click();
  };
  const linkCard = page.getByRole("region", { name: "Link your Shopify store" });
  const showCode = async (label: string) => {
    await linkCard.getByRole("button", { name: label }).click();
    await expect(linkCard.getByTestId("link-code")).not.toHaveText(previous);
    previous = (await linkCard.getByTestId("link-code").textContent())!.trim();
    expect(previous).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    return previous;
  };
  let previous = "";

  // An expired code is refused (this test server makes codes last 15 seconds).
  const expiring = await showCode("Show a link code");
  await admin.waitForTimeout(16_000);
  await enterCode(expiring);
  await expect(enterCard.getByText(/That code has expired/)).toBeVisible();

  // A wrong code is refused; nothing is linked.
  const code = await showCode("Show a new code");
  await enterCode(code.startsWith("A") ? `B${code.slice(1)}` : `A${code.slice(1)}`);
  await expect(enterCard.getByText(/That code is not valid/)).toBeVisible();
  await expect(app.getByRole("region", { name: "Square", exact: true }).getByText("Not connected", { exact: true })).toBeVisible();

  // The right code joins the two: the store now shows the Square seller and QuickBooks.
  // (The code card goes away once Square is connected, so the page itself shows the outcome.)
  await enterCode(code);
  await expect(app.getByRole("region", { name: "Square", exact: true }).getByText("Account: Tillbridge Coffee Roasters")).toBeVisible({ timeout: 20_000 });
  await expect(app.getByRole("region", { name: "Already use Tillbridge with Square?" })).toHaveCount(0);
  await expect(app.getByRole("region", { name: "QuickBooks Online", exact: true }).getByText("Connected", { exact: true })).toBeVisible();

  // Back in the Square area, the same account now holds the Shopify store.
  await page.reload();
  await expect(page.getByText("Store: Square First Outfitters. Manage it from Tillbridge in your Shopify admin.")).toBeVisible();
});

test("signing out ends the Square area's session; signing in again goes through Square", async ({ page }) => {
  await installFromSquare(page);
  await waitForHydration(page);
  // The account menu carries the account's name: the seller's, or the store's once linked (the test above).
  await page.getByRole("button", { name: /Tillbridge Coffee Roasters|Square First Outfitters/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page.getByText("You are signed out.")).toBeVisible();
  await page.goto("/square/connections");
  await expect(page).toHaveURL(/\/square\/sign-in$/);
  await page.getByRole("button", { name: "Sign in with Square" }).click();
  await page.getByRole("radio", { name: /Tillbridge Coffee Roasters/ }).check();
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page.getByRole("heading", { name: "Overview", exact: true })).toBeVisible();
});

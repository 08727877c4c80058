import type { FrameLocator, Page } from "@playwright/test";
import { seriousAccessibilityViolations } from "./accessibility";
import { expect, test } from "./fixtures";

// Connecting Square and QuickBooks from the embedded app, through the sandboxes' consent pages.

const DEMO_SHOP = "tillbridge-demo.myshopify.com";

async function openConnections(page: Page): Promise<FrameLocator> {
  await page.goto("/");
  await page.getByRole("link", { name: "Open the demo Shopify admin" }).click();
  await page.getByRole("button", { name: "Open Tillbridge" }).first().click();
  const app = page.frameLocator("iframe");
  await expect(app.getByRole("heading", { name: "Overview", exact: true })).toBeVisible({ timeout: 20_000 });
  await page.getByRole("link", { name: "Connections" }).click();
  await expect(app.getByRole("heading", { name: "Connections", exact: true })).toBeVisible();
  return app;
}

function vendorCard(app: FrameLocator, name: string) {
  return app.getByRole("region", { name, exact: true });
}

test("a merchant connects Square and QuickBooks, disconnects QuickBooks and reconnects it, then sets up inventory sync", async ({ page }) => {
  test.setTimeout(180_000);
  let app = await openConnections(page);

  // Square: its consent page, a seller, Allow; back in the admin with the seller connected.
  await vendorCard(app, "Square").getByRole("button", { name: "Connect Square" }).click();
  await expect(page.getByText("Tillbridge would like to access your Square account")).toBeVisible();
  await page.getByRole("radio", { name: /Tillbridge Books & Games/ }).check();
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page).toHaveURL(new RegExp(`/store/${DEMO_SHOP}/admin`));
  app = page.frameLocator("iframe");
  await expect(vendorCard(app, "Square").getByText("Account: Tillbridge Books & Games")).toBeVisible({ timeout: 20_000 });
  await expect(vendorCard(app, "Square").getByText("Connected", { exact: true })).toBeVisible();

  // QuickBooks: Intuit's consent page with its company picker.
  await vendorCard(app, "QuickBooks Online").getByRole("button", { name: "Connect to QuickBooks" }).click();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  app = page.frameLocator("iframe");
  const quickbooks = vendorCard(app, "QuickBooks Online");
  await expect(quickbooks.getByText(/^Account: /)).toBeVisible({ timeout: 20_000 });

  // Test connection asks QuickBooks for the company.
  await quickbooks.getByRole("button", { name: "Test connection" }).click();
  await expect(quickbooks.getByText(/QuickBooks answered for/)).toBeVisible();

  // Disconnect revokes upstream and shows it disconnected.
  await quickbooks.getByRole("button", { name: "Disconnect" }).click();
  await expect(quickbooks.getByText("QuickBooks is disconnected.")).toBeVisible();
  await expect(quickbooks.getByText("Disconnected", { exact: true })).toBeVisible();

  // Reconnect.
  await quickbooks.getByRole("button", { name: "Connect to QuickBooks" }).click();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  app = page.frameLocator("iframe");
  await expect(vendorCard(app, "QuickBooks Online").getByText("Connected", { exact: true })).toBeVisible({ timeout: 20_000 });

  // With Shopify and Square both connected, Inventory matches the two catalogs: a scan in the background, its
  // progress, then the report with what to do about each kind of mismatch.
  await page.getByRole("link", { name: "Inventory" }).click();
  await expect(app.getByRole("heading", { name: "Match your catalogs" })).toBeVisible();
  await app.getByRole("button", { name: "Scan catalogs" }).click();
  await expect(app.getByRole("heading", { name: "Matching report" })).toBeVisible({ timeout: 30_000 });
  const matched = app.getByRole("region", { name: "Matched", exact: true });
  // Polaris data tables head each row with its first column: the SKU.
  await expect(matched.getByRole("rowheader", { name: "TB-NOTE-A5-DOT" })).toBeVisible();
  const duplicates = app.getByRole("region", { name: "SKUs used more than once in Square" });
  await expect(duplicates.getByRole("rowheader", { name: "TB-PIN-LOGO" })).toBeVisible();
  await expect(duplicates).toContainText("its own SKU");
  expect(await seriousAccessibilityViolations(page, { insideFrame: true })).toEqual([]);
  await expect(app.getByRole("button", { name: "Scan again" })).toBeEnabled();

  // Pair the shop's main location with the seller's downtown store, preview the differences, confirm.
  const setup = app.getByRole("region", { name: "Keep stock in step" });
  await setup.getByLabel("Square location for Main Street Store").selectOption({ label: "Downtown Store" });
  await setup.getByRole("button", { name: "Save" }).click();
  await expect(setup.getByText("Saved.")).toBeVisible();
  const align = app.getByRole("region", { name: "Align stock" });
  await align.getByRole("button", { name: "Preview differences" }).click();
  const confirm = align.getByRole("button", { name: "Confirm and start syncing" });
  await expect(confirm).toBeVisible({ timeout: 30_000 });
  await expect(align).toContainText("items compared");
  expect(await seriousAccessibilityViolations(page, { insideFrame: true })).toEqual([]);
  await confirm.click();
  await expect(align.getByText("Stock aligned")).toBeVisible({ timeout: 30_000 });

  // Sell a notebook at the seller's register in the Square sandbox; the app carries it to Shopify and says so.
  const register = await page.context().newPage();
  const squareSandbox = new URL(page.url());
  squareSandbox.port = String(Number(squareSandbox.port) + 2);
  await register.goto(new URL("/register/MLTB0DEMO0002?location=LTB0BOOKS0001", squareSandbox).toString());
  await register.getByRole("button", { name: "Sell one TB-NOTE-A5-DOT" }).click();
  await expect(register.getByRole("status")).toContainText("Sold 1 × TB-NOTE-A5-DOT");
  await register.close();

  await page.getByRole("link", { name: "Activity" }).click();
  await expect(app.getByRole("heading", { name: "Activity", exact: true })).toBeVisible();
  await expect(async () => {
    await page.getByRole("link", { name: "Activity" }).click();
    await expect(app.getByText(/TB-NOTE-A5-DOT: Shopify \d+ → \d+/)).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });

  // Accounting: turn it on with QuickBooks' usual accounts, one receipt per Square order.
  await page.getByRole("link", { name: "Accounting" }).click();
  await expect(app.getByRole("heading", { name: "Accounting", exact: true })).toBeVisible();
  const accountingSetup = app.getByRole("region", { name: "Setup" });
  await accountingSetup.getByLabel("Post Square sales as").selectOption({ label: "One receipt per order" });
  await accountingSetup.getByLabel("Post Shopify sales as").selectOption({ label: "One receipt per order" });
  await accountingSetup.getByRole("button", { name: "Turn on with these settings" }).click();
  await expect(accountingSetup.getByText(/Accounting is on/)).toBeVisible({ timeout: 20_000 });
  await expect(accountingSetup.getByText("Undeposited Funds").first()).toBeVisible();

  // A sale and its refund at the register.
  const till = await page.context().newPage();
  await till.goto(new URL("/register/MLTB0DEMO0002?location=LTB0BOOKS0001", squareSandbox).toString());
  await till.getByRole("button", { name: "Sell one TB-NOTE-A5-DOT" }).click();
  await expect(till.getByRole("status")).toContainText("Sold 1 × TB-NOTE-A5-DOT");
  await till.getByRole("button", { name: /^Refund sale / }).first().click();
  await expect(till.getByRole("status")).toContainText("Refunded sale");
  await till.close();
  // And an online order in the Shopify sandbox (paid, as a customer would at checkout).
  const shopifySandbox = new URL(page.url());
  const online = await page.request.post(new URL(`/_sandbox/shops/${DEMO_SHOP}/orders`, shopifySandbox).toString(), { data: { lines: [{ sku: "TB-NOTE-A5-DOT", quantity: 1 }] } });
  expect(online.status()).toBe(201);

  // Both reach QuickBooks: the Accounting page lists the receipts with their QuickBooks numbers.
  const recent = app.getByRole("region", { name: "Recent documents" });
  await expect(async () => {
    await page.getByRole("link", { name: "Accounting" }).click();
    await expect(recent.getByText("Refund receipt", { exact: true })).toBeVisible({ timeout: 2_000 });
    await expect(recent.getByText("Sales receipt", { exact: true }).first()).toBeVisible({ timeout: 2_000 });
    await expect(recent.getByText(/^SH-#\d+$/).first()).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 45_000 });
  expect(await seriousAccessibilityViolations(page, { insideFrame: true })).toEqual([]);
  // A Square sale's receipt: SQ-, the first four characters of the order id (either case) and a hash, no suffix.
  const receiptNumber = (await recent.getByText(/^SQ-[A-Za-z0-9]+$/).first().textContent())!;

  // And QuickBooks (its sandbox's company page) has that receipt.
  const books = await page.context().newPage();
  const intuitSandbox = new URL(page.url());
  intuitSandbox.port = String(Number(intuitSandbox.port) + 3);
  await books.goto(new URL("/app/9341453021580001", intuitSandbox).toString());
  await expect(books.getByText(receiptNumber, { exact: true }).first()).toBeVisible();
  await books.close();
});

test("declining on Square's consent page says what happened and connects nothing", async ({ page }) => {
  const app = await openConnections(page);
  const connectButton = vendorCard(app, "Square").getByRole("button", { name: /Connect Square|Reconnect Square/ });
  if (await connectButton.count()) {
    await connectButton.click();
  } else {
    await vendorCard(app, "Square").getByRole("button", { name: "Disconnect" }).click();
    await vendorCard(app, "Square").getByRole("button", { name: "Connect Square" }).click();
  }
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page.getByRole("heading", { name: "Square was not connected" })).toBeVisible();
  await expect(page.getByText(/You declined the connection on Square's page, so nothing was connected/)).toBeVisible();
  await page.getByRole("link", { name: "Back to Connections" }).click();
  await expect(page.frameLocator("iframe").getByRole("heading", { name: "Connections", exact: true })).toBeVisible({ timeout: 20_000 });
});

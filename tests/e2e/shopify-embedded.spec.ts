import type { FrameLocator, Page } from "@playwright/test";
import { seriousAccessibilityViolations } from "./accessibility";
import { expect, test } from "./fixtures";

// The embedded Shopify app end to end, in the sandbox's Shopify admin: install through token exchange, the
// Overview read through the Admin API, navigation, uninstall and reinstall.

const DEMO_SHOP = "tillbridge-demo.myshopify.com";

function appFrame(page: Page): FrameLocator {
  return page.frameLocator("iframe");
}

async function openDemoAdmin(page: Page) {
  await page.goto("/");
  await page.getByRole("link", { name: "Open the demo Shopify admin" }).click();
  await expect(page).toHaveURL(new RegExp(`/store/${DEMO_SHOP}/admin`));
}

async function openTillbridge(page: Page) {
  await page.getByRole("button", { name: "Open Tillbridge" }).first().click();
  await expect(appFrame(page).getByRole("heading", { name: "Overview", exact: true })).toBeVisible({ timeout: 20_000 });
}

test("a merchant installs Tillbridge from the Shopify admin, uninstalls it and installs it again", async ({ page }) => {
  // Two installs and three accessibility scans: 18 s on a quiet machine, over 30 s on a busy one.
  test.setTimeout(90_000);
  await openDemoAdmin(page);
  await openTillbridge(page);
  const app = appFrame(page);

  // Overview: the shop's name comes from the Admin API, the connections from Tillbridge's database.
  await expect(app.getByRole("heading", { name: "Tillbridge Demo Store" })).toBeVisible();
  const shopifyRow = app.getByRole("listitem", { name: "Shopify" });
  await expect(shopifyRow.getByText("Connected", { exact: true })).toBeVisible();
  await expect(app.getByText(/of 3 connected/)).toBeVisible();
  await expect(app.getByText("Tillbridge was installed")).toBeVisible();
  const memberSince = await app.getByText(/Using Tillbridge since/).textContent();
  expect(await seriousAccessibilityViolations(page, { insideFrame: true })).toEqual([]);

  // The app's navigation is shown by the admin, as App Bridge does at Shopify.
  await page.getByRole("link", { name: "Connections" }).click();
  await expect(app.getByRole("heading", { name: "Connections", exact: true })).toBeVisible();
  await expect(app.getByRole("region", { name: "Square", exact: true })).toBeVisible();
  await expect(app.getByRole("region", { name: "QuickBooks Online" })).toBeVisible();
  expect(await seriousAccessibilityViolations(page, { insideFrame: true })).toEqual([]);

  // Inventory (tests/e2e/connections.spec.ts scans the catalogs once Square is connected too).
  await page.getByRole("link", { name: "Inventory" }).click();
  await expect(app.getByRole("heading", { name: "Match your catalogs" })).toBeVisible();
  expect(await seriousAccessibilityViolations(page, { insideFrame: true })).toEqual([]);

  // Uninstall: Shopify tells the app, which disconnects the shop and deletes its sessions.
  await page.getByRole("button", { name: "Uninstall app" }).click();
  await expect(page.getByRole("cell", { name: "app/uninstalled" }).first()).toBeVisible();
  const deliveries = (await (await page.request.get(new URL("/_sandbox/deliveries", page.url()).href)).json()) as { topic: string; status: number | null }[];
  expect(deliveries.find((delivery) => delivery.topic === "app/uninstalled")?.status).toBe(200);

  // Reinstall: the same tenant comes back, with its history.
  await openTillbridge(page);
  await expect(app.getByText("Tillbridge was installed again")).toBeVisible();
  await expect(app.getByText("Tillbridge was uninstalled from Shopify")).toBeVisible();
  expect(await app.getByText(/Using Tillbridge since/).textContent()).toBe(memberSince);
  await expect(shopifyRow.getByText("Connected", { exact: true })).toBeVisible();
});

test("an app page loaded without its session token comes back through the library's bounce page", async ({ page }) => {
  await openDemoAdmin(page);
  await openTillbridge(page);

  // As a reload of the app's own URL would be: Shopify's query without the id_token. The library answers with its
  // bounce page, whose App Bridge (the sandbox's: there is no CDN here) gets a token and loads the page with it.
  const frame = page.locator("#app-frame");
  const reload = new URL((await frame.getAttribute("src"))!);
  reload.pathname = "/app/connections";
  for (const signed of ["id_token", "hmac", "session", "timestamp"]) reload.searchParams.delete(signed);
  const bounce = page.waitForResponse((response) => new URL(response.url()).pathname === "/auth/session-token");
  await frame.evaluate((element: HTMLIFrameElement, url) => (element.src = url), reload.href);

  const bouncePage = await (await bounce).text();
  expect(bouncePage).toContain(`src="${new URL("/app-bridge.js", page.url()).href}"`);
  await expect(appFrame(page).getByRole("heading", { name: "Connections", exact: true })).toBeVisible({ timeout: 20_000 });
});

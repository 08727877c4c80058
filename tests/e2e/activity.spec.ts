import type { FrameLocator, Locator, Page } from "@playwright/test";
import { seriousAccessibilityViolations } from "./accessibility";
import { expect, test } from "./fixtures";

// The Activity page in both merchant areas, as a new merchant sees it: nothing has run yet, nothing needs attention,
// and the records-per-hour chart is there with its summary. Runs and issues come from syncs, which real flows cannot
// produce yet; tests/integration/activity covers them (Retry, Dismiss, tenant walls).

async function expectEmptyActivity(app: Page | FrameLocator) {
  await expect(app.getByRole("heading", { name: "Activity", exact: true })).toBeVisible();
  const attention = app.getByRole("region", { name: "Needs your attention" });
  await expect(attention.getByText(/^Nothing needs your attention\./)).toBeVisible();
  const runs = app.getByRole("region", { name: "Recent runs" });
  await expect(runs.getByText(/^No syncs have run yet\./)).toBeVisible();
  const perHour = app.getByRole("region", { name: "Records synced per hour" });
  await expect(perHour.getByText("No records were synced in the last 24 hours.")).toBeVisible();
  const chart: Locator = perHour.getByRole("img", { name: "Records synced per hour over the last 24 hours (UTC): no records were synced." });
  await expect(chart).toBeVisible();
  // The numbers behind the chart, for screen readers: one row per hour.
  await expect(perHour.getByRole("table", { name: "Records synced per hour, UTC", includeHidden: true }).getByRole("row", { includeHidden: true })).toHaveCount(25);
}

test("a merchant who installed from Square opens Activity and sees that nothing has run yet", async ({ page }) => {
  await page.goto("/square/install");
  await expect(page.getByText("Tillbridge would like to access your Square account")).toBeVisible();
  await page.getByRole("radio", { name: /Tillbridge Coffee Roasters/ }).check();
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page.getByRole("heading", { name: "Overview", exact: true })).toBeVisible();

  await page.getByRole("link", { name: "Activity", exact: true }).click();
  await expect(page).toHaveURL(/\/square\/activity$/);
  await expectEmptyActivity(page);
  expect(await seriousAccessibilityViolations(page, { insideFrame: false })).toEqual([]);

  // A reload renders the same page on the server.
  await page.reload();
  await expectEmptyActivity(page);
});

test("a Shopify merchant opens Activity in the embedded app and sees that nothing has run yet", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "Open the demo Shopify admin" }).click();
  await page.getByRole("button", { name: "Open Tillbridge" }).first().click();
  const app = page.frameLocator("iframe");
  await expect(app.getByRole("heading", { name: "Overview", exact: true })).toBeVisible({ timeout: 20_000 });

  // The app's navigation is shown by the admin, as App Bridge does at Shopify.
  await page.getByRole("link", { name: "Activity" }).click();
  await expectEmptyActivity(app);
  await expect(app.getByText("Activity is not available yet")).toHaveCount(0);
  expect(await seriousAccessibilityViolations(page, { insideFrame: true })).toEqual([]);
});

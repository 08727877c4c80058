import { expect, test } from "./fixtures";

test.describe("landing page", () => {
  test.beforeEach(async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
  });

  test("explains what Tillbridge does", async ({ page }) => {
    await expect(page).toHaveTitle(
      "Tillbridge — point-of-sale integration for Shopify, Square and QuickBooks"
    );
    await expect(page.locator("html")).toHaveAttribute("lang", "en");

    const headings = page.getByRole("heading", { level: 1 });
    await expect(headings).toHaveCount(1);
    await expect(headings).toHaveText("Your till, your store and your books, in step");

    await expect(page.getByRole("banner")).toBeVisible();
    const main = page.getByRole("main");
    await expect(main).toBeVisible();
    await expect(page.getByRole("contentinfo")).toBeVisible();

    const capabilities = page.getByRole("region", { name: "What Tillbridge does" });
    await expect(capabilities.getByRole("heading", { level: 3 })).toHaveText([
      "Accounting",
      "Inventory",
      "Loyalty",
    ]);
    await expect(capabilities).toContainText("posted to QuickBooks Online exactly once");
    await expect(capabilities).toContainText("in about a second");
    await expect(capabilities).toContainText("one points balance");

    const differences = page.getByRole("region", { name: "Why it's different" });
    await expect(differences.getByRole("heading", { level: 3 })).toHaveText([
      "No duplicates",
      "No silent token expiry",
      "No oversells from slow polling",
    ]);
  });

  test("shows how to reach the demo and says the marketplace listings are not live", async ({
    page,
  }) => {
    const demo = page.getByRole("region", { name: "Try the demo" });
    await expect(demo.getByRole("heading", { level: 2 })).toHaveText("Try the demo");
    await expect(demo).toContainText("npm run dev");
    await expect(demo).toContainText("sandbox");
    await expect(demo.getByRole("link", { name: "Open the demo Shopify admin" })).toHaveAttribute("href", /\/store\/tillbridge-demo\.myshopify\.com\/admin$/);

    const install = page.getByRole("region", { name: "Install" });
    await expect(install).toContainText("Install from the Shopify App Store");
    await expect(install).toContainText("Install from the Square App Marketplace");
    await expect(install.getByText("Not live yet", { exact: true })).toHaveCount(2);
    // No fake install links.
    await expect(install.getByRole("link")).toHaveCount(0);
  });

  test("hydrates: the demo steps open and close", async ({ page }) => {
    // The Remix router exists only once the client bundle has run.
    await page.waitForFunction(() => "__remixRouter" in window);

    const demo = page.getByRole("region", { name: "Try the demo" });
    const toggle = demo.getByRole("button", { name: "How to run the demo" });
    const step = demo.getByText("Start Tillbridge with");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await expect(step).toBeHidden();

    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
    await expect(step).toBeVisible();

    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await expect(step).toBeHidden();
  });
});

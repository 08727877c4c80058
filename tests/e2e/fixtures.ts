import { expect, test as base } from "@playwright/test";

export { expect };

type Fixtures = {
  /**
   * Console errors a test expects (e.g. a deliberate 404 fetch). Anything else
   * logged with console.error, and any uncaught page error, fails the test.
   * Override per file or describe block: `test.use({ allowedConsoleErrors: [/…/] })`.
   */
  allowedConsoleErrors: RegExp[];
};

/**
 * Every e2e test imports `test` from here: the `page` fixture fails the test
 * when the page logs a console error or throws an uncaught error.
 */
export const test = base.extend<Fixtures>({
  allowedConsoleErrors: [[], { option: true }],

  page: async ({ page, allowedConsoleErrors }, use, testInfo) => {
    const problems: string[] = [];

    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const text = message.text();
      if (allowedConsoleErrors.some((pattern) => pattern.test(text))) return;
      const { url, lineNumber } = message.location();
      problems.push(`console.error: ${text}${url ? ` (${url}:${lineNumber})` : ""}`);
    });
    page.on("pageerror", (error) => {
      problems.push(`uncaught page error: ${error.stack ?? error.message}`);
    });

    await use(page);

    if (problems.length > 0) {
      await testInfo.attach("browser-errors", {
        body: problems.join("\n\n"),
        contentType: "text/plain",
      });
    }
    expect(problems, "the page logged errors").toEqual([]);
  },
});

/**
 * Waits until React has hydrated the page (app/root.tsx marks it): needed before pressing a control that only
 * JavaScript handles, such as a menu button, which does nothing when pressed earlier.
 */
export async function waitForHydration(page: import("@playwright/test").Page): Promise<void> {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

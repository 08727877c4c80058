import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

/**
 * Serious and critical axe violations on the page. With `insideFrame`, only what Tillbridge renders inside the
 * Shopify admin's iframe counts, not the sandbox's admin chrome around it.
 */
export async function seriousAccessibilityViolations(page: Page, { insideFrame }: { insideFrame: boolean }): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({ ...violation, nodes: insideFrame ? violation.nodes.filter((node) => node.target.length > 1) : violation.nodes }))
    .filter((violation) => violation.nodes.length > 0)
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => JSON.stringify(node.target)).join(", ")})`);
}

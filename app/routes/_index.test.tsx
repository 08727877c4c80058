import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { LandingPage } from "~/components/LandingPage";
import { meta } from "./_index";

// Rendered inside each test, so the unit setup's console.error guard sees React warnings.
function render() {
  const html = renderToString(<LandingPage demoAdminUrl="http://localhost:3100/store/tillbridge-demo.myshopify.com/admin" />);
  return { html, text: html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ") };
}

describe("landing page", () => {
  it("has exactly one h1 inside the page landmarks", () => {
    const { html } = render();
    expect(html.match(/<h1[\s>]/g)).toHaveLength(1);
    for (const landmark of ["<header", "<main", "<footer"]) expect(html).toContain(landmark);
  });

  it("names the three capabilities and the demo", () => {
    const { html, text } = render();
    for (const heading of ["Accounting", "Inventory", "Loyalty", "Try the demo"]) {
      expect(html).toMatch(new RegExp(`<h[23][^>]*>${heading}</h[23]>`));
    }
    expect(text).toContain("npm run dev");
    expect(html).toContain('href="http://localhost:3100/store/tillbridge-demo.myshopify.com/admin"');
    expect(text).toContain("Open the demo Shopify admin");
  });

  it("does not link to marketplace listings that are not live", () => {
    const { html, text } = render();
    expect(text).toContain("Install from the Shopify App Store");
    expect(text).toContain("Install from the Square App Marketplace");
    expect(text.match(/Not live yet/g)).toHaveLength(2);
    expect(html).not.toMatch(/href="[^"]*(apps\.shopify\.com|squareup\.com)/);
  });

  it("sets the document title", () => {
    const tags = meta({} as Parameters<typeof meta>[0]);
    expect(tags).toContainEqual({
      title: "Tillbridge — point-of-sale integration for Shopify, Square and QuickBooks",
    });
  });
});

import { getConfig } from "~/config.server";
import { addDocumentResponseHeaders } from "~/shopify.server";

/**
 * Headers for every HTML document: Shopify's (the frame-ancestors policy that lets the admin embed the app).
 * In sandbox mode the sandbox's admin page is the one embedding the app, so its origin is allowed too, and the
 * preload hint for Shopify's CDN (unreachable here) is dropped.
 */
export function addEmbeddedDocumentHeaders(request: Request, headers: Headers): void {
  addDocumentResponseHeaders(request, headers);
  const config = getConfig();
  if (!config.sandboxed.shopify) return;
  headers.delete("Link");
  const policy = headers.get("Content-Security-Policy");
  if (policy?.includes("frame-ancestors")) {
    headers.set("Content-Security-Policy", policy.replace("frame-ancestors", `frame-ancestors ${new URL(config.sandbox.url).origin}`));
  }
}

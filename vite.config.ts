import { fileURLToPath } from "node:url";

import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";

// Typed single-fetch responses (`useLoaderData<typeof loader>()` etc.).
declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig(({ isSsrBuild }) => ({
  // The server build runs on the Node of package.json's engines, not in a browser: it may use top-level await
  // (app/integrations/shopify/app-bridge-url.server.ts loads the Shopify library's node adapter with it).
  build: isSsrBuild ? { target: "node22" } : {},
  resolve: {
    // Mirrors the tsconfig `paths` entry `~/*` -> `./app/*`.
    alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) },
  },
  plugins: [
    // The Remix plugin refuses to run under Vitest; the Vitest config supplies
    // its own setup, so leave the plugin out if this file is ever loaded there.
    !process.env.VITEST &&
      remix({
        // Only files under app/routes are routes. Dotfiles and tests that live
        // next to route modules are not.
        ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
        future: {
          v3_fetcherPersist: true,
          v3_relativeSplatPath: true,
          v3_throwAbortReason: true,
          v3_lazyRouteDiscovery: true,
          v3_singleFetch: true,
        },
      }),
  ],
}));

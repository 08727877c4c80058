import { RemixBrowser } from "@remix-run/react";
import { StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";

// Hydrated at once, not inside startTransition as Remix's default entry does: a click that lands while a
// concurrent hydration of the whole document is still running can make React 18 abandon the root ("Root did not
// complete", minified error #345), leaving a page that no longer responds. Seen in the Square merchant area when a
// merchant (or a browser test) clicks the navigation right after the page appears. Blocking hydration takes a few
// tens of milliseconds once; after it, navigations are transitions as usual.
hydrateRoot(
  document,
  <StrictMode>
    <RemixBrowser />
  </StrictMode>,
);

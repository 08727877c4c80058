/**
 * The sandbox admin page's side of the App Bridge stand-in: shows the app's <ui-nav-menu> links in the left nav
 * and its <ui-title-bar> title above the iframe, shows the loading bar, and sends a click on a nav link to the app
 * as a navigation request. As Shopify's admin does, it loads the page in the frame itself, with a freshly signed
 * query, when the app does not follow the navigation: App Bridge answers so, or the frame holds no App Bridge
 * (App Bridge says when it starts and when its page goes away). Messages are accepted only from the app's iframe.
 * Compiled by browser-scripts.ts.
 */

interface AppMessage {
  source?: string;
  type?: string;
  items?: { href: string; label: string; home: boolean }[];
  title?: string;
  on?: boolean;
  path?: string;
  id?: number;
  followed?: boolean;
}

const FROM_ADMIN = "tillbridge-admin";

function start(): void {
  const frame = document.querySelector<HTMLIFrameElement>("#app-frame");
  const nav = document.querySelector<HTMLUListElement>("#app-nav");
  const appLink = document.querySelector<HTMLAnchorElement>("#app-link");
  const title = document.querySelector<HTMLElement>("#app-title");
  const loading = document.querySelector<HTMLElement>("#loading-bar");
  if (!frame || !nav || !appLink || !title || !loading) return;
  const appOrigin = new URL(frame.src).origin;
  const loadUrl = frame.dataset.loadUrl;

  const toApp = (message: { type: string; href?: string; id?: number }) => frame.contentWindow?.postMessage({ source: FROM_ADMIN, ...message }, appOrigin);

  // Whether the page in the frame runs App Bridge: it says "ready" when it starts (and again when asked, should
  // this script have started after it) and "gone" when its page is left.
  let bridgeReady = false;
  const frameHoldsAnotherOrigin = () => {
    try {
      // Readable only while the frame is still this page's own about:blank, where a message to the app's origin
      // would be refused (with a warning in the console).
      void frame.contentWindow?.location.href;
      return false;
    } catch {
      return true;
    }
  };
  if (frameHoldsAnotherOrigin()) toApp({ type: "hello" });

  // Only the latest request counts: an answer to an earlier one is ignored.
  let lastRequest = 0;
  let pending: { id: number; href: string } | undefined;

  /** Loads an app page in the frame the way the admin first loaded it: signed, with a session token. */
  const load = (href: string) => {
    const target = new URL(href, appOrigin);
    if (!loadUrl || target.origin !== appOrigin) return;
    bridgeReady = false;
    pending = undefined;
    frame.src = `${loadUrl}?${new URLSearchParams({ path: target.pathname + target.search })}`;
  };

  const navigate = (href: string) => {
    if (!bridgeReady) {
      load(href);
      return;
    }
    pending = { id: ++lastRequest, href };
    toApp({ type: "navigate", href, id: pending.id });
  };
  function answered(id: number, followed: boolean) {
    if (pending?.id !== id) return;
    const { href } = pending;
    pending = undefined;
    if (!followed) load(href);
  }

  const renderMenu = (items: NonNullable<AppMessage["items"]>) => {
    const home = items.find((item) => item.home);
    appLink.dataset.href = home?.href ?? "";
    nav.replaceChildren(
      ...items
        .filter((item) => !item.home)
        .map((item) => {
          const link = Object.assign(document.createElement("a"), { href: "#", textContent: item.label });
          link.dataset.href = item.href;
          const entry = document.createElement("li");
          entry.append(link);
          return entry;
        }),
    );
  };

  function highlight(path: string) {
    for (const link of document.querySelectorAll<HTMLAnchorElement>("#app-nav a, #app-link")) {
      const href = link.dataset.href;
      link.classList.toggle("active", !!href && new URL(href, appOrigin).pathname === path);
    }
  }

  document.addEventListener("click", (event) => {
    const link = (event.target as Element).closest<HTMLAnchorElement>("#app-nav a, #app-link");
    if (!link?.dataset.href) return;
    event.preventDefault();
    navigate(link.dataset.href);
  });

  window.addEventListener("message", (event: MessageEvent<AppMessage>) => {
    if (event.data?.source !== "tillbridge-app-bridge") return;
    const message = event.data;
    // "gone" is sent as the page is left, and arrives without a source (its window is no more): its origin says
    // it came from the app.
    const fromFrame = event.source === frame.contentWindow || (message.type === "gone" && event.source === null && event.origin === appOrigin);
    if (!fromFrame) return;
    if (message.type === "nav-menu" && message.items) renderMenu(message.items);
    if (message.type === "title") title.textContent = message.title ?? "";
    if (message.type === "loading") loading.classList.toggle("on", message.on === true);
    if (message.type === "location" && message.path) highlight(message.path);
    if (message.type === "ready") bridgeReady = true;
    if (message.type === "gone") {
      bridgeReady = false;
      // The page went away before answering (a bounce page reloading itself, say): it did not follow.
      if (pending) answered(pending.id, false);
    }
    if (message.type === "navigation" && typeof message.id === "number") answered(message.id, message.followed === true);
  });
}

start();

export {};

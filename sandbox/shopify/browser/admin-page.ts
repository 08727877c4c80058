/**
 * The sandbox admin page's side of the App Bridge stand-in: shows the app's <ui-nav-menu> links in the left nav
 * and its <ui-title-bar> title above the iframe, shows the loading bar, and sends a click on a nav link to the app
 * as a navigation request. As Shopify's admin does, it loads the page in the frame itself, with a freshly signed
 * query, when the app does not follow the navigation (App Bridge answers so, or nothing in the frame answers).
 * Messages are accepted only from the app's iframe. Compiled by browser-scripts.ts.
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

/**
 * How long App Bridge has to answer a navigation request. Only the answer is waited for, not the page: a page the
 * app is loading may take seconds. Without an answer the frame holds no App Bridge (or a page too busy to take
 * messages), and the admin loads the page itself; that is a full load, but a signed one, so it is never wrong.
 */
const NAVIGATION_ANSWER_MS = 2_000;

function start(): void {
  const frame = document.querySelector<HTMLIFrameElement>("#app-frame");
  const nav = document.querySelector<HTMLUListElement>("#app-nav");
  const appLink = document.querySelector<HTMLAnchorElement>("#app-link");
  const title = document.querySelector<HTMLElement>("#app-title");
  const loading = document.querySelector<HTMLElement>("#loading-bar");
  if (!frame || !nav || !appLink || !title || !loading) return;
  const appOrigin = new URL(frame.src).origin;
  const loadUrl = frame.dataset.loadUrl;

  /** Loads an app page in the frame the way the admin first loaded it: signed, with a session token. */
  const load = (href: string) => {
    const target = new URL(href, appOrigin);
    if (!loadUrl || target.origin !== appOrigin) return;
    frame.src = `${loadUrl}?${new URLSearchParams({ path: target.pathname + target.search })}`;
  };

  let lastRequest = 0;
  let pending: { id: number; href: string; timer: number } | undefined;
  const navigate = (href: string) => {
    if (pending) window.clearTimeout(pending.timer);
    const id = ++lastRequest;
    pending = { id, href, timer: window.setTimeout(() => answered(id, false), NAVIGATION_ANSWER_MS) };
    frame.contentWindow?.postMessage({ source: "tillbridge-admin", type: "navigate", href, id }, appOrigin);
  };
  function answered(id: number, followed: boolean) {
    if (!pending || pending.id !== id) return;
    window.clearTimeout(pending.timer);
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
    if (event.source !== frame.contentWindow || event.data?.source !== "tillbridge-app-bridge") return;
    const message = event.data;
    if (message.type === "nav-menu" && message.items) renderMenu(message.items);
    if (message.type === "title") title.textContent = message.title ?? "";
    if (message.type === "loading") loading.classList.toggle("on", message.on === true);
    if (message.type === "location" && message.path) highlight(message.path);
    if (message.type === "navigation" && typeof message.id === "number") answered(message.id, message.followed === true);
  });
}

start();

export {};

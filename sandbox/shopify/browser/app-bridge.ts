/**
 * Stand-in for Shopify App Bridge 4 (https://cdn.shopify.com/shopifycloud/app-bridge.js), served by the Shopify
 * sandbox at /app-bridge.js and loaded by the app's pages inside the sandbox admin's iframe. It provides what the
 * app and @shopify/shopify-app-remix rely on:
 *  - the `shopify` global: config, idToken(), toast, loading, environment (the API of @shopify/app-bridge-types);
 *  - fetch to the app's own origin carries `Authorization: Bearer <session token>`, and is retried once with a
 *    new token when the app answers 401 with X-Shopify-Retry-Invalid-Session-Request (Remix's data requests and
 *    authenticate.admin depend on both);
 *  - the bounce page (/auth/session-token?shopify-reload=<url>): reloads <url> with a fresh id_token;
 *  - <ui-nav-menu> and <ui-title-bar> are hidden and sent to the admin page, which shows them; a click there is
 *    sent back and becomes a `shopify:navigate` event when the page listens for one (the Remix AppProvider
 *    does); otherwise the admin is told so and loads the page in the frame itself, signed, as Shopify's does.
 * Session tokens come from the sandbox (GET /_sandbox/shops/<shop>/session-token, CORS), whose origin is the
 * script's own. Compiled to a classic script by browser-scripts.ts.
 */

interface ToastOptions {
  duration?: number;
  isError?: boolean;
}

type ParentMessage =
  | { type: "nav-menu"; items: { href: string; label: string; home: boolean }[] }
  | { type: "title"; title: string }
  | { type: "loading"; on: boolean }
  | { type: "location"; path: string }
  | { type: "navigation"; id: number; followed: boolean }
  | { type: "ready" }
  | { type: "gone" };

const FROM_APP = "tillbridge-app-bridge";
const FROM_ADMIN = "tillbridge-admin";
const TOKEN_MARGIN_MS = 10_000;
const NAVIGATE_EVENT = "shopify:navigate";
/**
 * How long a navigation request waits for the page to listen for `shopify:navigate`. A Remix page listens only
 * once React has hydrated it (the AppProvider's effect), which on a busy machine can be seconds after its content
 * shows; a page that never listens is loaded by the admin this much later.
 */
const LISTENER_WAIT_MS = 5_000;

/**
 * Whether the page follows `shopify:navigate` events: their listeners are counted as they are added (this script
 * runs before the page's own). Whether a navigation was followed cannot be told from its outcome instead: a
 * client-side navigation changes the URL only once the new page's data and code have arrived, which on a busy
 * machine takes seconds.
 */
function watchNavigateListeners(): (timeoutMs: number) => Promise<boolean> {
  const listeners = new Map<EventTarget, Set<EventListenerOrEventListenerObject>>();
  const waiting = new Set<() => void>();
  const listening = () => [...listeners.values()].some((set) => set.size > 0);
  const { addEventListener, removeEventListener } = EventTarget.prototype;
  EventTarget.prototype.addEventListener = function (this: EventTarget, type, listener, options) {
    addEventListener.call(this, type, listener, options);
    if (type !== NAVIGATE_EVENT || !listener) return;
    if (!listeners.has(this)) listeners.set(this, new Set());
    listeners.get(this)!.add(listener);
    for (const wake of waiting) wake();
  };
  // A listener added for both phases, or with `once`, is counted once and until removed: near enough for a
  // yes-or-no answer.
  EventTarget.prototype.removeEventListener = function (this: EventTarget, type, listener, options) {
    removeEventListener.call(this, type, listener, options);
    if (type === NAVIGATE_EVENT && listener) listeners.get(this)?.delete(listener);
  };
  // Resolves true as soon as the page listens, false if it still does not after timeoutMs.
  return (timeoutMs: number) =>
    listening()
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => {
          const done = (value: boolean) => {
            window.clearTimeout(timer);
            waiting.delete(wake);
            resolve(value);
          };
          const wake = () => done(true);
          const timer = window.setTimeout(() => done(listening()), timeoutMs);
          waiting.add(wake);
        });
}

function install(): void {
  const script =
    (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[src*="/app-bridge.js"]');
  if (!script) throw new Error("Tillbridge sandbox App Bridge: cannot find its own <script> tag");
  const sandboxOrigin = new URL(script.src).origin;
  const params = new URLSearchParams(location.search);
  const embedded = window.parent !== window;
  const untilListening = watchNavigateListeners();

  // Client-side navigations drop the query string: remember the shop and host of the first load. A browser that
  // blocks third-party storage throws on sessionStorage in the iframe; full loads carry both in the URL anyway.
  const remember = (name: string): string | null => {
    const key = `tillbridge-sandbox:${name}`;
    const value = params.get(name);
    try {
      if (value) sessionStorage.setItem(key, value);
      return value ?? sessionStorage.getItem(key);
    } catch {
      return value;
    }
  };
  const shop = remember("shop");
  const host = remember("host");
  const locale = params.get("locale") ?? "en";
  const apiKey = script.dataset.apiKey ?? document.querySelector<HTMLMetaElement>('meta[name="shopify-api-key"]')?.content ?? "";

  const toParent = (message: ParentMessage) => {
    // Nothing secret goes up (menu, title, spinner, path), so any embedding admin page may listen.
    if (embedded) window.parent.postMessage({ source: FROM_APP, ...message }, "*");
  };

  const originalFetch = window.fetch.bind(window);
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    if (!shop) throw new Error("Tillbridge sandbox App Bridge: no shop (open the app from the sandbox admin)");
    const response = await originalFetch(`${sandboxOrigin}/_sandbox/shops/${encodeURIComponent(shop)}/session-token`, { mode: "cors", credentials: "omit" });
    if (!response.ok) throw new Error(`Tillbridge sandbox App Bridge: session token request answered ${response.status}`);
    const { token } = (await response.json()) as { token: string };
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { exp: number };
    cached = { token, expiresAt: payload.exp * 1000 };
    return token;
  }

  function idToken(): Promise<string> {
    if (cached && cached.expiresAt - TOKEN_MARGIN_MS > Date.now()) return Promise.resolve(cached.token);
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  }

  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (new URL(request.url).origin !== location.origin) return originalFetch(request);
    const retry = request.clone();
    if (!request.headers.has("Authorization")) request.headers.set("Authorization", `Bearer ${await idToken()}`);
    let response = await originalFetch(request);
    if (response.status === 401 && response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
      cached = undefined;
      retry.headers.set("Authorization", `Bearer ${await idToken()}`);
      response = await originalFetch(retry);
    }
    const reauthorizeUrl = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
    if (response.headers.get("X-Shopify-API-Request-Failure-Reauthorize") === "1" && reauthorizeUrl) window.open(reauthorizeUrl, "_top");
    return response;
  };

  let toastCount = 0;
  function showToast(message: string, options: ToastOptions = {}): string {
    const id = `tillbridge-toast-${++toastCount}`;
    const toast = document.createElement("div");
    toast.id = id;
    toast.setAttribute("role", "status");
    toast.textContent = message;
    toast.style.cssText = [
      "position:fixed",
      "left:50%",
      `bottom:${16 + (toastCount % 3) * 48}px`,
      "transform:translateX(-50%)",
      "z-index:2147483647",
      "padding:10px 16px",
      "border-radius:8px",
      "font:14px/1.4 system-ui,sans-serif",
      "color:#fff",
      `background:${options.isError ? "#8e1f0b" : "#303030"}`,
      "box-shadow:0 4px 12px rgba(0,0,0,.25)",
    ].join(";");
    document.body.append(toast);
    window.setTimeout(() => toast.remove(), options.duration ?? 5_000);
    return id;
  }

  const unavailable = (name: string) => () => Promise.reject(new Error(`shopify.${name} is not available in the Tillbridge sandbox App Bridge stand-in`));

  (window as unknown as { shopify: unknown }).shopify = {
    config: { apiKey, shop: shop ?? undefined, host: host ?? undefined, locale },
    origin: sandboxOrigin,
    ready: Promise.resolve(),
    environment: { embedded, mobile: false, pos: false },
    idToken,
    toast: { show: showToast, hide: (id: string) => document.getElementById(id)?.remove() },
    loading: (isLoading = true) => toParent({ type: "loading", on: isLoading }),
    resourcePicker: unavailable("resourcePicker"),
    user: unavailable("user"),
    modal: { show: unavailable("modal.show"), hide: unavailable("modal.hide"), toggle: unavailable("modal.toggle") },
    saveBar: { show: unavailable("saveBar.show"), hide: unavailable("saveBar.hide"), toggle: unavailable("saveBar.toggle") },
  };

  class NavMenu extends HTMLElement {
    private observer: MutationObserver | undefined;
    connectedCallback() {
      this.publish();
      // Children are parsed (and re-rendered by React) after the element connects.
      this.observer = new MutationObserver(() => this.publish());
      this.observer.observe(this, { childList: true, subtree: true, attributes: true, characterData: true });
    }
    disconnectedCallback() {
      this.observer?.disconnect();
      toParent({ type: "nav-menu", items: [] });
    }
    private publish() {
      const items = [...this.querySelectorAll("a")].map((anchor) => ({
        href: anchor.getAttribute("href") ?? "",
        label: anchor.textContent?.trim() ?? "",
        home: anchor.getAttribute("rel") === "home",
      }));
      toParent({ type: "nav-menu", items });
    }
  }

  class TitleBar extends HTMLElement {
    static observedAttributes = ["title"];
    connectedCallback() {
      toParent({ type: "title", title: this.getAttribute("title") ?? "" });
    }
    attributeChangedCallback() {
      toParent({ type: "title", title: this.getAttribute("title") ?? "" });
    }
  }

  // Hidden by a style sheet, not an inline style: these elements are server-rendered by the app, and an attribute
  // added before React hydrates would make the hydration mismatch.
  const hide = document.createElement("style");
  hide.textContent = "ui-nav-menu, ui-title-bar { display: none !important; }";
  document.head.append(hide);
  if (!customElements.get("ui-nav-menu")) customElements.define("ui-nav-menu", NavMenu);
  if (!customElements.get("ui-title-bar")) customElements.define("ui-title-bar", TitleBar);

  function reportLocation() {
    toParent({ type: "location", path: location.pathname });
  }
  for (const method of ["pushState", "replaceState"] as const) {
    const original = history[method].bind(history);
    history[method] = (...args: Parameters<History["pushState"]>) => {
      original(...args);
      reportLocation();
    };
  }
  window.addEventListener("popstate", reportLocation);
  reportLocation();

  /**
   * The admin page asked for another page of the app: a client-side navigation if the page follows them. The
   * admin is told either way; when it was not followed, the admin loads the page in the frame (with a session
   * token in its query, which a reload from here could not give).
   */
  let latestRequest = 0;
  async function navigate(id: number, href: string) {
    latestRequest = id;
    const target = new URL(href, location.href);
    const followed = target.origin === location.origin && (await untilListening(LISTENER_WAIT_MS));
    // A later click while this one waited for a listener: that one is the merchant's choice.
    if (id !== latestRequest) return;
    toParent({ type: "navigation", id, followed });
    if (!followed) return;
    const anchor = [...document.querySelectorAll<HTMLAnchorElement>("ui-nav-menu a")].find((candidate) => candidate.getAttribute("href") === href);
    const dispatcher = anchor ?? Object.assign(document.createElement("a"), { hidden: true });
    if (!anchor) {
      dispatcher.setAttribute("href", href);
      document.body.append(dispatcher);
    }
    // @shopify/shopify-app-remix's AppProvider listens for this on window and calls Remix's navigate(href).
    dispatcher.dispatchEvent(new CustomEvent(NAVIGATE_EVENT, { bubbles: true, composed: true }));
    if (!anchor) dispatcher.remove();
  }

  window.addEventListener("message", (event: MessageEvent<{ source?: string; type?: string; href?: unknown; id?: unknown }>) => {
    if (!embedded || event.source !== window.parent) return;
    const { data } = event;
    if (data?.source !== FROM_ADMIN) return;
    if (data.type === "hello") toParent({ type: "ready" });
    if (data.type === "navigate" && typeof data.href === "string" && typeof data.id === "number") void navigate(data.id, data.href);
  });
  // The admin asks App Bridge to navigate only while there is one in the frame.
  toParent({ type: "ready" });
  window.addEventListener("pagehide", () => toParent({ type: "gone" }));
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) toParent({ type: "ready" });
  });

  // The library's bounce page: come back to the page that needed a session token, with one.
  const reload = params.get("shopify-reload");
  if (reload) {
    const target = new URL(reload, location.href);
    if (target.origin === location.origin) {
      void idToken().then((token) => {
        target.searchParams.set("id_token", token);
        location.replace(target.href);
      });
    }
  }
}

if (!(window as unknown as { shopify?: unknown }).shopify) install();

export {};

import { createHmac } from "node:crypto";
import express from "express";
import { z } from "zod";
import { browserScript } from "./browser-scripts";
import { SHOP_OWNER_USER_ID, type SandboxCore } from "./core";
import { asyncHandler } from "./http";
import { adminSessionId } from "./session-token";
import type { ShopRecord } from "./store";
import { MissingPayloadError } from "./webhook-payloads";
import type { WebhookDelivery } from "./webhooks";

/**
 * The Shopify admin as far as an embedded app sees it: a page with the shop's header and nav that loads the app in
 * an iframe with the query Shopify adds (embedded, host, id_token, locale, session, shop, timestamp, hmac), plus
 * the merchant actions that reach the app (open = managed install, uninstall, compliance requests).
 */

class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function escape(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** HTML template: interpolated values are escaped unless they are Html (or lists of it). */
function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const render = (value: unknown): string =>
    value instanceof Html ? value.value : Array.isArray(value) ? value.map(render).join("") : value == null || value === false ? "" : escape(value);
  return new Html(strings.reduce((out, string, index) => out + string + (index < values.length ? render(values[index]) : ""), ""));
}

const handleOf = (domain: string) => domain.replace(/\.myshopify\.com$/, "");

/** The admin's `host` parameter: base64 of "admin.shopify.com/store/<handle>", unpadded, as Shopify sends it. */
function hostParam(domain: string): string {
  return Buffer.from(`admin.shopify.com/store/${handleOf(domain)}`).toString("base64").replace(/=+$/, "");
}

/** Hex HMAC-SHA256 over the sorted, URL-encoded query without hmac, as shopify-api validates admin requests. */
function adminQueryHmac(params: Record<string, string>, secret: string): string {
  const sorted = new URLSearchParams(
    Object.keys(params)
      .filter((key) => key !== "hmac" && key !== "signature")
      .sort((a, b) => a.localeCompare(b))
      .map((key) => [key, params[key]!]),
  );
  return createHmac("sha256", secret).update(sorted.toString().replace(/\+/g, "%20")).digest("hex");
}

/**
 * The URL the admin loads the app at, with a fresh session token. `appPath` is a path of the app, with its own
 * query if it has one: those parameters are kept, and signed with the admin's (whose names win).
 */
function embeddedAppUrl(core: SandboxCore, domain: string, appPath: string): string {
  const queryAt = appPath.indexOf("?");
  const pathname = queryAt === -1 ? appPath : appPath.slice(0, queryAt);
  const params: Record<string, string> = {
    ...Object.fromEntries(new URLSearchParams(queryAt === -1 ? "" : appPath.slice(queryAt + 1))),
    embedded: "1",
    host: hostParam(domain),
    id_token: core.sessionToken(domain),
    locale: "en",
    session: adminSessionId(domain, SHOP_OWNER_USER_ID),
    shop: domain,
    timestamp: String(Math.floor(Date.now() / 1000)),
  };
  params.hmac = adminQueryHmac(params, core.settings.apiSecret);
  // Concatenated, not resolved: a path such as "//elsewhere" stays on the app's origin.
  return `${core.settings.appUrl.replace(/\/+$/, "")}${pathname}?${new URLSearchParams(params)}`;
}

const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #303030; background: #f1f1f1;
         height: 100vh; display: grid; grid-template-rows: 56px 1fr; grid-template-columns: 240px 1fr 320px; }
  header { grid-column: 1 / -1; background: #1a1a1a; color: #e3e3e3; display: flex; align-items: center; gap: 16px; padding: 0 16px; }
  header .logo { font-weight: 700; color: #fff; } header .shop { margin-left: auto; }
  nav { background: #ebebeb; padding: 12px 8px; overflow: auto; }
  nav ul { list-style: none; margin: 0; padding: 0; } nav li > span, nav a { display: block; padding: 6px 10px; border-radius: 8px; }
  nav li > span { color: #8a8a8a; } nav a { color: #303030; text-decoration: none; } nav a:hover { background: #e3e3e3; }
  nav a.active { background: #fff; font-weight: 600; } nav h2 { font-size: 12px; color: #616161; margin: 16px 10px 4px; }
  nav #app-nav a { padding-left: 28px; }
  main { display: flex; flex-direction: column; min-width: 0; padding: 12px; gap: 8px; }
  #app-title { font-size: 16px; font-weight: 650; min-height: 22px; }
  #loading-bar { height: 3px; background: transparent; } #loading-bar.on { background: linear-gradient(90deg, #005bd3, #9bc1ff); }
  iframe { flex: 1; width: 100%; border: 0; border-radius: 12px; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  .card { background: #fff; border-radius: 12px; padding: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  aside { padding: 12px; overflow: auto; display: flex; flex-direction: column; gap: 12px; }
  aside h2 { font-size: 14px; margin: 0 0 8px; } form { margin: 0 0 8px; } select { width: 100%; margin-bottom: 6px; }
  button { font: inherit; padding: 6px 12px; border-radius: 8px; border: 1px solid #c9c9c9; background: #fff; cursor: pointer; }
  button.primary { background: #303030; color: #fff; border-color: #303030; } button.critical { color: #8e1f0b; }
  button:disabled { opacity: .45; cursor: default; }
  table { width: 100%; border-collapse: collapse; font-size: 12px; } td, th { text-align: left; padding: 3px 4px; border-bottom: 1px solid #ebebeb; }
  .ok { color: #0c5132; } .failed { color: #8e1f0b; } .notice { background: #eaf4ff; border-radius: 8px; padding: 8px 10px; }
`;

const ADMIN_SECTIONS = ["Home", "Orders", "Products", "Customers", "Marketing", "Discounts", "Content", "Analytics"];

function deliveryRows(deliveries: WebhookDelivery[]): Html {
  if (deliveries.length === 0) return html`<tr><td colspan="3">No deliveries yet.</td></tr>`;
  return html`${deliveries.map(
    (delivery) =>
      html`<tr title="${delivery.url} at ${delivery.deliveredAt}${delivery.error ? ` (${delivery.error})` : ""}">
        <td>${delivery.topic}</td><td class="${delivery.ok ? "ok" : "failed"}">${delivery.status ?? "error"}</td><td>${delivery.durationMs} ms</td>
      </tr>`,
  )}`;
}

function sandboxPanel(core: SandboxCore, shop: ShopRecord): Html {
  const action = (name: string) => `/store/${encodeURIComponent(shop.domain)}/admin/actions/${name}`;
  const customers = shop.customers.map((customer) => html`<option value="${customer.id}">${customer.firstName} ${customer.lastName} &lt;${customer.email}&gt;</option>`);
  const deliveries = core.webhooks.deliveries().filter((delivery) => delivery.shop === shop.domain).slice(0, 15);
  return html`<aside>
    <section class="card">
      <h2>Tillbridge ${shop.installed ? "is installed" : "is not installed"}</h2>
      ${shop.installed ? html`<p>Scopes: ${shop.scopes.join(", ") || "none"}</p>` : ""}
      <form method="post" action="${action("open")}"><button class="primary">Open Tillbridge</button></form>
      <form method="post" action="${action("uninstall")}"><button class="critical" ${shop.installed ? "" : "disabled"}>Uninstall app</button></form>
    </section>
    <section class="card">
      <h2>Customer privacy</h2>
      ${
        customers.length > 0
          ? html`<form method="post" action="${action("customers-data-request")}">
                <select name="customerId" aria-label="Customer">${customers}</select>
                <button>Request customer data</button>
                <button formaction="${action("customers-redact")}">Redact customer</button>
              </form>`
          : html`<p>This shop has no customers.</p>`
      }
      <form method="post" action="${action("shop-redact")}"><button>Redact shop</button></form>
    </section>
    <section class="card">
      <h2>Webhook deliveries</h2>
      <table><thead><tr><th>Topic</th><th>Status</th><th>Time</th></tr></thead><tbody>${deliveryRows(deliveries)}</tbody></table>
    </section>
    <p><a href="/">All sandbox shops</a></p>
  </aside>`;
}

function adminPage(core: SandboxCore, shop: ShopRecord, appPath: string, notice: string | undefined): Html {
  const main = shop.installed
    ? html`<div id="app-title"></div><div id="loading-bar"></div>
        <iframe id="app-frame" title="Tillbridge" src="${embeddedAppUrl(core, shop.domain, appPath)}"
          data-load-url="/store/${encodeURIComponent(shop.domain)}/admin/app-frame" allow="clipboard-write"></iframe>`
    : html`<div class="card"><h2>Tillbridge isn't installed on ${shop.name}</h2>
        <p>Opening the app installs it with the access scopes of shopify.app.toml, as Shopify's managed installation does.</p>
        <form method="post" action="/store/${encodeURIComponent(shop.domain)}/admin/actions/open"><button class="primary">Open Tillbridge</button></form></div>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${shop.name} · Shopify sandbox admin</title><style>${new Html(STYLE)}</style></head>
<body>
  <header><span class="logo">Shopify sandbox</span><span>Tillbridge development admin</span><span class="shop">${shop.name} · ${shop.domain}</span></header>
  <nav><ul>${ADMIN_SECTIONS.map((section) => html`<li><span>${section}</span></li>`)}</ul>
    <h2>Apps</h2>
    <ul><li><a id="app-link" href="#">Tillbridge</a><ul id="app-nav"></ul></li></ul>
  </nav>
  <main>${notice ? html`<div class="notice" role="status">${notice}</div>` : ""}${main}</main>
  ${sandboxPanel(core, shop)}
  <script src="/_sandbox/admin-page.js" defer></script>
</body></html>`;
}

function shopList(core: SandboxCore): Html {
  const shops = [...core.store.shops.values()];
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shopify sandbox</title><style>${new Html(STYLE)} body { display: block; height: auto; padding: 24px; }</style></head>
<body><div class="card">
  <h1>Tillbridge Shopify sandbox</h1>
  <p>App: <code>${core.settings.appUrl}</code> · client id <code>${core.settings.apiKey}</code></p>
  <table><thead><tr><th>Shop</th><th>Domain</th><th>App</th></tr></thead><tbody>
  ${shops.map(
    (shop) => html`<tr><td><a href="/store/${encodeURIComponent(shop.domain)}/admin">${shop.name}</a></td><td>${shop.domain}</td>
      <td>${shop.installed ? "installed" : "not installed"}</td></tr>`,
  )}
  </tbody></table>
  <p>Control API for tests: <code>GET /_sandbox/stats</code>, <code>GET /_sandbox/shops/:shop/session-token</code>,
    <code>POST /_sandbox/shops/:shop/{install,uninstall,webhooks,expire-tokens}</code>, <code>POST /_sandbox/config</code>.</p>
</div></body></html>`;
}

function deliverySummary(topic: string, deliveries: WebhookDelivery[]): string {
  if (deliveries.length === 0) return `${topic}: not subscribed in shopify.app.toml, nothing sent.`;
  return deliveries.map((delivery) => `${topic} → ${delivery.url}: ${delivery.status ?? delivery.error} in ${delivery.durationMs} ms`).join("; ");
}

const actionSchema = z.object({ customerId: z.coerce.number().int().optional() });

export function adminPages(core: SandboxCore): express.Router {
  const router = express.Router();
  const render = (response: express.Response, domain: string, appPath: string, notice?: string) => {
    const shop = core.store.shop(domain);
    if (!shop) {
      response.status(404).type("text/plain").send(`No shop ${domain} in the Shopify sandbox`);
      return;
    }
    response.type("html").send(adminPage(core, shop, appPath, notice).value);
  };
  const appPathOf = (value: unknown) => (typeof value === "string" && value.startsWith("/") ? value : "/app");

  router.get("/", (_request, response) => {
    response.type("html").send(shopList(core).value);
  });
  router.get("/store/:shop/admin", (request, response) => {
    render(response, request.params.shop ?? "", appPathOf(request.query.path), typeof request.query.notice === "string" ? request.query.notice : undefined);
  });
  // The app's frame loaded again, as Shopify's admin loads it: the app URL with a fresh signed query (id_token,
  // hmac ...). The admin page points its iframe here when the app does not follow a navigation itself; a bare
  // reload of the app's URL would have no session token and leave the app to bounce for one.
  router.get("/store/:shop/admin/app-frame", (request, response) => {
    const domain = request.params.shop ?? "";
    if (!core.store.shop(domain)?.installed) {
      response.status(404).type("text/plain").send(`Tillbridge is not installed on ${domain} in the Shopify sandbox`);
      return;
    }
    response.redirect(302, embeddedAppUrl(core, domain, appPathOf(request.query.path)));
  });
  // Where @shopify/shopify-app-remix sends a non-embedded request (https://admin.shopify.com/store/<handle>/apps/<api key>),
  // for an app that points admin.shopify.com at the sandbox.
  router.get(["/store/:handle/apps/:apiKey", "/store/:handle/apps/:apiKey/*"], (request, response) => {
    const rest = (request.params as Record<string, string | undefined>)[0];
    render(response, `${request.params.handle ?? ""}.myshopify.com`, rest ? `/${rest}` : "/app");
  });
  router.get(
    "/_sandbox/admin-page.js",
    asyncHandler(async (_request, response) => {
      response.type("application/javascript").send(await browserScript("admin-page"));
    }),
  );
  router.post(
    "/store/:shop/admin/actions/:action",
    express.urlencoded({ extended: false, limit: "8kb" }),
    asyncHandler(async (request, response) => {
    const domain = request.params.shop ?? "";
    if (!core.store.shop(domain)) {
      response.status(404).type("text/plain").send(`No shop ${domain} in the Shopify sandbox`);
      return;
    }
    const { customerId } = actionSchema.parse(request.body ?? {});
    let notice: string;
    try {
      switch (request.params.action) {
        case "open":
          core.install(domain);
          notice = "";
          break;
        case "uninstall":
          notice = `Uninstalled. ${deliverySummary("app/uninstalled", await core.uninstall(domain))}`;
          break;
        case "customers-data-request":
          notice = deliverySummary("customers/data_request", await core.deliver(domain, "customers/data_request", undefined, { customerId }));
          break;
        case "customers-redact":
          notice = deliverySummary("customers/redact", await core.deliver(domain, "customers/redact", undefined, { customerId }));
          break;
        case "shop-redact":
          notice = deliverySummary("shop/redact", await core.deliver(domain, "shop/redact"));
          break;
        default:
          response.status(404).type("text/plain").send(`Unknown action ${request.params.action}`);
          return;
      }
    } catch (error) {
      if (!(error instanceof MissingPayloadError)) throw error;
      notice = error.message;
    }
    const query = notice ? `?${new URLSearchParams({ notice })}` : "";
    response.redirect(303, `/store/${encodeURIComponent(domain)}/admin${query}`);
    }),
  );
  return router;
}

import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Frame, type Page } from "@playwright/test";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { verifySessionToken } from "../../sandbox/shopify/session-token";
import { DEMO_SHOP, SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../sandbox/shopify/index";

/**
 * The sandbox admin page and the App Bridge stand-in in a real browser (the system Chromium, as the e2e tests use),
 * around a minimal embedded "app" that behaves like @shopify/shopify-app-remix: it bounces document requests
 * without an id_token, follows `shopify:navigate` like the Remix AppProvider (except on /app/static pages; on
 * /app/patient pages it listens only after a while, as a page does once React has hydrated it, and follows only
 * after a while, as Remix does once the next page's data and code have arrived), and reports the Authorization
 * header its fetch requests carry. /app/plain is a page without App Bridge.
 */

const CHROMIUM = "/usr/bin/chromium";

let sandbox: ShopifySandbox;
let app: http.Server;
let appUrl: string;
let tomlDir: string;
let browser: Browser;
/** Document requests the app answered, in order: path, and whether they came with a session token. */
let documentRequests: { path: string; idToken: boolean }[] = [];

function appPage(pathname: string): string {
  return `<!doctype html><html><head>
<script src="${sandbox.url}/app-bridge.js" data-api-key="${SANDBOX_SHOPIFY_API_KEY}"></script></head><body>
<ui-nav-menu><a href="/app" rel="home">Overview</a><a href="/app/connections">Connections</a></ui-nav-menu>
<ui-title-bar title="Overview"></ui-title-bar>
<h1 id="path">${pathname}</h1><pre id="authorization"></pre>
<script>
  const patient = location.pathname.startsWith("/app/patient");
  if (!location.pathname.startsWith("/app/static")) {
    setTimeout(() => addEventListener("shopify:navigate", (event) => {
      const href = event.target.getAttribute("href");
      setTimeout(() => {
        history.pushState(null, "", href);
        document.getElementById("path").textContent = location.pathname;
      }, patient ? 1500 : 0);
    }), patient ? 1000 : 0);
  }
  fetch("/api/whoami").then((response) => response.json()).then((body) => {
    document.getElementById("authorization").textContent = body.authorization;
  });
</script></body></html>`;
}

function startApp(): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", appUrl);
    if (url.pathname === "/api/whoami") {
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ authorization: request.headers.authorization ?? null }));
    } else if (url.pathname === "/favicon.ico") {
      response.writeHead(404).end();
    } else if (url.pathname === "/app/plain") {
      response.writeHead(200, { "Content-Type": "text/html" }).end('<!doctype html><h1 id="path">/app/plain</h1>');
    } else if (url.pathname === "/auth/session-token") {
      // The library's bounce page: App Bridge alone.
      response.writeHead(200, { "Content-Type": "text/html" }).end(`<script data-api-key="${SANDBOX_SHOPIFY_API_KEY}" src="${sandbox.url}/app-bridge.js"></script>`);
    } else if ((documentRequests.push({ path: url.pathname, idToken: url.searchParams.has("id_token") }), !url.searchParams.has("id_token"))) {
      // A document request without a session token goes to the bounce page, as authenticate.admin does.
      const reload = new URL(url);
      const bounce = new URL("/auth/session-token", appUrl);
      url.searchParams.forEach((value, name) => bounce.searchParams.set(name, value));
      bounce.searchParams.set("shopify-reload", reload.href);
      response.writeHead(302, { Location: bounce.href }).end();
    } else {
      response.writeHead(200, { "Content-Type": "text/html" }).end(appPage(url.pathname));
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Errors and warnings the browser logged in the current test (a message refused for its target origin warns). */
let consoleErrors: string[] = [];

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on("console", (message) => {
    if ((message.type() === "error" || message.type() === "warning") && !message.location().url.endsWith("/favicon.ico")) consoleErrors.push(message.text());
  });
  return page;
}

function appFrame(page: Page): Frame {
  const frame = page.frames().find((candidate) => candidate.url().startsWith(appUrl));
  if (!frame) throw new Error("the app's iframe is not loaded");
  return frame;
}

async function expectAuthorizedFetch(page: Page): Promise<void> {
  await expect.poll(async () => appFrame(page).textContent("#authorization"), { timeout: 10_000 }).toMatch(/^Bearer /);
  const token = (await appFrame(page).textContent("#authorization"))!.slice("Bearer ".length);
  const verified = verifySessionToken(token, { apiKey: SANDBOX_SHOPIFY_API_KEY, apiSecret: SANDBOX_SHOPIFY_API_SECRET });
  expect(verified).toMatchObject({ ok: true, claims: { dest: `https://${DEMO_SHOP}`, sub: "1001" } });
}

describe.skipIf(!fs.existsSync(CHROMIUM))("Shopify sandbox admin page with the App Bridge stand-in, in Chromium", () => {
  beforeAll(async () => {
    app = await startApp();
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    tomlDir = fs.mkdtempSync(path.join(os.tmpdir(), "shopify-sandbox-browser-"));
    fs.writeFileSync(path.join(tomlDir, "shopify.app.toml"), '[access_scopes]\nscopes = "read_products"\n');
    sandbox = await startShopifySandbox({
      port: 0,
      appUrl,
      apiKey: SANDBOX_SHOPIFY_API_KEY,
      apiSecret: SANDBOX_SHOPIFY_API_SECRET,
      appTomlPath: path.join(tomlDir, "shopify.app.toml"),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
  });

  afterEach(() => {
    expect(consoleErrors).toEqual([]);
    consoleErrors = [];
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    await new Promise((resolve) => app?.close(resolve));
    fs.rmSync(tomlDir, { recursive: true, force: true });
  });

  it("installs on open, embeds the app, shows its menu and title, and navigates it", async () => {
    const page = await newPage();
    await page.goto(`${sandbox.url}/store/${DEMO_SHOP}/admin`);
    await page.getByRole("button", { name: "Open Tillbridge" }).first().click();

    await expectAuthorizedFetch(page);
    expect(sandbox.store.shop(DEMO_SHOP)?.installed).toBe(true);
    await expect.poll(() => page.textContent("#app-title")).toBe("Overview");
    const connections = page.locator("#app-nav a", { hasText: "Connections" });
    await connections.waitFor();

    await connections.click();

    await expect.poll(() => appFrame(page).textContent("#path")).toBe("/app/connections");
    await expect.poll(() => connections.getAttribute("class")).toBe("active");
    await page.close();
  });

  it("gives the app toasts and fresh session tokens, and loads a page that does not follow navigation itself, signed", async () => {
    const page = await newPage();
    await page.goto(`${sandbox.url}/store/${DEMO_SHOP}/admin?path=/app/static/start`);
    await expectAuthorizedFetch(page);

    const token = await appFrame(page).evaluate(async () => {
      const global = (window as unknown as { shopify: { idToken(): Promise<string>; toast: { show(message: string): string } } }).shopify;
      global.toast.show("Saved");
      return global.idToken();
    });
    expect(verifySessionToken(token, { apiKey: SANDBOX_SHOPIFY_API_KEY, apiSecret: SANDBOX_SHOPIFY_API_SECRET }).ok).toBe(true);
    await expect.poll(() => appFrame(page).textContent("[role=status]")).toBe("Saved");

    // This page does not follow shopify:navigate: the admin loads the page in the frame, as Shopify's admin does,
    // with its signed query and a session token (no bounce), once App Bridge has waited for a listener in vain.
    documentRequests = [];
    await page.locator("#app-nav a", { hasText: "Connections" }).click();

    await expect.poll(() => new URL(appFrame(page).url()).pathname, { timeout: 15_000 }).toBe("/app/connections");
    const landed = new URL(appFrame(page).url());
    expect(landed.searchParams.get("shop")).toBe(DEMO_SHOP);
    expect(landed.searchParams.get("id_token")).toMatch(/^ey/);
    expect(landed.searchParams.get("hmac")).toMatch(/^[0-9a-f]{64}$/);
    expect(documentRequests).toEqual([{ path: "/app/connections", idToken: true }]);
    await expectAuthorizedFetch(page);
    await page.close();
  });

  it("leaves a navigation to the app however late the app listens and however long it takes to follow", async () => {
    const page = await newPage();
    await page.goto(`${sandbox.url}/store/${DEMO_SHOP}/admin?path=/app/patient`);
    const connections = page.locator("#app-nav a", { hasText: "Connections" });
    await connections.waitFor();
    await appFrame(page).evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    documentRequests = [];

    // Most likely before the page listens (a second after it starts), and followed 1.5 s after it does.
    await connections.click();

    await expect.poll(() => appFrame(page).textContent("#path"), { timeout: 10_000 }).toBe("/app/connections");
    expect(await appFrame(page).evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(documentRequests).toEqual([]);
    await page.close();
  });

  it("loads the page itself when the frame's page has no App Bridge", async () => {
    const page = await newPage();
    await page.goto(`${sandbox.url}/store/${DEMO_SHOP}/admin`);
    const connections = page.locator("#app-nav a", { hasText: "Connections" });
    await connections.waitFor();
    // A page of the app's that does not load App Bridge (the menu stays from the page before).
    await appFrame(page).evaluate(() => location.assign("/app/plain"));
    await expect.poll(() => appFrame(page).textContent("#path")).toBe("/app/plain");
    documentRequests = [];

    await connections.click();

    await expect.poll(() => new URL(appFrame(page).url()).pathname, { timeout: 5_000 }).toBe("/app/connections");
    expect(new URL(appFrame(page).url()).searchParams.get("hmac")).toMatch(/^[0-9a-f]{64}$/);
    expect(documentRequests).toEqual([{ path: "/app/connections", idToken: true }]);
    await page.close();
  });

  it("recovers a frame loaded without a session token through the bounce page", async () => {
    const page = await newPage();
    await page.goto(`${sandbox.url}/store/${DEMO_SHOP}/admin`);
    await expectAuthorizedFetch(page);
    documentRequests = [];

    // As a reload of the app's own URL would: Shopify's query without id_token.
    await page.locator("#app-frame").evaluate((frame: HTMLIFrameElement, url) => (frame.src = url), `${appUrl}/app/connections?embedded=1&shop=${DEMO_SHOP}`);

    await expect.poll(() => documentRequests, { timeout: 10_000 }).toEqual([
      { path: "/app/connections", idToken: false },
      { path: "/app/connections", idToken: true },
    ]);
    await expect.poll(() => appFrame(page).textContent("#path")).toBe("/app/connections");
    await expectAuthorizedFetch(page);
    await page.close();
  });
});

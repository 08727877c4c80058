import http from "node:http";
import { ApiVersion, LogSeverity, shopifyApi, type Shopify, type WebhookValidation } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET } from "../../sandbox/shopify/index";

/** A delivery the stand-in app received, with the library's verdict on it. */
export interface ValidatedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  payload: Record<string, unknown>;
  validation: WebhookValidation;
}

/**
 * The real @shopify/shopify-api with the sandbox app's credentials, its requests to `<shop>.myshopify.com` sent
 * to the sandbox as the app does in sandbox mode. `hostName` is where the stand-in app listens.
 */
export function sandboxShopifyApi(sandboxUrl: string, hostName: string): Shopify {
  const shopify = shopifyApi({
    apiKey: SANDBOX_SHOPIFY_API_KEY,
    apiSecretKey: SANDBOX_SHOPIFY_API_SECRET,
    apiVersion: ApiVersion.October26,
    hostName,
    hostScheme: "http",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: () => {} },
  });
  setAbstractFetchFunc((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!url.hostname.endsWith(".myshopify.com")) return fetch(input, init);
    return fetch(`${sandboxUrl}/store/${url.hostname}${url.pathname}${url.search}`, init);
  });
  return shopify;
}

/**
 * A stand-in for the app's webhook routes: validates each delivery with the library (HMAC included), records it
 * in `received` and answers 200. `shopify` is read per delivery, since the library is set up after the sandbox.
 */
export function startValidatingWebhookApp(shopify: () => Shopify, received: ValidatedWebhook[]): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    let rawBody = "";
    request.on("data", (chunk) => (rawBody += chunk));
    request.on("end", async () => {
      const validation = await shopify().webhooks.validate({ rawBody, rawRequest: request, rawResponse: response });
      received.push({ path: request.url ?? "", headers: request.headers, payload: JSON.parse(rawBody) as Record<string, unknown>, validation });
      response.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** A call to the sandbox's control API (`/_sandbox/...`), answering its status and JSON body. */
export async function callSandboxControl<T = Record<string, unknown>>(sandboxUrl: string, method: "GET" | "POST", route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandboxUrl}${route}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

import http from "node:http";
import type { ActionFunctionArgs } from "@remix-run/node";

type Action = (args: ActionFunctionArgs) => Promise<Response>;

/** The app's webhook routes (the real Remix actions), loaded on first use so the app reads its configuration then. */
const routes: Record<string, () => Promise<{ action: Action }>> = {
  "/webhooks/square": () => import("~/routes/webhooks.square"),
  "/webhooks/shopify/events": () => import("~/routes/webhooks.shopify.events"),
  "/webhooks/quickbooks": () => import("~/routes/webhooks.quickbooks"),
};

export interface AppWebhookServer {
  url: string;
  /** Deliveries answered, by status. */
  answered: Map<number, number>;
  close(): Promise<void>;
}

/**
 * An HTTP server in the test's process in front of the app's webhook route actions, so a vendor sandbox can
 * deliver to the app over HTTP as the vendor would, without starting a whole dev server. Other paths get 404.
 */
export async function startAppWebhookServer(port: number): Promise<AppWebhookServer> {
  const answered = new Map<number, number>();
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      void (async () => {
        const path = (incoming.url ?? "/").split("?")[0]!;
        const load = routes[path];
        let response: Response;
        if (!load) {
          response = new Response(null, { status: 404 });
        } else {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === "string") headers.set(name, value);
          const request = new Request(`http://127.0.0.1:${port}${incoming.url}`, { method: incoming.method, headers, body: Buffer.concat(chunks) });
          try {
            response = await (await load()).action({ request, params: {}, context: {} });
          } catch (thrown) {
            response = thrown instanceof Response ? thrown : new Response(String(thrown), { status: 500 });
          }
        }
        answered.set(response.status, (answered.get(response.status) ?? 0) + 1);
        outgoing.writeHead(response.status).end(await response.text());
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "::", resolve));
  return {
    url: `http://localhost:${port}`,
    answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

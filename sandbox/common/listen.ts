import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";

/**
 * Starts a sandbox's HTTP server on the IPv4 loopback (port 0 picks a free one) and gives the URL the app uses:
 * localhost, which reaches the IPv4 loopback. `close` also ends kept-alive connections, so tests end promptly.
 */
export async function listenOnLoopback(app: Express, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = app.listen(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryLog, WebhookPoster } from "../../sandbox/common/webhook-delivery";

// The delivery rules every sandbox shares, against a local "app" that answers as told by the path.

let app: http.Server;
let appUrl: string;
const hanging = new Set<http.ServerResponse>();

beforeAll(async () => {
  app = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (request.url === "/ok") response.writeHead(204).end();
      else if (request.url === "/redirect") response.writeHead(302, { Location: "/ok" }).end();
      else if (request.url === "/refuse") response.writeHead(401).end("Invalid signature");
      else hanging.add(response); // /hang: never answers
    });
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of hanging) response.destroy();
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

describe("WebhookPoster", () => {
  it("counts a 2xx as delivered, and neither a redirect (not followed) nor a 4xx", async () => {
    const poster = new WebhookPoster(2_000);
    expect(await poster.post(`${appUrl}/ok`, { "content-type": "application/json" }, "{}")).toMatchObject({ status: 204, ok: true, error: null });
    expect(await poster.post(`${appUrl}/redirect`, {}, "{}")).toMatchObject({ status: 302, ok: false, error: null });
    expect(await poster.post(`${appUrl}/refuse`, {}, "{}")).toMatchObject({ status: 401, ok: false, error: null });
  });

  it("gives up after its time limit, and when the sandbox closes", async () => {
    const poster = new WebhookPoster(200);
    const timedOut = await poster.post(`${appUrl}/hang`, {}, "{}");
    expect(timedOut).toMatchObject({ status: null, ok: false, error: "no answer within 200 ms" });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(150);

    const closing = new WebhookPoster(60_000);
    const pending = closing.post(`${appUrl}/hang`, {}, "{}");
    await new Promise((resolve) => setTimeout(resolve, 50));
    closing.close();
    expect(await pending).toMatchObject({ status: null, ok: false, error: "the sandbox closed" });
  });

  it("reports an app that cannot be reached", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await new WebhookPoster(2_000).post(`http://127.0.0.1:${port}/ok`, {}, "{}");
    expect(outcome).toMatchObject({ status: null, ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});

describe("DeliveryLog", () => {
  it("keeps the latest entries, newest first", () => {
    const log = new DeliveryLog<number>(3);
    for (const entry of [1, 2, 3, 4, 5]) log.add(entry);
    expect(log.list()).toEqual([5, 4, 3]);
    expect(log.find((entry) => entry < 4)).toBe(3);
    expect(log.find((entry) => entry === 1)).toBeUndefined();
  });
});

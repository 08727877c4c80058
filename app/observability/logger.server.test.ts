import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, registerSecretValue, withLogContext } from "./logger.server";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level: "debug", destination });
  return { logger, output: () => lines.join("\n"), records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("logger", () => {
  it("never writes a token value, wherever it sits", () => {
    const token = "shpua_0123456789abcdef0123456789abcdef";
    const { logger, output } = capture();
    logger.info({ accessToken: token, nested: { credentials: { refresh_token: token } } }, "stored tokens");
    logger.info({ headers: { authorization: `Bearer ${token}`, "x-shopify-access-token": token, "content-type": "json" } }, "request");
    logger.info({ list: [{ apiKey: token }] }, "list");
    logger.error({ err: new Error(`upstream said: Authorization: Bearer ${token}`) }, "call failed");
    logger.warn(`free text with Bearer ${token}`);
    expect(output()).not.toContain(token);
    expect(output()).toContain("[redacted]");
    expect(output()).toContain("content-type");
  });

  it("scrubs registered secret values from messages and fields", () => {
    const secret = "intuit-client-secret-XYZ-987";
    registerSecretValue(secret);
    const { logger, output } = capture();
    logger.info({ detail: `config ${secret}` }, `failed with ${secret}`);
    expect(output()).not.toContain(secret);
  });

  it("adds the request and job context to every line", async () => {
    const { logger, records } = capture();
    await withLogContext({ requestId: "req-1" }, async () => {
      await Promise.resolve();
      withLogContext({ tenantId: "t-1" }, () => logger.info("inside"));
    });
    logger.info("outside");
    const [inside, outside] = records();
    expect(inside).toMatchObject({ requestId: "req-1", tenantId: "t-1", msg: "inside", level: "info" });
    expect(outside).not.toHaveProperty("requestId");
  });
});

import { describe, expect, it } from "vitest";
import { readRawBody } from "./raw-body.server";

const url = "http://localhost:3000/webhooks/test";

/** A body sent in chunks (no Content-Length unless given), as a chunked upload arrives; counts the chunks pulled. */
function streamedRequest(chunks: string[], headers: Record<string, string> = {}): { request: Request; pulled: () => number } {
  let pulled = 0;
  const encoder = new TextEncoder();
  const source: UnderlyingDefaultSource<Uint8Array> = {
    pull(controller) {
      const next = chunks[pulled];
      pulled += 1;
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
  };
  // highWaterMark 0: a chunk is pulled only when the reader asks for one, so `pulled` shows what was read.
  const body = new ReadableStream(source, { highWaterMark: 0 });
  return { request: new Request(url, { method: "POST", body, headers, duplex: "half" } as RequestInit), pulled: () => pulled };
}

describe("readRawBody", () => {
  it("returns the body exactly as sent, multi-byte characters included", async () => {
    const body = '[{"name":"Café Crème ☕","amount":"4.50"}]';
    expect(await readRawBody(new Request(url, { method: "POST", body }), 1024)).toBe(body);
  });

  it("accepts a body of exactly the cap, counted in bytes rather than characters", async () => {
    const body = "é".repeat(512); // 1024 bytes in UTF-8
    expect(await readRawBody(new Request(url, { method: "POST", body }), 1024)).toBe(body);
    const over = await readRawBody(new Request(url, { method: "POST", body: `${body}x` }), 1024);
    expect(over).toBeInstanceOf(Response);
    expect((over as Response).status).toBe(413);
  });

  it("refuses a declared Content-Length over the cap without reading the body", async () => {
    const { request, pulled } = streamedRequest(["{}"], { "content-length": "2048" });
    const result = await readRawBody(request, 1024);
    expect((result as Response).status).toBe(413);
    expect(pulled()).toBe(0);
  });

  it("stops reading a streamed body once it passes the cap", async () => {
    const { request, pulled } = streamedRequest(Array.from({ length: 100 }, () => "x".repeat(400)));
    const result = await readRawBody(request, 1024);
    expect((result as Response).status).toBe(413);
    expect(pulled()).toBeLessThan(10);
  });

  it("gives an empty string for a request without a body", async () => {
    expect(await readRawBody(new Request(url, { method: "POST" }), 1024)).toBe("");
  });
});

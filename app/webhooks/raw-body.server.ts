/**
 * Reads a webhook's raw body as text, for a signature check over exactly what the vendor sent, refusing anything
 * over `maxBytes` with a 413. The declared Content-Length is checked first, so an honest oversized delivery is
 * refused unread; the bytes are then counted as they arrive, since the header may be absent (chunked) or wrong,
 * and reading stops at the cap instead of buffering whatever a sender streams.
 */
export async function readRawBody(request: Request, maxBytes: number): Promise<string | Response> {
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) return bodyTooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return bodyTooLarge();
    }
    chunks.push(value);
  }
  // As request.text() decodes: UTF-8, malformed sequences replaced, a leading byte order mark dropped.
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function bodyTooLarge(): Response {
  return new Response("Body too large", { status: 413 });
}

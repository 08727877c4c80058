import { describe, expect, it } from "vitest";
import { isValidIntuitSignature, parseQuickBooksEvents, QUICKBOOKS_WEBHOOK_MAX_EVENTS } from "./webhooks.server";

// A delivery in the shape of Intuit's CloudEvents format (reference §7; the values are made up), and its signature
// computed outside this code:
//   printf '%s' "$BODY" | openssl dgst -sha256 -hmac fixture-verifier-token -binary | base64
const VERIFIER_TOKEN = "fixture-verifier-token";
const BODY =
  '[{"specversion":"1.0","id":"88cd52b8-9f4e-4d6b-a1e3-4c5c2b8b6a01","source":"intuit.quickbooks",' +
  '"type":"qbo.customer.created.v1","datacontenttype":"application/json","time":"2026-06-01T17:03:26.000Z","intuitentityid":"58",' +
  '"intuitaccountid":"9341453021580001","data":{}}]';
const SIGNATURE = "5QImSFEJVqugpUG7A6fzHV25AmKXsUKM7t1khAT102k=";

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: "1.0",
    id: "evt-1",
    source: "intuit.quickbooks",
    type: "qbo.item.updated.v1",
    intuitaccountid: "9341453021580001",
    ...overrides,
  };
}

describe("isValidIntuitSignature", () => {
  it("accepts base64(HMAC-SHA256(verifier token, raw body))", () => {
    expect(isValidIntuitSignature({ verifierToken: VERIFIER_TOKEN, rawBody: BODY, signature: SIGNATURE })).toBe(true);
  });

  it("refuses another verifier token, or a body changed by one character", () => {
    expect(isValidIntuitSignature({ verifierToken: "another-verifier-token", rawBody: BODY, signature: SIGNATURE })).toBe(false);
    expect(isValidIntuitSignature({ verifierToken: VERIFIER_TOKEN, rawBody: BODY.replace('"58"', '"59"'), signature: SIGNATURE })).toBe(false);
    expect(isValidIntuitSignature({ verifierToken: VERIFIER_TOKEN, rawBody: `${BODY}\n`, signature: SIGNATURE })).toBe(false);
  });

  it("refuses a missing, empty, truncated or garbled header without throwing", () => {
    for (const signature of [null, "", SIGNATURE.slice(0, 20), "not base64 at all!", `${SIGNATURE.slice(0, 10)}$${SIGNATURE.slice(10)}`, "=", "\u00e9\u00e9\u00e9"]) {
      expect(isValidIntuitSignature({ verifierToken: VERIFIER_TOKEN, rawBody: BODY, signature })).toBe(false);
    }
  });

  it("refuses the hex form of the right digest (Intuit sends base64)", () => {
    const hex = Buffer.from(SIGNATURE, "base64").toString("hex");
    expect(isValidIntuitSignature({ verifierToken: VERIFIER_TOKEN, rawBody: BODY, signature: hex })).toBe(false);
  });
});

describe("parseQuickBooksEvents", () => {
  it("reads Intuit's CloudEvents array and keeps every field of each event", () => {
    expect(parseQuickBooksEvents(BODY)).toEqual([
      {
        specversion: "1.0",
        id: "88cd52b8-9f4e-4d6b-a1e3-4c5c2b8b6a01",
        source: "intuit.quickbooks",
        type: "qbo.customer.created.v1",
        datacontenttype: "application/json",
        time: "2026-06-01T17:03:26.000Z",
        intuitentityid: "58",
        intuitaccountid: "9341453021580001",
        data: {},
      },
    ]);
  });

  it("accepts events without the optional time, entity id and data, and several companies in one delivery", () => {
    const events = parseQuickBooksEvents(JSON.stringify([event(), event({ id: "evt-2", intuitaccountid: "9341453021580002", data: { note: "kept as sent" } })]));
    expect(events?.map((parsed) => [parsed.id, parsed.intuitaccountid])).toEqual([
      ["evt-1", "9341453021580001"],
      ["evt-2", "9341453021580002"],
    ]);
    expect(events?.[1]?.data).toEqual({ note: "kept as sent" });
  });

  it("refuses a body that is not JSON", () => {
    for (const body of ["", "{not json", "[", BODY.slice(0, -1)]) expect(parseQuickBooksEvents(body)).toBeNull();
  });

  it("refuses JSON that is not a non-empty array of CloudEvents", () => {
    const notDeliveries: unknown[] = [
      null,
      {},
      [],
      event(),
      ["qbo.item.updated.v1"],
      // The legacy format Intuit replaced with CloudEvents.
      { eventNotifications: [{ realmId: "9341453021580001", dataChangeEvent: { entities: [{ name: "Item", id: "1", operation: "Update" }] } }] },
      [event({ specversion: "0.3" })],
      [event({ id: "" })],
      [event({ id: 42 })],
      [event({ intuitaccountid: undefined })],
      [event({ type: undefined })],
      [event({ source: undefined })],
      [event({ time: 1717261406 })],
      // One bad event refuses the whole delivery: nothing of it is stored.
      [event(), event({ id: "evt-2", intuitaccountid: null })],
    ];
    for (const body of notDeliveries) expect(parseQuickBooksEvents(JSON.stringify(body)), JSON.stringify(body)).toBeNull();
  });

  it(`takes at most ${QUICKBOOKS_WEBHOOK_MAX_EVENTS} events in one delivery`, () => {
    const events = (count: number) => JSON.stringify(Array.from({ length: count }, (_, index) => event({ id: `evt-${index}` })));
    expect(parseQuickBooksEvents(events(QUICKBOOKS_WEBHOOK_MAX_EVENTS))).toHaveLength(QUICKBOOKS_WEBHOOK_MAX_EVENTS);
    expect(parseQuickBooksEvents(events(QUICKBOOKS_WEBHOOK_MAX_EVENTS + 1))).toBeNull();
  });
});

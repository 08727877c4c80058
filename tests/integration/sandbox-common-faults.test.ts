import { describe, expect, it } from "vitest";
import { Faults, NO_FAULTS } from "../../sandbox/common/faults";
import { FaultRandom } from "../../sandbox/common/random";

/**
 * The fault mechanics the three sandboxes share (sandbox/common): the seeded random source, the settings and the
 * webhook delivery scheduler, without a server. Each sandbox's own tests drive the same through HTTP.
 */

/** A delivery that records when it went out and what it was. */
function recorder() {
  const sent: string[] = [];
  const send = (name: string) => async (duplicate: boolean) => {
    sent.push(duplicate ? `${name} (again)` : name);
    return name;
  };
  return { sent, send };
}

describe("FaultRandom", () => {
  it("repeats its sequence for a seed, and draws nothing for rates 0 and 1", () => {
    const a = new FaultRandom(42);
    const b = new FaultRandom(42);
    const sequence = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sequence);
    expect(new Set(sequence).size).toBe(5);
    for (const value of sequence) expect(value).toBeGreaterThanOrEqual(0);
    for (const value of sequence) expect(value).toBeLessThan(1);

    const c = new FaultRandom(42);
    expect([c.chance(0), c.chance(1), c.chance(0)]).toEqual([false, true, false]);
    expect(c.next()).toBe(sequence[0]);
    expect(new FaultRandom(7).shuffle([1, 2, 3, 4, 5, 6])).toEqual(new FaultRandom(7).shuffle([1, 2, 3, 4, 5, 6]));
  });
});

describe("Faults settings", () => {
  it("merges switches, validates them, and resets", () => {
    const faults = new Faults();
    expect(faults.current()).toEqual(NO_FAULTS);
    faults.configure({ latencyMs: 50, webhooks: { duplicateRate: 0.5 } });
    const merged = faults.configure({ serverErrorRate: 0.25, webhooks: { reorder: { batchSize: 3 } } });
    expect(merged).toMatchObject({
      latencyMs: 50,
      serverErrorRate: 0.25,
      webhooks: { duplicateRate: 0.5, delayMs: 0, reorder: { batchSize: 3, order: "reverse", maxHoldMs: 1000 } },
    });
    expect(() => faults.configure({ serverErrorRate: 2 })).toThrow();
    expect(() => faults.configure({ serverErrorStatus: 501 as 500 })).toThrow();
    expect(() => faults.configure({ latencyMS: 5 } as object)).toThrow();
    expect(faults.reset()).toEqual(NO_FAULTS);
  });

  it("counts forced throttles down, then throttles at throttleRate until the window ends", () => {
    let now = 1_000_000;
    const faults = new Faults(() => now);
    faults.configure({ forcedThrottles: 2 });
    expect([faults.takeThrottle(), faults.takeThrottle(), faults.takeThrottle()]).toEqual([true, true, false]);

    expect(faults.configure({ throttleRate: 1, throttleForMs: 5_000 }).throttleUntil).toBe(new Date(1_005_000).toISOString());
    expect(faults.takeThrottle()).toBe(true);
    now += 5_000;
    expect(faults.takeThrottle()).toBe(false);
    expect(faults.current()).toMatchObject({ throttleRate: 0, throttleUntil: null });

    faults.configure({ throttleRate: 1 });
    now += 3_600_000;
    expect(faults.current()).toMatchObject({ throttleRate: 1, throttleUntil: null });
  });
});

describe("webhook delivery faults", () => {
  it("sends a duplicate right after the first, and settles with the first", async () => {
    const faults = new Faults();
    faults.configure({ webhooks: { duplicateRate: 1 } });
    const { sent, send } = recorder();
    expect(await faults.scheduleDelivery(send("a"))).toBe("a");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual(["a", "a (again)"]);
  });

  it("holds a batch and sends it reversed; a batch that does not fill goes out after maxHoldMs", async () => {
    const faults = new Faults();
    faults.configure({ webhooks: { reorder: { batchSize: 3, order: "reverse", maxHoldMs: 150 } } });
    const { sent, send } = recorder();
    await Promise.all(["1", "2", "3"].map((name) => faults.scheduleDelivery(send(name))));
    expect(sent).toEqual(["3", "2", "1"]);

    const started = performance.now();
    await Promise.all(["4", "5"].map((name) => faults.scheduleDelivery(send(name))));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(sent.slice(3)).toEqual(["5", "4"]);
  });

  it("shuffles the same way for the same seed", async () => {
    const orders: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const faults = new Faults();
      faults.configure({ seed: 1234, webhooks: { reorder: { batchSize: 8, order: "shuffle" } } });
      const { sent, send } = recorder();
      await Promise.all(["a", "b", "c", "d", "e", "f", "g", "h"].map((name) => faults.scheduleDelivery(send(name))));
      orders.push(sent);
    }
    expect(orders[0]).toEqual(orders[1]);
    expect([...orders[0]!].sort()).toEqual(["a", "b", "c", "d", "e", "f", "g", "h"]);
    expect(orders[0]).not.toEqual(["a", "b", "c", "d", "e", "f", "g", "h"]);
  });

  it("flushes held deliveries on demand, when the reorder is switched off, and on close", async () => {
    const faults = new Faults();
    faults.configure({ webhooks: { reorder: { batchSize: 10, maxHoldMs: 60_000 } } });
    const { sent, send } = recorder();
    const first = Promise.all(["1", "2"].map((name) => faults.scheduleDelivery(send(name))));
    expect(faults.flushDeliveries()).toBe(2);
    await first;
    expect(sent).toEqual(["2", "1"]);

    const second = faults.scheduleDelivery(send("3"));
    faults.configure({ webhooks: { reorder: null } });
    await second;

    faults.configure({ webhooks: { delayMs: 60_000, reorder: { batchSize: 10, maxHoldMs: 60_000 } } });
    const pending = Promise.all(["4", "5"].map((name) => faults.scheduleDelivery(send(name))));
    faults.close();
    await pending;
    expect(sent).toEqual(["2", "1", "3", "4", "5"]);
  });
});

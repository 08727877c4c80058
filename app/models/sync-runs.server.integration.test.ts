import { beforeEach, describe, expect, it } from "vitest";
import { db } from "~/db.server";
import { finishSyncRun, listRecentRuns, recordsSyncedPerHour, startSyncRun, SyncRunNotFoundError } from "./sync-runs.server";

// Run history on the real schema (PGlite, or PostgreSQL when DATABASE_URL is set).

let tenantA: string;
let tenantB: string;

beforeEach(async () => {
  await db().tenant.deleteMany();
  tenantA = (await db().tenant.create({ data: { name: "Runs A", origin: "SHOPIFY" } })).id;
  tenantB = (await db().tenant.create({ data: { name: "Runs B", origin: "SQUARE" } })).id;
});

const at = (iso: string) => new Date(iso);
const counts = (written: number, failed = 0) => ({ read: written + failed + 1, written, skipped: 1, failed });

/** A run that started a minute before it finished. */
async function finishedRun(tenantId: string, finishedAt: string, written: number, failed = 0) {
  const finished = at(finishedAt);
  const run = await startSyncRun(db(), { tenantId, kind: "INVENTORY", trigger: "schedule" }, new Date(finished.getTime() - 60_000));
  return finishSyncRun(db(), tenantId, run.id, { counts: counts(written, failed) }, finished);
}

describe("a sync run", () => {
  it("starts RUNNING and finishes with its counts, timing and a status that follows from them", async () => {
    const started = at("2026-03-10T12:00:00.000Z");
    const run = await startSyncRun(db(), { tenantId: tenantA, kind: "ACCOUNTING", trigger: "webhook" }, started);
    expect(run).toMatchObject({ tenantId: tenantA, kind: "ACCOUNTING", trigger: "webhook", status: "RUNNING", startedAt: started, finishedAt: null });

    const finished = await finishSyncRun(db(), tenantA, run.id, { counts: { read: 10, written: 7, skipped: 3, failed: 0 } }, at("2026-03-10T12:00:04.250Z"));
    expect(finished).toMatchObject({ status: "SUCCEEDED", readCount: 10, writtenCount: 7, skippedCount: 3, failedCount: 0, error: null });
    expect(finished.finishedAt!.getTime() - finished.startedAt.getTime()).toBe(4250);

    const partial = await startSyncRun(db(), { tenantId: tenantA, kind: "ACCOUNTING", trigger: "schedule" });
    expect((await finishSyncRun(db(), tenantA, partial.id, { counts: counts(4, 2) })).status).toBe("PARTIAL");

    const failed = await startSyncRun(db(), { tenantId: tenantA, kind: "ACCOUNTING", trigger: "schedule" });
    expect(await finishSyncRun(db(), tenantA, failed.id, { counts: counts(0), error: "QuickBooks did not answer" })).toMatchObject({ status: "FAILED", error: "QuickBooks did not answer" });

    const told = await startSyncRun(db(), { tenantId: tenantA, kind: "ACCOUNTING", trigger: "manual" });
    expect((await finishSyncRun(db(), tenantA, told.id, { status: "FAILED", counts: counts(0, 5) })).status).toBe("FAILED");
  });

  it("cannot be finished through another tenant, nor twice, and counts must be whole numbers", async () => {
    const run = await startSyncRun(db(), { tenantId: tenantA, kind: "INVENTORY", trigger: "schedule" });
    await expect(finishSyncRun(db(), tenantB, run.id, { counts: counts(1) })).rejects.toBeInstanceOf(SyncRunNotFoundError);
    expect((await db().syncRun.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("RUNNING");
    await expect(finishSyncRun(db(), tenantA, run.id, { counts: { read: 1, written: -1, skipped: 0, failed: 0 } })).rejects.toThrow(RangeError);
    await finishSyncRun(db(), tenantA, run.id, { counts: counts(1) });
    await expect(finishSyncRun(db(), tenantA, run.id, { counts: counts(9) })).rejects.toBeInstanceOf(SyncRunNotFoundError);
    expect((await db().syncRun.findUniqueOrThrow({ where: { id: run.id } })).writtenCount).toBe(1);
  });

  it("refuses to link a sync of another tenant", async () => {
    const source = await db().connection.create({ data: { tenantId: tenantB, provider: "SQUARE", externalId: "runs-seller" } });
    const target = await db().connection.create({ data: { tenantId: tenantB, provider: "QUICKBOOKS", externalId: "runs-realm" } });
    const sync = await db().sync.create({ data: { tenantId: tenantB, kind: "ACCOUNTING", sourceConnectionId: source.id, targetConnectionId: target.id } });
    await expect(startSyncRun(db(), { tenantId: tenantA, syncId: sync.id, kind: "ACCOUNTING", trigger: "schedule" })).rejects.toBeInstanceOf(SyncRunNotFoundError);
    expect(await db().syncRun.count()).toBe(0);
    expect(await startSyncRun(db(), { tenantId: tenantB, syncId: sync.id, kind: "ACCOUNTING", trigger: "schedule" })).toMatchObject({ syncId: sync.id });
  });
});

describe("listRecentRuns", () => {
  it("lists the tenant's own runs, newest first, up to the limit", async () => {
    await finishedRun(tenantA, "2026-03-10T10:00:00Z", 1);
    await finishedRun(tenantA, "2026-03-10T12:00:00Z", 3);
    await finishedRun(tenantA, "2026-03-10T11:00:00Z", 2);
    await finishedRun(tenantB, "2026-03-10T13:00:00Z", 99);
    expect((await listRecentRuns(db(), tenantA, 10)).map((run) => run.writtenCount)).toEqual([3, 2, 1]);
    expect((await listRecentRuns(db(), tenantA, 2)).map((run) => run.writtenCount)).toEqual([3, 2]);
    expect((await listRecentRuns(db(), tenantB, 10)).map((run) => run.writtenCount)).toEqual([99]);
  });
});

describe("recordsSyncedPerHour", () => {
  const now = at("2026-03-10T15:20:00.000Z");

  it("is 24 UTC hours ending with the current one, all zero without runs", async () => {
    const hours = await recordsSyncedPerHour(db(), tenantA, now);
    expect(hours).toHaveLength(24);
    expect(hours[0]!.hourStart.toISOString()).toBe("2026-03-09T16:00:00.000Z");
    expect(hours[23]!.hourStart.toISOString()).toBe("2026-03-10T15:00:00.000Z");
    expect(hours.every((hour) => hour.records === 0)).toBe(true);
  });

  it("sums records written by the hour each run finished, within the last day, for the tenant only", async () => {
    await finishedRun(tenantA, "2026-03-10T15:05:00.000Z", 5);
    await finishedRun(tenantA, "2026-03-10T15:10:00.000Z", 3, 4); // a partial run counts what it wrote
    await finishedRun(tenantA, "2026-03-10T14:59:59.999Z", 7);
    await finishedRun(tenantA, "2026-03-10T09:30:00.000Z", 2);
    await finishedRun(tenantA, "2026-03-09T16:00:00.000Z", 11); // the first hour's first millisecond
    await finishedRun(tenantA, "2026-03-09T15:59:59.999Z", 100); // just over a day ago
    await finishedRun(tenantA, "2026-03-10T15:21:00.000Z", 1000); // after "now"
    await startSyncRun(db(), { tenantId: tenantA, kind: "INVENTORY", trigger: "schedule" }, at("2026-03-10T15:00:00Z")); // still running
    await finishedRun(tenantB, "2026-03-10T15:00:00.000Z", 10_000);

    const hours = await recordsSyncedPerHour(db(), tenantA, now);
    const byHour = Object.fromEntries(hours.filter((hour) => hour.records > 0).map((hour) => [hour.hourStart.toISOString(), hour.records]));
    expect(byHour).toEqual({
      "2026-03-09T16:00:00.000Z": 11,
      "2026-03-10T09:00:00.000Z": 2,
      "2026-03-10T14:00:00.000Z": 7,
      "2026-03-10T15:00:00.000Z": 8,
    });
    expect(hours).toHaveLength(24);
    expect((await recordsSyncedPerHour(db(), tenantB, now))[23]!.records).toBe(10_000);
  });
});

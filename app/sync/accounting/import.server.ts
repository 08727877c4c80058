import { randomUUID } from "node:crypto";
import { z } from "zod";
import { db, type PrismaClient } from "~/db.server";
import type { Source } from "~/domain/accounting/source-sale";
import type { Prisma } from "~/generated/prisma/client";
import { SquareSearchRefusedError } from "~/integrations/square/order-search.server";
import { ConnectionAuthorizationError, RateLimitedError, TransientError } from "~/jobs/errors";
import type { JobQueue } from "~/jobs/queue.server";
import { defineJob, JobPriority, type JobContext } from "~/jobs/registry";
import { reportSyncIssue } from "~/models/sync-issues.server";
import { finishSyncRun, startSyncRun, SyncRunNotFoundError } from "~/models/sync-runs.server";
import { DEFAULT_BUCKETS } from "~/sync/budgets.server";
import { estimateBacklog } from "./business-time";
import { IMPORT_SOURCE_PARTS, type ImportOrder, type ImportSourceParts } from "./import-sources.server";
import { findAccountingSync } from "./record-posting.server";

/**
 * Historical import: every completed Square order closed (or paid Shopify order processed) since a start date,
 * posted to QuickBooks as if it had just happened, by the same exactly-once per-order job the webhooks use. What
 * differs between the channels (finding, counting and posting their orders, what blocks) is in
 * import-sources.server.ts; Shopify's steps are the same as Square's below, with one search for the shop and the
 * refunds each order lists sent with it.
 *
 * The import is a paced job that steps through the orders and keeps its place in its AccountingImport row:
 *  1. it counts the orders first (SearchOrders with light entries, 1,000 a page), so progress and the ETA have a
 *     total from the start;
 *  2. then, a page at a time, it reads the orders (SearchOrders by closed_at, oldest first, one search per
 *     location so each starts at that location's own midnight), sends one accounting.post-square-order job per
 *     order not posted yet, and waits until each has an outcome in the ledger (posted, or a problem the merchant
 *     sees) before reading the next page. The range ends when the import started: later sales come by webhook.
 * So a page's worth of work is in flight at a time, QuickBooks' budget (not the queue) sets the pace, and a
 * crash, a restart or a pause loses nothing: the next step reads the row and carries on.
 *
 * Each step sends the next one with a fresh token kept in the row; a step whose token is not the row's (a
 * duplicate left by a crash) ends without doing anything, so there is never more than one chain of steps.
 *
 * When QuickBooks or Square stops accepting Tillbridge (a revoked grant), the order jobs in flight stop with the
 * connection marked NEEDS_REAUTH and the merchant told; the import sees it, is PAUSED with the reason, and checks
 * again, less and less often. Once the merchant reconnects it runs again from where it stopped, sending the
 * orders of its page that have no outcome yet: the ledger makes that safe.
 */

export const IMPORT_STATUSES = ["RUNNING", "PAUSED", "DONE", "FAILED"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const IMPORT_SOURCES = ["square", "shopify"] as const satisfies readonly Source[];
export type ImportSource = (typeof IMPORT_SOURCES)[number];

export const DEFAULT_IMPORT_PAGE_SIZE = 100;
/** Count pages read per step, so one step stays short. */
const COUNT_PAGES_PER_STEP = 20;
/** How soon the next step looks at the page's progress. */
const STEP_INTERVAL_MS = 2_000;
/** A paused import checks again after 5 s, then twice as long each time, up to 5 minutes. */
const PAUSED_CHECK_FIRST_MS = 5_000;
const PAUSED_CHECK_MAX_MS = 5 * 60_000;
/** A page whose pending orders made no progress this long, with no job of theirs waiting or running, sends them again. */
const STALLED_AFTER_MS = 60_000;
/** Sends per order before the import stops waiting for it and tells the merchant. */
const MAX_SENDS_PER_ORDER = 3;
/** Before enough of an import is posted to measure it: a receipt, and a fee entry for most card sales. */
const DEFAULT_DOCUMENTS_PER_ORDER = 1.5;
/** One create per document, plus about one call in ten for new items and customers and look-ups after lost answers. */
const CALLS_PER_DOCUMENT = 1.1;
/** What the shared budget lets through per minute, steadily (25 of QuickBooks' 500 are kept for bursts). */
export const QUICKBOOKS_CALLS_PER_MINUTE = DEFAULT_BUCKETS.QUICKBOOKS.refillPerSecond * 60;

const isoInstant = z.iso.datetime({ offset: true });

/** Where an import is; stored in AccountingImport.cursor. */
const importCursor = z.object({
  /** The token of the one step allowed to run next. */
  step: z.uuid(),
  runId: z.uuid(),
  pageSize: z.number().int().min(1).max(1_000),
  /** The end of the range (inclusive): when the import was started. */
  endAt: isoInstant,
  /** One search per Square location, each from the start date's midnight there; one for the Shopify shop. */
  lanes: z.array(z.object({ locationId: z.string().min(1), startAt: isoInstant })),
  /** While counting: the lane and Square's cursor of the next count page, and what was found so far. */
  counting: z.object({ lane: z.number().int().min(0), cursor: z.string().nullable(), found: z.number().int().min(0) }).nullable(),
  /** Where the next page of orders comes from. */
  next: z.object({ lane: z.number().int().min(0), cursor: z.string().nullable() }),
  /** The page being posted. */
  page: z
    .object({
      orderIds: z.array(z.string().min(1)),
      /** The refunds each order lists that are posted on their own (Shopify), by order. */
      refunds: z.record(z.string(), z.array(z.string().min(1))).optional(),
      /** Orders of the page with an outcome, already counted. */
      settled: z.array(z.string()),
      /** How often each order's job was sent. */
      sends: z.record(z.string(), z.number().int().min(0)),
      sentAt: isoInstant,
      lastProgressAt: isoInstant,
    })
    .nullable(),
  /** Checks made since the import paused (each waits twice as long as the one before). */
  pausedChecks: z.number().int().min(0),
});
type ImportCursor = z.output<typeof importCursor>;
type ImportPage = NonNullable<ImportCursor["page"]>;

export const runAccountingImportJob = defineJob({
  name: "accounting.import",
  payload: z.object({ tenantId: z.uuid(), importId: z.uuid(), step: z.uuid() }).strict(),
  tenantOf: (payload) => payload.tenantId,
  orderingKey: (payload) => `accounting-import:${payload.importId}`,
  policy: { retryLimit: 8, retryDelaySeconds: 10, retryDelayMaxSeconds: 600, batchSize: 5, localConcurrency: 1, expireInSeconds: 600 },
  async handle({ tenantId, importId, step }, context) {
    await stepAccountingImport(db(), context, { tenantId, importId, step });
  },
});

export type ImportStartResult = { ok: true; message: string; importId: string } | { ok: false; message: string };

/** Whether anything stops the import from going on now, in the merchant's words (null: nothing does). */
async function whatBlocks(database: PrismaClient, tenantId: string, parts: ImportSourceParts): Promise<string | null> {
  const quickbooks = await database.connection.findUnique({ where: { tenantId_provider: { tenantId, provider: "QUICKBOOKS" } }, select: { status: true } });
  if (quickbooks?.status !== "ACTIVE") return "QuickBooks no longer accepts Tillbridge's access. Reconnect QuickBooks under Connections: the import continues where it stopped.";
  return parts.whatBlocks(database, tenantId);
}

function partsOf(source: string): ImportSourceParts {
  return isImportSource(source) ? IMPORT_SOURCE_PARTS[source] : IMPORT_SOURCE_PARTS.square;
}

export function isImportSource(value: string): value is ImportSource {
  return (IMPORT_SOURCES as readonly string[]).includes(value);
}

/**
 * Starts importing the tenant's Square or Shopify orders since `startDate` (a business day, YYYY-MM-DD). Refused,
 * with the reason, when accounting is not on for the channel, QuickBooks is not connected, an import of the channel
 * is already going, or (Shopify) the start date is older than the orders Shopify shows Tillbridge.
 */
export async function startAccountingImport(
  database: PrismaClient,
  queue: Pick<JobQueue, "send">,
  input: { tenantId: string; actor: string; source: ImportSource; startDate: string; pageSize?: number },
  now = new Date(),
): Promise<ImportStartResult> {
  const { tenantId } = input;
  const parts = IMPORT_SOURCE_PARTS[input.source];
  const { name } = parts;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.startDate) || Number.isNaN(Date.parse(`${input.startDate}T00:00:00Z`))) return { ok: false, message: "Choose the first day to import as a date." };
  // The last business day to have started anywhere (UTC+14) is the latest a start date can be.
  if (Date.parse(`${input.startDate}T00:00:00Z`) > now.getTime() + 14 * 3600 * 1000) return { ok: false, message: "The first day to import cannot be in the future." };

  const blocker = await whatBlocks(database, tenantId, parts);
  const sync = await findAccountingSync(database, tenantId, input.source);
  if (blocker || !sync) return { ok: false, message: sync ? blocker! : `Turn accounting on for ${name} first: the import posts ${name} sales the way new ones are posted.` };
  const going = await database.accountingImport.findFirst({ where: { tenantId, source: input.source, status: { in: ["RUNNING", "PAUSED"] } }, select: { startDate: true } });
  if (going) return { ok: false, message: `An import of ${name} sales since ${going.startDate} is still going. Wait for it to finish before starting another.` };

  let lanes: ImportCursor["lanes"];
  try {
    const plan = await parts.plan(database, tenantId, input.startDate, now);
    if (!plan.ok) return { ok: false, message: plan.message };
    lanes = plan.lanes;
  } catch (error) {
    if (error instanceof ConnectionAuthorizationError) return { ok: false, message: `${name} no longer accepts Tillbridge's access. Reconnect ${name} under Connections, then start the import.` };
    if (error instanceof TransientError || error instanceof RateLimitedError) return { ok: false, message: `${name} did not answer just now. Try again in a minute.` };
    throw error;
  }

  const step = randomUUID();
  const created = await database.$transaction(async (tx) => {
    // One import per tenant and channel at a time, also when the form is sent twice at once.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`accounting-import:${tenantId}:${input.source}`}, 0))`;
    if ((await tx.accountingImport.count({ where: { tenantId, source: input.source, status: { in: ["RUNNING", "PAUSED"] } } })) > 0) return null;
    // The run, the row and its first step exist together or not at all.
    const run = await startSyncRun(tx, { tenantId, syncId: sync.id, kind: "accounting.import", trigger: "merchant" }, now);
    const cursor: ImportCursor = importCursor.parse({
      step,
      runId: run.id,
      pageSize: input.pageSize ?? DEFAULT_IMPORT_PAGE_SIZE,
      endAt: now.toISOString(),
      lanes,
      counting: { lane: 0, cursor: null, found: 0 },
      next: { lane: 0, cursor: null },
      page: null,
      pausedChecks: 0,
    } satisfies ImportCursor);
    const row = await tx.accountingImport.create({
      data: { tenantId, syncId: sync.id, source: input.source, startDate: input.startDate, status: "RUNNING", cursor: cursor as unknown as Prisma.InputJsonValue },
      select: { id: true },
    });
    await tx.auditLog.create({ data: { tenantId, actorType: "MERCHANT", actorId: input.actor, action: "accounting.import_started", target: row.id, details: { source: input.source, startDate: input.startDate } } });
    await queue.send(runAccountingImportJob, { tenantId, importId: row.id, step }, { tx, priority: JobPriority.normal });
    return row;
  });
  if (!created) return { ok: false, message: `An import of ${name} sales is already going. Wait for it to finish before starting another.` };
  return { ok: true, importId: created.id, message: `Importing ${name} sales since ${input.startDate}. Each order is posted once, at QuickBooks' pace; progress shows below.` };
}

/** What a step saves: the cursor, and the counts and status when they change. */
interface StepChange {
  cursor: ImportCursor;
  status?: ImportStatus;
  error?: string | null;
  ordersFound?: number;
  postedDelta?: number;
  notPostedDelta?: number;
  finished?: boolean;
}

async function save(database: PrismaClient, tenantId: string, importId: string, change: StepChange): Promise<void> {
  await database.accountingImport.updateMany({
    where: { id: importId, tenantId },
    data: {
      cursor: change.cursor as unknown as Prisma.InputJsonValue,
      ...(change.status && { status: change.status }),
      ...(change.error !== undefined && { error: change.error }),
      ...(change.ordersFound !== undefined && { ordersFound: change.ordersFound }),
      ...(change.postedDelta && { ordersPosted: { increment: change.postedDelta } }),
      ...(change.notPostedDelta && { ordersNotPosted: { increment: change.notPostedDelta } }),
      ...(change.finished && { finishedAt: new Date() }),
    },
  });
}

/** The next step, sent with a new token that the row records first (the token is what lets exactly one chain go on). */
async function scheduleNextStep(database: PrismaClient, context: Pick<JobContext, "send">, ids: { tenantId: string; importId: string }, cursor: ImportCursor, change: Omit<StepChange, "cursor">, waitMs: number): Promise<void> {
  const step = randomUUID();
  const next = { ...cursor, step };
  // Sent before the row names it: a crash in between leaves a step whose token is not the row's (it ends at once)
  // while the retried current step, still the row's, goes on. The other order could leave no step at all.
  await context.send(runAccountingImportJob, { ...ids, step }, { startAfter: new Date(Date.now() + waitMs), priority: JobPriority.normal });
  await save(database, ids.tenantId, ids.importId, { ...change, cursor: next });
}

/** The orders of a page, each with the refunds it lists. */
function pageOrders(page: ImportPage, orderIds: readonly string[]): ImportOrder[] {
  return orderIds.map((id) => ({ id, refundIds: page.refunds?.[id] ?? [] }));
}

export type StepOutcome = "missing" | "superseded" | "paused" | "running" | "done" | "failed";

/** One step of an import (see the module comment). Exported for tests; the job calls it. */
export async function stepAccountingImport(database: PrismaClient, context: Pick<JobContext, "send" | "logger">, input: { tenantId: string; importId: string; step: string }): Promise<StepOutcome> {
  const { tenantId, importId } = input;
  const row = await database.accountingImport.findFirst({ where: { id: importId, tenantId } });
  if (!row) return "missing";
  if (row.status === "DONE" || row.status === "FAILED") return row.status === "DONE" ? "done" : "failed";
  const parsed = importCursor.safeParse(row.cursor);
  if (!parsed.success) {
    await database.accountingImport.updateMany({ where: { id: importId, tenantId }, data: { status: "FAILED", error: "The import's place was lost. Start the import again; orders already posted are not posted twice.", finishedAt: new Date() } });
    context.logger.error({ importId, issues: parsed.error.issues }, "accounting import cursor unreadable");
    return "failed";
  }
  let cursor = parsed.data;
  if (cursor.step !== input.step) return "superseded";
  const ids = { tenantId, importId };

  const parts = partsOf(row.source);
  const blocker = await whatBlocks(database, tenantId, parts);
  if (blocker) {
    const checks = cursor.pausedChecks + 1;
    const wait = Math.min(PAUSED_CHECK_FIRST_MS * 2 ** (checks - 1), PAUSED_CHECK_MAX_MS);
    if (row.status !== "PAUSED") context.logger.warn({ importId, reason: blocker }, "accounting import paused");
    await scheduleNextStep(database, context, ids, { ...cursor, pausedChecks: checks }, { status: "PAUSED", error: blocker }, wait);
    return "paused";
  }
  const resumed = row.status === "PAUSED";
  if (resumed) context.logger.info({ importId }, "accounting import resumed");
  cursor = { ...cursor, pausedChecks: 0 };
  const change: Omit<StepChange, "cursor"> = { ...(resumed && { status: "RUNNING" as const, error: null }) };

  try {
    // 1. Counting, so the merchant sees a total (and an ETA) from the start.
    if (cursor.counting) {
      let counting = cursor.counting;
      for (let pages = 0; pages < COUNT_PAGES_PER_STEP && counting.lane < cursor.lanes.length; pages++) {
        const { found, cursor: nextCursor } = await parts.countPage(database, tenantId, cursor.lanes[counting.lane]!, cursor.endAt, counting.cursor);
        counting = nextCursor ? { lane: counting.lane, cursor: nextCursor, found: counting.found + found } : { lane: counting.lane + 1, cursor: null, found: counting.found + found };
      }
      if (counting.lane < cursor.lanes.length) {
        await scheduleNextStep(database, context, ids, { ...cursor, counting }, change, 0);
        return "running";
      }
      cursor = { ...cursor, counting: null };
      change.ordersFound = counting.found;
    }

    // 2. The page in flight: which of its orders have an outcome now.
    if (cursor.page) {
      const settled = await settlePage(database, tenantId, parts, cursor.page, { resumed });
      // The page and the counts change together, so whatever is saved counts each order once.
      cursor = { ...cursor, page: settled.page };
      change.postedDelta = (change.postedDelta ?? 0) + settled.posted;
      change.notPostedDelta = (change.notPostedDelta ?? 0) + settled.notPosted;
      for (const order of pageOrders(settled.page, settled.toSend)) await parts.send(context, tenantId, order);
      if (settled.page.settled.length < settled.page.orderIds.length) {
        await scheduleNextStep(database, context, ids, cursor, change, STEP_INTERVAL_MS);
        return "running";
      }
      cursor = { ...cursor, page: null };
    }

    // 3. The next page (pages with nothing left to post are passed over in the same step).
    while (cursor.next.lane < cursor.lanes.length) {
      const { next: from } = cursor;
      const { orders, cursor: vendorCursor } = await parts.readPage(database, tenantId, cursor.lanes[from.lane]!, cursor.endAt, from.cursor, cursor.pageSize);
      // Kept in step with the counts below, so whatever is saved (a pause included) counts each page once.
      cursor = { ...cursor, next: vendorCursor ? { lane: from.lane, cursor: vendorCursor } : { lane: from.lane + 1, cursor: null } };
      const unique = [...new Map(orders.map((order) => [order.id, order])).values()];
      const orderIds = unique.map((order) => order.id);
      if (orderIds.length === 0) continue;
      const now = new Date().toISOString();
      const refunds = Object.fromEntries(unique.filter((order) => order.refundIds.length > 0).map((order) => [order.id, order.refundIds]));
      const fresh: ImportPage = { orderIds, ...(Object.keys(refunds).length > 0 && { refunds }), settled: [], sends: {}, sentAt: now, lastProgressAt: now };
      // Orders already posted (by their webhooks, or an earlier import) count at once and are not sent.
      const settled = await settlePage(database, tenantId, parts, fresh, { resumed: false, sendPending: false });
      change.postedDelta = (change.postedDelta ?? 0) + settled.posted;
      change.notPostedDelta = (change.notPostedDelta ?? 0) + settled.notPosted;
      const toSend = orderIds.filter((orderId) => !settled.page.settled.includes(orderId));
      for (const order of pageOrders(fresh, toSend)) await parts.send(context, tenantId, order);
      if (toSend.length > 0) {
        const inFlight: ImportPage = { ...settled.page, sends: Object.fromEntries(toSend.map((orderId) => [orderId, 1])) };
        await scheduleNextStep(database, context, ids, { ...cursor, page: inFlight }, change, STEP_INTERVAL_MS);
        return "running";
      }
    }

    // 4. Every page done.
    cursor = { ...cursor, page: null };
    const totals = await database.accountingImport.findFirstOrThrow({ where: { id: importId, tenantId }, select: { ordersPosted: true, ordersNotPosted: true } });
    const posted = totals.ordersPosted + (change.postedDelta ?? 0);
    const notPosted = totals.ordersNotPosted + (change.notPostedDelta ?? 0);
    await closeRun(database, tenantId, cursor.runId, {
      counts: { read: posted + notPosted, written: posted, skipped: 0, failed: notPosted },
      summary: `${parts.name} sales since ${row.startDate}: ${posted} ${posted === 1 ? "order" : "orders"} in QuickBooks${notPosted > 0 ? `, ${notPosted} not posted (see the problems)` : ""}`,
    });
    // The count was taken before the pages were read; what was handled is the final word.
    await save(database, tenantId, importId, { ...change, cursor, status: "DONE", error: null, ordersFound: posted + notPosted, finished: true });
    context.logger.info({ importId, posted, notPosted }, "accounting import done");
    return "done";
  } catch (error) {
    if (error instanceof ConnectionAuthorizationError) {
      // Pause now; the job runner marks the connection and tells the merchant.
      await scheduleNextStep(database, context, ids, { ...cursor, pausedChecks: 1 }, { ...change, status: "PAUSED", error: `${error.message}. Reconnect ${({ SQUARE: "Square", SHOPIFY: "Shopify" } as Record<string, string>)[error.connection.provider] ?? "QuickBooks"} under Connections: the import continues where it stopped.` }, PAUSED_CHECK_FIRST_MS);
      throw error;
    }
    if (error instanceof SquareSearchRefusedError) {
      await closeRun(database, tenantId, cursor.runId, { counts: { read: 0, written: 0, skipped: 0, failed: 1 }, error: error.message });
      await save(database, tenantId, importId, { ...change, cursor, status: "FAILED", error: `${error.message}. Start the import again; orders already posted are not posted twice.`, finished: true });
      return "failed";
    }
    // Waits and hiccups: the job runs this same step again (its token is still the row's).
    throw error;
  }
}

/** Closes the import's run; a run closed already (by a step that crashed right after) is left as it is. */
async function closeRun(database: PrismaClient, tenantId: string, runId: string, outcome: Parameters<typeof finishSyncRun>[3]): Promise<void> {
  try {
    await finishSyncRun(database, tenantId, runId, outcome);
  } catch (error) {
    if (!(error instanceof SyncRunNotFoundError)) throw error;
  }
}

const PRINCIPAL_KINDS = ["sale", "refund"];

/**
 * Which pending orders of a page have an outcome: a receipt in the ledger for the sale and each refund it lists
 * (posted; FAILED when QuickBooks refused it, which is a problem the merchant sees), or a problem reported for it
 * since the page was sent. Orders that have neither, and no job waiting or running (lost to a pause, or
 * dead-lettered), are sent again, up to MAX_SENDS_PER_ORDER times; then the import stops waiting for them and says so.
 */
async function settlePage(
  database: PrismaClient,
  tenantId: string,
  parts: ImportSourceParts,
  page: ImportPage,
  options: { resumed: boolean; sendPending?: boolean },
): Promise<{ page: ImportPage; posted: number; notPosted: number; toSend: string[] }> {
  const pending = page.orderIds.filter((orderId) => !page.settled.includes(orderId));
  if (pending.length === 0) return { page, posted: 0, notPosted: 0, toSend: [] };
  // Each order's records: its sale (keyed by the order's id) and the refunds it lists.
  const records = new Map(pending.map((orderId) => [orderId, [{ id: orderId, kind: "sale" as const }, ...(page.refunds?.[orderId] ?? []).map((id) => ({ id, kind: "refund" as const }))]]));
  const allRecords = [...records.values()].flat();
  const [documents, problems, live] = await Promise.all([
    database.accountingDocument.findMany({ where: { tenantId, source: parts.source, sourceId: { in: allRecords.map((record) => record.id) } }, select: { sourceId: true, kind: true, status: true } }),
    database.syncIssue.findMany({
      where: { tenantId, status: { in: ["OPEN", "DISMISSED"] }, lastSeenAt: { gte: new Date(page.sentAt) }, key: { in: allRecords.flatMap((record) => parts.problemKeys(record.id, record.kind)) } },
      select: { key: true },
    }),
    ordersWithLiveJobs(database, parts, tenantId, pending),
  ]);
  const problemKeys = new Set(problems.map((issue) => issue.key));
  const pendingDocuments = new Set(documents.filter((document) => document.status === "PENDING").map((document) => document.sourceId));
  const receiptStatus = new Map(documents.filter((document) => PRINCIPAL_KINDS.includes(document.kind)).map((document) => [document.sourceId, document.status]));
  const posted: string[] = [];
  const notPosted: string[] = [];
  for (const [orderId, orderRecords] of records) {
    // An order is settled once its jobs are over and none of its documents waits to be sent: its receipt can be
    // posted while the fee entry after it is still going, or was cut short by a revoked grant (then it is sent again).
    if (live.has(orderId) || orderRecords.some((record) => pendingDocuments.has(record.id))) continue;
    const outcomes = orderRecords.map((record) => {
      const status = receiptStatus.get(record.id);
      if (status === "POSTED") return "posted";
      if (status === "FAILED" || parts.problemKeys(record.id, record.kind).some((key) => problemKeys.has(key))) return "refused";
      return null;
    });
    if (outcomes.every((outcome) => outcome === "posted")) posted.push(orderId);
    else if (outcomes.every((outcome) => outcome !== null)) notPosted.push(orderId);
  }
  const now = new Date();
  let next: ImportPage = { ...page, settled: [...page.settled, ...posted, ...notPosted] };
  if (posted.length + notPosted.length > 0) next = { ...next, lastProgressAt: now.toISOString() };

  const waiting = pending.filter((orderId) => !posted.includes(orderId) && !notPosted.includes(orderId));
  const stalled = options.resumed || now.getTime() - Date.parse(next.lastProgressAt) > STALLED_AFTER_MS;
  if (options.sendPending === false || waiting.length === 0 || !stalled) return { page: next, posted: posted.length, notPosted: notPosted.length, toSend: [] };

  const toSend: string[] = [];
  const givenUp: string[] = [];
  const sends = { ...next.sends };
  for (const orderId of waiting) {
    if (live.has(orderId)) continue;
    // A job lost to a pause was not the order's fault: it does not count against its sends.
    const count = sends[orderId] ?? 0;
    if (!options.resumed && count >= MAX_SENDS_PER_ORDER) givenUp.push(orderId);
    else {
      toSend.push(orderId);
      if (!options.resumed) sends[orderId] = count + 1;
    }
  }
  for (const orderId of givenUp) {
    await reportSyncIssue(database, {
      tenantId,
      key: parts.problemKeys(orderId, "sale")[0]!,
      code: "ACCOUNTING_IMPORT_GAVE_UP",
      message: `${parts.name} order ${orderId} was not posted to QuickBooks: the import tried ${MAX_SENDS_PER_ORDER} times and it did not go through. Press Retry; if it fails again, contact support.`,
      entityType: "accounting_record",
      entityRef: `${parts.name} order ${orderId}`,
      retriable: true,
      retryJob: { name: parts.postJobName, payload: { tenantId, orderId } },
    });
  }
  next = { ...next, sends, settled: [...next.settled, ...givenUp], lastProgressAt: now.toISOString() };
  return { page: next, posted: posted.length, notPosted: notPosted.length + givenUp.length, toSend };
}

/**
 * Orders with a posting job (of the sale or of a refund) waiting or running. Read from the job queue's own table
 * (pg-boss, schema "pgboss" as app/jobs/queue.server.ts sets it up, in the application's database): the queue's API
 * finds jobs by payload but not by state.
 */
async function ordersWithLiveJobs(database: PrismaClient, parts: ImportSourceParts, tenantId: string, orderIds: readonly string[]): Promise<Set<string>> {
  if (orderIds.length === 0) return new Set();
  const rows = await database.$queryRaw<{ orderId: string }[]>`
    SELECT DISTINCT data->>'orderId' AS "orderId" FROM pgboss.job
    WHERE name = ${parts.postJobName} AND state IN ('created', 'retry', 'active')
      AND data->>'tenantId' = ${tenantId} AND data->>'orderId' = ANY(${[...orderIds]}::text[])`;
  return new Set(rows.map((row) => row.orderId));
}

export interface ImportProgress {
  id: string;
  source: ImportSource;
  startDate: string;
  status: ImportStatus;
  /** Null while the orders are being counted. */
  ordersFound: number | null;
  ordersPosted: number;
  ordersNotPosted: number;
  /** About how long the rest takes at QuickBooks' pace; null while counting and once finished. */
  minutesLeft: number | null;
  documentsLeft: number | null;
  /** Why it is paused or failed. */
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
}

function isImportStatus(value: string): value is ImportStatus {
  return (IMPORT_STATUSES as readonly string[]).includes(value);
}

/** The tenant's latest imports, one per channel (Square's first), each with its progress and ETA. */
export async function loadImportProgresses(database: PrismaClient, tenantId: string): Promise<ImportProgress[]> {
  const latest = await Promise.all(IMPORT_SOURCES.map((source) => loadImportProgress(database, tenantId, source)));
  return latest.filter((progress): progress is ImportProgress => progress !== null);
}

/**
 * The tenant's latest import (of one channel, or of any), with its ETA worked out from QuickBooks' budget and what
 * it has posted so far.
 */
export async function loadImportProgress(database: PrismaClient, tenantId: string, source?: ImportSource): Promise<ImportProgress | null> {
  const row = await database.accountingImport.findFirst({ where: { tenantId, ...(source && { source }) }, orderBy: { createdAt: "desc" } });
  if (!row) return null;
  const status: ImportStatus = isImportStatus(row.status) ? row.status : "FAILED";
  let estimate: { minutesLeft: number; documentsLeft: number } | null = null;
  if (row.ordersFound !== null && (status === "RUNNING" || status === "PAUSED")) {
    // What this import's orders have taken so far: every document against the receipts they go with.
    const documents = await database.accountingDocument.groupBy({
      by: ["kind"],
      where: { tenantId, syncId: row.syncId, source: row.source, createdAt: { gte: row.createdAt } },
      _count: { _all: true },
    });
    const all = documents.reduce((total, group) => total + group._count._all, 0);
    const receipts = documents.filter((group) => PRINCIPAL_KINDS.includes(group.kind)).reduce((total, group) => total + group._count._all, 0);
    const documentsPerOrder = receipts >= 5 ? all / receipts : DEFAULT_DOCUMENTS_PER_ORDER;
    estimate = estimateBacklog({
      ordersLeft: row.ordersFound - row.ordersPosted - row.ordersNotPosted,
      documentsPerOrder,
      callsPerDocument: CALLS_PER_DOCUMENT,
      callsPerMinute: QUICKBOOKS_CALLS_PER_MINUTE,
    });
  }
  return {
    id: row.id,
    source: isImportSource(row.source) ? row.source : "square",
    startDate: row.startDate,
    status,
    ordersFound: row.ordersFound,
    ordersPosted: row.ordersPosted,
    ordersNotPosted: row.ordersNotPosted,
    minutesLeft: estimate?.minutesLeft ?? null,
    documentsLeft: estimate?.documentsLeft ?? null,
    reason: status === "PAUSED" || status === "FAILED" ? row.error : null,
    startedAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** Imports going (or paused) whose steps stopped, e.g. a step dead-lettered: a new step picks them up where they are. */
export async function reviveStalledImports(database: PrismaClient, sender: Pick<JobContext, "send">, tenantId: string, now = new Date()): Promise<number> {
  const quietSince = new Date(now.getTime() - 2 * PAUSED_CHECK_MAX_MS);
  const stalled = await database.accountingImport.findMany({ where: { tenantId, status: { in: ["RUNNING", "PAUSED"] }, updatedAt: { lt: quietSince } }, select: { id: true, cursor: true } });
  let revived = 0;
  for (const row of stalled) {
    const parsed = importCursor.safeParse(row.cursor);
    if (!parsed.success) continue;
    const step = randomUUID();
    // As for every step: sent first, then named in the row (a step the row does not name ends at once).
    await sender.send(runAccountingImportJob, { tenantId, importId: row.id, step }, { priority: JobPriority.normal });
    await database.accountingImport.updateMany({ where: { id: row.id, tenantId }, data: { cursor: { ...parsed.data, step } as unknown as Prisma.InputJsonValue } });
    revived += 1;
  }
  return revived;
}

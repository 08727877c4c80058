import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { accountingMappingSchema, POSTING_MODES, TENDER_KIND_ORDER, type AccountingMapping, type PostingMode, type TenderRoute } from "~/domain/accounting/mapping";
import { SOURCE_NAMES, SOURCES, type Source, type TenderKind } from "~/domain/accounting/source-sale";
import type { JobQueue } from "~/jobs/queue.server";
import { retryJobSchema } from "~/models/sync-issues.server";
import { describeRecord, performActivityAction, type ActivityIssue } from "~/sync/activity-page.server";
import { retryJobSender } from "~/sync/retry-jobs.server";
import { IMPORT_SOURCES, loadImportProgresses, startAccountingImport, type ImportProgress } from "./import.server";
import { earliestShopifyStartDate, shopifyReadsAllOrders, SHOPIFY_ORDER_WINDOW_DAYS } from "./import-sources.server";
import { disableAccountingSync, enableAccountingSync } from "./setup.server";

/**
 * The Accounting page's data, the same in both merchant areas: which accounts are connected, the accounting sync's
 * setup (on or off, how each channel's sales are posted, where the money goes), what was posted to QuickBooks per
 * business day, the latest documents, the sync's open problems and a few counts. Everything is read from the
 * tenant's own rows; amounts stay integer minor units until the page formats them.
 */

export const RECENT_DOCUMENTS_SHOWN = 25;
export const CHART_DAYS = 30;

/** The kinds whose total is money in or out of the business: a sale adds, a refund takes away, a summary nets a day. */
const CHARTED_KINDS = ["sale", "refund", "daily_summary"] as const;

/** What a new setup uses until the merchant chooses (the same as `defaultMapping`). */
const DEFAULT_POSTING: Record<Source, PostingMode> = { square: "daily_summary", shopify: "per_order" };

const PROVIDER_SOURCE = { SQUARE: "square", SHOPIFY: "shopify" } as const satisfies Record<string, Source>;

export const DOCUMENT_STATUSES = ["PENDING", "POSTED", "FAILED"] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export interface MappingSummary {
  /** Where each kind of payment is deposited, in the order a merchant reads them. */
  deposits: { label: string; account: string | null; paymentMethod: string | null }[];
  tax: string;
  /** The account daily summaries record collected sales tax on, when one is chosen. */
  taxLiabilityAccount: string | null;
  feesAccount: string | null;
  locations: { dimension: "department" | "class" | "none"; pairs: { location: string; target: string }[] };
}

export interface PostedDay {
  /** The business day, YYYY-MM-DD. */
  date: string;
  /** Sales less refunds posted for that day, in minor units of the series' currency. */
  totalMinor: number;
}

export interface PostedSeries {
  currency: string;
  days: PostedDay[];
}

export interface AccountingDocumentRow {
  id: string;
  docNumber: string;
  /** The QuickBooks document type in words ("Sales receipt"). */
  entity: string;
  /** What the document is for ("Sale", "Daily summary"). */
  purpose: string;
  source: string;
  /** The record it comes from, in words ("Square order 9XZ…"). */
  record: string;
  businessDay: string;
  /** The document's amount in minor units; a refund counts as money going out, so it is negative. */
  amountMinor: number;
  currency: string;
  status: DocumentStatus;
  /** QuickBooks' id, once it holds the document. */
  qboId: string | null;
  /** Why it was not posted, for a failed document. */
  error: string | null;
  recordedAt: string;
}

export interface AccountingPageData {
  connected: { quickbooks: boolean; square: boolean; shopify: boolean };
  setup: {
    /** Whether the sync runs, and for which channels. */
    enabledFor: Source[];
    modes: Record<Source, PostingMode>;
    /** The saved mapping, or null before the first setup. */
    mapping: MappingSummary | null;
  };
  /** One series per currency, the most used first (most merchants have one). */
  postedPerDay: PostedSeries[];
  documents: AccountingDocumentRow[];
  issues: ActivityIssue[];
  counts: { postedToday: number; postedThisWeek: number; failed: number; pending: number };
  /** The latest historical import of each channel (Square's first), with its progress and ETA. */
  accountingImports: ImportProgress[];
  /**
   * How far back a Shopify import can start: Shopify shows only the last 60 days of orders without the
   * read_all_orders scope (null: the shop granted it, any day can be chosen). A day every time zone accepts.
   */
  shopifyImportEarliest: { date: string; windowDays: number } | null;
}

const DAY_MS = 24 * 3600 * 1000;

/** YYYY-MM-DD of a moment, in UTC like every date and time on these pages. */
function utcDate(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return utcDate(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
}

/** Monday 00:00 UTC of the week holding `now`. */
function startOfWeek(now: Date): Date {
  const midnight = Date.parse(`${utcDate(now)}T00:00:00Z`);
  const daysSinceMonday = (now.getUTCDay() + 6) % 7;
  return new Date(midnight - daysSinceMonday * DAY_MS);
}

const ENTITY_WORDS: Record<string, string> = { SalesReceipt: "Sales receipt", RefundReceipt: "Refund receipt", JournalEntry: "Journal entry" };

const PURPOSE_WORDS: Record<string, string> = {
  sale: "Sale",
  sale_tenders: "Payments of a sale moved to their accounts",
  sale_fees: "Processing fees of a sale",
  refund: "Refund",
  refund_tenders: "Payments of a refund moved to their accounts",
  refund_fees: "Processing fees given back with a refund",
  daily_summary: "Daily summary",
  daily_correction: "Correction of a day in a closed period",
};

const TENDER_LABELS: Record<TenderKind, string> = { card: "Card payments", cash: "Cash payments", gift_card: "Gift card payments", other: "Other payments" };

function isSource(value: string): value is Source {
  return (SOURCES as readonly string[]).includes(value);
}

function isDocumentStatus(value: string): value is DocumentStatus {
  return (DOCUMENT_STATUSES as readonly string[]).includes(value);
}

function brandWords(brand: string): string {
  return brand.replace(/_/g, " ").replace(/\b\w/g, (letter) => letter.toUpperCase());
}

type LocationNames = Record<Source, Map<string, string>>;

function summarizeMapping(mapping: AccountingMapping, locationNames: LocationNames): MappingSummary {
  const deposit = (label: string, route: TenderRoute | null) => ({ label, account: route?.account.name ?? null, paymentMethod: route?.paymentMethod?.name ?? null });
  const deposits = TENDER_KIND_ORDER.flatMap((kind) => {
    const rows = [deposit(TENDER_LABELS[kind], mapping.tenders[kind])];
    if (kind === "card") {
      for (const [brand, route] of Object.entries(mapping.tenders.cardBrands).sort(([a], [b]) => a.localeCompare(b))) rows.push(deposit(`${brandWords(brand)} card payments`, route));
    }
    return rows;
  });
  const tax =
    mapping.tax.mode === "automated"
      ? "QuickBooks works out which lines are taxable, and each document records exactly the sales tax your customers paid."
      : `Taxable lines use the tax code “${mapping.tax.taxable.name}” and other lines “${mapping.tax.nonTaxable.name}”; each document records exactly the sales tax your customers paid.`;
  const pairs = Object.entries(mapping.locations.byLocation)
    .map(([key, target]) => {
      const separator = key.indexOf(":");
      const source = key.slice(0, separator);
      const locationId = key.slice(separator + 1);
      const name = isSource(source) ? locationNames[source].get(locationId) : undefined;
      const channel = isSource(source) ? SOURCE_NAMES[source] : source;
      return { location: `${channel} · ${name ?? `location ${locationId}`}`, target: target.name };
    })
    .sort((a, b) => a.location.localeCompare(b.location));
  return {
    deposits,
    tax,
    taxLiabilityAccount: mapping.taxLiabilityAccount?.name ?? null,
    feesAccount: mapping.fees.expenseAccount?.name ?? null,
    locations: { dimension: mapping.locations.dimension, pairs: mapping.locations.dimension === "none" ? [] : pairs },
  };
}

/** "gid://shopify/Order/5551" reads as "5551". */
function shortId(sourceId: string): string {
  return sourceId.replace(/^gid:\/\/shopify\/\w+\//, "");
}

function describeSourceRecord(document: { source: string; sourceId: string; kind: string; locationId: string | null }, locationNames: LocationNames): string {
  const channel = isSource(document.source) ? SOURCE_NAMES[document.source] : document.source;
  if (document.kind === "daily_summary" || document.kind === "daily_correction") {
    // A day's key is "<location id>@<business day>"; the day has its own column.
    const locationId = document.locationId ?? document.sourceId.split("@")[0] ?? document.sourceId;
    const name = isSource(document.source) ? locationNames[document.source].get(locationId) : undefined;
    return `${channel} sales at ${name ?? `location ${locationId}`}`;
  }
  return `${channel} ${document.kind.startsWith("refund") ? "refund" : "order"} ${shortId(document.sourceId)}`;
}

/** A refund's total is money paid back, so it counts against the day. */
function signedTotal(kind: string, totalMinor: number): number {
  return kind === "refund" ? -totalMinor : totalMinor;
}

const scannedLocationsSchema = z.object({
  shopify: z.array(z.object({ id: z.string(), name: z.string() })),
  square: z.array(z.object({ id: z.string(), name: z.string() })),
});

export async function loadAccountingPage(db: PrismaClient, tenantId: string, now = new Date()): Promise<AccountingPageData> {
  const today = utcDate(now);
  // A business day is the location's own calendar day, so a location east of UTC can already be in tomorrow:
  // read one day ahead, and end the chart there only when that day has something posted.
  const firstDay = addDays(today, -(CHART_DAYS - 1));
  const tomorrow = addDays(today, 1);
  const startOfToday = new Date(`${today}T00:00:00Z`);
  const [connections, syncs, documents, perDay, postedToday, postedThisWeek, failed, pending, lastScan, accountingImports, readsAllOrders] = await Promise.all([
    db.connection.findMany({ where: { tenantId, provider: { in: ["QUICKBOOKS", "SQUARE", "SHOPIFY"] }, status: "ACTIVE" }, select: { provider: true } }),
    db.sync.findMany({
      where: { tenantId, kind: "ACCOUNTING" },
      select: { id: true, enabled: true, settings: true, updatedAt: true, sourceConnection: { select: { provider: true } } },
      orderBy: { updatedAt: "desc" },
    }),
    db.accountingDocument.findMany({ where: { tenantId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: RECENT_DOCUMENTS_SHOWN }),
    db.accountingDocument.groupBy({
      by: ["txnDate", "currency", "kind"],
      where: { tenantId, status: "POSTED", kind: { in: [...CHARTED_KINDS] }, txnDate: { gte: firstDay, lte: tomorrow } },
      _sum: { totalMinor: true },
      _count: { _all: true },
    }),
    db.accountingDocument.count({ where: { tenantId, status: "POSTED", postedAt: { gte: startOfToday } } }),
    db.accountingDocument.count({ where: { tenantId, status: "POSTED", postedAt: { gte: startOfWeek(now) } } }),
    db.accountingDocument.count({ where: { tenantId, status: "FAILED" } }),
    db.accountingDocument.count({ where: { tenantId, status: "PENDING" } }),
    db.inventoryScan.findFirst({ where: { tenantId, status: "DONE" }, orderBy: { createdAt: "desc" }, select: { locations: true } }),
    loadImportProgresses(db, tenantId),
    shopifyReadsAllOrders(db, tenantId),
  ]);

  const syncIds = syncs.map((sync) => sync.id);
  const issues =
    syncIds.length === 0
      ? []
      : await db.syncIssue.findMany({
          where: { tenantId, status: "OPEN", syncId: { in: syncIds } },
          orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }],
          take: 100,
          select: { id: true, message: true, entityType: true, entityRef: true, retriable: true, retryJob: true, occurrences: true, firstSeenAt: true, lastSeenAt: true },
        });

  // Location names as the latest catalog scan read them; the mapping itself only keeps ids.
  const scanned = scannedLocationsSchema.safeParse(lastScan?.locations).data;
  const locationNames: LocationNames = {
    square: new Map(scanned?.square.map((location) => [location.id, location.name]) ?? []),
    shopify: new Map(scanned?.shopify.map((location) => [location.id, location.name]) ?? []),
  };

  // Each channel's sync may carry its own settings; the newest valid mapping is the one shown.
  const mappings = syncs.map((sync) => ({ sync, mapping: accountingMappingSchema.safeParse(sync.settings).data ?? null }));
  const shown = mappings.find((entry) => entry.mapping !== null)?.mapping ?? null;
  const sourceOf = (provider: string): Source | null => (provider === "SQUARE" || provider === "SHOPIFY" ? PROVIDER_SOURCE[provider] : null);
  const modeFor = (source: Source): PostingMode => {
    const own = mappings.find((entry) => sourceOf(entry.sync.sourceConnection.provider) === source && entry.mapping !== null)?.mapping;
    return (own ?? shown)?.posting[source] ?? DEFAULT_POSTING[source];
  };
  const enabledFor = SOURCES.filter((source) => syncs.some((sync) => sync.enabled && sourceOf(sync.sourceConnection.provider) === source));

  return {
    connected: {
      quickbooks: connections.some((connection) => connection.provider === "QUICKBOOKS"),
      square: connections.some((connection) => connection.provider === "SQUARE"),
      shopify: connections.some((connection) => connection.provider === "SHOPIFY"),
    },
    setup: { enabledFor, modes: { square: modeFor("square"), shopify: modeFor("shopify") }, mapping: shown ? summarizeMapping(shown, locationNames) : null },
    postedPerDay: postedSeries(perDay, today, tomorrow),
    documents: documents.map((document) => {
      const status = isDocumentStatus(document.status) ? document.status : "PENDING";
      return {
        id: document.id,
        docNumber: document.docNumber,
        entity: ENTITY_WORDS[document.entity] ?? document.entity,
        purpose: PURPOSE_WORDS[document.kind] ?? document.kind,
        source: isSource(document.source) ? SOURCE_NAMES[document.source] : document.source,
        record: describeSourceRecord(document, locationNames),
        businessDay: document.txnDate,
        amountMinor: signedTotal(document.kind, document.totalMinor),
        currency: document.currency,
        status,
        qboId: status === "POSTED" ? document.qboId : null,
        error: status === "FAILED" ? document.error : null,
        recordedAt: document.createdAt.toISOString(),
      };
    }),
    // The stored retry job stays on the server: the page only needs to know whether Retry applies.
    issues: issues.map((issue) => ({
      id: issue.id,
      message: issue.message,
      record: describeRecord(issue.entityType, issue.entityRef),
      occurrences: issue.occurrences,
      firstSeenAt: issue.firstSeenAt.toISOString(),
      lastSeenAt: issue.lastSeenAt.toISOString(),
      canRetry: issue.retriable && retryJobSchema.safeParse(issue.retryJob).success,
    })),
    counts: { postedToday, postedThisWeek, failed, pending },
    accountingImports,
    // The shop's own day is not known here: the latest zone's (UTC+14) first day in the window is inside it everywhere.
    shopifyImportEarliest: readsAllOrders ? null : { date: earliestShopifyStartDate(now, "Pacific/Kiritimati"), windowDays: SHOPIFY_ORDER_WINDOW_DAYS },
  };
}

function postedSeries(groups: { txnDate: string; currency: string; kind: string; _sum: { totalMinor: number | null }; _count: { _all: number } }[], today: string, tomorrow: string): PostedSeries[] {
  const lastDay = groups.some((group) => group.txnDate === tomorrow) ? tomorrow : today;
  const dates = Array.from({ length: CHART_DAYS }, (_, index) => addDays(lastDay, index - (CHART_DAYS - 1)));
  const byCurrency = new Map<string, { documents: number; totals: Map<string, number> }>();
  for (const group of groups) {
    let series = byCurrency.get(group.currency);
    if (!series) {
      series = { documents: 0, totals: new Map() };
      byCurrency.set(group.currency, series);
    }
    series.documents += group._count._all;
    const amount = signedTotal(group.kind, Number(group._sum.totalMinor ?? 0));
    series.totals.set(group.txnDate, (series.totals.get(group.txnDate) ?? 0) + amount);
  }
  return [...byCurrency.entries()]
    .filter(([, series]) => dates.some((date) => series.totals.has(date)))
    .sort(([codeA, a], [codeB, b]) => b.documents - a.documents || codeA.localeCompare(codeB))
    .map(([currency, series]) => ({ currency, days: dates.map((date) => ({ date, totalMinor: series.totals.get(date) ?? 0 })) }));
}

const postingMode = z.enum(POSTING_MODES);

export const accountingForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("enable"), squareMode: postingMode.optional(), shopifyMode: postingMode.optional() }),
  z.object({ intent: z.literal("disable") }),
  z.object({ intent: z.literal("retry"), issueId: z.uuid() }),
  z.object({ intent: z.literal("dismiss"), issueId: z.uuid() }),
  z.object({ intent: z.literal("import"), source: z.enum(IMPORT_SOURCES), startDate: z.iso.date() }),
]);

export type AccountingActionResult = { ok: boolean; message: string; problems?: string[]; issueId?: string };

/** What the setup functions and Retry need of the job queue. */
export type AccountingQueue = Parameters<typeof enableAccountingSync>[1] & Parameters<typeof disableAccountingSync>[1] & Pick<JobQueue, "send">;

const UNKNOWN_REQUEST = "That action is not known on this page.";

/**
 * Turns the accounting sync on (with each connected channel's posting mode) or off, starts a historical import of
 * Square or Shopify sales from a date, or retries or dismisses one of the tenant's open problems (as the Activity page does). A malformed form gets a 400 and changes nothing.
 */
export async function performAccountingAction(
  db: PrismaClient,
  queue: AccountingQueue,
  merchant: { tenantId: string; actor: string },
  form: Record<string, FormDataEntryValue>,
): Promise<AccountingActionResult | Response> {
  const parsed = accountingForm.safeParse(form);
  if (!parsed.success) return Response.json({ ok: false, message: UNKNOWN_REQUEST } satisfies AccountingActionResult, { status: 400 });
  const { tenantId, actor } = merchant;
  const request = parsed.data;
  switch (request.intent) {
    case "retry":
    case "dismiss":
      return performActivityAction(db, { intent: request.intent, issueId: request.issueId }, { tenantId, actor, send: retryJobSender(queue) });
    case "disable":
      return disableAccountingSync(db, queue, { tenantId, actor });
    case "import": {
      const started = await startAccountingImport(db, queue, { tenantId, actor, source: request.source, startDate: request.startDate });
      return { ok: started.ok, message: started.message };
    }
    case "enable": {
      const connections = await db.connection.findMany({ where: { tenantId, provider: { in: ["QUICKBOOKS", "SQUARE", "SHOPIFY"] }, status: "ACTIVE" }, select: { provider: true } });
      const has = (provider: string) => connections.some((connection) => connection.provider === provider);
      if (!has("QUICKBOOKS") || (!has("SQUARE") && !has("SHOPIFY"))) {
        return { ok: false, message: "Connect QuickBooks Online and at least one of Square or Shopify first, under Connections." };
      }
      // A form from before a channel was disconnected would set up a channel that is gone: say so instead.
      for (const [source, mode] of [["square", request.squareMode], ["shopify", request.shopifyMode]] as const) {
        if (mode && !has(source.toUpperCase())) return { ok: false, message: `${SOURCE_NAMES[source]} is no longer connected. Reload the page to see the current setup.` };
      }
      const modes: { square?: PostingMode; shopify?: PostingMode } = {};
      if (request.squareMode) modes.square = request.squareMode;
      if (request.shopifyMode) modes.shopify = request.shopifyMode;
      return enableAccountingSync(db, queue, { tenantId, actor, modes });
    }
  }
}

import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import type { InventoryMatchReport } from "~/domain/inventory/matching";
import type { JobQueue } from "~/jobs/queue.server";
import type { AlignmentRow, AlignmentSummary } from "~/domain/inventory/alignment";
import { confirmInventoryAlignment, findInventorySync, saveInventorySetup, startInventoryPreview } from "./alignment.server";
import { startInventoryScan } from "./scan-job.server";
import { inventorySyncSettings, MAX_SAFETY_BUFFER, type InventorySyncSettings } from "./settings";

/**
 * The Inventory page's data, the same in both merchant areas: whether both channels are connected, the latest
 * catalog scan (its progress while it runs, its matching report once done) and the inventory sync's state.
 */

/** Rows shown per list; the counts say how many there are in all. */
const ROWS_PER_LIST = 25;

export interface ReportSection {
  key: "matched" | "untracked" | "unmatchedShopify" | "unmatchedSquare" | "duplicateSkusShopify" | "duplicateSkusSquare";
  title: string;
  count: number;
  advice: string;
  /** What each row shows: the SKU (or barcode) and the product's name on each side. */
  rows: { key: string; sku: string; shopify: string; square: string }[];
}

export interface InventoryPageData {
  connected: { shopify: boolean; square: boolean };
  scan: {
    id: string;
    status: string;
    phase: string | null;
    done: number;
    total: number | null;
    error: string | null;
    startedAt: string;
    finishedAt: string | null;
    counts: InventoryMatchReport["counts"] | null;
    sections: ReportSection[];
  } | null;
  /** Both sides' active locations, as the latest finished scan read them, for the merchant to pair. */
  locations: { shopify: { id: string; name: string }[]; square: { id: string; name: string }[] } | null;
  /** The saved setup, or null before the first save. */
  settings: InventorySyncSettings | null;
  /** Location pairs saved but not aligned yet (none linked). */
  unalignedPairs: number;
  alignment: {
    id: string;
    status: string;
    done: number;
    total: number | null;
    error: string | null;
    summary: AlignmentSummary | null;
    /** The rows that will change (or changed), first ROWS_PER_LIST of them. */
    changes: Pick<AlignmentRow, "sku" | "title" | "shopifyLocationId" | "squareLocationId" | "shopify" | "square" | "after">[];
    confirmedAt: string | null;
    finishedAt: string | null;
    applied: { written: number; failed: number; skipped: number } | null;
  } | null;
  sync: { enabled: boolean; linkedLevels: number; lastReconciledAt: string | null } | null;
}

const TITLES: Record<ReportSection["key"], string> = {
  matched: "Matched",
  untracked: "Matched, but stock is not tracked",
  unmatchedShopify: "Only in Shopify",
  unmatchedSquare: "Only in Square",
  duplicateSkusShopify: "SKUs used more than once in Shopify",
  duplicateSkusSquare: "SKUs used more than once in Square",
};

function sectionsOf(report: InventoryMatchReport): ReportSection[] {
  const dash = "—";
  const section = <Entry,>(key: ReportSection["key"], list: { entries: Entry[]; advice: string }, row: (entry: Entry, index: number) => ReportSection["rows"][number]): ReportSection => ({
    key,
    title: TITLES[key],
    count: list.entries.length,
    advice: list.advice,
    rows: list.entries.slice(0, ROWS_PER_LIST).map(row),
  });
  return [
    section("matched", report.matched, (pair) => ({ key: pair.shopify.variantId, sku: pair.shopify.sku ?? pair.shopify.barcode ?? dash, shopify: pair.shopify.title, square: pair.square.name })),
    section("untracked", report.untracked, (pair) => ({ key: pair.shopify.variantId, sku: pair.shopify.sku ?? pair.shopify.barcode ?? dash, shopify: pair.shopify.title, square: pair.square.name })),
    section("unmatchedShopify", report.unmatchedShopify, (variant) => ({ key: variant.variantId, sku: variant.sku ?? dash, shopify: variant.title, square: dash })),
    section("unmatchedSquare", report.unmatchedSquare, (variation) => ({ key: variation.variationId, sku: variation.sku ?? dash, shopify: dash, square: variation.name })),
    section("duplicateSkusShopify", report.duplicateSkusShopify, (duplicate) => ({
      key: `shopify:${duplicate.sku}`,
      sku: duplicate.sku,
      shopify: duplicate.shopifyVariants.map((variant) => variant.title).join(", "),
      square: duplicate.squareVariations.map((variation) => variation.name).join(", ") || dash,
    })),
    section("duplicateSkusSquare", report.duplicateSkusSquare, (duplicate) => ({
      key: `square:${duplicate.sku}`,
      sku: duplicate.sku,
      shopify: duplicate.shopifyVariants.map((variant) => variant.title).join(", ") || dash,
      square: duplicate.squareVariations.map((variation) => variation.name).join(", "),
    })),
  ];
}

export async function loadInventoryPage(db: PrismaClient, tenantId: string): Promise<InventoryPageData> {
  const [connections, scan, lastScanned, sync] = await Promise.all([
    db.connection.findMany({ where: { tenantId, provider: { in: ["SHOPIFY", "SQUARE"] }, status: "ACTIVE" }, select: { provider: true } }),
    db.inventoryScan.findFirst({ where: { tenantId }, orderBy: { createdAt: "desc" } }),
    db.inventoryScan.findFirst({ where: { tenantId, status: "DONE" }, orderBy: { createdAt: "desc" }, select: { locations: true } }),
    findInventorySync(db, tenantId),
  ]);
  const report = scan?.status === "DONE" ? (scan.report as unknown as InventoryMatchReport | null) : null;
  const settings = sync ? (inventorySyncSettings.safeParse(sync.settings).data ?? null) : null;
  const [linkedLevels, lastRun, linkedPairs, alignment] = sync
    ? await Promise.all([
        db.inventoryLevelLink.count({ where: { tenantId, syncId: sync.id } }),
        db.syncRun.findFirst({ where: { tenantId, syncId: sync.id, kind: "inventory.reconcile", status: { not: "RUNNING" } }, orderBy: { startedAt: "desc" }, select: { finishedAt: true } }),
        db.inventoryLevelLink.groupBy({ by: ["shopifyLocationId", "squareLocationId"], where: { tenantId, syncId: sync.id } }),
        db.inventoryAlignment.findFirst({ where: { tenantId, syncId: sync.id, status: { not: "SUPERSEDED" } }, orderBy: { createdAt: "desc" } }),
      ])
    : [0, null, [], null];
  const linked = new Set(linkedPairs.map((pair) => `${pair.shopifyLocationId}|${pair.squareLocationId}`));
  const scannedLocations = lastScanned?.locations as { shopify: { id: string; name: string }[]; square: { id: string; name: string }[] } | null | undefined;
  const rows = alignment && Array.isArray(alignment.rows) ? (alignment.rows as unknown as AlignmentRow[]) : [];
  const summary = alignment?.summary as (AlignmentSummary & { applied?: { written: number; failed: number; skipped: number } }) | null | undefined;
  return {
    connected: { shopify: connections.some((connection) => connection.provider === "SHOPIFY"), square: connections.some((connection) => connection.provider === "SQUARE") },
    scan: scan
      ? {
          id: scan.id,
          status: scan.status,
          phase: scan.phase,
          done: scan.done,
          total: scan.total,
          error: scan.error,
          startedAt: scan.createdAt.toISOString(),
          finishedAt: scan.finishedAt?.toISOString() ?? null,
          counts: report?.counts ?? null,
          sections: report ? sectionsOf(report) : [],
        }
      : null,
    locations: scannedLocations
      ? { shopify: scannedLocations.shopify.map(({ id, name }) => ({ id, name })), square: scannedLocations.square.map(({ id, name }) => ({ id, name })) }
      : null,
    settings,
    unalignedPairs: settings ? settings.locations.filter((pair) => !linked.has(`${pair.shopifyLocationId}|${pair.squareLocationId}`)).length : 0,
    alignment: alignment
      ? {
          id: alignment.id,
          status: alignment.status,
          done: alignment.done,
          total: alignment.total,
          error: alignment.error,
          summary: summary && typeof summary.rows === "number" ? { rows: summary.rows, inStep: summary.inStep, changeShopify: summary.changeShopify, changeSquare: summary.changeSquare, notStocked: summary.notStocked } : null,
          changes: rows
            .filter((row) => row.action === "change-shopify" || row.action === "change-square")
            .slice(0, ROWS_PER_LIST)
            .map(({ sku, title, shopifyLocationId, squareLocationId, shopify, square, after }) => ({ sku, title, shopifyLocationId, squareLocationId, shopify, square, after })),
          confirmedAt: alignment.confirmedAt?.toISOString() ?? null,
          finishedAt: alignment.finishedAt?.toISOString() ?? null,
          applied: summary?.applied ?? null,
        }
      : null,
    sync: sync ? { enabled: sync.enabled, linkedLevels, lastReconciledAt: lastRun?.finishedAt?.toISOString() ?? null } : null,
  };
}

const checkbox = z.enum(["on", "true"]).optional().transform((value) => value !== undefined);

/** The setup form: `square:<Shopify location id>` names the paired Square location ("" for none), `buffer:<id>` its buffer. */
function locationPairsOf(form: Record<string, unknown>): { shopifyLocationId: string; squareLocationId: string; buffer: number }[] | string {
  const pairs: { shopifyLocationId: string; squareLocationId: string; buffer: number }[] = [];
  for (const [name, value] of Object.entries(form)) {
    if (!name.startsWith("square:") || typeof value !== "string" || value === "") continue;
    const shopifyLocationId = name.slice("square:".length);
    const rawBuffer = form[`buffer:${shopifyLocationId}`];
    const buffer = rawBuffer === undefined || rawBuffer === "" ? 0 : Number(rawBuffer);
    if (!Number.isInteger(buffer) || buffer < 0 || buffer > MAX_SAFETY_BUFFER) return `A buffer is a whole number of units from 0 to ${MAX_SAFETY_BUFFER.toLocaleString("en-US")}.`;
    pairs.push({ shopifyLocationId, squareLocationId: value, buffer });
  }
  return pairs;
}

export const inventoryForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("scan") }),
  z.object({ intent: z.literal("preview") }),
  z.object({ intent: z.literal("confirm"), alignmentId: z.uuid() }),
  z
    .object({
      intent: z.literal("setup"),
      direction: z.enum(["both", "shopify_to_square", "square_to_shopify"]),
      conflictWinner: z.enum(["square", "shopify"]),
      caseInsensitiveSkus: checkbox,
    })
    .loose(),
]);

export type InventoryActionResult = { ok: boolean; message: string };

export async function performInventoryAction(
  db: PrismaClient,
  queue: Pick<JobQueue, "send" | "boss">,
  merchant: { tenantId: string; actor: string },
  form: Record<string, unknown>,
): Promise<InventoryActionResult> {
  const parsed = inventoryForm.safeParse(form);
  if (!parsed.success) return { ok: false, message: "That action is not known on this page." };
  const { tenantId, actor } = merchant;
  const connected = await db.connection.count({ where: { tenantId, provider: { in: ["SHOPIFY", "SQUARE"] }, status: "ACTIVE" } });
  if (connected < 2) return { ok: false, message: "Connect both Shopify and Square first, under Connections." };
  switch (parsed.data.intent) {
    case "scan":
      await startInventoryScan(db, queue, tenantId);
      return { ok: true, message: "Scanning both catalogs. This page shows the progress." };
    case "setup": {
      const locations = locationPairsOf(form);
      if (typeof locations === "string") return { ok: false, message: locations };
      const { direction, conflictWinner, caseInsensitiveSkus } = parsed.data;
      const outcome = await saveInventorySetup(db, queue, { tenantId, actor, settings: { direction, conflictWinner, caseInsensitiveSkus, locations } });
      if (!outcome.ok) return outcome;
      const unlinked = outcome.unlinkedLevels > 0 ? ` ${outcome.unlinkedLevels.toLocaleString("en-US")} items at locations no longer paired stopped syncing.` : "";
      return { ok: true, message: `Saved.${unlinked}` };
    }
    case "preview": {
      const outcome = await startInventoryPreview(db, queue, tenantId);
      return outcome.ok ? { ok: true, message: "Reading your stock on both channels. Nothing is changed until you confirm." } : outcome;
    }
    case "confirm": {
      const outcome = await confirmInventoryAlignment(db, queue, { tenantId, alignmentId: parsed.data.alignmentId, actor });
      return outcome.ok ? { ok: true, message: `Aligning ${outcome.levels.toLocaleString("en-US")} items, then keeping them in step.` } : outcome;
    }
  }
}

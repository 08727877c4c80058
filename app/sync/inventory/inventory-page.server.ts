import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import type { InventoryMatchReport } from "~/domain/inventory/matching";
import type { JobQueue } from "~/jobs/queue.server";
import { startInventoryScan } from "./scan-job.server";

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
  const [connections, scan, sync] = await Promise.all([
    db.connection.findMany({ where: { tenantId, provider: { in: ["SHOPIFY", "SQUARE"] }, status: "ACTIVE" }, select: { provider: true } }),
    db.inventoryScan.findFirst({ where: { tenantId }, orderBy: { createdAt: "desc" } }),
    db.sync.findFirst({ where: { tenantId, kind: "INVENTORY" }, select: { id: true, enabled: true } }),
  ]);
  const report = scan?.status === "DONE" ? (scan.report as unknown as InventoryMatchReport | null) : null;
  const [linkedLevels, lastRun] = sync
    ? await Promise.all([
        db.inventoryLevelLink.count({ where: { tenantId, syncId: sync.id } }),
        db.syncRun.findFirst({ where: { tenantId, syncId: sync.id, kind: "inventory.reconcile", status: { not: "RUNNING" } }, orderBy: { startedAt: "desc" }, select: { finishedAt: true } }),
      ])
    : [0, null];
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
    sync: sync ? { enabled: sync.enabled, linkedLevels, lastReconciledAt: lastRun?.finishedAt?.toISOString() ?? null } : null,
  };
}

export const inventoryForm = z.object({ intent: z.literal("scan") });

export type InventoryActionResult = { ok: boolean; message: string };

export async function performInventoryAction(db: PrismaClient, queue: Pick<JobQueue, "send">, tenantId: string, form: Record<string, unknown>): Promise<InventoryActionResult> {
  const parsed = inventoryForm.safeParse(form);
  if (!parsed.success) return { ok: false, message: "That action is not known on this page." };
  const connected = await db.connection.count({ where: { tenantId, provider: { in: ["SHOPIFY", "SQUARE"] }, status: "ACTIVE" } });
  if (connected < 2) return { ok: false, message: "Connect both Shopify and Square first, under Connections." };
  await startInventoryScan(db, queue, tenantId);
  return { ok: true, message: "Scanning both catalogs. This page shows the progress." };
}

import type { PrismaClient } from "~/db.server";
import { defaultMapping, missingMappings, type MappingNeeds, type PostingMode } from "~/domain/accounting/mapping";
import type { Source } from "~/domain/accounting/source-sale";
import type { Prisma } from "~/generated/prisma/client";
import { readCompanySnapshot } from "~/integrations/quickbooks/accounting.server";
import { quickBooksAccount } from "~/integrations/quickbooks/api-client.server";
import { ConnectionAuthorizationError, RateLimitedError, TransientError } from "~/jobs/errors";
import type { JobQueue } from "~/jobs/queue.server";
import { createSync, scheduleReconciliation } from "~/sync/schedules.server";
import { DAILY_SUMMARY_GRACE_MINUTES, startDailySummaries } from "./daily-summaries.server";
import { ACCOUNTING_RECONCILIATION_CRON } from "./reconciliation.server";
import { accountingSyncSettings, type AccountingSyncSettings } from "./settings";

/**
 * Turning the accounting sync on and off. Each channel (Square, Shopify) has its own sync into QuickBooks. Turning
 * one on reads the QuickBooks company, starts from the default mapping (decision 010: Undeposited Funds, the
 * company's payment methods, automated sales tax...) or the mapping already saved, and refuses, saying what is
 * missing, when a typical sale could not be posted with it: the sync stays off until it can.
 */

export type AccountingSetupResult = { ok: true; message: string } | { ok: false; message: string; problems?: string[] };

const PROVIDERS: Record<Source, "SQUARE" | "SHOPIFY"> = { square: "SQUARE", shopify: "SHOPIFY" };

/** What a typical sale of the channel needs mapped: card and cash, tax, discounts, tips, fees (and Shopify's shipping). */
function typicalNeeds(source: Source, company: MappingNeeds["company"]): MappingNeeds {
  return {
    sources: [source],
    tenders: [{ kind: "card" }, { kind: "cash" }],
    locations: [],
    currencies: [company.homeCurrency],
    skus: [],
    linesWithoutSku: true,
    shipping: source === "shopify",
    tips: true,
    serviceCharges: false,
    giftCardSales: false,
    discounts: true,
    fees: true,
    adjustments: false,
    tax: true,
    splitOrLiabilityTenders: true,
    company,
  };
}

export async function enableAccountingSync(
  db: PrismaClient,
  queue: Pick<JobQueue, "send" | "boss">,
  input: { tenantId: string; actor: string; modes: { square?: PostingMode; shopify?: PostingMode } },
): Promise<AccountingSetupResult> {
  const sources = (Object.keys(input.modes) as Source[]).filter((source) => input.modes[source]);
  if (sources.length === 0) return { ok: false, message: "Choose Square, Shopify or both to post to QuickBooks." };
  const connections = await db.connection.findMany({ where: { tenantId: input.tenantId, status: "ACTIVE" }, select: { id: true, provider: true } });
  const quickBooks = connections.find((connection) => connection.provider === "QUICKBOOKS");
  if (!quickBooks) return { ok: false, message: "Connect QuickBooks first, under Connections." };

  let company;
  try {
    company = await readCompanySnapshot(db, await quickBooksAccount(db, input.tenantId));
  } catch (error) {
    if (error instanceof ConnectionAuthorizationError) return { ok: false, message: "QuickBooks no longer accepts Tillbridge's access. Reconnect it under Connections, then turn accounting on." };
    if (error instanceof RateLimitedError || error instanceof TransientError) return { ok: false, message: "QuickBooks did not answer just now. Try again in a minute." };
    throw error;
  }

  const existing = await db.sync.findMany({
    where: { tenantId: input.tenantId, kind: "ACCOUNTING" },
    select: { id: true, enabled: true, settings: true, cursors: true, sourceConnection: { select: { provider: true } } },
  });
  const saved = existing.map((sync) => accountingSyncSettings.safeParse(sync.settings).data).find((settings): settings is AccountingSyncSettings => settings !== undefined);
  const base = saved ?? { ...defaultMapping(company), company: { homeCurrency: company.homeCurrency, multiCurrencyEnabled: company.multiCurrencyEnabled, automatedSalesTax: company.automatedSalesTax } };
  const settings: AccountingSyncSettings = { ...base, posting: { ...base.posting, ...input.modes } };
  const problems = sources.flatMap((source) => missingMappings(settings, typicalNeeds(source, settings.company)).map((problem) => problem.message));
  if (problems.length > 0) return { ok: false, message: "Accounting stays off until QuickBooks has what Tillbridge needs:", problems: [...new Set(problems)] };

  for (const source of sources) {
    const channel = connections.find((connection) => connection.provider === PROVIDERS[source]);
    if (!channel) return { ok: false, message: `Connect ${source === "square" ? "Square" : "Shopify"} first, under Connections.` };
  }
  await db.$transaction(async (tx) => {
    for (const source of sources) {
      const channel = connections.find((connection) => connection.provider === PROVIDERS[source])!;
      const found = existing.find((sync) => sync.sourceConnection.provider === PROVIDERS[source]);
      const sync = found ?? (await createSync(tx, queue, { tenantId: input.tenantId, kind: "ACCOUNTING", sourceConnectionId: channel.id, targetConnectionId: quickBooks.id, reconciliationCron: ACCOUNTING_RECONCILIATION_CRON }));
      // A sync made before reconciliation was daily keeps its old schedule otherwise.
      if (found) await scheduleReconciliation(tx, queue, { id: found.id, tenantId: input.tenantId }, ACCOUNTING_RECONCILIATION_CRON);
      // Daily summaries start with the day they are turned on; a sync already summarizing keeps its place, so
      // a day that closed a moment ago is still summarized.
      const alreadySummarizing = found?.enabled === true && accountingSyncSettings.safeParse(found.settings).data?.posting[source] === "daily_summary";
      const startsSummaries = settings.posting[source] === "daily_summary" && !alreadySummarizing;
      await tx.sync.update({
        where: { id: sync.id },
        data: { settings: settings as unknown as Prisma.InputJsonValue, enabled: true, ...(startsSummaries && { cursors: startDailySummaries(found?.cursors ?? sync.cursors, new Date(), source) }) },
      });
    }
    await tx.auditLog.create({
      data: { tenantId: input.tenantId, actorType: "MERCHANT", actorId: input.actor, action: "accounting.enabled", details: { modes: input.modes, homeCurrency: settings.company.homeCurrency } },
    });
  });
  const perOrder = sources.filter((source) => settings.posting[source] === "per_order").map((source) => (source === "square" ? "Square" : "Shopify"));
  const parts = [
    perOrder.length > 0 && `every paid ${perOrder.join(" and ")} order is posted to QuickBooks as it happens`,
    sources.includes("square") && settings.posting.square === "daily_summary" && `Square sales are posted as one journal entry per location and day, ${DAILY_SUMMARY_GRACE_MINUTES} minutes after the day ends at that location`,
    sources.includes("shopify") &&
      settings.posting.shopify === "daily_summary" &&
      `Shopify sales are posted as one journal entry per day for the online store and for each point-of-sale location, ${DAILY_SUMMARY_GRACE_MINUTES} minutes after the day ends in your shop's time zone`,
  ].filter((part): part is string => Boolean(part));
  return { ok: true, message: `Accounting is on: ${parts.join("; ")}.` };
}

export async function disableAccountingSync(db: PrismaClient, _queue: Pick<JobQueue, "send" | "boss">, input: { tenantId: string; actor: string }): Promise<AccountingSetupResult> {
  const changed = await db.sync.updateMany({ where: { tenantId: input.tenantId, kind: "ACCOUNTING", enabled: true }, data: { enabled: false } });
  if (changed.count > 0) {
    await db.auditLog.create({ data: { tenantId: input.tenantId, actorType: "MERCHANT", actorId: input.actor, action: "accounting.disabled", details: {} } });
  }
  return { ok: true, message: "Accounting is off. Nothing more is posted to QuickBooks until you turn it on again." };
}

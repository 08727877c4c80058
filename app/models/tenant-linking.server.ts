import { createHash, randomInt } from "node:crypto";
import { getConfig } from "~/config.server";
import type { Prisma, PrismaClient } from "~/db.server";
import type { Provider } from "~/generated/prisma/client";
import { providerLabel } from "./connections.server";

/**
 * Joining a Square-first tenant and a Shopify tenant into one: the Square merchant area shows a one-time code,
 * the merchant enters it in the embedded Shopify app. Proof of both sides comes from the two sessions (a Square
 * sign-in shows the code, a Shopify admin session enters it), so a code is short-lived (ten minutes unless
 * LINK_CODE_LIFETIME_SECONDS says otherwise), usable
 * once, stored only as a hash, and a tenant that enters five wrong codes in fifteen minutes must wait.
 *
 * The tenant holding the Shopify store survives (the embedded app finds its tenant by shop); the other one's
 * connections, history and sessions move into it and it is deleted.
 */

const MAX_REFUSALS = 5;
const REFUSAL_WINDOW_MS = 15 * 60 * 1000;
// No 0/O, 1/I/L: a code is read off one screen and typed into another.
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 8;

/** Every table whose rows belong to a tenant, moved when two tenants are joined (a test checks the list is complete). */
export const TENANT_SCOPED_TABLES = [
  "Session",
  "Connection",
  "Sync",
  "Mapping",
  "EntityLink",
  "WebhookEvent",
  "SyncRun",
  "SyncIssue",
  "AuditLog",
  "OAuthState",
  "MerchantSession",
  "LinkCode",
  "InventoryLevelLink",
  "InventoryScan",
  "InventoryAlignment",
  "AccountingDocument",
  "AccountingImport",
  "PausedJob",
] as const;

function hashCode(normalized: string): string {
  return createHash("sha256").update(`link-code:${normalized}`).digest("hex");
}

/** Upper case, without spaces or dashes; null when it cannot be a code at all. */
export function normalizeLinkCode(input: string): string | null {
  const normalized = input.toUpperCase().replace(/[\s-]/g, "");
  if (normalized.length !== CODE_LENGTH) return null;
  return [...normalized].every((char) => CODE_ALPHABET.includes(char)) ? normalized : null;
}

/** A new code for the tenant (any earlier one stops working), formatted for reading: "ABCD-EFGH". */
export async function createLinkCode(db: PrismaClient, input: { tenantId: string; actor: string }, now = new Date()): Promise<{ code: string; expiresAt: Date }> {
  const code = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
  const expiresAt = new Date(now.getTime() + getConfig().linkCodeLifetimeMs);
  await db.$transaction([
    db.linkCode.deleteMany({ where: { OR: [{ tenantId: input.tenantId }, { expiresAt: { lt: now } }] } }),
    db.linkCode.create({ data: { codeHash: hashCode(code), tenantId: input.tenantId, createdBy: input.actor, expiresAt } }),
    db.auditLog.create({ data: { tenantId: input.tenantId, actorType: "MERCHANT", actorId: input.actor, action: "tenant.link_code_created" } }),
  ]);
  return { code: `${code.slice(0, 4)}-${code.slice(4)}`, expiresAt };
}

export type LinkOutcome = { ok: true; survivorTenantId: string; joinedName: string } | { ok: false; message: string };

class LinkRefused extends Error {
  constructor(
    message: string,
    /** A refusal that counts towards the wrong-code limit (guessing), as opposed to a conflict to sort out. */
    readonly counts: boolean,
  ) {
    super(message);
  }
}

/** Enters a code shown by the other merchant area. Refusals say what to do; nothing changes unless it succeeds. */
export async function redeemLinkCode(db: PrismaClient, input: { tenantId: string; code: string; actor: string }, now = new Date()): Promise<LinkOutcome> {
  const refusals = await db.auditLog.count({
    where: { tenantId: input.tenantId, action: "tenant.link_refused", createdAt: { gt: new Date(now.getTime() - REFUSAL_WINDOW_MS) }, details: { path: ["counts"], equals: true } },
  });
  if (refusals >= MAX_REFUSALS) {
    return { ok: false, message: "Too many codes that did not work. For your security, wait 15 minutes before trying again." };
  }
  try {
    return await db.$transaction(async (tx) => joinTenants(tx, input, now));
  } catch (error) {
    if (!(error instanceof LinkRefused)) throw error;
    await db.auditLog.create({
      data: { tenantId: input.tenantId, actorType: "MERCHANT", actorId: input.actor, action: "tenant.link_refused", details: { reason: error.message, counts: error.counts } },
    });
    return { ok: false, message: error.message };
  }
}

async function joinTenants(tx: Prisma.TransactionClient, input: { tenantId: string; code: string; actor: string }, now: Date): Promise<LinkOutcome> {
  const normalized = normalizeLinkCode(input.code);
  if (!normalized) throw new LinkRefused("That is not a link code. A code has eight letters and digits, like ABCD-EF23.", true);
  // Deleted as it is read, so a code joins once; a refusal below rolls the transaction back and the code stays.
  const [found] = await tx.$queryRaw<{ tenantId: string; expiresAt: Date }[]>`
    DELETE FROM "LinkCode" WHERE "codeHash" = ${hashCode(normalized)} RETURNING "tenantId"::text AS "tenantId", "expiresAt"`;
  if (!found) throw new LinkRefused("That code is not valid. Check it, or show a new code in the Square area of Tillbridge.", true);
  if (found.expiresAt.getTime() <= now.getTime()) throw new LinkRefused("That code has expired. Show a new code in the Square area of Tillbridge.", true);
  if (found.tenantId === input.tenantId) throw new LinkRefused("That code was shown by this same account. Enter it in the other app.", false);

  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('tenant-link', 0))`;
  const tenants = await tx.tenant.findMany({
    where: { id: { in: [found.tenantId, input.tenantId] } },
    include: { connections: { select: { id: true, provider: true, status: true, displayName: true } } },
  });
  const hasLive = (tenant: (typeof tenants)[number], provider: Provider) => tenant.connections.some((c) => c.provider === provider && c.status !== "DISCONNECTED");
  const withShopify = tenants.filter((tenant) => hasLive(tenant, "SHOPIFY"));
  if (tenants.length !== 2) throw new LinkRefused("That code's account no longer exists. Show a new code in the Square area of Tillbridge.", false);
  if (withShopify.length !== 1) {
    throw new LinkRefused(
      withShopify.length === 2
        ? "Both accounts already have a Shopify store. A Tillbridge account holds one store; a code joins a Square account with a Shopify store."
        : "A code joins a Square account with a Shopify store, and neither account has a Shopify store installed.",
      false,
    );
  }
  const survivor = withShopify[0]!;
  const joined = tenants.find((tenant) => tenant.id !== survivor.id)!;
  for (const provider of ["SQUARE", "QUICKBOOKS"] as const) {
    if (hasLive(survivor, provider) && hasLive(joined, provider)) {
      throw new LinkRefused(
        `Both accounts have ${providerLabel(provider)} connected. Disconnect ${providerLabel(provider)} in one of them first, then link again.`,
        false,
      );
    }
  }
  // A disconnected connection row would collide with the other tenant's live one on (tenant, provider); its
  // history is in the audit log, so the row can go.
  for (const tenant of [survivor, joined]) {
    const other = tenant === survivor ? joined : survivor;
    for (const stale of tenant.connections.filter((c) => c.status === "DISCONNECTED" && other.connections.some((o) => o.provider === c.provider))) {
      await tx.connection.delete({ where: { id: stale.id } });
    }
  }
  await tx.syncIssue.deleteMany({
    where: { tenantId: joined.id, key: { in: (await tx.syncIssue.findMany({ where: { tenantId: survivor.id }, select: { key: true } })).map((issue) => issue.key) } },
  });
  // A paused job names its tenant in its payload: it runs for the account that remains.
  await tx.$executeRaw`UPDATE "PausedJob" SET "payload" = jsonb_set("payload", '{tenantId}', to_jsonb(${survivor.id}::text)) WHERE "tenantId" = ${joined.id}::uuid AND "payload" ? 'tenantId'`;
  for (const table of TENANT_SCOPED_TABLES) {
    await tx.$executeRawUnsafe(`UPDATE "${table}" SET "tenantId" = $1::uuid WHERE "tenantId" = $2::uuid`, survivor.id, joined.id);
  }
  await tx.tenant.delete({ where: { id: joined.id } });
  await tx.auditLog.create({
    data: {
      tenantId: survivor.id,
      actorType: "MERCHANT",
      actorId: input.actor,
      action: "tenant.linked",
      target: joined.id,
      details: { joinedTenantName: joined.name, joinedOrigin: joined.origin },
    },
  });
  return { ok: true, survivorTenantId: survivor.id, joinedName: joined.name };
}

import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import type { ConnectionOverview } from "~/components/OverviewCards";
import type { ConnectionStatus, Provider } from "~/generated/prisma/client";
import { listConnections } from "~/models/connections.server";
import { disconnect, startConnection, testConnection } from "./flow.server";
import { AUTHORIZATION_WARNING_MS } from "./types";

/**
 * What both merchant areas' Connections pages show and do (the embedded Shopify app and the Square merchant
 * area differ only in who the merchant is and where the vendor's consent page sends them back).
 */

export interface ConnectionSummary {
  status: ConnectionStatus;
  account: string;
  scopes: string[];
  lastCheckedAt: string | null;
  lastError: string | null;
  refreshTokenExpiresAt: string | null;
  /** The authorization ends for good within the warning period: the page asks for a reconnect. */
  authorizationEndsSoon: boolean;
}

export async function summarizeConnections(db: PrismaClient, tenantId: string, now = new Date()): Promise<Record<"shopify" | "square" | "quickbooks", ConnectionSummary | null>> {
  const connections = await listConnections(db, tenantId);
  const summary = (provider: Provider): ConnectionSummary | null => {
    const connection = connections.find((candidate) => candidate.provider === provider);
    return connection
      ? {
          status: connection.status,
          account: connection.displayName ?? connection.externalId,
          scopes: connection.scopes,
          lastCheckedAt: connection.lastCheckedAt?.toISOString() ?? null,
          lastError: connection.lastError,
          refreshTokenExpiresAt: connection.refreshTokenExpiresAt?.toISOString() ?? null,
          authorizationEndsSoon: connection.refreshTokenExpiresAt !== null && connection.refreshTokenExpiresAt.getTime() - now.getTime() < AUTHORIZATION_WARNING_MS,
        }
      : null;
  };
  return { shopify: summary("SHOPIFY"), square: summary("SQUARE"), quickbooks: summary("QUICKBOOKS") };
}

const OVERVIEW_PROVIDERS = [
  { provider: "SHOPIFY", name: "Shopify", role: "Online store: orders, products and stock" },
  { provider: "SQUARE", name: "Square", role: "Point of sale: in-store sales and stock" },
  { provider: "QUICKBOOKS", name: "QuickBooks Online", role: "Books: sales receipts, refunds and fees" },
] as const;

/** One line per vendor for the Overview pages, including the ones not connected yet. */
export async function overviewConnections(db: PrismaClient, tenantId: string): Promise<ConnectionOverview[]> {
  const connections = await listConnections(db, tenantId);
  return OVERVIEW_PROVIDERS.map(({ provider, name, role }) => {
    const connection = connections.find((candidate) => candidate.provider === provider);
    return { provider, name, role, status: connection?.status ?? "NOT_CONNECTED", account: connection?.displayName ?? null };
  });
}

export const connectionForm = z.object({
  intent: z.enum(["connect", "disconnect", "test"]),
  provider: z.enum(["SQUARE", "QUICKBOOKS"]),
});

export type ConnectionActionResult = { authorizeUrl?: string; message?: string; ok?: boolean; error?: string };

/** Connect (returns the consent page's URL), disconnect or test; a form that is not one of these gets a 400. */
export async function performConnectionAction(
  db: PrismaClient,
  form: Record<string, FormDataEntryValue>,
  who: { tenantId: string; actor: string; returnTo: string },
): Promise<ConnectionActionResult | Response> {
  const parsed = connectionForm.safeParse(form);
  if (!parsed.success) return Response.json({ error: "Unknown request." }, { status: 400 });
  const { intent, provider } = parsed.data;
  if (intent === "connect") {
    return { authorizeUrl: await startConnection(db, { tenantId: who.tenantId, provider, actor: who.actor, returnTo: who.returnTo }) };
  }
  if (intent === "disconnect") {
    await disconnect(db, { tenantId: who.tenantId, provider, actor: who.actor });
    return { message: provider === "SQUARE" ? "Square is disconnected." : "QuickBooks is disconnected." };
  }
  const health = await testConnection(db, { tenantId: who.tenantId, provider });
  return { message: health.detail, ok: health.ok };
}

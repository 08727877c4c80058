import { getConfig } from "~/config.server";
import type { PrismaClient } from "~/db.server";
import { resumePausedJobs } from "~/jobs/paused-jobs.server";
import { quickBooksConnector } from "~/integrations/quickbooks/connector.server";
import { squareConnector } from "~/integrations/square/connector.server";
import {
  ConnectionBelongsToAnotherTenantError,
  markConnectionDisconnected,
  markConnectionNeedsReauth,
  providerLabel,
  readConnectionCredentials,
  saveConnectionCredentials,
} from "~/models/connections.server";
import type { SendRetryJob } from "~/models/sync-issues.server";
import { signInSquareTenant } from "~/models/tenants.server";
import { logger } from "~/observability/logger.server";
import { consumeOAuthState, createOAuthState, OAuthStateError } from "~/security/oauth-state.server";
import { getKeyRing } from "~/security/key-ring.server";
import type { ConnectionHealth, VendorConnector } from "./types";

/**
 * Connecting, checking and disconnecting Square and QuickBooks, the same way for both: a state bound to the
 * tenant and the person, the vendor's consent page, the callback that stores sealed tokens, and clean exits.
 */

export type ConnectableProvider = "SQUARE" | "QUICKBOOKS";

const connectors: Record<ConnectableProvider, VendorConnector<never>> = {
  SQUARE: squareConnector as VendorConnector<never>,
  QUICKBOOKS: quickBooksConnector as VendorConnector<never>,
};

export async function startConnection(
  db: PrismaClient,
  input: { tenantId: string; provider: ConnectableProvider; actor: string; returnTo: string },
): Promise<string> {
  const state = await createOAuthState(db, input);
  return connectors[input.provider].authorizeUrl(state);
}

/** The Square merchant area's sign-in (and the Square App Marketplace install): Square's consent page first. */
export async function startSquareSignIn(db: PrismaClient): Promise<string> {
  const state = await createOAuthState(db, { tenantId: null, provider: "SQUARE", purpose: "SQUARE_SIGN_IN", actor: "square-sign-in", returnTo: "/square" });
  return squareConnector.authorizeUrl(state);
}

export type ConnectionOutcome =
  | { ok: true; returnTo: string; account: string; signedIn?: { tenantId: string; squareMerchantId: string; installed: boolean } }
  | { ok: false; title: string; message: string; returnTo: string | null };

/**
 * Handles the vendor's redirect back. Never throws for what a merchant can cause: it says what happened.
 * With `resumeJobs`, the jobs that stopped when the tenant's authorization was lost are sent again through it.
 */
export async function completeConnection(db: PrismaClient, provider: ConnectableProvider, callbackUrl: URL, options: { resumeJobs?: SendRetryJob } = {}): Promise<ConnectionOutcome> {
  const label = providerLabel(provider);
  const failureTitle = (purpose: string) => (purpose === "SQUARE_SIGN_IN" ? "You are not signed in" : `${label} was not connected`);
  let flow: Awaited<ReturnType<typeof consumeOAuthState>>;
  try {
    flow = await consumeOAuthState(db, { state: callbackUrl.searchParams.get("state"), provider });
  } catch (error) {
    if (error instanceof OAuthStateError) return { ok: false, title: `${label} was not connected`, message: error.message, returnTo: null };
    throw error;
  }
  if (callbackUrl.searchParams.get("error") && flow.purpose === "SQUARE_SIGN_IN") {
    return {
      ok: false,
      title: failureTitle(flow.purpose),
      message: "You declined on Square's page, so Tillbridge was not given access and nothing was created. Sign in with Square again whenever you are ready.",
      returnTo: "/square/sign-in",
    };
  }
  if (callbackUrl.searchParams.get("error")) {
    return {
      ok: false,
      title: `${label} was not connected`,
      message: `You declined the connection on ${label}'s page, so nothing was connected and nothing changed. You can connect ${label} at any time from Connections.`,
      returnTo: flow.returnTo,
    };
  }
  try {
    const account = await connectors[provider].completeAuthorization(callbackUrl);
    if (flow.purpose === "SQUARE_SIGN_IN") {
      const { tenantId, installed } = await signInSquareTenant(db, getKeyRing(getConfig()), account);
      logger.info({ tenantId, installed, account: account.externalId }, installed ? "tenant installed from Square" : "merchant signed in with Square");
      await resumeAfterReconnect(db, options.resumeJobs, { tenantId, provider });
      return { ok: true, returnTo: flow.returnTo, account: account.displayName, signedIn: { tenantId, squareMerchantId: account.externalId, installed } };
    }
    if (!flow.tenantId) throw new Error("A connection state without a tenant");
    await saveConnectionCredentials(db, getKeyRing(getConfig()), { ...account, tenantId: flow.tenantId, provider, actor: flow.actor });
    logger.info({ tenantId: flow.tenantId, provider, account: account.externalId }, "connection established");
    await resumeAfterReconnect(db, options.resumeJobs, { tenantId: flow.tenantId, provider });
    return { ok: true, returnTo: flow.returnTo, account: account.displayName };
  } catch (error) {
    if (error instanceof ConnectionBelongsToAnotherTenantError) {
      return {
        ok: false,
        title: failureTitle(flow.purpose),
        message: `${error.message} An account can belong to one Tillbridge account at a time. Disconnect it there first, or contact support to move it.`,
        returnTo: flow.returnTo,
      };
    }
    logger.error({ err: error, tenantId: flow.tenantId, provider, purpose: flow.purpose }, "connection could not be completed");
    return {
      ok: false,
      title: failureTitle(flow.purpose),
      message: `${label} did not complete the connection (the approval may have expired). Nothing was stored. Please try connecting again.`,
      returnTo: flow.returnTo,
    };
  }
}

/** The connection is stored either way: a failure to send its paused jobs is logged, and a later reconciliation sends them. */
async function resumeAfterReconnect(db: PrismaClient, send: SendRetryJob | undefined, input: { tenantId: string; provider: ConnectableProvider }): Promise<void> {
  if (!send) return;
  try {
    await resumePausedJobs(db, send, input);
  } catch (error) {
    logger.error({ err: error, ...input }, "paused jobs were not sent again after reconnecting");
  }
}

/** Revokes upstream where possible (a failure there does not keep the tokens), then deletes the tokens locally. */
export async function disconnect(db: PrismaClient, input: { tenantId: string; provider: ConnectableProvider; actor: string }): Promise<void> {
  const stored = await readConnectionCredentials<never>(db, getKeyRing(getConfig()), input.tenantId, input.provider);
  let reason = "disconnected by the merchant";
  if (stored) {
    try {
      await connectors[input.provider].revoke(stored.credentials);
    } catch (error) {
      reason = "disconnected by the merchant; the vendor did not confirm the revocation";
      logger.warn({ err: error, tenantId: input.tenantId, provider: input.provider }, "upstream revoke failed; disconnecting locally anyway");
    }
  }
  await markConnectionDisconnected(db, { ...input, reason });
}

/** "Test connection": asks the vendor, records when and what it said, and flags a lost authorization. */
export async function testConnection(db: PrismaClient, input: { tenantId: string; provider: ConnectableProvider }): Promise<ConnectionHealth> {
  const stored = await readConnectionCredentials<never>(db, getKeyRing(getConfig()), input.tenantId, input.provider);
  if (!stored) return { ok: false, detail: `${providerLabel(input.provider)} is not connected.`, authorizationLost: false };
  const health = await connectors[input.provider].checkHealth(stored.credentials);
  await db.connection.update({ where: { id: stored.connection.id }, data: { lastCheckedAt: new Date(), lastError: health.ok ? null : health.detail } });
  if (health.authorizationLost) {
    await markConnectionNeedsReauth(db, { tenantId: input.tenantId, provider: input.provider, reason: health.detail, message: health.detail });
  }
  return health;
}

/**
 * Intuit's Disconnect URL: QuickBooks sends the merchant here after they disconnected Tillbridge in QuickBooks.
 * The request itself proves nothing (anyone can open the URL), so QuickBooks is asked: only if it refuses our
 * token is the connection marked disconnected.
 */
export async function confirmQuickBooksDisconnected(
  db: PrismaClient,
  realmId: string | null,
): Promise<"disconnected" | "still-connected" | "unconfirmed" | "unknown"> {
  if (!realmId || !/^\d{1,30}$/.test(realmId)) return "unknown";
  const connection = await db.connection.findUnique({
    where: { provider_externalId: { provider: "QUICKBOOKS", externalId: realmId } },
    select: { tenantId: true, status: true },
  });
  if (!connection) return "unknown";
  if (connection.status === "DISCONNECTED") return "disconnected";
  const stored = await readConnectionCredentials<never>(db, getKeyRing(getConfig()), connection.tenantId, "QUICKBOOKS");
  const health = stored ? await quickBooksConnector.checkHealth(stored.credentials) : null;
  if (health?.ok) return "still-connected";
  // QuickBooks unreachable: leave it; the next token renewal or check will find out.
  if (health && !health.tokenRejected && !health.authorizationLost) return "unconfirmed";
  await markConnectionDisconnected(db, { tenantId: connection.tenantId, provider: "QUICKBOOKS", actor: "system", reason: "disconnected in QuickBooks" });
  return "disconnected";
}

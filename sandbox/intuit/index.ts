import express, { type NextFunction, type Request, type Response } from "express";
import {
  changePreferences,
  exchangeRateSchema,
  listDocuments,
  preferencesChangeSchema,
  preferencesView,
  setExchangeRate,
  type DocumentList,
  type PreferencesChange,
  type PreferencesView,
} from "./accounting/control";
import type { TransactionEntity } from "./accounting/schema";
import type { CompanyRecord, SeedKind } from "./companies";
import { controlApi } from "./control-api";
import { SandboxCore, type RuntimeSettings } from "./core";
import type { FaultSettings, FaultSettingsInput } from "../common/faults";
import { oauthEndpoints } from "./oauth";
import { indexPage, receiptsPage } from "./pages";
import { quickBooksApi, type ApiCallRecord } from "./qbo-api";
import type { SandboxStats } from "./stats";
import type { WebhookDelivery, WebhookEventInput } from "./webhooks";
import { listenOnLoopback } from "../common/listen";

export { DEMO_REALM_ID, SECOND_DEMO_REALM_ID } from "./companies";
export { SANDBOX_QUICKBOOKS_CLIENT_ID, SANDBOX_QUICKBOOKS_CLIENT_SECRET, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN } from "./credentials";
export { intuitOAuthEndpoints, type IntuitOAuthEndpoints } from "./endpoints";
export type { FaultSettings, FaultSettingsInput } from "../common/faults";
export type { ApiCallRecord } from "./qbo-api";
export type { DocumentList, DocumentSummary, PreferencesChange, PreferencesView } from "./accounting/control";
export { SEED_ACCOUNTS, SEED_ITEMS, SEED_PAYMENT_METHODS } from "./accounting/seed";
export type { SandboxStats } from "./stats";
export { signWebhookBody, type CloudEvent, type WebhookDelivery, type WebhookEventInput } from "./webhooks";

/**
 * A local Intuit for Tillbridge: OAuth 2.0 (consent page, token, revoke, userinfo) and the QuickBooks Online
 * accounting API a point of sale posts through (CompanyInfo, receipts, journal entries, deposits, name lists, query,
 * batch, CDC), with Intuit's validation, limits, faults and signed webhooks. The app reaches it through the real
 * intuit-oauth library with its static endpoints pointed here (intuitOAuthEndpoints), or plain fetch. See
 * sandbox/intuit/README.md.
 */

export interface IntuitSandboxOptions {
  /** 0 = pick a free port. */
  port: number;
  /** The Tillbridge app's base URL, e.g. http://localhost:3000: OAuth redirects must be on its origin; webhook target. */
  appUrl: string;
  clientId: string;
  clientSecret: string;
  /** Signs webhooks (intuit-signature). */
  webhookVerifierToken: string;
  /** The app's webhook endpoint (one per Intuit app); default `${appUrl}/webhooks/quickbooks`. */
  webhookUrl?: string;
  /** Default 3600 (Intuit's access tokens). */
  accessTokenLifetimeSeconds?: number;
  /** Default 100 days (Intuit's rolling refresh token life). */
  refreshTokenLifetimeSeconds?: number;
  /** Default five years (Intuit's hard cap on a grant's refresh tokens, counted from the consent). */
  refreshTokenHardCapSeconds?: number;
  /** Per realm, in any 60 s; default 500 (Intuit's Accounting API limit). */
  requestsPerMinute?: number;
  /** Per realm; default 10 (Intuit's limit). */
  maxConcurrent?: number;
  /** Batch calls per realm in any 60 s; default 40 (Intuit's limit). */
  batchRequestsPerMinute?: number;
  /** Whether the app's own writes raise webhooks; default true (an app subscribed to the entities it writes). */
  entityWebhooks?: boolean;
  /** "demo" (default): two companies; "empty": one bare company. */
  seed?: SeedKind;
}

export interface IntuitSandbox {
  /** Base URL, e.g. http://localhost:3103. */
  url: string;
  companies(): CompanyRecord[];
  stats(): SandboxStats;
  resetStats(): void;
  /** Webhook deliveries, newest first (the last 200). */
  deliveries(): WebhookDelivery[];
  /** QuickBooks API calls, newest first (the last 200), with the minorversion they were answered with. */
  apiCalls(): ApiCallRecord[];
  /** Delivers the events, as one signed CloudEvents array, to the webhook URL. */
  deliverWebhook(events: WebhookEventInput[]): Promise<WebhookDelivery>;
  /** Sends a logged delivery again, byte for byte (Intuit's retry); undefined for an unknown delivery id. */
  redeliverWebhook(deliveryId: string): Promise<WebhookDelivery | undefined>;
  /** Makes the realm's access tokens expire now (their refresh tokens stay valid). */
  expireAccessTokens(realmId: string): number;
  /** Moves the sandbox clock forward (token lifetimes, the 24 h grace of used refresh tokens, rate windows). */
  advanceClock(seconds: number): void;
  configure(settings: Partial<RuntimeSettings>): RuntimeSettings;
  /** Merges fault switches into the current ones (README "Faults"). */
  setFaults(faults: FaultSettingsInput): FaultSettings;
  faults(): FaultSettings;
  /** Every fault switch off (held webhook deliveries go out). */
  resetFaults(): FaultSettings;
  /** Sends the webhook deliveries held for reordering now; how many there were. */
  flushWebhooks(): number;
  /** The company's transactions of a type (as the app posted them), with their totals in cents. */
  documents(realmId: string, entity: TransactionEntity): DocumentList;
  preferences(realmId: string): PreferencesView;
  /** Changes the company's preferences as the merchant would in QuickBooks' settings (AST, multicurrency, numbering, tax rate). */
  setPreferences(realmId: string, change: PreferencesChange): PreferencesView;
  /** Sets the rate (home currency per unit) of a currency from a date (default today) in a multicurrency company. */
  setExchangeRate(realmId: string, currency: string, rate: number, asOfDate?: string): void;
  close(): Promise<void>;
}

const HUNDRED_DAYS = 100 * 24 * 3600;
const FIVE_YEARS = 5 * 365 * 24 * 3600;

function errorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) {
    next(error);
    return;
  }
  if ((error as { type?: string }).type === "entity.parse.failed") {
    response.status(400).json({ error: "invalid_request", error_description: "The request body is not valid JSON" });
    return;
  }
  console.error("Intuit sandbox: unexpected error", error);
  response.status(500).json({ error: `Internal error in the Tillbridge Intuit sandbox: ${(error as Error).message}` });
}

function createApp(core: SandboxCore, calls: ApiCallRecord[]): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(oauthEndpoints(core));
  app.use(quickBooksApi(core, calls));
  app.use(controlApi(core, calls));
  app.get("/", (_request, response) => {
    response.type("html").send(indexPage([...core.companies.values()]));
  });
  app.get("/app/:realmId", (request, response) => {
    const company = core.companies.get(request.params.realmId ?? "");
    if (!company) {
      response.status(404).type("text/plain").send(`No company ${request.params.realmId ?? ""} in the Intuit sandbox`);
      return;
    }
    const books = core.books(company.realmId);
    response.type("html").send(receiptsPage(company, listDocuments(books, "SalesReceipt"), listDocuments(books, "RefundReceipt")));
  });
  app.get("/favicon.ico", (_request, response) => {
    response.status(204).end();
  });
  app.use((request, response) => {
    response.status(404).json({ error: `Not Found: ${request.method} ${request.path} is not part of the Tillbridge Intuit sandbox` });
  });
  app.use(errorHandler);
  return app;
}

export async function startIntuitSandbox(options: IntuitSandboxOptions): Promise<IntuitSandbox> {
  const appUrl = options.appUrl.replace(/\/+$/, "");
  const core = new SandboxCore(
    {
      appUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      webhookVerifierToken: options.webhookVerifierToken,
      webhookUrl: options.webhookUrl ?? `${appUrl}/webhooks/quickbooks`,
      accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3600,
      refreshTokenLifetimeSeconds: options.refreshTokenLifetimeSeconds ?? HUNDRED_DAYS,
      refreshTokenHardCapSeconds: options.refreshTokenHardCapSeconds ?? FIVE_YEARS,
      requestsPerMinute: options.requestsPerMinute ?? 500,
      maxConcurrent: options.maxConcurrent ?? 10,
      batchRequestsPerMinute: options.batchRequestsPerMinute ?? 40,
      entityWebhooks: options.entityWebhooks ?? true,
    },
    options.seed ?? "demo",
  );
  const calls: ApiCallRecord[] = [];
  const { url, close } = await listenOnLoopback(createApp(core, calls), options.port);

  return {
    url,
    companies: () => [...core.companies.values()],
    stats: () => core.stats.snapshot(),
    resetStats: () => core.stats.reset(),
    deliveries: () => core.webhooks.deliveries(),
    apiCalls: () => [...calls],
    deliverWebhook: (events) => core.deliverWebhook(events),
    redeliverWebhook: (deliveryId) => core.webhooks.redeliver(deliveryId),
    expireAccessTokens: (realmId) => core.grants.expireAccessTokens(realmId),
    advanceClock: (seconds) => void core.advanceClock(seconds),
    configure: (settings) => core.configure(settings),
    setFaults: (faults) => core.setFaults(faults),
    faults: () => core.faults.current(),
    resetFaults: () => core.faults.reset(),
    flushWebhooks: () => core.faults.flushDeliveries(),
    documents: (realmId, entity) => listDocuments(core.books(realmId), entity),
    preferences: (realmId) => preferencesView(core.books(realmId)),
    setPreferences: (realmId, change) => changePreferences(core.books(realmId), preferencesChangeSchema.parse(change), core.now()),
    setExchangeRate: (realmId, currency, rate, asOfDate) => void setExchangeRate(core.books(realmId), exchangeRateSchema.parse({ currency, rate, ...(asOfDate && { asOfDate }) }), core.now()),
    close: async () => {
      core.close();
      await close();
    },
  };
}

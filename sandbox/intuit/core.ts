import { randomBytes } from "node:crypto";
import { newCompany, seedCompanies, type CompanyRecord, type SeedKind } from "./companies";
import { GrantRegistry, type TokenLifetimes } from "./grants";
import { Faults, type FaultSettings, type FaultSettingsInput } from "../common/faults";
import { RealmLimiter, type LimitSettings } from "./limits";
import { StatsCounter } from "./stats";
import { WebhookDispatcher, type WebhookDelivery, type WebhookEventInput } from "./webhooks";
import type { Books } from "./accounting/books";
import type { WriteResult } from "./accounting/operations";
import { ReplayCache } from "./accounting/replay";
import { seedBooks } from "./accounting/seed";

export interface SandboxSettings extends TokenLifetimes, LimitSettings {
  appUrl: string;
  clientId: string;
  clientSecret: string;
  webhookVerifierToken: string;
  /** The app's webhook endpoint, as registered in the Intuit developer portal. */
  webhookUrl: string;
  /** Whether the app's writes through the API raise webhooks (qbo.<entity>.<created|updated|deleted|voided>.v1). */
  entityWebhooks: boolean;
}

/** What can change while the sandbox runs (POST /_sandbox/config). */
export type RuntimeSettings = TokenLifetimes & LimitSettings & { entityWebhooks: boolean };

export class UnknownCompanyError extends Error {
  constructor(readonly realmId: string) {
    super(`No company with realm id ${realmId} in the Intuit sandbox`);
  }
}

/** Companies added through the control API, on top of the seed: enough for any multi-tenant test, bounded all the same. */
const MAX_COMPANIES = 100;
/** Authorize requests waiting for the merchant's choice on the consent page. */
const MAX_PENDING_CONSENTS = 1_000;
const CONSENT_LIFETIME_MS = 30 * 60 * 1000;

export interface ConsentRequest {
  id: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  expiresAt: number;
}

/**
 * The sandbox's state, shared by its HTTP surfaces (OAuth, the QuickBooks API, the control API): companies,
 * grants and tokens, limits and fault switches, webhooks, stats, and a clock that tests can move forward.
 */
export class SandboxCore {
  readonly companies = new Map<string, CompanyRecord>();
  /** Each company's accounting data (entities, preferences, exchange rates). */
  private readonly companyBooks = new Map<string, Books>();
  /** Answers kept by requestid, for Intuit's replay of a repeated request. */
  readonly replays = new ReplayCache();
  /** Companies whose connecting user lost access: every API call answers fault 120. */
  readonly accessLost = new Set<string>();
  readonly stats = new StatsCounter();
  readonly grants: GrantRegistry;
  readonly limiter: RealmLimiter;
  readonly webhooks: WebhookDispatcher;
  private clockOffsetMs = 0;
  /** The fault switches; a throttle window runs on the sandbox clock. */
  readonly faults = new Faults(() => this.now());
  private readonly consents = new Map<string, ConsentRequest>();

  constructor(
    readonly settings: SandboxSettings,
    seed: SeedKind,
  ) {
    for (const company of seedCompanies(seed)) {
      this.companies.set(company.realmId, company);
      this.companyBooks.set(company.realmId, seedBooks(company));
    }
    const now = () => this.now();
    this.grants = new GrantRegistry(settings, now);
    this.limiter = new RealmLimiter(settings, now);
    this.webhooks = new WebhookDispatcher({ url: settings.webhookUrl, verifierToken: settings.webhookVerifierToken, stats: this.stats, now, faults: this.faults });
  }

  /** The sandbox clock: real time plus however far tests have moved it (POST /_sandbox/clock). */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  advanceClock(seconds: number): number {
    this.clockOffsetMs += seconds * 1000;
    return this.now();
  }

  /** QuickBooks' `time` stamp, in the fixed -08:00 (Pacific standard) offset the answers quoted in public reports carry. */
  timestamp(): string {
    const pacific = new Date(this.now() - 8 * 3600 * 1000).toISOString().replace("Z", "");
    return `${pacific}-08:00`;
  }

  company(realmId: string): CompanyRecord {
    const company = this.companies.get(realmId);
    if (!company) throw new UnknownCompanyError(realmId);
    return company;
  }

  addCompany(name: string, realmId?: string): CompanyRecord {
    if (this.companies.size >= MAX_COMPANIES) throw new Error(`The sandbox holds at most ${MAX_COMPANIES} companies`);
    const id = realmId ?? `93414530${randomBytes(4).readUInt32BE().toString().padStart(8, "0")}`.slice(0, 16);
    if (this.companies.has(id)) throw new Error(`A company with realm id ${id} exists`);
    const company = newCompany(id, name);
    this.companies.set(id, company);
    this.companyBooks.set(id, seedBooks(company));
    return company;
  }

  /** The company's books; throws UnknownCompanyError for a realm the sandbox does not have. */
  books(realmId: string): Books {
    const books = this.companyBooks.get(this.company(realmId).realmId);
    if (!books) throw new UnknownCompanyError(realmId);
    return books;
  }

  /** Raises the webhook events of the app's own writes, as QuickBooks notifies every subscribed change (one delivery per call). */
  emitEntityEvents(realmId: string, results: WriteResult[]): void {
    if (!this.settings.entityWebhooks || results.length === 0) return;
    const events = this.webhooks.events(results.map((result) => ({ realmId, entity: result.entity, operation: result.operation, entityId: result.id })));
    // Fire and forget, as Intuit's delivery is detached from the API call; the delivery log records the outcome.
    this.webhooks.deliver(events).catch(() => undefined);
  }

  openConsent(request: Omit<ConsentRequest, "id" | "expiresAt">): ConsentRequest {
    const consent = { ...request, id: randomBytes(16).toString("hex"), expiresAt: this.now() + CONSENT_LIFETIME_MS };
    this.consents.set(consent.id, consent);
    for (const oldest of this.consents.keys()) {
      if (this.consents.size <= MAX_PENDING_CONSENTS) break;
      this.consents.delete(oldest);
    }
    return consent;
  }

  /** The pending consent, removed: each consent page can be answered once. */
  takeConsent(id: string): ConsentRequest | undefined {
    const consent = this.consents.get(id);
    this.consents.delete(id);
    return consent && consent.expiresAt > this.now() ? consent : undefined;
  }

  configure(settings: Partial<RuntimeSettings>): RuntimeSettings {
    const { accessTokenLifetimeSeconds, refreshTokenLifetimeSeconds, refreshTokenHardCapSeconds, requestsPerMinute, maxConcurrent, batchRequestsPerMinute, entityWebhooks } = settings;
    const lifetimes = this.grants.setLifetimes({
      ...(accessTokenLifetimeSeconds !== undefined && { accessTokenLifetimeSeconds }),
      ...(refreshTokenLifetimeSeconds !== undefined && { refreshTokenLifetimeSeconds }),
      ...(refreshTokenHardCapSeconds !== undefined && { refreshTokenHardCapSeconds }),
    });
    const limits = this.limiter.configure({
      ...(requestsPerMinute !== undefined && { requestsPerMinute }),
      ...(maxConcurrent !== undefined && { maxConcurrent }),
      ...(batchRequestsPerMinute !== undefined && { batchRequestsPerMinute }),
    });
    if (entityWebhooks !== undefined) this.settings.entityWebhooks = entityWebhooks;
    return { ...lifetimes, ...limits, entityWebhooks: this.settings.entityWebhooks };
  }

  setFaults(faults: FaultSettingsInput): FaultSettings {
    return this.faults.configure(faults);
  }

  async deliverWebhook(inputs: WebhookEventInput[]): Promise<WebhookDelivery> {
    for (const input of inputs) this.company(input.realmId);
    return this.webhooks.deliver(this.webhooks.events(inputs));
  }

  close(): void {
    this.webhooks.close();
    this.faults.close();
  }
}

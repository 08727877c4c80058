import { randomUUID } from "node:crypto";
import { Faults, type FaultSettings as CommonFaultSettings, type FaultSettingsInput } from "../common/faults";
import { seedSellers, type SeedKind, type SellerRecord } from "./seed";
import { StatsCounter } from "./stats";
import { TokenRegistry } from "./tokens";
import { newEvent, WebhookDispatcher, type SquareEvent, type WebhookDelivery } from "./webhooks";

export interface SandboxSettings {
  appUrl: string;
  applicationId: string;
  applicationSecret: string;
  webhookSignatureKey: string;
  webhookUrl: string;
  /** Where authorize sends the seller back when the request names no redirect_uri (the Developer Console's). */
  redirectUrl: string;
  accessTokenLifetimeSeconds: number;
}

/**
 * The fault switches (sandbox/common/faults.ts), plus the first form of this sandbox's 429 switch, kept working:
 * `rateLimit.next` is `forcedThrottles` and `rateLimit.fraction` is `throttleRate`.
 */
export interface FaultSettings extends CommonFaultSettings {
  rateLimit: { next: number; fraction: number };
}

export type FaultSettingsUpdate = FaultSettingsInput & {
  rateLimit?: { next?: number; fraction?: number };
  /** Same as rateLimit.next (the start handle's first form). */
  next?: number;
  /** Same as rateLimit.fraction. */
  fraction?: number;
};

/** Who revoked, as the oauth.authorization.revoked event says (OauthAuthorizationRevokedEventRevokerType). */
export type RevokerType = "APPLICATION" | "MERCHANT" | "SQUARE";

export class UnknownSellerError extends Error {
  constructor(readonly merchantId: string) {
    super(`No seller ${merchantId} in the Square sandbox`);
  }
}

/** The sandbox's state and the actions on it, shared by OAuth, the /v2 API, the pages and the control API. */
export class SandboxCore {
  readonly sellers: Map<string, SellerRecord>;
  readonly stats = new StatsCounter();
  readonly faults = new Faults();
  readonly tokens: TokenRegistry;
  readonly webhooks: WebhookDispatcher;

  constructor(
    readonly settings: SandboxSettings,
    seed: SeedKind,
  ) {
    this.sellers = seedSellers(seed);
    this.tokens = new TokenRegistry(settings.accessTokenLifetimeSeconds);
    this.webhooks = new WebhookDispatcher({ url: settings.webhookUrl, signatureKey: settings.webhookSignatureKey, stats: this.stats, faults: this.faults });
  }

  seller(merchantId: string): SellerRecord {
    const seller = this.sellers.get(merchantId);
    if (!seller) throw new UnknownSellerError(merchantId);
    return seller;
  }

  /**
   * Revokes the seller's tokens for the app. When that ends the authorization (all tokens, not only access tokens)
   * Square sends oauth.authorization.revoked; a revoke with nothing left to revoke sends nothing.
   */
  async revoke(merchantId: string, revokerType: RevokerType, onlyAccessTokens = false): Promise<WebhookDelivery | null> {
    this.seller(merchantId);
    const hadAuthorization = this.tokens.hasLiveAuthorization(merchantId);
    this.tokens.revokeMerchant(merchantId, onlyAccessTokens);
    if (onlyAccessTokens || !hadAuthorization) return null;
    const revokedAt = new Date().toISOString();
    return this.webhooks.deliver(
      newEvent(merchantId, "oauth.authorization.revoked", { type: "revocation", id: randomUUID(), object: { revocation: { revoked_at: revokedAt, revoker_type: revokerType } } }),
    );
  }

  async deliver(event: SquareEvent): Promise<WebhookDelivery> {
    this.seller(event.merchant_id);
    return this.webhooks.deliver(event);
  }

  faultSettings(): FaultSettings {
    const current = this.faults.current();
    return { ...current, rateLimit: { next: current.forcedThrottles, fraction: current.throttleRate } };
  }

  setFaults(update: FaultSettingsUpdate): FaultSettings {
    const { rateLimit, next, fraction, ...switches } = update;
    const forcedThrottles = switches.forcedThrottles ?? rateLimit?.next ?? next;
    const throttleRate = switches.throttleRate ?? rateLimit?.fraction ?? fraction;
    this.faults.configure({ ...switches, ...(forcedThrottles !== undefined && { forcedThrottles }), ...(throttleRate !== undefined && { throttleRate }) });
    return this.faultSettings();
  }

  close(): void {
    this.webhooks.close();
    this.faults.close();
  }
}

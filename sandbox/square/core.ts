import { randomUUID } from "node:crypto";
import { FaultSwitch } from "./faults";
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
  readonly faults = new FaultSwitch();
  readonly tokens: TokenRegistry;
  readonly webhooks: WebhookDispatcher;

  constructor(
    readonly settings: SandboxSettings,
    seed: SeedKind,
  ) {
    this.sellers = seedSellers(seed);
    this.tokens = new TokenRegistry(settings.accessTokenLifetimeSeconds);
    this.webhooks = new WebhookDispatcher({ url: settings.webhookUrl, signatureKey: settings.webhookSignatureKey, stats: this.stats });
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

  close(): void {
    this.webhooks.close();
  }
}

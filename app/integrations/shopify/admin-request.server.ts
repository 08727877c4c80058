import { GraphqlQueryError, HttpRequestError, HttpResponseError } from "@shopify/shopify-api";
import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { ConnectionAuthorizationError, RateLimitedError, TransientError } from "~/jobs/errors";
import { recordShopifyThrottleStatus } from "~/sync/budgets.server";
import { callVendor } from "~/sync/vendor-calls.server";
import { shopifyApiClient } from "./api-client.server";
import { getFreshOfflineSession, ShopifyReauthorizationRequiredError } from "./offline-token.server";

/**
 * One Admin GraphQL request of a job (outside any merchant's request): the shop's fresh offline session, the
 * shop's shared cost budget (charged the requested cost up front, then set to what Shopify reports it holds),
 * the answer validated, and the library's errors translated into the job error taxonomy (app/jobs/errors.ts).
 */

/** The shop a job works on, and the tenant it belongs to. */
export interface ShopifyAdminAccount {
  tenantId: string;
  shop: string;
}

/** The tenant's shop, for its jobs; a Shopify connection that is not active stops them as a lost authorization. */
export async function shopifyAdminAccount(db: PrismaClient, tenantId: string): Promise<ShopifyAdminAccount> {
  const shopify = await db.connection.findUnique({ where: { tenantId_provider: { tenantId, provider: "SHOPIFY" } }, select: { externalId: true, status: true } });
  if (!shopify || shopify.status !== "ACTIVE") throw new ConnectionAuthorizationError("Shopify is not connected", { tenantId, provider: "SHOPIFY" });
  return { tenantId, shop: shopify.externalId };
}

/** A throttled request waits for at least a mutation's worth of points, so cheap reads do not hammer a throttled shop. */
const MIN_THROTTLE_WAIT_COST = 10;

const throttleStatus = z.object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number() });
const costExtension = z.object({ cost: z.object({ throttleStatus }).optional() }).optional();

/**
 * Sends `query` with `variables` for `account`, charging `cost` (the requested cost, as Shopify computes it) to the
 * shop's budget, and answers the response's `data` parsed by `schema`.
 */
export async function shopifyAdminRequest<T>(db: PrismaClient, account: ShopifyAdminAccount, cost: number, query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
  const session = await getFreshOfflineSession(db, account.shop).catch((error: unknown) => {
    if (error instanceof ShopifyReauthorizationRequiredError) throw new ConnectionAuthorizationError(error.message, { tenantId: account.tenantId, provider: "SHOPIFY" });
    throw error;
  });
  const client = new (shopifyApiClient().clients.Graphql)({ session });
  return callVendor(db, { provider: "SHOPIFY", account: account.shop, cost }, async () => {
    try {
      const response = await client.request(query, { variables });
      const status = costExtension.safeParse(response.extensions).data?.cost?.throttleStatus;
      if (status) await recordShopifyThrottleStatus(db, account.shop, status);
      return schema.parse(response.data);
    } catch (error) {
      throw translateShopifyError(error, account, cost);
    }
  });
}

function translateShopifyError(error: unknown, account: ShopifyAdminAccount, cost: number): unknown {
  if (error instanceof GraphqlQueryError) {
    // The library's body: { data, errors: { graphQLErrors: [...] }, extensions }.
    const body = error.body as { errors?: { graphQLErrors?: { extensions?: { code?: string } }[] }; extensions?: unknown } | undefined;
    const codes = (body?.errors?.graphQLErrors ?? []).map((entry) => entry.extensions?.code);
    if (codes.includes("THROTTLED")) {
      const status = costExtension.safeParse(body?.extensions).data?.cost?.throttleStatus;
      const waitMs = status ? Math.ceil((Math.max(cost, MIN_THROTTLE_WAIT_COST) / Math.max(1, status.restoreRate)) * 1000) : 1_000;
      return new RateLimitedError("Shopify throttled the request (query cost budget)", waitMs, "SHOPIFY");
    }
    return new TransientError(`Shopify answered a GraphQL error: ${error.message}`);
  }
  // No answer at all (a dropped connection, a lost response): a read is simply sent again, and a mutation carries
  // its idempotency key, which makes sending it again safe.
  if (error instanceof HttpRequestError) return new TransientError(`No answer from Shopify: ${error.message}`);
  if (error instanceof HttpResponseError) {
    const code = error.response.code;
    if (code === 401 || code === 403) return new ConnectionAuthorizationError(`Shopify refused the access token (HTTP ${code})`, { tenantId: account.tenantId, provider: "SHOPIFY" });
    if (code === 429) return new RateLimitedError("Shopify answered 429", 2_000, "SHOPIFY");
    if (code >= 500) return new TransientError(`Shopify answered HTTP ${code}`);
  }
  return error;
}

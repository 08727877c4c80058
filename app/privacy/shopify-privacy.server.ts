import { z } from "zod";
import type { PrismaClient } from "~/db.server";
import { findTenantIdByShop } from "~/models/tenants.server";
import { recordShopifyWebhook, shopifyInboxKey, type ShopifyWebhook } from "~/webhooks/inbox.server";
import { eraseCustomerData, findCustomerData, type CustomerIdentity } from "./customer-data.server";

/**
 * Shopify's mandatory privacy webhooks. The inbox keeps only ids from these payloads (never the customer's
 * email or phone), and each handler is idempotent on the webhook id.
 */

const numericId = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
const customerSchema = z.object({ id: numericId, email: z.string().nullish(), phone: z.string().nullish() });

export const customersDataRequestPayload = z.object({
  shop_domain: z.string(),
  customer: customerSchema,
  orders_requested: z.array(numericId).default([]),
  data_request: z.object({ id: numericId }),
});
export const customersRedactPayload = z.object({
  shop_domain: z.string(),
  customer: customerSchema,
  orders_to_redact: z.array(numericId).default([]),
});
export const shopRedactPayload = z.object({ shop_domain: z.string() });

function identityOf(customer: z.output<typeof customerSchema>, orderIds: string[]): CustomerIdentity {
  return { id: customer.id, email: customer.email ?? null, phone: customer.phone ?? null, orderIds };
}

/**
 * customers/data_request: assemble everything held about the customer and record it in the audit log, where the
 * merchant (and support) can read it to answer the customer.
 */
export async function handleCustomersDataRequest(db: PrismaClient, webhook: ShopifyWebhook, payload: z.output<typeof customersDataRequestPayload>) {
  return db.$transaction(async (tx) => {
    const tenantId = await findTenantIdByShop(tx, webhook.shop);
    // Searched before this request is itself recorded, so the report lists what was held, not the request.
    const report = tenantId ? await findCustomerData(tx, tenantId, identityOf(payload.customer, payload.orders_requested)) : null;
    const fresh = await recordShopifyWebhook(tx, null, webhook, tenantId, { payload: { customerId: payload.customer.id, dataRequestId: payload.data_request.id }, status: "PROCESSED" });
    if (!fresh || !tenantId || !report) return fresh ? "unknown-shop" : "duplicate";
    await tx.auditLog.create({
      data: {
        tenantId,
        actorType: "SYSTEM",
        action: "privacy.customer_data_request",
        target: `customer:${payload.customer.id}`,
        details: JSON.parse(JSON.stringify({ dataRequestId: payload.data_request.id, ordersRequested: payload.orders_requested, report })),
      },
    });
    return "applied";
  });
}

/** customers/redact: erase or anonymize the customer's personal data in every table of the tenant. */
export async function handleCustomersRedact(db: PrismaClient, webhook: ShopifyWebhook, payload: z.output<typeof customersRedactPayload>) {
  return db.$transaction(async (tx) => {
    const tenantId = await findTenantIdByShop(tx, webhook.shop);
    const fresh = await recordShopifyWebhook(tx, null, webhook, tenantId, { payload: { customerId: payload.customer.id, orderIds: payload.orders_to_redact }, status: "PROCESSED" });
    if (!fresh || !tenantId) return fresh ? "unknown-shop" : "duplicate";
    const erased = await eraseCustomerData(tx, tenantId, identityOf(payload.customer, payload.orders_to_redact));
    await tx.auditLog.create({
      data: { tenantId, actorType: "SYSTEM", action: "privacy.customer_redacted", target: `customer:${payload.customer.id}`, details: { erased } },
    });
    return "applied";
  });
}

/**
 * shop/redact (48 hours after an uninstall): erase everything of the shop. A shop that is installed again by
 * then is left alone: the request is stale, and erasing an active merchant's data would be the worse mistake.
 */
export async function handleShopRedact(db: PrismaClient, webhook: ShopifyWebhook) {
  return db.$transaction(async (tx) => {
    const duplicate = await tx.webhookEvent.findUnique({
      where: { provider_externalEventId: { provider: "SHOPIFY", externalEventId: shopifyInboxKey(webhook) } },
      select: { id: true },
    });
    if (duplicate) return "duplicate";
    const connection = await tx.connection.findUnique({
      where: { provider_externalId: { provider: "SHOPIFY", externalId: webhook.shop } },
      select: { tenantId: true, status: true },
    });
    let outcome: "erased" | "skipped-active" | "unknown-shop" = "unknown-shop";
    if (connection?.status === "ACTIVE") {
      outcome = "skipped-active";
    } else if (connection) {
      await tx.auditLog.deleteMany({ where: { tenantId: connection.tenantId } });
      await tx.tenant.delete({ where: { id: connection.tenantId } });
      outcome = "erased";
    }
    if (outcome !== "skipped-active") await tx.session.deleteMany({ where: { shop: webhook.shop } });
    // Recorded after the erase (the tenant's own inbox rows went with it), without a tenant, as evidence.
    await recordShopifyWebhook(tx, null, webhook, outcome === "skipped-active" ? connection!.tenantId : null, { payload: { outcome }, status: "PROCESSED" });
    await tx.auditLog.create({
      data: { tenantId: outcome === "skipped-active" ? connection!.tenantId : null, actorType: "SYSTEM", action: `privacy.shop_redact.${outcome}`, target: webhook.shop },
    });
    return outcome;
  });
}

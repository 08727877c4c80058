import type { ActionFunctionArgs } from "@remix-run/node";
import { db } from "~/db.server";
import { Prisma } from "~/generated/prisma/client";
import { findTenantIdByShop } from "~/models/tenants.server";
import { runningJobQueue } from "~/runtime.server";
import { authenticateShopifyWebhook } from "~/integrations/shopify/webhook-authentication.server";
import { recordShopifyWebhook } from "~/webhooks/inbox.server";

/**
 * Order, refund, product and inventory topics (declared in shopify.app.toml) land here: verified, stored in the
 * inbox with their processing job, acknowledged (app/webhooks/processing.server.ts).
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await authenticateShopifyWebhook(request);
  await db().$transaction(async (tx) => {
    const tenantId = await findTenantIdByShop(tx, webhook.shop);
    await recordShopifyWebhook(tx, runningJobQueue(), webhook, tenantId, {
      payload: (webhook.payload ?? Prisma.JsonNull) as Prisma.InputJsonValue,
      status: "RECEIVED",
    });
  });
  return new Response(null, { status: 200 });
};

import { Prisma } from "~/generated/prisma/client";
import type { ShopifySandbox } from "../../sandbox/shopify/index";
import type { SquareSandbox } from "../../sandbox/square/index";
import { answerConsentPage } from "./consent-forms";

/**
 * The app modules inventory tests use, imported once the test's configuration (sandbox URLs) is in place: the
 * app reads its configuration on first use. The job definitions come along, as in every Tillbridge process, so the
 * inventory processors and reconciler are registered.
 */
export async function loadInventoryApp() {
  await import("~/jobs/definitions.server");
  return {
    db: await import("~/db.server"),
    runtime: await import("~/runtime.server"),
    shopify: await import("~/shopify.server"),
    flow: await import("~/integrations/connections/flow.server"),
    queue: await import("~/jobs/queue.server"),
    setup: await import("~/sync/inventory/setup.server"),
    propagation: await import("~/sync/inventory/propagation.server"),
    reconciliation: await import("~/sync/inventory/reconciliation.server"),
    schedules: await import("~/sync/schedules.server"),
    matching: await import("~/sync/inventory/matching.server"),
    page: await import("~/sync/inventory/inventory-page.server"),
    scanJob: await import("~/sync/inventory/scan-job.server"),
    alignment: await import("~/sync/inventory/alignment.server"),
  };
}

export type InventoryApp = Awaited<ReturnType<typeof loadInventoryApp>>;

export interface InventoryMerchant {
  tenantId: string;
  shop: string;
  sellerId: string;
  squareLocationId: string;
  shopifyLocationId: number;
  skus: string[];
  syncId: string;
  levelIds: string[];
}

const browserUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/** SKUs of the sandboxes' generated catalogs (the same rule on both sides): SKU-00001, SKU-00002, ... */
export function generatedSkus(count: number): string[] {
  return Array.from({ length: count }, (_, n) => `SKU-${String(n + 1).padStart(5, "0")}`);
}

interface MerchantInput {
  shop: string;
  sellerIndex: number;
  skuCount: number;
  stock: number;
  appUrl: string;
  squareStock?: number;
  /** Shopify locations stocking every variant; default 1. */
  shopifyLocations?: number;
}

/** Connects an existing shop (e.g. the demo shop) with a Square seller as seeded: no catalog is generated. */
export async function connectExistingMerchant(app: Omit<InventoryApp, "setup">, sandboxes: { shopify: ShopifySandbox }, input: { shop: string; sellerId: string; appUrl: string }): Promise<string> {
  sandboxes.shopify.install(input.shop);
  await app.shopify.authenticate.admin(new Request(`${input.appUrl}/app?shop=${input.shop}`, { headers: { Authorization: `Bearer ${sandboxes.shopify.sessionToken(input.shop)}`, "User-Agent": browserUserAgent } }));
  const tenantId = (await app.db.db().connection.findUniqueOrThrow({ where: { provider_externalId: { provider: "SHOPIFY", externalId: input.shop } } })).tenantId;
  const authorizeUrl = await app.flow.startConnection(app.db.db(), { tenantId, provider: "SQUARE", actor: "test", returnTo: "http://admin.example/connections" });
  const callback = await answerConsentPage(authorizeUrl, { account: { field: "merchant_id", value: input.sellerId }, button: { field: "decision", value: "approve" } });
  const outcome = await app.flow.completeConnection(app.db.db(), "SQUARE", callback);
  if (!outcome.ok) throw new Error(`Square connection failed: ${JSON.stringify(outcome)}`);
  return tenantId;
}

/**
 * A merchant connected on both sides, as a person would do it: a Shopify store with a generated catalog opens the
 * embedded app (token exchange, tenant), and a Square seller with the same SKUs connects through Square's consent
 * page. Nothing is linked yet.
 */
export async function connectInventoryMerchant(app: Omit<InventoryApp, "setup">, sandboxes: { shopify: ShopifySandbox; square: SquareSandbox }, input: MerchantInput) {
  sandboxes.shopify.addShop(input.shop, { seed: "catalog", catalog: { variants: input.skuCount, locations: input.shopifyLocations ?? 1, available: input.stock } });
  const seller = sandboxes.square.sellers()[input.sellerIndex]!;
  sandboxes.square.generateCatalog(seller.id, { variants: input.skuCount, inStock: input.squareStock ?? input.stock });
  const tenantId = await connectExistingMerchant(app, sandboxes, { shop: input.shop, sellerId: seller.id, appUrl: input.appUrl });
  return { tenantId, seller };
}

/**
 * connectInventoryMerchant, then an inventory sync linking every SKU at the first location of each side, from
 * the stock both hold (`stock`, and `squareStock` on Square when it differs).
 */
export async function setUpInventoryMerchant(
  app: InventoryApp,
  sandboxes: { shopify: ShopifySandbox; square: SquareSandbox },
  queue: Parameters<InventoryApp["setup"]["enableInventorySync"]>[1],
  input: MerchantInput,
): Promise<InventoryMerchant> {
  const { shop } = input;
  const { tenantId, seller } = await connectInventoryMerchant(app, sandboxes, input);
  const shopRecord = sandboxes.shopify.store.shop(shop)!;
  const shopifyLocationId = [...shopRecord.locations.keys()][0]!;
  const squareLocationId = seller.locations[0]!.id;
  const catalog = sandboxes.square.catalog(seller.id);
  const skus = generatedSkus(input.skuCount);
  const { syncId, levelIds } = await app.setup.enableInventorySync(app.db.db(), queue, {
    tenantId,
    settings: { direction: "both" },
    levels: skus.map((sku) => ({
      sku,
      shopifyInventoryItemId: `gid://shopify/InventoryItem/${sandboxes.shopify.store.itemsWithSku(shopRecord, sku)[0]!.id}`,
      shopifyLocationId: `gid://shopify/Location/${shopifyLocationId}`,
      squareVariationId: catalog.find((entry) => entry.sku === sku)!.variationId,
      squareLocationId,
      shopifyCount: input.stock,
      squareCount: input.squareStock ?? input.stock,
    })),
  });
  return { tenantId, shop, sellerId: seller.id, squareLocationId, shopifyLocationId, skus, syncId, levelIds };
}

/**
 * Waits until every webhook the sandboxes hold has been delivered and processed, no propagation job is waiting or
 * running, and no level has writes in flight.
 */
export async function waitUntilInventorySettled(app: InventoryApp, sandboxes: { shopify: ShopifySandbox; square: SquareSandbox }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    sandboxes.shopify.flushWebhooks();
    sandboxes.square.flushWebhooks();
    const waitingEvents = await app.db.db().webhookEvent.count({ where: { status: "RECEIVED" } });
    const rows = await app.db.db().$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM pgboss.job WHERE name IN ('webhooks.process', 'inventory.propagate-level') AND state IN ('created', 'retry', 'active')`,
    );
    const pendingWrites = await app.db.db().inventoryLevelLink.count({ where: { NOT: { pendingWrites: { equals: Prisma.DbNull } } } });
    if (waitingEvents === 0 && Number(rows[0]!.count) === 0 && pendingWrites === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${waitingEvents} events, ${rows[0]!.count} jobs, ${pendingWrites} levels with writes in flight`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

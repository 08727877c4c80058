import { parseArgs } from "node:util";
import { DEMO_SHOP } from "../shopify/index";
import { generateActivity } from "./generator";

/**
 * npm run sandbox:activity -- [--rate 60] [--minutes 5] [--seller MLTB0DEMO0002] [--shop tillbridge-demo.myshopify.com]
 *   [--location L…] [--skus A,B] [--sandbox-url http://localhost:3100]
 * Sells on both channels of the running sandboxes (`npm run dev` starts them) at `rate` sales a minute.
 */
const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "60" },
    minutes: { type: "string", default: "5" },
    seller: { type: "string", default: "MLTB0DEMO0002" },
    shop: { type: "string", default: DEMO_SHOP },
    location: { type: "string" },
    skus: { type: "string" },
    "sandbox-url": { type: "string", default: process.env.SANDBOX_URL || `http://localhost:${process.env.SANDBOX_PORT ?? 3100}` },
  },
});

const base = new URL(values["sandbox-url"]);
const at = (offset: number) => `${base.protocol}//${base.hostname}:${Number(base.port || 80) + offset}`;
const controller = new AbortController();
process.on("SIGINT", () => controller.abort());

const summary = await generateActivity(
  { shopifyUrl: at(0), squareUrl: at(2), merchantId: values.seller, shop: values.shop, ...(values.location && { squareLocationId: values.location }) },
  {
    salesPerMinute: Number(values.rate),
    durationMs: Number(values.minutes) * 60_000,
    ...(values.skus && { skus: values.skus.split(",").map((sku) => sku.trim()).filter(Boolean) }),
    signal: controller.signal,
    onSale: (sale) => console.log(`${sale.at}  ${sale.channel.padEnd(7)} ${sale.sku}  ${sale.sold ? "sold" : "out of stock"}`),
  },
);
console.log(`Square: ${summary.square.sold} sold, ${summary.square.refused} refused · Shopify: ${summary.shopify.sold} sold, ${summary.shopify.refused} refused · ${summary.skus} SKUs`);

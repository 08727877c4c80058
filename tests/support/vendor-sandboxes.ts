import { SANDBOX_QUICKBOOKS_CLIENT_ID, SANDBOX_QUICKBOOKS_CLIENT_SECRET, SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN, startIntuitSandbox, type IntuitSandbox } from "../../sandbox/intuit/index";
import { SANDBOX_SHOPIFY_API_KEY, SANDBOX_SHOPIFY_API_SECRET, startShopifySandbox, type ShopifySandbox } from "../../sandbox/shopify/index";
import { SANDBOX_SQUARE_APPLICATION_ID, SANDBOX_SQUARE_APPLICATION_SECRET, SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY, startSquareSandbox, type SquareSandbox } from "../../sandbox/square/index";
import { freePorts } from "./ports";

/**
 * The vendor sandboxes a test file needs, on ports of its own (Shopify at the base port, Square at +2, Intuit at
 * +3, as the app expects), with the app's configuration pointed at them. Call before the app's modules are
 * imported: the app reads its configuration on first use.
 */
export async function startVendorSandboxes<const Wanted extends readonly ("shopify" | "square" | "intuit")[]>(
  appUrl: string,
  wanted: Wanted,
): Promise<{ shopify: ShopifySandbox; square: SquareSandbox; intuit: IntuitSandbox; close(): Promise<void> }> {
  const base = await freePorts(4);
  const started: { shopify?: ShopifySandbox; square?: SquareSandbox; intuit?: IntuitSandbox } = {};
  if (wanted.includes("shopify")) started.shopify = await startShopifySandbox({ port: base, appUrl, apiKey: SANDBOX_SHOPIFY_API_KEY, apiSecret: SANDBOX_SHOPIFY_API_SECRET });
  if (wanted.includes("square")) {
    started.square = await startSquareSandbox({
      port: base + 2,
      appUrl,
      applicationId: SANDBOX_SQUARE_APPLICATION_ID,
      applicationSecret: SANDBOX_SQUARE_APPLICATION_SECRET,
      webhookSignatureKey: SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY,
    });
  }
  if (wanted.includes("intuit")) {
    started.intuit = await startIntuitSandbox({
      port: base + 3,
      appUrl,
      clientId: SANDBOX_QUICKBOOKS_CLIENT_ID,
      clientSecret: SANDBOX_QUICKBOOKS_CLIENT_SECRET,
      webhookVerifierToken: SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
    });
  }
  process.env.SANDBOX_URL = `http://localhost:${base}`;
  process.env.APP_URL = appUrl;
  return {
    // Only the sandboxes asked for exist; the types trust the caller to use those.
    shopify: started.shopify!,
    square: started.square!,
    intuit: started.intuit!,
    close: async () => {
      await Promise.all([started.shopify?.close(), started.square?.close(), started.intuit?.close()]);
    },
  };
}

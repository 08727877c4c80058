import { z } from "zod";
import { accountingMappingSchema } from "~/domain/accounting/mapping";

/**
 * An accounting sync's settings (Sync.settings): the merchant's mapping, and what posting needs to know of the
 * QuickBooks company (read when the sync was turned on, so each order does not read the company again).
 */
export const accountingSyncSettings = accountingMappingSchema.extend({
  company: z.object({ homeCurrency: z.string().regex(/^[A-Z]{3}$/), multiCurrencyEnabled: z.boolean(), automatedSalesTax: z.boolean() }),
});
export type AccountingSyncSettings = z.output<typeof accountingSyncSettings>;

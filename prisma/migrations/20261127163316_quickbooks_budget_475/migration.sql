-- QuickBooks realms' shared budgets take the new shape (app/sync/budgets.server.ts): a burst of 25 and 475 a
-- minute, still at most 500 in any 60 seconds. Buckets are created with the shape of their first call, so
-- existing ones are reshaped here; tokens above the new capacity are dropped.
UPDATE "VendorBudget"
SET capacity = 25, "refillPerSecond" = 475.0 / 60, tokens = LEAST(tokens, 25)
WHERE provider = 'QUICKBOOKS';

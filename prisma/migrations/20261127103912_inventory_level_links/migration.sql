-- CreateTable
CREATE TABLE "InventoryLevelLink" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "syncId" UUID NOT NULL,
    "sku" TEXT NOT NULL,
    "shopifyInventoryItemId" TEXT NOT NULL,
    "shopifyLocationId" TEXT NOT NULL,
    "squareVariationId" TEXT NOT NULL,
    "squareLocationId" TEXT NOT NULL,
    "shopifyCount" INTEGER NOT NULL,
    "squareCount" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "pendingWrites" JSONB,
    "lastPropagatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InventoryLevelLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InventoryLevelLink_tenantId_idx" ON "InventoryLevelLink"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "InventoryLevelLink_syncId_shopifyInventoryItemId_shopifyLoc_key" ON "InventoryLevelLink"("syncId", "shopifyInventoryItemId", "shopifyLocationId");

-- CreateIndex
CREATE UNIQUE INDEX "InventoryLevelLink_syncId_squareVariationId_squareLocationI_key" ON "InventoryLevelLink"("syncId", "squareVariationId", "squareLocationId");

-- AddForeignKey
ALTER TABLE "InventoryLevelLink" ADD CONSTRAINT "InventoryLevelLink_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryLevelLink" ADD CONSTRAINT "InventoryLevelLink_syncId_fkey" FOREIGN KEY ("syncId") REFERENCES "Sync"("id") ON DELETE CASCADE ON UPDATE CASCADE;

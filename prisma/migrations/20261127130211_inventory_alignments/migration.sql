-- CreateTable
CREATE TABLE "InventoryAlignment" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "syncId" UUID NOT NULL,
    "scanId" UUID NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'READING',
    "done" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER,
    "rows" JSONB,
    "summary" JSONB,
    "error" TEXT,
    "confirmedBy" TEXT,
    "confirmedAt" TIMESTAMP(3),
    "runId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "InventoryAlignment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InventoryAlignment_tenantId_createdAt_idx" ON "InventoryAlignment"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "InventoryAlignment" ADD CONSTRAINT "InventoryAlignment_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryAlignment" ADD CONSTRAINT "InventoryAlignment_syncId_fkey" FOREIGN KEY ("syncId") REFERENCES "Sync"("id") ON DELETE CASCADE ON UPDATE CASCADE;

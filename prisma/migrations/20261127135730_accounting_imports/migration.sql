-- CreateTable
CREATE TABLE "AccountingImport" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "syncId" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "startDate" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'RUNNING',
    "ordersFound" INTEGER,
    "ordersPosted" INTEGER NOT NULL DEFAULT 0,
    "ordersNotPosted" INTEGER NOT NULL DEFAULT 0,
    "cursor" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "AccountingImport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AccountingImport_tenantId_createdAt_idx" ON "AccountingImport"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "AccountingImport" ADD CONSTRAINT "AccountingImport_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingImport" ADD CONSTRAINT "AccountingImport_syncId_fkey" FOREIGN KEY ("syncId") REFERENCES "Sync"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "AccountingDocument" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "syncId" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "entity" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "docNumber" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "qboId" TEXT,
    "syncToken" TEXT,
    "txnDate" TEXT NOT NULL,
    "locationId" TEXT,
    "currency" TEXT NOT NULL,
    "totalMinor" INTEGER NOT NULL,
    "payload" JSONB NOT NULL,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "postedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AccountingDocument_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AccountingDocument_tenantId_status_idx" ON "AccountingDocument"("tenantId", "status");

-- CreateIndex
CREATE INDEX "AccountingDocument_tenantId_txnDate_idx" ON "AccountingDocument"("tenantId", "txnDate");

-- CreateIndex
CREATE INDEX "AccountingDocument_tenantId_createdAt_idx" ON "AccountingDocument"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AccountingDocument_tenantId_source_sourceId_kind_key" ON "AccountingDocument"("tenantId", "source", "sourceId", "kind");

-- AddForeignKey
ALTER TABLE "AccountingDocument" ADD CONSTRAINT "AccountingDocument_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingDocument" ADD CONSTRAINT "AccountingDocument_syncId_fkey" FOREIGN KEY ("syncId") REFERENCES "Sync"("id") ON DELETE CASCADE ON UPDATE CASCADE;

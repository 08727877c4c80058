-- CreateTable
CREATE TABLE "PausedJob" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "provider" "Provider" NOT NULL,
    "jobName" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "key" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PausedJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PausedJob_tenantId_provider_idx" ON "PausedJob"("tenantId", "provider");

-- CreateIndex
CREATE UNIQUE INDEX "PausedJob_tenantId_key_key" ON "PausedJob"("tenantId", "key");

-- AddForeignKey
ALTER TABLE "PausedJob" ADD CONSTRAINT "PausedJob_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

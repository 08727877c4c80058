-- AlterTable
ALTER TABLE "SyncRun" ADD COLUMN     "summary" TEXT;

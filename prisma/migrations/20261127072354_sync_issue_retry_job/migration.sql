-- AlterTable
ALTER TABLE "SyncIssue" ADD COLUMN     "retryJob" JSONB;

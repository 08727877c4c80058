import type { PrismaClient } from "~/db.server";
import type { PostingMode } from "~/domain/accounting/mapping";
import type { JobQueue } from "~/jobs/queue.server";

/**
 * Placeholder so the Accounting page compiles on its own branch: the real module (turning the accounting sync on
 * and off, with the mapping checked first) is written separately and replaces this file when the branches merge.
 */

export type AccountingSetupResult = { ok: true; message: string } | { ok: false; message: string; problems?: string[] };

export async function enableAccountingSync(
  _db: PrismaClient,
  _queue: Pick<JobQueue, "send" | "boss">,
  _input: { tenantId: string; actor: string; modes: { square?: PostingMode; shopify?: PostingMode } },
): Promise<AccountingSetupResult> {
  throw new Error("not wired yet");
}

export async function disableAccountingSync(_db: PrismaClient, _queue: Pick<JobQueue, "send" | "boss">, _input: { tenantId: string; actor: string }): Promise<AccountingSetupResult> {
  throw new Error("not wired yet");
}

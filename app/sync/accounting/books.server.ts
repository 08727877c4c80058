import type { PrismaClient } from "~/db.server";
import { createDocument, findDocumentByDocNumber, readDocument, updateDocument, type DocumentUpdate } from "~/integrations/quickbooks/accounting.server";
import { QuickBooksFault, type QuickBooksAccount } from "~/integrations/quickbooks/api-client.server";
import { faultMessage } from "~/integrations/quickbooks/faults.server";
import { TransientError } from "~/jobs/errors";
import type { BooksPort } from "./posting.server";

const ENTITY_WORDS: Record<string, string> = { SalesReceipt: "sales receipt", RefundReceipt: "refund receipt", JournalEntry: "journal entry" };

/** The QuickBooks calls posting makes, bound to one tenant's realm. */
export function quickBooksBooks(db: PrismaClient, account: QuickBooksAccount): BooksPort {
  return {
    create: (entity, payload, requestId) => createDocument(db, account, entity, payload, requestId),
    update: (entity, payload, requestId) => updateDocument(db, account, entity, payload as DocumentUpdate, requestId),
    findByDocNumber: (entity, docNumber) => findDocumentByDocNumber(db, account, entity, docNumber),
    async read(entity, id) {
      const document = await readDocument(db, account, entity, id);
      if (!document) throw new TransientError(`QuickBooks ${entity} ${id} was not found while reading its SyncToken`);
      return document;
    },
    refusalOf(error, context) {
      if (!(error instanceof QuickBooksFault)) return null;
      return { code: error.code, problem: faultMessage(error, { subject: `${ENTITY_WORDS[context.entity] ?? context.entity} ${context.docNumber}`, payload: context.payload }) };
    },
  };
}

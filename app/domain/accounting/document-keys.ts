/**
 * The two names every QuickBooks document Tillbridge posts carries: a `requestid` and a `DocNumber`.
 *
 * - `requestid` makes a post idempotent: QuickBooks answers a repeated requestid with the first answer instead of
 *   creating a second document. It must be unique per company and at most 50 characters (36 inside a batch), so
 *   it is a name-based UUID (version 5, RFC 9562) of tenant, source, source id, document kind and revision: the
 *   same document always gets the same id, a corrected revision a new one, and 122 hashed bits make a collision
 *   between different documents practically impossible. 36 characters, so it also fits a batch.
 * - `DocNumber` (at most 21 characters, Finance.xsd) is what the merchant reads and searches in QuickBooks:
 *   `SQ-` + the first 4 characters of the Square order id + 9 of a hash of the whole id (45 bits: no two orders
 *   of one merchant share a number even if their ids share a start); `SH-` + the Shopify order name (`SH-#1001`,
 *   unique in a shop); refunds add `-R<n>` (the n-th refund of the sale, up to 99); the journal entries that go with a sale or
 *   refund add `T` (tenders moved) or `F` (fees); daily summaries are `SQD-`/`SHD-` + the date + a short hash of
 *   the location, and a correcting entry for a closed period adds `-C<revision>`.
 */
import { createHash } from "node:crypto";
import type { Source } from "./source-sale";

export const DOCUMENT_KINDS = ["sale", "sale_tenders", "sale_fees", "refund", "refund_tenders", "refund_fees", "daily_summary", "daily_correction", "order_correction"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const REQUEST_ID_MAX_LENGTH = 50;
export const BATCH_REQUEST_ID_MAX_LENGTH = 36;
export const DOC_NUMBER_MAX_LENGTH = 21;

/** Tillbridge's namespace for name-based UUIDs (itself a random v4 UUID, fixed forever: changing it changes every key). */
const NAMESPACE = "6f1d3c2a-8b4e-4f7a-9c1d-2e5b7a9f0c34";

function uuidV5(name: string): string {
  const namespaceBytes = Buffer.from(NAMESPACE.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(namespaceBytes).update(Buffer.from(name, "utf8")).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface DocumentIdentity {
  tenantId: string;
  source: Source;
  /** The sale's order id, the refund's id, or for a daily summary `dailySourceId(locationId, businessDate)`. */
  sourceId: string;
  kind: DocumentKind;
  /** 0 for the first version; a corrected document gets the next revision, and so a new requestid. */
  revision: number;
}

export function requestIdFor(identity: DocumentIdentity): string {
  if (!Number.isInteger(identity.revision) || identity.revision < 0) throw new Error(`revision must be a whole number ≥ 0, not ${identity.revision}`);
  // JSON of an array: no separator inside an id can make two different identities read the same.
  return uuidV5(JSON.stringify([identity.tenantId, identity.source, identity.sourceId, identity.kind, identity.revision]));
}

export function dailySourceId(locationId: string, businessDate: string): string {
  return `${locationId}@${businessDate}`;
}

/** Crockford base32 (no I, L, O, U): short hashes that read unambiguously aloud and on paper. */
const BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function shortHash(text: string, length: number): string {
  const digest = createHash("sha256").update(text, "utf8").digest();
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of digest) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === length) break;
  }
  return out;
}

/** Room kept after a sale's number for the longest suffix, a refund's transfer entry (`-R99T`). */
const LONGEST_SUFFIX = 5;

/** The DocNumber of a sale: `SQ-` + 4 characters of the order id + 9 of its hash, or `SH-` + the order name. */
export function saleDocNumber(source: Source, sourceId: string, sourceName?: string): string {
  if (source === "shopify") {
    // Shopify order names are unique in a shop ("#1001", or with the shop's own prefix and suffix). A name that
    // would not leave room for the longest suffix ("-R99T") falls back to a hash of the order id.
    const name = sourceName?.trim().replace(/\s+/g, "");
    if (name && /^[\w#-]+$/.test(name) && `SH-${name}`.length <= DOC_NUMBER_MAX_LENGTH - LONGEST_SUFFIX) return `SH-${name}`;
    return `SH-${shortHash(sourceId, 13)}`;
  }
  // The id's start makes the number recognisable next to the Square dashboard; the hash (45 bits) keeps apart
  // orders whose ids share their first characters, should Square's ids not be random there.
  const start = sourceId.replace(/[^A-Za-z0-9]/g, "").slice(0, 4);
  return `SQ-${start}${shortHash(sourceId, 13 - start.length)}`;
}

const SUFFIX: Record<Exclude<DocumentKind, "daily_summary" | "daily_correction" | "order_correction">, (sequence: number) => string> = {
  sale: () => "",
  sale_tenders: () => "-T",
  sale_fees: () => "-F",
  refund: (sequence) => `-R${sequence}`,
  refund_tenders: (sequence) => `-R${sequence}T`,
  refund_fees: (sequence) => `-R${sequence}F`,
};

export interface OrderDocNumberInput {
  source: Source;
  /** The sale's order id (for refunds too: refunds are numbered after their sale). */
  saleSourceId: string;
  saleSourceName?: string;
  kind: Exclude<DocumentKind, "daily_summary" | "daily_correction" | "order_correction">;
  /** The refund's sequence among its sale's refunds (1 to 99); ignored for sale documents. */
  refundSequence?: number;
}

export function orderDocNumber(input: OrderDocNumberInput): string {
  const sequence = input.refundSequence ?? 1;
  if (input.kind.startsWith("refund") && (!Number.isInteger(sequence) || sequence < 1 || sequence > 99)) {
    throw new Error(`a refund's sequence must be between 1 and 99, not ${sequence}`);
  }
  const docNumber = saleDocNumber(input.source, input.saleSourceId, input.saleSourceName) + SUFFIX[input.kind](sequence);
  return assertDocNumber(docNumber);
}

/** `SQD-20261126-7K2M`: source, business date, and a hash of the location; a correcting entry adds `-C<revision>`. */
export function dailyDocNumber(source: Source, locationId: string, businessDate: string, correctionRevision?: number): string {
  const prefix = source === "square" ? "SQD" : "SHD";
  const base = `${prefix}-${businessDate.replace(/-/g, "")}-${shortHash(`${source}:${locationId}`, 4)}`;
  if (correctionRevision === undefined) return assertDocNumber(base);
  if (!Number.isInteger(correctionRevision) || correctionRevision < 1 || correctionRevision > 99) throw new Error(`a correction's revision must be between 1 and 99, not ${correctionRevision}`);
  return assertDocNumber(`${base}-C${correctionRevision}`);
}

function assertDocNumber(docNumber: string): string {
  if (docNumber.length > DOC_NUMBER_MAX_LENGTH) throw new Error(`DocNumber "${docNumber}" is longer than QuickBooks' ${DOC_NUMBER_MAX_LENGTH} characters`);
  return docNumber;
}

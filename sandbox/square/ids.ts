import { createHash, randomInt } from "node:crypto";

/**
 * Catalog and inventory ids shaped like Square's: 24 characters of A–Z and 2–7 (e.g. W62UWFY35CWMYGVWK6TWJDNI).
 * Seeded objects get ids derived from a stable key, so fixtures and logs are the same on every run.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const LENGTH = 24;

export function newSquareId(): string {
  let id = "";
  for (let index = 0; index < LENGTH; index++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

export function seededSquareId(key: string): string {
  const digest = createHash("sha256").update(key).digest();
  let id = "";
  for (let index = 0; index < LENGTH; index++) id += ALPHABET[digest[index]! % ALPHABET.length];
  return id;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Order, payment and refund ids shaped like Square's: mixed-case letters and digits (e.g. order
 * "CAISEM82RcpmcFBM0TfOyiHV3es", payment "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY"). Apps must treat them as opaque.
 */
export function newBase62Id(length: number): string {
  let id = "";
  for (let index = 0; index < length; index++) id += BASE62[randomInt(BASE62.length)];
  return id;
}

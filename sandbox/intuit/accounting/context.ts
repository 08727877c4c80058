import type { Books } from "./books";

/** What a write needs besides the payload: the company's books, the sandbox clock, and the request's options. */
export interface WriteContext {
  books: Books;
  now: number;
  /** `include=allowduplicatedocnum` on the request (Intuit's opt-out of the duplicate DocNumber check). */
  allowDuplicateDocNumber: boolean;
}

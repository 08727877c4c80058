import OAuthClient from "intuit-oauth";
import { z } from "zod";
import { getConfig } from "~/config.server";
import type { PrismaClient } from "~/db.server";
import { refreshConnectionTokens } from "~/integrations/connections/token-refresh.server";
import { ConnectionAuthorizationError, PermanentJobError, TransientError } from "~/jobs/errors";
import { readConnectionCredentials } from "~/models/connections.server";
import { logger } from "~/observability/logger.server";
import { getKeyRing } from "~/security/key-ring.server";
import { callVendor } from "~/sync/vendor-calls.server";
import { intuitOAuthEndpoints } from "../../../sandbox/intuit/endpoints";
import { quickBooksConnector, type QuickBooksCredentials } from "./connector.server";

/**
 * One QuickBooks Online Accounting API call of a tenant's company, made the way every job must make it:
 *
 *  - with the connection's stored (sealed) tokens, renewed first through the shared refresh path when the access
 *    token is near its end (refreshConnectionTokens: one renewal per connection across processes, the rotated
 *    refresh token written at once), and renewed once more if QuickBooks refuses the token anyway (Intuit's advice
 *    for a 401: refresh, then try again);
 *  - through callVendor, so it waits its turn in the realm's shared budget (500 a minute, 10 in flight);
 *  - as JSON (`Accept: application/json`), at `minorversion=75`, with an optional `requestid` (at most 50
 *    characters, 36 on /batch) that makes a write idempotent: QuickBooks answers a repeated id with the kept answer;
 *  - with plain `fetch`, not intuit-oauth's makeApiCall: makeApiCall drops the Fault body of 401 and 403 answers,
 *    and fault 120 (the user lost access) and 3100 (wrong company or scope) are only told apart by that body;
 *    fetch also gives the `intuit_tid` header of every answer and an AbortSignal timeout;
 *  - its answer validated with the caller's zod schema, and its failures translated into the job error taxonomy
 *    (app/jobs/errors.ts): see `translateAnswer`.
 */

export interface QuickBooksAccount {
  tenantId: string;
  /** The QuickBooks company (realm) the tenant connected. */
  realmId: string;
}

export type QuickBooksMethod = "GET" | "POST";

export interface QuickBooksRequest {
  method: QuickBooksMethod;
  /** Relative to /v3/company/<realmId>/, e.g. "salesreceipt", "salesreceipt/42", "query", "batch". */
  path: string;
  /** Further query parameters (minorversion and requestid are added here). */
  query?: Record<string, string>;
  /** A JSON body, or for "query" the query text itself (sent as application/text). */
  body?: unknown;
  /** Intuit's idempotency key for writes: a repeated id is answered with the first answer, nothing is redone. */
  requestId?: string;
  /** How long to wait for the answer; 30 s by default. */
  timeoutMs?: number;
}

/** Every call asks for minor version 75: Intuit ignores 1–74 since 2025-08-01 (reference §7). */
export const MINOR_VERSION = "75";
const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_REQUEST_ID_LENGTH = 50;
export const MAX_BATCH_REQUEST_ID_LENGTH = 36;

const pathSchema = z.string().regex(/^[a-z]+(\/[A-Za-z0-9_-]+)?$/, "a QuickBooks API path such as salesreceipt or salesreceipt/42");
const requestIdSchema = z.string().min(1).max(MAX_REQUEST_ID_LENGTH).regex(/^[\x21-\x7e]+$/, "printable characters without spaces");

/**
 * A QuickBooks validation fault (HTTP 400 with a Fault body): the request was understood and refused. Callers
 * decide what each code means for them (6140 duplicate DocNumber, 5010 stale SyncToken, 6240 duplicate name,
 * 2500 invalid reference, 6000 business rule...), usually by `faultProblem` (faults.server.ts), which tells the
 * merchant. One nobody translated is a defect: retrying the same request gets the same answer.
 */
export class QuickBooksFault extends PermanentJobError {
  override name = "QuickBooksFault";
  readonly code: string;
  /** The element QuickBooks names (e.g. "DocNumber", "Line.SalesItemLineDetail.ItemRef"); "" when none. */
  readonly element: string;
  /** QuickBooks' own Message ("Duplicate Document Number Error"). */
  readonly faultMessage: string;
  readonly detail: string;
  /** ValidationFault, SystemFault, ... */
  readonly faultType: string;
  readonly intuitTid: string | null;
  constructor(fault: { code: string; element?: string; message?: string; detail?: string; type?: string; intuitTid?: string | null }) {
    super(`QuickBooks refused the request (${fault.code} ${fault.message ?? ""}): ${fault.detail ?? ""}`.trim());
    this.code = fault.code;
    this.element = fault.element ?? "";
    this.faultMessage = fault.message ?? "";
    this.detail = fault.detail ?? "";
    this.faultType = fault.type ?? "";
    this.intuitTid = fault.intuitTid ?? null;
  }
}

/**
 * A write whose answer never came (5xx, a dropped connection, a timeout): QuickBooks may have done it. Sending it
 * again with the same requestid is safe (QuickBooks answers the kept answer); without one, the poster must look
 * for the document (by DocNumber) before creating it again.
 */
export class QuickBooksOutcomeUnknownError extends TransientError {
  override name = "QuickBooksOutcomeUnknownError";
  readonly outcomeUnknown = true;
  constructor(
    message: string,
    readonly request: { method: QuickBooksMethod; path: string; requestId?: string },
  ) {
    super(message);
  }
}

/** Whether a failed write may have been carried out (see QuickBooksOutcomeUnknownError). */
export function isOutcomeUnknown(error: unknown): error is QuickBooksOutcomeUnknownError {
  return error instanceof QuickBooksOutcomeUnknownError;
}

/** A Fault as QuickBooks writes it (IntuitRestServiceDef.xsd), in an error answer or a batch item's answer. */
export const faultSchema = z.object({
  type: z.string().optional(),
  Error: z
    .array(z.object({ Message: z.string().optional(), Detail: z.string().optional(), code: z.union([z.string(), z.number()]).transform(String), element: z.string().optional() }))
    .min(1),
});
const faultBodySchema = z.object({ Fault: faultSchema });

/** The first error of a Fault as a QuickBooksFault (QuickBooks puts the one that matters first). */
export function toQuickBooksFault(fault: z.infer<typeof faultSchema>, intuitTid: string | null): QuickBooksFault {
  const [first] = fault.Error;
  return new QuickBooksFault({
    code: first?.code ?? "unknown",
    ...(first?.element !== undefined && { element: first.element }),
    ...(first?.Message !== undefined && { message: first.Message }),
    ...(first?.Detail !== undefined && { detail: first.Detail }),
    ...(fault.type !== undefined && { type: fault.type }),
    intuitTid,
  });
}

/** The API's base URL: the local sandbox's when QuickBooks runs against it, else Intuit's for the environment. */
export function quickBooksApiBaseUrl(): string {
  const config = getConfig();
  if (config.sandboxed.quickbooks) return intuitOAuthEndpoints(config.sandbox.intuitUrl).apiBaseUrl;
  const base = OAuthClient.environment[config.quickbooks.environment];
  return base.endsWith("/") ? base : `${base}/`;
}

/** The tenant's connected QuickBooks company, or ConnectionAuthorizationError when there is none to use. */
export async function quickBooksAccount(db: PrismaClient, tenantId: string): Promise<QuickBooksAccount> {
  const connection = await db.connection.findUnique({ where: { tenantId_provider: { tenantId, provider: "QUICKBOOKS" } }, select: { externalId: true, status: true } });
  if (!connection || connection.status !== "ACTIVE") throw notConnected(tenantId, connection?.status);
  return { tenantId, realmId: connection.externalId };
}

function notConnected(tenantId: string, status: string | undefined): ConnectionAuthorizationError {
  const message = status === "NEEDS_REAUTH" ? "QuickBooks needs to be reconnected before Tillbridge can post to it." : "QuickBooks is not connected.";
  return new ConnectionAuthorizationError(message, { tenantId, provider: "QUICKBOOKS" });
}

interface UsableToken {
  connectionId: string;
  accessToken: string;
  /** When this access token ends (ms), as the stored credentials say. */
  expiresAtMs: number;
}

async function readToken(db: PrismaClient, account: QuickBooksAccount): Promise<UsableToken & { credentials: QuickBooksCredentials }> {
  const stored = await readConnectionCredentials<QuickBooksCredentials>(db, getKeyRing(getConfig()), account.tenantId, "QUICKBOOKS");
  if (!stored || stored.connection.status !== "ACTIVE") throw notConnected(account.tenantId, stored?.connection.status);
  if (stored.connection.externalId !== account.realmId) {
    // The merchant connected another company since this work was planned: posting it there would be wrong.
    throw new PermanentJobError(`QuickBooks is now connected to company ${stored.connection.externalId}, not ${account.realmId}`);
  }
  const { credentials } = stored;
  return {
    connectionId: stored.connection.id,
    accessToken: credentials.accessToken,
    expiresAtMs: Date.parse(credentials.createdAt) + credentials.expiresIn * 1000,
    credentials,
  };
}

/**
 * Renews the connection's tokens through the shared refresh path. `asOf` is the moment the renewal is judged
 * from: now for a token near its end, or the refused token's own expiry after a 401, which makes the renewal due
 * unless another process renewed since that token was read (then its newer token is simply used).
 */
async function renewTokens(db: PrismaClient, account: QuickBooksAccount, connectionId: string, asOf: Date): Promise<void> {
  let outcome;
  try {
    outcome = await refreshConnectionTokens(db, connectionId, asOf);
  } catch (error) {
    // Intuit's token endpoint unreachable or failing: the renewal (and this call) is tried again later.
    throw new TransientError(`QuickBooks could not renew Tillbridge's access just now: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (outcome === "authorization-lost") {
    // refreshConnectionTokens has marked the connection NEEDS_REAUTH and told the merchant what to do.
    throw new ConnectionAuthorizationError("QuickBooks refused to renew Tillbridge's access (the authorization expired or was revoked). Reconnect QuickBooks.", {
      tenantId: account.tenantId,
      provider: "QUICKBOOKS",
    });
  }
  if (outcome === "not-connected") throw notConnected(account.tenantId, undefined);
}

async function freshToken(db: PrismaClient, account: QuickBooksAccount): Promise<UsableToken> {
  const token = await readToken(db, account);
  if (!quickBooksConnector.isRefreshDue(token.credentials, new Date())) return token;
  await renewTokens(db, account, token.connectionId, new Date());
  return readToken(db, account);
}

function isWrite(request: QuickBooksRequest): boolean {
  return request.method === "POST" && request.path !== "query";
}

/** What came back from QuickBooks, before translation. */
interface Answer {
  status: number;
  intuitTid: string | null;
  json: unknown;
}

/** Thrown inside callVendor for a 429, in the shape callVendor turns into a RateLimitedError (it reads `status`). */
class ThrottledAnswer extends Error {
  readonly status = 429;
  constructor(readonly response: { status: number; headers: Headers }) {
    super("QuickBooks answered 429 (ThrottleExceeded)");
  }
}

/** Thrown inside callVendor for a 401, so the token is renewed outside the realm's in-flight slot. */
class TokenRefused extends Error {
  constructor(readonly intuitTid: string | null) {
    super("QuickBooks refused the access token (401)");
  }
}

function buildUrl(account: QuickBooksAccount, request: QuickBooksRequest): URL {
  const url = new URL(`v3/company/${encodeURIComponent(account.realmId)}/${request.path}`, quickBooksApiBaseUrl());
  for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
  url.searchParams.set("minorversion", MINOR_VERSION);
  if (request.requestId !== undefined) url.searchParams.set("requestid", request.requestId);
  return url;
}

async function send(account: QuickBooksAccount, request: QuickBooksRequest, accessToken: string): Promise<Answer> {
  const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${accessToken}` };
  let body: string | undefined;
  if (request.body !== undefined) {
    const isQueryText = request.path === "query" && typeof request.body === "string";
    headers["Content-Type"] = isQueryText ? "application/text" : "application/json";
    body = isQueryText ? (request.body as string) : JSON.stringify(request.body);
  }
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(buildUrl(account, request), { method: request.method, headers, body, signal: AbortSignal.timeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const what = timedOut ? `no answer within ${Math.round((request.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s` : `the connection failed (${describeNetworkError(error)})`;
    logger.warn({ realmId: account.realmId, method: request.method, path: request.path, requestId: request.requestId, timedOut }, "QuickBooks call got no answer");
    throw noAnswer(request, `QuickBooks: ${what}`);
  }
  const intuitTid = response.headers.get("intuit_tid");
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // The answer broke off (or timed out) after its status: as good as no answer.
    throw noAnswer(request, `QuickBooks' answer broke off (HTTP ${response.status}, intuit_tid ${intuitTid ?? "none"}): ${describeNetworkError(error)}`);
  }
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  const durationMs = Math.round(performance.now() - started);
  const fields = { realmId: account.realmId, method: request.method, path: request.path, status: response.status, intuitTid, requestId: request.requestId, durationMs };
  if (response.ok) logger.debug(fields, "QuickBooks call");
  else logger.warn({ ...fields, fault: faultBodySchema.safeParse(json).data?.Fault.Error[0]?.code }, "QuickBooks call refused");
  if (response.status === 429) throw new ThrottledAnswer({ status: 429, headers: response.headers });
  if (response.status === 401) throw new TokenRefused(intuitTid);
  return { status: response.status, intuitTid, json };
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** No answer (or a 5xx): a read is simply sent again later; a write's outcome is unknown. */
function noAnswer(request: QuickBooksRequest, message: string): TransientError {
  if (!isWrite(request)) return new TransientError(message);
  const replay = request.requestId ? "sending it again with the same requestid is safe" : "it may have been carried out";
  return new QuickBooksOutcomeUnknownError(`${message}; ${replay}`, { method: request.method, path: request.path, ...(request.requestId !== undefined && { requestId: request.requestId }) });
}

/**
 * An answer in the job error taxonomy:
 *  - 2xx: the body parsed by `schema` (a body of another shape is a defect: Tillbridge misreads QuickBooks);
 *  - 403 fault 120 (the connecting user lost access) or 3100 (wrong company or scope) → ConnectionAuthorizationError:
 *    only the merchant can fix it by reconnecting (the job runner marks the connection NEEDS_REAUTH);
 *  - 5xx → TransientError (QuickBooksOutcomeUnknownError for writes);
 *  - 400 with a Fault → QuickBooksFault, for the caller to decide;
 *  - anything else → a defect (a path or request Tillbridge got wrong).
 * (429 and 401 are handled before: callVendor's RateLimitedError, and a token renewal.)
 */
function translateAnswer<T>(account: QuickBooksAccount, request: QuickBooksRequest, answer: Answer, schema: z.ZodType<T>): T {
  if (answer.status >= 200 && answer.status < 300) {
    const parsed = schema.safeParse(answer.json);
    if (!parsed.success) {
      throw new PermanentJobError(`QuickBooks answered ${request.method} ${request.path} in a shape Tillbridge does not expect (intuit_tid ${answer.intuitTid ?? "none"}): ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
  }
  const fault = faultBodySchema.safeParse(answer.json).data?.Fault;
  const first = fault?.Error[0];
  if (answer.status === 403) {
    const message =
      first?.code === "120"
        ? "The QuickBooks user who connected Tillbridge can no longer open this company (QuickBooks fault 120). Reconnect QuickBooks as a user with access."
        : `QuickBooks no longer lets Tillbridge work in this company (HTTP 403${first ? `, fault ${first.code}` : ""}). Reconnect QuickBooks.`;
    throw new ConnectionAuthorizationError(message, { tenantId: account.tenantId, provider: "QUICKBOOKS" });
  }
  if (answer.status >= 500) throw noAnswer(request, `QuickBooks answered HTTP ${answer.status}${first ? ` (${first.code} ${first.Message ?? ""})` : ""}`);
  if (fault) throw toQuickBooksFault(fault, answer.intuitTid);
  throw new PermanentJobError(`QuickBooks answered ${request.method} ${request.path} with HTTP ${answer.status} and no fault (intuit_tid ${answer.intuitTid ?? "none"})`);
}

/**
 * Sends one request to the tenant's QuickBooks company and answers its body parsed by `schema`. Throws the job
 * error taxonomy's errors, QuickBooksFault for a refused request, QuickBooksOutcomeUnknownError for a write
 * whose answer was lost.
 */
export async function quickBooksRequest<T>(db: PrismaClient, account: QuickBooksAccount, request: QuickBooksRequest, schema: z.ZodType<T>): Promise<T> {
  pathSchema.parse(request.path);
  if (request.requestId !== undefined) {
    const limit = request.path === "batch" ? MAX_BATCH_REQUEST_ID_LENGTH : MAX_REQUEST_ID_LENGTH;
    requestIdSchema.max(limit).parse(request.requestId);
  }
  let token = await freshToken(db, account);
  for (let attempt = 1; ; attempt++) {
    try {
      return await callVendor(db, { provider: "QUICKBOOKS", account: account.realmId }, async () => translateAnswer(account, request, await send(account, request, token.accessToken), schema));
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      if (attempt > 1) {
        throw new ConnectionAuthorizationError("QuickBooks refuses Tillbridge's access even after renewing it. Reconnect QuickBooks.", { tenantId: account.tenantId, provider: "QUICKBOOKS" });
      }
      // A 401 with a token we hold for current: renew it (a revoked grant fails here and is marked) and try once more.
      logger.info({ realmId: account.realmId, intuitTid: error.intuitTid }, "QuickBooks refused the access token; renewing it");
      await renewTokens(db, account, token.connectionId, new Date(Math.max(token.expiresAtMs, Date.now())));
      token = await readToken(db, account);
    }
  }
}

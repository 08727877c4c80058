import { SquareError } from "square";
import { z } from "zod";
import { ConnectionAuthorizationError, TransientError } from "~/jobs/errors";
import { throttleWaitMs } from "~/sync/vendor-calls.server";

/**
 * What a failed Square call means for the job that made it (app/jobs/errors.ts): a 429 is left for callVendor to
 * turn into a wait; a refused or revoked token, or missing permissions, needs the merchant to reconnect; a 5xx, a
 * timeout or no answer at all is worth trying again; any other refusal is the caller's to describe.
 */
export function squareCallError(
  error: unknown,
  tenantId: string,
  options: { missingPermission: string; refused: (error: SquareError, status: number, codes: string[]) => unknown },
): unknown {
  if (throttleWaitMs(error) !== null) return error;
  if (error instanceof SquareError) {
    const status = error.statusCode ?? 0;
    const codes = error.errors.map((entry) => entry.code);
    if (status === 401 || codes.includes("ACCESS_TOKEN_REVOKED") || codes.includes("ACCESS_TOKEN_EXPIRED")) {
      return new ConnectionAuthorizationError(`Square refused the access token (${codes.join(", ") || status})`, { tenantId, provider: "SQUARE" });
    }
    if (status === 403) return new ConnectionAuthorizationError(options.missingPermission, { tenantId, provider: "SQUARE" });
    if (status >= 500 || status === 408 || status === 0) return new TransientError(`Square answered ${status || "without a status"}`);
    return options.refused(error, status, codes);
  }
  // No answer (a reset connection, a timeout). A response that failed validation is a defect, not a hiccup.
  if (error instanceof Error && !(error instanceof z.ZodError)) return new TransientError(`No answer from Square: ${error.message}`);
  return error;
}

/**
 * QuickBooks error answers: an IntuitResponse holding a Fault (IntuitRestServiceDef.xsd: Fault has `type` and
 * Error[] with Message, Detail and the `code` / `element` attributes). Codes, messages and types are the ones
 * public reports quote from Intuit's answers (see README.md, "Error answers"): the gateway's answers (3200, 3100,
 * 3001) carry "message=...; errorCode=00NNNN; statusCode=NNN" as their Message. (The switches that inject
 * throttles and 5xx are the shared ones in sandbox/common/faults.ts; this file is only what QuickBooks answers.)
 */

export interface FaultError {
  Message: string;
  Detail?: string;
  code: string;
  element?: string;
}

export interface QuickBooksFault {
  status: number;
  type: string;
  error: FaultError;
}

export function authenticationFailed(detail: string): QuickBooksFault {
  return {
    status: 401,
    type: "AUTHENTICATION",
    error: { Message: "message=AuthenticationFailed; errorCode=003200; statusCode=401", Detail: detail, code: "3200" },
  };
}

/** Wrong realm for the token, or a token without the accounting scope. */
export function applicationAuthorizationFailed(detail: string): QuickBooksFault {
  return {
    status: 403,
    type: "SERVICE",
    error: { Message: "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", Detail: detail, code: "3100" },
  };
}

/** The company no longer lets the connecting user in (e.g. the admin was removed, the subscription lapsed). */
export function authorizationFailure(): QuickBooksFault {
  return {
    status: 403,
    type: "AuthorizationFault",
    error: { Message: "Authorization Failure", Detail: "Authorization Failure: the user of this connection cannot access the company", code: "120", element: "" },
  };
}

export function throttleExceeded(): QuickBooksFault {
  return {
    status: 429,
    type: "SERVICE",
    error: { Message: "message=ThrottleExceeded; errorCode=003001; statusCode=429", Detail: "The request limit was reached.  Try again later", code: "3001" },
  };
}

export function serverError(status: number): QuickBooksFault {
  return {
    status,
    type: "SystemFault",
    error: { Message: "An application error has occurred while processing your request", Detail: "System Failure Error: injected by the Tillbridge QuickBooks sandbox", code: "10000" },
  };
}

export function objectNotFound(detail: string): QuickBooksFault {
  return { status: 400, type: "ValidationFault", error: { Message: "Object Not Found", Detail: detail, code: "610", element: "" } };
}

export function notImplemented(detail: string): QuickBooksFault {
  return {
    status: 400,
    type: "ValidationFault",
    error: { Message: "Not implemented in the Tillbridge QuickBooks sandbox", Detail: detail, code: "NOT_IMPLEMENTED_IN_SANDBOX", element: "" },
  };
}

export function faultBody(fault: QuickBooksFault): { Fault: { Error: FaultError[]; type: string } } {
  return { Fault: { Error: [fault.error], type: fault.type } };
}

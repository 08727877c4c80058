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

/**
 * The accounting API's validation answers. Messages follow Intuit's answers quoted in public reports (README.md,
 * "Error answers"); the Details are the sandbox's own wording unless noted.
 */
function validationFault(code: string, message: string, detail: string, element = ""): QuickBooksFault {
  return { status: 400, type: "ValidationFault", error: { Message: message, Detail: detail, code, element } };
}

/** 2010: a property the entity does not have, or a value Intuit's JSON reader cannot turn into the property's type. */
export function unsupportedProperty(detail: string, element = ""): QuickBooksFault {
  return validationFault("2010", "Request has invalid or unsupported property", `Property Name:${detail} specified is unsupported or invalid`, element);
}

export function requiredParameterMissing(element: string, note = ""): QuickBooksFault {
  return validationFault("2020", "Required param missing, need to supply the required value for the API", `Required parameter ${element} is missing in the request${note}`, element);
}

export function stringTooLong(element: string, maxLength: number, length: number): QuickBooksFault {
  return validationFault(
    "2050",
    "String length is either shorter or longer than supported by specification",
    `String length specified does not match the supported length. Min:0 Max:${maxLength} supported. Supplied length:${length}`,
    element,
  );
}

export function invalidReference(element: string, detail: string): QuickBooksFault {
  return validationFault("2500", "Invalid Reference Id", `Invalid Reference Id : ${detail}`, element);
}

export function inactiveReference(element: string, detail: string): QuickBooksFault {
  return validationFault("610", "Object Not Found", `Object Not Found : Something you're trying to use has been made inactive. ${detail}`, element);
}

export function staleObject(): QuickBooksFault {
  return validationFault("5010", "Stale Object Error", "Stale Object Error : You and another user were working on this at the same time. The other user finished before you did, so your work was not saved.");
}

export function businessValidation(detail: string, element = ""): QuickBooksFault {
  return validationFault("6000", "A business validation error has occurred while processing your request", `Business Validation Error: ${detail}`, element);
}

export function amountCalculationIncorrect(detail: string): QuickBooksFault {
  return validationFault("6070", "Amount calculation incorrect in the request", detail, "Line.Amount");
}

export function duplicateDocNumber(detail: string): QuickBooksFault {
  return validationFault("6140", "Duplicate Document Number Error", `Duplicate Document Number Error : You must specify a different number. This number has already been used. ${detail}`, "DocNumber");
}

export function duplicateName(existingId: string): QuickBooksFault {
  return validationFault("6240", "Duplicate Name Exists Error", `The name supplied already exists. : Id=${existingId}`);
}

export function depositedTransaction(detail: string): QuickBooksFault {
  return validationFault("6540", "Deposited Transaction cannot be changed", `Deposited Transaction cannot be changed : ${detail}`);
}

export function unsupportedOperation(detail: string): QuickBooksFault {
  return validationFault("500", "Unsupported Operation", detail);
}

export function queryParserError(detail: string): QuickBooksFault {
  return validationFault("4000", "Error parsing query", `QueryParserError: ${detail}`);
}

export function invalidQuery(detail: string): QuickBooksFault {
  return validationFault("4001", "Invalid query", `QueryValidationError: ${detail}`);
}

/** A malformed batch envelope (Intuit answers an empty one with code 400 "MalformedRequest", "Batch Request is Empty"). */
export function malformedRequest(detail: string): QuickBooksFault {
  return validationFault("400", "MalformedRequest", detail);
}

/** Thrown by the accounting code with the fault to answer; the routes and the batch turn it into a Fault body. */
export class QuickBooksFaultError extends Error {
  constructor(readonly fault: QuickBooksFault) {
    super(`${fault.error.code} ${fault.error.Message}: ${fault.error.Detail ?? ""}`);
  }
}

export function fail(fault: QuickBooksFault): never {
  throw new QuickBooksFaultError(fault);
}

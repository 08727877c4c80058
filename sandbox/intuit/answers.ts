import type { Request, Response } from "express";
import type { SandboxCore } from "./core";
import { faultBody, type QuickBooksFault } from "./faults";
import { intuitResponseXml } from "./xml";

/**
 * How the QuickBooks API answers: JSON when the request accepts it, else XML (IntuitResponse); every body carries
 * `time`. A body that already has its `time` (an answer kept for a requestid replay) is sent as it was.
 */

export function withTime(core: SandboxCore, body: Record<string, unknown>): Record<string, unknown> {
  return "time" in body ? body : { ...body, time: core.timestamp() };
}

export function sendAnswer(core: SandboxCore, request: Request, response: Response, status: number, body: Record<string, unknown>): void {
  const answer = withTime(core, body);
  response.status(status);
  if ((request.get("Accept") ?? "").includes("application/json")) response.json(answer);
  else response.type("application/xml").send(intuitResponseXml(answer));
}

export function sendFault(core: SandboxCore, request: Request, response: Response, fault: QuickBooksFault): void {
  sendAnswer(core, request, response, fault.status, faultBody(fault));
}

import type { NextFunction, Request, RequestHandler, Response } from "express";

/** Express 4 does not catch rejected promises of async handlers: pass them to the error handler. */
export function asyncHandler(handler: (request: Request, response: Response) => Promise<void>): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    handler(request, response).catch(next);
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

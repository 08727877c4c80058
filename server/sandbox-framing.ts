import type { NextFunction, Request, Response } from "express";

/**
 * In sandbox mode the sandbox's admin page (another origin) frames the app, where at Shopify the admin does.
 * The Shopify library writes `frame-ancestors` for Shopify's admin on the documents it answers itself (bounce
 * and exit pages, thrown responses) as well as ours, so the sandbox's origin is added here, on every response,
 * and the preload hint for Shopify's CDN (unreachable offline) is dropped.
 */
export function allowSandboxAdminToFrame(sandboxOrigin: string) {
  return (_request: Request, response: Response, next: NextFunction) => {
    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => Response;
    response.writeHead = ((...args: unknown[]) => {
      const policy = response.getHeader("Content-Security-Policy");
      if (typeof policy === "string" && policy.includes("frame-ancestors") && !policy.includes(sandboxOrigin)) {
        response.setHeader("Content-Security-Policy", policy.replace("frame-ancestors", `frame-ancestors ${sandboxOrigin}`));
      }
      const link = response.getHeader("Link");
      if (typeof link === "string" && link.includes("cdn.shopify.com")) response.removeHeader("Link");
      return writeHead(...args);
    }) as Response["writeHead"];
    next();
  };
}

/**
 * Response headers for every route, mounted once by the app factory:
 *  - HTML pages (dashboard, simulator, …): CSP with frame-ancestors 'none', nosniff, Referrer-Policy, X-Frame-Options
 *    (hono's secureHeaders; a page that sets its own, tighter CSP keeps it).
 *  - Member and merchant data (/v1/*, the simulator's API): `Cache-Control: no-store`, so no proxy or browser cache
 *    keeps balances, phones or names. The public OpenAPI document stays cacheable.
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** The pages are self-contained: inline style and script, data from this origin only, never framed. */
export const PAGE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'unsafe-inline'"],
  styleSrc: ["'unsafe-inline'"],
  connectSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const pageHeaders = secureHeaders({
  contentSecurityPolicy: PAGE_CSP,
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  xContentTypeOptions: true,
  // Cross-origin isolation would block the simulator's reward images from other hosts.
  crossOriginEmbedderPolicy: false,
  overwrite: false,
});

const noop = async () => {};

function isMemberData(path: string): boolean {
  if (path === "/v1/openapi.json") return false;
  return path.startsWith("/v1/") || path.startsWith("/simulator/api/");
}

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const type = c.res.headers.get("content-type") ?? "";
    if (type.startsWith("text/html")) await pageHeaders(c, noop);
    else c.res.headers.set("x-content-type-options", "nosniff");
    if (isMemberData(c.req.path) && !c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
  };
}

/**
 * Audit middleware on /v1: every successful write (POST, PUT, PATCH, DELETE answered 2xx) is recorded with its API
 * key, route pattern, path and status. For the settings endpoints (a PUT whose path is also a GET) the stored value
 * before (read just before the write through the same API) and after (the PUT's answer) are kept too. Refused
 * writes (4xx) changed nothing and are not recorded. The entry is written after the handler, before the answer
 * leaves: a crash in between loses the entry, never the write (see docs/security.md).
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { writeAudit } from "../privacy/audit.ts";
import type { AppEnv } from "./env.ts";

/** PUT endpoints that replace one settings document, which their GET returns. */
export const SETTINGS_PATHS = new Set([
  "/v1/program",
  "/v1/messaging/settings",
  "/v1/llm/settings",
  "/v1/offers/settings",
  "/v1/journeys/reactivation",
  "/v1/privacy/settings",
]);

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

async function jsonOf(res: Response): Promise<unknown> {
  if (!(res.headers.get("content-type") ?? "").includes("json")) return null;
  try {
    return await res.clone().json();
  } catch {
    return null;
  }
}

/** `get` reads a path through the same app (with the caller's credentials), for a settings document's "before". */
export function auditWrites(
  get: (path: string, authorization: string) => Promise<Response>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (READS.has(c.req.method)) return next();
    const settings = c.req.method === "PUT" && SETTINGS_PATHS.has(c.req.path);
    let before: unknown = null;
    if (settings) {
      const res = await get(c.req.path, c.req.header("authorization") ?? "");
      if (res.ok) before = await jsonOf(res);
    }
    await next();
    const status = c.res.status;
    if (status < 200 || status >= 300) return;
    await writeAudit(
      c.get("db"),
      {
        merchantId: c.get("merchantId"),
        actor: c.get("actor"),
        action: `${c.req.method} ${routePath(c, -1)}`,
        target: c.req.path,
        status,
        requestId: c.get("requestId"),
        before: settings ? before : null,
        after: settings ? await jsonOf(c.res) : null,
      },
      c.get("deps").clock.now(),
    );
  };
}

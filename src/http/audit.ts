/**
 * Audit middleware on /v1: every successful write (POST, PUT, PATCH, DELETE answered 2xx) is recorded with its API
 * key, route pattern, path and status. For the settings endpoints (a PUT whose path is also a GET) the stored value
 * before (read just before the write through the same API) and after (the PUT's answer) are kept too. Refused
 * writes (4xx) changed nothing and are not recorded. The entry is written after the handler, before the answer
 * leaves: a crash in between loses the entry, never the write (see docs/security.md). Console form posts are
 * recorded the same way, as `console:<api key id>` (the key the session was opened with).
 */
import type { Context, MiddlewareHandler } from "hono";
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
    if (c.res.status < 200 || c.res.status >= 300) return;
    await record(c, c.get("merchantId"), {
      before: settings ? before : null,
      after: settings ? await jsonOf(c.res) : null,
    });
  };
}

async function record<E extends AppEnv>(c: Context<E>, merchantId: string, extra: { before: unknown; after: unknown }) {
  await writeAudit(
    c.get("db"),
    {
      merchantId,
      actor: c.get("actor"),
      action: `${c.req.method} ${routePath(c, -1)}`,
      target: c.req.path,
      status: c.res.status,
      requestId: c.get("requestId"),
      ...extra,
    },
    c.get("deps").clock.now(),
  );
}

/** The console's form posts (2xx, or the 303 after a successful post), by the session's API key. */
export function auditConsoleWrites(): MiddlewareHandler<AppEnv & { Variables: { consoleMerchantId: string } }> {
  return async (c, next) => {
    await next();
    if (READS.has(c.req.method) || c.res.status >= 400) return;
    await record(c, c.get("consoleMerchantId"), { before: null, after: null });
  };
}

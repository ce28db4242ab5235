/** The audit-log fields of an API request (docs/security.md), in one place for the middleware and for handlers. */
import type { Context } from "hono";
import { routePath } from "hono/route";
import type { AuditStamp } from "../audit/write.ts";
import type { AppEnv } from "./env.ts";

/** Actor, method + route pattern (`POST /v1/orders`), the path without its query string, and the request id. */
export function auditStamp<E extends AppEnv>(c: Context<E>): AuditStamp {
  return {
    actor: c.get("actor"),
    action: `${c.req.method} ${routePath(c, -1)}`,
    target: c.req.path,
    requestId: c.get("requestId"),
  };
}

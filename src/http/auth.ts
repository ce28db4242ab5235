/** `Authorization: Bearer <apiKey>` on /v1/*: resolves the merchant; anything else → 401 problem. */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";
import { Problem } from "./problem.ts";
import { apiKeyFor } from "../merchants/service.ts";

const unauthorized = () =>
  new Problem(401, "unauthorized", "Unauthorized", "A valid API key is required: Authorization: Bearer <apiKey>");

export function apiKeyAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized();
    const key = await apiKeyFor(c.get("db"), m[1]!);
    if (!key) throw unauthorized();
    const { merchantId } = key;
    c.set("merchantId", merchantId);
    c.set("actor", `key:${key.keyId}`);
    c.set("logger", c.get("logger").child({ merchantId }));
    await next();
  };
}

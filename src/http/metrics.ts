/**
 * `GET /metrics` (Prometheus text format) and the request counters behind it. Access: with METRICS_TOKEN set, a
 * matching `Authorization: Bearer` header; unset, only a direct loopback client on Node (TCP peer 127.0.0.1/::1 and
 * no proxy header — a reverse proxy on the same host would otherwise open it to the world). Anything else: 403.
 */
import type { Context, MiddlewareHandler } from "hono";
import { metrics, renderMetrics } from "../lib/metrics.ts";
import { Problem, problemResponse } from "./problem.ts";
import type { AppEnv } from "./env.ts";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const PROXY_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip", "cf-connecting-ip"];

function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

function allowed(c: Context<AppEnv>): boolean {
  const token = c.get("deps").config.METRICS_TOKEN;
  if (token) {
    const given = c.req.header("authorization") ?? "";
    return given.startsWith("Bearer ") && sameSecret(given.slice(7), token);
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const peer = env?.incoming?.socket?.remoteAddress;
  return !!peer && LOOPBACK.has(peer) && PROXY_HEADERS.every((h) => c.req.header(h) === undefined);
}

export function metricsRoute(c: Context<AppEnv>): Response {
  if (!allowed(c))
    return problemResponse(
      new Problem(403, "forbidden", "Forbidden", "Set METRICS_TOKEN and send it as a Bearer token to read /metrics"),
    );
  return c.body(renderMetrics(), 200, {
    "content-type": "text/plain; version=0.0.4; charset=utf-8",
    "cache-control": "no-store",
  });
}

/** Counts every request by route pattern (never the raw path: ids would explode the label set). */
export function requestMetrics(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const matched = c.req.routePath;
    const route = !matched || matched === "/*" || matched === "*" ? "unmatched" : matched;
    const status = c.res.status;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
    if (c.req.method === "POST" && route === "/v1/orders")
      metrics.orders.inc({ outcome: status < 300 ? "accepted" : "rejected" });
  };
}

/**
 * Database outages over HTTP: `/healthz` answers within a second (503 when the database is down), and a request
 * that fails because the database is unreachable gets 503 problem+json with Retry-After instead of a 500 or a hang.
 * Nothing here holds state: the next request after the database is back simply works (the pool reconnects).
 */
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import pkg from "../../package.json" with { type: "json" };
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import type { AppEnv } from "./env.ts";
import { Problem, problemResponse } from "./problem.ts";

export const VERSION: string = pkg.version;
/** Health answers well inside a load balancer's usual 2–5 s probe timeout. */
export const HEALTH_TIMEOUT_MS = 800;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function healthRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    await within(Promise.resolve(c.get("db").execute(sql`select 1`)), HEALTH_TIMEOUT_MS);
    // The body is the contract's, to the letter ({"status":"ok"}); the version rides in a header.
    c.header("x-version", VERSION);
    return c.json({ status: "ok" });
  } catch {
    c.header("retry-after", String(c.get("deps").config.DB_RETRY_AFTER_SECONDS));
    c.header("x-version", VERSION);
    return c.json({ status: "error", version: VERSION, database: "down", detail: "database unreachable" }, 503);
  }
}

/** 503 + Retry-After for a driver connection failure; undefined for any other error. */
export function outageResponse(err: unknown, c: Context<AppEnv>): Response | undefined {
  if (!isDatabaseUnavailable(err)) return undefined;
  const requestId = c.get("requestId") ?? "";
  c.get("logger")?.warn("database unavailable", { error: err });
  const detail = "The database is unreachable; retry shortly";
  const p = new Problem(503, "database-unavailable", "Service unavailable", detail, undefined, { requestId });
  const retryAfter = String(c.get("deps").config.DB_RETRY_AFTER_SECONDS);
  return problemResponse(p, { "retry-after": retryAfter, "x-request-id": requestId });
}

/** The public web simulator: messages per client IP per minute, counted in the database. */
import type { Db } from "../db/types.ts";
import { Problem } from "./problem.ts";
import { hit, windowStart } from "../abuse/counters.ts";

const MINUTE = 60_000;

/** A 429 Problem (with Retry-After seconds) when `ip` is over `perMinute`, else undefined. */
export async function simulatorRateLimited(
  db: Db,
  ip: string,
  now: Date,
  perMinute: number,
): Promise<Problem | undefined> {
  const n = await hit(db, `sim:ip:${ip}`, now, MINUTE);
  if (n <= perMinute) return undefined;
  const retryAfter = Math.max(1, Math.ceil((windowStart(now, MINUTE).getTime() + MINUTE - now.getTime()) / 1000));
  const detail = `At most ${perMinute} simulator messages a minute from one address`;
  return new Problem(429, "rate-limited", "Too many requests", detail, undefined, { retryAfter });
}

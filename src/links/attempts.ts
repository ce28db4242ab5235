/**
 * Link-code brute-force limits, kept in the database (rate_counters) so they hold across processes, Workers
 * isolates and fresh simulator client ids. Per hour: wrong codes per client (IP for the web simulator, chat user
 * on Telegram/Zalo, whose IP is the platform's), attempts per code, and wrong codes in total. The arithmetic that
 * makes the global limit enough is in docs/security.md.
 */
import type { Db } from "../db/types.ts";
import { hit, peek, pruneCounters } from "../abuse/counters.ts";

export const LINK_WINDOW_MS = 3_600_000;

export interface LinkLimits {
  perClient: number;
  perCode: number;
  global: number;
}

export const DEFAULT_LINK_LIMITS: LinkLimits = { perClient: 20, perCode: 5, global: 300 };

const GLOBAL = "link:global";

/** Who is guessing: the client IP when the channel knows it (web), else the chat user. */
export const linkClientKey = (channel: string, userId: string, ip?: string) =>
  ip ? `link:ip:${ip}` : `link:user:${channel}:${userId}`;

/** Counts this attempt on the code and says whether any limit is already reached (then the code is not tried). */
export async function linkAttemptBlocked(
  db: Db,
  client: string,
  code: string,
  now: Date,
  limits: LinkLimits,
): Promise<boolean> {
  const onCode = await hit(db, `link:code:${code}`, now, LINK_WINDOW_MS);
  if (onCode > limits.perCode) return true;
  const counts = await peek(db, [client, GLOBAL], now, LINK_WINDOW_MS);
  return (counts.get(client) ?? 0) >= limits.perClient || (counts.get(GLOBAL) ?? 0) >= limits.global;
}

export async function recordLinkFailure(db: Db, client: string, now: Date): Promise<void> {
  await hit(db, client, now, LINK_WINDOW_MS);
  const total = await hit(db, GLOBAL, now, LINK_WINDOW_MS);
  if (total === 1) await pruneCounters(db, now); // first failure of an hour: tidy old windows
}

/** Fixed-window counters in the database (table rate_counters): one upsert per hit, correct across processes. */
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { rateCounters } from "./tables.ts";

export const windowStart = (now: Date, windowMs: number) => new Date(Math.floor(now.getTime() / windowMs) * windowMs);

/** Adds one to `key` in the window containing `now`; returns the count after it. */
export async function hit(db: Db, key: string, now: Date, windowMs: number): Promise<number> {
  const rows = await db
    .insert(rateCounters)
    .values({ key, windowStart: windowStart(now, windowMs), count: 1 })
    .onConflictDoUpdate({
      target: [rateCounters.key, rateCounters.windowStart],
      set: { count: sql`${rateCounters.count} + 1` },
    })
    .returning({ count: rateCounters.count });
  return rows[0]?.count ?? 1;
}

/** The current window's counts of `keys` (missing keys count 0). */
export async function peek(db: Db, keys: string[], now: Date, windowMs: number): Promise<Map<string, number>> {
  const rows = await db
    .select({ key: rateCounters.key, count: rateCounters.count })
    .from(rateCounters)
    .where(and(inArray(rateCounters.key, keys), eq(rateCounters.windowStart, windowStart(now, windowMs))));
  return new Map(rows.map((r) => [r.key, r.count]));
}

/** Drops windows that ended more than a day ago. */
export async function pruneCounters(db: Db, now: Date): Promise<void> {
  await db.delete(rateCounters).where(lt(rateCounters.windowStart, new Date(now.getTime() - 86_400_000)));
}

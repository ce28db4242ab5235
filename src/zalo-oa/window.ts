/**
 * Zalo's interaction window: after a follower writes, the OA may answer up to 8 times within 48 hours for free ◐.
 * Anything else is "proactive": counted per OA and calendar month (Vietnam time) and refused beyond the configured
 * quota, so a campaign cannot silently run into Zalo's own limits or charges. Counted in the database (atomic
 * conditional updates), so every process and isolate shares one count.
 */
import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { zaloOaInteractions, zaloOaProactiveUsage } from "./tables.ts";

export const WINDOW_MS = 48 * 3_600_000;
export const WINDOW_REPLIES = 8;
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** `YYYY-MM` of `now` in Vietnam (UTC+7, no daylight saving). */
export function quotaMonth(now: Date): string {
  return new Date(now.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 7);
}

/** The follower just wrote (or followed): a new window with 8 replies. */
export async function recordInbound(db: Db, oaId: string, userId: string, at: Date): Promise<void> {
  await db
    .insert(zaloOaInteractions)
    .values({ oaId, userId, lastUserAt: at, replies: 0 })
    .onConflictDoUpdate({
      target: [zaloOaInteractions.oaId, zaloOaInteractions.userId],
      set: { lastUserAt: at, replies: 0 },
      // An older event delivered late does not reopen a window.
      setWhere: lt(zaloOaInteractions.lastUserAt, at),
    });
}

export type Allowance = { kind: "window" } | { kind: "proactive"; month: string } | { kind: "refused"; month: string };

/**
 * Takes one message's allowance: a free reply when the window is open, else one proactive message when the month's
 * quota has room, else `refused` (nothing counted).
 */
export async function reserveMessage(
  db: Db,
  opts: { oaId: string; userId: string; now: Date; monthlyQuota: number },
): Promise<Allowance> {
  const { oaId, userId, now } = opts;
  const inWindow = await db
    .update(zaloOaInteractions)
    .set({ replies: sql`${zaloOaInteractions.replies} + 1` })
    .where(
      and(
        eq(zaloOaInteractions.oaId, oaId),
        eq(zaloOaInteractions.userId, userId),
        gt(zaloOaInteractions.lastUserAt, new Date(now.getTime() - WINDOW_MS)),
        lt(zaloOaInteractions.replies, WINDOW_REPLIES),
      ),
    )
    .returning({ replies: zaloOaInteractions.replies });
  if (inWindow.length > 0) return { kind: "window" };
  const month = quotaMonth(now);
  if (opts.monthlyQuota <= 0) return { kind: "refused", month };
  const counted = await db
    .insert(zaloOaProactiveUsage)
    .values({ oaId, month, sent: 1 })
    .onConflictDoUpdate({
      target: [zaloOaProactiveUsage.oaId, zaloOaProactiveUsage.month],
      set: { sent: sql`${zaloOaProactiveUsage.sent} + 1` },
      setWhere: lt(zaloOaProactiveUsage.sent, opts.monthlyQuota),
    })
    .returning({ sent: zaloOaProactiveUsage.sent });
  return counted.length > 0 ? { kind: "proactive", month } : { kind: "refused", month };
}

/** Gives back an allowance whose message was not sent (Zalo refused it or it never left). */
export async function releaseMessage(db: Db, oaId: string, userId: string, a: Allowance): Promise<void> {
  if (a.kind === "window") {
    await db
      .update(zaloOaInteractions)
      .set({ replies: sql`greatest(${zaloOaInteractions.replies} - 1, 0)` })
      .where(and(eq(zaloOaInteractions.oaId, oaId), eq(zaloOaInteractions.userId, userId)));
  } else if (a.kind === "proactive") {
    await db
      .update(zaloOaProactiveUsage)
      .set({ sent: sql`greatest(${zaloOaProactiveUsage.sent} - 1, 0)` })
      .where(and(eq(zaloOaProactiveUsage.oaId, oaId), eq(zaloOaProactiveUsage.month, a.month)));
  }
}

/** Proactive messages counted this month (console/diagnostics). */
export async function proactiveUsed(db: Db, oaId: string, now: Date): Promise<number> {
  const rows = await db
    .select({ sent: zaloOaProactiveUsage.sent })
    .from(zaloOaProactiveUsage)
    .where(and(eq(zaloOaProactiveUsage.oaId, oaId), eq(zaloOaProactiveUsage.month, quotaMonth(now))));
  return rows[0]?.sent ?? 0;
}

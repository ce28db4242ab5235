/**
 * A member's expiry schedule: the lots that still hold points, summed per expiry instant, soonest first (lots are
 * spent oldest first, so this is the order points go). Lots without an expiry are summed apart.
 */
import { and, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { pointLots } from "../db/schema.ts";

export interface ExpiryRow {
  /** null: never expires. */
  expiresAt: Date | null;
  points: number;
}

export async function expirySchedule(db: Db, merchantId: string, memberId: string, now: Date): Promise<ExpiryRow[]> {
  const rows = await db
    .select({ expiresAt: pointLots.expiresAt, points: sql<string>`sum(${pointLots.remaining})` })
    .from(pointLots)
    .where(
      and(
        eq(pointLots.merchantId, merchantId),
        eq(pointLots.memberId, memberId),
        gt(pointLots.remaining, 0),
        sql`(${pointLots.expiresAt} is null or ${pointLots.expiresAt} > ${now.toISOString()}::timestamptz)`,
      ),
    )
    .groupBy(pointLots.expiresAt)
    .orderBy(sql`${pointLots.expiresAt} asc nulls last`);
  return rows.map((r) => ({ expiresAt: r.expiresAt ? new Date(r.expiresAt) : null, points: Number(r.points) }));
}

/**
 * The promotional send log behind the frequency cap (default: 2 pushes per member in any 24 h, 5 in any 7 × 24 h),
 * shared by campaigns, journeys and proactive offers. What a member asks for (/offers, /points…) is never logged
 * nor capped.
 *
 * Check-and-record is atomic per member: `reservePromoSend` takes a transaction-scoped advisory lock on the member
 * (the same key the delivery queue uses), counts, and writes the row; a push that then certainly failed is
 * released again with `releasePromoSend`.
 */
import { z } from "zod";
import { and, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { promoSends } from "./tables.ts";
import { getMessagingSettings, type MessagingSettings } from "./settings.ts";
import { queryRows, num, col } from "../db/rows.ts";

export const DAY_MS = 86_400_000;

export type PromoKind = "campaign" | "journey" | "offer" | "survey";

export interface PromoCounts {
  /** Pushes in the 24 hours before `now`. */
  day: number;
  /** Pushes in the 7 × 24 hours before `now`. */
  week: number;
}

/** Serialises cap decisions for one member across processes (transaction-scoped; call inside a transaction). */
export async function lockMemberPromo(tx: Db, memberId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${memberId}::text, 4242))`);
}

export async function countPromoSends(db: Db, memberId: string, now: Date): Promise<PromoCounts> {
  const rows = await queryRows(
    db,
    sql`select count(*) filter (where sent_at > ${new Date(now.getTime() - DAY_MS).toISOString()}::timestamptz) as day, count(*) as week
        from promo_sends where member_id = ${memberId} and sent_at > ${new Date(now.getTime() - 7 * DAY_MS).toISOString()}::timestamptz and sent_at <= ${now.toISOString()}::timestamptz`,
    z.object({ day: col.num, week: col.num }),
  );
  return { day: num(rows[0]?.day), week: num(rows[0]?.week) };
}

/** Whether one more push fits under the cap (null cap = no cap). */
export function capAllows(counts: PromoCounts, cap: MessagingSettings["frequencyCap"]): boolean {
  if (!cap) return true;
  return counts.day < cap.perDay && counts.week < cap.perWeek;
}

export async function recordPromoSend(
  db: Db,
  input: {
    merchantId: string;
    memberId: string;
    kind: PromoKind;
    ref?: string | null;
    deliveryId?: number | null;
    at: Date;
  },
): Promise<number> {
  const [row] = await db
    .insert(promoSends)
    .values({
      merchantId: input.merchantId,
      memberId: input.memberId,
      kind: input.kind,
      ref: input.ref ?? null,
      deliveryId: input.deliveryId ?? null,
      sentAt: input.at,
    })
    .returning({ id: promoSends.id });
  return row!.id;
}

/**
 * For proactive offers (and anything else pushed unasked): atomically checks the member's cap and records the push.
 * `{ ok: false }` means the member already had their share; send nothing.
 */
export async function reservePromoSend(
  db: Db,
  input: { merchantId: string; memberId: string; kind: PromoKind; ref?: string | null; now: Date },
): Promise<{ ok: true; id: number } | { ok: false; reason: "cap"; counts: PromoCounts }> {
  const settings = await getMessagingSettings(db, input.merchantId);
  return db.transaction(async (tx) => {
    await lockMemberPromo(tx, input.memberId);
    const counts = await countPromoSends(tx, input.memberId, input.now);
    if (!capAllows(counts, settings.frequencyCap)) return { ok: false as const, reason: "cap" as const, counts };
    const id = await recordPromoSend(tx, { ...input, at: input.now });
    return { ok: true as const, id };
  });
}

/** Undo a reservation whose push certainly did not go out. */
export async function releasePromoSend(db: Db, id: number): Promise<void> {
  await db.delete(promoSends).where(eq(promoSends.id, id));
}

/** Recent promotional pushes of a member (newest first), for support screens and tests. */
export async function recentPromoSends(db: Db, memberId: string, since: Date) {
  return db
    .select()
    .from(promoSends)
    .where(and(eq(promoSends.memberId, memberId), gt(promoSends.sentAt, since)))
    .orderBy(sql`${promoSends.sentAt} desc`);
}

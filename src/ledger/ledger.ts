/**
 * The points ledger. Every function here runs inside the caller's transaction, after `lockMember`:
 * one entry per change (append-only), lots for FIFO spending/expiry, and the cached total updated together.
 * Invariant: Σ entries.points = members.points_total, and Σ lots.remaining = max(points_total, 0).
 */
import { z } from "zod";
import { and, asc, eq, gt, isNotNull, lte, sql, desc } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { notFound } from "../lib/errors.ts";
import { col, queryRows } from "../db/rows.ts";
import { ledgerEntries, members, pointLots, type LedgerKind } from "../db/schema.ts";
import { validationError } from "../lib/errors.ts";
import { MAX_POINTS } from "../lib/validate.ts";

export type MemberRow = typeof members.$inferSelect;

export async function lockMember(tx: Db, merchantId: string, memberId: string): Promise<MemberRow | undefined> {
  const rows = await tx
    .select()
    .from(members)
    .where(and(eq(members.id, memberId), eq(members.merchantId, merchantId)))
    .for("update");
  return rows[0];
}

/** The member, locked for the transaction's balance change; 404 member-not-found if the merchant has no such member. */
export async function requireLockedMember(tx: Db, merchantId: string, memberId: string): Promise<MemberRow> {
  const m = await lockMember(tx, merchantId, memberId);
  if (!m) throw notFound("Member", "member-not-found");
  return m;
}

/** A member as cl_member_facts addresses it: by merchant and id (every read names the tenant, docs/scaling.md). */
export type MemberKey = Pick<MemberRow, "id" | "merchantId">;

/** One number of cl_member_facts (the facts TypeScript shares with the hot paths), spend counted in (from, at]. */
export async function memberFact(db: Db, m: MemberKey, fact: "pending" | "spend" | "refunded", from: Date, at: Date) {
  const f = from.toISOString();
  const t = at.toISOString();
  const [row] = await queryRows(
    db,
    sql`select f.${sql.raw(fact)} as v from cl_member_facts(${m.merchantId}, ${m.id}, ${f}::timestamptz, ${t}::timestamptz, ${t}::timestamptz) f`,
    z.object({ v: col.num }),
  );
  return row?.v ?? 0;
}

/** Points not spendable yet (inside the pending window) — cl_member_facts' pending. */
export function pendingPoints(db: Db, m: MemberKey, now: Date): Promise<number> {
  return memberFact(db, m, "pending", now, now);
}

export interface Balance {
  total: number;
  pending: number;
  /** Spendable now. */
  balance: number;
}

/** Spendable points from the cached total and the pending fact: a negative (owed) total has nothing pending. */
export function spendable(total: number, pending: number): Balance {
  const p = total > 0 ? pending : 0;
  return { total, pending: p, balance: total - p };
}

export async function memberBalance(
  db: Db,
  member: Pick<MemberRow, "id" | "merchantId" | "pointsTotal">,
  now: Date,
): Promise<Balance> {
  return spendable(member.pointsTotal, member.pointsTotal > 0 ? await pendingPoints(db, member, now) : 0);
}

interface EntryRefs {
  orderId?: string | null;
  refundId?: string | null;
  redemptionId?: string | null;
  reason?: string | null;
  breakdown?: Record<string, unknown> | null;
}

async function insertEntry(
  tx: Db,
  m: MemberRow,
  kind: LedgerKind,
  points: number,
  at: Date,
  refs: EntryRefs,
  lotId?: number,
) {
  const [row] = await tx
    .insert(ledgerEntries)
    .values({
      merchantId: m.merchantId,
      memberId: m.id,
      kind,
      points,
      orderId: refs.orderId ?? null,
      refundId: refs.refundId ?? null,
      redemptionId: refs.redemptionId ?? null,
      reason: refs.reason ?? null,
      breakdown: refs.breakdown ?? null,
      lotId: lotId ?? null,
      createdAt: at,
    })
    .returning({ id: ledgerEntries.id });
  return row!.id;
}

async function setTotal(tx: Db, m: MemberRow, total: number) {
  await tx
    .update(members)
    .set({ pointsTotal: total })
    .where(and(eq(members.merchantId, m.merchantId), eq(members.id, m.id)));
  m.pointsTotal = total;
}

/**
 * Credit points (earn, bonus, positive adjust): one lot, one entry and the cached total, in ONE statement (three
 * data-modifying CTEs) — the hot path of order ingestion, where every round trip counts. A negative balance is
 * paid back first: the lot then starts with what is left after the deficit.
 */
export async function creditPoints(
  tx: Db,
  m: MemberRow,
  kind: LedgerKind,
  points: number,
  opts: EntryRefs & { at: Date; availableAt: Date; expiresAt: Date | null; earnedAt?: Date },
): Promise<void> {
  if (points <= 0) return;
  const before = m.pointsTotal;
  // The balance stays exact as a JS/JSON number (the order path refuses this earlier, on its items).
  if (before + points > MAX_POINTS)
    throw validationError(
      [{ path: "points", message: `the balance would pass the most points it can hold (${MAX_POINTS})` }],
      "Too many points",
    );
  const remaining = Math.max(0, Math.min(points, points + before));
  const breakdown = opts.breakdown ? JSON.stringify(opts.breakdown) : null;
  await tx.execute(sql`
    with lot as (
      insert into point_lots (merchant_id, member_id, order_id, points, remaining, earned_at, available_at, expires_at)
      values (${m.merchantId}, ${m.id}, ${opts.orderId ?? null}, ${points}, ${remaining}, ${(opts.earnedAt ?? opts.at).toISOString()}::timestamptz,
              ${opts.availableAt.toISOString()}::timestamptz, ${opts.expiresAt ? opts.expiresAt.toISOString() : null}::timestamptz)
      returning id
    ), entry as (
      insert into ledger_entries (merchant_id, member_id, kind, points, order_id, refund_id, redemption_id, reason, breakdown, lot_id, created_at)
      select ${m.merchantId}, ${m.id}, ${kind}, ${points}, ${opts.orderId ?? null}, ${opts.refundId ?? null}, ${opts.redemptionId ?? null},
             ${opts.reason ?? null}, ${breakdown}::jsonb, lot.id, ${opts.at.toISOString()}::timestamptz from lot
      returning id
    )
    update members set points_total = points_total + ${points} where merchant_id = ${m.merchantId} and id = ${m.id}`);
  m.pointsTotal = before + points;
}

/** The member's lots that still hold points (spent oldest first, expired when past their date). */
const heldLots = (merchantId: string, memberId: string) =>
  and(eq(pointLots.merchantId, merchantId), eq(pointLots.memberId, memberId), gt(pointLots.remaining, 0));

/** Lots past their date that still hold points: what expiry turns into `expire` entries (this file and the job). */
export const pastTheirDate = (now: Date) =>
  and(gt(pointLots.remaining, 0), isNotNull(pointLots.expiresAt), lte(pointLots.expiresAt, now));

/** Take `points` from lots, oldest earned first (FIFO); `onlyAvailable` skips pending lots. Returns what was taken. */
async function consumeLots(
  tx: Db,
  m: MemberRow,
  points: number,
  now: Date,
  opts: { onlyAvailable: boolean; preferOrderId?: string; taken?: TakenLot[] },
): Promise<number> {
  let left = points;
  const take = async (lots: { id: number; remaining: number; earnedAt?: Date; expiresAt?: Date | null }[]) => {
    for (const lot of lots) {
      if (left <= 0) break;
      const t = Math.min(lot.remaining, left);
      opts.taken?.push({
        lotId: lot.id,
        points: t,
        earnedAt: lot.earnedAt?.toISOString() ?? null,
        expiresAt: lot.expiresAt ? lot.expiresAt.toISOString() : null,
      });
      await tx
        .update(pointLots)
        .set({ remaining: lot.remaining - t })
        .where(and(eq(pointLots.merchantId, m.merchantId), eq(pointLots.id, lot.id)));
      left -= t;
    }
  };
  if (opts.preferOrderId) {
    const own = await tx
      .select({ id: pointLots.id, remaining: pointLots.remaining })
      .from(pointLots)
      .where(and(heldLots(m.merchantId, m.id), eq(pointLots.orderId, opts.preferOrderId)))
      .orderBy(asc(pointLots.id));
    await take(own);
  }
  if (left > 0) {
    const conds = [heldLots(m.merchantId, m.id)];
    if (opts.onlyAvailable) conds.push(lte(pointLots.availableAt, now));
    const lots = await tx
      .select({
        id: pointLots.id,
        remaining: pointLots.remaining,
        earnedAt: pointLots.earnedAt,
        expiresAt: pointLots.expiresAt,
      })
      .from(pointLots)
      .where(and(...conds))
      // FIFO: the oldest earned points are spent (and reversed) first, whatever their expiry.
      .orderBy(asc(pointLots.earnedAt), asc(pointLots.id));
    await take(lots);
  }
  return points - left;
}

/** A slice of a lot a debit spent: kept on the entry so a cancelled redemption can return exactly these points. */
export interface TakenLot {
  lotId: number;
  points: number;
  earnedAt: string | null;
  expiresAt: string | null;
}

/**
 * Spend spendable points (redeem, negative adjust). The caller has checked the balance. The lots spent are recorded
 * in a redeem entry's breakdown (`lots`), so cancelling a redemption gives back the same points with their own expiry.
 */
export async function debitPoints(
  tx: Db,
  m: MemberRow,
  kind: LedgerKind,
  points: number,
  opts: EntryRefs & { at: Date },
): Promise<void> {
  if (points <= 0) return;
  const lots: TakenLot[] = [];
  const taken = await consumeLots(tx, m, points, opts.at, { onlyAvailable: true, taken: lots });
  if (taken !== points) throw new Error(`ledger: only ${taken} of ${points} spendable points found in lots`);
  const refs = kind === "redeem" ? { ...opts, breakdown: { ...(opts.breakdown ?? {}), lots } } : opts;
  await insertEntry(tx, m, kind, -points, opts.at, refs);
  await setTotal(tx, m, m.pointsTotal - points);
}

/**
 * Reverse points of a refunded order: from that order's own lot first (pending ones included), then from other
 * lots; whatever is already spent takes the balance below zero.
 */
export async function reversePoints(
  tx: Db,
  m: MemberRow,
  points: number,
  opts: EntryRefs & { at: Date; orderId: string },
): Promise<void> {
  if (points <= 0) return;
  await consumeLots(tx, m, points, opts.at, { onlyAvailable: false, preferOrderId: opts.orderId });
  await insertEntry(tx, m, "refund", -points, opts.at, opts);
  await setTotal(tx, m, m.pointsTotal - points);
}

/** Expire this member's lots past their date: one `expire` entry per lot. Idempotent (expired lots have 0 left). */
export async function expireMemberLots(tx: Db, m: MemberRow, now: Date): Promise<number> {
  const lots = await tx
    .select({ id: pointLots.id, remaining: pointLots.remaining, expiresAt: pointLots.expiresAt })
    .from(pointLots)
    .where(and(eq(pointLots.memberId, m.id), pastTheirDate(now)))
    .orderBy(asc(pointLots.id));
  let expired = 0;
  for (const lot of lots) {
    await tx.update(pointLots).set({ remaining: 0 }).where(eq(pointLots.id, lot.id));
    await insertEntry(
      tx,
      m,
      "expire",
      -lot.remaining,
      now,
      { reason: `lot ${lot.id} expired ${lot.expiresAt!.toISOString()}` },
      lot.id,
    );
    expired += lot.remaining;
  }
  if (expired > 0) await setTotal(tx, m, m.pointsTotal - expired);
  return expired;
}

/** Points that will expire before `until` (for "expiring soon" in chat and the API). */
export async function expiringPoints(
  db: Db,
  memberId: string,
  now: Date,
  until: Date,
): Promise<{ points: number; firstExpiry: Date | null }> {
  const rows = await db
    .select({
      p: sql<string | null>`coalesce(sum(${pointLots.remaining}), 0)`,
      first: sql<string | Date | null>`min(${pointLots.expiresAt})`,
    })
    .from(pointLots)
    .where(
      and(
        eq(pointLots.memberId, memberId),
        gt(pointLots.remaining, 0),
        isNotNull(pointLots.expiresAt),
        gt(pointLots.expiresAt, now),
        lte(pointLots.expiresAt, until),
      ),
    );
  const r = rows[0];
  const first = r?.first ? new Date(r.first) : null;
  return { points: Number(r?.p ?? 0), firstExpiry: first };
}

export async function ledgerPage(db: Db, merchantId: string, memberId: string, limit?: number, beforeId?: number) {
  const conds = [eq(ledgerEntries.memberId, memberId), eq(ledgerEntries.merchantId, merchantId)];
  if (beforeId !== undefined) conds.push(sql`${ledgerEntries.id} < ${beforeId}`);
  const q = db
    .select()
    .from(ledgerEntries)
    .where(and(...conds))
    .orderBy(desc(ledgerEntries.id));
  return limit === undefined ? q : q.limit(limit);
}

/** A member's lots that still hold points, oldest first (the order they are spent and expire in). */
export async function openLots(db: Db, merchantId: string, memberId: string, limit = 100) {
  return db.select().from(pointLots).where(heldLots(merchantId, memberId)).orderBy(asc(pointLots.id)).limit(limit);
}

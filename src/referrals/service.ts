/**
 * The referral program's I/O: settings, members' personal codes, claiming a referral for a friend (welcome bonus
 * included), the referrer-reward pass (a job) and the reports. The rules themselves are pure, in ./rules.ts.
 */
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, ne, type SQL, sql } from "drizzle-orm";
import { alias, type PgTable } from "drizzle-orm/pg-core";
import type { Db } from "../db/types.ts";
import { channelIdentities, ledgerEntries, members, orders, refunds } from "../db/schema.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { idempotent } from "../db/idempotency.ts";
import { creditPoints, lockMember, type MemberRow } from "../ledger/ledger.ts";
import { newCode, newId } from "../lib/ids.ts";
import { getProgram } from "../program/service.ts";
import type { Program } from "../program/config.ts";
import { DEFAULT_REFERRAL_SETTINGS, ReferralSettingsSchema, type ReferralSettings } from "./schemas.ts";
import { capPeriodStart, nextStep, refusalReason, type OpenReferral } from "./rules.ts";
import { referralCodes, referrals, referralSettings, type RefusalReason } from "./tables.ts";

const DAY_MS = 86_400_000;
export const REFERRAL_CODE_LENGTH = 8;
/** The Telegram deep-link payload prefix (`/start ref_<code>`); link codes never contain "_". */
export const REFERRAL_PAYLOAD_PREFIX = "ref_";

export async function getReferralSettings(db: Db, merchantId: string): Promise<ReferralSettings> {
  const [row] = await db
    .select({ config: referralSettings.config })
    .from(referralSettings)
    .where(eq(referralSettings.merchantId, merchantId))
    .limit(1);
  if (!row) return DEFAULT_REFERRAL_SETTINGS;
  // Parsing again applies the defaults of settings added since the row was written.
  const parsed = ReferralSettingsSchema.safeParse(row.config);
  return parsed.success ? parsed.data : DEFAULT_REFERRAL_SETTINGS;
}

export async function putReferralSettings(
  db: Db,
  merchantId: string,
  s: ReferralSettings,
  now: Date,
): Promise<ReferralSettings> {
  await db
    .insert(referralSettings)
    .values({ merchantId, config: s, updatedAt: now })
    .onConflictDoUpdate({ target: referralSettings.merchantId, set: { config: s, updatedAt: now } });
  return s;
}

/** The member's personal code, created on first use (one per member; a lost race reads the winner's). */
export async function referralCodeFor(db: Db, merchantId: string, memberId: string, now: Date): Promise<string> {
  const read = async () => {
    const [row] = await db
      .select({ code: referralCodes.code })
      .from(referralCodes)
      .where(and(eq(referralCodes.merchantId, merchantId), eq(referralCodes.memberId, memberId)))
      .limit(1);
    return row?.code;
  };
  const existing = await read();
  if (existing) return existing;
  for (let attempt = 0; attempt < 6; attempt++) {
    const code = newCode(REFERRAL_CODE_LENGTH);
    const rows = await db
      .insert(referralCodes)
      .values({ code, merchantId, memberId, createdAt: now })
      .onConflictDoNothing()
      .returning({ code: referralCodes.code });
    if (rows[0]) return rows[0].code;
    const winner = await read();
    if (winner) return winner;
  }
  throw new Error("could not allocate a referral code");
}

/** A typed or deep-linked referral code → its merchant and member (within `merchantId` when given). */
export async function findReferralCode(
  db: Db,
  input: string,
  merchantId?: string,
): Promise<{ merchantId: string; memberId: string } | undefined> {
  const code = input.trim().toUpperCase();
  if (!/^[A-Z0-9]{4,16}$/.test(code)) return undefined;
  const conds = [eq(referralCodes.code, code)];
  if (merchantId) conds.push(eq(referralCodes.merchantId, merchantId));
  const [row] = await db
    .select({ merchantId: referralCodes.merchantId, memberId: referralCodes.memberId })
    .from(referralCodes)
    .where(and(...conds))
    .limit(1);
  return row;
}

export interface ClaimInput {
  merchantId: string;
  referrerId: string;
  friendId: string;
  /** The chat the friend came through, to refuse the referrer's own chat account. */
  channel: string;
  userId?: string | undefined;
}

export type ClaimOutcome =
  | { status: "accepted"; referralId: string; welcomePoints: number }
  | { status: "refused"; referralId: string; reason: RefusalReason }
  | { status: "disabled" }
  | { status: "unknown" };

/**
 * Records the friend's referral and, when it is accepted, pays the welcome bonus — one transaction, the friend and
 * the referrer locked (in id order, so two claims never deadlock): the one-referrer rule and the cap hold under
 * concurrency. A refused attempt is recorded with its reason.
 */
export async function claimReferral(db: Db, input: ClaimInput, now: Date): Promise<ClaimOutcome> {
  const settings = await getReferralSettings(db, input.merchantId);
  if (!settings.enabled) return { status: "disabled" };
  const program = await getProgram(db, input.merchantId);
  try {
    return await db.transaction(async (tx) => {
      const ids = [...new Set([input.referrerId, input.friendId])].sort();
      const locked = new Map<string, MemberRow>();
      for (const id of ids) {
        const m = await lockMember(tx, input.merchantId, id);
        if (m) locked.set(id, m);
      }
      const referrer = locked.get(input.referrerId);
      const friend = locked.get(input.friendId);
      if (!referrer || !friend || referrer.erasedAt) return { status: "unknown" } as const;
      const reason = refusalReason(
        {
          referrer: { memberId: referrer.id, phone: referrer.phone },
          friend: { memberId: friend.id, phone: friend.phone },
          friendChatIsReferrers: input.userId ? await chatIsMembers(tx, input, referrer.id) : false,
          friendHasHistory: await hasHistory(tx, input.merchantId, friend.id),
          friendAlreadyReferred: await alreadyReferred(tx, input.merchantId, friend.id),
          referrerRecentCount: await recentReferrals(tx, input.merchantId, referrer.id, capPeriodStart(settings, now)),
        },
        settings,
      );
      const id = newId("rfl");
      const base = { id, merchantId: input.merchantId, referrerId: referrer.id, friendId: friend.id };
      if (reason) {
        await tx.insert(referrals).values({
          ...base,
          channel: input.channel,
          status: "refused",
          refusalReason: reason,
          endedAt: now,
          createdAt: now,
        });
        return { status: "refused", referralId: id, reason } as const;
      }
      await tx.insert(referrals).values({
        ...base,
        channel: input.channel,
        status: "pending",
        welcomePoints: settings.welcomePoints,
        createdAt: now,
      });
      await payOnce(tx, friend, program, `referral:${id}:welcome`, settings.welcomePoints, now);
      return { status: "accepted", referralId: id, welcomePoints: settings.welcomePoints } as const;
    });
  } catch (err) {
    // Another claim for the same friend won between our read and insert (the partial unique index decided).
    if (isUniqueViolation(err)) return { status: "refused", referralId: "", reason: "already_referred" };
    throw err;
  }
}

/** Credits `points` once per `key` (the ledger entry's reason is the key; the idempotency table guards replays). */
async function payOnce(tx: Db, m: MemberRow, program: Program, key: string, points: number, now: Date) {
  if (points <= 0) return;
  await idempotent(tx, m.merchantId, "referral", key, key, async () => {
    const expiresAt = program.pointsExpireDays ? new Date(now.getTime() + program.pointsExpireDays * DAY_MS) : null;
    await creditPoints(tx, m, "bonus", points, { at: now, availableAt: now, expiresAt, reason: key });
    return { status: 200, body: { points } };
  });
}

/** Whether `table` has a row matching `where` (every caller's condition names the merchant). */
async function anyRow(tx: Db, table: PgTable, where: SQL | undefined): Promise<boolean> {
  const rows = await tx.select({ one: sql<number>`1` }).from(table).where(where).limit(1);
  return rows.length > 0;
}

const chatIsMembers = (tx: Db, input: ClaimInput, memberId: string) =>
  anyRow(
    tx,
    channelIdentities,
    and(
      eq(channelIdentities.merchantId, input.merchantId),
      eq(channelIdentities.memberId, memberId),
      eq(channelIdentities.channel, input.channel),
      eq(channelIdentities.userId, input.userId ?? ""),
    ),
  );

/** Orders or points history with this merchant: not new. */
const hasHistory = async (tx: Db, merchantId: string, memberId: string) =>
  (await anyRow(tx, orders, and(eq(orders.merchantId, merchantId), eq(orders.memberId, memberId)))) ||
  (await anyRow(
    tx,
    ledgerEntries,
    and(eq(ledgerEntries.merchantId, merchantId), eq(ledgerEntries.memberId, memberId)),
  ));

const alreadyReferred = (tx: Db, merchantId: string, friendId: string) =>
  anyRow(
    tx,
    referrals,
    and(eq(referrals.merchantId, merchantId), eq(referrals.friendId, friendId), ne(referrals.status, "refused")),
  );

async function recentReferrals(tx: Db, merchantId: string, referrerId: string, from: Date): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(referrals)
    .where(
      and(
        eq(referrals.merchantId, merchantId),
        eq(referrals.referrerId, referrerId),
        ne(referrals.status, "refused"),
        gte(referrals.createdAt, from),
      ),
    );
  return row?.n ?? 0;
}

/** A referral still under way (pending its first order, or holding one): what the reward pass moves on. */
const openStatus = inArray(referrals.status, ["pending", "holding"]);

/**
 * The referrer-reward pass: every open referral of the merchant moves on — a first qualifying order starts the hold,
 * a refund inside the hold cancels it, the end of the hold pays the referrer (once: `referral:<id>:reward`), no order
 * within orderWindowDays expires it. Safe to run concurrently and again: each transition is a conditional update.
 */
export async function runReferralRewards(
  db: Db,
  merchantId: string,
  now: Date,
): Promise<{ held: number; rewarded: number; cancelled: number; expired: number }> {
  const out = { held: 0, rewarded: 0, cancelled: 0, expired: 0 };
  const settings = await getReferralSettings(db, merchantId);
  const program = await getProgram(db, merchantId);
  // Pages by id (keyset): every open referral is visited once per pass, however many there are.
  let after = "";
  for (;;) {
    const open = await db
      .select()
      .from(referrals)
      .where(and(eq(referrals.merchantId, merchantId), openStatus, gt(referrals.id, after)))
      .orderBy(asc(referrals.id))
      .limit(500);
    if (open.length === 0) break;
    after = open.at(-1)!.id;
    await advance(db, open, settings, program, now, out);
  }
  return out;
}

/** One page of open referrals, one step each. */
async function advance(
  db: Db,
  open: ReferralRow[],
  settings: ReferralSettings,
  program: Program,
  now: Date,
  out: { held: number; rewarded: number; cancelled: number; expired: number },
) {
  for (const r of open) {
    const o = await orderFacts(db, r.merchantId, r, settings, program, now);
    const step = nextStep(r as OpenReferral, o, settings, program.pendingDays, now);
    const isOpen = and(eq(referrals.merchantId, r.merchantId), eq(referrals.id, r.id), eq(referrals.status, r.status));
    switch (step.kind) {
      case "wait":
        break;
      case "hold":
        await db
          .update(referrals)
          .set({
            status: "holding",
            orderId: step.orderId,
            orderTotal: step.orderTotal,
            orderPlacedAt: step.placedAt,
            rewardDueAt: step.dueAt,
          })
          .where(isOpen);
        out.held++;
        break;
      case "cancel":
      case "expire": {
        const o2 = o.firstQualifying;
        const done = await db
          .update(referrals)
          .set({
            status: step.kind === "cancel" ? "cancelled" : "expired",
            endReason: step.reason,
            endedAt: now,
            ...(o2 ? { orderId: o2.id, orderTotal: o2.total, orderPlacedAt: o2.placedAt } : {}),
          })
          .where(isOpen)
          .returning({ id: referrals.id });
        if (done.length > 0) out[step.kind === "cancel" ? "cancelled" : "expired"]++;
        break;
      }
      case "pay":
        if (await payReferrer(db, r, settings, program, o.firstQualifying, now)) out.rewarded++;
        break;
    }
  }
}

/** The referrer's reward, in one transaction with the status change (the conditional update decides a race). */
async function payReferrer(
  db: Db,
  r: { id: string; referrerId: string; merchantId: string },
  settings: ReferralSettings,
  program: Program,
  order: { id: string; total: number; placedAt: Date } | undefined,
  now: Date,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const referrer = await lockMember(tx, r.merchantId, r.referrerId);
    const [claimed] = await tx
      .update(referrals)
      .set({
        status: "rewarded",
        rewardPoints: settings.referrerPoints,
        rewardedAt: now,
        ...(order ? { orderId: order.id, orderTotal: order.total, orderPlacedAt: order.placedAt } : {}),
      })
      .where(and(eq(referrals.merchantId, r.merchantId), eq(referrals.id, r.id), openStatus))
      .returning({ id: referrals.id });
    if (!claimed || !referrer) return false;
    await payOnce(tx, referrer, program, `referral:${r.id}:reward`, settings.referrerPoints, now);
    return true;
  });
}

/** The friend's first qualifying order (the held one once known) and what was refunded of it inside the hold. */
async function orderFacts(
  db: Db,
  merchantId: string,
  r: typeof referrals.$inferSelect,
  settings: ReferralSettings,
  program: Program,
  now: Date,
) {
  let first: { id: string; total: number; placedAt: Date } | undefined;
  if (r.orderId && r.orderTotal !== null && r.orderPlacedAt) {
    first = { id: r.orderId, total: r.orderTotal, placedAt: r.orderPlacedAt };
  } else {
    const windowEnd = new Date(r.createdAt.getTime() + settings.orderWindowDays * DAY_MS);
    const [row] = await db
      .select({ id: orders.id, total: orders.total, placedAt: orders.placedAt })
      .from(orders)
      .where(
        and(
          eq(orders.merchantId, merchantId),
          eq(orders.memberId, r.friendId),
          gte(orders.total, Math.max(settings.minOrderAmount, 1)),
          // The friend had no orders when the referral was made; a day's slack covers till clocks running behind.
          gte(orders.placedAt, new Date(r.createdAt.getTime() - DAY_MS)),
          lt(orders.placedAt, windowEnd),
        ),
      )
      .orderBy(asc(orders.placedAt), asc(orders.id))
      .limit(1);
    first = row;
  }
  if (!first) return { firstQualifying: undefined, refundedInWindow: 0 };
  const hold = settings.holdDays ?? program.pendingDays;
  const until = new Date(Math.min(now.getTime(), first.placedAt.getTime() + hold * DAY_MS));
  const [ref] = await db
    .select({ amount: sql<number>`coalesce(sum(${refunds.amount}), 0)`.mapWith(Number) })
    .from(refunds)
    .where(and(eq(refunds.merchantId, merchantId), eq(refunds.orderId, first.id), lte(refunds.createdAt, until)));
  return { firstQualifying: first, refundedInWindow: ref?.amount ?? 0 };
}

export type ReferralRow = typeof referrals.$inferSelect;

/** A referral as listed: its row and both members' names (null once erased), as `listReferrals` selects them. */
export interface ReferralWithNames {
  r: ReferralRow;
  referrerName: string | null;
  friendName: string | null;
}

export function referralView({ r, referrerName, friendName }: ReferralWithNames) {
  return {
    id: r.id,
    referrerId: r.referrerId,
    referrerName,
    friendId: r.friendId,
    friendName,
    channel: r.channel,
    status: r.status,
    refusalReason: r.refusalReason ?? null,
    endReason: r.endReason ?? null,
    welcomePoints: r.welcomePoints,
    rewardPoints: r.rewardPoints,
    orderId: r.orderId ?? null,
    orderTotal: r.orderTotal ?? null,
    rewardDueAt: r.rewardDueAt?.toISOString() ?? null,
    rewardedAt: r.rewardedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

const referrer = alias(members, "referrer");
const friend = alias(members, "friend");

/** Newest first, with both members' names; `before` is the id of the last row of the previous page. */
export async function listReferrals(
  db: Db,
  merchantId: string,
  q: { status?: ReferralRow["status"] | undefined; limit: number; before?: string | undefined },
) {
  const conds = [eq(referrals.merchantId, merchantId)];
  if (q.status) conds.push(eq(referrals.status, q.status));
  if (q.before) {
    const [b] = await db
      .select({ createdAt: referrals.createdAt })
      .from(referrals)
      .where(and(eq(referrals.merchantId, merchantId), eq(referrals.id, q.before)));
    if (b)
      conds.push(
        sql`(${referrals.createdAt}, ${referrals.id}) < (${b.createdAt.toISOString()}::timestamptz, ${q.before})`,
      );
  }
  const rows = await db
    .select({ r: referrals, referrerName: referrer.name, friendName: friend.name })
    .from(referrals)
    .leftJoin(referrer, and(eq(referrer.merchantId, referrals.merchantId), eq(referrer.id, referrals.referrerId)))
    .leftJoin(friend, and(eq(friend.merchantId, referrals.merchantId), eq(friend.id, referrals.friendId)))
    .where(and(...conds))
    .orderBy(desc(referrals.createdAt), desc(referrals.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return {
    referrals: page.map(referralView),
    next: rows.length > q.limit ? page.at(-1)!.r.id : null,
  };
}

/** The merchant's referrals created in the last `days` (the window of the leaderboard and of the KPIs). */
function createdInWindow(merchantId: string, now: Date, days: number) {
  const from = new Date(now.getTime() - days * DAY_MS);
  return { from, inWindow: and(eq(referrals.merchantId, merchantId), gte(referrals.createdAt, from)) };
}

/** Referrers by friends referred in the last `days` (ties: more rewarded, then points). */
export async function leaderboard(db: Db, merchantId: string, now: Date, days: number, limit = 20) {
  const { inWindow } = createdInWindow(merchantId, now, days);
  const rows = await db
    .select({
      memberId: referrals.referrerId,
      name: members.name,
      referred: sql<number>`count(*)::int`,
      rewarded: sql<number>`(count(*) filter (where ${referrals.status} = 'rewarded'))::int`,
      pointsEarned: sql<number>`coalesce(sum(${referrals.rewardPoints}), 0)::int`,
    })
    .from(referrals)
    .innerJoin(members, and(eq(members.merchantId, referrals.merchantId), eq(members.id, referrals.referrerId)))
    .where(and(inWindow, ne(referrals.status, "refused")))
    .groupBy(referrals.referrerId, members.name)
    .orderBy(sql`3 desc, 4 desc, 5 desc`, referrals.referrerId)
    .limit(limit);
  return rows.map((r) => ({ ...r, name: r.name ?? null }));
}

/** The referral KPIs over the last `days` (referrals created in the window). */
export async function referralKpis(db: Db, merchantId: string, now: Date, days: number) {
  const { from, inWindow } = createdInWindow(merchantId, now, days);
  const rows = await db
    .select({
      status: referrals.status,
      reason: referrals.refusalReason,
      n: sql<number>`count(*)::int`,
      ordered: sql<number>`(count(${referrals.orderId}))::int`,
      orderRevenue: sql<number>`coalesce(sum(${referrals.orderTotal}), 0)`.mapWith(Number),
      welcome: sql<number>`coalesce(sum(${referrals.welcomePoints}), 0)::int`,
      rewards: sql<number>`coalesce(sum(${referrals.rewardPoints}), 0)::int`,
    })
    .from(referrals)
    .where(inWindow)
    .groupBy(referrals.status, referrals.refusalReason);
  const k = {
    window: { days, from: from.toISOString(), to: now.toISOString() },
    referredMembers: 0,
    refused: 0,
    refusals: {} as Record<string, number>,
    firstOrders: 0,
    firstOrderRevenue: 0,
    rewarded: 0,
    cancelled: 0,
    pending: 0,
    costPoints: { welcome: 0, rewards: 0, total: 0 },
  };
  for (const r of rows) {
    if (r.status === "refused") {
      // A referral refused at payout (self_referral by phone) had its welcome paid: it still counts as cost.
      k.refused += r.n;
      if (r.reason) k.refusals[r.reason] = (k.refusals[r.reason] ?? 0) + r.n;
    } else {
      k.referredMembers += r.n;
    }
    k.firstOrders += r.status === "refused" ? 0 : r.ordered;
    k.firstOrderRevenue += r.status === "refused" ? 0 : r.orderRevenue;
    if (r.status === "rewarded") k.rewarded += r.n;
    if (r.status === "cancelled") k.cancelled += r.n;
    if (r.status === "pending" || r.status === "holding") k.pending += r.n;
    k.costPoints.welcome += r.welcome;
    k.costPoints.rewards += r.rewards;
  }
  k.costPoints.total = k.costPoints.welcome + k.costPoints.rewards;
  return k;
}

/** What a member's own referrals look like (for the chat's /invite answer). */
export async function memberReferralCounts(db: Db, merchantId: string, memberId: string) {
  const [row] = await db
    .select({
      joined: sql<number>`(count(*) filter (where ${referrals.status} <> 'refused'))::int`,
      rewarded: sql<number>`(count(*) filter (where ${referrals.status} = 'rewarded'))::int`,
    })
    .from(referrals)
    .where(and(eq(referrals.merchantId, merchantId), eq(referrals.referrerId, memberId)));
  return { joined: row?.joined ?? 0, rewarded: row?.rewarded ?? 0 };
}

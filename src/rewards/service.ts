/** Rewards catalog, redemptions (points → one-time code) and voucher use. */
import { and, eq, gt, isNull, or, sql, desc, type SQL } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { ledgerEntries, redemptions, rewards } from "../db/schema.ts";
import { newCode, newId } from "../lib/ids.ts";
import { canonicalJson, sha256Hex } from "../lib/crypto.ts";
import { conflict, notFound } from "../lib/errors.ts";
import { idempotent, type StoredResponse } from "../db/idempotency.ts";
import {
  debitPoints,
  lockMember,
  memberBalance,
  requireLockedMember,
  creditPoints,
  type TakenLot,
} from "../ledger/ledger.ts";
import { getProgram } from "../program/service.ts";
import type { z } from "zod";
import type { CreateRewardSchema, UpdateRewardSchema } from "./schemas.ts";
import { effectiveTier, tierRank } from "../program/tiers.ts";
import { netSpend } from "../members/service.ts";
import { findOwned, requireOwned } from "../db/find.ts";

export type RewardRow = typeof rewards.$inferSelect;

export function rewardView(r: RewardRow) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    cost: r.cost,
    kind: r.kind,
    value: r.value,
    stock: r.stock,
    minTier: r.minTier,
    sku: r.sku,
    active: r.active,
    createdAt: r.createdAt.toISOString(),
  };
}

export async function listRewards(db: Db, merchantId: string, onlyActive = false): Promise<RewardRow[]> {
  const conds = [eq(rewards.merchantId, merchantId)];
  if (onlyActive) conds.push(eq(rewards.active, true));
  return db
    .select()
    .from(rewards)
    .where(and(...conds))
    .orderBy(rewards.cost, rewards.createdAt);
}

/** Adds a reward to the merchant's catalog (POST /v1/rewards and the console). */
export async function createReward(
  db: Db,
  merchantId: string,
  input: z.output<typeof CreateRewardSchema>,
  now: Date,
): Promise<RewardRow> {
  const [row] = await db
    .insert(rewards)
    // The parsed input's fields; the optional ones it leaves out are stored as NULL.
    .values({ ...input, id: newId("rwd"), merchantId, createdAt: now })
    .returning();
  return row!;
}

/** Changes a reward of this merchant (stock, cost, active…); absent fields stay. 404 for another merchant's id. */
export async function updateReward(
  db: Db,
  merchantId: string,
  id: string,
  input: z.output<typeof UpdateRewardSchema>,
): Promise<RewardRow> {
  const r = await requireReward(db, merchantId, id);
  const set = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return r;
  const [row] = await db
    .update(rewards)
    .set(set)
    .where(and(eq(rewards.id, r.id), eq(rewards.merchantId, merchantId)))
    .returning();
  return row!;
}

export const findReward = (db: Db, merchantId: string, id: string) => findOwned(db, rewards, merchantId, id);

export const requireReward = (db: Db, merchantId: string, id: string) =>
  requireOwned(db, rewards, merchantId, id, "Reward", "reward-not-found");

/**
 * `run` in a transaction; with an Idempotency-Key, once per key (`scope`): a replay of the same `request` gets the
 * stored response, another request under the key 409.
 */
async function keyedTransaction<T>(
  db: Db,
  merchantId: string,
  scope: string,
  key: string | undefined,
  request: object,
  run: (tx: Db) => Promise<{ status: number; body: T }>,
): Promise<StoredResponse<T>> {
  return db.transaction(async (tx) => {
    if (!key) return { ...(await run(tx)), replayed: false };
    const hash = await sha256Hex(canonicalJson(request));
    return idempotent(tx, merchantId, scope, key, hash, () => run(tx));
  });
}

/** Who may redeem: why not, as a problem slug, or undefined when allowed (used by the API and the bot). */
export async function redeem(
  db: Db,
  merchantId: string,
  memberId: string,
  rewardId: string,
  now: Date,
  idempotencyKey?: string,
) {
  const request = { memberId, rewardId };
  return keyedTransaction(db, merchantId, "POST /v1/members/{id}/redemptions", idempotencyKey, request, async (tx) => {
    const member = await requireLockedMember(tx, merchantId, memberId);
    const reward = await findReward(tx, merchantId, rewardId);
    if (!reward?.active) throw notFound("Reward", "reward-not-found");
    const program = await getProgram(tx, merchantId);
    if (reward.minTier) {
      const tier = effectiveTier(program, member.tierName, await netSpend(tx, member, now, program.tierWindowDays));
      if (tierRank(program, tier?.name) < tierRank(program, reward.minTier)) {
        throw conflict("tier-required", "Tier required", `This reward needs the ${reward.minTier} tier`, {
          minTier: reward.minTier,
        });
      }
    }
    const bal = await memberBalance(tx, member, now);
    if (bal.balance < reward.cost) {
      throw conflict(
        "insufficient-points",
        "Insufficient points",
        `The reward costs ${reward.cost} points; the spendable balance is ${bal.balance}`,
        {
          balance: bal.balance,
          cost: reward.cost,
        },
      );
    }
    if (reward.stock !== null) {
      // Conditional decrement: concurrent redemptions can never oversell.
      const dec = await tx
        .update(rewards)
        .set({ stock: sql`${rewards.stock} - 1` })
        .where(and(eq(rewards.id, reward.id), gt(rewards.stock, 0)))
        .returning({ stock: rewards.stock });
      if (dec.length === 0) throw conflict("out-of-stock", "Out of stock", `${reward.name} is out of stock`);
    }
    const redemptionId = newId("rdm");
    const code = newCode(10);
    const expiresAt = program.voucherValidDays ? new Date(now.getTime() + program.voucherValidDays * 86_400_000) : null;
    await tx.insert(redemptions).values({
      id: redemptionId,
      merchantId,
      memberId,
      rewardId: reward.id,
      pointsSpent: reward.cost,
      code,
      expiresAt,
      createdAt: now,
    });
    await debitPoints(tx, member, "redeem", reward.cost, { at: now, redemptionId, reason: reward.name });
    const after = await memberBalance(tx, member, now);
    return {
      status: 201,
      body: {
        redemptionId,
        code,
        pointsSpent: reward.cost,
        balance: after.balance,
        reward: { id: reward.id, name: reward.name, kind: reward.kind, value: reward.value },
        expiresAt: expiresAt?.toISOString() ?? null,
      },
    };
  });
}

export async function adjust(
  db: Db,
  merchantId: string,
  memberId: string,
  points: number,
  reason: string,
  now: Date,
  idempotencyKey?: string,
) {
  const request = { memberId, points, reason };
  return keyedTransaction(db, merchantId, "POST /v1/members/{id}/adjustments", idempotencyKey, request, async (tx) => {
    const member = await requireLockedMember(tx, merchantId, memberId);
    const program = await getProgram(tx, merchantId);
    if (points > 0) {
      const expiresAt = program.pointsExpireDays
        ? new Date(now.getTime() + program.pointsExpireDays * 86_400_000)
        : null;
      await creditPoints(tx, member, "adjust", points, { at: now, availableAt: now, expiresAt, reason });
    } else {
      const bal = await memberBalance(tx, member, now);
      if (bal.balance < -points) {
        throw conflict(
          "insufficient-points",
          "Insufficient points",
          `Cannot remove ${-points} points; the spendable balance is ${bal.balance}`,
          { balance: bal.balance },
        );
      }
      await debitPoints(tx, member, "adjust", -points, { at: now, reason });
    }
    const after = await memberBalance(tx, member, now);
    return { status: 201, body: { adjustmentId: newId("adj"), points, balance: after.balance, reason } };
  });
}

export async function voucherByCode(db: Db, merchantId: string, code: string) {
  const rows = await db
    .select({ r: redemptions, reward: rewards })
    .from(redemptions)
    .innerJoin(rewards, eq(rewards.id, redemptions.rewardId))
    .where(and(eq(redemptions.code, code.trim().toUpperCase()), eq(redemptions.merchantId, merchantId)))
    .limit(1);
  return rows[0];
}

/** The merchant's voucher by its code, or 404 voucher-not-found. */
export async function requireVoucher(db: Db, merchantId: string, code: string) {
  const v = await voucherByCode(db, merchantId, code);
  if (!v) throw notFound("Voucher", "voucher-not-found");
  return v;
}

export function voucherView(v: NonNullable<Awaited<ReturnType<typeof voucherByCode>>>) {
  return {
    code: v.r.code,
    redemptionId: v.r.id,
    memberId: v.r.memberId,
    reward: { id: v.reward.id, name: v.reward.name, kind: v.reward.kind, value: v.reward.value },
    usedAt: v.r.usedAt?.toISOString() ?? null,
    cancelledAt: v.r.cancelledAt?.toISOString() ?? null,
    expiresAt: v.r.expiresAt?.toISOString() ?? null,
    createdAt: v.r.createdAt.toISOString(),
  };
}

/** A voucher that can still be used: not used, not cancelled, not past its expiry. */
const openVoucher = (now: Date) =>
  and(
    isNull(redemptions.usedAt),
    isNull(redemptions.cancelledAt),
    or(isNull(redemptions.expiresAt), gt(redemptions.expiresAt, now)),
  );

export async function useVoucher(db: Db, merchantId: string, code: string, now: Date) {
  const normalized = code.trim().toUpperCase();
  const used = await db
    .update(redemptions)
    .set({ usedAt: now })
    .where(and(eq(redemptions.code, normalized), eq(redemptions.merchantId, merchantId), openVoucher(now)))
    .returning({ id: redemptions.id });
  const v = await requireVoucher(db, merchantId, normalized);
  if (used.length === 0) {
    if (v.r.cancelledAt)
      throw conflict(
        "voucher-cancelled",
        "Voucher cancelled",
        `Voucher ${normalized} was cancelled at ${v.r.cancelledAt.toISOString()}; its points were returned`,
        { cancelledAt: v.r.cancelledAt.toISOString() },
      );
    if (v.r.usedAt)
      throw conflict("already-used", "Already used", `Voucher ${normalized} was used at ${v.r.usedAt.toISOString()}`, {
        usedAt: v.r.usedAt.toISOString(),
      });
    throw conflict(
      "voucher-expired",
      "Voucher expired",
      `Voucher ${normalized} expired at ${v.r.expiresAt?.toISOString()}`,
    );
  }
  return voucherView(v);
}

export async function memberVouchers(db: Db, merchantId: string, memberId: string, now: Date, onlyOpen = true) {
  const conds: (SQL | undefined)[] = [eq(redemptions.memberId, memberId), eq(redemptions.merchantId, merchantId)];
  if (onlyOpen) conds.push(openVoucher(now));
  const rows = await db
    .select({ r: redemptions, reward: rewards })
    .from(redemptions)
    .innerJoin(rewards, eq(rewards.id, redemptions.rewardId))
    .where(and(...conds))
    .orderBy(desc(redemptions.createdAt));
  return rows.map(voucherView);
}

/**
 * Cancel (void) a redemption whose voucher was not used: the points come back — one lot per lot the redemption
 * spent, with that lot's earn date and expiry (so FIFO order and expiry stay exact) — as `adjust` entries (the spec
 * fixes the ledger kinds) whose reason names the redemption; the reward's stock is restored and the voucher stops
 * working. Idempotent by the redemption itself: cancelling again returns the same result and changes nothing.
 * A used voucher → 409 voucher-already-used. Another merchant's redemption → 404.
 */
export async function cancelRedemption(db: Db, merchantId: string, redemptionId: string, now: Date) {
  return db.transaction(async (tx) => {
    const [found] = await tx
      .select()
      .from(redemptions)
      .where(and(eq(redemptions.id, redemptionId), eq(redemptions.merchantId, merchantId)))
      .limit(1);
    if (!found) throw notFound("Redemption", "redemption-not-found");
    // Member first (the lock order of every balance change), then the redemption row (serialises with voucher use).
    const member = await lockMember(tx, merchantId, found.memberId);
    if (!member) throw notFound("Redemption", "redemption-not-found");
    const [r] = await tx
      .select()
      .from(redemptions)
      .where(and(eq(redemptions.merchantId, merchantId), eq(redemptions.id, redemptionId)))
      .for("update");
    const result = async (cancelledAt: Date) => ({
      redemptionId: r!.id,
      code: r!.code,
      pointsReturned: r!.pointsSpent,
      balance: (await memberBalance(tx, member, now)).balance,
      cancelledAt: cancelledAt.toISOString(),
    });
    if (r!.cancelledAt) return { status: 200, body: await result(r!.cancelledAt), replayed: true };
    if (r!.usedAt)
      throw conflict(
        "voucher-already-used",
        "Voucher already used",
        `Voucher ${r!.code} was used at ${r!.usedAt.toISOString()}; a used voucher cannot be cancelled`,
        { usedAt: r!.usedAt.toISOString() },
      );
    await tx
      .update(redemptions)
      .set({ cancelledAt: now })
      .where(and(eq(redemptions.merchantId, merchantId), eq(redemptions.id, r!.id)));
    const [entry] = await tx
      .select({ b: ledgerEntries.breakdown })
      .from(ledgerEntries)
      .where(
        and(
          eq(ledgerEntries.merchantId, merchantId),
          eq(ledgerEntries.redemptionId, r!.id),
          eq(ledgerEntries.kind, "redeem"),
        ),
      )
      .limit(1);
    const lots = ((entry?.b as { lots?: TakenLot[] } | null)?.lots ?? []).filter((l) => l.points > 0);
    const recorded = lots.reduce((a, l) => a + l.points, 0);
    const reason = `cancelled redemption ${r!.id} (voucher ${r!.code})`;
    for (const l of lots)
      await creditPoints(tx, member, "adjust", l.points, {
        at: now,
        // The lot keeps its place in FIFO order (earn date) and its expiry.
        ...(l.earnedAt ? { earnedAt: new Date(l.earnedAt) } : {}),
        availableAt: now,
        expiresAt: l.expiresAt ? new Date(l.expiresAt) : null,
        redemptionId: r!.id,
        reason,
      });
    if (recorded < r!.pointsSpent) {
      // Redemptions made before lots were recorded: the rest comes back with the program's expiry from now.
      const program = await getProgram(tx, merchantId);
      const expiresAt = program.pointsExpireDays
        ? new Date(now.getTime() + program.pointsExpireDays * 86_400_000)
        : null;
      await creditPoints(tx, member, "adjust", r!.pointsSpent - recorded, {
        at: now,
        availableAt: now,
        expiresAt,
        redemptionId: r!.id,
        reason,
      });
    }
    const [reward] = await tx.select().from(rewards).where(eq(rewards.id, r!.rewardId)).limit(1);
    if (reward && reward.stock !== null)
      await tx
        .update(rewards)
        .set({ stock: sql`${rewards.stock} + 1` })
        .where(eq(rewards.id, reward.id));
    return { status: 201, body: await result(now), replayed: false };
  });
}

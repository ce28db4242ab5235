/**
 * Tables of the referral program (drizzle-kit picks up `src/*\/tables.ts`): the merchant's settings, each member's
 * personal referral code, and one row per referral attempt, refused ones included (with the reason).
 */
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import {
  ts,
  createdAt,
  updatedAt,
  merchantRow,
  merchantCreatedIndex,
  bigNumber,
  merchantMember,
  memberId,
} from "../db/columns.ts";

export const referralSettings = pgTable("referral_settings", {
  merchantId: text("merchant_id").primaryKey(),
  config: jsonb("config").$type<Record<string, unknown>>().notNull(),
  updatedAt: updatedAt(),
});

/** A member's personal code (the `ref_<code>` Telegram payload, the Zalo "ref <code>" text, the card's QR). */
export const referralCodes = pgTable(
  "referral_codes",
  {
    /** Globally unique, so a bot that serves several shops can tell which shop a code belongs to. */
    code: text("code").primaryKey(),
    ...merchantMember(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("referral_codes_member_uq").on(t.merchantId, t.memberId)],
);

export type ReferralStatus = "refused" | "pending" | "holding" | "rewarded" | "cancelled" | "expired";
export type RefusalReason = "self_referral" | "existing_member" | "already_referred" | "referrer_cap";

export const referrals = pgTable(
  "referrals",
  {
    ...merchantRow(),
    referrerId: memberId("referrer_id"),
    /** The friend's member (a refused self-referral from the referrer's own chat names the referrer). */
    friendId: memberId("friend_id"),
    /** The chat the friend came through (telegram, zalo, web). */
    channel: text("channel").notNull(),
    status: text("status").$type<ReferralStatus>().notNull(),
    refusalReason: text("refusal_reason").$type<RefusalReason>(),
    /** Why a held referral ended without a reward (order_refunded, no_qualifying_order). */
    endReason: text("end_reason"),
    welcomePoints: integer("welcome_points").notNull().default(0),
    rewardPoints: integer("reward_points").notNull().default(0),
    /** The friend's first qualifying order, its amount and when the hold on it ends. */
    orderId: text("order_id"),
    orderTotal: bigNumber("order_total"),
    orderPlacedAt: ts("order_placed_at"),
    rewardDueAt: ts("reward_due_at"),
    rewardedAt: ts("rewarded_at"),
    endedAt: ts("ended_at"),
    createdAt: createdAt(),
  },
  (t) => [
    // One referrer per member: at most one referral that was not refused, whatever the race.
    uniqueIndex("referrals_friend_uq").on(t.merchantId, t.friendId).where(sql`status <> 'refused'`),
    index("referrals_referrer_idx").on(t.merchantId, t.referrerId, t.createdAt),
    index("referrals_open_idx").on(t.merchantId, t.status).where(sql`status in ('pending', 'holding')`),
    merchantCreatedIndex("referrals_created_idx", t),
  ],
);

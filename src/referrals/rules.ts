/**
 * The referral program's rules, pure (no I/O): who may be referred, and what happens to a referral as the friend's
 * orders and refunds come in. src/referrals/service.ts reads the facts and writes the outcome.
 */
import type { ReferralStatus, RefusalReason } from "./tables.ts";
import type { ReferralSettings } from "./schemas.ts";

const DAY_MS = 86_400_000;

export interface Person {
  memberId: string;
  phone: string | null;
}

export interface ClaimFacts {
  referrer: Person;
  friend: Person;
  /** The chat the friend writes from is one of the referrer's own chat identities. */
  friendChatIsReferrers: boolean;
  /** The friend has orders or points history with this merchant (or joined before the referral). */
  friendHasHistory: boolean;
  /** The friend already has a referral that was not refused. */
  friendAlreadyReferred: boolean;
  /** Referrals (not refused) the referrer collected in the cap's rolling period. */
  referrerRecentCount: number;
}

/** Why this referral is refused, or undefined when it is accepted. Checked in this order (the first reason wins). */
export function refusalReason(f: ClaimFacts, s: ReferralSettings): RefusalReason | undefined {
  if (f.friend.memberId === f.referrer.memberId || f.friendChatIsReferrers) return "self_referral";
  if (f.friend.phone !== null && f.friend.phone === f.referrer.phone) return "self_referral";
  if (f.friendAlreadyReferred) return "already_referred";
  if (f.friendHasHistory) return "existing_member";
  if (f.referrerRecentCount >= s.capPerReferrer) return "referrer_cap";
  return undefined;
}

/** Start of the cap's rolling period. */
export function capPeriodStart(s: ReferralSettings, now: Date): Date {
  return new Date(now.getTime() - s.capPeriodDays * DAY_MS);
}

/** Days a qualifying order is held: the setting, else the program's return window. */
export function holdDays(s: ReferralSettings, programPendingDays: number): number {
  return s.holdDays ?? programPendingDays;
}

export interface OpenReferral {
  status: Extract<ReferralStatus, "pending" | "holding">;
  createdAt: Date;
  rewardDueAt: Date | null;
  orderTotal: number | null;
}

export interface OrderFacts {
  /** The friend's first order at or above the minimum (earliest placed), if any. */
  firstQualifying: { id: string; total: number; placedAt: Date } | undefined;
  /** Σ refunds of that order recorded up to the end of its hold (or up to now while the hold runs). */
  refundedInWindow: number;
}

export type Step =
  | { kind: "wait" }
  | { kind: "hold"; orderId: string; orderTotal: number; placedAt: Date; dueAt: Date }
  | { kind: "pay" }
  | { kind: "cancel"; reason: "order_refunded" }
  | { kind: "expire"; reason: "no_qualifying_order" };

/** What to do with an open referral now. A refund inside the hold that takes the order below the minimum cancels. */
export function nextStep(
  r: OpenReferral,
  o: OrderFacts,
  s: ReferralSettings,
  programPendingDays: number,
  now: Date,
): Step {
  const order = o.firstQualifying;
  if (!order) {
    return now.getTime() >= r.createdAt.getTime() + s.orderWindowDays * DAY_MS
      ? { kind: "expire", reason: "no_qualifying_order" }
      : { kind: "wait" };
  }
  const net = order.total - o.refundedInWindow;
  if (net <= 0 || net < s.minOrderAmount) return { kind: "cancel", reason: "order_refunded" };
  const dueAt = new Date(order.placedAt.getTime() + holdDays(s, programPendingDays) * DAY_MS);
  if (now.getTime() >= dueAt.getTime()) return { kind: "pay" };
  return r.status === "holding"
    ? { kind: "wait" }
    : { kind: "hold", orderId: order.id, orderTotal: order.total, placedAt: order.placedAt, dueAt };
}

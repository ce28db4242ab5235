/** The referral rules, pure: refusal order, the hold, refunds inside and after it, expiry. */
import { describe, expect, it } from "vitest";
import { DEFAULT_REFERRAL_SETTINGS } from "../../src/referrals/schemas.ts";
import { holdDays, nextStep, refusalReason, type ClaimFacts } from "../../src/referrals/rules.ts";

const s = { ...DEFAULT_REFERRAL_SETTINGS, enabled: true, minOrderAmount: 100_000, capPerReferrer: 2 };
const facts = (over: Partial<ClaimFacts> = {}): ClaimFacts => ({
  referrer: { memberId: "mem_a", phone: "+84900000001" },
  friend: { memberId: "mem_b", phone: null },
  friendChatIsReferrers: false,
  friendHasHistory: false,
  friendAlreadyReferred: false,
  referrerRecentCount: 0,
  ...over,
});
const DAY = 86_400_000;
const t0 = new Date("2026-11-01T00:00:00Z");
const at = (days: number) => new Date(t0.getTime() + days * DAY);

describe("refusalReason", () => {
  it("accepts a new friend and names the first reason that applies", () => {
    expect(refusalReason(facts(), s)).toBeUndefined();
    expect(refusalReason(facts({ friend: { memberId: "mem_a", phone: null } }), s)).toBe("self_referral");
    expect(refusalReason(facts({ friend: { memberId: "mem_b", phone: "+84900000001" } }), s)).toBe("self_referral");
    expect(refusalReason(facts({ friendChatIsReferrers: true, friendHasHistory: true }), s)).toBe("self_referral");
    expect(refusalReason(facts({ friendAlreadyReferred: true, friendHasHistory: true }), s)).toBe("already_referred");
    expect(refusalReason(facts({ friendHasHistory: true, referrerRecentCount: 9 }), s)).toBe("existing_member");
    expect(refusalReason(facts({ referrerRecentCount: 1 }), s)).toBeUndefined();
    expect(refusalReason(facts({ referrerRecentCount: 2 }), s)).toBe("referrer_cap");
  });
});

describe("nextStep", () => {
  const pending = { status: "pending" as const, createdAt: t0, rewardDueAt: null, orderTotal: null };
  const order = { id: "ord_1", total: 150_000, placedAt: at(2) };

  it("waits for an order, then expires after orderWindowDays", () => {
    const none = { firstQualifying: undefined, refundedInWindow: 0 };
    expect(nextStep(pending, none, s, 14, at(89))).toEqual({ kind: "wait" });
    expect(nextStep(pending, none, s, 14, at(90))).toEqual({ kind: "expire", reason: "no_qualifying_order" });
  });

  it("holds a qualifying order for the program's pending window (or holdDays), then pays", () => {
    const o = { firstQualifying: order, refundedInWindow: 0 };
    expect(nextStep(pending, o, s, 14, at(3))).toEqual({
      kind: "hold",
      orderId: "ord_1",
      orderTotal: 150_000,
      placedAt: order.placedAt,
      dueAt: at(16),
    });
    expect(nextStep({ ...pending, status: "holding" }, o, s, 14, at(15))).toEqual({ kind: "wait" });
    expect(nextStep({ ...pending, status: "holding" }, o, s, 14, at(16))).toEqual({ kind: "pay" });
    expect(nextStep(pending, o, { ...s, holdDays: 0 }, 14, at(2))).toEqual({ kind: "pay" });
    expect(holdDays({ ...s, holdDays: 3 }, 14)).toBe(3);
  });

  it("a refund inside the hold that takes the order below the minimum cancels; a smaller one does not", () => {
    const partial = { firstQualifying: order, refundedInWindow: 40_000 };
    expect(nextStep(pending, partial, s, 14, at(16))).toEqual({ kind: "pay" });
    const big = { firstQualifying: order, refundedInWindow: 60_000 };
    expect(nextStep(pending, big, s, 14, at(5))).toEqual({ kind: "cancel", reason: "order_refunded" });
    const full = { firstQualifying: order, refundedInWindow: 150_000 };
    expect(nextStep(pending, full, { ...s, minOrderAmount: 0 }, 14, at(5))).toEqual({
      kind: "cancel",
      reason: "order_refunded",
    });
  });
});

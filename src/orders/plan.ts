/**
 * What an order earns, from the member's facts (pure). Both order paths use it — the one-statement path
 * (place.ts) and the general transaction (service.ts) — so they earn exactly the same way.
 */
import { jsonbKeyOrder } from "../lib/jsonb-order.ts";
import { effectiveTier, tierRank } from "../program/tiers.ts";
import { computeEarn, lineAmount, type EarnBreakdown } from "../ledger/earn.ts";
import type { Program, Tier } from "../program/config.ts";
import type { CreateOrderInput, OrderResult } from "./schemas.ts";
import { validationError } from "../lib/errors.ts";
import { MAX_POINTS } from "../lib/validate.ts";

/** What earning needs to know about a member at `placedAt` (read under the member lock, or verified under it). */
export interface MemberFacts {
  tierName: string | null;
  /** When the stored tier was reached (epoch ms; null when unknown): it counts only for orders placed after it. */
  tierSince: number | null;
  birthday: string | null;
  pointsTotal: number;
  /** Net spend in the tier window before this order. */
  spend: number;
  /** Points not spendable yet (pending lots). */
  pending: number;
  /** Active subscription plan at placedAt. */
  plan: string | null;
}

export interface EarnPlan {
  total: number;
  tier: Tier | undefined;
  /** Set when the order takes the member to a higher tier (stored at once). */
  upgradeTo: string | null;
  breakdown: EarnBreakdown;
}

export const orderTotal = (input: CreateOrderInput): number => input.items.reduce((s, i) => s + lineAmount(i), 0);

export function planEarn(program: Program, input: CreateOrderInput, facts: MemberFacts, placedAt: Date): EarnPlan {
  const total = orderTotal(input);
  // The tier as of placedAt: the stored tier only if it was reached by then (a backdated or imported order earns
  // at the tier its own date qualifies for), upgraded by the spend in the window up to placedAt. The order that
  // crosses a threshold already earns at the new tier.
  const heldTier = facts.tierSince === null || facts.tierSince <= placedAt.getTime() ? facts.tierName : null;
  const tier = effectiveTier(program, heldTier, facts.spend + total);
  const plan = facts.plan ? program.subscriptionPlans.find((p) => p.id === facts.plan) : undefined;
  const breakdown = computeEarn(input.items, {
    program,
    tier,
    placedAt,
    channel: input.channel,
    birthday: facts.birthday,
    subscription: plan ? { plan: plan.id, multiplier: plan.multiplier } : undefined,
  });
  // A balance holds at most MAX_POINTS (2^53 − 1, exact in JSON): an order past it is refused (nothing written).
  // Its earn can exceed it (10^15 minor units × 10^6 points per unit spend × multipliers); the bigint arithmetic
  // of computeEarn makes the comparison exact enough: any sum above 2^53 − 1 rounds to at least 2^53.
  if (facts.pointsTotal + breakdown.earn + breakdown.bonus > MAX_POINTS)
    throw validationError(
      [{ path: "items", message: `the order would earn more points than a balance can hold (${MAX_POINTS})` }],
      "The order earns too many points",
    );
  const upgrade = tier && (tierRank(program, tier.name) > tierRank(program, facts.tierName) || !facts.tierName);
  // In jsonb's key order: the earn entry stores it as jsonb, and a replay rebuilt from it must be the same text.
  return { total, tier, upgradeTo: upgrade && tier ? tier.name : null, breakdown: jsonbKeyOrder(breakdown) };
}

/** A credit's lot starts with what is left after paying back a negative balance (as `creditPoints` does). */
export const lotRemaining = (points: number, totalBefore: number): number =>
  Math.max(0, Math.min(points, points + totalBefore));

export const pendingUntil = (program: Program, placedAt: Date): Date =>
  new Date(placedAt.getTime() + program.pendingDays * 86_400_000);
export const expiresAt = (program: Program, placedAt: Date): Date | null =>
  program.pointsExpireDays ? new Date(placedAt.getTime() + program.pointsExpireDays * 86_400_000) : null;

/** An order's line rows (order_items columns) and the products it names for the catalog upsert. */
export function orderLineRows(input: CreateOrderInput) {
  const lines = input.items.map((i, n) => ({
    line_no: n + 1,
    sku: i.sku,
    name: i.name ?? null,
    category: i.category ?? null,
    quantity: i.quantity,
    unit_price: i.unitPrice,
    discount: i.discount,
  }));
  const bySku = new Map<string, { sku: string; name: string | null; category: string | null; price: number }>();
  for (const i of input.items)
    bySku.set(i.sku, { sku: i.sku, name: i.name ?? null, category: i.category ?? null, price: i.unitPrice });
  // Sorted, so concurrent orders touch shared catalog rows in the same order (no deadlocks between them).
  const products = [...bySku.values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return { lines, products };
}

/** The answer to an order without a member (a guest): nothing earned, no member figures. Both order paths give it. */
export function guestOrderResult(orderId: string, externalId: string, total: number): OrderResult {
  return {
    orderId,
    externalId,
    total,
    pointsEarned: 0,
    balance: null,
    memberId: null,
    pending: null,
    cashback: 0,
    tier: null,
    breakdown: null,
  };
}

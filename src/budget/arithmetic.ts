/**
 * The budget's arithmetic, pure and exact: money in integer currency minor units, points as integers, the value of
 * a point as an integer ratio (amount minor units per `points` points). Products go through bigint and are rounded
 * once, half up, so no float ever holds an amount of money.
 */
import type { Liability, Ratio } from "../analytics/kpis.ts";

/** `amount` minor units buy `points` points (points ≥ 1). */
export interface PointValue {
  amount: number;
  points: number;
}

/** round(n ÷ d) for d > 0, halves away from zero. */
export function roundDiv(n: bigint, d: bigint): bigint {
  return n < 0n ? -roundDiv(-n, d) : (2n * n + d) / (2n * d);
}

const big = (n: number) => BigInt(Math.trunc(n));

/** What `points` points cost, in minor units (rounded, halves away from zero). */
export function pointsCost(points: number, v: PointValue): number {
  return Number(roundDiv(big(points) * big(v.amount), big(v.points)));
}

/** Tokens × price per million tokens, rounded half up. */
export function llmCost(tokens: number, pricePerMillion: number): number {
  return Number(roundDiv(big(tokens) * big(pricePerMillion), 1_000_000n));
}

/** An exact ratio with its value rounded to 4 decimals for display (null when the denominator is 0). */
export function ratio(numerator: number, denominator: number): Ratio {
  return {
    numerator,
    denominator,
    value: denominator === 0 ? null : Number(roundDiv(big(numerator) * 10_000n, big(denominator))) / 10_000,
  };
}

/** Breakage: expired ÷ issued points (over the trailing 12 months), capped at 1. */
export function breakageRate(expired: number, issued: number): Ratio {
  return ratio(Math.min(Math.max(expired, 0), Math.max(issued, 0)), Math.max(issued, 0));
}

/** The dashboard's liability figures (the same definitions), from outstanding points and the expiry history. */
export function liability(points: number, v: PointValue, expired12m: number, issued12m: number): Liability {
  const value = pointsCost(Math.max(points, 0), v);
  const rate = breakageRate(expired12m, issued12m);
  const expectedBreakage =
    rate.denominator === 0 ? 0 : Number(roundDiv(big(value) * big(rate.numerator), big(rate.denominator)));
  return { points: Math.max(points, 0), value, breakageRate: rate, expectedBreakage, net: value - expectedBreakage };
}

/** A month's budget and what is already used of it (null budget = none set). */
export interface BudgetLine {
  budget: number | null;
  used: number;
  /** budget − used (never below 0); null without a budget. */
  remaining: number | null;
}

export function budgetLine(budget: number | null, used: number): BudgetLine {
  return { budget, used, remaining: budget === null ? null : Math.max(0, budget - used) };
}

/** What sending would add this month: bonus points (and their cost) and messages × price. */
export interface CostEstimate {
  bonusPoints: number;
  pointsCost: number;
  messages: number;
  messageCost: number;
  /** pointsCost + messageCost (minor units). */
  cost: number;
}

export function costEstimate(
  bonusPoints: number,
  messages: number,
  pricePerMessage: number,
  v: PointValue,
): CostEstimate {
  const pc = pointsCost(bonusPoints, v);
  const mc = messages * pricePerMessage;
  return { bonusPoints, pointsCost: pc, messages, messageCost: mc, cost: pc + mc };
}

/** Which budgets the estimate would exceed: points issued against the points budget, message cost against spend. */
export function exceeded(e: CostEstimate, points: BudgetLine, spend: BudgetLine): ("points" | "spend")[] {
  const over: ("points" | "spend")[] = [];
  if (points.budget !== null && e.bonusPoints > 0 && points.used + e.bonusPoints > points.budget) over.push("points");
  if (spend.budget !== null && e.messageCost > 0 && spend.used + e.messageCost > spend.budget) over.push("spend");
  return over;
}

/** Cost per member: the month's program cost ÷ members (rounded half up; null without members). */
export function costPerMember(cost: number, members: number): number | null {
  return members > 0 ? Number(roundDiv(big(Math.max(cost, 0)), big(members))) : null;
}

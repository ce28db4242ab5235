/**
 * Points and cashback for one order (pure, exact). Every multiplier is a decimal with ≤ 4 places, so the whole
 * computation is one big rational: floor(Σ amount × Π multipliers × points / spend) in bigint — no float drift.
 */
import { floorDiv, SCALE, toScaled } from "../lib/decimal.ts";
import type { Program, Tier } from "../program/config.ts";

export interface EarnLine {
  sku: string;
  category?: string | null | undefined;
  quantity: number;
  unitPrice: number;
  discount: number;
}

export interface EarnContext {
  program: Program;
  tier: Tier | undefined;
  placedAt: Date;
  channel: string;
  /** Member birthday `YYYY-MM-DD`, if known. */
  birthday?: string | null | undefined;
  /** Active paid plan's multiplier and name, if any. */
  subscription?: { plan: string; multiplier: number } | undefined;
}

// A type alias (not an interface), so it is a JSON record: stored as jsonb and sent as is.
export type EarnBreakdown = {
  total: number;
  /** floor(total × points / spend): what the order would earn with no multiplier at all. */
  base: number;
  lines: { sku: string; amount: number; multiplier: number; source: "category" | "product" | "none"; event?: string }[];
  tier: { name: string; multiplier: number } | null;
  subscription: { plan: string; multiplier: number } | null;
  events: { name: string; multiplier: number }[];
  /** Points per the program formula (lines × category/product × tier × subscription). */
  earn: number;
  /** Extra points from bonus events (promotions, birthday), as a separate `bonus` entry. */
  bonus: number;
  cashback: number;
};

export const lineAmount = (l: EarnLine): number => l.quantity * l.unitPrice - l.discount;

function lineMultiplier(p: Program, l: EarnLine): { m: number; source: "category" | "product" | "none" } {
  const pm = p.productMultipliers[l.sku];
  if (pm !== undefined) return { m: pm, source: "product" };
  const cm = l.category ? p.categoryMultipliers[l.category] : undefined;
  if (cm !== undefined) return { m: cm, source: "category" };
  return { m: 1, source: "none" };
}

/** Whether `at` falls in the birthday window (± half the window around this year's birthday, any year boundary). */
export function inBirthdayWindow(birthday: string, at: Date, windowDays: number): boolean {
  const [, mm, dd] = birthday.split("-").map(Number);
  if (!mm || !dd) return false;
  const half = Math.floor(windowDays / 2);
  for (const year of [at.getUTCFullYear() - 1, at.getUTCFullYear(), at.getUTCFullYear() + 1]) {
    const b = Date.UTC(year, mm - 1, dd);
    const from = b - half * 86_400_000;
    const to = b + (windowDays - half) * 86_400_000;
    if (at.getTime() >= from && at.getTime() < to) return true;
  }
  return false;
}

/** The best bonus event for a line (events do not stack: the highest multiplier wins). */
function lineEvent(ctx: EarnContext, l: EarnLine): { name: string; multiplier: number } | undefined {
  let best: { name: string; multiplier: number } | undefined;
  const t = ctx.placedAt.getTime();
  for (const pr of ctx.program.promotions) {
    if (t < Date.parse(pr.startsAt) || t >= Date.parse(pr.endsAt)) continue;
    if (pr.categories && !(l.category && pr.categories.includes(l.category))) continue;
    if (pr.channels && !pr.channels.includes(ctx.channel)) continue;
    if (!best || pr.multiplier > best.multiplier) best = { name: pr.name, multiplier: pr.multiplier };
  }
  const bb = ctx.program.birthdayBonus;
  if (bb && ctx.birthday && inBirthdayWindow(ctx.birthday, ctx.placedAt, bb.windowDays)) {
    if (!best || bb.multiplier > best.multiplier) best = { name: "birthday", multiplier: bb.multiplier };
  }
  return best;
}

export function computeEarn(lines: EarnLine[], ctx: EarnContext): EarnBreakdown {
  const p = ctx.program;
  const tierM = toScaled(ctx.tier?.multiplier ?? 1);
  const subM = toScaled(ctx.subscription?.multiplier ?? 1);
  const pts = BigInt(p.earn.points);
  const spend = BigInt(p.earn.spend);

  let total = 0n;
  // Σ amount × lineM (scaled 1e4), and the same including the event multiplier (scaled 1e8).
  let sumPlain = 0n;
  let sumEvent = 0n;
  let cashbackScaled = 0n;
  const events = new Map<string, number>();
  const outLines: EarnBreakdown["lines"] = [];
  const cbRate = p.cashback ? toScaled(p.cashback.rate) : 0n;
  const cbDiscRate = p.cashback ? toScaled(p.cashback.discountedRate ?? p.cashback.rate) : 0n;

  for (const l of lines) {
    const amount = BigInt(lineAmount(l));
    total += amount;
    const { m, source } = lineMultiplier(p, l);
    const lm = toScaled(m);
    const ev = lineEvent(ctx, l);
    sumPlain += amount * lm;
    sumEvent += amount * lm * (ev ? toScaled(ev.multiplier) : SCALE);
    if (ev) events.set(ev.name, ev.multiplier);
    cashbackScaled += amount * (l.discount > 0 ? cbDiscRate : cbRate);
    outLines.push({ sku: l.sku, amount: Number(amount), multiplier: m, source, ...(ev ? { event: ev.name } : {}) });
  }

  const denom = spend * SCALE * SCALE * SCALE; // lineM × tierM × subM
  const earn = floorDiv(sumPlain * tierM * subM * pts, denom);
  const withEvents = floorDiv(sumEvent * tierM * subM * pts, denom * SCALE);
  const base = floorDiv(total * pts, spend);

  return {
    total: Number(total),
    base: Number(base),
    lines: outLines,
    tier: ctx.tier ? { name: ctx.tier.name, multiplier: ctx.tier.multiplier } : null,
    subscription: ctx.subscription ?? null,
    events: [...events].map(([name, multiplier]) => ({ name, multiplier })),
    earn: Number(earn),
    bonus: Number(withEvents - earn),
    cashback: Number(floorDiv(cashbackScaled, SCALE)),
  };
}

/**
 * Points to reverse when `refundedAmount` (cumulative, including this refund) of an order's `total` is refunded:
 * pro rata, floored toward the member, computed on the cumulative amount so partial refunds never drift.
 */
export function reversalFor(earned: number, total: number, refundedBefore: number, refundedAfter: number): number {
  if (total <= 0 || earned <= 0) return 0;
  const target = (cum: number) => Number(floorDiv(BigInt(earned) * BigInt(cum), BigInt(total)));
  return target(refundedAfter) - target(refundedBefore);
}

/**
 * Each line's share of an order's points, as an integer weight per unit of amount: its category/product multiplier
 * times its bonus-event multiplier (tier and subscription multiply every line alike and cancel out). From the
 * breakdown stored with the order's `earn` entry; undefined when the breakdown does not match the lines.
 */
export function lineWeights(
  breakdown: Pick<EarnBreakdown, "lines" | "events"> | null | undefined,
  lineCount: number,
): bigint[] | undefined {
  if (!breakdown || breakdown.lines.length !== lineCount) return undefined;
  const events = new Map(breakdown.events.map((e) => [e.name, e.multiplier]));
  return breakdown.lines.map(
    (l) => toScaled(l.multiplier) * (l.event !== undefined ? toScaled(events.get(l.event) ?? 1) : SCALE),
  );
}

/**
 * "The points earned on the refunded part, pro rata": `earned` × (Σ weight × refunded amount) / (Σ weight × amount),
 * floored toward the member, on the cumulative refunded amounts per line (before and after this refund) so that
 * partial refunds add up exactly. With equal weights this is `reversalFor` on the order's amounts.
 */
export function weightedReversalFor(
  earned: number,
  lines: { net: number; refundedBefore: number; refundedAfter: number }[],
  weights: bigint[],
): number {
  if (earned <= 0) return 0;
  let whole = 0n;
  let before = 0n;
  let after = 0n;
  lines.forEach((l, i) => {
    const w = weights[i]!;
    whole += w * BigInt(l.net);
    before += w * BigInt(l.refundedBefore);
    after += w * BigInt(l.refundedAfter);
  });
  if (whole <= 0n) return 0;
  const target = (cum: bigint) => Number(floorDiv(BigInt(earned) * cum, whole));
  return target(after) - target(before);
}

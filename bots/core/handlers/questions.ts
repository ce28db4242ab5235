/**
 * Template answers to free-text questions, with facts read from the database (never from a model):
 * what the points buy now and the next reward, when the points expire (the lots), how to reach a tier.
 */
import { memberBalance, type MemberRow } from "../../../src/ledger/ledger.ts";
import { netSpend } from "../../../src/members/service.ts";
import { expirySchedule } from "../../../src/members/expiry.ts";
import { sortedTiers, type Program, type Tier } from "../../../src/program/config.ts";
import { getProgram } from "../../../src/program/service.ts";
import { effectiveTier, nextTierProgress, tierRank } from "../../../src/program/tiers.ts";
import { listRewards } from "../../../src/rewards/service.ts";
import { foldVietnamese, formatDate, formatPoints, truncate } from "../../../src/messages/render.ts";
import type { MessageButton } from "../../../src/channels/channel.ts";
import { Btn, isValidButtonData } from "../intents.ts";
import { msg, type Ctx } from "../context.ts";
import type { ReplyMessage } from "../types.ts";

const LIST_MAX = 5;

export async function affordable(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  const [all, { balance }, program] = await Promise.all([
    listRewards(ctx.db, m.merchantId, true),
    memberBalance(ctx.db, m, ctx.now),
    getProgram(ctx.db, m.merchantId),
  ]);
  const rank = tierRank(program, effectiveTier(program, m.tierName, await spendOf(ctx, m, program))?.name);
  // What the member could redeem at all: in stock and allowed for its tier (listRewards is cheapest first).
  const open = all.filter(
    (r) => (r.stock === null || r.stock > 0) && (!r.minTier || rank >= tierRank(program, r.minTier)),
  );
  const now = open.filter((r) => r.cost <= balance);
  const next = open.find((r) => r.cost > balance);
  // The dearest affordable rewards first: what the points buy at best.
  const shown = [...now].reverse().slice(0, LIST_MAX);
  const buttons: MessageButton[][] = [];
  for (const r of shown) {
    const data = Btn.redeemAsk(r.id);
    if (isValidButtonData(data))
      buttons.push([{ label: ctx.copy.buttons.redeem(truncate(r.name, 32), formatPoints(r.cost, ctx.lang)), data }]);
  }
  buttons.push([{ label: ctx.copy.buttons.rewards, data: Btn.rewards }]);
  const text = ctx.copy.rewardsAffordable(ctx.fmt, {
    balance,
    affordable: shown.map((r) => ({ name: r.name, cost: r.cost })),
    moreAffordable: now.length - shown.length,
    next: next ? { name: next.name, cost: next.cost, needed: next.cost - balance } : undefined,
    noRewards: all.length === 0,
  });
  return [msg(text, buttons)];
}

const EXPIRY_DATES_MAX = 6;

export async function expiry(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  const rows = await expirySchedule(ctx.db, m.merchantId, m.id, ctx.now);
  // One line per day in the merchant's time zone (several lots may expire the same day).
  const days: { key: string; date: Date; points: number }[] = [];
  let never = 0;
  for (const r of rows) {
    if (!r.expiresAt) {
      never += r.points;
      continue;
    }
    const key = formatDate(r.expiresAt, "en", ctx.fmt.timeZone);
    const last = days[days.length - 1];
    if (last?.key === key) last.points += r.points;
    else days.push({ key, date: r.expiresAt, points: r.points });
  }
  const shown = days.slice(0, EXPIRY_DATES_MAX);
  const later = days.slice(EXPIRY_DATES_MAX).reduce((s, d) => s + d.points, 0);
  const total = rows.reduce((s, r) => s + r.points, 0);
  const text = ctx.copy.expirySchedule(ctx.fmt, {
    total,
    dates: shown.map((d) => ({ date: d.date, points: d.points })),
    later,
    never,
  });
  return [
    msg(text, [
      [
        { label: ctx.copy.buttons.rewards, data: Btn.rewards },
        { label: ctx.copy.buttons.points, data: Btn.points },
      ],
    ]),
  ];
}

async function spendOf(ctx: Ctx, m: MemberRow, program: Program): Promise<number> {
  return netSpend(ctx.db, m, ctx.now, program.tierWindowDays);
}

// Common tier names across the two languages, folded: "how do I reach Gold?" for a tier named "Vàng".
const TIER_ALIASES: string[][] = [
  ["gold", "vang"],
  ["silver", "bac"],
  ["bronze", "dong"],
  ["platinum", "bach kim"],
  ["diamond", "kim cuong"],
  ["member", "thanh vien"],
];

/** The program tier a question names ("Gold", "hạng Vàng", "vang"), if any. */
export function namedTier(program: Program, text: string): Tier | undefined {
  const t = ` ${foldVietnamese(text).replace(/[^a-z0-9]+/g, " ")} `;
  const has = (w: string) => w !== "" && t.includes(` ${w} `);
  const tiers = sortedTiers(program);
  // Longest names first: "Kim cương" before a tier named "Kim".
  const byLength = [...tiers].sort((a, b) => b.name.length - a.name.length);
  const direct = byLength.find((x) =>
    has(
      foldVietnamese(x.name)
        .replace(/[^a-z0-9]+/g, " ")
        .trim(),
    ),
  );
  if (direct) return direct;
  for (const x of byLength) {
    const n = foldVietnamese(x.name)
      .replace(/[^a-z0-9]+/g, " ")
      .trim();
    const group = TIER_ALIASES.find((g) => g.includes(n));
    if (group?.some(has)) return x;
  }
  return undefined;
}

export async function tierProgress(ctx: Ctx, m: MemberRow, text: string): Promise<ReplyMessage[]> {
  const program = await getProgram(ctx.db, m.merchantId);
  const spend = await spendOf(ctx, m, program);
  const current = effectiveTier(program, m.tierName, spend);
  const base = { spend, windowDays: program.tierWindowDays, current: current?.name };
  const next = [[{ label: ctx.copy.buttons.points, data: Btn.points }]];
  if (program.tiers.length === 0) return [msg(ctx.copy.tierProgress(ctx.fmt, { ...base, noTiers: true }), next)];
  const asked = namedTier(program, text);
  const currentRank = tierRank(program, current?.name);
  let target: Tier | undefined;
  let alreadyAt: string | undefined;
  if (asked && tierRank(program, asked.name) <= currentRank) {
    alreadyAt = current!.name;
    target = nextTierProgress(program, current?.name, spend)?.next;
  } else target = asked ?? nextTierProgress(program, current?.name, spend)?.next;
  return [
    msg(
      ctx.copy.tierProgress(ctx.fmt, {
        ...base,
        alreadyAt,
        noTiers: false,
        target: target
          ? { name: target.name, minSpend: target.minSpend, spendNeeded: Math.max(0, target.minSpend - spend) }
          : undefined,
      }),
      next,
    ),
  ];
}

/**
 * The program budget: settings, the cost of a point, what the merchant's local month has used, cost estimates of a
 * campaign or the reactivation journey before they send, and the report (monthly series, liability and breakage,
 * cost per member, program cost vs the campaigns' incremental revenue from their control groups). Arithmetic:
 * ./arithmetic.ts. Definitions: docs/budget.md.
 */
import { and, desc, eq, gt, isNotNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { col, queryRows } from "../db/rows.ts";
import { reservedThisMonth } from "./reservations.ts";
import { offerBonusSql } from "./offer-bonus.ts";
import { ISSUED } from "../analytics/kpis.ts";
import { campaignCounts, campaignKpis, estimateCampaign } from "../campaigns/service.ts";
import { campaigns } from "../campaigns/tables.ts";
import { routedMembers } from "../campaigns/routing.ts";
import type { SendTarget } from "../campaigns/guard.ts";
import { compileSegment, segmentMembersQuery } from "../segments/compile.ts";
import { findSegment, segmentContext } from "../segments/service.ts";
import { withDayBounds } from "../segments/days.ts";
import { loadProgram } from "../program/service.ts";
import { toScaled } from "../lib/decimal.ts";
import { znsSettings } from "../zns/settings.ts";
import {
  budgetLine,
  costEstimate,
  costPerMember,
  exceeded,
  liability,
  llmCost,
  pointsCost,
  ratio,
  type BudgetLine,
} from "./arithmetic.ts";
import type { BudgetSettings, EstimateSchema, ReportSchema, ResolvedPointValueSchema } from "./schemas.ts";
import { budgetMonths, budgetSettings } from "./tables.ts";

export type ResolvedPointValue = z.output<typeof ResolvedPointValueSchema>;
export type BudgetEstimate = z.output<typeof EstimateSchema>;
export type BudgetReport = z.output<typeof ReportSchema>;

export async function getBudgetSettings(db: Db, merchantId: string): Promise<BudgetSettings> {
  const [s] = await db.select().from(budgetSettings).where(eq(budgetSettings.merchantId, merchantId)).limit(1);
  const months = await db
    .select({ month: budgetMonths.month, points: budgetMonths.points, spend: budgetMonths.spend })
    .from(budgetMonths)
    .where(eq(budgetMonths.merchantId, merchantId))
    .orderBy(budgetMonths.month);
  return {
    pointValue:
      s?.pointValueAmount != null && s.pointValuePoints != null
        ? { amount: s.pointValueAmount, points: s.pointValuePoints }
        : null,
    enforcement: s?.enforcement ?? "warn",
    monthly: { points: s?.monthlyPoints ?? null, spend: s?.monthlySpend ?? null },
    months,
    llmPricePerMillionTokens: s?.llmPricePerMillionTokens ?? 0,
  };
}

/** Replaces the settings and the months' own budgets in one transaction. */
export async function putBudgetSettings(
  db: Db,
  merchantId: string,
  s: BudgetSettings,
  now: Date,
): Promise<BudgetSettings> {
  const row = {
    pointValueAmount: s.pointValue?.amount ?? null,
    pointValuePoints: s.pointValue?.points ?? null,
    enforcement: s.enforcement,
    monthlyPoints: s.monthly.points,
    monthlySpend: s.monthly.spend,
    llmPricePerMillionTokens: s.llmPricePerMillionTokens,
    updatedAt: now,
  };
  await db.transaction(async (tx) => {
    await tx
      .insert(budgetSettings)
      .values({ merchantId, ...row })
      .onConflictDoUpdate({ target: budgetSettings.merchantId, set: row });
    await tx.delete(budgetMonths).where(eq(budgetMonths.merchantId, merchantId));
    if (s.months.length > 0) await tx.insert(budgetMonths).values(s.months.map((m) => ({ merchantId, ...m })));
  });
  return getBudgetSettings(db, merchantId);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const reduced = (amount: number, points: number) => {
  const g = gcd(amount, points) || 1;
  return { amount: amount / g, points: points / g };
};

/**
 * The cost of a point as an integer ratio: the budget's own; else the program's pointValue (a 4-decimal number,
 * exact as n / 10000); else the active vouchers' Σ value ÷ Σ cost; else 1 % of the spend that earns a point — the
 * same order as the points liability of the dashboard (src/analytics/kpis.ts pointValueSql).
 */
export async function resolvePointValue(db: Db, merchantId: string, s: BudgetSettings): Promise<ResolvedPointValue> {
  if (s.pointValue) return { ...s.pointValue, source: "budget" };
  const program = await loadProgram(db, merchantId);
  if (program.pointValue !== null)
    return { ...reduced(Number(toScaled(program.pointValue)), 10_000), source: "program" };
  const [v] = await queryRows(
    db,
    sql`select coalesce(sum(value), 0) as value, coalesce(sum(cost), 0) as cost from rewards
        where merchant_id = ${merchantId} and active and kind = 'voucher' and value is not null and value > 0 and cost > 0`,
    z.object({ value: col.num, cost: col.num }),
  );
  if (v && v.cost > 0) return { ...reduced(v.value, v.cost), source: "vouchers" };
  return { ...reduced(program.earn.spend, program.earn.points * 100), source: "default" };
}

/** The merchant's local calendar month at `now`, "YYYY-MM". */
export async function localMonth(db: Db, merchantId: string, now: Date): Promise<string> {
  const [r] = await queryRows(
    db,
    sql`select to_char(${now.toISOString()}::timestamptz at time zone timezone, 'YYYY-MM') as month from merchants where id = ${merchantId}`,
    z.object({ month: z.string() }),
  );
  return r?.month ?? now.toISOString().slice(0, 7);
}

/** A month's budgets: each its own, else (null or no row) the monthly default. */
export function budgetsFor(s: BudgetSettings, month: string): { points: number | null; spend: number | null } {
  const own = s.months.find((m) => m.month === month);
  return { points: own?.points ?? s.monthly.points, spend: own?.spend ?? s.monthly.spend };
}

const SeriesRow = z.object({
  month: z.string(),
  issued: col.num,
  expired: col.num,
  zns: col.num,
  tokens: col.num,
});

/**
 * Points issued and expired, ZNS messages sent and LLM tokens per local calendar month (the merchant's time zone),
 * the last `n` months up to the current one, oldest first. One statement; each month reads its own index range.
 */
async function monthlySeries(db: Db, merchantId: string, now: Date, n: number) {
  const at = sql`${now.toISOString()}::timestamptz`;
  return queryRows(
    db,
    sql`with mer as (select timezone as tz from merchants where id = ${merchantId}),
        mo as (
          select to_char(gs, 'YYYY-MM') as month, gs::date as d0, (gs + interval '1 month')::date as d1,
                 gs at time zone mer.tz as t0, (gs + interval '1 month') at time zone mer.tz as t1
          from mer, generate_series(date_trunc('month', ${at} at time zone mer.tz) - make_interval(months => ${n - 1}),
                                    date_trunc('month', ${at} at time zone mer.tz), interval '1 month') gs
        )
        select mo.month,
          (select coalesce(sum(points) filter (where ${ISSUED}), 0) from ledger_entries
            where merchant_id = ${merchantId} and created_at >= mo.t0 and created_at < mo.t1) as issued,
          (select coalesce(-sum(points), 0) from ledger_entries
            where merchant_id = ${merchantId} and kind = 'expire' and created_at >= mo.t0 and created_at < mo.t1) as expired,
          (select count(*) from deliveries
            where merchant_id = ${merchantId} and channel = 'zns' and status = 'sent' and sent_at >= mo.t0 and sent_at < mo.t1) as zns,
          (select coalesce(sum(input_tokens + output_tokens), 0) from llm_usage
            where merchant_id = ${merchantId} and day >= mo.d0 and day < mo.d1) as tokens
        from mo order by mo.month`,
    SeriesRow,
  );
}

interface MonthFacts {
  month: string;
  points: BudgetLine;
  spend: BudgetLine;
  pointValue: ResolvedPointValue;
  pricePerMessage: number;
}

/** The current local month: its budgets and what is used of them. */
async function currentMonth(db: Db, merchantId: string, s: BudgetSettings, now: Date): Promise<MonthFacts> {
  const [[m], zns, pointValue] = await Promise.all([
    monthlySeries(db, merchantId, now, 1),
    znsSettings.get(db, merchantId),
    resolvePointValue(db, merchantId, s),
  ]);
  const month = m?.month ?? now.toISOString().slice(0, 7);
  const b = budgetsFor(s, month);
  const spent = (m?.zns ?? 0) * zns.pricePerMessage + llmCost(m?.tokens ?? 0, s.llmPricePerMillionTokens);
  return {
    month,
    points: budgetLine(b.points, m?.issued ?? 0),
    spend: budgetLine(b.spend, spent),
    pointValue,
    pricePerMessage: zns.pricePerMessage,
  };
}

/** The bonus points one redemption of an offer (or bundle) credits; 0 for none or an unknown id. */
async function offerBonus(db: Db, merchantId: string, offerId: string | null | undefined): Promise<number> {
  if (!offerId) return 0;
  const [r] = await queryRows(db, sql`select ${offerBonusSql(merchantId, offerId)} as b`, z.object({ b: col.num }));
  return Math.max(0, r?.b ?? 0);
}

function estimateOf(
  kind: "campaign" | "journey" | "survey",
  id: string | null,
  f: MonthFacts,
  s: BudgetSettings,
  bonusPoints: number,
  znsMessages: number,
): BudgetEstimate {
  const e = costEstimate(bonusPoints, znsMessages, f.pricePerMessage, f.pointValue);
  return {
    kind,
    id,
    month: f.month,
    ...e,
    pricePerMessage: f.pricePerMessage,
    pointValue: f.pointValue,
    points: f.points,
    spend: f.spend,
    over: exceeded(e, f.points, f.spend),
    enforcement: s.enforcement,
  };
}

/**
 * A campaign sent now: its ZNS messages × price (the campaign estimate's own routing and control group), and every
 * member who gets a message redeeming its offer's bonus once (an upper bound).
 */
export async function estimateCampaignCost(
  db: Db,
  merchantId: string,
  campaignId: string,
  now: Date,
  settings?: BudgetSettings,
): Promise<BudgetEstimate> {
  const s = settings ?? (await getBudgetSettings(db, merchantId));
  const e = await estimateCampaign(db, merchantId, campaignId, now);
  const [c] = await db
    .select({ offerId: campaigns.offerId })
    .from(campaigns)
    .where(and(eq(campaigns.merchantId, merchantId), eq(campaigns.id, campaignId)));
  const messages = Object.values(e.byChannel).reduce((n, ch) => n + ch.messages, 0);
  const bonus = await offerBonus(db, merchantId, c?.offerId);
  return estimateOf(
    "campaign",
    campaignId,
    await currentMonth(db, merchantId, s, now),
    s,
    messages * bonus,
    e.zns.messages,
  );
}

type Steps = Extract<SendTarget, { kind: "journey" }>["steps"];

/**
 * Steps (each a segment with a channel choice and an offer) sent now to the members now in their segments who would
 * get a message (opted in, reachable): ZNS ones × price, all × the step offer's bonus. No control group is drawn.
 */
async function estimateSteps(
  db: Db,
  merchantId: string,
  kind: "campaign" | "journey",
  steps: Steps,
  now: Date,
  settings?: BudgetSettings,
  pass?: { keyPrefix: string },
): Promise<BudgetEstimate> {
  const s = settings ?? (await getBudgetSettings(db, merchantId));
  const ctx = await segmentContext(db, merchantId, now);
  let bonusPoints = 0;
  let zns = 0;
  for (const [i, step] of steps.entries()) {
    const seg = await findSegment(db, merchantId, step.segmentId);
    if (!seg) continue;
    const members = segmentMembersQuery(compileSegment(seg.rule, await withDayBounds(db, ctx, seg.rule)), merchantId);
    const routed = routedMembers(members, merchantId, step.channel ?? "auto", step.znsTemplateId !== undefined);
    const [r] = await queryRows(
      db,
      sql`select count(*) filter (where r.opted_in and r.unreachable_at is null) as messages,
                 count(*) filter (where r.opted_in and r.unreachable_at is null and r.channel = 'zns') as zns
          from (${routed}) r where r.channel <> 'none' ${pass ? newEntryOnly(merchantId, pass.keyPrefix, i, now) : sql``}`,
      z.object({ messages: col.num, zns: col.num }),
    );
    bonusPoints += (r?.messages ?? 0) * (await offerBonus(db, merchantId, step.offerId));
    zns += r?.zns ?? 0;
  }
  return estimateOf(kind, null, await currentMonth(db, merchantId, s, now), s, bonusPoints, zns);
}

/**
 * A journey pass queues a step once per member and entry (the member's last order): members whose entry already
 * has the step are not counted (the pass's own key, src/journeys/service.ts).
 */
function newEntryOnly(merchantId: string, keyPrefix: string, step: number, now: Date) {
  const at = sql`${now.toISOString()}::timestamptz`;
  return sql`and not exists (
    select 1 from deliveries d where d.merchant_id = ${merchantId} and d.member_id = r.member_id
      and d.source_key = ${`${keyPrefix}:${step}:`}::text || coalesce((
        select o.id from orders o where o.merchant_id = ${merchantId} and o.member_id = r.member_id and o.placed_at <= ${at}
        order by o.placed_at desc, o.id desc limit 1), 'none'))`;
}

/** The journey's next pass with these steps (later entries are counted when they are sent). */
export const estimateJourneyCost = (
  db: Db,
  merchantId: string,
  steps: Steps,
  now: Date,
  settings?: BudgetSettings,
  pass?: { keyPrefix: string },
) => estimateSteps(db, merchantId, "journey", steps, now, settings, pass);

/** A campaign being composed (not saved yet): every member it would reach, before a control group is drawn. */
export const estimateDraftCost = (db: Db, merchantId: string, draft: Steps[number], now: Date) =>
  estimateSteps(db, merchantId, "campaign", [draft], now);

/**
 * A survey's after-order pass: its invitees each completing it (the survey's points, an upper bound) and its ZNS
 * invitations × price.
 */
export async function estimateSurveyCost(
  db: Db,
  merchantId: string,
  target: Extract<SendTarget, { kind: "survey" }>,
  now: Date,
  settings?: BudgetSettings,
): Promise<BudgetEstimate> {
  const s = settings ?? (await getBudgetSettings(db, merchantId));
  const f = await currentMonth(db, merchantId, s, now);
  return estimateOf("survey", target.id, f, s, target.invitations * target.points, target.zns);
}

/** The budget report: `months` local months up to the current one (docs/budget.md defines every figure). */
export async function budgetReport(db: Db, merchantId: string, now: Date, months: number): Promise<BudgetReport> {
  const s = await getBudgetSettings(db, merchantId);
  const [series, zns, pointValue, program] = await Promise.all([
    monthlySeries(db, merchantId, now, months),
    znsSettings.get(db, merchantId),
    resolvePointValue(db, merchantId, s),
    loadProgram(db, merchantId),
  ]);
  const rows = series.map((m) => {
    const b = budgetsFor(s, m.month);
    const znsCost = m.zns * zns.pricePerMessage;
    const llm = llmCost(m.tokens, s.llmPricePerMillionTokens);
    const pc = pointsCost(m.issued, pointValue);
    return {
      month: m.month,
      pointsIssued: m.issued,
      pointsExpired: m.expired,
      pointsBudget: b.points,
      pointsCost: pc,
      znsMessages: m.zns,
      znsCost,
      llmTokens: m.tokens,
      llmCost: llm,
      spend: znsCost + llm,
      spendBudget: b.spend,
      programCost: pc + znsCost + llm,
    };
  });
  const cur = rows[rows.length - 1]!;
  const [l] = await queryRows(
    db,
    sql`select (select coalesce(sum(greatest(points_total, 0)), 0) from members where merchant_id = ${merchantId}) as points,
               (select count(*) from members where merchant_id = ${merchantId}) as members,
               coalesce(-sum(points) filter (where kind = 'expire'), 0) as expired,
               coalesce(sum(points) filter (where ${ISSUED}), 0) as issued
        from ledger_entries where merchant_id = ${merchantId}
          and created_at > ${now.toISOString()}::timestamptz - interval '12 months' and created_at <= ${now.toISOString()}::timestamptz`,
    z.object({ points: col.num, members: col.num, expired: col.num, issued: col.num }),
  );
  const started = await db
    .select({ id: campaigns.id, name: campaigns.name, startedAt: campaigns.startedAt })
    .from(campaigns)
    .where(
      and(
        eq(campaigns.merchantId, merchantId),
        isNotNull(campaigns.startedAt),
        sql`to_char(${campaigns.startedAt} at time zone (select timezone from merchants where id = ${merchantId}), 'YYYY-MM') >= ${rows[0]!.month}`,
        gt(campaigns.controlBasisPoints, 0),
      ),
    )
    .orderBy(desc(campaigns.startedAt))
    .limit(50);
  const counts = await campaignCounts(
    db,
    started.map((c) => c.id),
  );
  const items = [];
  for (const c of started) {
    const k = await campaignKpis(db, merchantId, c.id, now);
    items.push({
      id: c.id,
      name: c.name,
      startedAt: c.startedAt!.toISOString(),
      controlMembers: k.control.members,
      messageCost: counts.get(c.id)?.byChannel.zns?.cost ?? 0,
      incrementalRevenue: k.uplift.incrementalRevenue,
    });
  }
  const programCost = rows.reduce((n, r) => n + r.programCost, 0);
  const incrementalRevenue = items.reduce((n, c) => n + (c.incrementalRevenue ?? 0), 0);
  return {
    currency: program.currency,
    month: cur.month,
    pointValue,
    enforcement: s.enforcement,
    months: rows,
    current: {
      points: budgetLine(cur.pointsBudget, cur.pointsIssued),
      spend: budgetLine(cur.spendBudget, cur.spend),
      reserved: await reservedThisMonth(db, merchantId, cur.month, { pricePerMessage: zns.pricePerMessage }),
    },
    liability: liability(l?.points ?? 0, pointValue, l?.expired ?? 0, l?.issued ?? 0),
    costPerMember: {
      members: l?.members ?? 0,
      cost: cur.programCost,
      value: costPerMember(cur.programCost, l?.members ?? 0),
    },
    campaigns: { items, programCost, incrementalRevenue, revenuePerCost: ratio(incrementalRevenue, programCost) },
  };
}

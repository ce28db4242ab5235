/**
 * Program KPIs a merchant expects (issue 13 defect 9), each for the period and the period before it, for
 * `GET /v1/analytics/kpis` and the console's overview page (`programKpis`). Every figure is computed in SQL from the
 * orders / ledger / members rows of one merchant: integers, ratios as exact numerics (`numerator / denominator`),
 * rounded only for the `value` shown. Definitions and the indexes each query uses: docs/dashboard.md.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { AnyRow, queryRows, TimezoneRow } from "../db/rows.ts";
import { toScaled } from "../lib/decimal.ts";
import { loadProgram } from "../program/service.ts";
import { readSession } from "../db/session.ts";

/** An exact ratio and its value rounded for display (null when the denominator is 0). */
export interface Ratio {
  numerator: number;
  denominator: number;
  value: number | null;
}

export interface Compared<T> {
  current: T;
  previous: T;
}

export interface Liability {
  /** Σ of the members' ledger (spendable + pending points) at the period's end. */
  points: number;
  /** Liability before breakage, in currency minor units: points × pointValue, rounded. */
  value: number;
  /** Expired ÷ issued points over the 12 months up to the period's end (capped at 1). */
  breakageRate: Ratio;
  /** value × breakageRate, rounded. */
  expectedBreakage: number;
  /** value − expectedBreakage, rounded from the exact product. */
  net: number;
}

export interface ProgramKpis {
  period: { days: number; from: string; to: string; timezone: string };
  previousPeriod: { from: string; to: string };
  kpis: {
    orders: Compared<{ member: number; guest: number }>;
    revenue: Compared<{ member: number; guest: number }>;
    memberShare: Compared<Ratio>;
    memberRevenueShare: Compared<Ratio>;
    buyers: Compared<number>;
    retention: Compared<Ratio>;
    purchaseFrequency: Compared<Ratio>;
    averageOrderValueMember: Compared<Ratio>;
    averageOrderValueGuest: Compared<Ratio>;
    pointsIssued: Compared<number>;
    pointsRedeemed: Compared<number>;
    redemptionRate: Compared<Ratio>;
    redeemerShare: Compared<Ratio>;
    pointsLiability: Compared<Liability>;
  };
  pointValue: { value: number; source: "program" | "vouchers" | "default" };
  liabilityMethod: string;
}

export const LIABILITY_METHOD =
  "points = Σ ledger entries up to the period end (spendable + pending); value = points × pointValue; " +
  "expected breakage = value × (points expired ÷ points issued over the 12 months up to the period end, capped at 1); " +
  "net = value − expected breakage";

/** The three consecutive windows the comparisons need: W0 (before previous), W1 (previous) and W2 (current). */
export interface KpiPeriods {
  merchantId: string;
  /** W0 start, W1 start (= previous from), W2 start (= current from), end (= current to); ISO instants. */
  w0: string;
  w1: string;
  w2: string;
  to: string;
  /** Only orders placed at this store count in the order figures (null: every order); points stay merchant-wide. */
  storeId?: string | null;
}

export function kpiPeriods(merchantId: string, now: Date, days: number, storeId: string | null = null): KpiPeriods {
  const at = (k: number) => new Date(now.getTime() - k * days * 86_400_000).toISOString();
  return { merchantId, w0: at(3), w1: at(2), w2: at(1), to: now.toISOString(), storeId };
}

const ratio = (n: SQL, d: SQL, scale: number) =>
  sql`round((${n})::numeric / nullif(${d}, 0), ${sql.raw(String(scale))})`;

/** Issued = earned, bonus and positive adjustments (as the summary counts them). */
export const ISSUED = sql`(kind in ('earn','bonus') or (kind = 'adjust' and points > 0))`;

export const PROGRAM_KPI_QUERIES = {
  /**
   * One pass over the orders of W0..W2 grouped by member (index-only range scan of orders_placed_cover_idx): the
   * guests are the member_id-null group. Retention(current) = W1 buyers who bought in W2; previous = W0 → W1.
   * With a store, only that store's orders (the same range scan, store_id filtered).
   */
  orders: ({ merchantId, w0, w1, w2, to, storeId }: KpiPeriods) => sql`
    with per as (
      select member_id,
             count(*) filter (where placed_at > ${w2}::timestamptz) as n2,
             coalesce(sum(total - refunded_total) filter (where placed_at > ${w2}::timestamptz), 0) as r2,
             count(*) filter (where placed_at > ${w1}::timestamptz and placed_at <= ${w2}::timestamptz) as n1,
             coalesce(sum(total - refunded_total) filter (where placed_at > ${w1}::timestamptz and placed_at <= ${w2}::timestamptz), 0) as r1,
             bool_or(placed_at <= ${w1}::timestamptz) as b0
      from orders
      where merchant_id = ${merchantId} and placed_at > ${w0}::timestamptz and placed_at <= ${to}::timestamptz${storeId ? sql` and store_id = ${storeId}` : sql``}
      group by member_id
    ), a as (
      select coalesce(sum(n2) filter (where member_id is not null), 0) as mo2,
             coalesce(sum(r2) filter (where member_id is not null), 0) as mr2,
             coalesce(sum(n2) filter (where member_id is null), 0) as go2,
             coalesce(sum(r2) filter (where member_id is null), 0) as gr2,
             coalesce(sum(n1) filter (where member_id is not null), 0) as mo1,
             coalesce(sum(r1) filter (where member_id is not null), 0) as mr1,
             coalesce(sum(n1) filter (where member_id is null), 0) as go1,
             coalesce(sum(r1) filter (where member_id is null), 0) as gr1,
             count(*) filter (where member_id is not null and n2 > 0) as b2,
             count(*) filter (where member_id is not null and n1 > 0) as b1,
             count(*) filter (where member_id is not null and b0) as b0,
             count(*) filter (where member_id is not null and n1 > 0 and n2 > 0) as k2,
             count(*) filter (where member_id is not null and b0 and n1 > 0) as k1
      from per
    )
    select a.*,
           ${ratio(sql`mo2`, sql`mo2 + go2`, 4)} as member_share2, ${ratio(sql`mo1`, sql`mo1 + go1`, 4)} as member_share1,
           ${ratio(sql`mr2`, sql`mr2 + gr2`, 4)} as revenue_share2, ${ratio(sql`mr1`, sql`mr1 + gr1`, 4)} as revenue_share1,
           ${ratio(sql`k2`, sql`b1`, 4)} as retention2, ${ratio(sql`k1`, sql`b0`, 4)} as retention1,
           ${ratio(sql`mo2`, sql`b2`, 4)} as frequency2, ${ratio(sql`mo1`, sql`b1`, 4)} as frequency1,
           ${ratio(sql`mr2`, sql`mo2`, 0)} as aov_member2, ${ratio(sql`mr1`, sql`mo1`, 0)} as aov_member1,
           ${ratio(sql`gr2`, sql`go2`, 0)} as aov_guest2, ${ratio(sql`gr1`, sql`go1`, 0)} as aov_guest1
    from a`,

  /**
   * Points issued / redeemed and the members who redeemed, in W1 and W2: a range scan of ledger_entries bounded by
   * the ledger_created_brin index, grouped by member; the members alive at each period end from members_merchant_idx.
   */
  points: ({ merchantId, w1, w2, to }: KpiPeriods) => sql`
    with per as (
      select member_id,
             coalesce(sum(points) filter (where created_at > ${w2}::timestamptz and ${ISSUED}), 0) as i2,
             coalesce(-sum(points) filter (where created_at > ${w2}::timestamptz and kind = 'redeem'), 0) as d2,
             count(*) filter (where created_at > ${w2}::timestamptz and kind = 'redeem' and points < 0) as x2,
             coalesce(sum(points) filter (where created_at <= ${w2}::timestamptz and ${ISSUED}), 0) as i1,
             coalesce(-sum(points) filter (where created_at <= ${w2}::timestamptz and kind = 'redeem'), 0) as d1,
             count(*) filter (where created_at <= ${w2}::timestamptz and kind = 'redeem' and points < 0) as x1
      from ledger_entries
      where merchant_id = ${merchantId} and created_at > ${w1}::timestamptz and created_at <= ${to}::timestamptz
      group by member_id
    ), a as (
      select coalesce(sum(i2), 0) as i2, coalesce(sum(d2), 0) as d2, count(*) filter (where x2 > 0) as x2,
             coalesce(sum(i1), 0) as i1, coalesce(sum(d1), 0) as d1, count(*) filter (where x1 > 0) as x1
      from per
    ), m as (
      select count(*) filter (where created_at <= ${to}::timestamptz) as m2,
             count(*) filter (where created_at <= ${w2}::timestamptz) as m1
      from members where merchant_id = ${merchantId}
    )
    select a.*, m.*,
           ${ratio(sql`d2`, sql`i2`, 4)} as rate2, ${ratio(sql`d1`, sql`i1`, 4)} as rate1,
           ${ratio(sql`x2`, sql`m2`, 4)} as redeemers2, ${ratio(sql`x1`, sql`m1`, 4)} as redeemers1
    from a, m`,

  /**
   * Points liability at both period ends. Points now = Σ members.points_total (the ledger's cache, read by
   * merchant_id); at an earlier instant = that minus the entries since. Breakage = expired ÷ issued over the
   * 12 months up to each end. One ledger range scan (BRIN ledger_created_brin) covers both: 12 months + one period.
   * The point value is materialized once (it may be a subquery over the merchant's vouchers).
   */
  liability: ({ merchantId, w2, to }: KpiPeriods, pointValue: PointValueSql) => sql`
    with bal as (
      select coalesce(sum(points_total), 0) as now_points from members where merchant_id = ${merchantId}
    ), l as (
      select coalesce(sum(points) filter (where created_at > ${to}::timestamptz), 0) as after2,
             coalesce(sum(points) filter (where created_at > ${w2}::timestamptz), 0) as after1,
             coalesce(-sum(points) filter (where kind = 'expire' and created_at > ${to}::timestamptz - interval '12 months' and created_at <= ${to}::timestamptz), 0) as e2,
             coalesce(sum(points) filter (where ${ISSUED} and created_at > ${to}::timestamptz - interval '12 months' and created_at <= ${to}::timestamptz), 0) as s2,
             coalesce(-sum(points) filter (where kind = 'expire' and created_at <= ${w2}::timestamptz), 0) as e1,
             coalesce(sum(points) filter (where ${ISSUED} and created_at <= ${w2}::timestamptz), 0) as s1
      from ledger_entries
      where merchant_id = ${merchantId} and created_at > ${w2}::timestamptz - interval '12 months'
    ), pv as materialized (select ${pointValue.value} as pv, ${pointValue.source} as source), x as (
      select now_points - after2 as p2, now_points - after1 as p1, e2, s2, e1, s1, pv, source,
             least(1, e2::numeric / nullif(s2, 0)) as br2, least(1, e1::numeric / nullif(s1, 0)) as br1
      from bal, l, pv
    )
    select p2, p1, e2, s2, e1, s1, pv, source, round(br2, 4) as br2, round(br1, 4) as br1,
           round(p2 * pv) as value2, round(p1 * pv) as value1,
           round(p2 * pv * coalesce(br2, 0)) as breakage2, round(p1 * pv * coalesce(br1, 0)) as breakage1,
           round(p2 * pv * (1 - coalesce(br2, 0))) as net2, round(p1 * pv * (1 - coalesce(br1, 0))) as net1
    from x`,
} as const;

export interface PointValueSql {
  value: SQL;
  source: SQL;
}

/**
 * The point value in minor units, as an exact SQL numeric: the program's `pointValue`; else the active vouchers'
 * Σ value ÷ Σ cost (what a point buys in the catalogue); else 1 % of the spend that earns one point.
 */
export function pointValueSql(
  merchantId: string,
  configured: number | null,
  earn: { spend: number; points: number },
): PointValueSql {
  if (configured !== null)
    return { value: sql`(${toScaled(configured).toString()}::numeric / 10000)`, source: sql`'program'` };
  const vouchers = sql`(select sum(value)::numeric / nullif(sum(cost), 0) from rewards
      where merchant_id = ${merchantId} and active and kind = 'voucher' and value is not null and value > 0 and cost > 0)`;
  const fallback = sql`(${earn.spend}::numeric / (${earn.points}::numeric * 100))`;
  return {
    value: sql`coalesce(${vouchers}, ${fallback})`,
    source: sql`case when ${vouchers} is null then 'default' else 'vouchers' end`,
  };
}

const num = (v: unknown): number => Number(v ?? 0);
const dec = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const r = (numerator: unknown, denominator: unknown, value: unknown): Ratio => ({
  numerator: num(numerator),
  denominator: num(denominator),
  value: dec(value),
});

async function one(db: Db, q: SQL): Promise<Record<string, unknown>> {
  return (await queryRows(db, q, AnyRow))[0] ?? {};
}

/**
 * The service function behind `GET /v1/analytics/kpis` (the console's overview calls it directly). `storeId` limits
 * the order figures (orders, revenue, shares, buyers, retention, frequency, AOV) to that store's orders; the points
 * figures and the liability stay merchant-wide.
 */
export async function programKpis(
  db: Db,
  merchantId: string,
  now: Date,
  days: number,
  storeId: string | null = null,
): Promise<ProgramKpis> {
  const program = await loadProgram(db, merchantId);
  return readSession(db, async (tx) => {
    const [tz] = await queryRows(tx, sql`select timezone from merchants where id = ${merchantId}`, TimezoneRow);
    const p = kpiPeriods(merchantId, now, days, storeId);
    const pv = pointValueSql(merchantId, program.pointValue, program.earn);
    const o = await one(tx, PROGRAM_KPI_QUERIES.orders(p));
    const pt = await one(tx, PROGRAM_KPI_QUERIES.points(p));
    const l = await one(tx, PROGRAM_KPI_QUERIES.liability(p, pv));
    const liability = (k: 1 | 2): Liability => ({
      points: num(l[`p${k}`]),
      value: num(l[`value${k}`]),
      breakageRate: r(l[`e${k}`], l[`s${k}`], l[`br${k}`]),
      expectedBreakage: num(l[`breakage${k}`]),
      net: num(l[`net${k}`]),
    });
    const both = <T>(f: (k: 1 | 2) => T): Compared<T> => ({ current: f(2), previous: f(1) });
    return {
      period: { days, from: p.w2, to: p.to, timezone: tz?.timezone ?? "Asia/Ho_Chi_Minh" },
      previousPeriod: { from: p.w1, to: p.w2 },
      kpis: {
        orders: both((k) => ({ member: num(o[`mo${k}`]), guest: num(o[`go${k}`]) })),
        revenue: both((k) => ({ member: num(o[`mr${k}`]), guest: num(o[`gr${k}`]) })),
        memberShare: both((k) => r(o[`mo${k}`], num(o[`mo${k}`]) + num(o[`go${k}`]), o[`member_share${k}`])),
        memberRevenueShare: both((k) => r(o[`mr${k}`], num(o[`mr${k}`]) + num(o[`gr${k}`]), o[`revenue_share${k}`])),
        buyers: both((k) => num(o[`b${k}`])),
        retention: both((k) => r(o[`k${k}`], o[`b${k - 1}`], o[`retention${k}`])),
        purchaseFrequency: both((k) => r(o[`mo${k}`], o[`b${k}`], o[`frequency${k}`])),
        averageOrderValueMember: both((k) => r(o[`mr${k}`], o[`mo${k}`], o[`aov_member${k}`])),
        averageOrderValueGuest: both((k) => r(o[`gr${k}`], o[`go${k}`], o[`aov_guest${k}`])),
        pointsIssued: both((k) => num(pt[`i${k}`])),
        pointsRedeemed: both((k) => num(pt[`d${k}`])),
        redemptionRate: both((k) => r(pt[`d${k}`], pt[`i${k}`], pt[`rate${k}`])),
        redeemerShare: both((k) => r(pt[`x${k}`], pt[`m${k}`], pt[`redeemers${k}`])),
        pointsLiability: both(liability),
      },
      pointValue: {
        value: Number(l.pv),
        source: String(l.source) as ProgramKpis["pointValue"]["source"],
      },
      liabilityMethod: LIABILITY_METHOD,
    };
  });
}

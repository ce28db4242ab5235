/**
 * Program KPIs for the dashboard: each is one SQL aggregate over the merchant's rows (no per-member loops).
 * Days are calendar days in the merchant's time zone.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { AnyRow, queryRows, TimezoneRow } from "../db/rows.ts";
import { readSession } from "../db/session.ts";

export interface DailyPoint {
  day: string;
  orders: number;
  revenue: number;
  pointsIssued: number;
  pointsRedeemed: number;
  pointsExpired: number;
  newMembers: number;
}

export interface Summary {
  window: { days: number; from: string; to: string; timezone: string };
  members: { total: number; new: number; active: number; linkedChat: number; optedIn: number };
  orders: {
    count: number;
    revenue: number;
    averageOrderValue: number;
    /** Share of the window's orders placed by members (not of revenue — that is `memberRevenueShare`). */
    memberShare: number;
    /** Share of the window's net revenue from members' orders ("% of sales from members"). */
    memberRevenueShare: number;
    byChannel: { channel: string; orders: number; revenue: number }[];
  };
  points: { issued: number; redeemed: number; expired: number; outstanding: number; redemptionRate: number };
  repeatPurchaseRate: number;
  tiers: { name: string; members: number }[];
  topRewards: { id: string; name: string; redemptions: number; points: number }[];
  daily: DailyPoint[];
}

const num = (v: unknown): number => Number(v ?? 0);

/** One summary window: the merchant, (from, to] as ISO instants, and the time zone its calendar days are in. */
export interface KpiWindow {
  merchantId: string;
  from: string;
  to: string;
  timezone: string;
  /** Only orders placed at this store (null: every order). Members, points and rewards stay merchant-wide. */
  storeId?: string | null;
}

/** `and store_id = …` when the window is limited to a store. */
const atStore = (w: KpiWindow) => (w.storeId ? sql` and store_id = ${w.storeId}` : sql``);

const repeatFromStats = ({ merchantId, from, to }: KpiWindow) => sql`
      select count(*) filter (where n >= 2) as repeaters, count(*) as buyers from (
        select case when s.prev_order_at > ${from}::timestamptz then 2 else 1 end as n from member_stats s
        where s.merchant_id = ${merchantId} and s.last_order_at > ${from}::timestamptz and s.last_order_at <= ${to}::timestamptz
        union all
        select (select count(*) from (
                  select 1 from orders o
                  where o.member_id = s.member_id and o.merchant_id = ${merchantId}
                    and o.placed_at > ${from}::timestamptz and o.placed_at <= ${to}::timestamptz limit 2) k) as n
        from member_stats s where s.merchant_id = ${merchantId} and s.last_order_at > ${to}::timestamptz) x
      where n >= 1`;

const repeatAtStore = (w: KpiWindow) => sql`
    select count(*) filter (where n >= 2) as repeaters, count(*) as buyers from (
      select member_id, count(*) as n from orders
      where merchant_id = ${w.merchantId} and member_id is not null and placed_at > ${w.from}::timestamptz and placed_at <= ${w.to}::timestamptz${atStore(w)}
      group by member_id) x`;

/**
 * The KPI queries behind the summary, one SQL statement each (named, so the benchmark times exactly what the
 * endpoint runs). Facts that one pass already yields are not queried again: active members are the buyers of the
 * repeat-purchase pass, the window's points issued/redeemed/expired are the sums of the daily series.
 */
export const KPI_QUERIES = {
  members: ({ merchantId, from }: KpiWindow) => sql`
      select count(*) as total,
             count(*) filter (where created_at > ${from}::timestamptz) as new,
             count(*) filter (where opted_in) as opted_in
      from members where merchant_id = ${merchantId}`,
  // Grouped rather than count(distinct …): a hash aggregate instead of a sort.
  linked: ({ merchantId }: KpiWindow) =>
    sql`select count(*) as linked from (select member_id from channel_identities where merchant_id = ${merchantId} group by member_id) x`,
  byChannel: (w: KpiWindow) => sql`
      select channel, count(*) as orders, coalesce(sum(total - refunded_total), 0) as revenue,
             count(*) filter (where member_id is not null) as member_orders,
             coalesce(sum(total - refunded_total) filter (where member_id is not null), 0) as member_revenue
      from orders where merchant_id = ${w.merchantId} and placed_at > ${w.from}::timestamptz and placed_at <= ${w.to}::timestamptz${atStore(w)}
      group by channel order by 2 desc`,
  outstanding: ({ merchantId }: KpiWindow) =>
    sql`select coalesce(sum(greatest(points_total, 0)), 0) as outstanding from members where merchant_id = ${merchantId}`,
  /**
   * Members who ordered in the window (the active ones) and how many of them ordered at least twice, from
   * member_stats (docs/member-stats.md): a member whose latest order is not after `to` ordered in (from, to] iff
   * `last_order_at > from`, at least twice iff `prev_order_at > from` (one index-only range of
   * member_stats_last_idx). The few members with an order after `to` (future-dated) have their window's orders
   * counted (at most two each, through orders_member_idx). Same numbers as grouping the window's orders by
   * member (test/analytics/repeat.db.test.ts). member_stats knows no stores: one store's figures group its orders.
   */
  repeat: (w: KpiWindow) => (w.storeId ? repeatAtStore(w) : repeatFromStats(w)),
  tiers: ({ merchantId }: KpiWindow) =>
    sql`select coalesce(tier_name, '—') as name, count(*) as members from members where merchant_id = ${merchantId} group by 1 order by 2 desc`,
  topRewards: ({ merchantId, from, to }: KpiWindow) => sql`
      select r.id, r.name, count(d.id) as redemptions, coalesce(sum(d.points_spent), 0) as points
      from redemptions d join rewards r on r.id = d.reward_id
      where d.merchant_id = ${merchantId} and d.created_at > ${from}::timestamptz and d.created_at <= ${to}::timestamptz
      group by r.id, r.name order by 3 desc limit 5`,
  /**
   * The daily series: closed days inside the window from their rollup (docs/analytics-rollups.md) unless marked
   * dirty; the window's first and last days, and any day without a usable rollup, live from the same function the
   * rollup job runs (`cl_analytics_days`), so both agree by construction.
   */
  daily: ({ merchantId, from, to, timezone }: KpiWindow) => sql`
      with b as (
        select (${from}::timestamptz at time zone ${timezone})::date as fd, (${to}::timestamptz at time zone ${timezone})::date as td
      ), r as (
        select a.day, a.orders::bigint as orders, a.revenue, a.issued, a.redeemed, a.expired, a.new_members::bigint as new_members
        from analytics_days a, b
        where a.merchant_id = ${merchantId} and a.timezone = ${timezone} and a.day > b.fd and a.day < b.td
          and not exists (select 1 from analytics_dirty_days x where x.merchant_id = ${merchantId} and x.day = a.day)
      ), live as (
        select f.* from b, generate_series(b.fd, b.td, interval '1 day') g
        cross join lateral cl_analytics_days(${merchantId}, ${timezone}, g::date, g::date, ${from}::timestamptz, ${to}::timestamptz) f
        where not exists (select 1 from r where r.day = g::date)
      )
      select to_char(day, 'YYYY-MM-DD') as day, orders, revenue, issued, redeemed, expired, new_members
      from (select * from r union all select * from live) x order by x.day`,
} satisfies Record<string, (w: KpiWindow) => SQL>;

export type KpiName = keyof typeof KPI_QUERIES;

/**
 * The daily orders and revenue of one store, live from orders (the rollups are per merchant, not per store): the
 * same day boundaries and sums as cl_analytics_days, filtered by store_id (the partial index orders_store_idx).
 */
const storeDaily = ({ merchantId, from, to, timezone, storeId }: KpiWindow) => sql`
      select to_char((placed_at at time zone ${timezone})::date, 'YYYY-MM-DD') as day, count(*) as orders,
             coalesce(sum(total - refunded_total), 0) as revenue
      from orders
      where merchant_id = ${merchantId} and store_id = ${storeId ?? null} and placed_at > ${from}::timestamptz and placed_at <= ${to}::timestamptz
      group by 1`;

export async function summaryWindow(
  db: Db,
  merchantId: string,
  now: Date,
  days: number,
  storeId: string | null = null,
): Promise<KpiWindow> {
  const [tz] = await queryRows(db, sql`select timezone from merchants where id = ${merchantId}`, TimezoneRow);
  return {
    merchantId,
    from: new Date(now.getTime() - days * 86_400_000).toISOString(),
    to: now.toISOString(),
    timezone: tz?.timezone ?? "Asia/Ho_Chi_Minh",
    storeId,
  };
}

export async function runKpi(db: Db, name: KpiName, w: KpiWindow): Promise<Record<string, unknown>[]> {
  return queryRows(db, KPI_QUERIES[name](w), AnyRow);
}

/**
 * `storeId` limits the order figures (count, revenue, byChannel, member shares, active members, repeat rate and the
 * daily orders/revenue) to the orders placed at that store; members, points, tiers and rewards stay merchant-wide.
 */
export async function summary(
  db: Db,
  merchantId: string,
  now: Date,
  days: number,
  storeId: string | null = null,
): Promise<Summary> {
  return readSession(db, (tx) => summaryIn(tx, merchantId, now, days, storeId));
}

async function summaryIn(
  db: Db,
  merchantId: string,
  now: Date,
  days: number,
  storeId: string | null,
): Promise<Summary> {
  const w = await summaryWindow(db, merchantId, now, days, storeId);
  const { from: f, to: t, timezone } = w;
  const [m] = await runKpi(db, "members", w);
  const [ln] = await runKpi(db, "linked", w);
  const byChannel = await runKpi(db, "byChannel", w);
  const orderCount = byChannel.reduce((s, r) => s + num(r.orders), 0);
  const revenue = byChannel.reduce((s, r) => s + num(r.revenue), 0);
  const memberOrders = byChannel.reduce((s, r) => s + num(r.member_orders), 0);
  const memberRevenue = byChannel.reduce((s, r) => s + num(r.member_revenue), 0);
  const [o] = await runKpi(db, "outstanding", w);
  const [rp] = await runKpi(db, "repeat", w);
  const tiers = await runKpi(db, "tiers", w);
  const topRewards = await runKpi(db, "topRewards", w);
  const daily = await runKpi(db, "daily", w);
  if (storeId) {
    const byDay = new Map((await queryRows(db, storeDaily(w), AnyRow)).map((r) => [String(r.day), r]));
    for (const d of daily) {
      d.orders = byDay.get(String(d.day))?.orders ?? 0;
      d.revenue = byDay.get(String(d.day))?.revenue ?? 0;
    }
  }

  const issued = daily.reduce((s, r) => s + num(r.issued), 0);
  const redeemed = daily.reduce((s, r) => s + num(r.redeemed), 0);
  const expired = daily.reduce((s, r) => s + num(r.expired), 0);
  const buyers = num(rp?.buyers);
  return {
    window: { days, from: f, to: t, timezone },
    members: {
      total: num(m?.total),
      new: num(m?.new),
      active: num(rp?.buyers),
      linkedChat: num(ln?.linked),
      optedIn: num(m?.opted_in),
    },
    orders: {
      count: orderCount,
      revenue,
      averageOrderValue: orderCount ? Math.round(revenue / orderCount) : 0,
      memberShare: orderCount ? memberOrders / orderCount : 0,
      memberRevenueShare: revenue ? memberRevenue / revenue : 0,
      byChannel: byChannel.map((r) => ({ channel: String(r.channel), orders: num(r.orders), revenue: num(r.revenue) })),
    },
    points: {
      issued,
      redeemed,
      expired,
      outstanding: num(o?.outstanding),
      redemptionRate: issued ? redeemed / issued : 0,
    },
    repeatPurchaseRate: buyers ? num(rp?.repeaters) / buyers : 0,
    tiers: tiers.map((r) => ({ name: String(r.name), members: num(r.members) })),
    topRewards: topRewards.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      redemptions: num(r.redemptions),
      points: num(r.points),
    })),
    daily: daily.map((r) => ({
      day: String(r.day),
      orders: num(r.orders),
      revenue: num(r.revenue),
      pointsIssued: num(r.issued),
      pointsRedeemed: num(r.redeemed),
      pointsExpired: num(r.expired),
      newMembers: num(r.new_members),
    })),
  };
}

/**
 * Monthly cohorts (`GET /v1/analytics/cohorts?months=12`): members grouped by the calendar month (merchant's time
 * zone) of their first order, and for each later month the share of the cohort that ordered in it. Computed in SQL.
 */
import { z } from "zod";
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { AnyRow, queryRows } from "../db/rows.ts";
import { readSession } from "../db/session.ts";

export interface Cohort {
  /** First-order month, YYYY-MM. */
  month: string;
  /** Members whose first order was in that month. */
  members: number;
  /** monthsSince = 0 … up to the current month (every month listed); buyers = cohort members who ordered in it. */
  retention: { monthsSince: number; buyers: number; share: number }[];
}

export interface Cohorts {
  months: number;
  from: string;
  to: string;
  timezone: string;
  cohorts: Cohort[];
}

/**
 * Orders of the window (index-only range scan of orders_placed_cover_idx) reduced to (member, month); a member is
 * in a cohort when they have no order before the window (anti-join probing orders_member_idx
 * (merchant_id, member_id, placed_at) once per member of the window). With a store, both read only that store's
 * orders: the cohort is the month of the member's first order at the store.
 */
export const cohortQuery = (
  merchantId: string,
  from: string,
  to: string,
  timezone: string,
  storeId: string | null = null,
) => {
  const atStore = (alias: string) => (storeId ? sql` and ${sql.raw(alias)}store_id = ${storeId}` : sql``);
  return sql`
  with w as (
    select member_id, date_trunc('month', placed_at at time zone ${timezone})::date as m
    from orders
    where merchant_id = ${merchantId} and member_id is not null
      and placed_at >= ${from}::timestamptz and placed_at <= ${to}::timestamptz${atStore("")}
    group by 1, 2
  ), f as (
    select member_id, min(m) as cohort from w group by 1
  ), c as (
    select f.member_id, f.cohort from f
    where not exists (
      select 1 from orders p
      where p.merchant_id = ${merchantId} and p.member_id = f.member_id and p.placed_at < ${from}::timestamptz${atStore("p.")})
  ), n as (
    select c.cohort, (extract(year from age(w.m, c.cohort)) * 12 + extract(month from age(w.m, c.cohort)))::int as k,
           count(*) as buyers
    from c join w using (member_id) group by 1, 2
  ), s as (
    select cohort, count(*) as members from c group by 1
  ), g as (
    select s.cohort, s.members, k
    from s, (select date_trunc('month', ${to}::timestamptz at time zone ${timezone})::date as cur) t,
         generate_series(0, (extract(year from age(t.cur, s.cohort)) * 12 + extract(month from age(t.cur, s.cohort)))::int) k
  )
  select to_char(g.cohort, 'YYYY-MM') as month, g.k, coalesce(n.buyers, 0) as buyers, g.members,
         round(coalesce(n.buyers, 0)::numeric / g.members, 4) as share
  from g left join n on n.cohort = g.cohort and n.k = g.k
  order by g.cohort, g.k`;
};

/**
 * The service function: the last `months` calendar months up to `now`, the current month included; `storeId` limits
 * every figure to that store's orders.
 */
export async function cohorts(
  db: Db,
  merchantId: string,
  now: Date,
  months: number,
  storeId: string | null = null,
): Promise<Cohorts> {
  return readSession(db, async (tx) => {
    const [m] = await queryRows(
      tx,
      sql`
        select timezone, to_char((date_trunc('month', ${now.toISOString()}::timestamptz at time zone timezone)
                 - make_interval(months => ${months - 1})) at time zone timezone at time zone 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as start_at
        from merchants where id = ${merchantId}`,
      z.object({ timezone: z.string(), start_at: z.string() }),
    );
    const timezone = m?.timezone ?? "Asia/Ho_Chi_Minh";
    const from = m?.start_at ?? now.toISOString();
    const to = now.toISOString();
    const rows = await queryRows(tx, cohortQuery(merchantId, from, to, timezone, storeId), AnyRow);
    const out: Cohort[] = [];
    for (const row of rows) {
      const month = String(row.month);
      let c = out.at(-1);
      if (!c || c.month !== month) {
        c = { month, members: Number(row.members), retention: [] };
        out.push(c);
      }
      c.retention.push({ monthsSince: Number(row.k), buyers: Number(row.buyers), share: Number(row.share) });
    }
    return { months, from, to, timezone, cohorts: out };
  });
}

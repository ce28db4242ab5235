/**
 * The analytics rollup job (docs/analytics-rollups.md): recomputes a merchant's closed days that are dirty (a
 * trigger marked them in the transaction that changed one of their orders, ledger entries or members) or missing,
 * with the same SQL function the live part of the daily series uses (`cl_analytics_days`).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { z } from "zod";
import { col, execCount, queryRows, TimezoneRow } from "../db/rows.ts";

const CountRow = z.object({ dirty: col.num });

/** Closed days kept: the summary's longest window (366 days) and the partial day before it. */
export const ROLLUP_DAYS = 367;

export interface RollupResult {
  /** Dirty-day markers taken (their rollups were dropped, then recomputed when in range). */
  dirty: number;
  /** Days (re)computed. */
  computed: number;
}

/**
 * One merchant, one transaction. A day is rolled up an hour after it closes (in the merchant's time zone), so a
 * transaction that began while it was open — its rows not marked dirty — has committed by then.
 */
export async function runRollups(db: Db, merchantId: string, now: Date): Promise<RollupResult> {
  return db.transaction(async (tx) => {
    const [row] = await queryRows(tx, sql`select timezone from merchants where id = ${merchantId}`, TimezoneRow);
    const tz = row?.timezone ?? "Asia/Ho_Chi_Minh";
    const at = sql`${now.toISOString()}::timestamptz`;
    const last = sql`((${at} - interval '1 hour') at time zone ${tz})::date - 1`;
    const first = sql`(${at} at time zone ${tz})::date - ${ROLLUP_DAYS}::int`;
    // Taking a marker waits for the transaction that holds it (the trigger's upsert locks it), so the recompute
    // below — a later statement, hence a later snapshot — sees that transaction's rows.
    const [taken] = await queryRows(
      tx,
      sql`with t as (delete from analytics_dirty_days where merchant_id = ${merchantId} returning day),
          a as (delete from analytics_days a using t where a.merchant_id = ${merchantId} and a.day = t.day)
          select count(*) as dirty from t`,
      CountRow,
    );
    const dirty = taken?.dirty ?? 0;
    await tx.execute(
      sql`delete from analytics_days where merchant_id = ${merchantId} and (timezone <> ${tz} or day < ${first})`,
    );
    const computed = await execCount(
      tx,
      sql`insert into analytics_days (merchant_id, day, timezone, orders, revenue, issued, redeemed, expired, new_members, computed_at)
          select ${merchantId}, f.day, ${tz}, f.orders, f.revenue, f.issued, f.redeemed, f.expired, f.new_members, ${at}
          from generate_series(${first}, ${last}, interval '1 day') g
          cross join lateral cl_analytics_days(${merchantId}, ${tz}, g::date, g::date, '-infinity', 'infinity') f
          where not exists (select 1 from analytics_days a where a.merchant_id = ${merchantId} and a.day = g::date)
          on conflict (merchant_id, day) do update set timezone = excluded.timezone, orders = excluded.orders,
            revenue = excluded.revenue, issued = excluded.issued, redeemed = excluded.redeemed,
            expired = excluded.expired, new_members = excluded.new_members, computed_at = excluded.computed_at`,
    );
    return { dirty, computed };
  });
}

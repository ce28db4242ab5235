/**
 * Benchmark: the KPI queries behind `GET /v1/analytics/summary` on the big merchant of the `segments` benchmark,
 * each against a hand-written SQL baseline of the same question, run in the same process.
 *
 *   npm run bench -- analytics [--members 1000000] [--orders 5000000] [--runs 3] [--days 30,365] [--fresh]
 *
 * Uses (or generates) the `segments` data set (bench/segments/dataset.ts) and adds, once, what the KPIs read besides
 * members and orders: a ledger entry per member order (earn, created when the order was placed) and per refund,
 * 12 rewards with 300,000 redemptions (and their redeem entries), 100,000 expiry and 50,000 adjustment entries —
 * stored in created_at order, as an append-only ledger is — and chat identities for 40 % of the members. For every KPI query and window (`--days`):
 *   - ours: the query the endpoint runs (KPI_QUERIES in src/analytics/service.ts; active members come out of the
 *     repeat-purchase pass and the window's points out of the daily series, so neither is a query of its own);
 *   - baseline: the SQL a person would write for the same question(s);
 *   both inside the endpoint's session (one read-only transaction, JIT off), so only the SQL differs;
 *   - both must return the same numbers (exit 1 otherwise). Best of --runs. Also the whole summary() call.
 * The rollup job runs (and is timed) before the queries: `daily` reads the rollups, its baseline is the direct query.
 */
import { pathToFileURL } from "node:url";
import { sql, type SQL } from "drizzle-orm";
import {
  KPI_QUERIES,
  runKpi,
  summary,
  summaryWindow,
  type KpiName,
  type KpiWindow,
} from "../../src/analytics/service.ts";
import { runRollups } from "../../src/analytics/rollups.ts";
import { readSession } from "../../src/db/session.ts";
import { resultRows } from "../../src/db/rows.ts";
import type { Db } from "../../src/db/types.ts";
import { best, machine, table } from "../lib/stats.ts";
import { arg, log, MERCHANT, NOW, openDataset } from "../segments/dataset.ts";

const DAY = 86_400_000;

async function generateAnalytics(db: Db, members: number): Promise<void> {
  const say = log(performance.now());
  const now = sql`${NOW.toISOString()}::timestamptz`;
  // An older version of this data set may be there: start from nothing.
  for (const t of ["ledger_entries", "redemptions", "channel_identities", "rewards"])
    await db.execute(sql`delete from ${sql.identifier(t)} where merchant_id = ${MERCHANT}`);
  await db.execute(sql`
    insert into rewards (id, merchant_id, name, cost, kind, created_at)
    select 'rwd_' || g, ${MERCHANT}, 'Reward ' || g, 50 * g, 'perk', ${new Date(NOW.getTime() - 500 * DAY).toISOString()}::timestamptz
    from generate_series(1, 12) g`);
  // Skewed towards the recent past like the orders; popular rewards are the cheap ones.
  await db.execute(sql`
    insert into redemptions (id, merchant_id, member_id, reward_id, points_spent, code, created_at)
    select 'red_' || g, ${MERCHANT}, 'mem_' || (1 + (g::bigint * 2654435761) % ${members}::bigint), 'rwd_' || r.k, 50 * r.k, 'RB' || g,
           ${now} - make_interval(secs => 400 * 86400 * power(((g::bigint * 69621 + 7) % 1000003)::float8 / 1000003, 2))
    from generate_series(1, 300000) g, lateral (select 1 + floor(12 * power(((g::bigint * 48271) % 1000003)::float8 / 1000003, 2))::int as k) r`);
  say("rewards and redemptions");
  // The ledger is append-only and written as things happen, so it is stored in created_at order (as in production):
  // an earn entry when a member order is placed, a refund reversal two days later, one per redemption, and expiry
  // and goodwill adjustments spread over the 400 days.
  await db.execute(sql`
    insert into ledger_entries (merchant_id, member_id, kind, points, order_id, redemption_id, reason, created_at)
    select * from (
      select merchant_id, member_id, 'earn', (total / 1000)::int, id, null, null, placed_at
      from orders where merchant_id = ${MERCHANT} and member_id is not null
      union all
      select merchant_id, member_id, 'refund', -(refunded_total / 1000)::int, id, null, null, least(placed_at + interval '2 days', ${now})
      from orders where merchant_id = ${MERCHANT} and member_id is not null and refunded_total > 0
      union all
      select merchant_id, member_id, 'redeem', -points_spent, null, id, null, created_at from redemptions where merchant_id = ${MERCHANT}
      union all
      select ${MERCHANT}, 'mem_' || (1 + (g::bigint * 40503) % ${members}::bigint), case when g % 3 = 0 then 'adjust' else 'expire' end,
             case when g % 3 = 0 then (g % 200) - 50 else -(1 + g % 300) end, null, null, case when g % 3 = 0 then 'goodwill' end,
             ${now} - make_interval(secs => 400 * 86400 * ((g::bigint * 16807) % 1000003)::float8 / 1000003)
      from generate_series(1, 150000) g
    ) e order by 8`);
  say("ledger entries");
  await db.execute(sql`
    insert into channel_identities (merchant_id, member_id, channel, user_id, chat_id, linked_at)
    select ${MERCHANT}, 'mem_' || g, case when g % 10 < 3 then 'telegram' else 'zalo' end, 'u' || g, 'c' || g, ${now} - interval '30 days'
    from generate_series(1, ${members}::int) g where g % 10 < 4
    union all
    select ${MERCHANT}, 'mem_' || g, 'web', 'w' || g, 'w' || g, ${now} - interval '10 days'
    from generate_series(1, ${members}::int) g where g % 50 = 1`);
  await db.execute(sql`vacuum analyze ledger_entries`);
  await db.execute(sql`vacuum analyze redemptions`);
  await db.execute(sql`vacuum analyze rewards`);
  await db.execute(sql`vacuum analyze channel_identities`);
  await db.execute(sql`create table analyticsbench_v2 (at timestamptz)`);
  say("analyzed");
}

/** What a person would write for each KPI, from the question alone. */
const BASELINES: Record<KpiName, (w: KpiWindow) => SQL> = {
  members: ({ merchantId, from }) => sql`
    select count(*) as total, count(*) filter (where created_at > ${from}::timestamptz) as new, count(*) filter (where opted_in) as opted_in
    from members where merchant_id = ${merchantId}`,
  linked: ({ merchantId }) =>
    sql`select count(distinct member_id) as linked from channel_identities where merchant_id = ${merchantId}`,
  byChannel: ({ merchantId, from, to }) => sql`
    select channel, count(*) as orders, sum(total - refunded_total) as revenue, count(member_id) as member_orders,
           coalesce(sum(total - refunded_total) filter (where member_id is not null), 0) as member_revenue
    from orders where merchant_id = ${merchantId} and placed_at > ${from}::timestamptz and placed_at <= ${to}::timestamptz
    group by channel order by 2 desc`,
  outstanding: ({ merchantId }) =>
    sql`select coalesce(sum(points_total), 0) as outstanding from members where merchant_id = ${merchantId} and points_total > 0`,
  repeat: ({ merchantId, from, to }) => sql`
    select count(*) filter (where n >= 2) as repeaters, count(*) as buyers from (
      select member_id, count(*) as n from orders
      where merchant_id = ${merchantId} and member_id is not null and placed_at > ${from}::timestamptz and placed_at <= ${to}::timestamptz
      group by member_id) x`,
  tiers: ({ merchantId }) =>
    sql`select coalesce(tier_name, '—') as name, count(*) as members from members where merchant_id = ${merchantId} group by 1 order by 2 desc`,
  topRewards: ({ merchantId, from, to }) => sql`
    select r.id, r.name, count(*) as redemptions, sum(d.points_spent) as points
    from redemptions d join rewards r on r.id = d.reward_id
    where d.merchant_id = ${merchantId} and d.created_at > ${from}::timestamptz and d.created_at <= ${to}::timestamptz
    group by r.id, r.name order by 3 desc limit 5`,
  daily: ({ merchantId, from, to, timezone }) => sql`
    select to_char(d.day, 'YYYY-MM-DD') as day, coalesce(o.orders, 0) as orders, coalesce(o.revenue, 0) as revenue,
           coalesce(l.issued, 0) as issued, coalesce(l.redeemed, 0) as redeemed, coalesce(l.expired, 0) as expired, coalesce(n.members, 0) as new_members
    from generate_series((${from}::timestamptz at time zone ${timezone})::date, (${to}::timestamptz at time zone ${timezone})::date, interval '1 day') d(day)
    left join (select (placed_at at time zone ${timezone})::date as day, count(*) as orders, sum(total - refunded_total) as revenue
               from orders where merchant_id = ${merchantId} and placed_at > ${from}::timestamptz and placed_at <= ${to}::timestamptz group by 1) o on o.day = d.day
    left join (select (created_at at time zone ${timezone})::date as day,
                      sum(case when kind in ('earn', 'bonus') or (kind = 'adjust' and points > 0) then points else 0 end) as issued,
                      sum(case when kind = 'redeem' then -points else 0 end) as redeemed,
                      sum(case when kind = 'expire' then -points else 0 end) as expired
               from ledger_entries where merchant_id = ${merchantId} and created_at > ${from}::timestamptz and created_at <= ${to}::timestamptz group by 1) l on l.day = d.day
    left join (select (created_at at time zone ${timezone})::date as day, count(*) as members
               from members where merchant_id = ${merchantId} and created_at > ${from}::timestamptz group by 1) n on n.day = d.day
    order by d.day`,
};

/** Numbers compared as numbers (drivers return bigints as strings). */
function normalise(rows: Record<string, unknown>[]): string {
  return JSON.stringify(
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : typeof v === "bigint" ? Number(v) : v,
        ]),
      ),
    ),
  );
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- analytics [--members 1000000] [--orders 5000000] [--runs 3] [--days 30,365] [--fresh]\n",
    );
    return 0;
  }
  const members = Number(arg(args, "members") ?? 1_000_000);
  const orders = Number(arg(args, "orders") ?? 5_000_000);
  const runs = Math.max(1, Number(arg(args, "runs") ?? 3));
  const windows = (arg(args, "days") ?? "30,365").split(",").map(Number);
  const database = await openDataset(members, orders, args.includes("--fresh"));
  try {
    const db = database.db;
    if (
      (
        await resultRows(
          await db.execute(sql`select 1 from information_schema.tables where table_name = 'analyticsbench_v2'`),
        )
      ).length === 0
    ) {
      process.stderr.write("adding ledger entries, redemptions and chat identities …\n");
      await generateAnalytics(db, members);
    }
    // The rollups (docs/analytics-rollups.md): the job's first run (every closed day of the last 367) and a second
    // run with nothing to do, as the hourly job finds it; the daily series below then reads them.
    const t0 = performance.now();
    const first = await runRollups(db, MERCHANT, NOW);
    const t1 = performance.now();
    const again = await runRollups(db, MERCHANT, NOW);
    const t2 = performance.now();
    process.stderr.write(
      `rollup job: first run ${first.computed} days in ${(t1 - t0).toFixed(0)} ms; second run ${again.computed} days in ${(t2 - t1).toFixed(0)} ms\n`,
    );
    const rows: Record<string, string | number>[] = [];
    const problems: string[] = [];
    for (const days of windows) {
      const w = await summaryWindow(db, MERCHANT, NOW, days);
      for (const name of Object.keys(KPI_QUERIES) as KpiName[]) {
        process.stderr.write(`  ${days} d ${name} …\n`);
        // Both in the session the endpoint uses (read-only transaction, no JIT): same settings, only the SQL differs.
        const base = await best(runs, () =>
          readSession(
            db,
            async (tx) => (await resultRows(await tx.execute(BASELINES[name](w)))) as Record<string, unknown>[],
          ),
        );
        const mine = await best(runs, () => readSession(db, (tx) => runKpi(tx, name, w)));
        const [a, b] = [
          normalise(mine.value as Record<string, unknown>[]),
          normalise(base.value as Record<string, unknown>[]),
        ];
        if (a !== b) problems.push(`${days} d ${name}: ours ${a.slice(0, 300)} ≠ baseline ${b.slice(0, 300)}`);
        rows.push({
          days,
          kpi: name,
          "ours ms": mine.ms.toFixed(0),
          "baseline ms": base.ms.toFixed(0),
          "ours / baseline": `${(mine.ms / base.ms).toFixed(2)}x`,
          same: a === b ? "yes" : "NO",
        });
      }
      const whole = await best(runs, () => summary(db, MERCHANT, NOW, days));
      rows.push({
        days,
        kpi: "whole summary()",
        "ours ms": whole.ms.toFixed(0),
        "baseline ms": "",
        "ours / baseline": "",
        same: "",
      });
    }
    process.stdout.write(
      `${members.toLocaleString("en-US")} members, ${orders.toLocaleString("en-US")} orders, best of ${runs} — ${machine()}\n${table(rows)}\n${problems.length ? `FAILED: ${problems.join("; ")}` : "results identical to the baseline"}\n`,
    );
    return problems.length ? 1 : 0;
  } finally {
    await database.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

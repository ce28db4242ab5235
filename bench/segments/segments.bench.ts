/**
 * Benchmark: segment preview counts on a big merchant vs a hand-written SQL baseline of the same question.
 *
 *   npm run bench -- segments [--members 1000000] [--orders 5000000] [--runs 3] [--pairs 9] [--fresh]
 *
 * Generates (once, with generate_series; reused by later runs unless --fresh) one merchant with `--members` members
 * and `--orders` orders spread over the last 400 days (5 % guest orders, some refunds) into a Postgres database
 * `cl_bench_segments_<members>_<orders>` on DATABASE_URL / TEST_DATABASE_URL's server, then times, for each built-in
 * segment (recent-7, recent-14, recent-28) and a composite custom rule:
 *   - ours: the count the preview endpoint runs (the rule's recency bounds resolved — one small query — then
 *     segmentCountQuery: the compiled rule → one query over members, or over the member_stats cohort alone when the
 *     rule reads nothing else);
 *   - baseline: the hand-written SQL a person would write for the same question, the faster of two: a GROUP BY over
 *     the orders that can decide it (those since the first day of the recency range, the last year for the
 *     composite), and one over the per-member summary `member_stats` (a range of its last-order index; for the
 *     composite, each cohort member's orders of the year counted through orders_member_idx);
 *   - plain: our compilation without member_stats (`stats: false`, the previous form), for the before/after;
 *   - preview: the whole preview (count + a 20-member sample).
 * All of them inside the preview's session (one read-only transaction, JIT off — src/db/session.ts).
 * Checks (exit 1 when one fails): both give the same count. Best of --runs; and ours / the member_stats baseline
 * timed alternately --pairs times, the median ratio (each pair sees the same machine load).
 * Not part of CI: the 1M / 5M data set takes a few minutes to generate and ~1.5 GB of disk.
 */
import { z } from "zod";
import { pathToFileURL } from "node:url";
import { sql, type SQL } from "drizzle-orm";
import { compileSegment, segmentCountQuery, segmentMembersQuery } from "../../src/segments/compile.ts";
import { previewSegment, segmentContext } from "../../src/segments/service.ts";
import { withDayBounds } from "../../src/segments/days.ts";
import { BUILT_IN_SEGMENTS, type Rule } from "../../src/segments/rule.ts";
import { col, num, queryRows } from "../../src/db/rows.ts";
import { readSession } from "../../src/db/session.ts";
import type { Db } from "../../src/db/types.ts";
import { best, machine, table } from "../lib/stats.ts";
import { arg, MERCHANT, NOW, openDataset } from "./dataset.ts";

const TZ = "Asia/Ho_Chi_Minh";
const nowSql = () => sql`${NOW.toISOString()}::timestamptz`;
/** The instant local calendar day `today − n` starts, in the shop's time zone. */
const dayStart = (n: number) =>
  sql`((((${nowSql()} at time zone ${TZ})::date) - ${n}::int)::timestamp at time zone ${TZ})`;

/**
 * The SQL a person would write for "last order between lo and hi calendar days ago, in the shop's time zone":
 * only orders since the first day of the range can be that last order, so scan those and keep members whose latest
 * one is before the day after the range.
 */
function baselineRecent(lo: number, hi: number): SQL {
  return sql`select count(*) as n from (
      select member_id from orders
      where merchant_id = ${MERCHANT} and member_id is not null and placed_at >= ${dayStart(hi)} and placed_at <= ${nowSql()}
      group by member_id
      having max(placed_at) < ${dayStart(lo - 1)}) s`;
}

/** Composite: lapsed 14–59 days, ≥ 3 orders in a year, opted in, not Gold. */
const COMPOSITE: Rule = {
  all: [
    { field: "daysSinceLastOrder", op: "between", value: [14, 59] },
    { field: "orderCount", op: "gte", value: 3, windowDays: 365 },
    { field: "optedIn", op: "eq", value: true },
    { not: { field: "tier", op: "eq", value: "Gold" } },
  ],
};

/** "Last order between lo and hi days ago" from the summary: one range of member_stats(merchant_id, last_order_at). */
function summaryRecent(lo: number, hi: number): SQL {
  return sql`select count(*) as n from member_stats
      where merchant_id = ${MERCHANT} and last_order_at >= ${dayStart(hi)} and last_order_at < ${dayStart(lo - 1)}`;
}

/** The composite from the summary: the recency cohort from member_stats, each member's year of orders probed. */
function summaryComposite(): SQL {
  return sql`select count(*) as n from member_stats s join members m on m.id = s.member_id
    where s.merchant_id = ${MERCHANT} and m.merchant_id = ${MERCHANT} and m.opted_in
      and coalesce(m.tier_name, 'Silver') <> 'Gold'
      and s.last_order_at >= ${dayStart(59)} and s.last_order_at < ${dayStart(13)} and s.order_count >= 3
      and (select count(*) from orders o where o.merchant_id = ${MERCHANT} and o.member_id = s.member_id
             and o.placed_at > ${nowSql()} - interval '365 days' and o.placed_at <= ${nowSql()}
             and (o.total = 0 or o.refunded_total < o.total)) >= 3`;
}

/** The same, by hand: one pass over the year's orders (a last order 14–59 days ago lies inside it). */
function baselineComposite(): SQL {
  return sql`select count(*) as n from members m join (
      select member_id, max(placed_at) as last_at,
             count(*) filter (where total = 0 or refunded_total < total) as c
      from orders where merchant_id = ${MERCHANT} and member_id is not null
        and placed_at > ${nowSql()} - interval '365 days' and placed_at <= ${nowSql()}
      group by member_id) o on o.member_id = m.id
    where m.merchant_id = ${MERCHANT} and m.opted_in and coalesce(m.tier_name, 'Silver') <> 'Gold'
      and o.last_at >= ${dayStart(59)} and o.last_at < ${dayStart(13)} and o.c >= 3`;
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- segments [--members 1000000] [--orders 5000000] [--runs 3] [--pairs 9] [--fresh]\n" +
        "  --pairs N: also time ours and the member_stats baseline alternately N times each; the median of the N\n" +
        "  same-moment ratios is the figure that holds on a loaded machine (best-of-runs single times do not)\n",
    );
    return 0;
  }
  const members = Number(arg(args, "members") ?? 1_000_000);
  const orders = Number(arg(args, "orders") ?? 5_000_000);
  const runs = Math.max(1, Number(arg(args, "runs") ?? 3));
  const pairs = Math.max(1, Number(arg(args, "pairs") ?? 9));
  const database = await openDataset(members, orders, args.includes("--fresh"));
  try {
    const db = database.db;
    const ctx = await segmentContext(db, MERCHANT, NOW);
    // Every count in the preview's session (read-only, JIT off: src/db/session.ts), so only the SQL differs.
    const inSession = (q: (tx: Db) => Promise<SQL>) => () =>
      readSession(db, async (tx) => num((await queryRows(tx, await q(tx), z.object({ n: col.num })))[0]?.n));
    const count = (q: SQL) => inSession(async () => q);
    // What the preview/count endpoints run after reading the merchant: the recency bounds resolved, then the count.
    const ours = (rule: Rule) =>
      inSession(async (tx) => segmentCountQuery(compileSegment(rule, await withDayBounds(tx, ctx, rule)), MERCHANT));
    const plain = (rule: Rule) =>
      count(
        sql`select count(*) as n from (${segmentMembersQuery(compileSegment(rule, ctx, { stats: false }), MERCHANT)}) s`,
      );
    const cases: { name: string; rule: Rule; baseline: SQL; summary: SQL }[] = [
      ...BUILT_IN_SEGMENTS.map((s) => {
        const [lo, hi] = (s.rule as unknown as { value: [number, number] }).value;
        return { name: s.id, rule: s.rule, baseline: baselineRecent(lo, hi), summary: summaryRecent(lo, hi) };
      }),
      {
        name: "composite (14–59 d, ≥3 orders/yr, opted in, not Gold)",
        rule: COMPOSITE,
        baseline: baselineComposite(),
        summary: summaryComposite(),
      },
    ];
    const rows: Record<string, string | number>[] = [];
    const problems: string[] = [];
    for (const c of cases) {
      process.stderr.write(`  ${c.name} …\n`);
      const byOrders = await best(runs, count(c.baseline));
      const bySummary = await best(runs, count(c.summary));
      const mine = await best(runs, ours(c.rule));
      const before = await best(runs, plain(c.rule));
      const preview = await best(runs, async () => (await previewSegment(db, MERCHANT, c.rule, NOW)).count);
      const base = bySummary.ms <= byOrders.ms ? bySummary : byOrders;
      const ratios: number[] = [];
      for (let i = 0; i < pairs; i++) {
        const a = await best(1, ours(c.rule));
        const b = await best(1, count(c.summary));
        ratios.push(a.ms / b.ms);
      }
      ratios.sort((x, y) => x - y);
      for (const [what, v] of [
        ["ours", mine.value],
        ["plain", before.value],
        ["preview", preview.value],
        ["summary baseline", bySummary.value],
      ] as const)
        if (v !== byOrders.value) problems.push(`${c.name}: ${what} ${v}, baseline over orders ${byOrders.value}`);
      rows.push({
        segment: c.name,
        members: mine.value.toLocaleString("en-US"),
        "ours ms": mine.ms.toFixed(0),
        "baseline: orders ms": byOrders.ms.toFixed(0),
        "baseline: member_stats ms": bySummary.ms.toFixed(0),
        "ours / best baseline": `${(mine.ms / base.ms).toFixed(2)}x`,
        [`ours / member_stats, median of ${pairs} alternating`]: `${ratios[ratios.length >> 1]!.toFixed(2)}x`,
        "plain form ms": before.ms.toFixed(0),
        "preview ms (count + sample)": preview.ms.toFixed(0),
      });
    }
    process.stdout.write(
      `${members.toLocaleString("en-US")} members, ${orders.toLocaleString("en-US")} orders, best of ${runs} — ${machine()}\n${table(rows)}\n${problems.length ? `FAILED: ${problems.join("; ")}` : "counts identical to the baseline"}\n`,
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

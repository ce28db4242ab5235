/**
 * The big-merchant data set shared by the `segments` and `analytics` benchmarks: one merchant with `members` members
 * and `orders` orders over the last 400 days (5 % guest orders, some refunds), generated once with generate_series
 * into a Postgres database `cl_bench_segments_<members>_<orders>` on DATABASE_URL / TEST_DATABASE_URL's server and
 * reused by later runs (unless `fresh`). Migrations are applied on every open, so new indexes reach the data set.
 */
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { resultRows } from "../../src/db/rows.ts";
import type { Database, Db } from "../../src/db/types.ts";

export const MERCHANT = "mer_segbench";
/** A fixed "now" so reruns see the same data the same way. */
export const NOW = new Date("2026-11-20T03:00:00Z");
const DAY = 86_400_000;

export function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export const log = (t: number) => (m: string) =>
  process.stderr.write(`  ${m} (${((performance.now() - t) / 1000).toFixed(0)} s)\n`);

export async function openDataset(members: number, orders: number, fresh: boolean): Promise<Database> {
  const server =
    process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `cl_bench_segments_${members}_${orders}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  const exists = (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
  if (exists && fresh) await admin.unsafe(`drop database ${name} with (force)`);
  if (!exists || fresh) await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(server);
  u.pathname = `/${name}`;
  const database = openPostgres(u.toString(), { max: 4 });
  await migrateDatabase(database, u.toString());
  const marker = await resultRows(
    await database.db.execute(sql`select 1 from information_schema.tables where table_name = 'segbench_marker'`),
  );
  if (marker.length === 0) {
    process.stderr.write(
      `generating ${members.toLocaleString("en-US")} members / ${orders.toLocaleString("en-US")} orders into ${name} …\n`,
    );
    await generate(database.db, members, orders);
  } else {
    process.stderr.write(`reusing ${name}\n`);
    // A migration may have rewritten member_stats (0040 backfilled prev_order_at): as autovacuum would, so its
    // index-only scans stay index-only (next to free when nothing changed).
    await database.db.execute(sql`vacuum analyze member_stats`);
  }
  return database;
}

async function generate(db: Db, members: number, orders: number): Promise<void> {
  const t = performance.now();
  const say = log(t);
  await db.execute(
    sql`insert into merchants (id, name, timezone) values (${MERCHANT}, 'Segment bench', 'Asia/Ho_Chi_Minh') on conflict do nothing`,
  );
  // Deterministic pseudo-random numbers from multiplicative hashing of the row number.
  await db.execute(sql`
    insert into members (id, merchant_id, name, language, opted_in, points_total, tier_name, birthday, created_at)
    select 'mem_' || g, ${MERCHANT}, 'Khách ' || g, case when g % 7 = 0 then 'en' else 'vi' end, g % 3 <> 0,
           (g::bigint * 7919) % 5000, case when g % 10 = 0 then 'Gold' else 'Silver' end,
           date '1970-01-01' + ((g::bigint * 104729) % 18000)::int, ${new Date(NOW.getTime() - 500 * DAY).toISOString()}::timestamptz
    from generate_series(1, ${members}::int) g`);
  say(`${members.toLocaleString("en-US")} members`);
  // Bulk load without the per-row member_stats trigger, then the migration's own backfill (one GROUP BY): the same
  // rows, minutes faster on 5 M orders.
  await db.execute(sql`alter table orders disable trigger orders_member_stats_insert`);
  const chunk = 1_000_000;
  for (let from = 1; from <= orders; from += chunk) {
    const to = Math.min(orders, from + chunk - 1);
    // Recency skewed towards the recent past: offset = 400 d × u², u uniform in [0, 1).
    await db.execute(sql`
      insert into orders (id, merchant_id, external_id, member_id, channel, placed_at, total, refunded_total, content_hash, created_at)
      select 'ord_' || g, ${MERCHANT}, 'ext_' || g,
             case when g % 20 = 0 then null else 'mem_' || (1 + (g::bigint * 2654435761) % ${members}::bigint) end,
             'pos',
             ${NOW.toISOString()}::timestamptz - make_interval(secs => 400 * 86400 * power(((g::bigint * 40503 + 12345) % 1000003)::float8 / 1000003, 2)),
             t.total,
             case when g % 50 = 0 then t.total when g % 17 = 0 then t.total / 2 else 0 end,
             'x', ${NOW.toISOString()}::timestamptz
      from generate_series(${from}::int, ${to}::int) g, lateral (select (10000 + (g::bigint * 48271) % 490000)::bigint as total) t`);
    say(`${to.toLocaleString("en-US")} orders`);
  }
  await db.execute(sql`alter table orders enable trigger orders_member_stats_insert`);
  await backfillMemberStats(db);
  say("member_stats");
  // As autovacuum would: statistics, and a visibility map so index-only scans stay index-only.
  await db.execute(sql`vacuum analyze members`);
  await db.execute(sql`vacuum analyze orders`);
  await db.execute(sql`vacuum analyze member_stats`);
  await db.execute(sql`create table if not exists segbench_marker (members int, orders int)`);
  await db.execute(sql`insert into segbench_marker values (${members}, ${orders})`);
  say("analyzed");
}

/** The backfills of migrations 0032_member_stats and 0040_member_stats_prev, after a bulk load with the trigger off. */
async function backfillMemberStats(db: Db): Promise<void> {
  await db.execute(sql`delete from member_stats where merchant_id = ${MERCHANT}`);
  await db.execute(sql`
    insert into member_stats (member_id, merchant_id, first_order_at, last_order_at, prev_order_at, order_count, net_spend)
    select o.member_id, min(o.merchant_id), min(o.placed_at), max(o.placed_at),
           (array_agg(o.placed_at order by o.placed_at desc))[2],
           count(*) filter (where o.total = 0 or o.refunded_total < o.total), sum(o.total - o.refunded_total)
    from orders o where o.merchant_id = ${MERCHANT} and o.member_id is not null group by o.member_id`);
}

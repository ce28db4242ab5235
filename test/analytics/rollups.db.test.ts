/**
 * Analytics rollups (docs/analytics-rollups.md): the daily series read from the rollups + live days equals the
 * direct query it replaced (kept verbatim below), on random data, before and after the job, after backdated orders,
 * refunds, ledger entries and members written into rolled-up days (the triggers re-dirty them), in two time zones.
 */
import { sql, type SQL } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKpi, summary, summaryWindow, type KpiWindow } from "../../src/analytics/service.ts";
import { readSession } from "../../src/db/session.ts";
import { runRollups } from "../../src/analytics/rollups.ts";
import { AnyRow, queryRows, resultRows } from "../../src/db/rows.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const DAY = 86_400_000;

/** The daily series as `KPI_QUERIES.daily` computed it before the rollups (one pass over the window's rows). */
const DAILY_DIRECT = ({ merchantId, from, to, timezone }: KpiWindow): SQL => sql`
      with d as (
        select generate_series((${from}::timestamptz at time zone ${timezone})::date, (${to}::timestamptz at time zone ${timezone})::date, interval '1 day')::date as day
      ),
      o as (
        select (placed_at at time zone ${timezone})::date as day, count(*) as orders, sum(total - refunded_total) as revenue
        from orders where merchant_id = ${merchantId} and placed_at > ${from}::timestamptz and placed_at <= ${to}::timestamptz group by 1
      ),
      l as (
        select (created_at at time zone ${timezone})::date as day,
               sum(points) filter (where kind in ('earn','bonus') or (kind = 'adjust' and points > 0)) as issued,
               -sum(points) filter (where kind = 'redeem') as redeemed,
               -sum(points) filter (where kind = 'expire') as expired
        from ledger_entries where merchant_id = ${merchantId} and created_at > ${from}::timestamptz and created_at <= ${to}::timestamptz group by 1
      ),
      n as (
        select (created_at at time zone ${timezone})::date as day, count(*) as members
        from members where merchant_id = ${merchantId} and created_at > ${from}::timestamptz group by 1
      )
      select to_char(d.day, 'YYYY-MM-DD') as day, coalesce(o.orders, 0) as orders, coalesce(o.revenue, 0) as revenue,
             coalesce(l.issued, 0) as issued, coalesce(l.redeemed, 0) as redeemed, coalesce(l.expired, 0) as expired,
             coalesce(n.members, 0) as new_members
      from d left join o using (day) left join l using (day) left join n using (day) order by d.day`;

/** Seeded PRNG (mulberry32): the same data every run, still "random" over days, kinds and amounts. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

type Row = Record<string, unknown>;
const norm = (rows: Row[]) =>
  rows.map((r) => [
    r.day,
    ...["orders", "revenue", "issued", "redeemed", "expired", "new_members"].map((k) => Number(r[k])),
  ]);

async function compare(merchantId: string, now: Date, days: number[]): Promise<void> {
  const db = s.database.db;
  for (const d of days) {
    const w = await summaryWindow(db, merchantId, now, d);
    const [direct, rolled] = await readSession(db, async (tx) => [
      await queryRows(tx, DAILY_DIRECT(w), AnyRow),
      await runKpi(tx, "daily", w),
    ]);
    expect(norm(rolled), `${d} days`).toEqual(norm(direct));
    expect(direct.length).toBeGreaterThanOrEqual(d);
  }
}

async function seed(
  merchantId: string,
  now: Date,
  r: () => number,
  n: { members: number; orders: number; ledger: number },
) {
  const db = s.database.db;
  // Instants over the last 400 days, a few in the future (never in a window), many near local midnights.
  const at = (): string => {
    const base = now.getTime() - Math.floor(r() * 400) * DAY + (r() < 0.05 ? 12 * DAY : 0);
    const offset = r() < 0.4 ? Math.floor((r() - 0.5) * 4 * 3_600_000) : Math.floor(r() * DAY);
    const t = new Date(Math.floor(base / DAY) * DAY + 17 * 3_600_000 + offset); // ~midnight in Vietnam (UTC+7)
    return t.toISOString();
  };
  const ids: string[] = [];
  const mem: SQL[] = [];
  for (let i = 0; i < n.members; i++) {
    const id = `mem_r${merchantId.slice(-6)}_${ids.length}_${Math.floor(r() * 1e9)}`;
    ids.push(id);
    mem.push(sql`(${id}, ${merchantId}, ${`M ${i}`}, ${at()}::timestamptz)`);
  }
  await db.execute(sql`insert into members (id, merchant_id, name, created_at) values ${sql.join(mem, sql`, `)}`);
  const ord: SQL[] = [];
  for (let i = 0; i < n.orders; i++) {
    const total = Math.floor(r() * 500) * 1000;
    const refunded = r() < 0.2 ? Math.floor(r() * total) : 0;
    const member = r() < 0.8 ? ids[Math.floor(r() * ids.length)] : null;
    ord.push(
      sql`(${`ord_r${Math.floor(r() * 1e12)}_${i}`}, ${merchantId}, ${`X${i}_${Math.floor(r() * 1e9)}`}, ${member}, ${at()}::timestamptz, ${total}, ${refunded}, 'h')`,
    );
  }
  await db.execute(
    sql`insert into orders (id, merchant_id, external_id, member_id, placed_at, total, refunded_total, content_hash) values ${sql.join(ord, sql`, `)}`,
  );
  const kinds = ["earn", "bonus", "redeem", "expire", "adjust", "refund"] as const;
  const led: SQL[] = [];
  for (let i = 0; i < n.ledger; i++) {
    const kind = kinds[Math.floor(r() * kinds.length)] ?? "earn";
    const size = 1 + Math.floor(r() * 300);
    const points = kind === "earn" || kind === "bonus" ? size : kind === "adjust" ? size - 150 : -size;
    led.push(sql`(${merchantId}, ${ids[Math.floor(r() * ids.length)]}, ${kind}, ${points}, ${at()}::timestamptz)`);
  }
  await db.execute(
    sql`insert into ledger_entries (merchant_id, member_id, kind, points, created_at) values ${sql.join(led, sql`, `)}`,
  );
  return ids;
}

const WINDOWS = [1, 2, 7, 30, 90, 366];

describe("analytics rollups", () => {
  it("the daily series from rollups + live days equals the direct query, before and after the job and re-dirtying", async () => {
    const { merchantId, api } = await s.merchant();
    const other = await s.merchant("Other shop");
    const db = s.database.db;
    const r = rng(18);
    const now = s.clock.now();
    const members = await seed(merchantId, now, r, { members: 60, orders: 600, ledger: 500 });
    await seed(other.merchantId, now, r, { members: 10, orders: 100, ledger: 50 });

    // No rollups yet: every day is live.
    await compare(merchantId, now, WINDOWS);

    const job = await api("POST", "/v1/jobs/rollups");
    expect(job.status).toBe(200);
    expect(job.body.computed).toBeGreaterThanOrEqual(366);
    const count = async () =>
      Number(
        resultRows<{ n: string }>(
          await db.execute(sql`select count(*)::text as n from analytics_days where merchant_id = ${merchantId}`),
        )[0]?.n,
      );
    expect(await count()).toBe(job.body.computed);
    await compare(merchantId, now, WINDOWS);
    // Idempotent: nothing dirty, nothing missing.
    expect(await runRollups(db, merchantId, now)).toEqual({ dirty: 0, computed: 0 });

    // The reader does use the rollups: a wrong figure in one shows (then the job is asked to redo that day).
    await db.execute(
      sql`update analytics_days set orders = orders + 1000 where merchant_id = ${merchantId} and day = (select max(day) - 5 from analytics_days where merchant_id = ${merchantId})`,
    );
    await expect(compare(merchantId, now, [30])).rejects.toThrow();
    await db.execute(
      sql`insert into analytics_dirty_days (merchant_id, day) select ${merchantId}, max(day) - 5 from analytics_days where merchant_id = ${merchantId}`,
    );
    await compare(merchantId, now, [30]);
    expect(await runRollups(db, merchantId, now)).toEqual({ dirty: 1, computed: 1 });

    // Backdated orders, refunds (refunded_total), ledger entries and members into rolled-up days: each write
    // marks its day dirty in its own transaction, so the figures are exact before the job runs again.
    await seed(merchantId, now, r, { members: 5, orders: 40, ledger: 40 });
    await db.execute(
      sql`update orders set refunded_total = total where id in (select id from orders where merchant_id = ${merchantId} and refunded_total = 0 order by id limit 15)`,
    );
    await db.execute(
      sql`update orders set placed_at = placed_at - interval '3 days' where id in (select id from orders where merchant_id = ${merchantId} order by external_id limit 5)`,
    );
    await db.execute(
      sql`delete from ledger_entries where id in (select id from ledger_entries where merchant_id = ${merchantId} order by id limit 5)`,
    );
    await db.execute(
      sql`update members set created_at = created_at - interval '40 days' where id = ${members[0] ?? ""}`,
    );
    const dirty = resultRows<{ n: string }>(
      await db.execute(sql`select count(*)::text as n from analytics_dirty_days where merchant_id = ${merchantId}`),
    )[0];
    expect(Number(dirty?.n)).toBeGreaterThan(10);
    await compare(merchantId, now, WINDOWS);
    const again = await runRollups(db, merchantId, now);
    expect(again.dirty).toBe(Number(dirty?.n));
    await compare(merchantId, now, WINDOWS);

    // A day later: the new closed day is rolled up; the open day stays live.
    const later = new Date(now.getTime() + DAY);
    expect((await runRollups(db, merchantId, later)).computed).toBeGreaterThanOrEqual(1);
    await compare(merchantId, later, WINDOWS);

    // Another time zone: the rollups of the old zone are ignored at once and replaced by the job.
    await db.execute(sql`update merchants set timezone = 'America/New_York' where id = ${merchantId}`);
    await compare(merchantId, later, WINDOWS);
    expect((await runRollups(db, merchantId, later)).computed).toBeGreaterThanOrEqual(366);
    await compare(merchantId, later, WINDOWS);

    // The whole summary still reads the same series (and the other merchant's data never leaks in).
    const sum = await summary(db, merchantId, later, 30);
    const w = await summaryWindow(db, merchantId, later, 30);
    const direct = await readSession(db, (tx) => queryRows(tx, DAILY_DIRECT(w), AnyRow));
    expect(
      sum.daily.map((d) => [
        d.day,
        d.orders,
        d.revenue,
        d.pointsIssued,
        d.pointsRedeemed,
        d.pointsExpired,
        d.newMembers,
      ]),
    ).toEqual(norm(direct));
  });

  it("a day's figures are exact around midnight clock changes (the index range is only the day ± 3 hours)", async () => {
    const { merchantId } = await s.merchant("Clock changes");
    const db = s.database.db;
    const member = `mem_tz_${merchantId}`;
    await db.execute(sql`insert into members (id, merchant_id, name) values (${member}, ${merchantId}, 'TZ')`);
    const zones = ["America/Havana", "America/Santiago", "Asia/Beirut", "America/Asuncion", "Australia/Lord_Howe"];
    for (const zone of zones) {
      // Every offset change of 2025–2026 (several happen at local midnight), and an order every 10 minutes from 30
      // hours before each to 30 hours after; a ledger entry every 25 minutes.
      await db.execute(sql`
        with t as (
          select h from generate_series('2025-01-01'::timestamptz, '2027-01-01'::timestamptz, interval '1 hour') h
          where (h at time zone ${zone}) - h <> ((h - interval '1 hour') at time zone ${zone}) - (h - interval '1 hour')
        ), i as (
          select distinct h + m * interval '1 minute' as at from t, generate_series(-1800, 1800, 10) m
        )
        insert into orders (id, merchant_id, external_id, placed_at, total, refunded_total, content_hash)
        select 'ord_tz_' || md5(${zone} || at::text), ${merchantId}, 'tz_' || md5(${zone} || at::text), at, 1000, 0, 'h' from i`);
      await db.execute(sql`
        with t as (
          select h from generate_series('2025-01-01'::timestamptz, '2027-01-01'::timestamptz, interval '1 hour') h
          where (h at time zone ${zone}) - h <> ((h - interval '1 hour') at time zone ${zone}) - (h - interval '1 hour')
        )
        insert into ledger_entries (merchant_id, member_id, kind, points, created_at)
        select ${merchantId}, ${member}, 'earn', 1, h + m * interval '1 minute' from t, generate_series(-1800, 1800, 25) m`);
    }
    for (const zone of zones) {
      const rows = await queryRows(
        db,
        sql`
          with days as (
            select distinct (placed_at at time zone ${zone})::date as day from orders where merchant_id = ${merchantId}
          ), direct as (
            select d.day,
                   (select count(*) from orders o where o.merchant_id = ${merchantId} and (o.placed_at at time zone ${zone})::date = d.day) as orders,
                   (select coalesce(sum(points), 0) from ledger_entries l where l.merchant_id = ${merchantId} and (l.created_at at time zone ${zone})::date = d.day) as issued
            from days d
          )
          select to_char(x.day, 'YYYY-MM-DD') as day, x.orders, x.issued, f.orders as f_orders, f.issued as f_issued
          from direct x cross join lateral cl_analytics_days(${merchantId}, ${zone}, x.day, x.day, '-infinity', 'infinity') f`,
        AnyRow,
      );
      expect(rows.length, zone).toBeGreaterThan(20);
      const wrong = rows.filter(
        (r) => Number(r.orders) !== Number(r.f_orders) || Number(r.issued) !== Number(r.f_issued),
      );
      expect(wrong, zone).toEqual([]);
    }
  });
});

/**
 * The range-restricted recency form, and the forms reading all-time facts from member_stats (issue 18), select
 * exactly the members the plain form (a GROUP BY over orders) selects: random rules built around
 * daysSinceLastOrder (under all/any/not, with other order facts) over random histories, in a time zone without DST
 * and in one whose clocks go back at local midnight (America/Havana, 1 Nov 2026), at instants around local midnight.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import {
  compileSegment,
  segmentCountQuery,
  segmentMembersQuery,
  segmentPageQuery,
} from "../../src/segments/compile.ts";
import { compileForMerchant, memberMatches, segmentContext } from "../../src/segments/service.ts";
import { withDayBounds } from "../../src/segments/days.ts";
import { resultRows } from "../../src/db/rows.ts";
import type { Condition, Rule } from "../../src/segments/rule.ts";
import { addMember, addOrder, DAY } from "./fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const BASE = Date.UTC(2026, 10, 20, 5); // 20 Nov 2026 05:00 UTC

async function randomMerchant(timezone: string, seed: number) {
  const db = s.database.db;
  const { merchantId } = await createMerchant(db, { name: `recency ${timezone}`, timezone });
  const histories = fc.sample(
    fc.array(
      fc.record({
        daysAgo: fc.integer({ min: 0, max: 45 }),
        minute: fc.integer({ min: 0, max: 1439 }),
        refund: fc.constantFrom(0, 0, 0, 1, 2),
      }),
      { maxLength: 5 },
    ),
    { numRuns: 50, seed },
  );
  for (const orders of histories) {
    await addMember(
      db,
      merchantId,
      {
        orders: orders.map((o) => {
          // Whole local-ish days back from BASE plus a minute of the day, so many orders sit near midnight.
          const at = new Date(BASE - o.daysAgo * DAY - 5 * 3_600_000 + o.minute * 60_000);
          return { at, total: 100, refunded: o.refund === 2 ? 100 : o.refund === 1 ? 50 : 0 };
        }),
      },
      new Date(BASE),
    );
  }
  await addOrder(db, merchantId, null, { at: new Date(BASE - 3 * DAY) });
  return merchantId;
}

const small = fc.integer({ min: 0, max: 40 });
const recency: fc.Arbitrary<Condition> = fc.oneof(
  fc.tuple(small, small).map(([a, b]) => ({
    field: "daysSinceLastOrder" as const,
    op: "between" as const,
    value: [Math.min(a, b), Math.max(a, b)],
  })),
  fc.record({
    field: fc.constant("daysSinceLastOrder" as const),
    op: fc.constantFrom("eq" as const, "lt" as const, "lte" as const, "gte" as const, "gt" as const, "neq" as const),
    value: small,
  }),
  fc.record({
    field: fc.constant("daysSinceLastOrder" as const),
    op: fc.constant("in" as const),
    value: fc.array(small, { minLength: 1, maxLength: 3 }),
  }),
);
const other: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    field: fc.constant("orderCount" as const),
    op: fc.constantFrom("gte" as const, "lt" as const),
    value: fc.integer({ min: 0, max: 3 }),
    windowDays: fc.integer({ min: 1, max: 60 }),
  }),
  fc.record({
    field: fc.constant("orderCount" as const),
    op: fc.constant("gte" as const),
    value: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    field: fc.constant("netSpend" as const),
    op: fc.constantFrom("gte" as const, "lt" as const),
    value: fc.constantFrom(0, 100, 200),
    windowDays: fc.integer({ min: 1, max: 60 }),
  }),
);
const rules: fc.Arbitrary<Rule> = fc.letrec<{ rule: Rule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    recency,
    recency,
    other,
    fc.record({ all: fc.array(tie("rule"), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("rule"), { maxLength: 3 }) }),
    fc.record({ not: tie("rule") }),
  ),
})).rule;

async function members(
  merchantId: string,
  rule: Rule,
  now: Date,
  opts: { rangeRestrict?: boolean; stats?: boolean; resolved?: boolean },
): Promise<string[]> {
  const { resolved, ...compileOpts } = opts;
  const plainCtx = await segmentContext(s.database.db, merchantId, now);
  const ctx = resolved ? await withDayBounds(s.database.db, plainCtx, rule, compileOpts) : plainCtx;
  const rows = await resultRows<{ member_id: string }>(
    await s.database.db.execute(
      segmentMembersQuery(compileSegment(rule, ctx, compileOpts), merchantId, { orderBy: sql`m.id` }),
    ),
  );
  return rows.map((r) => r.member_id);
}

describe("property: range-restricted recency = plain form", () => {
  for (const [timezone, seed] of [
    ["Asia/Ho_Chi_Minh", 3],
    ["America/Havana", 5],
  ] as const) {
    it(`random rules, ${timezone}`, async () => {
      const merchantId = await randomMerchant(timezone, seed);
      let nonEmpty = 0;
      let cohortRules = 0;
      await fc.assert(
        fc.asyncProperty(rules, fc.integer({ min: -2 * 1440, max: 2 * 1440 }), async (rule, minutes) => {
          // Instants within two days of BASE, so the clock crosses local midnights of both zones.
          const now = new Date(BASE + minutes * 60_000);
          // The plain form reads orders only; the compiled forms read member_stats (with and without the range).
          const plain = await members(merchantId, rule, now, { rangeRestrict: false, stats: false });
          if (plain.length) nonEmpty++;
          expect(await members(merchantId, rule, now, { rangeRestrict: false })).toEqual(plain);
          expect(await members(merchantId, rule, now, {})).toEqual(plain);
          expect(await members(merchantId, rule, now, { stats: false })).toEqual(plain);
          // The bounds resolved before compiling (constants; an exact range drops the calendar test it implies).
          expect(await members(merchantId, rule, now, { resolved: true })).toEqual(plain);
          expect(await members(merchantId, rule, now, { resolved: true, stats: false })).toEqual(plain);
          // A rule over the summary alone is counted and paged without members: the same count, the same first ids.
          const compiled = compileSegment(rule, await segmentContext(s.database.db, merchantId, now));
          if (compiled.cohort) cohortRules++;
          const resolved = await compileForMerchant(s.database.db, merchantId, rule, now);
          for (const c of [compiled, resolved]) {
            const [count] = await resultRows<{ n: unknown }>(
              await s.database.db.execute(segmentCountQuery(c, merchantId)),
            );
            expect(Number(count?.n)).toBe(plain.length);
          }
          const page = await resultRows<{ member_id: string }>(
            await s.database.db.execute(segmentPageQuery(compiled, merchantId, 5)),
          );
          expect(page.map((r) => r.member_id)).toEqual(plain.slice(0, 5));
        }),
        { numRuns: 80, seed },
      );
      expect(nonEmpty).toBeGreaterThan(10);
      expect(cohortRules).toBeGreaterThan(5);
    }, 180_000); // 80 rules × six forms against one database: ~20 s alone, several times that on a loaded CI machine
  }

  it("the day the clocks go back at midnight (America/Havana, 1 Nov 2026) counts as one calendar day", async () => {
    const db = s.database.db;
    const { merchantId } = await createMerchant(db, { name: "havana", timezone: "America/Havana" });
    // 00:30 local on 1 Nov happens twice (04:30 and 05:30 UTC); 23:30 local on 31 Oct is 03:30 UTC on 1 Nov.
    const first = await addMember(db, merchantId, { orders: [{ at: "2026-11-01T04:30:00Z" }] }, new Date(BASE));
    const second = await addMember(db, merchantId, { orders: [{ at: "2026-11-01T05:30:00Z" }] }, new Date(BASE));
    const before = await addMember(db, merchantId, { orders: [{ at: "2026-11-01T03:30:00Z" }] }, new Date(BASE));
    const now = new Date("2026-11-20T15:00:00Z"); // 10:00 local on 20 Nov: 1 Nov is 19 days ago
    const rule: Rule = { field: "daysSinceLastOrder", op: "between", value: [0, 19] };
    const expected = [first, second].sort();
    expect(await members(merchantId, rule, now, {})).toEqual(expected);
    expect(await members(merchantId, rule, now, { rangeRestrict: false, stats: false })).toEqual(expected);
    expect(await members(merchantId, { field: "daysSinceLastOrder", op: "eq", value: 20 }, now, {})).toEqual([before]);
    expect(await members(merchantId, rule, now, { resolved: true })).toEqual(expected);
    const twenty: Rule = { field: "daysSinceLastOrder", op: "eq", value: 20 };
    expect(await members(merchantId, twenty, now, { resolved: true })).toEqual([before]);
    // One member at a time (offers, bots): the same answer, with a rule that also narrows another order aggregate.
    const narrowed: Rule = { all: [rule, { field: "orderCount", op: "gte", value: 1, windowDays: 90 }] };
    expect(await memberMatches(db, merchantId, first, narrowed, now)).toBe(true);
    expect(await memberMatches(db, merchantId, before, narrowed, now)).toBe(false);
  });

  it("resolved in a zone without DST, a recent-N count is the bare range count: no time-zone test, no sub-select", async () => {
    const db = s.database.db;
    const { merchantId } = await createMerchant(db, { name: "hcm", timezone: "Asia/Ho_Chi_Minh" });
    const now = new Date("2026-11-20T15:00:00Z"); // 22:00 local
    const inRange = await addMember(db, merchantId, { orders: [{ at: "2026-11-13T17:00:00Z" }] }, now); // 00:00 14 Nov
    await addMember(db, merchantId, { orders: [{ at: "2026-11-13T16:59:59Z" }] }, now); // 23:59:59 13 Nov: 7 days
    const rule: Rule = { field: "daysSinceLastOrder", op: "between", value: [0, 6] };
    const compiled = await compileForMerchant(db, merchantId, rule, now);
    const text = new PgDialect().sqlToQuery(segmentCountQuery(compiled, merchantId)).sql;
    expect(text).not.toMatch(/at time zone|\(select .*interval/);
    const [count] = await resultRows<{ n: unknown }>(await db.execute(segmentCountQuery(compiled, merchantId)));
    expect(Number(count?.n)).toBe(1);
    expect(await members(merchantId, rule, now, { resolved: true })).toEqual([inRange]);
    // Havana changes its clocks at midnight: the bound near 1 Nov keeps its margin and the calendar test.
    const havana = await createMerchant(db, { name: "havana2", timezone: "America/Havana" });
    const nearChange = await compileForMerchant(
      db,
      havana.merchantId,
      { field: "daysSinceLastOrder", op: "between", value: [0, 19] },
      now,
    );
    expect(new PgDialect().sqlToQuery(segmentCountQuery(nearChange, havana.merchantId)).sql).toMatch(/at time zone/);
  });

  it("resolves a zone's bounds once per local day: later rules that day need no query, the next day resolves anew", async () => {
    const db = s.database.db;
    let queries = 0;
    const counting = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== "execute") return Reflect.get(target, prop, receiver);
        return (...args: Parameters<typeof db.execute>) => {
          queries++;
          return target.execute(...args);
        };
      },
    });
    const { merchantId } = await createMerchant(db, { name: "hcm cache", timezone: "Asia/Ho_Chi_Minh" });
    const ctx = await segmentContext(db, merchantId, new Date("2027-03-15T02:00:00Z")); // 09:00 local, 15 Mar
    const recent: Rule = { field: "daysSinceLastOrder", op: "between", value: [7, 13] };
    const first = await withDayBounds(counting, ctx, recent);
    expect(queries).toBe(1);
    expect(first.days?.get(13)).toEqual({ start: new Date("2027-03-01T17:00:00Z"), exact: true });
    // 23:30 local the same day, the same bounds: from memory.
    await withDayBounds(counting, { ...ctx, now: new Date("2027-03-15T16:30:00Z") }, recent);
    expect(queries).toBe(1);
    await withDayBounds(counting, ctx, { field: "daysSinceLastOrder", op: "lte", value: 3 });
    expect(queries).toBe(2);
    // 00:30 local on 16 Mar: a new day, new midnights.
    const next = await withDayBounds(counting, { ...ctx, now: new Date("2027-03-15T17:30:00Z") }, recent);
    expect(queries).toBe(3);
    expect(next.days?.get(13)).toEqual({ start: new Date("2027-03-02T17:00:00Z"), exact: true });
  });
});

/** Segment rules against hand-built member histories (PGlite and Postgres), and the /v1/segments endpoints. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { putProgram } from "../../src/program/service.ts";
import { ProgramSchema } from "../../src/program/config.ts";
import { previewSegment, segmentMemberIds } from "../../src/segments/service.ts";
import type { Condition, Rule } from "../../src/segments/rule.ts";
import { addMember, addOrder, DAY, daysAgo, type MemberSpec } from "./fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const NOW = new Date("2026-11-20T03:00:00Z"); // 10:00 in Ho Chi Minh City

async function merchantWith(specs: Record<string, MemberSpec>, opts: { timezone?: string } = {}) {
  const { merchantId } = await createMerchant(s.database.db, {
    name: "seg shop",
    ...(opts.timezone ? { timezone: opts.timezone } : {}),
  });
  const ids: Record<string, string> = {};
  for (const [k, spec] of Object.entries(specs))
    ids[k] = await addMember(s.database.db, merchantId, { name: k, ...spec }, NOW);
  const names = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
  const match = async (rule: Rule, now = NOW) =>
    (await segmentMemberIds(s.database.db, merchantId, rule, now)).map((id) => names[id]).sort();
  return { merchantId, ids, match };
}

describe("daysSinceLastOrder (calendar days in the merchant's time zone)", () => {
  it("built-in windows 7–13, 14–27, 28–59; members without orders never match; not = complement", async () => {
    const { match } = await merchantWith({
      d6: { orders: [{ at: daysAgo(NOW, 6) }] },
      d7: { orders: [{ at: daysAgo(NOW, 30) }, { at: daysAgo(NOW, 7) }] },
      d13: { orders: [{ at: daysAgo(NOW, 13) }] },
      d14: { orders: [{ at: daysAgo(NOW, 14) }] },
      d27: { orders: [{ at: daysAgo(NOW, 27) }] },
      d28: { orders: [{ at: daysAgo(NOW, 28) }] },
      d59: { orders: [{ at: daysAgo(NOW, 59) }] },
      d60: { orders: [{ at: daysAgo(NOW, 60) }] },
      none: {},
    });
    const between = (lo: number, hi: number): Rule => ({ field: "daysSinceLastOrder", op: "between", value: [lo, hi] });
    expect(await match(between(7, 13))).toEqual(["d13", "d7"]);
    expect(await match(between(14, 27))).toEqual(["d14", "d27"]);
    expect(await match(between(28, 59))).toEqual(["d28", "d59"]);
    expect(await match({ field: "daysSinceLastOrder", op: "neq", value: 7 })).not.toContain("none");
    expect(await match({ field: "daysSinceLastOrder", op: "lt", value: 1000 })).not.toContain("none");
    expect(await match({ not: between(7, 13) })).toEqual(["d14", "d27", "d28", "d59", "d6", "d60", "none"]);
    expect(await match({ not: { not: between(7, 13) } })).toEqual(["d13", "d7"]);
  });

  it("midnight in Asia/Ho_Chi_Minh (UTC+7), not UTC, decides the day — moving the clock across it", async () => {
    // Last order at 00:01 on 14 Nov local time (= 13 Nov 17:01 UTC).
    const { match } = await merchantWith({
      late: { orders: [{ at: "2026-11-13T16:59:00Z" }] }, // 23:59 on 13 Nov local
      early: { orders: [{ at: "2026-11-13T17:01:00Z" }] }, // 00:01 on 14 Nov local
    });
    const seven: Rule = { field: "daysSinceLastOrder", op: "eq", value: 7 };
    // 23:59 on 20 Nov local: late is 7 days ago, early 6.
    s.clock.set("2026-11-20T16:59:00Z");
    expect(await match(seven, s.clock.now())).toEqual(["late"]);
    // Two minutes later it is 21 Nov local (still 20 Nov in UTC): late is 8, early 7.
    s.clock.advance(2 * 60_000);
    expect(await match(seven, s.clock.now())).toEqual(["early"]);
    expect(await match({ field: "daysSinceLastOrder", op: "eq", value: 8 }, s.clock.now())).toEqual(["late"]);
    // In UTC both orders were on 13 Nov and it is still 20 Nov: a UTC implementation would say 7 for both.
  });

  it("uses the merchant's own time zone", async () => {
    const { match } = await merchantWith({ a: { orders: [{ at: "2026-11-13T16:59:00Z" }] } }, { timezone: "UTC" });
    expect(await match({ field: "daysSinceLastOrder", op: "eq", value: 7 }, new Date("2026-11-20T17:01:00Z"))).toEqual([
      "a",
    ]);
  });

  it("orders placed after now are not seen yet (the clock decides)", async () => {
    const { match } = await merchantWith({
      a: { orders: [{ at: daysAgo(NOW, 10) }, { at: new Date(NOW.getTime() + DAY) }] },
    });
    expect(await match({ field: "daysSinceLastOrder", op: "eq", value: 10 })).toEqual(["a"]);
  });
});

describe("order facts", () => {
  it("orderCount: not fully refunded, all time by default, windowDays = N × 24 h", async () => {
    const { match } = await merchantWith({
      three: {
        orders: [
          { at: daysAgo(NOW, 400), total: 100 },
          { at: daysAgo(NOW, 20), total: 100, refunded: 50 },
          { at: daysAgo(NOW, 1), total: 100 },
        ],
      },
      refunded: {
        orders: [
          { at: daysAgo(NOW, 3), total: 100, refunded: 100 },
          { at: daysAgo(NOW, 2), total: 100 },
        ],
      },
      free: { orders: [{ at: daysAgo(NOW, 2), total: 0, items: [{ sku: "GIFT", unitPrice: 0 }] }] },
      none: {},
    });
    expect(await match({ field: "orderCount", op: "eq", value: 3 })).toEqual(["three"]);
    expect(await match({ field: "orderCount", op: "eq", value: 1 })).toEqual(["free", "refunded"]);
    expect(await match({ field: "orderCount", op: "eq", value: 0 })).toEqual(["none"]);
    expect(await match({ field: "orderCount", op: "lt", value: 2 })).toEqual(["free", "none", "refunded"]);
    expect(await match({ field: "orderCount", op: "eq", value: 2, windowDays: 30 })).toEqual(["three"]);
    // The window is exactly 20 × 24 h: an order 20 days ago to the millisecond is outside (placedAt > now − 20 d).
    expect(await match({ field: "orderCount", op: "eq", value: 1, windowDays: 20 })).toEqual([
      "free",
      "refunded",
      "three",
    ]);
  });

  it("netSpend: Σ total − refunds over 365 days by default", async () => {
    const { match } = await merchantWith({
      a: {
        orders: [
          { at: daysAgo(NOW, 400), total: 900 },
          { at: daysAgo(NOW, 100), total: 300, refunded: 100 },
          { at: daysAgo(NOW, 5), total: 50 },
        ],
      },
      b: { orders: [{ at: daysAgo(NOW, 5), total: 250 }] },
      none: {},
    });
    expect(await match({ field: "netSpend", op: "eq", value: 250 })).toEqual(["a", "b"]);
    expect(await match({ field: "netSpend", op: "eq", value: 1150, windowDays: 500 })).toEqual(["a"]);
    expect(await match({ field: "netSpend", op: "eq", value: 50, windowDays: 30 })).toEqual(["a"]);
    expect(await match({ field: "netSpend", op: "lt", value: 100 })).toEqual(["none"]);
    expect(await match({ field: "netSpend", op: "between", value: [0, 0] })).toEqual(["none"]);
  });

  it("purchasedCategory / purchasedSku: 90 days by default, refunded lines do not count, neq = bought none", async () => {
    const { match } = await merchantWith({
      coffee89: { orders: [{ at: daysAgo(NOW, 89), items: [{ sku: "CF-01", category: "coffee", unitPrice: 30000 }] }] },
      coffee91: { orders: [{ at: daysAgo(NOW, 91), items: [{ sku: "CF-01", category: "coffee", unitPrice: 30000 }] }] },
      refundedCoffee: {
        orders: [
          {
            at: daysAgo(NOW, 3),
            items: [
              { sku: "CF-02", category: "coffee", quantity: 2, refundedQuantity: 2, unitPrice: 1 },
              { sku: "T-1", category: "tea", unitPrice: 1 },
            ],
          },
        ],
      },
      partlyRefunded: {
        orders: [
          {
            at: daysAgo(NOW, 3),
            items: [{ sku: "CF-02", category: "coffee", quantity: 2, refundedQuantity: 1, unitPrice: 1 }],
          },
        ],
      },
      none: {},
    });
    expect(await match({ field: "purchasedCategory", op: "eq", value: "coffee" })).toEqual([
      "coffee89",
      "partlyRefunded",
    ]);
    expect(await match({ field: "purchasedCategory", op: "eq", value: "coffee", windowDays: 120 })).toEqual([
      "coffee89",
      "coffee91",
      "partlyRefunded",
    ]);
    expect(await match({ field: "purchasedCategory", op: "in", value: ["tea", "cake"] })).toEqual(["refundedCoffee"]);
    expect(await match({ field: "purchasedSku", op: "eq", value: "CF-02" })).toEqual(["partlyRefunded"]);
    expect(await match({ field: "purchasedCategory", op: "neq", value: "coffee" })).toEqual([
      "coffee91",
      "none",
      "refundedCoffee",
    ]);
  });
});

describe("member facts", () => {
  it("pointsBalance is spendable (pending excluded), tier falls back to the entry tier, birthday, language, channel, optedIn", async () => {
    const { merchantId, match } = await merchantWith({
      rich: {
        pointsTotal: 500,
        pending: 200,
        tierName: "Gold",
        birthday: "1990-05-02",
        language: "en",
        channels: [{ channel: "telegram" }],
        optedIn: true,
      },
      poor: { pointsTotal: 120, birthday: "1991-12-31", channels: [{ channel: "zalo" }, { channel: "telegram" }] },
      negative: { pointsTotal: -20, pending: 0 },
      fresh: {},
    });
    await putProgram(
      s.database.db,
      merchantId,
      ProgramSchema.parse({
        tiers: [
          { name: "Silver", minSpend: 0 },
          { name: "Gold", minSpend: 1000 },
        ],
      }),
      NOW,
    );
    expect(await match({ field: "pointsBalance", op: "eq", value: 300 })).toEqual(["rich"]);
    expect(await match({ field: "pointsBalance", op: "gte", value: 120 })).toEqual(["poor", "rich"]);
    expect(await match({ field: "pointsBalance", op: "lt", value: 0 })).toEqual(["negative"]);
    expect(await match({ field: "tier", op: "eq", value: "Gold" })).toEqual(["rich"]);
    expect(await match({ field: "tier", op: "eq", value: "Silver" })).toEqual(["fresh", "negative", "poor"]);
    expect(await match({ field: "birthdayMonth", op: "eq", value: 5 })).toEqual(["rich"]);
    expect(await match({ field: "birthdayMonth", op: "neq", value: 5 })).toEqual(["poor"]);
    expect(await match({ not: { field: "birthdayMonth", op: "eq", value: 5 } })).toEqual(["fresh", "negative", "poor"]);
    expect(await match({ field: "language", op: "eq", value: "en" })).toEqual(["rich"]);
    expect(await match({ field: "channel", op: "eq", value: "zalo" })).toEqual(["poor"]);
    expect(await match({ field: "channel", op: "in", value: ["telegram", "zalo"] })).toEqual(["poor", "rich"]);
    expect(await match({ field: "channel", op: "neq", value: "telegram" })).toEqual(["fresh", "negative"]);
    expect(await match({ field: "optedIn", op: "eq", value: true })).toEqual(["rich"]);
    expect(await match({ field: "optedIn", op: "neq", value: true })).toEqual(["fresh", "negative", "poor"]);
  });

  it("another merchant's members never appear", async () => {
    const a = await merchantWith({ mine: { orders: [{ at: daysAgo(NOW, 8) }] } });
    const b = await merchantWith({ theirs: { orders: [{ at: daysAgo(NOW, 8) }] } });
    expect(await a.match({ field: "daysSinceLastOrder", op: "eq", value: 8 })).toEqual(["mine"]);
    expect(await b.match({ all: [] })).toEqual(["theirs"]);
    const guest = await addOrder(s.database.db, a.merchantId, null, { at: daysAgo(NOW, 8) });
    expect(guest).toBeTruthy();
    expect(await a.match({ all: [] })).toEqual(["mine"]);
  });
});

// ---- property test: the SQL agrees with a direct JS reading of the same histories ----

interface RefMember {
  key: string;
  spec: MemberSpec;
}

const TZ_OFFSET_MS = 7 * 3_600_000; // Asia/Ho_Chi_Minh has no DST
const localDay = (d: Date) => Math.floor((d.getTime() + TZ_OFFSET_MS) / DAY);

function refValue(m: MemberSpec, c: Condition, now: Date): unknown {
  const seen = (m.orders ?? []).filter((o) => new Date(o.at).getTime() <= now.getTime());
  const inWindow = (o: { at: Date | string }, days: number | null) =>
    days === null || new Date(o.at).getTime() > now.getTime() - days * DAY;
  const total = (o: (typeof seen)[number]) =>
    o.total ?? (o.items ?? []).reduce((s, i) => s + (i.quantity ?? 1) * (i.unitPrice ?? 0), 0);
  switch (c.field) {
    case "daysSinceLastOrder": {
      if (seen.length === 0) return null;
      const last = Math.max(...seen.map((o) => new Date(o.at).getTime()));
      return localDay(now) - localDay(new Date(last));
    }
    case "orderCount":
      return seen.filter((o) => inWindow(o, c.windowDays ?? null) && (total(o) === 0 || (o.refunded ?? 0) < total(o)))
        .length;
    case "netSpend":
      return seen.filter((o) => inWindow(o, c.windowDays ?? 365)).reduce((s, o) => s + total(o) - (o.refunded ?? 0), 0);
    case "pointsBalance":
      return (m.pointsTotal ?? 0) - ((m.pointsTotal ?? 0) > 0 ? (m.pending ?? 0) : 0);
    case "language":
      return m.language ?? "vi";
    case "optedIn":
      return m.optedIn ?? false;
    case "purchasedCategory":
    case "purchasedSku": {
      const bought = new Set<string>();
      for (const o of seen.filter((o) => inWindow(o, c.windowDays ?? 90)))
        for (const i of o.items ?? [])
          if ((i.quantity ?? 1) > (i.refundedQuantity ?? 0))
            bought.add((c.field === "purchasedSku" ? i.sku : i.category) ?? "");
      return bought;
    }
    default:
      throw new Error(`no reference for ${c.field}`);
  }
}

function refMatch(m: MemberSpec, r: Rule, now: Date): boolean {
  if ("all" in r) return r.all.every((x) => refMatch(m, x, now));
  if ("any" in r) return r.any.some((x) => refMatch(m, x, now));
  if ("not" in r) return !refMatch(m, r.not, now);
  const c = r as Condition;
  const v = refValue(m, c, now);
  if (v instanceof Set) {
    const vals = (Array.isArray(c.value) ? c.value : [c.value]).map(String);
    const has = vals.some((x) => v.has(x));
    return c.op === "neq" ? !has : has;
  }
  if (v === null) return false;
  const x = c.value;
  switch (c.op) {
    case "eq":
      return v === x;
    case "neq":
      return v !== x;
    case "gt":
      return (v as number) > (x as number);
    case "gte":
      return (v as number) >= (x as number);
    case "lt":
      return (v as number) < (x as number);
    case "lte":
      return (v as number) <= (x as number);
    case "between":
      return (v as number) >= (x as number[])[0]! && (v as number) <= (x as number[])[1]!;
    case "in":
      return (x as unknown[]).includes(v);
  }
}

const cats = ["coffee", "tea", "cake"];
const orderArb = fc.record({
  daysAgo: fc.integer({ min: 0, max: 420 }),
  minute: fc.integer({ min: 0, max: 1439 }),
  price: fc.integer({ min: 0, max: 3 }).map((n) => n * 100),
  refund: fc.constantFrom("none", "part", "full"),
  cat: fc.constantFrom(...cats),
});
const memberArb = fc.record({
  orders: fc.array(orderArb, { maxLength: 4 }),
  points: fc.integer({ min: -10, max: 300 }),
  pending: fc.integer({ min: 0, max: 100 }),
  optedIn: fc.boolean(),
  lang: fc.constantFrom("vi" as const, "en" as const),
});

const num = (max: number) => fc.integer({ min: 0, max });
const condArb: fc.Arbitrary<Condition> = fc
  .oneof(
    fc.record({
      field: fc.constant("daysSinceLastOrder" as const),
      op: fc.constantFrom("eq" as const, "gte" as const, "lt" as const),
      value: num(120),
    }),
    fc.tuple(num(60), num(60)).map(([a, b]) => ({
      field: "daysSinceLastOrder" as const,
      op: "between" as const,
      value: [Math.min(a, b), Math.max(a, b)],
    })),
    fc.record({
      field: fc.constant("orderCount" as const),
      op: fc.constantFrom("eq" as const, "gte" as const, "lt" as const),
      value: num(4),
      windowDays: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    }),
    fc.record({
      field: fc.constant("netSpend" as const),
      op: fc.constantFrom("gte" as const, "lte" as const, "eq" as const),
      value: num(6).map((n) => n * 100),
      windowDays: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    }),
    fc.record({
      field: fc.constant("pointsBalance" as const),
      op: fc.constantFrom("gte" as const, "lt" as const),
      value: fc.integer({ min: -5, max: 300 }),
    }),
    fc.record({
      field: fc.constant("purchasedCategory" as const),
      op: fc.constantFrom("eq" as const, "neq" as const),
      value: fc.constantFrom(...cats),
      windowDays: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    }),
    fc.record({ field: fc.constant("optedIn" as const), op: fc.constant("eq" as const), value: fc.boolean() }),
    fc.record({
      field: fc.constant("language" as const),
      op: fc.constant("in" as const),
      value: fc.constantFrom(["vi"], ["en"], ["vi", "en"]),
    }),
  )
  .map((c) => {
    const out = { ...c } as Condition;
    if (out.windowDays === undefined) delete out.windowDays;
    return out;
  });
const ruleArb: fc.Arbitrary<Rule> = fc.letrec<{ rule: Rule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    condArb,
    fc.record({ all: fc.array(tie("rule"), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("rule"), { maxLength: 3 }) }),
    fc.record({ not: tie("rule") }),
  ),
})).rule;

describe("property: compiled SQL = reference semantics", () => {
  it("random rules over random histories (incl. times around local midnight)", async () => {
    const members = fc.sample(memberArb, { numRuns: 40, seed: 7 });
    const specs: Record<string, MemberSpec> = {};
    members.forEach((m, i) => {
      specs[`m${String(i).padStart(2, "0")}`] = {
        pointsTotal: m.points,
        pending: m.pending,
        optedIn: m.optedIn,
        language: m.lang,
        orders: m.orders.map((o) => {
          const total = o.price;
          return {
            at: new Date(Date.UTC(2026, 10, 20) - o.daysAgo * DAY - TZ_OFFSET_MS + o.minute * 60_000),
            total,
            refunded: o.refund === "full" ? total : o.refund === "part" ? Math.floor(total / 2) : 0,
            items: [
              {
                sku: `${o.cat}-1`,
                category: o.cat,
                quantity: 2,
                unitPrice: total / 2,
                refundedQuantity: o.refund === "full" ? 2 : o.refund === "part" ? 1 : 0,
              },
            ],
          };
        }),
      };
    });
    const { match } = await merchantWith(specs);
    const refs: RefMember[] = Object.entries(specs).map(([key, spec]) => ({ key, spec }));
    await fc.assert(
      fc.asyncProperty(ruleArb, fc.integer({ min: 0, max: 1439 }), async (rule, minute) => {
        const now = new Date(Date.UTC(2026, 10, 20) - TZ_OFFSET_MS + minute * 60_000);
        const expected = refs
          .filter((r) => refMatch(r.spec, rule, now))
          .map((r) => r.key)
          .sort();
        expect(await match(rule, now)).toEqual(expected);
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});

// ---- HTTP ----

describe("/v1/segments", () => {
  it("POST → 201 {id, name, rule}; GET lists built-ins first; GET one; preview count + sample ≤ 20", async () => {
    const { merchantId, api } = await s.merchant();
    s.clock.set(NOW);
    for (let i = 0; i < 25; i++)
      await addMember(s.database.db, merchantId, { name: `Người ${i}`, orders: [{ at: daysAgo(NOW, 8) }] }, NOW);
    await addMember(s.database.db, merchantId, { name: "Khác", orders: [{ at: daysAgo(NOW, 2) }] }, NOW);
    const rule = { all: [{ field: "daysSinceLastOrder", op: "gte", value: 8 }] };
    const created = await api("POST", "/v1/segments", { name: "Lapsed", rule });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), name: "Lapsed", rule });
    const list = await api("GET", "/v1/segments");
    expect(list.status).toBe(200);
    expect(list.body.segments.map((x: { id: string }) => x.id)).toEqual([
      "recent-7",
      "recent-14",
      "recent-28",
      created.body.id,
    ]);
    expect(list.body.segments[0].rule).toEqual({ field: "daysSinceLastOrder", op: "between", value: [7, 13] });
    const one = await api("GET", `/v1/segments/${created.body.id}`);
    expect(one.body).toMatchObject({ id: created.body.id, name: "Lapsed", rule });
    const preview = await api("GET", `/v1/segments/${created.body.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.body.count).toBe(25);
    expect(preview.body.sample).toHaveLength(20);
    expect(preview.body.sample[0]).toMatchObject({ id: expect.any(String), name: expect.stringMatching(/^Người/) });
    const builtIn = await api("GET", "/v1/segments/recent-7/preview");
    expect(builtIn.body.count).toBe(25);
    const r14 = await api("GET", "/v1/segments/recent-14/preview");
    expect(r14.body).toEqual({ count: 0, sample: [] });
  });

  it("400 with the dotted path; 404 for unknown and other merchants' segments; 401 without a key", async () => {
    const { api } = await s.merchant();
    const bad = await api("POST", "/v1/segments", {
      name: "x",
      rule: { all: [{ field: "shoeSize", op: "eq", value: 42 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(bad.body.type).toMatch(/\/validation$/);
    expect(bad.body.errors[0].path).toBe("rule.all.0.field");
    const op = await api("POST", "/v1/segments", {
      name: "x",
      rule: { any: [{ field: "tier", op: "gte", value: "Gold" }] },
    });
    expect(op.status).toBe(400);
    expect(op.body.errors.map((e: { path: string }) => e.path)).toEqual(["rule.any.0.op"]);
    const val = await api("POST", "/v1/segments", {
      name: "x",
      rule: { not: { field: "orderCount", op: "eq", value: "many" } },
    });
    expect(val.body.errors.map((e: { path: string }) => e.path)).toEqual(["rule.not.value"]);
    const empty = await api("POST", "/v1/segments");
    expect(empty.status).toBe(400);
    expect((await api("GET", "/v1/segments")).body.segments).toHaveLength(3);

    const other = await s.merchant();
    const theirs = await other.api("POST", "/v1/segments", { name: "theirs", rule: { all: [] } });
    expect((await api("GET", `/v1/segments/${theirs.body.id}`)).status).toBe(404);
    expect((await api("GET", `/v1/segments/${theirs.body.id}/preview`)).status).toBe(404);
    expect((await api("GET", "/v1/segments/nope/preview")).body.type).toMatch(/\/segment-not-found$/);
    expect((await fetch(`${s.url}/v1/segments`)).status).toBe(401);
  });

  it("preview uses the injected clock", async () => {
    const { merchantId, api } = await s.merchant();
    await addMember(s.database.db, merchantId, { orders: [{ at: "2026-11-01T05:00:00Z" }] }, NOW);
    s.clock.set("2026-11-08T05:00:00Z");
    expect((await api("GET", "/v1/segments/recent-7/preview")).body.count).toBe(1);
    s.clock.set("2026-11-15T05:00:00Z");
    expect((await api("GET", "/v1/segments/recent-7/preview")).body.count).toBe(0);
    expect((await api("GET", "/v1/segments/recent-14/preview")).body.count).toBe(1);
    expect(await previewSegment(s.database.db, merchantId, { all: [] }, NOW)).toMatchObject({ count: 1 });
  });
});

/** The rule language (validation paths) and the compiler (pure: the SQL it builds), no database. */
import { describe, expect, it } from "vitest";
import { PgDialect } from "drizzle-orm/pg-core";
import { RuleSchema, SegmentInputSchema, windowOf, type Condition, type Rule } from "../../src/segments/rule.ts";
import { compileSegment, impliedDays, segmentMembersQuery } from "../../src/segments/compile.ts";

const dialect = new PgDialect();

function errors(body: unknown): { path: string; message: string }[] {
  const r = SegmentInputSchema.safeParse(body);
  if (r.success) return [];
  return r.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

const paths = (body: unknown) => errors(body).map((e) => e.path);

describe("rule validation", () => {
  it("accepts every field with a fitting operator and value", () => {
    const good: Rule[] = [
      { field: "daysSinceLastOrder", op: "between", value: [7, 13] },
      { field: "orderCount", op: "gte", value: 3, windowDays: 30 },
      { field: "netSpend", op: "gt", value: 1_000_000 },
      { field: "pointsBalance", op: "lt", value: 100 },
      { field: "birthdayMonth", op: "in", value: [1, 12] },
      { field: "tier", op: "in", value: ["Gold", "Silver"] },
      { field: "purchasedCategory", op: "eq", value: "coffee", windowDays: 30 },
      { field: "purchasedSku", op: "neq", value: "CF-01" },
      { field: "language", op: "eq", value: "en" },
      { field: "channel", op: "eq", value: "zalo" },
      { field: "optedIn", op: "eq", value: true },
      { all: [] },
      { any: [{ not: { field: "optedIn", op: "eq", value: false } }] },
    ];
    for (const rule of good) expect(errors({ name: "x", rule }), JSON.stringify(rule)).toEqual([]);
  });

  it("an unknown field → the dotted path of the field", () => {
    expect(paths({ name: "x", rule: { all: [{ field: "favouriteColour", op: "eq", value: "red" }] } })).toEqual([
      "rule.all.0.field",
    ]);
  });

  it("an unknown operator → the path of op", () => {
    expect(
      paths({
        name: "x",
        rule: {
          any: [{ field: "orderCount", op: "eq", value: 1 }, { not: { field: "orderCount", op: "like", value: 1 } }],
        },
      }),
    ).toEqual(["rule.any.1.not.op"]);
  });

  it("an ordering operator on a string or boolean field → 400 at op", () => {
    expect(paths({ name: "x", rule: { field: "tier", op: "gt", value: "Gold" } })).toEqual(["rule.op"]);
    expect(paths({ name: "x", rule: { all: [{ field: "optedIn", op: "between", value: [false, true] }] } })).toEqual([
      "rule.all.0.op",
    ]);
  });

  it("a value of the wrong type → the path of value (or of the array element)", () => {
    expect(paths({ name: "x", rule: { field: "orderCount", op: "eq", value: "3" } })).toEqual(["rule.value"]);
    expect(paths({ name: "x", rule: { field: "orderCount", op: "eq", value: 2.5 } })).toEqual(["rule.value"]);
    expect(paths({ name: "x", rule: { field: "optedIn", op: "eq", value: "yes" } })).toEqual(["rule.value"]);
    expect(paths({ name: "x", rule: { field: "tier", op: "eq", value: 3 } })).toEqual(["rule.value"]);
    expect(paths({ name: "x", rule: { all: [{ field: "tier", op: "in", value: ["Gold", 3] }] } })).toEqual([
      "rule.all.0.value.1",
    ]);
    expect(paths({ name: "x", rule: { field: "daysSinceLastOrder", op: "between", value: [7] } })).toEqual([
      "rule.value",
    ]);
    expect(paths({ name: "x", rule: { field: "daysSinceLastOrder", op: "between", value: [13, 7] } })).toEqual([
      "rule.value",
    ]);
    expect(paths({ name: "x", rule: { field: "daysSinceLastOrder", op: "between", value: 7 } })).toEqual([
      "rule.value",
    ]);
    expect(paths({ name: "x", rule: { field: "orderCount", op: "in", value: [] } })).toEqual(["rule.value"]);
    expect(paths({ name: "x", rule: { field: "birthdayMonth", op: "eq", value: 13 } })).toEqual(["rule.value"]);
    expect(paths({ name: "x", rule: { field: "language", op: "eq", value: "fr" } })).toEqual(["rule.value"]);
    expect(paths({ name: "x", rule: { field: "channel", op: "eq", value: "sms" } })).toEqual(["rule.value"]);
  });

  it("missing parts, mixed nodes, stray keys and windowDays where it does not apply", () => {
    expect(paths({ name: "x", rule: { field: "orderCount", op: "eq" } })).toEqual(["rule.value"]);
    expect(paths({ name: "x", rule: { op: "eq", value: 1 } })).toEqual(["rule.field"]);
    expect(paths({ name: "x", rule: { all: [], any: [] } })).toEqual(["rule"]);
    expect(paths({ name: "x", rule: {} })).toEqual(["rule"]);
    expect(paths({ name: "x", rule: { all: [{ field: "optedIn", op: "eq", value: true, windowDays: 7 }] } })).toEqual([
      "rule.all.0.windowDays",
    ]);
    expect(paths({ name: "x", rule: { all: [{ field: "orderCount", op: "eq", value: 1, windowDays: 0 }] } })).toEqual([
      "rule.all.0.windowDays",
    ]);
    expect(paths({ name: "x", rule: { all: "nope" } })).toEqual(["rule.all"]);
    expect(paths({ name: "x", rule: "everyone" })).toEqual(["rule"]);
    expect(paths({ rule: { all: [] } })).toEqual(["name"]);
    expect(paths({ name: "x" })).toEqual(["rule"]);
    expect(paths({ name: "x", rule: { all: [{ field: "orderCount", op: "eq", value: 1, extra: 1 }] } })).toContain(
      "rule.all.0",
    );
  });

  it("limits nesting depth and size", () => {
    let deep: Rule = { field: "optedIn", op: "eq", value: true };
    for (let i = 0; i < 20; i++) deep = { not: deep };
    expect(paths({ name: "x", rule: deep })).toEqual(["rule"]);
    const wide = {
      any: Array.from({ length: 99 }, () => ({
        all: [
          { field: "optedIn", op: "eq", value: true },
          { field: "optedIn", op: "eq", value: true },
        ],
      })),
    };
    expect(paths({ name: "x", rule: wide })).toEqual(["rule"]);
  });

  it("window defaults: orderCount all time, netSpend 365, purchased* 90", () => {
    expect(windowOf({ field: "orderCount", op: "gt", value: 1 })).toBeNull();
    expect(windowOf({ field: "netSpend", op: "gt", value: 1 })).toBe(365);
    expect(windowOf({ field: "purchasedSku", op: "eq", value: "A" })).toBe(90);
    expect(windowOf({ field: "purchasedCategory", op: "eq", value: "A", windowDays: 7 })).toBe(7);
    expect(windowOf({ field: "tier", op: "eq", value: "A" })).toBeUndefined();
  });

  it("RuleSchema parses a rule as given (what is stored is what was sent)", () => {
    const rule = {
      all: [
        { field: "netSpend", op: "gte", value: 5, windowDays: 30 },
        { not: { field: "channel", op: "in", value: ["zalo"] } },
      ],
    };
    expect(RuleSchema.parse(rule)).toEqual(rule);
  });
});

describe("compiler", () => {
  const ctx = {
    merchantId: "mer_1",
    now: new Date("2026-11-20T03:00:00Z"),
    timezone: "Asia/Ho_Chi_Minh",
    defaultTier: "Member",
  };
  const render = (rule: Rule, stats = true) => {
    const c = compileSegment(rule, ctx, { stats });
    return dialect.sqlToQuery(segmentMembersQuery(c, "mer_1"));
  };

  it("one query over members; conditions sharing an order window share one derived table", () => {
    const q = render({
      all: [
        { field: "daysSinceLastOrder", op: "gte", value: 7 },
        { field: "orderCount", op: "gte", value: 2 },
        { field: "netSpend", op: "gte", value: 100, windowDays: 30 },
        { field: "netSpend", op: "lte", value: 900, windowDays: 30 },
      ],
    });
    expect(q.sql.startsWith("select m.id as member_id from members m ")).toBe(true);
    // all-time (days since, count) and 30-day (net spend ×2): two order aggregates.
    expect(q.sql.match(/from orders o where/g)?.length).toBe(2);
    expect(q.sql).toContain("group by o.member_id");
    expect(q.sql).not.toMatch(/\bfor\b|\bloop\b/i);
    expect(q.params).toContain("mer_1");
    expect(q.params).toContain("Asia/Ho_Chi_Minh");
  });

  it("every condition is two-valued: nullable facts are wrapped so `not` is a complement", () => {
    const q = render({ not: { field: "daysSinceLastOrder", op: "between", value: [7, 13] } });
    expect(q.sql).toMatch(/\(not coalesce\(/);
    const b = render({ not: { field: "birthdayMonth", op: "eq", value: 5 } });
    expect(b.sql).toMatch(/\(not coalesce\(/);
    // orderCount/netSpend default to 0, so no coalesce(…, false) needed: the aggregate itself is coalesced.
    const c = render({ field: "orderCount", op: "lt", value: 2 });
    expect(c.sql).toContain("coalesce(oa1.order_count, 0)");
  });

  it("a top-level conjunct that needs an order row turns its aggregate into an INNER JOIN filtered with HAVING", () => {
    const rule: Rule = { field: "daysSinceLastOrder", op: "gte", value: 7 }; // not range-restricted (no upper bound)
    expect(render(rule, false).sql).toMatch(
      /from members m join \(select o\.member_id, max\(o\.placed_at\) as last_at from orders o .* group by o\.member_id having /,
    );
    // From member_stats (issue 18): the same filter as a WHERE over the summary row.
    expect(render(rule).sql).toMatch(
      /from members m join \(select u\.member_id, .* from member_stats st .*\) u where .*\(u\.last_at at time zone/,
    );
    // Not under `not`/`any`, and not when members without orders match (orderCount < 2 matches 0 orders).
    expect(render({ not: { field: "daysSinceLastOrder", op: "between", value: [7, 13] } }).sql).toContain(
      "members m left join",
    );
    expect(
      render({
        any: [
          { field: "daysSinceLastOrder", op: "eq", value: 7 },
          { field: "optedIn", op: "eq", value: true },
        ],
      }).sql,
    ).toContain("members m left join");
    expect(render({ all: [{ field: "orderCount", op: "lt", value: 2 }] }).sql).toContain("members m left join");
    expect(
      render({
        all: [{ field: "orderCount", op: "gte", value: 2 }, { all: [{ field: "purchasedSku", op: "eq", value: "A" }] }],
      }).sql,
    ).not.toContain("left join");
  });

  it("empty all = every member, empty any = nobody", () => {
    expect(render({ all: [] }).sql).toMatch(/and true$/);
    expect(render({ any: [] }).sql).toMatch(/and false$/);
  });

  it("windows are N × 24 hours before now; values are parameters, never spliced into the SQL", () => {
    const q = render({
      field: "purchasedCategory",
      op: "in",
      value: ["coffee'; drop table members; --", "tea"],
      windowDays: 10,
    });
    expect(q.params).toContain(new Date(ctx.now.getTime() - 10 * 86_400_000).toISOString());
    expect(q.sql).not.toContain("drop table");
    expect(q.params).toContain("coffee'; drop table members; --");
  });
});

describe("recency range restriction", () => {
  const ctx = {
    merchantId: "mer_1",
    now: new Date("2026-11-20T03:00:00Z"),
    timezone: "Asia/Ho_Chi_Minh",
    defaultTier: null,
  };
  const d = (op: Condition["op"], value: Condition["value"]): Rule => ({ field: "daysSinceLastOrder", op, value });
  const sqlOf = (rule: Rule, rangeRestrict = true, stats = false) =>
    dialect.sqlToQuery(segmentMembersQuery(compileSegment(rule, ctx, { rangeRestrict, stats }), "mer_1")).sql;
  const restricted = (rule: Rule) =>
    /o\.placed_at >= \(\(\(.* - \$\d+::int\)::timestamp at time zone/.test(sqlOf(rule));
  // With member_stats the range is one on the summary's last order (an index range of member_stats_last_idx), its
  // bound computed once (a scalar sub-select).
  const statsRestricted = (rule: Rule) =>
    /u\.last_at >= \(select \(\(\(.* - \$\d+::int\)::timestamp at time zone/.test(sqlOf(rule, true, true));

  it("impliedDays: the daysSinceLastOrder interval every matching member is in (sound: all intersects, any needs every branch, not implies nothing)", () => {
    expect(impliedDays(d("between", [7, 13]))).toEqual({ lo: 7, hi: 13 });
    expect(impliedDays(d("lt", 30))).toEqual({ lo: -Infinity, hi: 29 });
    expect(impliedDays(d("in", [3, 40, 9]))).toEqual({ lo: 3, hi: 40 });
    expect(impliedDays(d("gte", 30))).toEqual({ lo: 30, hi: Infinity });
    expect(impliedDays(d("neq", 3)).hi).toBe(Infinity);
    expect(impliedDays({ all: [d("lte", 59), d("gte", 14), { field: "optedIn", op: "eq", value: true }] })).toEqual({
      lo: 14,
      hi: 59,
    });
    expect(impliedDays({ any: [d("between", [7, 13]), d("between", [28, 59])] })).toEqual({ lo: 7, hi: 59 });
    expect(impliedDays({ any: [d("between", [7, 13]), { field: "optedIn", op: "eq", value: true }] }).hi).toBe(
      Infinity,
    );
    expect(impliedDays({ not: d("gt", 13) }).hi).toBe(Infinity);
    expect(impliedDays({ any: [] }).hi).toBe(Infinity);
  });

  it("only rules that bound the last order from above read a date range, and then through an INNER JOIN", () => {
    expect(restricted(d("between", [7, 13]))).toBe(true);
    expect(sqlOf(d("between", [7, 13]))).toMatch(
      /^select m\.id as member_id from members m join \(select o\.member_id, max\(o\.placed_at\)/,
    );
    expect(restricted({ all: [d("lt", 30), { not: d("eq", 3) }] })).toBe(true);
    expect(restricted({ any: [d("eq", 3), d("eq", 9)] })).toBe(true);
    expect(restricted({ any: [d("eq", 3), { field: "optedIn", op: "eq", value: true }] })).toBe(false);
    expect(restricted({ not: d("gt", 30) })).toBe(false);
    expect(restricted(d("gte", 30))).toBe(false);
    expect(restricted(d("between", [7, 13]))).toBe(true);
    expect(/placed_at >= \(\(\(/.test(sqlOf(d("between", [7, 13]), false))).toBe(false);
    // A bound too large for date arithmetic is simply not used.
    expect(restricted(d("lt", 9_000_000_000_000))).toBe(false);
    expect(statsRestricted(d("between", [7, 13]))).toBe(true);
    expect(sqlOf(d("between", [7, 13]), true, true)).toMatch(
      /^select m\.id as member_id from members m join \(select u\./,
    );
    expect(statsRestricted({ any: [d("eq", 3), { field: "optedIn", op: "eq", value: true }] })).toBe(false);
    expect(statsRestricted(d("gte", 30))).toBe(false);
  });
});

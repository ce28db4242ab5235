/**
 * Rule → SQL (pure). A rule compiles to ONE query over the merchant's members: every order/points/channel fact a
 * rule needs is one pre-aggregated derived table (one row per member) LEFT JOINed on the member id, and the rule
 * itself becomes a WHERE over members and those tables. All-time order facts (last order, order count, net spend)
 * are read from the per-member summary `member_stats` (docs/member-stats.md); windowed ones from orders. Postgres plans this as hash joins over one pass of each
 * table, whatever the size of the merchant — never a loop over members, never a per-member subquery.
 *
 * Every condition is two-valued: a fact a member lacks (no order yet, no birthday) makes the condition false, so
 * `not` is the exact complement within the merchant's members.
 */
import { sql, type SQL } from "drizzle-orm";
import { isCondition, windowOf, type Condition, type Op, type Rule, type Scalar } from "./rule.ts";

export interface CompileContext {
  merchantId: string;
  /** "Now" for windows and calendar days (the injected clock, so tests can move time). */
  now: Date;
  /** The merchant's IANA time zone (calendar days of daysSinceLastOrder). */
  timezone: string;
  /** Tier name of members with no stored tier yet (the program's entry tier), or null. */
  defaultTier: string | null;
  /**
   * The local midnights a rule's recency bounds need, resolved by Postgres before compiling (`dayBoundsQuery`,
   * `withDayBounds` in days.ts). Given, the statement carries them as constants: no sub-selects, and where the zone's
   * offset is constant around both bounds the recency range is exact, so the calendar test it implies is dropped —
   * a recent-N count is then the bare index range count. Absent, the same bounds are computed inside the statement.
   */
  days?: ReadonlyMap<number, DayBound>;
}

/** Local midnight of the calendar day `today − n` in the merchant's zone, and whether the offset is constant ±1 day. */
export interface DayBound {
  start: Date;
  exact: boolean;
}

export interface CompiledSegment {
  /** `LEFT JOIN (…) alias ON alias.member_id = m.id …` — the derived tables the rule needs. */
  joins: SQL;
  /** A boolean over `m` (members) and the joined tables; never NULL. */
  where: SQL;
  /** `name as (…)` common table expressions the joins refer to, if any. */
  ctes?: SQL;
  /** How many derived tables `joins` has (0: the rule reads members' own columns only). */
  sources?: number;
  /**
   * Set when the rule reads only all-time order facts and needs an order (its one source, `member_stats`-backed, is
   * INNER JOINed) and no member column: `(…) alias`, whose rows filtered by `where` are exactly the matches — so a
   * count or a page of ids need not read `members` at all (every summary row has its member, same merchant).
   */
  cohort?: SQL;
  /** The recency bounds (`n` of today − n) this statement computes itself; resolve them with withDayBounds (days.ts). */
  days?: number[];
  /**
   * The same cohort as two `(…) alias` parts whose union it is (summary rows; members with a future-dated order):
   * a count sums the two, so Postgres flattens the first into a bare index-only count (no Append, no sub-query scan).
   */
  cohortParts?: [SQL, SQL];
}

const DAY_MS = 86_400_000;

interface OrderAgg {
  kind: "orders";
  alias: string;
  windowDays: number | null;
  /**
   * Set when the whole rule implies daysSinceLastOrder ∈ [lo, hi]: only orders from the local day `today − hi` on
   * can be a matching member's last order, and a member with an order on or after the day `today − lo + 1` cannot
   * match — so the aggregate reads the orders of that range only, less members with a later one (each bound a day
   * wider, so a DST or calendar quirk at local midnight never cuts off a qualifying order; the exact calendar-day
   * test stays in the HAVING and the WHERE).
   */
  recent?: { hi: number; lo?: number };
  columns: Set<"last_at" | "order_count" | "net_spend">;
  /** Set when a top-level conjunct needs a row here: INNER JOIN, with these HAVING filters. */
  required?: boolean;
  having?: SQL[];
}
interface SetSource {
  kind: "purchased" | "channel" | "store";
  required?: boolean;
  alias: string;
  column?: "category" | "sku";
  windowDays?: number;
  values: string[];
}
interface PendingSource {
  kind: "pending";
  alias: string;
  required?: boolean;
}
type Source = OrderAgg | SetSource | PendingSource;

class Compiler {
  readonly sources = new Map<string, Source>();
  readonly ctx: CompileContext;
  readonly nowParam: SQL;

  /** What the rule implies about daysSinceLastOrder of every member it matches (usable bounds only), or undefined. */
  readonly bounds: { hi: number; lo?: number } | undefined;

  /** Whether all-time order facts come from `member_stats` (else from a GROUP BY over orders — the plain form). */
  readonly stats: boolean;

  /** Whether the other order aggregates may be narrowed to the recency cohort (see joins()). */
  readonly narrowing: boolean;

  constructor(
    ctx: CompileContext,
    bounds: { hi: number; lo?: number } | undefined,
    stats: boolean,
    narrowing: boolean,
  ) {
    this.ctx = ctx;
    this.nowParam = sql`${ctx.now.toISOString()}::timestamptz`;
    this.bounds = bounds;
    this.stats = stats;
    this.narrowing = narrowing;
  }

  /** An order aggregate served by `member_stats`: all time (the recency one included), when stats are on. */
  fromStats(s: OrderAgg): boolean {
    return this.stats && s.windowDays === null;
  }

  /**
   * A windowed aggregate narrowed to a recency cohort read from `member_stats`: a cohort member whose first order is
   * inside the window has all its orders there, so its windowed facts are its all-time ones (no orders read); only
   * members with an order before the window have their window's orders aggregated.
   */
  split(s: OrderAgg): boolean {
    return this.stats && this.narrowing && s.windowDays !== null && this.sources.has("recent");
  }

  /** The per-member order facts of a source, as aggregates over `o` (orders) or as columns of the row `u`. */
  facts(s: OrderAgg): { last: SQL; count: SQL; net: SQL } {
    return this.fromStats(s) || this.split(s) ? STATS_FACTS : ORDER_FACTS;
  }

  /** The last order of the members whose last order can be in the implied range (the rule excludes everyone else). */
  recent(bounds: { hi: number; lo?: number }): string {
    let s = this.sources.get("recent") as OrderAgg | undefined;
    if (!s) {
      s = {
        kind: "orders",
        alias: this.nextAlias("ra"),
        windowDays: null,
        recent: bounds,
        columns: new Set(["last_at"]),
        required: true,
      };
      this.sources.set("recent", s);
    }
    this.lastSource = s;
    return s.alias;
  }

  private nextAlias(prefix: string): string {
    return `${prefix}${this.sources.size + 1}`;
  }

  orders(windowDays: number | null, column: "last_at" | "order_count" | "net_spend"): string {
    const key = `orders:${windowDays ?? "all"}`;
    let s = this.sources.get(key) as OrderAgg | undefined;
    if (!s) {
      s = { kind: "orders", alias: this.nextAlias("oa"), windowDays, columns: new Set() };
      this.sources.set(key, s);
    }
    s.columns.add(column);
    this.lastSource = s;
    return s.alias;
  }

  set(
    kind: "purchased" | "channel" | "store",
    values: string[],
    column?: "category" | "sku",
    windowDays?: number,
  ): string {
    const sorted = [...new Set(values)].sort();
    const key = `${kind}:${column ?? ""}:${windowDays ?? ""}:${JSON.stringify(sorted)}`;
    let s = this.sources.get(key);
    if (!s) {
      s = {
        kind,
        alias: this.nextAlias(kind === "channel" ? "ch" : kind === "store" ? "st" : "pu"),
        values: sorted,
        ...(column ? { column } : {}),
        ...(windowDays !== undefined ? { windowDays } : {}),
      };
      this.sources.set(key, s);
    }
    this.lastSource = s;
    return s.alias;
  }

  pending(): string {
    let s = this.sources.get("pending");
    if (!s) {
      s = { kind: "pending", alias: this.nextAlias("pp") };
      this.sources.set("pending", s);
    }
    return s.alias;
  }

  /** The instant the local calendar day `today − n` starts, as Postgres computes it in the merchant's time zone. */
  dayStart(n: number): SQL {
    const resolved = this.ctx.days?.get(n);
    if (resolved) return sql`${resolved.start.toISOString()}::timestamptz`;
    this.daysAsked.add(n);
    return this.localMidnight(n);
  }

  /** dayStart(n) computed in the statement (also the query that resolves it beforehand, dayBoundsQuery). */
  localMidnight(n: number): SQL {
    const today = sql`(${this.nowParam} at time zone ${this.ctx.timezone}::text)::date`;
    return sql`((${today} - ${n}::int)::timestamp at time zone ${this.ctx.timezone}::text)`;
  }

  /**
   * An instant test that implies the calendar-day condition `c` on daysSinceLastOrder (undefined when there is no
   * usable one): the last order more than a day after local midnight of `today − hi` and more than a day before
   * local midnight of `today − lo + 1`. A day of margin on each side, so a DST shift or an ambiguous midnight never
   * makes it claim a row the calendar test would reject.
   */
  surelyInside(last: SQL, c: Condition): SQL | undefined {
    if (!["eq", "between", "lt", "lte", "gt", "gte"].includes(c.op)) return undefined;
    const { lo, hi } = conditionDays(c);
    const usable = (n: number) => Number.isInteger(n) && n >= -1 && n <= MAX_RECENT_DAYS;
    if (!(lo <= hi) || (Number.isFinite(lo) && !usable(lo)) || (Number.isFinite(hi) && !usable(hi))) return undefined;
    const parts: SQL[] = [];
    // Each bound a scalar sub-select: Postgres evaluates it once (an InitPlan), not per row (timestamptz ± interval
    // is only STABLE, so it is not folded at planning and would convert through the session time zone every row).
    if (Number.isFinite(hi)) parts.push(sql`${last} >= ${this.edge(hi, 1, "margin")}`);
    if (Number.isFinite(lo)) parts.push(sql`${last} < ${this.edge(lo - 1, -1, "margin")}`);
    return parts.length ? sql`(${sql.join(parts, sql` and `)})` : undefined;
  }

  /**
   * How far the calendar-day boundary at local midnight of `today − n` can be from `dayStart(n)`: nothing when the
   * zone's UTC offset is the same all through the day before and the day after (sampled every 15 minutes) — then
   * every instant of that band has the local date the instant comparison says — else a day (a DST change, an
   * ambiguous or skipped midnight nearby: the exact calendar-day test decides the rows of the band).
   */
  margin(n: number): SQL {
    const tz = this.ctx.timezone;
    const start = this.localMidnight(n);
    return sql`(select case when min(x.off) = max(x.off) then interval '0' else interval '1 day' end from (select (g.t at time zone ${tz}::text) - (g.t at time zone 'UTC') as off from generate_series(${start} - interval '1 day', ${start} + interval '1 day', interval '15 minutes') as g(t)) x)`;
  }

  /**
   * dayStart(n) moved `dir` (later +1, earlier −1) by its margin (`"margin"`) or by a whole day (`"day"`). Resolved,
   * a constant; else computed once per statement (a scalar sub-select for the margin) — never per row.
   */
  edge(n: number, dir: 1 | -1, by: "margin" | "day"): SQL {
    const resolved = this.ctx.days?.get(n);
    if (resolved) {
      const shift = by === "day" || !resolved.exact ? DAY_MS : 0;
      return sql`${new Date(resolved.start.getTime() + dir * shift).toISOString()}::timestamptz`;
    }
    const op = sql.raw(dir === 1 ? "+" : "-");
    return by === "day"
      ? sql`${this.dayStart(n)} ${op} interval '1 day'`
      : sql`(select ${this.dayStart(n)} ${op} ${this.margin(n)})`;
  }

  /**
   * Whether every row of the recency aggregate satisfies `c`: the aggregate reads member_stats over an exact range
   * (both bounds resolved with no margin) that `c`'s days contain — its rows have local days since their last order
   * in [lo, hi] (≥ 0 without lo: a last order not after now), so `c` reduces to "has a row" (it may be LEFT JOINed).
   */
  impliedByRange(c: Condition): boolean {
    const b = this.bounds;
    if (!b || !this.stats || !["eq", "between", "lt", "lte", "gt", "gte"].includes(c.op)) return false;
    if (!this.exactDay(b.hi) || (b.lo !== undefined && !this.exactDay(b.lo - 1))) return false;
    const days = conditionDays(c);
    return days.lo <= (b.lo ?? 0) && days.hi >= b.hi;
  }

  /** Whether dayStart(n) is resolved and exact (the recency range's bound at n is the calendar bound itself). */
  exactDay(n: number): boolean {
    return this.ctx.days?.get(n)?.exact === true;
  }

  windowStart(days: number): SQL {
    return sql`${new Date(this.ctx.now.getTime() - days * DAY_MS).toISOString()}::timestamptz`;
  }

  /** The rules joined by `op`, in parentheses; `empty` (the operator's identity) when there are none. */
  private junction(rules: Rule[], op: SQL, empty: SQL): SQL {
    return rules.length === 0
      ? empty
      : sql`(${sql.join(
          rules.map((x) => this.rule(x)),
          op,
        )})`;
  }

  rule(r: Rule): SQL {
    if ("all" in r) return this.junction(r.all, sql` and `, sql`true`);
    if ("any" in r) return this.junction(r.any, sql` or `, sql`false`);
    if ("not" in r) return sql`(not ${this.rule(r.not)})`;
    if (isCondition(r)) return this.condition(r);
    throw new Error("unreachable: invalid rule node");
  }

  /** The source the last compiled condition read (for the required-source optimisation). */
  lastSource: Source | undefined;

  /** Whether a compiled condition reads a column of `m` (members). */
  usesMember = false;

  condition(c: Condition): SQL {
    this.lastSource = undefined;
    if (!["daysSinceLastOrder", "orderCount", "netSpend"].includes(c.field)) this.usesMember = true;
    switch (c.field) {
      case "daysSinceLastOrder": {
        const a = this.bounds === undefined ? this.orders(null, "last_at") : this.recent(this.bounds);
        const today = sql`(${this.nowParam} at time zone ${this.ctx.timezone}::text)::date`;
        const last = sql`(${sql.raw(a)}.last_at at time zone ${this.ctx.timezone}::text)::date`;
        const exact = nullable(compare(sql`(${today} - ${last})`, c.op, c.value, "number"));
        // Range-restricted forms only: the plain form (`rangeRestrict: false`) keeps the bare calendar test, so the
        // property test in test/segments/recency.db.test.ts compares the two.
        if (this.impliedByRange(c)) return sql`(${sql.raw(a)}.last_at is not null)`;
        const inner = this.bounds === undefined ? undefined : this.surelyInside(sql`${sql.raw(a)}.last_at`, c);
        // Rows more than a day inside the local-midnight instants (constants, folded once per query) match without
        // the per-row time-zone conversion; only the rows near either bound take the exact calendar-day test.
        return inner ? sql`(coalesce(${inner}, false) or ${exact})` : exact;
      }
      case "orderCount": {
        const a = this.orders(windowOf(c) ?? null, "order_count");
        return compare(sql`coalesce(${sql.raw(a)}.order_count, 0)`, c.op, c.value, "number");
      }
      case "netSpend": {
        const a = this.orders(windowOf(c) ?? null, "net_spend");
        return compare(sql`coalesce(${sql.raw(a)}.net_spend, 0)`, c.op, c.value, "number");
      }
      case "pointsBalance": {
        const a = this.pending();
        return compare(
          sql`(m.points_total - case when m.points_total > 0 then coalesce(${sql.raw(a)}.pending, 0) else 0 end)`,
          c.op,
          c.value,
          "number",
        );
      }
      case "birthdayMonth":
        return nullable(compare(sql`extract(month from m.birthday)::int`, c.op, c.value, "number"));
      case "tier":
        return nullable(
          compare(
            this.ctx.defaultTier === null
              ? sql`m.tier_name`
              : sql`coalesce(m.tier_name, ${this.ctx.defaultTier}::text)`,
            c.op,
            c.value,
            "string",
          ),
        );
      case "language":
        return nullable(compare(sql`m.language`, c.op, c.value, "string"));
      case "optedIn":
        return nullable(compare(sql`m.opted_in`, c.op, c.value, "boolean"));
      case "purchasedCategory":
      case "purchasedSku":
      case "store":
      case "channel": {
        // Membership facts: eq/in = "has one of these", neq = "has none of these".
        const values = (Array.isArray(c.value) ? c.value : [c.value]).map(String);
        const a =
          c.field === "channel"
            ? this.set("channel", values)
            : c.field === "store"
              ? this.set("store", values, undefined, windowOf(c) ?? 90)
              : this.set("purchased", values, c.field === "purchasedCategory" ? "category" : "sku", windowOf(c) ?? 90);
        return c.op === "neq" ? sql`(${sql.raw(a)}.member_id is null)` : sql`(${sql.raw(a)}.member_id is not null)`;
      }
    }
  }

  /**
   * A top-level conjunct that is false for members without a row in its source lets that source be an INNER JOIN
   * (and, for order aggregates, filter its groups with HAVING): members it removes fail the rule anyway, and the
   * join then only has to match the few members left instead of every member with an order.
   */
  pushConjunct(c: Condition): void {
    const cond = this.condition(c);
    void cond;
    const src = this.lastSource;
    if (!src) return;
    if (src.kind === "orders") {
      const tz = this.ctx.timezone;
      let aggExpr: SQL | undefined;
      if (c.field === "daysSinceLastOrder") {
        // A range-restricted aggregate holds little beyond its matches already; a HAVING would only hide its row
        // count from the planner (which then probes members one by one instead of hashing them).
        if (src.recent) return;
        const last = this.facts(src).last;
        const today = sql`(${this.nowParam} at time zone ${tz}::text)::date`;
        aggExpr = sql`(${today} - (${last} at time zone ${tz}::text)::date)`;
        // Cheap instant comparisons first (Postgres evaluates the cheapest quals first), each a day wider than the
        // calendar range, so the time-zone conversion of the exact test only runs for the few groups near it.
        const { lo, hi } = conditionDays(c);
        const pre: SQL[] = [];
        if (hi <= MAX_RECENT_DAYS) pre.push(sql`${last} >= ${this.edge(Math.max(hi, -1), -1, "day")}`);
        if (lo >= 1 && lo <= MAX_RECENT_DAYS) pre.push(sql`${last} < ${this.edge(lo - 1, 1, "day")}`);
        (src.having ??= []).push(...pre);
      } else if (c.field === "orderCount" && !holdsFor(0, c)) {
        aggExpr = this.facts(src).count;
      } else if (c.field === "netSpend" && !holdsFor(0, c)) {
        aggExpr = this.facts(src).net;
      }
      if (!aggExpr) return;
      src.required = true;
      (src.having ??= []).push(compare(aggExpr, c.op, c.value, "number"));
    } else if ((src.kind === "purchased" || src.kind === "channel" || src.kind === "store") && c.op !== "neq") {
      src.required = true;
    }
  }

  /** The `n`s of dayStart(n) this compilation needed and the context did not resolve (see CompileContext.days). */
  readonly daysAsked = new Set<number>();

  /** Set by joins(): the recency aggregate as a CTE, when other order aggregates are narrowed to its members. */
  ctes: SQL | undefined;

  joins(narrowing: boolean): SQL {
    const parts: SQL[] = [];
    const mid = this.ctx.merchantId;
    const recent = this.sources.get("recent");
    // Every match is in the (INNER JOINed) recency aggregate, so the other order aggregates only need its members:
    // computed once as a CTE, it turns "per-member facts over a year of orders" into facts of a few members.
    const narrow =
      narrowing && recent !== undefined && [...this.sources.values()].some((s) => s.kind === "orders" && s !== recent);
    for (const s of this.sources.values()) {
      const alias = sql.raw(s.alias);
      if (s.kind === "orders" && this.fromStats(s)) {
        const body = this.statsBody(s);
        if (narrow && s === recent) {
          this.ctes = sql`${alias} as materialized (${body})`;
          parts.push(sql`join ${alias} on ${alias}.member_id = m.id`);
        } else parts.push(sql`${joinKind(s.required)} (${body}) ${alias} on ${alias}.member_id = m.id`);
      } else if (s.kind === "orders" && narrow && this.split(s)) {
        const r = sql.raw(recent!.alias);
        const ws = this.windowStart(s.windowDays!);
        const having = s.having?.length ? sql` where ${sql.join(s.having, sql` and `)}` : sql``;
        parts.push(
          sql`${joinKind(s.required)} (select u.member_id, u.order_count, u.net_spend from (select r.member_id, r.order_count, r.net_spend from ${r} r where r.first_at > ${ws} union all select o.member_id, ${ORDER_FACTS.count}, ${ORDER_FACTS.net} from orders o join ${r} r on r.member_id = o.member_id where r.first_at <= ${ws} and o.merchant_id = ${mid} and o.placed_at > ${ws} and o.placed_at <= ${this.nowParam} group by o.member_id) u${having}) ${alias} on ${alias}.member_id = m.id`,
        );
      } else if (s.kind === "orders") {
        const f = this.facts(s);
        const cols: SQL[] = [sql`o.member_id`];
        if (s.columns.has("last_at")) cols.push(sql`${f.last} as last_at`);
        if (s.columns.has("order_count")) cols.push(sql`${f.count} as order_count`);
        if (s.columns.has("net_spend")) cols.push(sql`${f.net} as net_spend`);
        let from = s.windowDays === null ? sql`` : sql` and o.placed_at > ${this.windowStart(s.windowDays)}`;
        if (s.recent) {
          // Local midnight of today − N, as Postgres computes it; a day earlier still, so a DST or calendar quirk at
          // midnight can never cut off a qualifying order (the exact calendar-day test stays in the WHERE/HAVING).
          from = sql`${from} and o.placed_at >= ${this.edge(s.recent.hi, -1, "day")}`;
          if (s.recent.lo !== undefined) {
            const later = this.edge(s.recent.lo - 1, 1, "day");
            from = sql`${from} and o.placed_at < ${later} and not exists (select 1 from orders o2 where o2.merchant_id = ${mid} and o2.member_id = o.member_id and o2.placed_at >= ${later} and o2.placed_at <= ${this.nowParam})`;
          }
        }
        const having = s.having?.length ? sql` having ${sql.join(s.having, sql` and `)}` : sql``;
        const body = sql`select ${sql.join(cols, sql`, `)} from orders o where o.merchant_id = ${mid} and o.member_id is not null and o.placed_at <= ${this.nowParam}${from} group by o.member_id${having}`;
        if (narrow && s === recent) {
          this.ctes = sql`${alias} as materialized (${body})`;
          parts.push(sql`join ${alias} on ${alias}.member_id = m.id`);
        } else if (narrow) {
          const only = sql` join ${sql.raw(recent!.alias)} r on r.member_id = o.member_id`;
          parts.push(
            sql`${joinKind(s.required)} (select ${sql.join(cols, sql`, `)} from orders o${only} where o.merchant_id = ${mid} and o.member_id is not null and o.placed_at <= ${this.nowParam}${from} group by o.member_id${having}) ${alias} on ${alias}.member_id = m.id`,
          );
        } else parts.push(sql`${joinKind(s.required)} (${body}) ${alias} on ${alias}.member_id = m.id`);
      } else if (s.kind === "purchased") {
        const col = sql.raw(s.column === "category" ? "i.category" : "i.sku");
        parts.push(
          sql`${joinKind(s.required)} (select distinct o.member_id from order_items i join orders o on o.id = i.order_id where i.merchant_id = ${mid} and o.merchant_id = ${mid} and o.member_id is not null and o.placed_at > ${this.windowStart(s.windowDays ?? 90)} and o.placed_at <= ${this.nowParam} and i.quantity > i.refunded_quantity and ${col} in (${sql.join(
            s.values.map((v) => sql`${v}`),
            sql`, `,
          )})) ${alias} on ${alias}.member_id = m.id`,
        );
      } else if (s.kind === "store") {
        // Members with an order at one of the stores in the window (orders refunded in full do not count).
        parts.push(
          sql`${joinKind(s.required)} (select distinct o.member_id from orders o where o.merchant_id = ${mid} and o.member_id is not null and o.store_id in (${sql.join(
            s.values.map((v) => sql`${v}`),
            sql`, `,
          )}) and o.placed_at > ${this.windowStart(s.windowDays ?? 90)} and o.placed_at <= ${this.nowParam} and (o.total = 0 or o.refunded_total < o.total)) ${alias} on ${alias}.member_id = m.id`,
        );
      } else if (s.kind === "channel") {
        parts.push(
          sql`${joinKind(s.required)} (select distinct ci.member_id from channel_identities ci where ci.merchant_id = ${mid} and ci.channel in (${sql.join(
            s.values.map((v) => sql`${v}`),
            sql`, `,
          )})) ${alias} on ${alias}.member_id = m.id`,
        );
      } else {
        parts.push(
          sql`left join (select l.member_id, sum(l.remaining) as pending from point_lots l where l.merchant_id = ${mid} and l.remaining > 0 and l.available_at > ${this.nowParam} group by l.member_id) ${alias} on ${alias}.member_id = m.id`,
        );
      }
    }
    return parts.length ? sql.join(parts, sql` `) : sql``;
  }

  /**
   * The all-time facts of every member with an order placed by now, from `member_stats`: its row as it is when the
   * member's last order is not after now (the usual case; a recency range is then a range of
   * `member_stats_last_idx`), else — a future-dated order exists — the same facts aggregated from the member's
   * orders placed by now. The HAVING filters of the plain form become a WHERE over those columns.
   */
  statsBody(s: OrderAgg): SQL {
    const [rows, future] = this.statsParts();
    return sql`select u.member_id, u.first_at, u.last_at, u.order_count, u.net_spend from (${rows} union all ${future}) u${this.statsWhere(s)}`;
  }

  /** statsBody's two halves, each filtered alone (their union is statsBody). */
  statsPartsFiltered(s: OrderAgg): [SQL, SQL] {
    const where = this.statsWhere(s);
    return this.statsParts().map(
      (part) => sql`select u.member_id, u.first_at, u.last_at, u.order_count, u.net_spend from (${part}) u${where}`,
    ) as [SQL, SQL];
  }

  /** The HAVING filters of the plain form as a WHERE over the facts, and the recency range. */
  statsWhere(s: OrderAgg): SQL {
    const conds: SQL[] = [...(s.having ?? [])];
    if (s.recent) {
      // The range of member_stats_last_idx: local midnight, widened by margin() (computed once, see there). The
      // bound a day wider is repeated as a plain expression: the planner can estimate the range's rows from it (not
      // from a sub-select's result), and the index scan keeps the tighter of the two.
      // Resolved beforehand (CompileContext.days), each bound is one constant the planner estimates from.
      const { hi, lo } = s.recent;
      const resolved = this.ctx.days?.has(hi) && (lo === undefined || this.ctx.days.has(lo - 1));
      if (!resolved) conds.push(sql`u.last_at >= ${this.edge(hi, -1, "day")}`);
      conds.push(sql`u.last_at >= ${this.edge(hi, -1, "margin")}`);
      if (lo !== undefined) {
        if (!resolved) conds.push(sql`u.last_at < ${this.edge(lo - 1, 1, "day")}`);
        conds.push(sql`u.last_at < ${this.edge(lo - 1, 1, "margin")}`);
      }
    }
    return conds.length ? sql` where ${sql.join(conds, sql` and `)}` : sql``;
  }

  /** The summary rows of members whose last order is not after now; the facts of the others from their orders. */
  statsParts(): [SQL, SQL] {
    const mid = this.ctx.merchantId;
    const now = this.nowParam;
    const f = ORDER_FACTS;
    return [
      sql`select st.member_id, st.first_order_at as first_at, st.last_order_at as last_at, st.order_count::bigint as order_count, st.net_spend::numeric as net_spend from member_stats st where st.merchant_id = ${mid} and st.last_order_at <= ${now}`,
      sql`select o.member_id, min(o.placed_at) as first_at, ${f.last} as last_at, ${f.count} as order_count, ${f.net} as net_spend from orders o where o.merchant_id = ${mid} and o.placed_at <= ${now} and o.member_id in (select st.member_id from member_stats st where st.merchant_id = ${mid} and st.last_order_at > ${now}) group by o.member_id`,
    ];
  }
}

const ORDER_FACTS = {
  last: sql`max(o.placed_at)`,
  // An order counts unless it was refunded in full (a zero-total order is never "refunded in full").
  count: sql`count(*) filter (where o.total = 0 or o.refunded_total < o.total)`,
  net: sql`sum(o.total - o.refunded_total)`,
};
const STATS_FACTS = { last: sql`u.last_at`, count: sql`u.order_count`, net: sql`u.net_spend` };

const joinKind = (required: boolean | undefined) => (required ? sql`join` : sql`left join`);

/** Whether a number condition holds for the value `v` (e.g. 0 orders: does "orderCount lt 3" match nobody-yet?). */
function holdsFor(v: number, c: Condition): boolean {
  const x = c.value;
  switch (c.op) {
    case "eq":
      return v === x;
    case "neq":
      return v !== x;
    case "gt":
      return v > (x as number);
    case "gte":
      return v >= (x as number);
    case "lt":
      return v < (x as number);
    case "lte":
      return v <= (x as number);
    case "between":
      return v >= (x as number[])[0]! && v <= (x as number[])[1]!;
    case "in":
      return (x as unknown[]).includes(v);
  }
}

/** Beyond this (a century) a recency bound is not worth using (and date arithmetic would overflow near 2^31 days). */
const MAX_RECENT_DAYS = 36_500;

/** An interval of daysSinceLastOrder values, ±Infinity = unbounded. */
export interface DayBounds {
  lo: number;
  hi: number;
}
const UNBOUNDED: DayBounds = { lo: -Infinity, hi: Infinity };

/** The daysSinceLastOrder values one condition accepts (it also requires an order at all). */
function conditionDays(c: Condition): DayBounds {
  const v = c.value as number;
  switch (c.op) {
    case "eq":
      return { lo: v, hi: v };
    case "between":
      return { lo: (c.value as number[])[0]!, hi: (c.value as number[])[1]! };
    case "in":
      return { lo: Math.min(...(c.value as number[])), hi: Math.max(...(c.value as number[])) };
    case "lt":
      return { lo: -Infinity, hi: v - 1 };
    case "lte":
      return { lo: -Infinity, hi: v };
    case "gt":
      return { lo: v + 1, hi: Infinity };
    case "gte":
      return { lo: v, hi: Infinity };
    case "neq":
      return UNBOUNDED;
  }
}

/**
 * What a rule implies about daysSinceLastOrder for every member it matches: `hi` finite means "only members whose
 * last order is at most hi days ago can match" (so they have an order since then). Sound, not complete: `all`
 * intersects, `any` takes the hull of its branches (each must imply a bound), `not` and other fields imply nothing.
 */
export function impliedDays(r: Rule): DayBounds {
  if ("all" in r)
    return r.all.map(impliedDays).reduce((a, b) => ({ lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) }), UNBOUNDED);
  if ("any" in r) {
    if (r.any.length === 0) return UNBOUNDED;
    return r.any.map(impliedDays).reduce((a, b) => ({ lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) }));
  }
  if ("not" in r) return UNBOUNDED;
  if (isCondition(r) && r.field === "daysSinceLastOrder") return conditionDays(r);
  return UNBOUNDED;
}

/** The conjuncts of a rule's top level (nested `all`s flattened). */
function topConjuncts(r: Rule): Rule[] {
  return "all" in r ? r.all.flatMap(topConjuncts) : [r];
}

/** `coalesce(x, false)`: a missing fact never matches, so `not` stays the complement. */
function nullable(cond: SQL): SQL {
  return sql`coalesce(${cond}, false)`;
}

function literal(v: Scalar, type: "number" | "string" | "boolean"): SQL {
  if (type === "number") return sql`${v}::bigint`;
  if (type === "boolean") return sql`${v}::boolean`;
  return sql`${v}::text`;
}

const SQL_OPS: Record<Exclude<Op, "between" | "in">, string> = {
  eq: "=",
  neq: "<>",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
};

function compare(expr: SQL, op: Op, value: Condition["value"], type: "number" | "string" | "boolean"): SQL {
  if (op === "between") {
    const [lo, hi] = value as [Scalar, Scalar];
    return sql`(${expr} between ${literal(lo, type)} and ${literal(hi, type)})`;
  }
  if (op === "in") {
    return sql`(${expr} in (${sql.join(
      (value as Scalar[]).map((v) => literal(v, type)),
      sql`, `,
    )}))`;
  }
  return sql`(${expr} ${sql.raw(SQL_OPS[op])} ${literal(value as Scalar, type)})`;
}

/** Compiles a (validated) rule for one merchant at one instant. */
/**
 * `rangeRestrict: false` compiles the plain form (tests prove both select the same members); `stats: false` reads
 * all-time order facts from orders instead of `member_stats` (the same members again, tested); `narrow: false` keeps
 * the other order aggregates unnarrowed (no CTE) — for one-member queries, where Postgres pushes `m.id = …` down into
 * each aggregate instead (a materialized CTE would compute the whole cohort for one member).
 */
export function compileSegment(
  rule: Rule,
  ctx: CompileContext,
  opts: { rangeRestrict?: boolean; narrow?: boolean; stats?: boolean } = {},
): CompiledSegment {
  const { lo, hi } = impliedDays(rule);
  const use = opts.rangeRestrict !== false && hi <= MAX_RECENT_DAYS;
  const c = new Compiler(
    ctx,
    use ? { hi: Math.max(hi, -1), ...(lo >= 1 && lo <= hi ? { lo } : {}) } : undefined,
    opts.stats !== false,
    opts.narrow !== false,
  );
  const where = c.rule(rule);
  for (const conj of topConjuncts(rule)) if (isCondition(conj)) c.pushConjunct(conj);
  const joins = c.joins(c.narrowing);
  const [only, ...more] = c.sources.values();
  const alone = !c.usesMember && more.length === 0 && only?.kind === "orders" && only.required && c.fromStats(only);
  const base = {
    joins,
    where,
    sources: c.sources.size,
    ...(c.ctes ? { ctes: c.ctes } : {}),
    ...(c.daysAsked.size ? { days: [...c.daysAsked].sort((x, y) => x - y) } : {}),
  };
  if (!alone) return base;
  const alias = sql.raw(only.alias);
  const [rows, future] = c.statsPartsFiltered(only);
  return {
    ...base,
    cohort: sql`(${c.statsBody(only)}) ${alias}`,
    cohortParts: [sql`(${rows}) ${alias}`, sql`(${future}) ${alias}`],
  };
}

/**
 * One row per `n`: dayStart(n) as epoch milliseconds and whether its margin is zero — the values CompileContext.days
 * holds, computed by the same SQL the statement would otherwise run inside itself.
 */
export function dayBoundsQuery(ctx: CompileContext, ns: readonly number[]): SQL {
  const c = new Compiler(ctx, undefined, true, true);
  return sql.join(
    ns.map(
      (n) =>
        sql`select ${n}::int as n, (extract(epoch from ${c.localMidnight(n)}) * 1000)::float8 as start_ms, ${c.margin(n)} = interval '0' as exact`,
    ),
    sql` union all `,
  );
}

/** `select count(*) as n …`: the matches' count, from the summary cohort alone when the rule allows it. */
export function segmentCountQuery(compiled: CompiledSegment, merchantId: string): SQL {
  if (compiled.cohortParts) {
    const [rows, future] = compiled.cohortParts;
    return sql`select (select count(*) from ${rows} where ${compiled.where}) + (select count(*) from ${future} where ${compiled.where}) as n`;
  }
  if (compiled.cohort) return sql`select count(*) as n from ${compiled.cohort} where ${compiled.where}`;
  return sql`select count(*) as n from (${segmentMembersQuery(compiled, merchantId)}) s`;
}

/** The ids of the first `limit` matches by member id, from the summary cohort alone when the rule allows it. */
export function segmentPageQuery(compiled: CompiledSegment, merchantId: string, limit: number): SQL {
  const n = sql.raw(String(Math.max(0, Math.floor(limit))));
  if (compiled.cohort)
    return sql`select c.member_id from (select * from ${compiled.cohort} where ${compiled.where}) c order by c.member_id limit ${n}`;
  return sql`select s.member_id from (${segmentMembersQuery(compiled, merchantId)}) s order by s.member_id limit ${n}`;
}

/**
 * The full member query: `select <columns> from members m <joins> where m.merchant_id = … and <rule>`.
 * `columns` defaults to `m.id as member_id`; `extraWhere` narrows further (e.g. one member, opted-in only).
 */
export function segmentMembersQuery(
  compiled: CompiledSegment,
  merchantId: string,
  opts: { columns?: SQL; extraWhere?: SQL; orderBy?: SQL; limit?: number } = {},
): SQL {
  const columns = opts.columns ?? sql`m.id as member_id`;
  const extra = opts.extraWhere ? sql` and (${opts.extraWhere})` : sql``;
  const order = opts.orderBy ? sql` order by ${opts.orderBy}` : sql``;
  const limit = opts.limit !== undefined ? sql` limit ${sql.raw(String(Math.max(0, Math.floor(opts.limit))))}` : sql``;
  const ctes = compiled.ctes ? sql`with ${compiled.ctes} ` : sql``;
  return sql`${ctes}select ${columns} from members m ${compiled.joins} where m.merchant_id = ${merchantId} and ${compiled.where}${extra}${order}${limit}`;
}

/**
 * Resolving a rule's recency bounds before compiling it: the compiled statement then carries the local midnights as
 * constants and, where the merchant's zone keeps one UTC offset around them (every zone without DST, all of
 * Vietnam), an exact range — a recent-N count becomes the bare index range count (docs/benchmarks.md).
 *
 * Postgres computes the bounds (dayBoundsQuery: the statement's own SQL), once per time zone and local day: they
 * depend on nothing else, so later rules that day reuse them without a round trip. A day is cached only when its
 * own midnights are exact (then "now is in [today's midnight, tomorrow's)" is exactly Postgres's local date).
 */
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { col, queryRows } from "../db/rows.ts";
import { compileSegment, dayBoundsQuery, type CompileContext, type DayBound } from "./compile.ts";
import type { Rule } from "./rule.ts";

const DayRow = z.object({ n: col.num, start_ms: col.num, exact: col.any });

interface ZoneDay {
  /** Today's local midnight and tomorrow's, epoch ms: the instants this day's bounds hold for. */
  from: number;
  to: number;
  days: Map<number, DayBound>;
}

/** By time zone: the local day last resolved. Bounded: ~600 zones, MAX_CACHED_DAYS bounds each. */
const zones = new Map<string, ZoneDay>();
const MAX_CACHED_DAYS = 512;

/** `ctx` with the day bounds `rule` needs (unchanged when it needs none). */
export async function withDayBounds(
  db: Db,
  ctx: CompileContext,
  rule: Rule,
  opts: Parameters<typeof compileSegment>[2] = {},
): Promise<CompileContext> {
  const ns = compileSegment(rule, ctx, opts).days;
  if (!ns?.length) return ctx;
  const now = ctx.now.getTime();
  let zone = zones.get(ctx.timezone);
  if (zone && !(zone.from <= now && now < zone.to)) zone = undefined;
  const missing = ns.filter((n) => !zone?.days.has(n) && !ctx.days?.has(n));
  const days = new Map<number, DayBound>([...(zone?.days ?? []), ...(ctx.days ?? [])]);
  if (missing.length) {
    const ask = zone ? missing : [...new Set([...missing, 0, -1])];
    for (const r of await queryRows(db, dayBoundsQuery(ctx, ask), DayRow))
      days.set(r.n, { start: new Date(r.start_ms), exact: r.exact === true });
    remember(ctx.timezone, zone, days, now);
  }
  return { ...ctx, days };
}

function remember(timezone: string, zone: ZoneDay | undefined, days: Map<number, DayBound>, now: number): void {
  if (zone) {
    for (const [n, d] of days) if (zone.days.size < MAX_CACHED_DAYS) zone.days.set(n, d);
    return;
  }
  const today = days.get(0);
  const tomorrow = days.get(-1);
  if (!today?.exact || !tomorrow?.exact) return;
  const from = today.start.getTime();
  const to = tomorrow.start.getTime();
  if (!(from <= now && now < to)) return;
  zones.set(timezone, { from, to, days: new Map([...days].slice(0, MAX_CACHED_DAYS)) });
}

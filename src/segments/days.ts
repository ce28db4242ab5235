/**
 * Resolving a rule's recency bounds before compiling it (one small query): the compiled statement then carries the
 * local midnights as constants and, where the merchant's zone keeps one UTC offset around them (every zone without
 * DST, all of Vietnam), an exact range — a recent-N count becomes the bare index range count (docs/benchmarks.md).
 */
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { col, queryRows } from "../db/rows.ts";
import { compileSegment, dayBoundsQuery, type CompileContext, type DayBound } from "./compile.ts";
import type { Rule } from "./rule.ts";

const DayRow = z.object({ n: col.num, start_ms: col.num, exact: col.any });

/** `ctx` with the day bounds `rule` needs (unchanged when it needs none). */
export async function withDayBounds(
  db: Db,
  ctx: CompileContext,
  rule: Rule,
  opts: Parameters<typeof compileSegment>[2] = {},
): Promise<CompileContext> {
  const ns = compileSegment(rule, ctx, opts).days;
  if (!ns?.length) return ctx;
  const days = new Map<number, DayBound>(ctx.days);
  for (const r of await queryRows(db, dayBoundsQuery(ctx, ns), DayRow))
    days.set(r.n, { start: new Date(r.start_ms), exact: r.exact === true });
  return { ...ctx, days };
}

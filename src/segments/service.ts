/** Segments: built-in and custom, compiled for a merchant at an instant, counted and sampled in SQL. */
import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { merchants } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
import { conflict, notFound, validationError } from "../lib/errors.ts";
import { unknownStoreIds } from "../stores/service.ts";
import { getProgram } from "../program/service.ts";
import { qualifyingTier } from "../program/tiers.ts";
import { segments, segmentVersions } from "./tables.ts";
import { BUILT_IN_SEGMENTS, builtInSegment, isCondition, type Rule } from "./rule.ts";
import { withDayBounds } from "./days.ts";
import {
  compileSegment,
  segmentCountQuery,
  segmentMembersQuery,
  segmentPageQuery,
  type CompileContext,
  type CompiledSegment,
} from "./compile.ts";
import { num, queryRows, col } from "../db/rows.ts";
import { findOne } from "../db/find.ts";
import { readSession } from "../db/session.ts";

export const DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh";

export interface SegmentView {
  id: string;
  name: string;
  rule: Rule;
  builtIn: boolean;
  createdAt: string | null;
}

/** Every `store` condition's value, with the dotted path of the value (`rule.all.0.value`, `….value.1`). */
function storeValues(r: Rule, path: string, out: { path: string; id: string }[] = []) {
  if ("all" in r) r.all.forEach((x, i) => storeValues(x, `${path}.all.${i}`, out));
  else if ("any" in r) r.any.forEach((x, i) => storeValues(x, `${path}.any.${i}`, out));
  else if ("not" in r) storeValues(r.not, `${path}.not`, out);
  else if (isCondition(r) && r.field === "store") {
    if (Array.isArray(r.value)) r.value.forEach((v, i) => out.push({ path: `${path}.value.${i}`, id: String(v) }));
    else out.push({ path: `${path}.value`, id: String(r.value) });
  }
  return out;
}

/** A `store` condition naming a store this merchant does not have → 400 at its value (archived stores are fine). */
async function checkStores(db: Db, merchantId: string, rule: Rule): Promise<void> {
  const values = storeValues(rule, "rule");
  if (values.length === 0) return;
  const unknown = new Set(
    await unknownStoreIds(
      db,
      merchantId,
      values.map((v) => v.id),
    ),
  );
  const errors = values
    .filter((v) => unknown.has(v.id))
    .map((v) => ({ path: v.path, message: `unknown store ${v.id}` }));
  if (errors.length) throw validationError(errors, "The rule names an unknown store");
}

export async function createSegment(
  db: Db,
  merchantId: string,
  input: { name: string; rule: Rule },
  now: Date,
  actor: string,
): Promise<SegmentView> {
  await checkStores(db, merchantId, input.rule);
  return await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(segments)
      .values({ id: newId("seg"), merchantId, name: input.name, rule: input.rule, createdAt: now })
      .returning();
    await addVersion(tx, row!, "create", actor, now);
    return view(row!);
  });
}

type SegmentRow = typeof segments.$inferSelect;

/**
 * Appends the next version of a segment. Called after the change in the same transaction: the update or delete holds
 * the segment's row lock, so two changes of one segment number their versions one after the other.
 */
async function addVersion(
  tx: Db,
  row: SegmentRow,
  action: "create" | "update" | "delete",
  actor: string,
  now: Date,
): Promise<void> {
  const [last] = await queryRows(
    tx,
    sql`select coalesce(max(version), 0) as v from segment_versions where merchant_id = ${row.merchantId} and segment_id = ${row.id}`,
    z.object({ v: col.num }),
  );
  await tx.insert(segmentVersions).values({
    merchantId: row.merchantId,
    segmentId: row.id,
    version: (last?.v ?? 0) + 1,
    name: row.name,
    rule: row.rule,
    action,
    actor,
    createdAt: now,
  });
}

export interface SegmentVersionView {
  version: number;
  name: string;
  rule: Rule;
  action: "create" | "update" | "delete";
  actor: string;
  at: string;
}

/** A segment's history, newest first; kept after a delete. 404 when this merchant never had such a custom segment. */
export async function segmentVersionList(db: Db, merchantId: string, id: string): Promise<SegmentVersionView[]> {
  const rows = await db
    .select()
    .from(segmentVersions)
    .where(and(eq(segmentVersions.merchantId, merchantId), eq(segmentVersions.segmentId, id)))
    .orderBy(desc(segmentVersions.version));
  if (rows.length === 0) throw notFound("Segment", "segment-not-found");
  return rows.map((r) => ({
    version: r.version,
    name: r.name,
    rule: r.rule,
    action: r.action,
    actor: r.actor,
    at: r.createdAt.toISOString(),
  }));
}

/** A built-in segment lives in code: it can be used, not changed or deleted (409 built-in-segment). */
async function requireCustom(db: Db, merchantId: string, id: string): Promise<void> {
  if (builtInSegment(id))
    throw conflict("built-in-segment", "Built-in segment", `${id} is built in: it cannot be changed or deleted`);
  await requireSegment(db, merchantId, id);
}

/** Renames a custom segment and/or replaces its rule; campaigns not yet started use the new rule when they start. */
export async function updateSegment(
  db: Db,
  merchantId: string,
  id: string,
  input: { name: string; rule: Rule },
  now: Date,
  actor: string,
): Promise<SegmentView> {
  await requireCustom(db, merchantId, id);
  await checkStores(db, merchantId, input.rule);
  return await db.transaction(async (tx) => {
    const [row] = await tx
      .update(segments)
      .set({ name: input.name, rule: input.rule })
      .where(and(eq(segments.id, id), eq(segments.merchantId, merchantId)))
      .returning();
    // Deleted meanwhile: the same 404 as before the check.
    if (!row) throw notFound("Segment", "segment-not-found");
    await addVersion(tx, row, "update", actor, now);
    return view(row);
  });
}

/**
 * Deletes a custom segment unless a campaign that has not finished (draft, scheduled, sending) or the reactivation
 * journey still uses it (409 segment-in-use, naming them). Read by table name: campaigns and journeys import
 * segments, not the reverse.
 */
export async function deleteSegment(db: Db, merchantId: string, id: string, now: Date, actor: string): Promise<void> {
  await requireCustom(db, merchantId, id);
  const users = await queryRows(
    db,
    sql`select 'campaign ' || name as what from campaigns
        where merchant_id = ${merchantId} and segment_id = ${id} and status in ('draft', 'scheduled', 'sending')
        union all
        select 'journey ' || kind from journeys
        where merchant_id = ${merchantId} and steps @> ${JSON.stringify([{ segmentId: id }])}::jsonb`,
    z.object({ what: z.string() }),
  );
  if (users.length > 0)
    throw conflict("segment-in-use", "Segment in use", `Used by ${users.map((u) => u.what).join(", ")}`, {
      usedBy: users.map((u) => u.what),
    });
  await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(segments)
      .where(and(eq(segments.id, id), eq(segments.merchantId, merchantId)))
      .returning();
    if (row) await addVersion(tx, row, "delete", actor, now);
  });
}

function view(row: SegmentRow): SegmentView {
  return { id: row.id, name: row.name, rule: row.rule, builtIn: false, createdAt: row.createdAt.toISOString() };
}

const builtInView = (s: (typeof BUILT_IN_SEGMENTS)[number]): SegmentView => ({
  id: s.id,
  name: s.name,
  rule: s.rule,
  builtIn: true,
  createdAt: null,
});

export async function listSegments(db: Db, merchantId: string): Promise<SegmentView[]> {
  const rows = await db
    .select()
    .from(segments)
    .where(eq(segments.merchantId, merchantId))
    .orderBy(desc(segments.createdAt), desc(segments.id));
  return [...BUILT_IN_SEGMENTS.map(builtInView), ...rows.map(view)];
}

export async function findSegment(db: Db, merchantId: string, id: string): Promise<SegmentView | undefined> {
  const b = builtInSegment(id);
  if (b) return builtInView(b);
  const row = await findOne(db, segments, eq(segments.id, id), eq(segments.merchantId, merchantId));
  return row ? view(row) : undefined;
}

export async function requireSegment(db: Db, merchantId: string, id: string): Promise<SegmentView> {
  const s = await findSegment(db, merchantId, id);
  if (!s) throw notFound("Segment", "segment-not-found");
  return s;
}

/** What compiling needs to know about the merchant: its time zone and entry tier. */
export async function segmentContext(db: Db, merchantId: string, now: Date): Promise<CompileContext> {
  const [m] = await db
    .select({ timezone: merchants.timezone })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .limit(1);
  const program = await getProgram(db, merchantId);
  return {
    merchantId,
    now,
    timezone: m?.timezone || DEFAULT_TIMEZONE,
    defaultTier: qualifyingTier(program, 0)?.name ?? null,
  };
}

/** The rule compiled for the merchant now, its recency bounds resolved first (days.ts): for counts and lists. */
export async function compileForMerchant(db: Db, merchantId: string, rule: Rule, now: Date): Promise<CompiledSegment> {
  return compileSegment(rule, await withDayBounds(db, await segmentContext(db, merchantId, now), rule));
}

export interface SampleMember {
  id: string;
  name: string | null;
  phone: string | null;
  language: string;
  tier: string | null;
  optedIn: boolean;
}

export const SAMPLE_SIZE = 20;

/** The member columns the sample and the export read from a segment's members (`opted_in`: drivers differ). */
export const SegmentMemberRow = z.object({
  id: z.string(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  tier: z.string().nullable(),
  opted_in: z.unknown(),
});

/** A row of the sample query (`n`: the whole match's count; drivers differ in how they return bigint and bool). */
const SampleRow = SegmentMemberRow.extend({ language: z.string(), n: z.unknown() });

/**
 * Count and a sample (≤ 20, by member id) of the members matching `rule` now — one query (the count is a window over
 * the whole match), or, for a rule over the member summary alone, a count of its cohort and the sample's rows.
 */
export async function previewSegment(
  db: Db,
  merchantId: string,
  rule: Rule,
  now: Date,
): Promise<{ count: number; sample: SampleMember[] }> {
  return readSession(db, (tx) => previewIn(tx, merchantId, rule, now));
}

async function previewIn(
  db: Db,
  merchantId: string,
  rule: Rule,
  now: Date,
): Promise<{ count: number; sample: SampleMember[] }> {
  const ctx = await withDayBounds(db, await segmentContext(db, merchantId, now), rule);
  const compiled = compileSegment(rule, ctx);
  const tier = ctx.defaultTier === null ? sql`m.tier_name` : sql`coalesce(m.tier_name, ${ctx.defaultTier}::text)`;
  // Ordered and limited outside: the window keeps the subquery whole, so Postgres plans it for every match rather
  // than for a fast first 20 (a nested loop over members in id order would rescan the aggregates per member).
  const columns = sql`m.id, m.name, m.phone, m.language, ${tier} as tier, m.opted_in`;
  // A rule over the summary alone: count and page its cohort without reading members, then fetch the sample's rows.
  const cohortCount = compiled.cohort
    ? num((await queryRows(db, segmentCountQuery(compiled, merchantId), z.object({ n: z.unknown() })))[0]?.n)
    : undefined;
  const matches = compiled.cohort
    ? sql`select ${columns}, ${cohortCount}::bigint as n from members m where m.merchant_id = ${merchantId} and m.id in (${segmentPageQuery(compiled, merchantId, SAMPLE_SIZE)})`
    : segmentMembersQuery(compiled, merchantId, { columns: sql`${columns}, count(*) over () as n` });
  const sample = await queryRows(
    db,
    sql`select * from (${matches}) s order by s.id limit ${sql.raw(String(SAMPLE_SIZE))}`,
    SampleRow,
  );
  return {
    count: cohortCount ?? num(sample[0]?.n),
    sample: sample.map((r) => ({
      id: r.id,
      name: r.name,
      phone: r.phone,
      language: r.language,
      tier: r.tier,
      optedIn: Boolean(r.opted_in),
    })),
  };
}

/** Member ids matching the rule now (tests, small merchants; campaigns use the SQL directly). */
export async function segmentMemberIds(db: Db, merchantId: string, rule: Rule, now: Date): Promise<string[]> {
  const compiled = await compileForMerchant(db, merchantId, rule, now);
  const rows = await queryRows(
    db,
    segmentMembersQuery(compiled, merchantId, { orderBy: sql`m.id` }),
    z.object({ member_id: z.string() }),
  );
  return rows.map((r) => r.member_id);
}

/** Does one member match the rule now? (For offers and bots: the same compiled SQL, narrowed to one member.) */
export async function memberMatches(
  db: Db,
  merchantId: string,
  memberId: string,
  rule: Rule,
  now: Date,
): Promise<boolean> {
  const compiled = compileSegment(rule, await segmentContext(db, merchantId, now), { narrow: false });
  const rows = await queryRows(
    db,
    segmentMembersQuery(compiled, merchantId, { extraWhere: sql`m.id = ${memberId}`, limit: 1 }),
    z.object({ member_id: z.string() }),
  );
  return rows.length > 0;
}

/**
 * The reactivation journey: steps, each a segment (typically recent-7 / recent-14 / recent-28) with a message.
 * A pass queues, for every step, the members now in the step's segment who are opted in and reachable, keyed by
 * their *entry*: the member's last order (the order that put them in the window). One message per member, step
 * and entry, ever — so a member who stays in a window for days gets the step once, and a member who buys again
 * starts a new entry (and leaves the recency windows). A queued step whose member ordered again before it went
 * out is dropped (`stale`) by the delivery queue: nothing after buying again. Cap, consent and quiet hours are
 * applied by the delivery queue like for campaigns.
 */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { DomainError, validationError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { silentLogger } from "../lib/log.ts";
import { compileSegment, segmentMembersQuery } from "../segments/compile.ts";
import { findSegment, segmentContext } from "../segments/service.ts";
import { withDayBounds } from "../segments/days.ts";
import { execCount, num, queryRows, col } from "../db/rows.ts";
import {
  checkZnsOptions,
  MessageSchema,
  OfferIdSchema,
  ZnsOfferSchema,
  ZnsTemplateRefSchema,
} from "../campaigns/service.ts";
import { ChannelChoiceSchema, routedMembers } from "../campaigns/routing.ts";
import { AttributionDaysSchema, getMessagingSettings } from "../campaigns/settings.ts";
import { assertOfferNotForeign } from "../campaigns/offer-ref.ts";
import type { SendGuard, SendWarning } from "../campaigns/guard.ts";
import { journeys, type JourneyBudgetCheck, type JourneyStep } from "./tables.ts";
import { findOne } from "../db/find.ts";

export const JOURNEY_KIND = "reactivation" as const;

export const JourneyStepSchema = z.object({
  segmentId: z.string().min(1).max(100),
  message: MessageSchema,
  offerId: OfferIdSchema.optional(),
  channel: ChannelChoiceSchema.optional(),
  znsTemplateId: ZnsTemplateRefSchema.optional(),
  znsOffer: ZnsOfferSchema.optional(),
});

export const JourneyConfigSchema = z.object({
  enabled: z.boolean(),
  steps: z.array(JourneyStepSchema).max(10),
  attributionDays: AttributionDaysSchema.optional().describe(
    "Days after a step's delivery in which an order counts as converted (default: the merchant's, 7)",
  ),
});

export type JourneyConfigInput = z.output<typeof JourneyConfigSchema>;

export interface StepCounts {
  sent: number;
  converted: number;
  revenue: number;
  /** Queued or being sent. */
  pending: number;
  /** Not sent: frequency cap, opted out meanwhile, unreachable, or the member ordered again first. */
  skipped: number;
  failed: number;
  /** Sent per channel (telegram, zalo, web, zns). */
  byChannel: Record<string, number>;
}

const emptyStepCounts = (): StepCounts => ({
  sent: 0,
  converted: 0,
  revenue: 0,
  pending: 0,
  skipped: 0,
  failed: 0,
  byChannel: {},
});

export interface JourneyView {
  kind: typeof JOURNEY_KIND;
  enabled: boolean;
  attributionDays: number;
  steps: (JourneyStep & { counts: StepCounts })[];
  lastRunAt: string | null;
  updatedAt: string | null;
  /** The latest pass's budget check (null: no pass yet) and the passes the budget skipped. */
  budgetCheck: JourneyBudgetCheck | null;
  budgetSkips: number;
}

export async function putJourney(
  db: Db,
  merchantId: string,
  input: JourneyConfigInput,
  now: Date,
  guard?: SendGuard,
): Promise<JourneyView & { budget?: SendWarning }> {
  const errors: { path: string; message: string }[] = [];
  for (const [i, step] of input.steps.entries()) {
    if (!(await findSegment(db, merchantId, step.segmentId)))
      errors.push({ path: `steps.${i}.segmentId`, message: `no segment "${step.segmentId}"` });
    if (step.offerId) await assertOfferNotForeign(db, merchantId, step.offerId, `steps.${i}.offerId`);
    await checkZnsOptions(db, merchantId, { ...step, channel: step.channel ?? "auto" }, `steps.${i}.`);
  }
  if (errors.length > 0) throw validationError(errors, `${errors[0]!.path}: ${errors[0]!.message}`);
  // Activation (disabled → enabled) passes the budget check (injected: src/campaigns/guard.ts).
  const activating = input.enabled && guard !== undefined && !(await journeyRow(db, merchantId))?.enabled;
  const warning = activating ? await guard(db, merchantId, { kind: "journey", steps: input.steps }, now) : undefined;
  const attributionDays = input.attributionDays ?? (await getMessagingSettings(db, merchantId)).attributionDays;
  const steps: JourneyStep[] = input.steps.map((s) => ({
    segmentId: s.segmentId,
    message: s.message,
    ...(s.offerId ? { offerId: s.offerId } : {}),
    ...(s.channel ? { channel: s.channel } : {}),
    ...(s.znsTemplateId ? { znsTemplateId: s.znsTemplateId } : {}),
    ...(s.znsOffer ? { znsOffer: s.znsOffer } : {}),
  }));
  await db
    .insert(journeys)
    .values({ merchantId, kind: JOURNEY_KIND, enabled: input.enabled, steps, attributionDays, updatedAt: now })
    .onConflictDoUpdate({
      target: [journeys.merchantId, journeys.kind],
      set: { enabled: input.enabled, steps, attributionDays, updatedAt: now },
    });
  const view = await getJourney(db, merchantId, now);
  return warning ? { ...view, budget: warning } : view;
}

async function journeyRow(db: Db, merchantId: string) {
  return findOne(db, journeys, eq(journeys.merchantId, merchantId), eq(journeys.kind, JOURNEY_KIND));
}

export async function getJourney(db: Db, merchantId: string, now: Date): Promise<JourneyView> {
  const row = await journeyRow(db, merchantId);
  const attributionDays = row?.attributionDays ?? (await getMessagingSettings(db, merchantId)).attributionDays;
  const counts = await stepCounts(db, merchantId, attributionDays, now);
  return {
    kind: JOURNEY_KIND,
    enabled: row?.enabled ?? false,
    attributionDays,
    steps: (row?.steps ?? []).map((s, i) => ({
      ...s,
      counts: counts.get(i) ?? emptyStepCounts(),
    })),
    lastRunAt: row?.lastRunAt?.toISOString() ?? null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
    budgetCheck: row?.lastBudgetCheck ?? null,
    budgetSkips: row?.budgetSkips ?? 0,
  };
}

/**
 * Per step: sent; converted = members who ordered (not fully refunded) within attributionDays after the step
 * reached them; revenue = Σ (total − refunds) of those orders. Each order is credited to the latest step delivered
 * before it (last touch), so one order never counts twice.
 */
async function stepCounts(
  db: Db,
  merchantId: string,
  attributionDays: number,
  now: Date,
): Promise<Map<number, StepCounts>> {
  const out = new Map<number, StepCounts>();
  const ensure = (i: number) => {
    let c = out.get(i);
    if (!c) {
      c = emptyStepCounts();
      out.set(i, c);
    }
    return c;
  };
  const byStatus = await queryRows(
    db,
    sql`select journey_step as step, channel, status, count(*) as n from deliveries where merchant_id = ${merchantId} and source = 'journey' group by journey_step, channel, status`,
    z.object({ step: col.num, channel: z.string(), status: z.string(), n: col.num }),
  );
  for (const r of byStatus) {
    const c = ensure(num(r.step));
    const n = num(r.n);
    if (r.status === "sent") {
      c.sent += n;
      c.byChannel[r.channel] = (c.byChannel[r.channel] ?? 0) + n;
    } else if (r.status === "queued" || r.status === "claimed" || r.status === "sending") c.pending += n;
    else if (r.status === "failed" || r.status === "unknown") c.failed += n;
    else c.skipped += n;
  }
  const conv = await queryRows(
    db,
    sql`with touches as (
          select distinct on (o.id) o.id as order_id, d.journey_step, d.member_id, (o.total - o.refunded_total) as net
          from deliveries d
          join orders o on o.merchant_id = ${merchantId} and o.member_id = d.member_id
            and o.placed_at > d.sent_at and o.placed_at <= d.sent_at + make_interval(days => ${attributionDays}::int)
            and o.placed_at <= ${now.toISOString()}::timestamptz and (o.total = 0 or o.refunded_total < o.total)
          where d.merchant_id = ${merchantId} and d.source = 'journey' and d.status = 'sent'
          order by o.id, d.sent_at desc
        )
        select journey_step as step, count(distinct member_id) as converted, coalesce(sum(net), 0) as revenue from touches group by journey_step`,
    z.object({ step: col.num, converted: col.num, revenue: col.num }),
  );
  for (const r of conv) {
    const c = ensure(num(r.step));
    c.converted = num(r.converted);
    c.revenue = num(r.revenue);
  }
  return out;
}

export interface JourneyPassResult {
  enabled: boolean;
  queued: number;
  steps: { step: number; segmentId: string; queued: number }[];
  /** The pass's budget check (absent when no guard was given or the journey has no steps). */
  budget?: JourneyBudgetCheck;
}

/**
 * One pass for one merchant: queue each step for the members newly in its window. Idempotent. With a guard (the
 * program budget, injected), the pass first checks its estimated cost — only the members it would queue now —
 * against the month's remaining budget, under the same per-merchant lock as campaign starts, in the pass's
 * transaction: over a blocking budget the pass is skipped (nothing queued, `budgetSkips` + 1), over a warning one it
 * runs with the warning; either way the check is recorded on the journey (`budgetCheck`).
 */
export async function runJourneyPass(
  db: Db,
  merchantId: string,
  now: Date,
  guard?: SendGuard,
): Promise<JourneyPassResult> {
  return db.transaction(async (tx) => {
    const row = await journeyRow(tx, merchantId);
    if (!row?.enabled) return { enabled: false, queued: 0, steps: [] };
    const where = and(eq(journeys.merchantId, merchantId), eq(journeys.kind, JOURNEY_KIND));
    let check: JourneyBudgetCheck | undefined;
    if (guard && row.steps.length > 0) {
      try {
        const warning = await guard(
          tx,
          merchantId,
          { kind: "journey", steps: row.steps, pass: { keyPrefix: JOURNEY_KIND } },
          now,
        );
        check = warning
          ? { at: now.toISOString(), outcome: "warned", detail: warning.detail, over: warning.over, cost: warning.cost }
          : { at: now.toISOString(), outcome: "within" };
      } catch (err) {
        if (!(err instanceof DomainError) || err.slug !== "over-budget") throw err;
        const e = err.extra.estimate as { over?: ("points" | "spend")[]; cost?: number } | undefined;
        check = {
          at: now.toISOString(),
          outcome: "skipped",
          detail: err.message,
          ...(e?.over ? { over: e.over } : {}),
          ...(e?.cost !== undefined ? { cost: e.cost } : {}),
        };
        await tx
          .update(journeys)
          .set({ lastRunAt: now, lastBudgetCheck: check, budgetSkips: sql`${journeys.budgetSkips} + 1` })
          .where(where);
        return { enabled: true, queued: 0, steps: [], budget: check };
      }
    }
    const result = await queueSteps(tx, merchantId, row.steps, now);
    await tx
      .update(journeys)
      .set({ lastRunAt: now, ...(check ? { lastBudgetCheck: check } : {}) })
      .where(where);
    return check ? { ...result, budget: check } : result;
  });
}

async function queueSteps(db: Db, merchantId: string, steps: JourneyStep[], now: Date): Promise<JourneyPassResult> {
  const row = { steps };
  const ctx = await segmentContext(db, merchantId, now);
  const at = sql`${now.toISOString()}::timestamptz`;
  const result: JourneyPassResult = { enabled: true, queued: 0, steps: [] };
  for (const [i, step] of row.steps.entries()) {
    const seg = await findSegment(db, merchantId, step.segmentId);
    if (!seg) {
      result.steps.push({ step: i, segmentId: step.segmentId, queued: 0 });
      continue;
    }
    const members = segmentMembersQuery(compileSegment(seg.rule, await withDayBounds(db, ctx, seg.rule)), merchantId);
    const message = JSON.stringify({
      ...step.message,
      ...(step.offerId ? { offerId: step.offerId } : {}),
      ...(step.znsTemplateId ? { znsTemplateId: step.znsTemplateId } : {}),
      ...(step.znsOffer ? { znsOffer: step.znsOffer } : {}),
    });
    // Only members routed to a channel, opted in and reachable; the others are looked at again next pass.
    const routed = routedMembers(members, merchantId, step.channel ?? "auto", !!step.znsTemplateId);
    const n = await execCount(
      db,
      sql`insert into deliveries (merchant_id, source, source_key, journey_step, entry_order_id, member_id, channel, chat_id, identity_id, status, message, not_before, created_at, updated_at)
          select ${merchantId}, 'journey', ${`${JOURNEY_KIND}:${i}:`}::text || coalesce(lo.id, 'none'), ${i}::int, lo.id, r.member_id, r.channel, r.chat_id, r.identity_id,
                 'queued', ${message}::jsonb, ${at}, ${at}, ${at}
          from (${routed}) r
          left join lateral (
            select o.id from orders o where o.merchant_id = ${merchantId} and o.member_id = r.member_id and o.placed_at <= ${at}
            order by o.placed_at desc, o.id desc limit 1
          ) lo on true
          where r.channel <> 'none' and r.opted_in and r.unreachable_at is null
          on conflict (merchant_id, source_key, member_id) do nothing`,
    );
    result.steps.push({ step: i, segmentId: step.segmentId, queued: n });
    result.queued += n;
  }
  return result;
}

/** Scheduler entry (runtime-neutral): a pass for every merchant with an enabled journey. */
export async function runAllJourneys(
  db: Db,
  now: Date,
  logger: Logger = silentLogger,
  guard?: SendGuard,
): Promise<number> {
  const rows = await db
    .select({ merchantId: journeys.merchantId })
    .from(journeys)
    .where(and(eq(journeys.enabled, true), eq(journeys.kind, JOURNEY_KIND)));
  let queued = 0;
  for (const { merchantId } of rows) {
    try {
      const r = await runJourneyPass(db, merchantId, now, guard);
      queued += r.queued;
      if (r.budget?.outcome === "skipped")
        logger.warn("journey pass skipped: over budget", { merchantId, detail: r.budget.detail });
      if (r.queued > 0) logger.info("journey steps queued", { merchantId, queued: r.queued });
    } catch (err) {
      logger.error("journey pass failed", { merchantId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return queued;
}

/** Node: runs `runAllJourneys` every `everyMs` (default 10 min, first run after 20 s); `onQueued` wakes the sender. */
export function startJourneySchedule(o: {
  db: Db;
  guard?: SendGuard;
  clock: { now(): Date };
  logger?: Logger;
  everyMs?: number;
  firstRunMs?: number;
  onQueued?: () => void;
}): { stop(): void } {
  const tick = async () => {
    const n = await runAllJourneys(o.db, o.clock.now(), o.logger, o.guard).catch((err: unknown) => {
      o.logger?.error("journeys failed", { error: String(err) });
      return 0;
    });
    if (n > 0) o.onQueued?.();
  };
  const first = setTimeout(() => void tick(), o.firstRunMs ?? 20_000);
  const every = setInterval(() => void tick(), o.everyMs ?? 600_000);
  return {
    stop() {
      clearTimeout(first);
      clearInterval(every);
    },
  };
}

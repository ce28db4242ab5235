/**
 * Surveys: create, send to a segment (the campaigns' delivery queue carries the first question: same pacing,
 * consent and frequency cap), offer after orders (the survey pass, run with the journeys), take answers from the
 * chat, credit the completion points once, and report results (JSON and CSV).
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { findOne } from "../db/find.ts";
import { newestFirst } from "../db/page.ts";
import { col, execCount, num, queryRows } from "../db/rows.ts";
import { conflict, DomainError, notFound } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { csvRow } from "../lib/csv.ts";
import { silentLogger, type Logger } from "../lib/log.ts";
import { creditPoints, lockMember } from "../ledger/ledger.ts";
import { getProgram } from "../program/service.ts";
import { segmentMembersQuery } from "../segments/compile.ts";
import { compileForMerchant, requireSegment } from "../segments/service.ts";
import { routedMembers } from "../campaigns/routing.ts";
import type { ButtonsByLang, DeliveryMessage } from "../campaigns/tables.ts";
import {
  answerLabel,
  averageTimes100,
  BUTTON_CHANNELS,
  nps,
  pick,
  renderQuestion,
  surveyCopy,
  type Answer,
  type Lang,
  type Question,
  type Texts,
} from "./logic.ts";
import type { CreateSurveyInput } from "./schemas.ts";
import { surveyResponses, surveys, type SurveyBudgetCheck } from "./tables.ts";
import type { SendGuard, SendWarning } from "../campaigns/guard.ts";

type SurveyRow = typeof surveys.$inferSelect;
const DAY_MS = 86_400_000;
/** A member is "in" a survey (typed text answers it) this long after the invitation or their last answer. */
export const OPEN_DAYS = 3;
/** Zalo remembers a survey question's numbered choices this long. */
const CHOICES_TTL_MS = OPEN_DAYS * DAY_MS;
const iso = (d: Date) => d.toISOString();
const sourceKey = (surveyId: string) => `survey:${surveyId}`;

export interface SurveyView {
  id: string;
  name: string;
  intro: Texts | null;
  questions: Question[];
  points: number;
  segmentId: string | null;
  afterOrder: { delayHours: number } | null;
  sentAt: string | null;
  recipients: number | null;
  createdAt: string;
  /** Never sent and nobody invited yet: PUT /v1/surveys/{id} may still edit it. */
  draft: boolean;
  /** The latest after-order pass's budget check (docs/budget.md); null when none had anyone to invite. */
  budgetCheck: SurveyBudgetCheck | null;
  /** After-order passes not sent because they would have gone over a blocking budget. */
  budgetSkips: number;
  counts: { sent: number; started: number; completed: number };
}

/** The columns a create sets and an edit replaces, from the same input (what it leaves out is NULL). */
function surveyFields(input: CreateSurveyInput) {
  return {
    name: input.name,
    intro: input.intro ?? null,
    questions: input.questions,
    points: input.points,
    segmentId: input.segmentId ?? null,
    afterOrder: input.afterOrder ?? null,
  };
}

export async function createSurvey(db: Db, merchantId: string, input: CreateSurveyInput, now: Date) {
  if (input.segmentId) await requireSegment(db, merchantId, input.segmentId);
  const [row] = await db
    .insert(surveys)
    .values({
      id: newId("srv"),
      merchantId,
      ...surveyFields(input),
      afterOrderSince: input.afterOrder ? now : null,
      createdAt: now,
    })
    .returning();
  return view(row!, { sent: 0, started: 0, completed: 0, invited: 0 });
}

/**
 * Edits a survey while it is a draft: never sent to its segment and nobody invited yet (no delivery queued, also
 * none from the after-order pass). The whole survey is replaced, like a create (same schema). The row is locked, and
 * the after-order pass inserts its deliveries only while the survey's row is unchanged, so a pass that read the old
 * version invites nobody with it. Once sent, offered or answered → 409 survey-not-draft.
 */
export async function updateSurvey(db: Db, merchantId: string, id: string, input: CreateSurveyInput, now: Date) {
  return db.transaction(async (tx) => {
    const s = await lockSurvey(tx, merchantId, id);
    const [invited] = await queryRows(
      tx,
      sql`select count(*) as n from deliveries where merchant_id = ${merchantId} and source_key = ${sourceKey(s.id)}`,
      z.object({ n: col.num }),
    );
    if (s.sentAt || (invited?.n ?? 0) > 0)
      throw conflict(
        "survey-not-draft",
        "Survey is not a draft",
        `Survey ${s.id} was already ${s.sentAt ? `sent on ${iso(s.sentAt)}` : "offered to members"}: only drafts can be edited`,
      );
    if (input.segmentId) await requireSegment(tx, merchantId, input.segmentId);
    const [row] = await tx
      .update(surveys)
      .set({
        ...surveyFields(input),
        // Switching the after-order offer on starts it now; keeping it on keeps its start.
        afterOrderSince: input.afterOrder ? (s.afterOrder ? (s.afterOrderSince ?? s.createdAt) : now) : null,
      })
      .where(and(eq(surveys.merchantId, merchantId), eq(surveys.id, s.id)))
      .returning();
    return view(row!, { sent: 0, started: 0, completed: 0, invited: 0 });
  });
}

type Counts = SurveyView["counts"] & { invited: number };

function view(s: SurveyRow, { invited, ...counts }: Counts): SurveyView {
  return {
    id: s.id,
    name: s.name,
    intro: s.intro ?? null,
    questions: s.questions,
    points: s.points,
    segmentId: s.segmentId,
    afterOrder: s.afterOrder ?? null,
    sentAt: s.sentAt?.toISOString() ?? null,
    recipients: s.recipients,
    createdAt: s.createdAt.toISOString(),
    draft: s.sentAt === null && invited === 0,
    budgetCheck: s.lastBudgetCheck ?? null,
    budgetSkips: s.budgetSkips,
    counts,
  };
}

async function surveyCounts(db: Db, merchantId: string, ids: string[]) {
  const out = new Map<string, Counts>(ids.map((id) => [id, { sent: 0, started: 0, completed: 0, invited: 0 }]));
  if (ids.length === 0) return out;
  // Deliveries of any outcome (opted-out members included): a survey with any is no longer a draft.
  const invited = await queryRows(
    db,
    sql`select k.key as source_key from (values ${sql.join(
      ids.map((i) => sql`(${sourceKey(i)})`),
      sql`, `,
    )}) as k(key) where exists (select 1 from deliveries d where d.merchant_id = ${merchantId} and d.source_key = k.key)`,
    z.object({ source_key: z.string() }),
  );
  for (const r of invited) out.get(r.source_key.slice("survey:".length))!.invited = 1;
  const rows = await queryRows(
    db,
    sql`select r.survey_id, count(*) filter (where d.status = 'sent') as sent,
               count(*) filter (where r.step > 0) as started, count(*) filter (where r.status = 'completed') as completed
        from survey_responses r
        left join deliveries d on d.merchant_id = r.merchant_id and d.source_key = 'survey:' || r.survey_id and d.member_id = r.member_id
        where r.merchant_id = ${merchantId} and r.survey_id in (${sql.join(
          ids.map((i) => sql`${i}`),
          sql`, `,
        )}) group by r.survey_id`,
    z.object({ survey_id: z.string(), sent: col.num, started: col.num, completed: col.num }),
  );
  for (const r of rows)
    Object.assign(out.get(r.survey_id)!, { sent: r.sent, started: r.started, completed: r.completed });
  return out;
}

export async function findSurvey(db: Db, merchantId: string, id: string): Promise<SurveyRow | undefined> {
  return findOne(db, surveys, eq(surveys.id, id), eq(surveys.merchantId, merchantId));
}

async function requireSurvey(db: Db, merchantId: string, id: string): Promise<SurveyRow> {
  const s = await findSurvey(db, merchantId, id);
  if (!s) throw notFound("Survey", "survey-not-found");
  return s;
}

/** requireSurvey, the row locked for the rest of the transaction (edits and the send serialise on it). */
async function lockSurvey(tx: Db, merchantId: string, id: string): Promise<SurveyRow> {
  const [s] = await tx
    .select()
    .from(surveys)
    .where(and(eq(surveys.id, id), eq(surveys.merchantId, merchantId)))
    .for("update");
  if (!s) throw notFound("Survey", "survey-not-found");
  return s;
}

export async function getSurveyView(db: Db, merchantId: string, id: string): Promise<SurveyView> {
  const s = await requireSurvey(db, merchantId, id);
  return view(s, (await surveyCounts(db, merchantId, [s.id])).get(s.id)!);
}

export async function listSurveys(
  db: Db,
  merchantId: string,
  opts: { limit: number; before?: string | undefined },
): Promise<{ surveys: SurveyView[]; next: string | null }> {
  const { rows, next } = await newestFirst(db, surveys, merchantId, opts);
  const counts = await surveyCounts(
    db,
    merchantId,
    rows.map((r) => r.id),
  );
  return {
    surveys: rows.map((r) => view(r, counts.get(r.id)!)),
    next,
  };
}

// ---- sending ---------------------------------------------------------------------------------------------------

/** The first question as a queued message for a channel: both languages, their buttons, Zalo's numbered choices. */
function firstMessage(s: SurveyRow, channel: string): DeliveryMessage {
  const out: DeliveryMessage = {};
  const buttons: ButtonsByLang = {};
  for (const lang of ["vi", "en"] as const) {
    const intro = s.intro ? pick(s.intro, lang) : surveyCopy(lang).intro(s.points);
    const q = renderQuestion(s.id, s.questions, 0, lang, channel, intro);
    out[lang] = q.text;
    buttons[lang] = q.buttons ?? [];
  }
  out.buttons = buttons;
  if (!BUTTON_CHANNELS.includes(channel)) out.choicesTtlMs = CHOICES_TTL_MS;
  return out;
}

/** `case r.channel when … then <message>` over the chat channels (the message differs by buttons / numbers). */
function messageByChannel(s: SurveyRow): SQL {
  const json = (channel: string) => sql`${JSON.stringify(firstMessage(s, channel))}::jsonb`;
  return sql`case when r.channel in ('telegram', 'web') then ${json("telegram")} else ${json("zalo")} end`;
}

/**
 * Queues the survey for routed members (`routed` rows from routedMembers) and records their invitation, in one
 * statement. Statuses as a campaign's snapshot: opted out and unreachable members are recorded, not queued.
 */
function inviteStatement(
  s: SurveyRow,
  routed: SQL,
  now: Date,
  via: "segment" | "order",
  orderIdSql: SQL,
  guard: SQL = sql`true`,
): SQL {
  const at = sql`${iso(now)}::timestamptz`;
  return sql`with ins as (
      insert into deliveries (merchant_id, source, source_key, member_id, channel, chat_id, identity_id, status, message, not_before, created_at, updated_at)
      select ${s.merchantId}, 'survey', ${sourceKey(s.id)}, r.member_id, r.channel, r.chat_id, r.identity_id,
             case when not r.opted_in then 'opted_out' when r.unreachable_at is not null then 'blocked' else 'queued' end,
             ${messageByChannel(s)}, ${at}, ${at}, ${at}
      from (${routed}) r where r.channel <> 'none' and ${guard}
      on conflict (merchant_id, source_key, member_id) do nothing
      returning member_id, status
    )
    insert into survey_responses (merchant_id, survey_id, member_id, via, order_id, status, step, answers, invited_at, updated_at)
    select ${s.merchantId}, ${s.id}, ins.member_id, ${via}, ${orderIdSql}, 'invited', 0, '[]'::jsonb, ${at}, ${at}
    from ins where ins.status = 'queued'
    on conflict (merchant_id, survey_id, member_id) do nothing`;
}

/**
 * Sends the survey to its segment now: the members routed to a chat (surveys are answered in chat, so never ZNS)
 * get the first question through the delivery queue. Once per survey (409 already-sent); members who already got
 * it after an order are not sent it again.
 *
 * With a guard (the program budget, injected) the invitations' completion points are checked first, in the same
 * transaction, as a campaign start: over a blocking budget it throws 409 over-budget and nothing is sent or changed;
 * over a warning one it sends and returns the warning. The check is recorded on the survey (`via: "segment"`).
 */
export async function sendSurvey(
  db: Db,
  merchantId: string,
  surveyId: string,
  now: Date,
  guard?: SendGuard,
): Promise<{ id: string; recipients: number; warning?: SendWarning }> {
  return db.transaction(async (tx) => {
    const s = await lockSurvey(tx, merchantId, surveyId);
    if (s.sentAt) throw conflict("already-sent", "Already sent", `Survey ${s.id} was sent on ${iso(s.sentAt)}`);
    if (!s.segmentId)
      throw conflict(
        "no-segment",
        "No segment",
        `Survey ${s.id} has no segmentId to send to (it is only offered after orders)`,
      );
    const seg = await requireSegment(tx, merchantId, s.segmentId);
    const members = segmentMembersQuery(await compileForMerchant(tx, merchantId, seg.rule, now), merchantId);
    const routed = routedMembers(members, merchantId, "chat", false);
    let check: SurveyBudgetCheck | null = null;
    let warning: SendWarning | undefined;
    if (guard) {
      // Only those the statement below queues cost anything (opted in, reachable, not already invited).
      const [c] = await queryRows(
        tx,
        sql`select count(*) as invitations from (${routed}) r
            where r.channel <> 'none' and r.opted_in and r.unreachable_at is null
              and not exists (select 1 from deliveries d where d.merchant_id = ${merchantId} and d.source_key = ${sourceKey(s.id)} and d.member_id = r.member_id)`,
        z.object({ invitations: col.num }),
      );
      const invitations = c?.invitations ?? 0;
      if (invitations > 0) {
        const target = {
          kind: "survey" as const,
          id: s.id,
          invitations,
          zns: 0,
          points: s.points,
          via: "segment" as const,
        };
        warning = await guard(tx, merchantId, target, now); // over a blocking budget: throws, the transaction rolls back
        check = warning
          ? { at: iso(now), outcome: "warned", detail: warning.detail, over: warning.over, cost: warning.cost }
          : { at: iso(now), outcome: "within" };
        check = { ...check, invitations, via: "segment" };
      }
    }
    await tx.execute(inviteStatement(s, routed, now, "segment", sql`null`));
    const [row] = await queryRows(
      tx,
      sql`select count(*) as n from deliveries where merchant_id = ${merchantId} and source_key = ${sourceKey(s.id)}`,
      z.object({ n: col.num }),
    );
    const recipients = row?.n ?? 0;
    await tx
      .update(surveys)
      .set({ sentAt: now, recipients, ...(check ? { lastBudgetCheck: check } : {}) })
      .where(and(eq(surveys.merchantId, merchantId), eq(surveys.id, s.id)));
    return { id: s.id, recipients, ...(warning ? { warning } : {}) };
  });
}

/**
 * The survey's row is still the version `s` (locked FOR SHARE for the statement): a draft edited while the pass ran
 * (updateSurvey locks it FOR UPDATE) is never sent in its old version, and an edit waits for the pass's invitations.
 */
function unchanged(s: SurveyRow): SQL {
  return sql`exists (select 1 from surveys sv where sv.merchant_id = ${s.merchantId} and sv.id = ${s.id}
    and sv.questions = ${JSON.stringify(s.questions)}::jsonb and sv.intro is not distinct from ${s.intro ? JSON.stringify(s.intro) : null}::jsonb
    and sv.points = ${s.points} and sv.after_order is not null for share)`;
}

/**
 * The after-order pass (runtime-neutral; Node runs it with the journeys, Workers from the hourly cron): every survey
 * with `afterOrder` queues the members whose order (placed after the setting was switched on, within the last
 * week) is `delayHours` old, once per member and survey. Only members opted in and reachable now are queued, the
 * others are looked at again next pass. Returns the number queued.
 *
 * With a guard (the program budget, injected), a survey's invitations are first checked in the same transaction:
 * their completion points (every invitee completing) and ZNS invitations against the month's remaining budget.
 * Over a blocking budget nothing is queued for that survey (`budgetSkips` + 1; the members are looked at again next
 * pass); over a warning one they are queued with the warning. Either way the check is recorded on the survey.
 */
export async function runSurveyOrderPass(
  db: Db,
  now: Date,
  logger: Logger = silentLogger,
  guard?: SendGuard,
): Promise<number> {
  const rows = await db.select().from(surveys).where(sql`${surveys.afterOrder} is not null`);
  let queued = 0;
  for (const s of rows) {
    try {
      const delayMs = (s.afterOrder?.delayHours ?? 0) * 3_600_000;
      const until = new Date(now.getTime() - delayMs);
      const from = new Date(Math.max((s.afterOrderSince ?? s.createdAt).getTime(), until.getTime() - 7 * DAY_MS));
      const members = sql`select distinct o.member_id from orders o
        where o.merchant_id = ${s.merchantId} and o.member_id is not null
          and o.placed_at > ${iso(from)}::timestamptz and o.placed_at <= ${iso(until)}::timestamptz
          and not exists (select 1 from deliveries d where d.merchant_id = ${s.merchantId} and d.source_key = ${sourceKey(s.id)} and d.member_id = o.member_id)`;
      const routed = sql`select * from (${routedMembers(members, s.merchantId, "chat", false)}) x where x.opted_in and x.unreachable_at is null`;
      const orderId = sql`(select o.id from orders o where o.merchant_id = ${s.merchantId} and o.member_id = ins.member_id
        and o.placed_at <= ${iso(until)}::timestamptz order by o.placed_at desc, o.id desc limit 1)`;
      const n = await db.transaction(async (tx) => {
        const where = and(eq(surveys.merchantId, s.merchantId), eq(surveys.id, s.id));
        if (guard) {
          const [c] = await queryRows(
            tx,
            sql`select count(*) as invitations, count(*) filter (where r.channel = 'zns') as zns
                from (${routed}) r where r.channel <> 'none'`,
            z.object({ invitations: col.num, zns: col.num }),
          );
          const invitations = c?.invitations ?? 0;
          if (invitations > 0) {
            let check: SurveyBudgetCheck;
            try {
              const target = { kind: "survey" as const, id: s.id, invitations, zns: c?.zns ?? 0, points: s.points };
              const warning = await guard(tx, s.merchantId, target, now);
              check = warning
                ? { at: iso(now), outcome: "warned", detail: warning.detail, over: warning.over, cost: warning.cost }
                : { at: iso(now), outcome: "within" };
            } catch (err) {
              if (!(err instanceof DomainError) || err.slug !== "over-budget") throw err;
              const e = err.extra.estimate as { over?: ("points" | "spend")[]; cost?: number } | undefined;
              check = {
                at: iso(now),
                outcome: "skipped",
                detail: err.message,
                ...(e?.over ? { over: e.over } : {}),
                ...(e?.cost !== undefined ? { cost: e.cost } : {}),
                invitations,
              };
              await tx
                .update(surveys)
                .set({ lastBudgetCheck: check, budgetSkips: sql`${surveys.budgetSkips} + 1` })
                .where(where);
              logger.warn("survey after-order invitations skipped: over budget", {
                surveyId: s.id,
                detail: check.detail,
              });
              return 0;
            }
            const sent = await execCount(tx, inviteStatement(s, routed, now, "order", orderId, unchanged(s)));
            await tx
              .update(surveys)
              .set({ lastBudgetCheck: { ...check, invitations: sent } })
              .where(where);
            return sent;
          }
        }
        return execCount(tx, inviteStatement(s, routed, now, "order", orderId, unchanged(s)));
      });
      queued += n;
      if (n > 0) logger.info("survey offered after orders", { surveyId: s.id, queued: n });
    } catch (err) {
      logger.error("survey pass failed", { surveyId: s.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return queued;
}

// ---- answering (the chat core) ---------------------------------------------------------------------------------

export interface OpenSurvey {
  survey: SurveyRow;
  step: number;
}

/**
 * The survey a member is answering now, if any: invited (its message was sent), not completed, and the invitation
 * or the last answer at most OPEN_DAYS old — the newest such one. Typed text then answers its current question.
 */
export async function openSurvey(
  db: Db,
  merchantId: string,
  memberId: string,
  now: Date,
): Promise<OpenSurvey | undefined> {
  const since = iso(new Date(now.getTime() - OPEN_DAYS * DAY_MS));
  const rows = await queryRows(
    db,
    sql`select r.survey_id, r.step from survey_responses r
        join deliveries d on d.merchant_id = r.merchant_id and d.source_key = 'survey:' || r.survey_id and d.member_id = r.member_id
        where r.merchant_id = ${merchantId} and r.member_id = ${memberId} and r.status <> 'completed' and d.status = 'sent'
          and greatest(r.updated_at, d.sent_at) > ${since}::timestamptz
        order by greatest(r.updated_at, d.sent_at) desc limit 1`,
    z.object({ survey_id: z.string(), step: z.number() }),
  );
  const r = rows[0];
  if (!r) return undefined;
  const survey = await findSurvey(db, merchantId, r.survey_id);
  return survey && r.step < survey.questions.length ? { survey, step: r.step } : undefined;
}

export type AnswerOutcome =
  /** The survey is not this member's (never invited) or no longer exists. */
  | { kind: "unknown" }
  | { kind: "completed-before" }
  /** An answer to another question than the current one (an old button): ask the current one again. */
  | { kind: "out-of-turn"; survey: SurveyRow; step: number }
  | { kind: "next"; survey: SurveyRow; step: number }
  | { kind: "completed"; survey: SurveyRow; points: number };

/**
 * Records the answer to question `q` (the member's current one) in one transaction; the last answer completes the
 * response and credits the survey's points: the response row's move to `completed` happens once (row lock), and the
 * ledger entry carries the key `survey:<id>:<member>`, checked under the member's lock, so the points are credited
 * once however often (or concurrently) the last answer arrives.
 */
export async function answerSurvey(
  db: Db,
  merchantId: string,
  memberId: string,
  surveyId: string,
  q: number,
  answer: Answer,
  now: Date,
): Promise<AnswerOutcome> {
  const survey = await findSurvey(db, merchantId, surveyId);
  if (!survey) return { kind: "unknown" };
  return db.transaction(async (tx): Promise<AnswerOutcome> => {
    const [r] = await tx
      .select()
      .from(surveyResponses)
      .where(
        and(
          eq(surveyResponses.merchantId, merchantId),
          eq(surveyResponses.surveyId, surveyId),
          eq(surveyResponses.memberId, memberId),
        ),
      )
      .for("update");
    if (!r) return { kind: "unknown" };
    if (r.status === "completed") return { kind: "completed-before" };
    if (q !== r.step) return { kind: "out-of-turn", survey, step: r.step };
    const answers = [...r.answers];
    answers[q] = answer;
    const step = q + 1;
    const done = step >= survey.questions.length;
    let points = 0;
    if (done && survey.points > 0) points = await creditOnce(tx, survey, memberId, now);
    await tx
      .update(surveyResponses)
      .set({
        answers,
        step,
        status: done ? "completed" : "started",
        completedAt: done ? now : null,
        pointsAwarded: points,
        updatedAt: now,
      })
      .where(and(eq(surveyResponses.merchantId, merchantId), eq(surveyResponses.id, r.id)));
    return done ? { kind: "completed", survey, points } : { kind: "next", survey, step };
  });
}

/** Credits the survey's points unless the member's ledger already holds its entry (under the member lock). */
async function creditOnce(tx: Db, survey: SurveyRow, memberId: string, now: Date): Promise<number> {
  const member = await lockMember(tx, survey.merchantId, memberId);
  if (!member) return 0;
  const key = `${sourceKey(survey.id)}:${memberId}`;
  const [seen] = await queryRows(
    tx,
    sql`select count(*) as n from ledger_entries where merchant_id = ${survey.merchantId} and member_id = ${memberId} and reason = ${key}`,
    z.object({ n: col.num }),
  );
  if ((seen?.n ?? 0) > 0) return 0;
  const program = await getProgram(tx, survey.merchantId);
  const expiresAt = program.pointsExpireDays ? new Date(now.getTime() + program.pointsExpireDays * DAY_MS) : null;
  await creditPoints(tx, member, "bonus", survey.points, {
    at: now,
    availableAt: now,
    expiresAt,
    reason: key,
    breakdown: { surveyId: survey.id },
  });
  return survey.points;
}

// ---- results ---------------------------------------------------------------------------------------------------

interface ResponseRow {
  member_id: string;
  via: string;
  order_id: string | null;
  status: string;
  answers: unknown;
  points_awarded: number;
  invited_at: Date | null;
  completed_at: Date | null;
  updated_at: Date | null;
}

async function responseRows(db: Db, s: SurveyRow, segmentId: string | undefined, now: Date): Promise<ResponseRow[]> {
  const only = await segmentFilter(db, s.merchantId, segmentId, now);
  return queryRows(
    db,
    sql`select r.member_id, r.via, r.order_id, r.status, r.answers, r.points_awarded, r.invited_at, r.completed_at, r.updated_at
        from survey_responses r where r.merchant_id = ${s.merchantId} and r.survey_id = ${s.id} ${only}
        order by r.updated_at desc, r.id desc`,
    z.object({
      member_id: z.string(),
      via: z.string(),
      order_id: z.string().nullable(),
      status: z.string(),
      answers: z.unknown(),
      points_awarded: z.number(),
      invited_at: col.dateOrNull,
      completed_at: col.dateOrNull,
      updated_at: col.dateOrNull,
    }),
  );
}

/** `and r.member_id in (<segment members now>)`, or nothing. */
async function segmentFilter(db: Db, merchantId: string, segmentId: string | undefined, now: Date): Promise<SQL> {
  if (!segmentId) return sql``;
  const seg = await requireSegment(db, merchantId, segmentId);
  const members = segmentMembersQuery(await compileForMerchant(db, merchantId, seg.rule, now), merchantId);
  return sql`and r.member_id in (select member_id from (${members}) sm)`;
}

const answersOf = (v: unknown): Answer[] => (Array.isArray(v) ? (v as Answer[]) : []);

export async function surveyResults(
  db: Db,
  merchantId: string,
  surveyId: string,
  opts: { segmentId?: string | undefined; lang: Lang },
  now: Date,
) {
  const s = await requireSurvey(db, merchantId, surveyId);
  const only = await segmentFilter(db, merchantId, opts.segmentId, now);
  const deliveries = await queryRows(
    db,
    sql`select r.status, count(*) as n from deliveries r
        where r.merchant_id = ${merchantId} and r.source_key = ${sourceKey(s.id)} ${only} group by r.status`,
    z.object({ status: z.string(), n: col.num }),
  );
  const responses = await responseRows(db, s, opts.segmentId, now);
  const byStatus = Object.fromEntries(deliveries.map((d) => [d.status, d.n]));
  const sent = byStatus.sent ?? 0;
  const completed = responses.filter((r) => r.status === "completed").length;
  const questions = s.questions.map((q, index) => {
    const given = responses
      .map((r) => ({ r, a: answersOf(r.answers)[index] }))
      .filter((x): x is { r: ResponseRow; a: number | string } => x.a !== null && x.a !== undefined);
    const base = { index, type: q.type, text: pick(q.text, opts.lang), answered: given.length };
    if (q.type === "text")
      return {
        ...base,
        counts: [],
        answers: given.slice(0, 100).map(({ r, a }) => ({
          memberId: r.member_id,
          text: String(a),
          at: (r.updated_at ?? now).toISOString(),
        })),
      };
    const values = given.map((g) => Number(g.a));
    const domain =
      q.type === "choice"
        ? q.options.map((_, i) => i)
        : q.type === "rating"
          ? [1, 2, 3, 4, 5]
          : Array.from({ length: 11 }, (_, i) => i);
    const counts = domain.map((value) => ({
      value,
      label: answerLabel(q, value, opts.lang),
      count: values.filter((v) => v === value).length,
    }));
    if (q.type === "rating") {
      const avg = averageTimes100(values);
      return { ...base, counts, average: avg === null ? null : avg / 100 };
    }
    if (q.type === "nps") return { ...base, counts, nps: nps(values) };
    return { ...base, counts };
  });
  return {
    surveyId: s.id,
    segmentId: opts.segmentId ?? null,
    deliveries: byStatus,
    sent,
    started: responses.filter((r) => answersOf(r.answers).length > 0).length,
    completed,
    completionRate: sent > 0 ? Math.round((completed / sent) * 10_000) / 10_000 : null,
    pointsAwarded: responses.reduce((a, r) => a + num(r.points_awarded), 0),
    budgetSkips: s.budgetSkips,
    questions,
  };
}

/** Customers' texts must not run as formulas when the CSV is opened in a spreadsheet. */
const spreadsheetSafe = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

/** One line per invited member: who, how, status, when, points, then one column per question (labels). */
export async function surveyCsv(
  db: Db,
  merchantId: string,
  surveyId: string,
  opts: { segmentId?: string | undefined; lang: Lang },
  now: Date,
): Promise<string> {
  const s = await requireSurvey(db, merchantId, surveyId);
  const rows = await responseRows(db, s, opts.segmentId, now);
  const head = [
    "member_id",
    "via",
    "order_id",
    "status",
    "invited_at",
    "completed_at",
    "points_awarded",
    ...s.questions.map((q, i) => `q${i + 1} ${pick(q.text, opts.lang)}`),
  ];
  const lines = [csvRow(head)];
  for (const r of rows) {
    const answers = answersOf(r.answers);
    lines.push(
      csvRow([
        r.member_id,
        r.via,
        r.order_id ?? "",
        r.status,
        r.invited_at?.toISOString() ?? "",
        r.completed_at?.toISOString() ?? "",
        String(r.points_awarded),
        ...s.questions.map((q, i) => spreadsheetSafe(answerLabel(q, answers[i], opts.lang))),
      ]),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

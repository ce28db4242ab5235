/**
 * Tables of surveys (drizzle-kit picks up `src/*\/tables.ts`): the surveys and one response row per survey and
 * member (the conversation's state: which question is next, the answers so far, whether the points were given).
 * The messages themselves go through the campaigns' delivery queue (`deliveries`, source `survey`).
 */
import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import {
  ts,
  createdAt,
  updatedAt,
  memberId,
  merchantRow,
  merchantLog,
  merchantCreatedIndex,
  counter,
} from "../db/columns.ts";
import type { PassBudgetCheck } from "../campaigns/tables.ts";
import type { Answer, Question, Texts } from "./logic.ts";

export interface AfterOrder {
  /** Hours after the order's placedAt before the survey is offered (0–168). */
  delayHours: number;
}

/** The budget check of an after-order pass that had members to invite, or of the segment send (docs/budget.md). */
export interface SurveyBudgetCheck extends PassBudgetCheck {
  /** The members the pass would have invited (skipped) or invited. */
  invitations?: number;
  /** "segment": POST …/send's check (absent: an after-order pass). */
  via?: "segment";
}

export const surveys = pgTable(
  "surveys",
  {
    ...merchantRow(),
    name: text("name").notNull(),
    /** Shown above the first question (per language); null = the default greeting. */
    intro: jsonb("intro").$type<Texts | null>(),
    questions: jsonb("questions").$type<Question[]>().notNull(),
    /** Points for completing it, once per member (0 = none). */
    points: integer("points").notNull().default(0),
    /** The segment sent to by POST …/send (optional when the survey is only offered after orders). */
    segmentId: text("segment_id"),
    /** Offer it after an order (null = off): the survey pass queues members whose order is `delayHours` old. */
    afterOrder: jsonb("after_order").$type<AfterOrder | null>(),
    /** Orders placed before this time never trigger the after-order offer (set when the setting is switched on). */
    afterOrderSince: ts("after_order_since"),
    /** The latest after-order pass's budget check (null: none had anyone to invite, or no guard). */
    lastBudgetCheck: jsonb("last_budget_check").$type<SurveyBudgetCheck | null>(),
    /** After-order passes skipped because their invitations would have gone over a blocking budget. */
    budgetSkips: counter("budget_skips"),
    /** When POST …/send fixed the segment's recipients (null = never sent to a segment). */
    sentAt: ts("sent_at"),
    recipients: integer("recipients"),
    createdAt: createdAt(),
  },
  (t) => [merchantCreatedIndex("surveys_merchant_idx", t)],
);

export type ResponseStatus = "invited" | "started" | "completed";

export const surveyResponses = pgTable(
  "survey_responses",
  {
    ...merchantLog(),
    surveyId: text("survey_id").notNull(),
    memberId: memberId(),
    /** How the member was invited: the segment send, or an order (its id in `orderId`). */
    via: text("via").$type<"segment" | "order">().notNull(),
    orderId: text("order_id"),
    status: text("status").$type<ResponseStatus>().notNull(),
    /** The question asked next (0-based); = questions.length once completed. */
    step: integer("step").notNull().default(0),
    answers: jsonb("answers").$type<Answer[]>().notNull(),
    /** Points credited on completion (0 when the survey gives none). */
    pointsAwarded: integer("points_awarded").notNull().default(0),
    invitedAt: ts("invited_at").notNull(),
    completedAt: ts("completed_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("survey_responses_member_uq").on(t.merchantId, t.surveyId, t.memberId),
    index("survey_responses_member_idx").on(t.merchantId, t.memberId, t.updatedAt),
  ],
);

/** Request and response schemas of /v1/surveys (also the OpenAPI document). */
import { z } from "zod";
import { id, int4, text } from "../lib/validate.ts";
import { MAX_OPTIONS, MAX_QUESTIONS } from "./logic.ts";
import { budgetCheckFields } from "../lib/schemas/budget-check.ts";

const line = (max: number) => text(max).trim().min(1);

/** Text per language: vi (the fallback) and/or en. */
const texts = (max: number) =>
  z
    .strictObject({ vi: line(max).optional(), en: line(max).optional() })
    .refine((t) => t.vi !== undefined || t.en !== undefined, { message: "give the text in vi and/or en" });

const QuestionText = texts(300).describe("The question per language (members get theirs, else vi)");

export const QuestionSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("choice"),
    text: QuestionText,
    options: z.array(texts(60)).min(2).max(MAX_OPTIONS).describe(`2–${MAX_OPTIONS} options`),
  }),
  z.strictObject({ type: z.literal("rating"), text: QuestionText.describe("Answered with 1–5") }),
  z.strictObject({ type: z.literal("nps"), text: QuestionText.describe("Answered with 0–10 (Net Promoter Score)") }),
  z.strictObject({ type: z.literal("text"), text: QuestionText.describe("Answered with a short text (≤ 500 chars)") }),
]);

export const AfterOrderSchema = z
  .strictObject({ delayHours: int4(0, 168).default(2) })
  .describe("Offer the survey after an order, delayHours after it was placed (once per member, ever)");

export const CreateSurveySchema = z.strictObject({
  name: line(200),
  intro: texts(1000).optional().describe("Shown above the first question; default: a short thank-you greeting"),
  questions: z.array(QuestionSchema).min(1).max(MAX_QUESTIONS),
  points: int4(0, 1_000_000).default(0).describe("Points for completing the survey, credited once per member"),
  segmentId: id(100).optional().describe("The segment POST /v1/surveys/{id}/send sends to"),
  afterOrder: AfterOrderSchema.nullable().optional(),
});
export type CreateSurveyInput = z.output<typeof CreateSurveySchema>;

const TextsView = z.object({ vi: z.string().optional(), en: z.string().optional() });

export const SurveyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  intro: TextsView.nullable(),
  questions: z.array(QuestionSchema),
  points: z.number().int(),
  segmentId: z.string().nullable(),
  afterOrder: z.object({ delayHours: z.number().int() }).nullable(),
  sentAt: z.string().nullable().describe("When POST …/send fixed the segment's recipients"),
  recipients: z.number().int().nullable(),
  createdAt: z.string(),
  draft: z.boolean().describe("Never sent and nobody invited yet: PUT /v1/surveys/{id} can still edit it"),
  budgetCheck: z
    .object({
      ...budgetCheckFields("The invitations' estimated cost (currency minor units)"),
      invitations: z.number().int().optional().describe("Members the pass invited, or would have (skipped)"),
      via: z
        .literal("segment")
        .optional()
        .describe(
          "segment: the check of POST …/send (a blocked send is refused with 409 and not recorded); absent: an after-order pass",
        ),
    })
    .nullable()
    .describe(
      "The latest budget check of the survey's invitations, an after-order pass's or the segment send's (completion points × invitees × point value, plus ZNS invitations): within the month's remaining budget, over it and sent with a warning, or skipped (the budget blocks). Null: nobody to invite was checked yet",
    ),
  budgetSkips: z
    .number()
    .int()
    .describe("After-order passes whose invitations were not sent because they would have gone over a blocking budget"),
  counts: z.object({
    sent: z.number().int().describe("Members the survey reached (a segment send or after an order)"),
    started: z.number().int().describe("Members who answered at least one question"),
    completed: z.number().int(),
  }),
});

const Counted = z.object({ value: z.number().int(), label: z.string(), count: z.number().int() });

export const QuestionResultSchema = z.object({
  index: z.number().int(),
  type: z.enum(["choice", "rating", "nps", "text"]),
  text: z.string(),
  answered: z.number().int().describe("Members who answered this question (skips not counted)"),
  counts: z.array(Counted).describe("choice: per option; rating: 1–5; nps: 0–10; text: empty"),
  average: z.number().nullable().optional().describe("rating: the mean (2 decimals)"),
  nps: z
    .object({
      responses: z.number().int(),
      promoters: z.number().int(),
      passives: z.number().int(),
      detractors: z.number().int(),
      score: z.number().int().nullable().describe("round(100 × (promoters − detractors) / responses)"),
    })
    .optional(),
  answers: z
    .array(z.object({ memberId: z.string(), text: z.string(), at: z.string() }))
    .optional()
    .describe("text: the latest 100 answers, newest first"),
});

export const SurveyResultsSchema = z.object({
  surveyId: z.string(),
  segmentId: z.string().nullable().describe("The segment the results are restricted to (?segmentId=), else null"),
  deliveries: z
    .record(z.string(), z.number().int())
    .describe("Delivery outcomes: queued, sent, opted_out, skipped_cap, blocked, failed, …"),
  sent: z.number().int(),
  started: z.number().int(),
  completed: z.number().int(),
  completionRate: z.number().nullable().describe("completed / sent (4 decimals)"),
  pointsAwarded: z.number().int(),
  budgetSkips: z
    .number()
    .int()
    .describe(
      "After-order passes whose invitations were not sent because they would have gone over a blocking budget (the survey's view has the latest check)",
    ),
  questions: z.array(QuestionResultSchema),
});

export const ResultsQuery = z.object({
  segmentId: id(100).optional().describe("Only members now in this segment (answers per segment)"),
  lang: z.enum(["vi", "en"]).default("vi").describe("Language of the labels"),
});

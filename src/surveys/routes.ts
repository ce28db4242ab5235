/** /v1/surveys: create, edit a draft, list, get, send to a segment, results (JSON and CSV). */
import { z } from "zod";
import { apiGroup, found, pageOf, ok, created } from "../http/route.ts";
import { wakeDeliveryWorkers } from "../campaigns/worker.ts";
import { SendWarningSchema } from "../campaigns/guard.ts";
import { CreateSurveySchema, ResultsQuery, SurveyResultsSchema, SurveyViewSchema } from "./schemas.ts";
import {
  createSurvey,
  getSurveyView,
  listSurveys,
  sendSurvey,
  surveyCsv,
  surveyResults,
  updateSurvey,
} from "./service.ts";
import { lastIdCursor, pageLimit } from "../lib/schemas/fields.ts";

const api = apiGroup("Surveys");

api.post(
  "/v1/surveys",
  {
    summary: "Create a survey: 1–5 questions (choice, rating 1–5, nps 0–10, text), optional points for completing it",
    description:
      "Texts are {vi, en} (members get theirs, else vi). segmentId is who POST …/send reaches; afterOrder {delayHours} also offers it after an order (once per member). Answered in chat: buttons on Telegram, numbered choices on Zalo. An unknown segmentId → 404 segment-not-found.",
    body: CreateSurveySchema,
    responses: created("The survey", SurveyViewSchema, { 404: "Unknown segment" }),
  },
  async ({ db, merchantId, now, body }) => await createSurvey(db, merchantId, body, now),
);

api.get(
  "/v1/surveys",
  {
    summary: "Surveys, newest first, with counts",
    query: z.object({
      limit: pageLimit(200),
      before: lastIdCursor(z.string().max(100)),
    }),
    responses: ok("A page of surveys", pageOf("surveys", SurveyViewSchema)),
  },
  async ({ db, merchantId, query }) => await listSurveys(db, merchantId, query),
);

api.get(
  "/v1/surveys/{id}",
  {
    summary: "A survey with its counts (sent, started, completed)",
    responses: found("The survey", SurveyViewSchema, "No such survey of this merchant"),
  },
  async ({ db, merchantId, param }) => await getSurveyView(db, merchantId, param("id")),
);

api.put(
  "/v1/surveys/{id}",
  {
    summary: "Edit a draft survey: the whole survey, with the same body as POST /v1/surveys",
    description:
      "Only while it is a draft: not sent to its segment and not offered to anyone after an order. Otherwise 409 survey-not-draft. An unknown segmentId → 404 segment-not-found.",
    body: CreateSurveySchema,
    responses: ok("The edited survey", SurveyViewSchema, {
      404: "No such survey of this merchant, or unknown segment",
      409: "The survey was sent or offered already (…/survey-not-draft)",
    }),
  },
  async ({ db, merchantId, now, param, body }) => await updateSurvey(db, merchantId, param("id"), body, now),
);

api.post(
  "/v1/surveys/{id}/send",
  {
    summary: "Send the survey to its segment now (no body): like a campaign, through the delivery queue",
    description:
      "Members of the segment with a linked chat get the first question (opted-out members and unreachable chats are recorded, not sent to; the frequency cap and quiet hours apply when each message goes out). Once per survey: again → 409 already-sent; no segmentId → 409 no-segment. Over the month's remaining budget (docs/budget.md: completion points × invitees × point value): 409 over-budget when the budget blocks (nothing sent), else sent with a `budget` warning; the check is recorded on the survey (`budgetCheck`, via segment).",
    responses: {
      202: {
        description: "Sending",
        schema: z.object({
          id: z.string(),
          status: z.literal("sending"),
          recipients: z.number().int(),
          budget: SendWarningSchema.optional(),
        }),
      },
      404: { description: "No such survey, or its segment is gone" },
      409: {
        description:
          "Already sent (…/already-sent), no segment (…/no-segment), or over a blocking budget (…/over-budget)",
      },
    },
  },
  async ({ db, merchantId, now, param, deps }) => {
    const r = await sendSurvey(db, merchantId, param("id"), now, deps.sendGuard);
    wakeDeliveryWorkers();
    return {
      id: r.id,
      status: "sending" as const,
      recipients: r.recipients,
      ...(r.warning ? { budget: r.warning } : {}),
    };
  },
);

api.get(
  "/v1/surveys/{id}/results",
  {
    summary: "Results: deliveries, completion, per question counts, rating average, NPS, text answers",
    description:
      "segmentId restricts everything to the members now in that segment (results per segment). NPS = round(100 × (promoters 9–10 − detractors 0–6) / responses).",
    query: ResultsQuery,
    responses: found("The results", SurveyResultsSchema, "No such survey or segment"),
  },
  async ({ db, merchantId, now, param, query }) => await surveyResults(db, merchantId, param("id"), query, now),
);

api.get(
  "/v1/surveys/{id}/results.csv",
  {
    summary: "The responses as CSV: one line per invited member, one column per question (answer labels)",
    query: ResultsQuery,
    responses: {
      200: { description: "text/csv; member_id, via, order_id, status, invited_at, completed_at, points_awarded, q1…" },
      404: { description: "No such survey or segment" },
    },
  },
  async ({ c, db, merchantId, now, param, query }) => {
    const csv = await surveyCsv(db, merchantId, param("id"), query, now);
    c.header("content-type", "text/csv; charset=utf-8");
    c.header("content-disposition", `attachment; filename="survey-${param("id")}.csv"`);
    return c.body(csv);
  },
);

export const surveyRoutes = api.app;

/**
 * Console HTTP glue for surveys: the list, "New survey" (POST /v1/surveys semantics), one survey's results
 * (optionally for one segment), its CSV, the editor of a draft (PUT /v1/surveys/{id} semantics) and its send to
 * its segment (POST /v1/surveys/{id}/send, with the budget guard) — the same
 * services /v1/surveys uses, behind the console's session.
 */
import { Hono } from "hono";
import { listSegments } from "../segments/service.ts";
import {
  createSurvey,
  getSurveyView,
  listSurveys,
  sendSurvey,
  surveyCsv,
  surveyResults,
  updateSurvey,
} from "../surveys/service.ts";
import { DomainError } from "../lib/errors.ts";
import { wakeDeliveryWorkers } from "../campaigns/worker.ts";
import { sendRefusal } from "./budget-page.ts";
import { BUDGET_COPY } from "./copy.ts";
import { ResultsQuery } from "../surveys/schemas.ts";
import type { ConsoleEnv } from "./env.ts";
import { type C, ctx, tz } from "./request.ts";
import { SURVEY_COPY, surveyPage, surveysPage } from "./surveys-page.ts";
import { parseSurveyForm, SURVEY_EDIT_COPY, surveyEditPage, surveyNewPage } from "./survey-edit.ts";

export const surveyPages = new Hono<ConsoleEnv>();

/** `?segmentId=` (empty = all members); an unusable value is ignored rather than failing the page. */
function query(c: C) {
  const q = ResultsQuery.safeParse({ segmentId: c.req.query("segmentId") || undefined, lang: c.get("lang") });
  return q.success ? q.data : { lang: c.get("lang") };
}

surveyPages.get("/surveys", async (c) => {
  const { db, m } = ctx(c);
  const { surveys } = await listSurveys(db, m, { limit: 200 });
  return c.html(surveysPage(c.get("lang"), surveys, await tz(c)));
});

const segmentsOf = async (c: C) =>
  (await listSegments(c.get("db"), c.get("consoleMerchantId"))).map((s) => ({ id: s.id, name: s.name }));

// Registered before /surveys/:id so that "new" is never read as a survey id.
surveyPages.get("/surveys/new", async (c) => c.html(surveyNewPage(c.get("lang"), { segments: await segmentsOf(c) })));

/** POST /v1/surveys semantics (same schema, same createSurvey): errors in place; created → the survey's page. */
surveyPages.post("/surveys/new", async (c) => {
  const { db, m, now } = ctx(c);
  const segments = await segmentsOf(c);
  const form = parseSurveyForm(await c.req.parseBody(), c.get("lang"));
  const again = (errors: Record<string, string>) =>
    c.html(surveyNewPage(c.get("lang"), { segments, values: form.values, errors }), 400);
  if (!form.input) return again(form.errors ?? {});
  let id: string;
  try {
    id = (await createSurvey(db, m, form.input, now)).id;
  } catch (err) {
    if (err instanceof DomainError && err.slug === "segment-not-found") return again({ segmentId: err.message });
    throw err;
  }
  return c.redirect(`/console/surveys/${encodeURIComponent(id)}?ok=created`, 303);
});

/** One survey's page: its results, a flash (`?ok=`) or a refused send's error. */
async function showSurvey(c: C, id: string, msg: { flash?: string | undefined; error?: string | undefined }) {
  const { db, m, now } = ctx(c);
  const q = query(c);
  // An unknown survey or segment throws a 404 DomainError: the console's error handler shows its not-found page.
  const survey = await getSurveyView(db, m, id);
  const results = await surveyResults(db, m, survey.id, q, now);
  const segments = (await listSegments(db, m)).map((s) => ({ id: s.id, name: s.name }));
  return surveyPage(c.get("lang"), { survey, results, segments, segmentId: q.segmentId, ...msg });
}

surveyPages.get("/surveys/:id", async (c) => {
  const lang = c.get("lang");
  const ok = c.req.query("ok");
  const copy = SURVEY_EDIT_COPY[lang];
  const flash =
    ok === "saved"
      ? copy.saved
      : ok === "created"
        ? copy.created
        : ok === "sending"
          ? SURVEY_COPY[lang].sending
          : ok === "sending-over"
            ? BUDGET_COPY[lang].sentOver
            : undefined;
  return c.html(await showSurvey(c, c.req.param("id"), { flash }));
});

/** POST /v1/surveys/{id}/send semantics, with the same budget guard: a refusal (409) is shown on the survey's page. */
surveyPages.post("/surveys/:id/send", async (c) => {
  const { db, m, now } = ctx(c);
  const id = c.req.param("id");
  let warned = false;
  try {
    warned = (await sendSurvey(db, m, id, now, c.get("deps").sendGuard)).warning !== undefined;
  } catch (err) {
    // 404 and anything unexpected rethrow.
    return c.html(await showSurvey(c, id, { error: sendRefusal(c.get("lang"), err) }), 409);
  }
  wakeDeliveryWorkers();
  return c.redirect(`/console/surveys/${encodeURIComponent(id)}?ok=${warned ? "sending-over" : "sending"}`, 303);
});

surveyPages.get("/surveys/:id/results.csv", async (c) => {
  const { db, m, now } = ctx(c);
  const csv = await surveyCsv(db, m, c.req.param("id"), query(c), now);
  c.header("content-type", "text/csv; charset=utf-8");
  c.header("content-disposition", `attachment; filename="survey-${c.req.param("id")}.csv"`);
  return c.body(csv);
});

surveyPages.get("/surveys/:id/edit", async (c) => {
  const { db, m } = ctx(c);
  const survey = await getSurveyView(db, m, c.req.param("id"));
  return c.html(
    surveyEditPage(c.get("lang"), { survey, segments: await segmentsOf(c), notDraft: !survey.draft }),
    survey.draft ? 200 : 409,
  );
});

/** PUT /v1/surveys/{id} semantics: a refused form comes back with the errors in place; saved → the survey's page. */
surveyPages.post("/surveys/:id/edit", async (c) => {
  const { db, m, now } = ctx(c);
  const survey = await getSurveyView(db, m, c.req.param("id"));
  const segments = await segmentsOf(c);
  const form = parseSurveyForm(await c.req.parseBody(), c.get("lang"));
  const again = (errors: Record<string, string>, status: 400 | 409, notDraft = false) =>
    c.html(surveyEditPage(c.get("lang"), { survey, segments, values: form.values, errors, notDraft }), status);
  if (!form.input) return again(form.errors ?? {}, 400);
  try {
    await updateSurvey(db, m, survey.id, form.input, now);
  } catch (err) {
    if (err instanceof DomainError && err.slug === "survey-not-draft") return again({}, 409, true);
    if (err instanceof DomainError && err.slug === "segment-not-found") return again({ segmentId: err.message }, 400);
    throw err;
  }
  return c.redirect(`/console/surveys/${encodeURIComponent(survey.id)}?ok=saved`, 303);
});

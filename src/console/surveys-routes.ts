/**
 * Console HTTP glue for surveys: the list, one survey's results (optionally for one segment) and its CSV — the same
 * services /v1/surveys uses, behind the console's session.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { merchantTimezone } from "../merchants/service.ts";
import { listSegments } from "../segments/service.ts";
import { getSurveyView, listSurveys, surveyCsv, surveyResults } from "../surveys/service.ts";
import { ResultsQuery } from "../surveys/schemas.ts";
import type { ConsoleEnv } from "./env.ts";
import { surveyPage, surveysPage } from "./surveys-page.ts";

type C = Context<ConsoleEnv>;
export const surveyPages = new Hono<ConsoleEnv>();

const ctx = (c: C) => ({ db: c.get("db"), m: c.get("consoleMerchantId"), now: c.get("deps").clock.now() });

/** `?segmentId=` (empty = all members); an unusable value is ignored rather than failing the page. */
function query(c: C) {
  const q = ResultsQuery.safeParse({ segmentId: c.req.query("segmentId") || undefined, lang: c.get("lang") });
  return q.success ? q.data : { lang: c.get("lang") };
}

surveyPages.get("/surveys", async (c) => {
  const { db, m } = ctx(c);
  const { surveys } = await listSurveys(db, m, { limit: 200 });
  return c.html(surveysPage(c.get("lang"), surveys, (await merchantTimezone(db, m)) ?? "Asia/Ho_Chi_Minh"));
});

surveyPages.get("/surveys/:id", async (c) => {
  const { db, m, now } = ctx(c);
  const q = query(c);
  // An unknown survey or segment throws a 404 DomainError: the console's error handler shows its not-found page.
  const survey = await getSurveyView(db, m, c.req.param("id"));
  const results = await surveyResults(db, m, survey.id, q, now);
  const segments = (await listSegments(db, m)).map((s) => ({ id: s.id, name: s.name }));
  return c.html(surveyPage(c.get("lang"), { survey, results, segments, segmentId: q.segmentId }));
});

surveyPages.get("/surveys/:id/results.csv", async (c) => {
  const { db, m, now } = ctx(c);
  const csv = await surveyCsv(db, m, c.req.param("id"), query(c), now);
  c.header("content-type", "text/csv; charset=utf-8");
  c.header("content-disposition", `attachment; filename="survey-${c.req.param("id")}.csv"`);
  return c.body(csv);
});

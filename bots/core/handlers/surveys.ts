/**
 * Answering a survey in chat: a pressed button (Telegram, the simulator) or a typed number that picked a numbered
 * choice (Zalo) carries `sv:<survey>:<question>:<value>`; typed text answers the current question of the survey the
 * member is in (short text, an NPS score typed on Zalo). Each answer asks the next question; the last one thanks
 * the member and tells the points credited (once, by the survey service).
 */
import type { MemberRow } from "../../../src/ledger/ledger.ts";
import { answerSurvey, findSurvey, openSurvey, type AnswerOutcome } from "../../../src/surveys/service.ts";
import {
  answerFromButton,
  answerFromText,
  renderQuestion,
  surveyCopy,
  type Answer,
} from "../../../src/surveys/logic.ts";
import { menu, msg, type Ctx } from "../context.ts";
import type { ReplyMessage } from "../types.ts";

type SurveyRow = NonNullable<Awaited<ReturnType<typeof findSurvey>>>;

function question(ctx: Ctx, survey: SurveyRow, step: number): ReplyMessage {
  const q = renderQuestion(survey.id, survey.questions, step, ctx.lang, ctx.input.channel);
  return msg(q.text, q.buttons);
}

async function record(ctx: Ctx, m: MemberRow, surveyId: string, q: number, answer: Answer): Promise<ReplyMessage[]> {
  const out: AnswerOutcome = await answerSurvey(ctx.db, m.merchantId, m.id, surveyId, q, answer, ctx.now);
  const c = surveyCopy(ctx.lang);
  switch (out.kind) {
    case "unknown":
      return [msg(c.gone, menu(ctx.copy))];
    case "completed-before":
      return [msg(c.answeredBefore, menu(ctx.copy))];
    case "out-of-turn":
    case "next":
      return [question(ctx, out.survey, out.step)];
    case "completed":
      return [msg(c.thanks(out.points), menu(ctx.copy))];
  }
}

export async function answerButton(
  ctx: Ctx,
  m: MemberRow,
  a: { surveyId: string; q: number; value: number | "s" },
): Promise<ReplyMessage[]> {
  const survey = await findSurvey(ctx.db, m.merchantId, a.surveyId);
  const q = survey?.questions[a.q];
  const answer = q ? answerFromButton(q, a.value) : undefined;
  if (!survey || answer === undefined) return [msg(surveyCopy(ctx.lang).gone, menu(ctx.copy))];
  return record(ctx, m, survey.id, a.q, answer);
}

/** Typed text as an answer of the survey the member is in; undefined when there is none or it answers nothing. */
export async function answerText(ctx: Ctx, m: MemberRow, text: string): Promise<ReplyMessage[] | undefined> {
  const open = await openSurvey(ctx.db, m.merchantId, m.id, ctx.now);
  if (!open) return undefined;
  const answer = answerFromText(open.survey.questions[open.step]!, text);
  if (answer === undefined) return undefined;
  return record(ctx, m, open.survey.id, open.step, answer);
}

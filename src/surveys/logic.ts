/**
 * Surveys, pure: the question types, how a question is shown on a channel (buttons on Telegram and the simulator,
 * numbered lines on Zalo), how an answer is read (a button's data or typed text) and the NPS arithmetic.
 * No I/O here.
 */
import { foldVietnamese } from "../messages/names.ts";

export type Lang = "vi" | "en";
export interface Texts {
  vi?: string | undefined;
  en?: string | undefined;
}

export type Question =
  | { type: "choice"; text: Texts; options: Texts[] }
  | { type: "rating"; text: Texts }
  | { type: "nps"; text: Texts }
  | { type: "text"; text: Texts };

/** A stored answer: the option's index (choice), the score (rating 1–5, NPS 0–10) or the text; null = skipped. */
export type Answer = number | string | null;

export const MAX_QUESTIONS = 5;
export const MAX_OPTIONS = 6;
export const MAX_TEXT_ANSWER = 500;

/** Channels that show buttons; the others (Zalo Bot Platform, Zalo OA) get numbered lines and typed answers. */
export const BUTTON_CHANNELS: readonly string[] = ["telegram", "web"];

/** The member's language, else vi, else whatever the text has. */
export function pick(t: Texts, lang: Lang): string {
  return t[lang] ?? t.vi ?? t.en ?? "";
}

/** Button data of an answer: `sv:<surveyId>:<question>:<value>` (value: index, score, or `s` = skip). ≤ 64 bytes. */
export function answerData(surveyId: string, q: number, value: number | "s"): string {
  return `sv:${surveyId}:${q}:${value}`;
}

export function parseAnswerData(data: string): { surveyId: string; q: number; value: number | "s" } | undefined {
  const m = /^sv:([A-Za-z0-9_-]{1,40}):(\d):(\d{1,2}|s)$/.exec(data.trim());
  if (!m) return undefined;
  return { surveyId: m[1]!, q: Number(m[2]), value: m[3] === "s" ? "s" : Number(m[3]) };
}

/** The survey's chat copy (vi/en). */
export const surveyCopy = (lang: Lang) => COPY[lang];

const COPY = {
  vi: {
    ratingHint: "Chọn từ 1 (tệ) đến 5 (rất tốt).",
    npsHint: "Trả lời bằng một số từ 0 (không bao giờ) đến 10 (chắc chắn).",
    textHint: "Trả lời bằng một tin nhắn ngắn.",
    skip: "Bỏ qua",
    answeredBefore: "Bạn đã trả lời khảo sát này rồi, cảm ơn bạn!",
    gone: "Khảo sát này không còn nữa.",
    thanks: (p: number) => `Cảm ơn bạn đã trả lời!${p > 0 ? ` Bạn được cộng ${p} điểm.` : ""}`,
    intro: (p: number) =>
      `Chào {{firstName}}, bạn dành chút thời gian cho vài câu hỏi ngắn nhé?${p > 0 ? ` Hoàn thành để nhận ${p} điểm.` : ""}`,
    progress: (i: number, n: number) => `(${i}/${n})`,
  },
  en: {
    ratingHint: "Pick from 1 (poor) to 5 (excellent).",
    npsHint: "Reply with a number from 0 (not at all likely) to 10 (extremely likely).",
    textHint: "Reply with a short message.",
    skip: "Skip",
    answeredBefore: "You have answered this survey already, thank you!",
    gone: "This survey is no longer available.",
    thanks: (p: number) => `Thank you for your answers!${p > 0 ? ` ${p} points were added to your balance.` : ""}`,
    intro: (p: number) =>
      `Hi {{firstName}}, do you have a moment for a few short questions?${p > 0 ? ` Complete it to get ${p} points.` : ""}`,
    progress: (i: number, n: number) => `(${i}/${n})`,
  },
} as const;

export interface RenderedQuestion {
  text: string;
  buttons?: { label: string; data: string }[][];
}

/** Labels of a question's choices, in the order their values are numbered (choice: 1…n, rating: 1…5). */
function choiceLabels(q: Question, lang: Lang): string[] {
  if (q.type === "choice") return q.options.map((o) => pick(o, lang));
  if (q.type === "rating") return ["1 ★", "2 ★★", "3 ★★★", "4 ★★★★", "5 ★★★★★"];
  return [];
}

/**
 * Question `index` of a survey as a message for `channel`. Buttons carry the answer in their data (numbered-choice
 * channels list them as "1. …" and remember them, so the typed number is the button); NPS on those channels has no
 * buttons (eleven numbered choices would make "1" mean 0): the member types the score itself.
 */
export function renderQuestion(
  surveyId: string,
  questions: readonly Question[],
  index: number,
  lang: Lang,
  channel: string,
  intro?: string,
): RenderedQuestion {
  const q = questions[index]!;
  const c = COPY[lang];
  const head = `${intro ? `${intro}\n\n` : ""}${c.progress(index + 1, questions.length)} ${pick(q.text, lang)}`;
  const buttons = BUTTON_CHANNELS.includes(channel);
  if (q.type === "choice" || q.type === "rating") {
    const labels = choiceLabels(q, lang);
    const value = (i: number) => (q.type === "choice" ? i : i + 1);
    return {
      text: q.type === "rating" ? `${head}\n${c.ratingHint}` : head,
      buttons: labels.map((label, i) => [{ label, data: answerData(surveyId, index, value(i)) }]),
    };
  }
  if (q.type === "nps") {
    if (!buttons) return { text: `${head}\n${c.npsHint}` };
    const row = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({
        label: String(from + i),
        data: answerData(surveyId, index, from + i),
      }));
    return { text: `${head}\n${c.npsHint}`, buttons: [row(0, 5), row(6, 10)] };
  }
  if (!buttons) return { text: `${head}\n${c.textHint}` };
  return { text: `${head}\n${c.textHint}`, buttons: [[{ label: c.skip, data: answerData(surveyId, index, "s") }]] };
}

/** A button's value as the stored answer of question `q`, or undefined when it is not a valid answer to it. */
export function answerFromButton(q: Question, value: number | "s"): Answer | undefined {
  if (value === "s") return q.type === "text" ? null : undefined;
  if (q.type === "choice") return value >= 0 && value < q.options.length ? value : undefined;
  if (q.type === "rating") return value >= 1 && value <= 5 ? value : undefined;
  if (q.type === "nps") return value >= 0 && value <= 10 ? value : undefined;
  return undefined;
}

const fold = (s: string) => foldVietnamese(s).trim();

/**
 * Typed text as the answer of question `q`: choice → its number (1…n) or its label; rating → 1…5; NPS → 0…10;
 * text → the text itself (cut to MAX_TEXT_ANSWER). Undefined when it does not answer the question.
 */
export function answerFromText(q: Question, typed: string): Answer | undefined {
  const t = typed.trim();
  if (q.type === "text") return t.length === 0 ? undefined : t.slice(0, MAX_TEXT_ANSWER);
  const n = /^\d{1,2}$/.test(t) ? Number(t) : undefined;
  if (q.type === "choice") {
    if (n !== undefined) return n >= 1 && n <= q.options.length ? n - 1 : undefined;
    const i = q.options.findIndex((o) => [o.vi, o.en].some((l) => l !== undefined && fold(l) === fold(t)));
    return i >= 0 ? i : undefined;
  }
  if (n === undefined) return undefined;
  if (q.type === "rating") return n >= 1 && n <= 5 ? n : undefined;
  return n <= 10 ? n : undefined;
}

/** A question's answer as text for people (CSV, console): the option's label, the score, or the text. */
export function answerLabel(q: Question, a: Answer | undefined, lang: Lang = "vi"): string {
  if (a === null || a === undefined) return "";
  if (q.type === "choice" && typeof a === "number") return q.options[a] ? pick(q.options[a], lang) : "";
  return String(a);
}

export interface NpsSummary {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** % promoters − % detractors, rounded to an integer (−100…100); null without responses. */
  score: number | null;
}

/** NPS: 9–10 promoters, 7–8 passives, 0–6 detractors; score = round(100 × (P − D) / N). */
export function nps(scores: readonly number[]): NpsSummary {
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const s of scores) {
    if (s >= 9) promoters++;
    else if (s >= 7) passives++;
    else detractors++;
  }
  const n = scores.length;
  return {
    responses: n,
    promoters,
    passives,
    detractors,
    score: n === 0 ? null : Math.round((100 * (promoters - detractors)) / n),
  };
}

/** Integer average ×100 (so 4.25 → 425) to keep the arithmetic in integers; null without values. */
export function averageTimes100(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sum = values.reduce((a, b) => a + b, 0);
  return Math.round((sum * 100) / values.length);
}

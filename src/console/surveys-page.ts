/**
 * The surveys pages: the list (sent, started, completed) and one survey's results — completion, NPS, a bar chart per
 * question (uPlot, drawn by console.js), the short-text answers, a segment filter and the CSV download.
 */
import type { SurveyView } from "../surveys/service.ts";
import type { z } from "zod";
import type { SurveyResultsSchema } from "../surveys/schemas.ts";
import type { ConsoleLang } from "./copy.ts";
import { numeric, selectField, table } from "./kit.ts";
import { chartData, flash, fmtDate, fmtNum, h, kpi, page, sectionPage } from "./views.ts";
import { SURVEY_EDIT_COPY } from "./survey-edit.ts";

type Results = z.output<typeof SurveyResultsSchema>;

export const SURVEY_COPY = {
  vi: {
    surveys: "Khảo sát",
    intro:
      "Khảo sát 1–5 câu hỏi gửi qua chat như một chiến dịch (cùng nhịp gửi, đồng ý nhận tin và giới hạn tần suất) hoặc sau đơn hàng. Tạo khảo sát ở đây (“Khảo sát mới”) hoặc qua API POST /v1/surveys; khảo sát còn là bản nháp sửa được ở đây.",
    none: "Chưa có khảo sát nào.",
    name: "Tên",
    sent: "Đã gửi",
    started: "Đã bắt đầu",
    completed: "Hoàn thành",
    rate: "Tỉ lệ hoàn thành",
    points: "Điểm đã tặng",
    created: "Ngày tạo",
    afterOrder: "Sau đơn hàng",
    yes: "Có",
    no: "Không",
    segment: "Phân khúc",
    all: "— tất cả —",
    filter: "Lọc",
    csv: "Tải CSV",
    answered: "Số người trả lời",
    average: "Điểm trung bình",
    nps: "NPS",
    npsDetail: "Ủng hộ {p} · Trung lập {n} · Phản đối {d}",
    texts: "Câu trả lời",
    noAnswers: "Chưa có câu trả lời.",
    count: "Số lượt",
    back: "← Tất cả khảo sát",
    send: "Gửi tới phân khúc",
    sending: "Đang gửi khảo sát tới phân khúc.",
  },
  en: {
    surveys: "Surveys",
    intro:
      "Surveys of 1–5 questions sent in chat like a campaign (same pacing, consent and frequency cap) or after an order. Create them here (“New survey”) or with the API, POST /v1/surveys; drafts can be edited here.",
    none: "No surveys yet.",
    name: "Name",
    sent: "Sent",
    started: "Started",
    completed: "Completed",
    rate: "Completion rate",
    points: "Points given",
    created: "Created",
    afterOrder: "After orders",
    yes: "Yes",
    no: "No",
    segment: "Segment",
    all: "— all —",
    filter: "Filter",
    csv: "Download CSV",
    answered: "Answered",
    average: "Average",
    nps: "NPS",
    npsDetail: "Promoters {p} · Passives {n} · Detractors {d}",
    texts: "Answers",
    noAnswers: "No answers yet.",
    count: "Answers",
    back: "← All surveys",
    send: "Send to segment",
    sending: "Sending the survey to its segment.",
  },
} as const;

export function surveysPage(lang: ConsoleLang, surveys: SurveyView[], timezone: string): string {
  const s = SURVEY_COPY[lang];
  const n = (x: number) => fmtNum(lang, x);
  return sectionPage(
    { lang, section: "surveys", title: s.surveys },
    h("p", { class: "muted" }, s.intro),
    h("p", null, h("a", { href: "/console/surveys/new", id: "new-survey" }, SURVEY_EDIT_COPY[lang].create)),
    surveys.length === 0
      ? h("p", { class: "empty", id: "no-surveys" }, s.none)
      : table(
          "surveys",
          [s.name, s.created, s.afterOrder, ...numeric(s.sent, s.started, s.completed)],
          surveys.map((v) => [
            h("a", { href: `/console/surveys/${encodeURIComponent(v.id)}` }, v.name),
            fmtDate(lang, v.createdAt, timezone),
            v.afterOrder ? s.yes : s.no,
            n(v.counts.sent),
            n(v.counts.started),
            n(v.counts.completed),
          ]),
        ),
  );
}

const COLORS = { choice: "#1a5fd0", rating: "#c25e00", nps: "#137a3a" } as const;

export function surveyPage(
  lang: ConsoleLang,
  d: {
    survey: SurveyView;
    results: Results;
    segments: { id: string; name: string }[];
    segmentId?: string | undefined;
    flash?: string | undefined;
    /** A refused send (409: over a blocking budget, already sent, no segment), shown as an error. */
    error?: string | undefined;
  },
): string {
  const s = SURVEY_COPY[lang];
  const n = (x: number) => fmtNum(lang, x);
  const r = d.results;
  const base = `/console/surveys/${encodeURIComponent(d.survey.id)}`;
  const csv = `${base}/results.csv${d.segmentId ? `?segmentId=${encodeURIComponent(d.segmentId)}` : ""}`;
  const charts = r.questions
    .filter((q) => q.type !== "text")
    .map((q) => ({
      target: `chart-q${q.index}`,
      labels: q.counts.map((c) => (q.type === "choice" ? c.label : String(c.value))),
      series: [{ label: s.count, color: COLORS[q.type as keyof typeof COLORS], values: q.counts.map((c) => c.count) }],
    }));
  return page(
    { lang, title: d.survey.name, section: "surveys", signedIn: true, back: base },
    h("p", null, h("a", { href: "/console/surveys" }, s.back)),
    h("h1", null, d.survey.name),
    flash(d.flash),
    flash(d.error, true),
    d.survey.draft
      ? h("p", null, h("a", { href: `${base}/edit`, id: "edit-survey" }, SURVEY_EDIT_COPY[lang].editLink))
      : null,
    // POST /v1/surveys/{id}/send semantics: a draft with a segment, never sent.
    d.survey.draft && d.survey.segmentId && !d.survey.sentAt
      ? h(
          "form",
          { method: "post", action: `${base}/send`, id: "send-survey" },
          h("button", { type: "submit", class: "primary", id: "send-survey-button" }, s.send),
        )
      : null,
    h(
      "form",
      { method: "get", action: base, class: "row", id: "segment-filter" },
      selectField(
        s.segment,
        "segmentId",
        [{ value: "", label: s.all }, ...d.segments.map((x) => ({ value: x.id, label: x.name }))],
        d.segmentId ?? "",
      ),
      h("button", { class: "secondary", type: "submit" }, s.filter),
      h("a", { href: csv, id: "csv", download: "" }, s.csv),
    ),
    h(
      "div",
      { class: "kpis", id: "kpis" },
      kpi(s.sent, n(r.sent), null),
      kpi(s.started, n(r.started), null),
      kpi(s.completed, n(r.completed), null),
      kpi(s.rate, r.completionRate === null ? "–" : `${fmtNum(lang, Math.round(r.completionRate * 1000) / 10)}%`, null),
      kpi(s.points, n(r.pointsAwarded), null),
    ),
    ...r.questions.map((q) =>
      h(
        "div",
        { class: "card", "data-question": String(q.index) },
        h("h2", null, `${q.index + 1}. ${q.text}`),
        h("p", { class: "muted" }, `${s.answered}: ${n(q.answered)}`),
        q.nps
          ? h(
              "p",
              { class: "nps" },
              h("strong", null, `${s.nps}: ${q.nps.score === null ? "–" : n(q.nps.score)}`),
              " ",
              s.npsDetail
                .replace("{p}", n(q.nps.promoters))
                .replace("{n}", n(q.nps.passives))
                .replace("{d}", n(q.nps.detractors)),
            )
          : null,
        q.average !== undefined && q.average !== null
          ? h("p", null, h("strong", null, `${s.average}: ${fmtNum(lang, q.average)} / 5`))
          : null,
        q.type === "text"
          ? q.answers && q.answers.length > 0
            ? h("ul", { class: "answers" }, ...q.answers.map((a) => h("li", null, a.text)))
            : h("p", { class: "empty" }, s.noAnswers)
          : h("div", { class: "chart", id: `chart-q${q.index}` }),
      ),
    ),
    charts.length > 0 ? chartData({ charts }) : null,
  );
}

/**
 * The console's survey form, shared by "New survey" (POST /v1/surveys semantics) and the editor of drafts (never
 * sent, nobody invited; PUT /v1/surveys/{id}): the whole survey in one form, fields named by their path in the
 * request body so that a refused form shows each error in place. Up to five question slots (an empty type drops the
 * slot); a choice question's options are one per line, "vi | en". Both validate with the API's CreateSurveySchema.
 */
import type { SurveyView } from "../surveys/service.ts";
import type { CreateSurveyInput } from "../surveys/schemas.ts";
import { CreateSurveySchema } from "../surveys/schemas.ts";
import { MAX_QUESTIONS } from "../surveys/logic.ts";
import type { ConsoleLang } from "./copy.ts";
import { type Errors, errSpan, issueErrors, selectField, textareaField } from "./kit.ts";
import { field, flash, h, page } from "./views.ts";

export const SURVEY_EDIT_COPY = {
  vi: {
    edit: "Sửa khảo sát",
    editLink: "Sửa (bản nháp)",
    create: "Khảo sát mới",
    createHint:
      "Khảo sát 1–5 câu hỏi. Khảo sát mới là bản nháp: gửi cho phân khúc bằng API POST /v1/surveys/{id}/send, hoặc bật mời sau đơn hàng.",
    createSubmit: "Tạo khảo sát",
    created: "Đã tạo khảo sát.",
    hint: "Chỉ sửa được khi khảo sát còn là bản nháp: chưa gửi cho phân khúc và chưa mời ai sau đơn hàng.",
    name: "Tên",
    introVi: "Lời chào (tiếng Việt)",
    introEn: "Lời chào (tiếng Anh)",
    points: "Điểm khi hoàn thành",
    segment: "Phân khúc nhận khảo sát",
    noSegment: "— không gửi cho phân khúc —",
    afterOrder: "Mời sau đơn hàng",
    delayHours: "Số giờ sau đơn hàng",
    question: "Câu hỏi {n}",
    type: "Loại",
    none: "— bỏ trống —",
    choice: "Chọn một",
    rating: "Chấm 1–5 sao",
    nps: "NPS 0–10",
    text: "Trả lời ngắn",
    textVi: "Câu hỏi (tiếng Việt)",
    textEn: "Câu hỏi (tiếng Anh)",
    options: "Lựa chọn (mỗi dòng một lựa chọn: tiếng Việt | tiếng Anh)",
    save: "Lưu",
    cancel: "Huỷ",
    invalid: "Chưa lưu: hãy sửa các ô được đánh dấu.",
    notDraft: "Khảo sát này đã được gửi hoặc mời, không sửa được nữa.",
    saved: "Đã lưu khảo sát.",
    errName: "Nhập tên (tối đa 200 ký tự).",
    errText: "Nhập nội dung bằng tiếng Việt và/hoặc tiếng Anh.",
    errOptions: "Câu chọn một cần 2–6 lựa chọn, mỗi dòng một lựa chọn (tối đa 60 ký tự).",
    errQuestions: "Cần 1–5 câu hỏi: chọn loại cho ít nhất một câu.",
    errPoints: "Điểm là số nguyên từ 0 đến 1.000.000.",
    errDelay: "Số giờ là số nguyên từ 0 đến 168.",
  },
  en: {
    edit: "Edit survey",
    editLink: "Edit (draft)",
    create: "New survey",
    createHint:
      "A survey of 1–5 questions. A new survey is a draft: send it to its segment with POST /v1/surveys/{id}/send, or switch on the after-order offer.",
    createSubmit: "Create survey",
    created: "Survey created.",
    hint: "A survey can be edited only while it is a draft: not sent to its segment and nobody invited after an order.",
    name: "Name",
    introVi: "Greeting (Vietnamese)",
    introEn: "Greeting (English)",
    points: "Points for completing it",
    segment: "Segment it is sent to",
    noSegment: "— no segment —",
    afterOrder: "Offer after orders",
    delayHours: "Hours after the order",
    question: "Question {n}",
    type: "Type",
    none: "— empty —",
    choice: "Single choice",
    rating: "Rating 1–5",
    nps: "NPS 0–10",
    text: "Short text",
    textVi: "Question (Vietnamese)",
    textEn: "Question (English)",
    options: "Options (one per line: Vietnamese | English)",
    save: "Save",
    cancel: "Cancel",
    invalid: "Not saved: fix the marked fields.",
    notDraft: "This survey was sent or offered already: it can no longer be edited.",
    saved: "Survey saved.",
    errName: "Enter a name (at most 200 characters).",
    errText: "Enter the text in Vietnamese and/or English.",
    errOptions: "A single-choice question needs 2–6 options, one per line (at most 60 characters each).",
    errQuestions: "1–5 questions: choose a type for at least one.",
    errPoints: "Points are a whole number from 0 to 1,000,000.",
    errDelay: "Hours are a whole number from 0 to 168.",
  },
} as const;

export type SurveyForm = Record<string, string>;

const TYPES = ["choice", "rating", "nps", "text"] as const;
const SURVEYS_WORD = { vi: "Khảo sát", en: "Surveys" } as const;

/** The form's values of a saved survey. */
export function surveyFormValues(v: SurveyView): SurveyForm {
  const f: SurveyForm = {
    name: v.name,
    "intro.vi": v.intro?.vi ?? "",
    "intro.en": v.intro?.en ?? "",
    points: String(v.points),
    segmentId: v.segmentId ?? "",
    afterOrder: v.afterOrder ? "on" : "",
    "afterOrder.delayHours": String(v.afterOrder?.delayHours ?? 2),
  };
  v.questions.forEach((q, i) => {
    f[`questions.${i}.type`] = q.type;
    f[`questions.${i}.text.vi`] = q.text.vi ?? "";
    f[`questions.${i}.text.en`] = q.text.en ?? "";
    if (q.type === "choice")
      f[`questions.${i}.options`] = q.options.map((o) => [o.vi ?? "", o.en ?? ""].join(" | ")).join("\n");
  });
  return f;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/**
 * A posted form → the PUT body, validated with the API's schema. Errors are keyed by the form's own field names
 * (question slots keep their number even when an empty slot before them is dropped).
 */
export function parseSurveyForm(
  body: Record<string, unknown>,
  lang: ConsoleLang,
): { values: SurveyForm; input?: CreateSurveyInput; errors?: Errors } {
  const t = SURVEY_EDIT_COPY[lang];
  const values: SurveyForm = {};
  for (const [k, v] of Object.entries(body)) values[k] = str(v).replace(/\r\n/g, "\n");
  const opt = (k: string) => (values[k]?.trim() ? values[k].trim() : undefined);
  const num = (k: string) => {
    const v = values[k]?.trim() ?? "";
    return v === "" ? undefined : /^-?\d+$/.test(v) ? Number(v) : v;
  };
  const slots: number[] = [];
  const questions: unknown[] = [];
  for (let i = 0; i < MAX_QUESTIONS; i++) {
    const type = values[`questions.${i}.type`] ?? "";
    if (!type) continue;
    const q: Record<string, unknown> = {
      type,
      text: { vi: opt(`questions.${i}.text.vi`), en: opt(`questions.${i}.text.en`) },
    };
    if (type === "choice")
      q.options = (values[`questions.${i}.options`] ?? "")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .map((l) => {
          const [vi, en] = l.split("|").map((p) => p.trim());
          return { vi: vi || undefined, en: en || undefined };
        });
    slots.push(i);
    questions.push(q);
  }
  const intro = opt("intro.vi") || opt("intro.en") ? { vi: opt("intro.vi"), en: opt("intro.en") } : undefined;
  const raw = {
    name: values.name ?? "",
    ...(intro ? { intro } : {}),
    questions,
    ...(num("points") !== undefined ? { points: num("points") } : {}),
    ...(opt("segmentId") ? { segmentId: opt("segmentId") } : {}),
    afterOrder: values.afterOrder === "on" ? { delayHours: num("afterOrder.delayHours") } : null,
  };
  const parsed = CreateSurveySchema.safeParse(raw);
  if (parsed.success) return { values, input: parsed.data };
  const errors: Errors = {};
  // The console's words for each field (vi/en); anything unforeseen keeps zod's message.
  const words = (key: string, fallback: string) =>
    key === "name"
      ? t.errName
      : key === "points"
        ? t.errPoints
        : key.startsWith("afterOrder")
          ? t.errDelay
          : key === "questions"
            ? t.errQuestions
            : key === "intro" || key.endsWith(".text")
              ? t.errText
              : key.endsWith(".options")
                ? t.errOptions
                : fallback;
  for (const [path, message] of Object.entries(issueErrors(parsed.error.issues))) {
    // questions.<n>… → the slot's own field; a choice's option errors show under the options box.
    const m = /^questions\.(\d+)\.(options|text)?/.exec(path);
    const key = m
      ? `questions.${slots[Number(m[1])] ?? 0}.${m[2] === "options" ? "options" : m[2] === "text" ? "text" : "type"}`
      : path.startsWith("intro")
        ? "intro"
        : path;
    errors[key] ??= words(key, message);
  }
  return { values, errors };
}

/** The form's values of a new survey: one empty question slot to start from, no points, offer 2 h after orders. */
export const NEW_SURVEY_VALUES: SurveyForm = { points: "0", "afterOrder.delayHours": "2" };

type FormData = {
  segments: { id: string; name: string }[];
  values?: SurveyForm;
  errors?: Errors;
};

/** The editor of a draft: posts to /console/surveys/{id}/edit. */
export function surveyEditPage(lang: ConsoleLang, d: FormData & { survey: SurveyView; notDraft?: boolean }): string {
  return surveyFormPage(lang, d);
}

/** "New survey": posts to /console/surveys/new (createSurvey, like POST /v1/surveys). */
export function surveyNewPage(lang: ConsoleLang, d: FormData): string {
  return surveyFormPage(lang, d);
}

function surveyFormPage(lang: ConsoleLang, d: FormData & { survey?: SurveyView; notDraft?: boolean }): string {
  const t = SURVEY_EDIT_COPY[lang];
  const v = d.values ?? (d.survey ? surveyFormValues(d.survey) : NEW_SURVEY_VALUES);
  const e = d.errors;
  const isNew = !d.survey;
  const base = d.survey ? `/console/surveys/${encodeURIComponent(d.survey.id)}` : "/console/surveys";
  const title = isNew ? t.create : t.edit;
  const text = (label: string, name: string, attrs: object = {}) =>
    field(label, name, { value: v[name] ?? "", errors: e, attrs });
  const slot = (i: number) =>
    h(
      "fieldset",
      { class: "card question", "data-slot": String(i) },
      h("legend", null, t.question.replace("{n}", String(i + 1))),
      selectField(
        t.type,
        `questions.${i}.type`,
        [{ value: "", label: t.none }, ...TYPES.map((x) => ({ value: x, label: t[x] }))],
        v[`questions.${i}.type`] ?? "",
        e,
      ),
      text(t.textVi, `questions.${i}.text.vi`, { maxlength: 300 }),
      text(t.textEn, `questions.${i}.text.en`, { maxlength: 300 }),
      errSpan(e, `questions.${i}.text`),
      textareaField(t.options, `questions.${i}.options`, v[`questions.${i}.options`], e, { rows: 4 }),
    );
  return page(
    { lang, title, section: "surveys", signedIn: true, back: isNew ? "/console/surveys/new" : base },
    h("p", null, h("a", { href: base }, `← ${d.survey ? d.survey.name : SURVEYS_WORD[lang]}`)),
    h("h1", null, title),
    h("p", { class: "muted" }, isNew ? t.createHint : t.hint),
    d.notDraft ? flash(t.notDraft, true) : null,
    e && !d.notDraft ? flash(t.invalid, true) : null,
    d.notDraft
      ? null
      : h(
          "form",
          isNew
            ? { method: "post", action: `${base}/new`, id: "survey-new" }
            : { method: "post", action: `${base}/edit`, id: "survey-edit" },
          h(
            "div",
            { class: "card" },
            text(t.name, "name", { maxlength: 200, required: true }),
            textareaField(t.introVi, "intro.vi", v["intro.vi"], e),
            textareaField(t.introEn, "intro.en", v["intro.en"], e),
            errSpan(e, "intro"),
            field(t.points, "points", { type: "number", value: v.points ?? "0", errors: e, attrs: { min: 0 } }),
            selectField(
              t.segment,
              "segmentId",
              [{ value: "", label: t.noSegment }, ...d.segments.map((s) => ({ value: s.id, label: s.name }))],
              v.segmentId ?? "",
              e,
            ),
            h(
              "label",
              { class: "check" },
              h("input", { type: "checkbox", name: "afterOrder", ...(v.afterOrder === "on" ? { checked: true } : {}) }),
              t.afterOrder,
            ),
            field(t.delayHours, "afterOrder.delayHours", {
              type: "number",
              value: v["afterOrder.delayHours"] ?? "2",
              errors: e,
              attrs: { min: 0, max: 168 },
            }),
            errSpan(e, "questions"),
            errSpan(e, "form"),
          ),
          ...Array.from({ length: MAX_QUESTIONS }, (_, i) => slot(i)),
          h(
            "p",
            { class: "row" },
            h("button", { class: "primary", type: "submit", id: "save" }, isNew ? t.createSubmit : t.save),
            h("a", { href: base }, t.cancel),
          ),
        ),
  );
}

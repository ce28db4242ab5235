/**
 * The program page: earn rate, expiry, pending days, tier window, tiers and category multipliers, edited as a form
 * and validated by the API's own ProgramSchema (PUT /v1/program); errors are shown next to their field, by path
 * ("earn.spend", "tiers.1.minSpend", "categoryMultipliers.coffee"). The marketing consent mode (link or strict opt-in) is a select. Promotions, cashback, birthday bonus, subscription
 * plans and product multipliers are in program-extras.ts. Parts without a field (currency, tier retention, voucher
 * validity, point value, perks) are kept as they are.
 */
import { z } from "zod";
import { type Program, ProgramSchema } from "../program/config.ts";
import { CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import { field, flash, h, sectionPage } from "./views.ts";
import { options, selectField, textareaField } from "./kit.ts";
import { EXTRA_FIELDS, extrasFromForm, extrasSection, extrasValues, formNum, parsePairs } from "./program-extras.ts";

const num = formNum;

export type ProgramForm = Record<string, string>;

/** The edited program (not yet validated): the current one with the form's fields put in. */
export function programFromForm(
  current: Program,
  form: ProgramForm,
  timeZone = "Asia/Ho_Chi_Minh",
): { candidate: unknown; lineErrors: Record<string, string> } {
  const lineErrors: Record<string, string> = {};
  const tiers: unknown[] = [];
  for (let i = 0; i < 50; i++) {
    const name = form[`tiers.${i}.name`];
    if (name === undefined) break;
    // A tier whose name is cleared is removed; the blank row adds one when filled in.
    if (name.trim() === "") continue;
    tiers.push({
      // Perks have no field here: a tier keeps its own (matched by name).
      ...(current.tiers.find((t) => t.name === name.trim()) ?? {}),
      name,
      minSpend: num(form[`tiers.${i}.minSpend`] ?? ""),
      multiplier: num(form[`tiers.${i}.multiplier`] ?? "") ?? 1,
    });
  }
  const categoryMultipliers = parsePairs(form.categoryMultipliers, "categoryMultipliers", lineErrors);
  const expire = num(form.pointsExpireDays ?? "");
  return {
    candidate: {
      ...current,
      earn: { spend: num(form["earn.spend"] ?? ""), points: num(form["earn.points"] ?? "") },
      pointsExpireDays: expire === undefined ? null : expire,
      pendingDays: num(form.pendingDays ?? ""),
      tierWindowDays: num(form.tierWindowDays ?? ""),
      tiers,
      categoryMultipliers,
      // An unknown value is left for ProgramSchema to refuse at its field.
      consentMode: form.consentMode ?? current.consentMode,
      ...extrasFromForm(current, form, timeZone, lineErrors),
    },
    lineErrors,
  };
}

export function validateProgram(
  current: Program,
  form: ProgramForm,
  timeZone?: string,
): { ok: true; program: Program } | { ok: false; errors: Record<string, string> } {
  const { candidate, lineErrors } = programFromForm(current, form, timeZone);
  const parsed = ProgramSchema.safeParse(candidate);
  if (parsed.success && Object.keys(lineErrors).length === 0) return { ok: true, program: parsed.data };
  const errors: Record<string, string> = { ...lineErrors };
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const path = i.path.join(".");
      // Multiplier errors of a category or product are shown at its textarea, naming the key.
      const box = /^(categoryMultipliers|productMultipliers)\./.exec(path)?.[1];
      const key = box ?? path;
      errors[key] ??= box ? `${path.slice(box.length + 1)}: ${i.message}` : i.message;
    }
  }
  return { ok: false, errors };
}

/** The form's values for a program (or the merchant's rejected input, to correct in place). */
export function programFormValues(p: Program, timeZone = "Asia/Ho_Chi_Minh"): ProgramForm {
  const v: ProgramForm = {
    ...extrasValues(p, timeZone),
    "earn.spend": String(p.earn.spend),
    "earn.points": String(p.earn.points),
    pointsExpireDays: p.pointsExpireDays === null ? "" : String(p.pointsExpireDays),
    pendingDays: String(p.pendingDays),
    tierWindowDays: String(p.tierWindowDays),
    consentMode: p.consentMode,
    categoryMultipliers: Object.entries(p.categoryMultipliers)
      .map(([k, m]) => `${k} = ${m}`)
      .join("\n"),
  };
  p.tiers.forEach((t, i) => {
    v[`tiers.${i}.name`] = t.name;
    v[`tiers.${i}.minSpend`] = String(t.minSpend);
    v[`tiers.${i}.multiplier`] = String(t.multiplier);
  });
  return v;
}

export const PROGRAM_COPY = {
  vi: {
    program: "Chương trình",
    earn: "Tích điểm",
    earnSpend: "Mỗi số tiền chi tiêu (₫)",
    earnPoints: "được số điểm",
    expire: "Điểm hết hạn sau (ngày; trống = không hết hạn)",
    pending: "Điểm chờ duyệt trong (ngày, thời hạn đổi trả)",
    window: "Kỳ xét hạng (ngày)",
    tiers: "Hạng thành viên",
    tierHint: "Xóa tên để bỏ một hạng; điền dòng trống để thêm hạng.",
    tierName: "Tên hạng",
    minSpend: "Chi tiêu tối thiểu (₫)",
    multiplier: "Hệ số nhân",
    categories: "Hệ số theo danh mục",
    categoriesHint: "Mỗi dòng: danh_mục = hệ số (ví dụ coffee = 2).",
    saved: "Đã lưu chương trình.",
    consent: "Đồng ý nhận khuyến mãi",
    consentMode: "Cách thành viên đồng ý",
    consentLink: "Khi liên kết chat (Không = từ chối)",
    consentExplicit: "Chỉ khi tự đồng ý (opt-in chặt chẽ)",
    consentHint:
      "Khi liên kết: bot hỏi lại ngay sau khi liên kết, trả lời Không để từ chối. Chặt chẽ: liên kết chat chỉ ghi nhận điều khoản; khuyến mãi chỉ gửi sau khi thành viên trả lời Có hoặc đồng ý qua API.",
  },
  en: {
    program: "Program",
    earn: "Earning",
    earnSpend: "For every amount spent (₫)",
    earnPoints: "points earned",
    expire: "Points expire after (days; empty = never)",
    pending: "Points pending for (days, the return window)",
    window: "Tier window (days)",
    tiers: "Tiers",
    tierHint: "Clear a name to remove a tier; fill in the blank row to add one.",
    tierName: "Tier name",
    minSpend: "Minimum spend (₫)",
    multiplier: "Multiplier",
    categories: "Category multipliers",
    categoriesHint: "One per line: category = multiplier (e.g. coffee = 2).",
    saved: "Program saved.",
    consent: "Marketing consent",
    consentMode: "How members consent",
    consentLink: "On linking a chat (No opts out)",
    consentExplicit: "Only by the member's Yes (strict opt-in)",
    consentHint:
      "On linking: the bot asks right after a chat links; No opts out. Strict: linking a chat records the loyalty terms only; promotions go out only after the member's Yes in chat or a consent recorded through the API.",
  },
} as const;

export function programPage(
  lang: ConsoleLang,
  values: ProgramForm,
  opts: { errors?: Record<string, string>; saved?: boolean } = {},
): string {
  const t = CONSOLE_COPY[lang];
  const p = PROGRAM_COPY[lang];
  const errors = opts.errors;
  const tierCount = Object.keys(values).filter((k) => /^tiers\.\d+\.name$/.test(k)).length;
  const rows = [...Array(tierCount + 1).keys()];
  const otherErrors = Object.entries(errors ?? {}).filter(
    ([k]) =>
      !/^(earn\.(spend|points)|pointsExpireDays|pendingDays|tierWindowDays|consentMode|categoryMultipliers|tiers\.\d+\.(name|minSpend|multiplier))$/.test(
        k,
      ) && !EXTRA_FIELDS.test(k),
  );
  return sectionPage(
    { lang, section: "program", title: p.program },
    opts.saved ? flash(p.saved) : null,
    errors ? flash(t.invalid, true) : null,
    ...otherErrors.map(([k, m]) => h("p", { class: "err", "data-field": k }, `${k}: ${m}`)),
    h(
      "form",
      { method: "post", action: "/console/program", id: "program" },
      h(
        "div",
        { class: "card" },
        h("h2", null, p.earn),
        h(
          "div",
          { class: "row" },
          field(p.earnSpend, "earn.spend", { type: "number", value: values["earn.spend"], errors }),
          field(p.earnPoints, "earn.points", { type: "number", value: values["earn.points"], errors }),
        ),
        h(
          "div",
          { class: "row" },
          field(p.expire, "pointsExpireDays", { type: "number", value: values.pointsExpireDays, errors }),
          field(p.pending, "pendingDays", { type: "number", value: values.pendingDays, errors }),
          field(p.window, "tierWindowDays", { type: "number", value: values.tierWindowDays, errors }),
        ),
      ),
      h(
        "div",
        { class: "card" },
        h("h2", null, p.tiers),
        h("p", { class: "muted" }, p.tierHint),
        ...rows.map((i) =>
          h(
            "div",
            { class: "row tier" },
            field(p.tierName, `tiers.${i}.name`, { value: values[`tiers.${i}.name`], errors }),
            field(p.minSpend, `tiers.${i}.minSpend`, { type: "number", value: values[`tiers.${i}.minSpend`], errors }),
            field(p.multiplier, `tiers.${i}.multiplier`, {
              value: values[`tiers.${i}.multiplier`],
              errors,
              attrs: { inputmode: "decimal" },
            }),
          ),
        ),
      ),
      h(
        "div",
        { class: "card" },
        h("h2", null, p.categories),
        textareaField(p.categoriesHint, "categoryMultipliers", values.categoryMultipliers, errors, { rows: 4 }),
      ),
      h(
        "div",
        { class: "card" },
        h("h2", null, p.consent),
        h("p", { class: "muted" }, p.consentHint),
        selectField(
          p.consentMode,
          "consentMode",
          options({ link: p.consentLink, explicit: p.consentExplicit }),
          values.consentMode,
          errors,
        ),
      ),
      ...extrasSection(lang, values, errors),
      h("button", { class: "primary", type: "submit" }, t.save),
    ),
  );
}

export const ProgramFormSchema = z.record(z.string(), z.string());

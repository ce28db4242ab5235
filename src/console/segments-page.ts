/**
 * The segments page: the built-in recent-7/14/28 and custom segments with their member counts, and a rule editor
 * (JSON) whose live count and sample come from the preview service as the merchant types (htmx). The rule is
 * validated by the API's own SegmentInputSchema; errors are shown by path (rule.all.0.field).
 */
import type { Rule } from "../segments/rule.ts";
import type { SampleMember } from "../segments/service.ts";
import { CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import { field, flash, fmtNum, h, page } from "./views.ts";
import { previewErrors } from "./kit.ts";

export const SEGMENT_COPY = {
  vi: {
    segments: "Phân khúc",
    builtIn: "Có sẵn",
    custom: "Tự tạo",
    members: "Thành viên",
    rule: "Quy tắc (JSON)",
    ruleHint:
      'Ví dụ: {"all":[{"field":"daysSinceLastOrder","op":"gte","value":30},{"field":"tier","op":"eq","value":"Bạc"}]}. Trường: daysSinceLastOrder, orderCount, netSpend, pointsBalance, birthdayMonth, tier, purchasedCategory, purchasedSku, store, language, channel, optedIn.',
    newSegment: "Tạo phân khúc",
    create: "Tạo",
    created: "Đã tạo phân khúc.",
    matching: "thành viên khớp lúc này",
    sample: "Mẫu",
    badJson: "JSON không hợp lệ",
    edit: "Sửa",
    del: "Xóa",
    editSegment: "Sửa phân khúc",
    saved: "Đã lưu phân khúc.",
    deleted: "Đã xóa phân khúc.",
    cancelEdit: "Thôi sửa",
  },
  en: {
    segments: "Segments",
    builtIn: "Built-in",
    custom: "Custom",
    members: "Members",
    rule: "Rule (JSON)",
    ruleHint:
      'Example: {"all":[{"field":"daysSinceLastOrder","op":"gte","value":30},{"field":"tier","op":"eq","value":"Silver"}]}. Fields: daysSinceLastOrder, orderCount, netSpend, pointsBalance, birthdayMonth, tier, purchasedCategory, purchasedSku, store, language, channel, optedIn.',
    newSegment: "New segment",
    create: "Create",
    created: "Segment created.",
    matching: "members match now",
    sample: "Sample",
    badJson: "not valid JSON",
    edit: "Edit",
    del: "Delete",
    editSegment: "Edit segment",
    saved: "Segment saved.",
    deleted: "Segment deleted.",
    cancelEdit: "Cancel editing",
  },
} as const;

export function previewFragment(
  lang: ConsoleLang,
  result: { count: number; sample: SampleMember[] } | { errors: Record<string, string> },
) {
  const s = SEGMENT_COPY[lang];
  const t = CONSOLE_COPY[lang];
  if ("errors" in result) return previewErrors(result.errors);
  return h(
    "div",
    null,
    h("p", null, h("strong", { id: "preview-count" }, fmtNum(lang, result.count)), ` ${s.matching}`),
    result.sample.length
      ? h(
          "div",
          { class: "scroll" },
          h(
            "table",
            { id: "preview-sample" },
            h("thead", null, h("tr", null, h("th", null, t.name), h("th", null, t.phone), h("th", null, t.tier))),
            h(
              "tbody",
              null,
              ...result.sample.map((m) =>
                h(
                  "tr",
                  null,
                  h("td", null, h("a", { href: `/console/members/${encodeURIComponent(m.id)}` }, m.name || m.id)),
                  h("td", null, m.phone ?? ""),
                  h("td", null, m.tier ?? ""),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

export function segmentsPage(
  lang: ConsoleLang,
  segments: { id: string; name: string; rule: Rule; builtIn: boolean; count: number }[],
  opts: {
    created?: boolean;
    errors?: Record<string, string>;
    values?: { name?: string; rule?: string };
    /** Editing this custom segment (the form saves it instead of creating one). */
    editing?: string;
    flash?: { text: string; bad?: boolean };
  } = {},
): string {
  const s = SEGMENT_COPY[lang];
  const t = CONSOLE_COPY[lang];
  const v = opts.values ?? {};
  const ruleErrors = Object.entries(opts.errors ?? {}).filter(([k]) => k !== "name");
  return page(
    { lang, title: s.segments, section: "segments", signedIn: true, back: "/console/segments" },
    h("h1", null, s.segments),
    opts.created ? flash(s.created) : null,
    opts.flash ? flash(opts.flash.text, opts.flash.bad) : null,
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { id: "segments" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", null, t.name),
            h("th", null, s.rule),
            h("th", { class: "n" }, s.members),
            h("th", null, ""),
          ),
        ),
        h(
          "tbody",
          null,
          ...segments.map((g) =>
            h(
              "tr",
              { "data-segment": g.name, "data-segment-id": g.id },
              h("td", null, g.name, h("div", { class: "muted" }, g.builtIn ? s.builtIn : s.custom)),
              h("td", null, h("code", null, JSON.stringify(g.rule))),
              h("td", { class: "n" }, fmtNum(lang, g.count)),
              h(
                "td",
                null,
                g.builtIn
                  ? null
                  : h(
                      "div",
                      { class: "row" },
                      h("a", { href: `/console/segments?edit=${encodeURIComponent(g.id)}#new-segment` }, s.edit),
                      h(
                        "form",
                        {
                          class: "inline",
                          method: "post",
                          action: `/console/segments/${encodeURIComponent(g.id)}/delete`,
                        },
                        h("button", { class: "secondary", type: "submit", "data-delete": g.name }, s.del),
                      ),
                    ),
              ),
            ),
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", null, opts.editing ? s.editSegment : s.newSegment),
      opts.errors ? flash(t.invalid, true) : null,
      h(
        "form",
        {
          class: "stack",
          method: "post",
          action: opts.editing ? `/console/segments/${encodeURIComponent(opts.editing)}` : "/console/segments",
          id: "new-segment",
        },
        field(t.name, "name", { value: v.name, errors: opts.errors, attrs: { required: true, maxlength: 200 } }),
        h(
          "label",
          null,
          s.rule,
          h(
            "textarea",
            {
              name: "rule",
              rows: 6,
              id: "rule",
              "hx-post": "/console/segments/preview",
              "hx-trigger": "input changed delay:400ms, load",
              "hx-target": "#preview",
            },
            v.rule ?? '{"all":[{"field":"daysSinceLastOrder","op":"lte","value":28}]}',
          ),
        ),
        h("p", { class: "muted" }, s.ruleHint),
        h(
          "div",
          { id: "preview", "aria-live": "polite" },
          ruleErrors.length ? previewFragment(lang, { errors: Object.fromEntries(ruleErrors) }) : null,
        ),
        h(
          "div",
          { class: "row" },
          h("button", { class: "primary", type: "submit" }, opts.editing ? t.save : s.create),
          opts.editing ? h("a", { href: "/console/segments" }, s.cancelEdit) : null,
        ),
      ),
    ),
  );
}

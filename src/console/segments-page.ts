/**
 * The segments page: the built-in recent-7/14/28 and custom segments with their member counts, and a rule editor
 * (JSON) whose live count and sample come from the preview service as the merchant types (htmx). The rule is
 * validated by the API's own SegmentInputSchema; errors are shown by path (rule.all.0.field).
 */
import type { Rule } from "../segments/rule.ts";
import type { SampleMember, SegmentVersionView } from "../segments/service.ts";
import { CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import { field, flash, fmtNum, h, page, sectionPage } from "./views.ts";
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
    exportCsv: "Xuất CSV",
    purpose: "Mục đích",
    purposeMarketing: "Tiếp thị",
    purposeService: "Chăm sóc",
    purposeHint:
      "Xuất CSV — Tiếp thị: chỉ thành viên đồng ý nhận tin tiếp thị; Chăm sóc: mọi thành viên của phân khúc.",
    badPurpose: "Hãy chọn mục đích xuất: tiếp thị hoặc chăm sóc.",
    history: "Lịch sử",
    historyOf: "Lịch sử quy tắc",
    historyHint: "Mỗi lần tạo, sửa, xóa phân khúc là một phiên bản mới, mới nhất ở trên.",
    version: "Phiên bản",
    when: "Lúc",
    who: "Người làm",
    action: "Thao tác",
    actions: { create: "Tạo", update: "Sửa", delete: "Xóa" },
    backToSegments: "← Về danh sách phân khúc",
    actors: { key: "API", console: "Trang quản trị", backfill: "Có từ trước" },
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
    exportCsv: "Export CSV",
    purpose: "Purpose",
    purposeMarketing: "Marketing",
    purposeService: "Service",
    purposeHint:
      "Export CSV — Marketing: only members who agreed to marketing messages; Service: every member of the segment.",
    badPurpose: "Choose an export purpose: marketing or service.",
    history: "History",
    historyOf: "Rule history",
    historyHint: "Every create, edit and delete of the segment is a new version, newest first.",
    version: "Version",
    when: "When",
    who: "By",
    action: "Action",
    actions: { create: "Created", update: "Edited", delete: "Deleted" },
    backToSegments: "← Back to segments",
    actors: { key: "API", console: "Console", backfill: "Existed before history" },
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
  return sectionPage(
    { lang, section: "segments", title: s.segments },
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
                { class: "actions" },
                exportForm(lang, g.id),
                g.builtIn
                  ? null
                  : h(
                      "div",
                      { class: "row" },
                      h("a", { href: `/console/segments?edit=${encodeURIComponent(g.id)}#new-segment` }, s.edit),
                      h(
                        "a",
                        { href: `/console/segments/${encodeURIComponent(g.id)}/history`, "data-history": g.name },
                        s.history,
                      ),
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
    h("p", { class: "muted", id: "purpose-hint" }, s.purposeHint),
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

/**
 * Export CSV with a purpose: a GET form to /console/segments/:id/export, whose answer is an attachment, so the
 * browser downloads the file and stays on the page (the same streamed CSV as GET /v1/segments/{id}/export).
 */
function exportForm(lang: ConsoleLang, id: string) {
  const s = SEGMENT_COPY[lang];
  return h(
    "form",
    { class: "row export", method: "get", action: `/console/segments/${encodeURIComponent(id)}/export` },
    h(
      "label",
      null,
      h("span", { class: "muted" }, s.purpose),
      h(
        "select",
        { name: "purpose", "data-export-purpose": id },
        h("option", { value: "marketing" }, s.purposeMarketing),
        h("option", { value: "service" }, s.purposeService),
      ),
    ),
    h("button", { class: "secondary", type: "submit", "data-export": id }, s.exportCsv),
  );
}

/** A custom segment's rule versions, newest first (GET /v1/segments/{id}/versions), times in the merchant's zone. */
export function segmentHistoryPage(
  lang: ConsoleLang,
  segment: { id: string; name: string },
  versions: SegmentVersionView[],
  when: (iso: string) => string,
): string {
  const s = SEGMENT_COPY[lang];
  const t = CONSOLE_COPY[lang];
  return page(
    {
      lang,
      title: `${s.historyOf}: ${segment.name}`,
      section: "segments",
      signedIn: true,
      back: `/console/segments/${encodeURIComponent(segment.id)}/history`,
    },
    h("p", null, h("a", { href: "/console/segments" }, s.backToSegments)),
    h("h1", null, `${s.historyOf}: ${segment.name}`),
    h("p", { class: "muted" }, s.historyHint),
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { id: "versions" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", { class: "n" }, s.version),
            h("th", null, s.when),
            h("th", null, s.who),
            h("th", null, s.action),
            h("th", null, t.name),
            h("th", null, s.rule),
          ),
        ),
        h(
          "tbody",
          null,
          ...versions.map((v) =>
            h(
              "tr",
              { "data-version": String(v.version) },
              h("td", { class: "n" }, String(v.version)),
              h("td", null, when(v.at)),
              h("td", { "data-actor": v.actor }, ...actorCell(lang, v.actor)),
              h("td", null, s.actions[v.action]),
              h("td", null, v.name),
              h("td", null, h("code", null, JSON.stringify(v.rule))),
            ),
          ),
        ),
      ),
    ),
  );
}

/** "key:<id>" → API, "console:<id>" → Console, with the key id shortened (whole in the title); "backfill" as such. */
function actorCell(lang: ConsoleLang, actor: string) {
  const s = SEGMENT_COPY[lang];
  const [kind, id] = actor.includes(":")
    ? [actor.slice(0, actor.indexOf(":")), actor.slice(actor.indexOf(":") + 1)]
    : [actor, ""];
  const label = kind === "key" || kind === "console" || kind === "backfill" ? s.actors[kind] : kind;
  return [label, id ? h("div", { class: "muted", title: id }, id.length > 10 ? `${id.slice(0, 10)}…` : id) : null];
}

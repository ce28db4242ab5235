/**
 * Small pieces shared by the console's newer pages (campaigns, journeys, catalog, recommendations): errors keyed by
 * path from zod or a DomainError, select/textarea fields with their error in place, a table, cards, and
 * datetime-local values in the merchant's time zone.
 */
import type { z } from "zod";
import { DomainError } from "../lib/errors.ts";
import { zonedFormatter } from "../lib/time-zone.ts";
import { CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import { flash, h } from "./views.ts";

export type Errors = Record<string, string>;

/** What a page with a form is shown after a post: the values to refill, the errors in place, a flash line. */
export interface FormState<V = Record<string, string>> {
  values?: V;
  errors?: Errors;
  flash?: string;
}

/** Something to pick in a select (a segment, an offer, a template). */
export interface Choice {
  id: string;
  name: string;
}

/** zod issues → { "message.vi": "…" } (the first message per path). */
export function issueErrors(issues: z.core.$ZodIssue[], fallback = "form"): Errors {
  const out: Errors = {};
  for (const i of issues) out[i.path.join(".") || fallback] ??= i.message;
  return out;
}

/** A 4xx DomainError (not 404) → errors by path, to show in place; anything else is rethrown. */
export function domainErrors(err: unknown, fallback = "form"): Errors {
  if (!(err instanceof DomainError) || err.status === 404 || err.status >= 500) throw err;
  const out: Errors = {};
  for (const e of err.errors ?? [{ path: fallback, message: err.message }]) out[e.path || fallback] ??= e.message;
  return out;
}

export const errSpan = (errors: Errors | undefined, name: string) =>
  errors?.[name] ? h("span", { class: "err", "data-field": name }, errors[name]) : null;

/** A label around a control, with the control's error (by its name) shown under it. */
function labelled(label: string, name: string, control: unknown, errors?: Errors) {
  return h("label", null, label, control as string, errSpan(errors, name));
}

const invalid = (errors: Errors | undefined, name: string) => (errors?.[name] ? { "aria-invalid": "true" } : {});

export function selectField(
  label: string,
  name: string,
  options: { value: string; label: string }[],
  value: string | undefined,
  errors?: Errors,
  attrs: object = {},
) {
  const control = h(
    "select",
    { name, ...invalid(errors, name), ...attrs },
    ...options.map((o) => h("option", { value: o.value, ...(o.value === value ? { selected: true } : {}) }, o.label)),
  );
  return labelled(label, name, control, errors);
}

export function textareaField(
  label: string,
  name: string,
  value: string | undefined,
  errors?: Errors,
  attrs: object = {},
) {
  return labelled(
    label,
    name,
    h("textarea", { name, rows: 3, ...invalid(errors, name), ...attrs }, value ?? ""),
    errors,
  );
}

/** The errors of a live preview (htmx fragment), each with its path. */
export function previewErrors(errors: Errors) {
  return h(
    "div",
    { id: "preview-errors" },
    ...Object.entries(errors).map(([k, m]) => h("p", { class: "err", "data-field": k }, `${k}: ${m}`)),
  );
}

/** A scrolling table: header labels (a leading "#" makes the column numeric) and rows of cells. */
export function table(id: string, head: string[], rows: unknown[][], rowAttrs: (i: number) => object = () => ({})) {
  const cls = (label: string) => (label.startsWith("#") ? { class: "n" } : {});
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { id },
      h("thead", null, h("tr", null, ...head.map((l) => h("th", cls(l), l.replace(/^#/, ""))))),
      h(
        "tbody",
        null,
        ...rows.map((r, i) => h("tr", rowAttrs(i), ...r.map((cell, j) => h("td", cls(head[j] ?? ""), cell as string)))),
      ),
    ),
  );
}

/** `table`, or the page's empty-state line when there are no rows. */
export function tableOr(empty: string, ...args: Parameters<typeof table>) {
  return args[2].length === 0 ? h("p", { class: "empty" }, empty) : table(...args);
}

/** Header labels of numeric columns (right-aligned by `table`). */
export const numeric = (...labels: string[]) => labels.map((l) => `#${l}`);

/** A card: its heading (and id, when given), then the rest. */
export function card(title: string | { title: string; id: string }, ...body: unknown[]) {
  const { title: t, ...attrs } = typeof title === "string" ? { title } : title;
  return h("div", { class: "card", ...attrs }, h("h2", null, t), ...(body as string[]));
}

/** A muted hint under a heading. */
export const hint = (text: string) => h("p", { class: "muted" }, text);

/**
 * A card holding one POST form: its heading, "check the fields" when the last post had `errors` (each is also shown
 * at its field), an optional hint, then the form with its fields.
 */
export function formCard(
  lang: ConsoleLang,
  title: string,
  form: { action: string; id: string; errors?: Errors | undefined; hint?: string },
  ...fields: unknown[]
) {
  return card(
    title,
    form.errors ? flash(CONSOLE_COPY[lang].invalid, true) : null,
    form.hint === undefined ? null : hint(form.hint),
    h("form", { class: "stack", method: "post", action: form.action, id: form.id }, ...(fields as string[])),
  );
}

/** Select options from { value: label }, in that order. */
export const options = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ value, label }));

/** Offset of `timeZone` from UTC at `at`, in ms. */
function offsetMs(at: Date, timeZone: string): number {
  const p = Object.fromEntries(
    zonedFormatter(timeZone, {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  const local = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return local - Math.floor(at.getTime() / 1000) * 1000;
}

/** A datetime-local value ("2026-12-24T09:00") read in the merchant's zone → ISO; undefined when not such a value. */
export function localToIso(local: string, timeZone: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) return undefined;
  const guess = Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
  if (Number.isNaN(guess)) return undefined;
  // Two passes settle the offset across a DST change.
  let t = guess - offsetMs(new Date(guess), timeZone);
  t = guess - offsetMs(new Date(t), timeZone);
  return new Date(t).toISOString();
}

/** ISO → the datetime-local value in the merchant's zone. */
export function isoToLocal(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  return new Date(t + offsetMs(new Date(t), timeZone)).toISOString().slice(0, 16);
}

/** The "last N days" picker of the report pages (a GET form back to `action`). */
/** `extra`: another control of the same GET form (e.g. a store select), before the button. */
export function daysForm(action: string, label: string, days: number, show: string, extra: unknown = null) {
  return h(
    "form",
    { class: "row", method: "get", action },
    h(
      "label",
      null,
      label,
      h(
        "select",
        { name: "days" },
        ...[7, 30, 90, 365].map((x) =>
          h("option", { value: String(x), ...(x === days ? { selected: true } : {}) }, String(x)),
        ),
      ),
    ),
    extra as string | null,
    h("button", { class: "secondary", type: "submit" }, show),
  );
}

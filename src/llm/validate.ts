/**
 * The gate every model-written text passes before a customer sees it (pure). A text is rejected when
 *  - it is empty or longer than the limit (the channel's and the task's),
 *  - it contains a link, an e-mail address or a `{{placeholder}}` other than the allowed ones,
 *  - it names a product of the merchant's catalog that is not among the facts,
 *  - any number, date or time in it is not a fact (after removing the allowed names, which may contain digits),
 *  - it is not in the expected language.
 */
import { foldVietnamese, type Lang } from "../messages/render.ts";
import { type FactSet, unknownFigures } from "./figures.ts";
import { isLanguage } from "./language.ts";

export type Verdict = { ok: true } | { ok: false; reason: RejectReason; detail?: string };

export type RejectReason =
  | "empty"
  | "too-long"
  | "link"
  | "placeholder"
  | "unknown-product"
  | "unknown-figure"
  | "language"
  | "action-claim";

export interface ValidateOptions {
  lang: Lang;
  facts: FactSet;
  maxChars: number;
  /** Names the text may use (products in the facts, tiers, rewards from tool results, the shop, the member). */
  allowedNames?: readonly string[];
  /** The merchant's catalog: any of these names that is not allowed must not appear. */
  catalogNames?: readonly string[];
  /** Placeholders the text may contain, e.g. ["firstName"]. */
  placeholders?: readonly string[];
}

/** Channel text limits (characters): Telegram 4096, Zalo 2000; the web simulator follows Telegram. */
export const CHANNEL_TEXT_LIMIT: Record<"telegram" | "zalo" | "zalo_oa" | "web", number> = {
  telegram: 4096,
  zalo: 2000,
  zalo_oa: 2000,
  web: 4096,
};

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function folded(names: readonly string[] | undefined): string[] {
  return [...new Set((names ?? []).map((n) => foldVietnamese(n).trim()).filter((n) => n.length >= 2))].sort(
    (a, b) => b.length - a.length,
  );
}

/** `text` (folded) with every allowed name blanked out, longest first. */
function stripNames(text: string, names: string[]): string {
  let out = text;
  for (const n of names) out = out.replace(new RegExp(`(?<![\\p{L}\\d])${escapeRe(n)}(?![\\p{L}\\d])`, "gu"), " ");
  return out;
}

export function validateText(text: string, o: ValidateOptions): Verdict {
  const t = text.trim();
  if (t === "") return { ok: false, reason: "empty" };
  if (t.length > o.maxChars) return { ok: false, reason: "too-long", detail: `${t.length} > ${o.maxChars}` };
  if (/https?:\/\/|www\.|\bt\.me\/|\b[\w.+-]+@[\w-]+\.[\w.]+/i.test(t)) return { ok: false, reason: "link" };
  const allowedPh = new Set(o.placeholders ?? []);
  for (const m of t.matchAll(/\{\{\s*([^}]*?)\s*\}\}|\{[^{}]*\}|\[\[|\]\]/g)) {
    if (m[1] === undefined || !allowedPh.has(m[1])) return { ok: false, reason: "placeholder", detail: m[0] };
  }
  const withoutPh = t.replace(/\{\{\s*[^}]*?\s*\}\}/g, " ");

  const allowed = folded(o.allowedNames);
  const rest = stripNames(foldVietnamese(withoutPh), allowed);
  const allowedSet = new Set(allowed);
  for (const name of folded(o.catalogNames)) {
    if (allowedSet.has(name) || name.length < 3) continue;
    if (new RegExp(`(?<![\\p{L}\\d])${escapeRe(name)}(?![\\p{L}\\d])`, "u").test(rest))
      return { ok: false, reason: "unknown-product", detail: name };
  }
  const unknown = unknownFigures(rest, o.facts);
  if (unknown.length > 0)
    return { ok: false, reason: "unknown-figure", detail: unknown.map((f) => f.raw.trim()).join(", ") };

  // Names (often Vietnamese product names in an English text) don't count for the language.
  let prose = withoutPh;
  for (const n of o.allowedNames ?? [])
    if (n.trim().length >= 2) prose = prose.replace(new RegExp(escapeRe(n.trim()), "giu"), " ");
  if (!isLanguage(prose, o.lang)) return { ok: false, reason: "language" };
  return { ok: true };
}

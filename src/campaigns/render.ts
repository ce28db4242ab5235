/**
 * Message templates (pure): `{{firstName}}`, `{{name}}`, `{{points}}`, `{{tier}}` in the member's language, with a
 * Vietnamese fallback. `{{firstName}}` is the name the bot greets the member by (`src/messages/names.ts`).
 */
import { firstName } from "../messages/names.ts";

export type Lang = "vi" | "en";

export const PLACEHOLDERS = ["firstName", "name", "points", "tier"] as const;
const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Unknown placeholders in a template (empty when it is fine). */
export function unknownPlaceholders(template: string): string[] {
  const out = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER_RE))
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) out.add(m[1]!);
  return [...out];
}

/** Integer with thousands separators: vi `1.234`, en `1,234`. */
export function formatInt(n: number, lang: Lang): string {
  const sep = lang === "vi" ? "." : ",";
  const digits = String(Math.trunc(Math.abs(n)));
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += sep;
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

const NAMELESS: Record<Lang, string> = { vi: "bạn", en: "there" };

export interface RenderMember {
  name: string | null;
  language: string | null;
  points: number;
  tier: string | null;
}

/** Picks the member's language (fallback vi, then whatever exists) and fills the placeholders. */
export function renderMessage(
  templates: { vi?: string | undefined; en?: string | undefined },
  m: RenderMember,
): { text: string; lang: Lang } {
  const want: Lang = m.language === "en" ? "en" : "vi";
  const lang: Lang = templates[want] ? want : templates.vi ? "vi" : "en";
  const template = templates[lang] ?? "";
  const vars: Record<string, string> = {
    firstName: firstName(m.name) ?? NAMELESS[lang],
    name: m.name?.trim() || NAMELESS[lang],
    points: formatInt(m.points, lang),
    tier: m.tier ?? "",
  };
  const text = template.replace(PLACEHOLDER_RE, (whole, key: string) => vars[key] ?? whole);
  return { text, lang };
}

/** Buttons under a promotional message: claim the offer (when there is one) and opt out. */
export function promoButtons(lang: Lang, offerId: string | null | undefined): { label: string; data: string }[][] {
  const rows: { label: string; data: string }[][] = [];
  if (offerId && /^[A-Za-z0-9_-]{1,60}$/.test(offerId))
    rows.push([{ label: lang === "vi" ? "Nhận ưu đãi" : "Claim offer", data: `oc:${offerId}` }]);
  rows.push([{ label: lang === "vi" ? "Ngừng nhận tin khuyến mãi" : "Stop promotions", data: "stop" }]);
  return rows;
}

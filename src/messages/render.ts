/**
 * Locale formatting for chat copy (pure): points and amounts with thousands separators, dates in the merchant's
 * time zone. Vietnamese: `125.000 ₫`, `20/11/2026`; English: `125,000 ₫`, `20 Nov 2026`.
 * Grouping is done by hand (not Intl) so the output is identical on every runtime and ICU build.
 */
// How a member is addressed lives in names.ts; re-exported here with the rest of the copy helpers.
export { firstName, foldVietnamese } from "./names.ts";
import { zonedFormatter } from "../lib/time-zone.ts";

export type Lang = "vi" | "en";

export const LANGS: readonly Lang[] = ["vi", "en"];

export function isLang(v: unknown): v is Lang {
  return v === "vi" || v === "en";
}

/** `vi`/`en` from anything (a member's stored language, a locale such as `en-US`); vi by default. */
export function toLang(v: string | null | undefined): Lang {
  return typeof v === "string" && v.toLowerCase().startsWith("en") ? "en" : "vi";
}

function group(n: number, sep: string): string {
  const neg = n < 0;
  const digits = String(Math.trunc(Math.abs(n)));
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += sep;
    out += digits[i];
  }
  return (neg ? "-" : "") + out;
}

/** An integer with thousands separators: vi `1.234.567`, en `1,234,567`. */
export function formatNumber(n: number, lang: Lang): string {
  return group(n, lang === "vi" ? "." : ",");
}

/** A multiplier as written (1.5 → vi "1,5", en "1.5"). */
export function formatMultiplier(m: number, lang: Lang): string {
  const s = String(Number(m.toFixed(4)));
  return lang === "vi" ? s.replace(".", ",") : s;
}

export function formatPoints(n: number, lang: Lang): string {
  return formatNumber(n, lang);
}

/** Signed points for a history line: `+12`, `-30`. */
export function formatSignedPoints(n: number, lang: Lang): string {
  return (n > 0 ? "+" : "") + formatNumber(n, lang);
}

const CURRENCY_SYMBOL: Record<string, string> = { VND: "₫", USD: "$", EUR: "€", SGD: "S$", THB: "฿" };
/** Minor-unit digits of currencies the bot knows; VND has none. */
const MINOR_DIGITS: Record<string, number> = { VND: 0, USD: 2, EUR: 2, SGD: 2, THB: 2 };

/** An amount in the currency's minor unit: VND `125.000 ₫` (vi) / `125,000 ₫` (en). */
export function formatMoney(amount: number, currency: string, lang: Lang): string {
  const code = currency.toUpperCase();
  const digits = MINOR_DIGITS[code] ?? 0;
  const symbol = CURRENCY_SYMBOL[code] ?? code;
  if (digits === 0) return `${formatNumber(amount, lang)} ${symbol}`;
  const scale = 10 ** digits;
  const whole = Math.trunc(Math.abs(amount) / scale);
  const frac = String(Math.abs(amount) % scale).padStart(digits, "0");
  const sign = amount < 0 ? "-" : "";
  return `${sign}${formatNumber(whole, lang)}${lang === "vi" ? "," : "."}${frac} ${symbol}`;
}

interface DateParts {
  day: string;
  month: string;
  year: string;
  hour: string;
  minute: string;
}

/** Formatters by time zone: building one costs far more than using it (history lists format many dates). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (fmt) return fmt;
  fmt = zonedFormatter(timeZone, {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  if (formatters.size > 100) formatters.clear();
  formatters.set(timeZone, fmt);
  return fmt;
}

function parts(d: Date, timeZone: string): DateParts {
  const fmt = formatterFor(timeZone);
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(d)) out[p.type] = p.value;
  return {
    day: out.day ?? "01",
    month: out.month ?? "01",
    year: out.year ?? "1970",
    hour: out.hour ?? "00",
    minute: out.minute ?? "00",
  };
}

const EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** vi `20/11/2026`; en `20 Nov 2026` — the calendar date in `timeZone` (default Asia/Ho_Chi_Minh). */
export function formatDate(d: Date, lang: Lang, timeZone = "Asia/Ho_Chi_Minh"): string {
  const p = parts(d, timeZone);
  if (lang === "vi") return `${p.day}/${p.month}/${p.year}`;
  return `${p.day} ${EN_MONTHS[Number(p.month) - 1] ?? p.month} ${p.year}`;
}

/** vi `14:30 20/11/2026`; en `20 Nov 2026, 14:30`. */
export function formatDateTime(d: Date, lang: Lang, timeZone = "Asia/Ho_Chi_Minh"): string {
  const p = parts(d, timeZone);
  const time = `${p.hour}:${p.minute}`;
  return lang === "vi" ? `${time} ${formatDate(d, lang, timeZone)}` : `${formatDate(d, lang, timeZone)}, ${time}`;
}

/** Cuts `s` to at most `max` characters (adding "…"), never inside a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  const code = s.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return s.slice(0, cut).trimEnd() + "…";
}

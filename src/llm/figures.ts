/**
 * Numbers and dates in chat text (pure): what a model wrote, normalised so it can be compared with the facts it was
 * given. Vietnamese and English formats: `125.000` / `125,000` / `125k` / `125 nghìn` / `1,5 triệu` / `1.5M`,
 * `20%`, `20/11/2026`, `20/11`, `20 Nov 2026`, `Nov 20th`, `ngày 20 tháng 11 năm 2026`, `tháng 11`, `14:30` / `14h30`.
 *
 * `FactSet` is the allow-list: every figure a reply may contain. `unknownFigures(text, facts)` lists the ones that
 * are not in it. Extraction works on lower-case text without diacritics (see `foldVietnamese`).
 */
import { foldVietnamese } from "../messages/render.ts";

export interface DateFact {
  d?: number | undefined;
  m: number;
  y?: number | undefined;
}

export type Figure =
  | { kind: "number"; raw: string; values: number[] }
  | { kind: "date"; raw: string; date: DateFact }
  | { kind: "time"; raw: string; time: string };

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
};
const MONTH_RE =
  "(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)";

const MULTIPLIERS: Record<string, number> = {
  k: 1e3,
  nghin: 1e3,
  ngan: 1e3,
  thousand: 1e3,
  tr: 1e6,
  trieu: 1e6,
  m: 1e6,
  mil: 1e6,
  million: 1e6,
  ty: 1e9,
  bn: 1e9,
  billion: 1e9,
};

function validDay(d: number, m: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

function year(y: string | undefined): number | undefined {
  if (y === undefined || y === "") return undefined;
  const n = Number(y);
  return y.length === 2 ? 2000 + n : n;
}

/** The possible values of a written number: `1.250` is 1250 (grouped) or 1.25 (decimal); `1,5` is 1.5. */
export function numberCandidates(num: string): number[] {
  const s = num.replace(/[\u00a0\u202f]/g, ".");
  const out = new Set<number>();
  const grouped = /^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$/.exec(s);
  if (grouped) out.add(Number(s.replace(/[.,]/g, "")));
  // Grouped with a decimal part: 1.250,50 / 1,250.50
  const mixed = /^(\d{1,3}(?:([.,])\d{3})*)([.,])(\d{1,2})$/.exec(s);
  if (mixed && mixed[2] !== undefined && mixed[2] !== mixed[3])
    out.add(Number(`${mixed[1]!.replace(/[.,]/g, "")}.${mixed[4]}`));
  const decimal = /^(\d+)(?:[.,](\d+))?$/.exec(s);
  if (decimal) out.add(Number(decimal[2] === undefined ? decimal[1] : `${decimal[1]}.${decimal[2]}`));
  if (out.size === 0) out.add(Number(s.replace(/[^\d]/g, "")));
  return [...out].filter((n) => Number.isFinite(n));
}

/** Figures in `text` (any case, with or without diacritics). */
export function extractFigures(text: string): Figure[] {
  let s = foldVietnamese(text);
  const figures: Figure[] = [];
  // Each pattern consumes what it recognised, so later (looser) patterns don't see it again.
  const take = (re: RegExp, f: (m: (string | undefined)[]) => Figure | undefined) => {
    s = s.replace(re, (...args: unknown[]) => {
      // replace() passes (match, ...groups, offset, input)
      const m = args.slice(0, -2) as (string | undefined)[];
      const fig = f(m);
      if (!fig) return m[0] ?? "";
      figures.push(fig);
      return " ";
    });
  };

  // ISO dates 2026-11-20
  take(/(?<![\d.,/-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])/g, (m) => {
    const d = Number(m[3]),
      mo = Number(m[2]);
    return validDay(d, mo) ? { kind: "date", raw: m[0]!, date: { d, m: mo, y: Number(m[1]) } } : undefined;
  });
  // 20/11/2026, 20-11-2026, 20.11.2026, 20/11
  take(/(?<![\d.,/-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d/]|[.,]\d)/g, (m) => {
    const d = Number(m[1]),
      mo = Number(m[3]);
    if (m[2] !== "/" && m[4] === undefined) return undefined;
    return validDay(d, mo) ? { kind: "date", raw: m[0]!, date: { d, m: mo, y: year(m[4]) } } : undefined;
  });
  // 20 Nov 2026, 20th of November
  take(
    new RegExp(`(?<![\\d.,])(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}\\.?(?:,?\\s+(\\d{4}))?(?![a-z])`, "g"),
    (m) => {
      const d = Number(m[1]),
        mo = MONTHS[m[2]!]!;
      return validDay(d, mo) ? { kind: "date", raw: m[0]!, date: { d, m: mo, y: year(m[3]) } } : undefined;
    },
  );
  // Nov 20, 2026 / November 20th
  take(new RegExp(`(?<![a-z])${MONTH_RE}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?![\\d])(?:,?\\s+(\\d{4}))?`, "g"), (m) => {
    const d = Number(m[2]),
      mo = MONTHS[m[1]!]!;
    return validDay(d, mo) ? { kind: "date", raw: m[0]!, date: { d, m: mo, y: year(m[3]) } } : undefined;
  });
  // ngày 20 tháng 11 năm 2026 / 20 tháng 11
  take(/(?<![\d.,])(\d{1,2})\s+thang\s+(\d{1,2})(?:\s*(?:nam|,|\/)\s*(\d{4}))?(?!\d)/g, (m) => {
    const d = Number(m[1]),
      mo = Number(m[2]);
    return validDay(d, mo) ? { kind: "date", raw: m[0]!, date: { d, m: mo, y: year(m[3]) } } : undefined;
  });
  // tháng 11 (năm 2026) — a month alone
  take(/(?<![a-z])thang\s+(\d{1,2})(?:\s*(?:nam|\/)\s*(\d{4}))?(?!\d)/g, (m) => {
    const mo = Number(m[1]);
    return mo >= 1 && mo <= 12 ? { kind: "date", raw: m[0]!, date: { m: mo, y: year(m[2]) } } : undefined;
  });
  // November 2026 / in November
  take(new RegExp(`(?<![a-z])${MONTH_RE}(?:\\s+(\\d{4}))?(?![a-z])`, "g"), (m) => {
    // "may" is also a verb: only a month when a year follows.
    if (m[1] === "may" && m[2] === undefined) return undefined;
    return { kind: "date", raw: m[0]!, date: { m: MONTHS[m[1]!]!, y: year(m[2]) } };
  });
  // 14:30 / 14h30
  take(/(?<![\d.,])(\d{1,2})[:h](\d{2})(?!\d)/g, (m) => {
    const h = Number(m[1]),
      min = Number(m[2]);
    return h < 24 && min < 60 ? { kind: "time", raw: m[0]!, time: `${h}:${String(min).padStart(2, "0")}` } : undefined;
  });
  // Numbers with an optional multiplier word (125k, 1,5 trieu, 2 million)
  take(
    /(?<![\d.,])(\d{1,3}(?:([.,\u00a0\u202f])\d{3})(?:\2\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)(?:\s?(k|nghin|ngan|thousand|trieu|tr|million|mil|m|ty|billion|bn)(?![a-z]))?/g,
    (m) => {
      const mult = m[3] ? (MULTIPLIERS[m[3]] ?? 1) : 1;
      return { kind: "number", raw: m[0]!, values: numberCandidates(m[1]!).map((v) => v * mult) };
    },
  );
  return figures;
}

function key(n: number): string {
  return String(Math.round(Math.abs(n) * 1e6) / 1e6);
}

/** The calendar date of `d` in `timeZone` (falls back to Asia/Ho_Chi_Minh for an unknown zone). */
export function localDate(d: Date, timeZone: string): { d: number; m: number; y: number; time: string } {
  let fmt: Intl.DateTimeFormat;
  const opts: Intl.DateTimeFormatOptions = {
    day: "numeric",
    month: "numeric",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
    hourCycle: "h23",
  };
  try {
    fmt = new Intl.DateTimeFormat("en-US", { ...opts, timeZone });
  } catch {
    fmt = new Intl.DateTimeFormat("en-US", { ...opts, timeZone: "Asia/Ho_Chi_Minh" });
  }
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(d)) p[part.type] = part.value;
  return { d: Number(p.day), m: Number(p.month), y: Number(p.year), time: `${Number(p.hour)}:${p.minute ?? "00"}` };
}

/** The figures a reply may contain: the facts it was given (offer facts, tool results). */
export class FactSet {
  private readonly numbers = new Set<string>();
  private readonly dates: { d: number; m: number; y: number }[] = [];
  private readonly times = new Set<string>();

  addNumber(n: number | null | undefined): this {
    if (typeof n === "number" && Number.isFinite(n)) this.numbers.add(key(n));
    return this;
  }

  /** A date (in the merchant's time zone): its day/month/year, its year alone and its time of day. */
  addDate(d: Date | null | undefined, timeZone: string): this {
    if (!d || Number.isNaN(d.getTime())) return this;
    const l = localDate(d, timeZone);
    this.dates.push({ d: l.d, m: l.m, y: l.y });
    this.numbers.add(key(l.y));
    this.times.add(l.time);
    return this;
  }

  /** Every figure written in `text` (e.g. a formatted amount or date in a tool result). */
  addText(text: string): this {
    for (const f of extractFigures(text)) {
      if (f.kind === "number") for (const v of f.values) this.numbers.add(key(v));
      else if (f.kind === "time") this.times.add(f.time);
      else if (f.date.d !== undefined && f.date.y !== undefined) {
        this.dates.push({ d: f.date.d, m: f.date.m, y: f.date.y });
        this.numbers.add(key(f.date.y));
      }
    }
    return this;
  }

  /** Numbers, and figures inside strings, anywhere in a JSON-like value (tool results). */
  addValue(v: unknown, depth = 0): this {
    if (depth > 8) return this;
    if (typeof v === "number") this.addNumber(v);
    else if (typeof v === "string") this.addText(v);
    else if (Array.isArray(v)) for (const x of v) this.addValue(x, depth + 1);
    else if (v && typeof v === "object") for (const x of Object.values(v)) this.addValue(x, depth + 1);
    return this;
  }

  hasNumber(n: number): boolean {
    return this.numbers.has(key(n));
  }

  hasDate(date: DateFact): boolean {
    return this.dates.some(
      (f) => f.m === date.m && (date.d === undefined || f.d === date.d) && (date.y === undefined || f.y === date.y),
    );
  }

  hasTime(t: string): boolean {
    return this.times.has(t);
  }

  allows(f: Figure): boolean {
    if (f.kind === "number") return f.values.some((v) => this.hasNumber(v));
    if (f.kind === "date") return this.hasDate(f.date);
    return this.hasTime(f.time);
  }
}

/** Figures in `text` that are not facts (empty = every number and date checks out). */
export function unknownFigures(text: string, facts: FactSet): Figure[] {
  return extractFigures(text).filter((f) => !facts.allows(f));
}

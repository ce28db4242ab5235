/**
 * The validation building blocks every schema uses for what enters the system (HTTP bodies, path ids, query strings,
 * webhooks, CSV, chat): text without NUL or lone UTF-16 surrogates (Postgres refuses NUL in text and stores lone
 * surrogates as U+FFFD, silently changing the value), dates in a sane range, integers bounded by their column types.
 * The limits are documented in docs/security.md ("Input validation") and docs/api.md.
 */
import { z } from "zod";
import type { FieldError } from "./errors.ts";

/** int4 (`integer` column) bounds. */
export const INT4_MAX = 2_147_483_647;
/** The largest integer JSON numbers carry exactly (and bigint columns hold). */
export const SAFE_INT_MAX = Number.MAX_SAFE_INTEGER;
/**
 * Points: every points column is bigint, read as a JS number (`mode: "number"`), so a balance, a lot, an entry and
 * an order's earn are kept at most 2^53 − 1 — what JSON and JS numbers carry exactly (Postgres' bigint holds more).
 */
export const MAX_POINTS = SAFE_INT_MAX;
/** Longest id accepted anywhere (path ids, external ids, platform message ids). */
export const MAX_ID_LENGTH = 200;
/** Money: one order line (quantity × unitPrice) and one order total at most this many minor units (10^15). */
export const MAX_MONEY = 1_000_000_000_000_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as is, or undefined when it can. */
export function badTextReason(s: string): string | undefined {
  if (s.includes("\u0000")) return "must not contain NUL characters";
  if (LONE_SURROGATE.test(s)) return "must not contain unpaired UTF-16 surrogates";
  return undefined;
}

/** Every string (and object key) in a parsed JSON value that cannot be stored, with its dotted path. */
export function findBadText(value: unknown, path = "", out: FieldError[] = []): FieldError[] {
  if (out.length >= 20) return out;
  if (typeof value === "string") {
    const reason = badTextReason(value);
    if (reason) out.push({ path, message: reason });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      findBadText(v, path === "" ? String(i) : `${path}.${i}`, out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = path === "" ? k : `${path}.${k}`;
      const keyReason = badTextReason(k);
      if (keyReason) out.push({ path: p, message: `key ${keyReason}` });
      else findBadText(v, p, out);
    }
  }
  return out;
}

/** A string with no NUL and no lone surrogate, at most `max` characters. */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((s, ctx) => {
      const reason = badTextReason(s);
      if (reason) ctx.addIssue({ code: "custom", message: reason });
    });

/** An identifier: clean text, 1…MAX_ID_LENGTH characters. */
export const id = (max = MAX_ID_LENGTH) => text(max).min(1);

/** An integer that fits an int4 column (and, for `min` ≥ 0, is not negative). */
export const int4 = (min = 0, max = INT4_MAX) => z.number().int().min(min).max(max);

/** An integer stored in a bigint column (kept within JSON's exact range). */
export const int8 = (min = 0, max = SAFE_INT_MAX) => z.number().int().min(min).max(max);

/** Earliest instant accepted for business dates (orders, sends, bundles). */
export const MIN_BUSINESS_DATE = "2000-01-01T00:00:00Z";
/** How far in the future a business date may lie. */
export const MAX_FUTURE_DAYS = 366;
const DAY_MS = 86_400_000;

/**
 * A refinement: the instant `parse` reads from the string (NaN: not a `what`) lies between `first` (YYYY-MM-DD) and
 * `last()` (read at validation time), else one issue saying which bound it broke.
 */
function within(parse: (s: string) => number, what: string, first: string, last: () => number, tooLate: string) {
  const min = Date.parse(`${first}T00:00:00Z`);
  return (s: string, ctx: z.RefinementCtx) => {
    const t = parse(s);
    const message = !Number.isFinite(t)
      ? `not a valid ${what}`
      : t < min
        ? `must be ${first} or later`
        : t > last()
          ? tooLate
          : undefined;
    if (message) ctx.addIssue({ code: "custom", message });
  };
}

const dayStart = (s: string) => Date.parse(`${s}T00:00:00Z`);
const businessEnd = () => Date.now() + MAX_FUTURE_DAYS * DAY_MS;
const FIRST_BUSINESS_DAY = MIN_BUSINESS_DATE.slice(0, 10);
const TOO_FAR = `must be at most ${MAX_FUTURE_DAYS} days in the future`;

/**
 * An ISO 8601 date-time with offset between 2000-01-01 and now + 366 days (`now` read at validation time, so the
 * wall clock; the ledger's FakeClock in tests stays well inside this window).
 */
export const dateTimeInRange = () =>
  z.iso
    .datetime({ offset: true })
    .superRefine(within(Date.parse, "date-time", FIRST_BUSINESS_DAY, businessEnd, TOO_FAR));

/** A calendar date (YYYY-MM-DD) between 2000-01-01 and today + 366 days. */
export const dateInRange = () =>
  z.iso.date().superRefine(within(dayStart, "date", FIRST_BUSINESS_DAY, businessEnd, TOO_FAR));

/** A birthday: YYYY-MM-DD from 1900-01-01 to today. */
export const birthdayDate = () =>
  z.iso.date().superRefine(within(dayStart, "date", "1900-01-01", Date.now, "must not be in the future"));

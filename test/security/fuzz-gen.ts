/**
 * Request generators for the fuzz suite: fast-check arbitraries built from the OpenAPI document's JSON Schemas,
 * mostly schema-shaped values with hostile ones mixed in (NUL, lone surrogates, int4/int8 edges, year 0 / 9999 dates,
 * wrong types, huge strings), and a database fingerprint to prove a rejected request wrote nothing.
 */
import fc from "fast-check";
import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/types.ts";
import { resultRows } from "../../src/db/rows.ts";

type Schema = Record<string, any>;

export const EVIL_STRINGS = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "\udbff",
  "",
  " ",
  "0000-01-01",
  "0000-01-01T00:00:00Z",
  "9999-12-31",
  "9999-12-31T23:59:59Z",
  "1899-12-31",
  "x".repeat(12_000),
  "-1",
  "NaN",
  "' or 1=1 --",
  "%00",
  "😀",
];
export const EVIL_NUMBERS = [
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 63,
  1e21,
  -1,
  0,
  0.5,
  1e308,
  -1e308,
  1_000_000,
  1_000_000_000_000,
];
const evilValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...EVIL_STRINGS),
  fc.constantFrom(...EVIL_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, [null], { "\u0000": 1 }),
);

const DATE_TIMES = [
  "2026-01-01T00:00:00Z",
  "2025-06-15T10:00:00+07:00",
  "0000-01-01T00:00:00Z",
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "1970-01-01T00:00:00Z",
];
const DATES = ["2000-01-01", "1990-05-17", "0000-01-01", "9999-12-31", "1899-01-01", "2026-12-04"];

export interface GenContext {
  /** Ids seen in responses (members, rewards, skus, …), used for id-like fields and path parameters. */
  ids: () => string[];
}

const ID_KEY = /(^id$|Id$|Ids$|^sku$|externalId|code)/;

function resolve(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 5 && typeof s?.$ref === "string"; i++) {
    const parts = (s.$ref as string).replace(/^#\//, "").split("/");
    s = parts.reduce((acc: any, p) => acc?.[p], root) ?? {};
  }
  return s ?? {};
}

function idArb(ctx: GenContext): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((i) => pick(ctx.ids(), i)) },
    { weight: 1, arbitrary: fc.constantFrom(...EVIL_STRINGS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
}

function pick(xs: string[], i: number): string {
  return xs.length === 0 ? "x" : (xs[i % xs.length] as string);
}

/** A schema-shaped value (possibly invalid at the edges), with a hostile value now and then. */
export function arbFor(schema: Schema, root: Schema, ctx: GenContext, key = "", depth = 0): fc.Arbitrary<unknown> {
  const shaped = shapedArb(resolve(schema, root), root, ctx, key, depth);
  return fc.oneof({ weight: 12, arbitrary: shaped }, { weight: 1, arbitrary: evilValue });
}

function shapedArb(s: Schema, root: Schema, ctx: GenContext, key: string, depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ("const" in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts) && alts.length > 0)
    return fc.oneof(...alts.map((a: Schema) => shapedArb(resolve(a, root), root, ctx, key, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return shapedArb(resolve(s.allOf[0], root), root, ctx, key, depth);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  switch (type) {
    case "string": {
      if (s.format === "date-time")
        return fc.oneof(
          fc.constantFrom(...DATE_TIMES),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        );
      if (s.format === "date") return fc.constantFrom(...DATES);
      if (ID_KEY.test(key)) return idArb(ctx);
      const max = Math.min(typeof s.maxLength === "number" ? s.maxLength + 2 : 60, 300);
      return fc.oneof(
        fc.string({ minLength: Math.min(s.minLength ?? 0, max), maxLength: max }),
        fc.string({ unit: "grapheme", maxLength: 20 }),
        fc.constantFrom("vi", "en", "+84912345678", "0912345678", "CF-01", "VND", "Bạc", "Vàng"),
      );
    }
    case "integer":
    case "number": {
      const lo = typeof s.minimum === "number" ? s.minimum : -(2 ** 31);
      const hi = typeof s.maximum === "number" ? s.maximum : 2 ** 31;
      const clampLo = Math.ceil(Math.max(lo, -Number.MAX_SAFE_INTEGER));
      const clampHi = Math.max(Math.floor(Math.min(hi, Number.MAX_SAFE_INTEGER)), clampLo);
      return fc.oneof(
        fc.integer({
          min: Math.max(clampLo, -1000),
          max: Math.max(Math.min(clampHi, 100_000), Math.max(clampLo, -1000)),
        }),
        fc.constantFrom(clampLo, clampHi, 2 ** 31 - 1, 2 ** 31),
        fc.double({ min: clampLo, max: clampHi, noNaN: true }),
      );
    }
    case "boolean":
      return fc.boolean();
    case "array": {
      const items = s.items ? arbFor(s.items, root, ctx, key, depth + 1) : evilValue;
      return fc.array(items, { maxLength: Math.min(s.maxItems ?? 4, 4) });
    }
    case "object": {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required: string[] = s.required ?? [];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = arbFor(v, root, ctx, k, depth + 1);
      if (Object.keys(model).length === 0) return fc.dictionary(fc.string({ maxLength: 8 }), evilValue, { maxKeys: 3 });
      return fc.record(model, { requiredKeys: required.filter((r) => r in model) });
    }
    default:
      return evilValue;
  }
}

/** A value for a path parameter: a known id most of the time, else a hostile or random string. */
export function pathParamArb(ctx: GenContext): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.nat().map((i) => pick(ctx.ids(), i)) },
    { weight: 2, arbitrary: fc.constantFrom(...EVIL_STRINGS.filter((s) => s.length < 1000 && s !== "")) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
  );
}

/** Every string id-like value in a JSON response (`id`, `…Id`, `sku`, `code`). */
export function collectIds(value: unknown, out: Set<string>, key = ""): void {
  if (typeof value === "string") {
    if (ID_KEY.test(key) && value.length < 100) out.add(value);
  } else if (Array.isArray(value)) for (const v of value) collectIds(v, out, key);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) collectIds(v, out, k);
}

/** Tables whose rows change by design on rejected requests (abuse counters count refused link codes). */
const VOLATILE = new Set(["rate_counters"]);

/**
 * A fingerprint of every application table (md5 of its rows in order): equal before and after ⇒ no write.
 * Hashing every table is most of the fuzz suite's time, so the last one is reused while the database's next
 * transaction id (its snapshot's xmax) has not moved: a committed insert, update, delete or truncate always takes
 * a transaction id, so an unmoved xmax proves the data unchanged; a moved one (any write, even one rolled back, or
 * another database's on a shared Postgres) means hashing again and comparing.
 */
export async function fingerprinter(db: Db): Promise<() => Promise<string>> {
  const tables = await resultRows<{ name: string }>(
    await db.execute(
      sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
    ),
  );
  const parts = tables
    .map((t) => t.name)
    .filter((n) => !VOLATILE.has(n))
    .map((n) => `(select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from "${n}" t)`);
  const query = sql.raw(`select md5(concat_ws(',', ${parts.join(", ")})) as fp`);
  const nextXid = sql`select pg_snapshot_xmax(pg_current_snapshot())::text as x`;
  let last: { xmax: string; fp: string } | undefined;
  return async () => {
    // Read before hashing: a write committing in between moves xmax past this value, so it is hashed next time.
    const xmax = (await resultRows<{ x: string }>(await db.execute(nextXid)))[0]?.x ?? "";
    if (last?.xmax === xmax) return last.fp;
    const rows = await resultRows<{ fp: string }>(await db.execute(query));
    last = { xmax, fp: rows[0]?.fp ?? "" };
    return last.fp;
  };
}

/** encodeURIComponent that also encodes lone surrogates (as their 3-byte WTF-8 form, malformed UTF-8 on purpose). */
export function encodeAny(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const bytes = [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else out += encodeURIComponent(s[i] as string);
  }
  return out;
}

/**
 * Rows of raw SQL, read in one place for both drivers (postgres.js answers an array, PGlite `{ rows }`).
 * `queryRows` checks and types each row with a zod schema (`col` has the column types whose representation differs
 * between the drivers). `resultRows` trusts the caller's row type: only the hot paths use it (one order, one chat
 * message, an idempotency claim), each on a row its own SQL function shapes, where a parse per row would be paid
 * on every request.
 */
import type { SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "./types.ts";

/** `db.execute()` returns rows differently per driver (postgres.js: an array; PGlite: `{ rows }`). */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = typeof result === "object" && result !== null && "rows" in result ? result.rows : undefined;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/** The rows of `query`, each parsed by `schema` (a row that does not fit is a bug: it throws). */
export async function queryRows<S extends z.ZodType>(db: Db, query: SQL, schema: S): Promise<z.output<S>[]> {
  return resultRows<unknown>(await db.execute(query)).map((row) => schema.parse(row));
}

/** Rows affected by an UPDATE/DELETE/INSERT without RETURNING. */
export async function execCount(db: Db, query: SQL): Promise<number> {
  const result: unknown = await db.execute(query);
  if (typeof result !== "object" || result === null) return 0;
  const r: { count?: unknown; affectedRows?: unknown; rowCount?: unknown } = result;
  return Number(r.count ?? r.affectedRows ?? r.rowCount ?? 0);
}

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

export const toDate = (v: unknown): Date | null =>
  v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v));

const numeric = z.union([z.number(), z.string(), z.bigint()]);
const timestamp = z.union([z.date(), z.string()]);

/**
 * Column types of raw rows whose representation differs by driver: counts, sums and bigint ids (postgres.js: text,
 * PGlite: number) and timestamps (Date, or text when selected as text).
 */
export const col = {
  /** A number; SQL null (sum over no rows, an empty scalar subquery) → 0. */
  num: numeric.nullable().transform(num),
  /** A number, or null. */
  numOrNull: numeric.nullable().transform((v) => (v === null ? null : Number(v))),
  /** A timestamp as a Date, or null. */
  dateOrNull: timestamp.nullable().transform(toDate),
  /** Converted where it is read (arrays, booleans that may be null). */
  any: z.unknown(),
};

/** A row whose columns are converted where they are read (wide report rows). */
export const AnyRow = z.record(z.string(), z.unknown());

export const TimezoneRow = z.object({ timezone: z.string() });

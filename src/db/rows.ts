/**
 * Rows of raw SQL, read in one place for both drivers (postgres.js answers an array, PGlite `{ rows }`).
 * Give `queryRows` a zod schema to have each row checked and typed; without one, the caller's row type is trusted
 * (columns declared `unknown` and converted with `num` / `toDate` are the honest way to use that).
 */
import type { SQL } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "./types.ts";

/** `db.execute()` returns rows differently per driver (postgres.js: an array; PGlite: `{ rows }`). */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = typeof result === "object" && result !== null && "rows" in result ? result.rows : undefined;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

export async function queryRows<S extends z.ZodType>(db: Db, query: SQL, schema: S): Promise<z.output<S>[]>;
export async function queryRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]>;
export async function queryRows(db: Db, query: SQL, schema?: z.ZodType): Promise<unknown[]> {
  const rows = resultRows<unknown>(await db.execute(query));
  return schema ? rows.map((row) => schema.parse(row)) : rows;
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

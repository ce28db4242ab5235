/** Raw-SQL helpers that work the same on both drivers (PGlite answers `{ rows }`, postgres.js an array). */
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/types.ts";

export async function queryRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** Rows affected by an UPDATE/DELETE/INSERT without RETURNING. */
export async function execCount(db: Db, query: SQL): Promise<number> {
  const result = (await db.execute(query)) as unknown as { count?: number; affectedRows?: number; rowCount?: number };
  return Number(result.count ?? result.affectedRows ?? result.rowCount ?? 0);
}

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

export const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

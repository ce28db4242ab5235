/** The one shape of "select … where … limit 1" lookups (a row by id and merchant, by key…), written once. */
import { and, eq, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { notFound } from "../lib/errors.ts";
import type { Db } from "./types.ts";

/** The first row of `table` matching every condition, or undefined. */
export async function findOne<T extends PgTable>(
  db: Db,
  table: T,
  ...where: SQL[]
): Promise<T["$inferSelect"] | undefined> {
  const rows = await db
    .select()
    .from(table as PgTable)
    .where(and(...where))
    .limit(1);
  return rows[0] as T["$inferSelect"] | undefined;
}

type Owned = PgTable & { id: PgColumn; merchantId: PgColumn };

/** The calling merchant's row of `table` with this id (another merchant's row is not found either). */
export function findOwned<T extends Owned>(
  db: Db,
  table: T,
  merchantId: string,
  id: string,
): Promise<T["$inferSelect"] | undefined> {
  return findOne(db, table, eq(table.id, id), eq(table.merchantId, merchantId));
}

/** findOwned, or 404 with `slug` ("<what> not found"). */
export async function requireOwned<T extends Owned>(
  db: Db,
  table: T,
  merchantId: string,
  id: string,
  what: string,
  slug: string,
): Promise<T["$inferSelect"]> {
  const row = await findOwned(db, table, merchantId, id);
  if (!row) throw notFound(what, slug);
  return row;
}

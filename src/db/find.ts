/** The one shape of "select … where … limit 1" lookups (a row by id and merchant, by key…), written once. */
import { and, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
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

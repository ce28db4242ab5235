/** The one shape of "newest first, keyset-paged" lists of a merchant's rows (campaigns, surveys). */
import { and, desc, eq, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./types.ts";

type Paged = PgTable & { id: PgColumn; merchantId: PgColumn; createdAt: PgColumn };

/**
 * Up to `limit` rows of `table` for the merchant, newest first by (created_at, id), after the row `before` (an id of
 * the previous page; unknown ids start from the top); `next` = the last id when the page is full.
 */
export async function newestFirst<T extends Paged>(
  db: Db,
  table: T,
  merchantId: string,
  opts: { limit: number; before?: string | undefined },
): Promise<{ rows: T["$inferSelect"][]; next: string | null }> {
  const conds = [eq(table.merchantId, merchantId)];
  if (opts.before) {
    const [b] = await db
      .select({ createdAt: table.createdAt })
      .from(table as PgTable)
      .where(and(eq(table.merchantId, merchantId), eq(table.id, opts.before)))
      .limit(1);
    if (b?.createdAt instanceof Date)
      conds.push(sql`(${table.createdAt}, ${table.id}) < (${b.createdAt.toISOString()}::timestamptz, ${opts.before})`);
  }
  const rows = (await db
    .select()
    .from(table as PgTable)
    .where(and(...conds))
    .orderBy(desc(table.createdAt), desc(table.id))
    .limit(opts.limit)) as T["$inferSelect"][];
  const last = rows.at(-1) as { id: string } | undefined;
  return { rows, next: rows.length === opts.limit && last ? last.id : null };
}

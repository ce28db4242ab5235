/** What the merchant's budget reservations (src/budget/guard.ts writes them) hold this month. */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, queryRows } from "../db/rows.ts";
import type { Db } from "../db/types.ts";

/** Points and spend held this month by the merchant's campaigns still sending (other than `exceptId`). */
export async function reservedThisMonth(
  db: Db,
  merchantId: string,
  month: string,
  exceptId: string | null = null,
): Promise<{ points: number; spend: number }> {
  const [r] = await queryRows(
    db,
    sql`select coalesce(sum(r.points), 0) as points, coalesce(sum(r.spend), 0) as spend
        from budget_reservations r join campaigns c on c.merchant_id = r.merchant_id and c.id = r.source_id
        where r.merchant_id = ${merchantId} and r.month = ${month} and r.source_kind = 'campaign'
          and c.status = 'sending' and r.source_id is distinct from ${exceptId}`,
    z.object({ points: col.num, spend: col.num }),
  );
  return { points: r?.points ?? 0, spend: r?.spend ?? 0 };
}

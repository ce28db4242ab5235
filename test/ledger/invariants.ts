/** Ledger invariants checked directly in the database (used by property, concurrency and import tests). */
import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/types.ts";
import { members } from "../../src/db/schema.ts";
import { eq } from "drizzle-orm";

export async function checkInvariants(db: Db, merchantId: string): Promise<string[]> {
  const problems: string[] = [];
  const rows = await db
    .select({
      id: members.id,
      total: members.pointsTotal,
      entries: sql<string>`(select coalesce(sum(e.points), 0) from ledger_entries e where e.member_id = "members"."id")`,
      lots: sql<string>`(select coalesce(sum(l.remaining), 0) from point_lots l where l.member_id = "members"."id")`,
      negLots: sql<string>`(select count(*) from point_lots l where l.member_id = "members"."id" and (l.remaining < 0 or l.remaining > l.points))`,
    })
    .from(members)
    .where(eq(members.merchantId, merchantId));
  for (const r of rows) {
    if (Number(r.entries) !== r.total) problems.push(`${r.id}: Σ entries ${r.entries} ≠ cached total ${r.total}`);
    if (Number(r.lots) !== Math.max(r.total, 0))
      problems.push(`${r.id}: Σ lots ${r.lots} ≠ max(total, 0) = ${Math.max(r.total, 0)}`);
    if (Number(r.negLots) > 0) problems.push(`${r.id}: ${r.negLots} lots out of range`);
  }
  return problems;
}

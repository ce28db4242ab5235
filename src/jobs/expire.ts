/** Points expiry: writes `expire` entries for lots past their date, one member per transaction. Idempotent. */
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { pointLots } from "../db/schema.ts";
import { expireMemberLots, lockMember, pastTheirDate } from "../ledger/ledger.ts";

export async function runExpiry(db: Db, merchantId: string, now: Date): Promise<{ members: number; points: number }> {
  const due = await db
    .selectDistinct({ memberId: pointLots.memberId })
    .from(pointLots)
    .where(and(eq(pointLots.merchantId, merchantId), pastTheirDate(now)));
  let points = 0;
  let count = 0;
  for (const { memberId } of due) {
    const expired = await db.transaction(async (tx) => {
      const m = await lockMember(tx, merchantId, memberId);
      return m ? expireMemberLots(tx, m, now) : 0;
    });
    if (expired > 0) count++;
    points += expired;
  }
  return { members: count, points };
}

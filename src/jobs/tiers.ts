/**
 * Periodic tier evaluation: upgrades and downgrades — once a tier has been held its retention period, or at once when
 * refunds took away the spend it stood on (program/tiers.ts evaluateTier). No other path lowers a tier.
 */
import { and, eq, gt, asc } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { members } from "../db/schema.ts";
import { getProgram } from "../program/service.ts";
import { evaluateTier } from "../program/tiers.ts";
import { netSpend, refundedSpend } from "../members/service.ts";

export async function runTierEvaluation(
  db: Db,
  merchantId: string,
  now: Date,
): Promise<{ evaluated: number; upgraded: number; downgraded: number }> {
  const program = await getProgram(db, merchantId);
  let after = "";
  let evaluated = 0;
  let upgraded = 0;
  let downgraded = 0;
  for (;;) {
    const page = await db
      .select({ id: members.id, tierName: members.tierName, tierSince: members.tierSince })
      .from(members)
      .where(and(eq(members.merchantId, merchantId), gt(members.id, after)))
      .orderBy(asc(members.id))
      .limit(500);
    if (page.length === 0) break;
    for (const m of page) {
      evaluated++;
      const key = { id: m.id, merchantId };
      const spend = await netSpend(db, key, now, program.tierWindowDays);
      const refunded = await refundedSpend(db, key, now, program.tierWindowDays);
      const r = evaluateTier(program, m.tierName, m.tierSince, spend, now, refunded);
      if (!r.changed) continue;
      const before = program.tiers.findIndex((t) => t.name === m.tierName);
      await db
        .update(members)
        .set({ tierName: r.tier?.name ?? null, tierSince: now })
        .where(eq(members.id, m.id));
      const afterRank = program.tiers.findIndex((t) => t.name === r.tier?.name);
      if (afterRank > before) upgraded++;
      else downgraded++;
    }
    after = page[page.length - 1]!.id;
  }
  return { evaluated, upgraded, downgraded };
}

/**
 * The offers holdout: a stable share of members who see no offers, so what offers add is measured against them.
 * A member's bucket (0–9999) comes from one SQL function, `cl_offer_bucket`, which the report's queries use too.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { queryRows } from "../db/rows.ts";

/** Buckets below this bound are the holdout (percent 0–50 → 0–5000 of 10,000 buckets). */
export const holdoutBound = (percent: number): number => Math.round(percent * 100);

export async function inOffersHoldout(db: Db, merchantId: string, memberId: string, percent: number): Promise<boolean> {
  if (percent <= 0) return false;
  const [row] = await queryRows(
    db,
    sql`select cl_offer_bucket(${merchantId}, ${memberId}) as bucket`,
    z.object({ bucket: z.coerce.number().int() }),
  );
  return row !== undefined && row.bucket < holdoutBound(percent);
}

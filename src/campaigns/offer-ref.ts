/**
 * A campaign's or journey step's `offerId` (a bundle `bnd_…` or an offer id) must not name another merchant's offer.
 * Unknown ids stay allowed (the spec's offerId is free text: the button then finds no offer and says so), but a
 * foreign one is refused as not found. Read by table name: the offers capability imports campaigns, not the reverse.
 */
import { z } from "zod";
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { queryRows } from "../db/rows.ts";
import { DomainError } from "../lib/errors.ts";

export async function assertOfferNotForeign(
  db: Db,
  merchantId: string,
  offerId: string,
  field = "offerId",
): Promise<void> {
  const rows = await queryRows(
    db,
    sql`select merchant_id = ${merchantId} as mine from offer_bundles where id = ${offerId}
        union all select merchant_id = ${merchantId} as mine from offers where id = ${offerId}`,
    z.object({ mine: z.boolean() }),
  );
  if (rows.length > 0 && !rows.some((r) => r.mine))
    throw new DomainError("not-found", "offer-not-found", "Not found", `${field}: offer not found`, [
      { path: field, message: "no such offer" },
    ]);
}

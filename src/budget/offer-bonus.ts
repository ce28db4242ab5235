/** The bonus points one redemption of an offer (or bundle) credits, as SQL: one home for the estimate and the holds. */
import { type SQL, sql } from "drizzle-orm";

/** A scalar subquery: the offer's or bundle's bonus points, 0 for none or an unknown id. */
export const offerBonusSql = (merchantId: SQL | string, offerId: SQL | string | null): SQL =>
  sql`(select coalesce(max(t.b), 0) from (
        select bonus_points as b from offer_bundles where merchant_id = ${merchantId} and id = ${offerId}
        union all select bonus_points as b from offers where merchant_id = ${merchantId} and id = ${offerId}) t)`;

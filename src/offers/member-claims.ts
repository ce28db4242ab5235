/** A member's open offer claim codes (claimed, not yet used on an order, not expired): "My vouchers" lists them. */
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { offerClaims, offers } from "./tables.ts";

export interface OpenClaim {
  code: string;
  /** What the code is for: the product, the bundle or the reward the offer named. */
  name: string;
  expiresAt: Date;
}

export async function openOfferClaims(db: Db, merchantId: string, memberId: string, now: Date): Promise<OpenClaim[]> {
  const rows = await db
    .select({ code: offerClaims.code, expiresAt: offerClaims.expiresAt, facts: offers.facts, skus: offers.skus })
    .from(offerClaims)
    .innerJoin(offers, eq(offers.id, offerClaims.offerId))
    .where(
      and(
        eq(offerClaims.merchantId, merchantId),
        eq(offerClaims.memberId, memberId),
        isNull(offerClaims.orderId),
        gt(offerClaims.expiresAt, now),
      ),
    )
    .orderBy(desc(offerClaims.createdAt));
  return rows.map((r) => ({
    code: r.code,
    name: r.facts.productName ?? r.facts.bundleName ?? r.facts.rewardName ?? r.skus.join(", "),
    expiresAt: r.expiresAt,
  }));
}

/**
 * Tables of the offers engine (drizzle-kit picks up `src/*\/tables.ts`; the co-purchase model's are in
 * `src/recs/tables.ts`).
 *
 * - `offers`: offers shown to a member (persisted, so repeated GETs return the same ids while valid).
 * - `offer_claims`: one claim code per offer (idempotent), redeemed at most once by an order (`offerCodes`).
 * - `offer_bundles`: merchant-defined combos and tier-exclusive deals.
 * - `product_variants`: merchant-linked variants of a product (e.g. sizes), for upsell offers.
 */
import { sql } from "drizzle-orm";
import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import {
  ts,
  createdAtSet,
  merchantId,
  merchantRow,
  merchantCreatedIndex,
  bigNumber,
  merchantMember,
  textId,
  createdAt,
} from "../db/columns.ts";
import type { Rule } from "../recs/mine.ts";

export const OFFER_KINDS = ["cross-sell", "bundle", "upsell", "post-purchase", "tier-exclusive", "nudge"] as const;
export type OfferKind = (typeof OFFER_KINDS)[number];
/** Where an offer came from: a co-purchase rule, a best seller (fallback), a merchant bundle, a rule-suggested combo, a linked variant, a reward, the last order. */
export type OfferBasis = "rule" | "best-seller" | "merchant" | "suggested" | "variant" | "reward" | "order";

/** The rule an offer came from (a co-purchase rule as mined), snapshotted with its model version. */
export type OfferRule = Rule;

/** Everything an offer's text may say. Amounts are in the currency's minor unit. */
// A type alias (not an interface), so it is a JSON record: stored as the offer's jsonb `facts`.
export type OfferFacts = {
  kind: OfferKind;
  basis: OfferBasis;
  currency: string;
  /** The member's given name ("Nguyễn Văn Hoa" → "Hoa"); omitted → no greeting. */
  firstName?: string | null | undefined;
  /** The member's tier (tier-exclusive offers name it). */
  tier?: string | null | undefined;
  /** The offered product (single-product offers). */
  sku?: string | null | undefined;
  productName?: string | null | undefined;
  price?: number | null | undefined;
  memberPrice?: number | null | undefined;
  discountPercent?: number | null | undefined;
  bonusPoints?: number | null | undefined;
  /** Cross-sell from a rule: names of the last order's products the rule starts from. */
  basedOn?: string[] | undefined;
  /** Upsell: the product the member bought, that the offered variant upgrades. */
  fromName?: string | null | undefined;
  /** Bundles: name (merchant bundles) and the products. */
  bundleName?: string | null | undefined;
  items?: { sku: string; name: string | null }[] | undefined;
  /** Nudge: the reward and how far the member is from it. */
  rewardName?: string | null | undefined;
  pointsNeeded?: number | null | undefined;
  /** Post-purchase: how long the offer lasts after the order. */
  hours?: number | null | undefined;
  /** When set, the text ends with the expiry (chat front-ends that show it themselves leave it out). */
  expiresAt?: Date | string | null | undefined;
  timeZone?: string | undefined;
};

export const offers = pgTable(
  "offers",
  {
    id: textId(),
    ...merchantMember(),
    kind: text("kind").$type<OfferKind>().notNull(),
    basis: text("basis").$type<OfferBasis>().notNull(),
    /** The product of a single-product offer. */
    sku: text("sku"),
    /** Every product the offer is about (the one sku, or a bundle's skus; empty: any order qualifies). */
    skus: text("skus").array().notNull(),
    bundleId: text("bundle_id"),
    rewardId: text("reward_id"),
    /** The member's last order when the offer was made (the order that triggered it). */
    triggerOrderId: text("trigger_order_id"),
    modelId: text("model_id"),
    modelVersion: integer("model_version"),
    rule: jsonb("rule").$type<OfferRule>(),
    score: doublePrecision("score").notNull(),
    /** Position in the member's offer list (0 = best). */
    rank: integer("rank").notNull(),
    price: bigNumber("price"),
    memberPrice: bigNumber("member_price"),
    discountPercent: integer("discount_percent"),
    /** Bonus points credited when the claimed code is used on a qualifying order. */
    bonusPoints: bigNumber("bonus_points").notNull().default(0),
    /** Structured facts the text is rendered from (names, prices, reward, points needed…). */
    facts: jsonb("facts").$type<OfferFacts>().notNull(),
    /** active: in the member's current list; superseded: replaced after a newer order (claims stay valid). */
    status: text("status").$type<"active" | "superseded">().notNull().default("active"),
    /** engine: chosen for the member (GET /offers); campaign: materialised from a bundle id a campaign button carried. */
    origin: text("origin").$type<"engine" | "campaign">().notNull().default("engine"),
    createdAt: createdAtSet(),
    expiresAt: ts("expires_at").notNull(),
    /** When it was pushed to the member unasked (counted by the frequency cap). */
    pushedAt: ts("pushed_at"),
    /** The first order of the member containing the offer's products while it was valid (claimed or not). */
    convertedOrderId: text("converted_order_id"),
    convertedAt: ts("converted_at"),
  },
  (t) => [
    index("offers_member_active_idx").on(t.memberId, t.status, t.expiresAt),
    index("offers_member_created_idx").on(t.memberId, t.createdAt),
    merchantCreatedIndex("offers_merchant_idx", t),
  ],
);

export const offerClaims = pgTable(
  "offer_claims",
  {
    id: textId(),
    ...merchantMember(),
    offerId: text("offer_id").notNull(),
    code: text("code").notNull(),
    createdAt: createdAtSet(),
    expiresAt: ts("expires_at").notNull(),
    /** The order that redeemed the code (conversion), once. */
    orderId: text("order_id"),
    redeemedAt: ts("redeemed_at"),
    pointsCredited: bigNumber("points_credited").notNull().default(0),
  },
  (t) => [
    uniqueIndex("offer_claims_offer_uq").on(t.offerId),
    uniqueIndex("offer_claims_code_uq").on(t.merchantId, t.code),
    index("offer_claims_member_idx").on(t.memberId),
    // Refunds look up the codes their order redeemed.
    index("offer_claims_order_idx").on(t.orderId).where(sql`order_id is not null`),
  ],
);

export const offerBundles = pgTable(
  "offer_bundles",
  {
    ...merchantRow(),
    name: text("name").notNull(),
    skus: text("skus").array().notNull(),
    /** Member price of the whole combo; else `discountPercent` off the catalog prices. */
    price: bigNumber("price"),
    discountPercent: integer("discount_percent").notNull().default(0),
    bonusPoints: bigNumber("bonus_points").notNull().default(0),
    /** Only members of this tier or above (a tier-exclusive deal). */
    minTier: text("min_tier"),
    active: boolean("active").notNull().default(true),
    startsAt: ts("starts_at"),
    endsAt: ts("ends_at"),
    /** Only at these stores (`stores` ids): claim codes of its offers redeem there only. Null = every store. */
    storeIds: text("store_ids").array(),
    createdAt: createdAtSet(),
  },
  (t) => [merchantCreatedIndex("offer_bundles_merchant_idx", t)],
);

/** `sku` → `variantSku`: the merchant says variantSku is a variant of sku (another size, a premium version…). */
export const productVariants = pgTable(
  "product_variants",
  {
    merchantId: merchantId(),
    sku: text("sku").notNull(),
    variantSku: text("variant_sku").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.sku, t.variantSku] })],
);

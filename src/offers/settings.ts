/**
 * A merchant's offer settings (`PUT /v1/offers/settings`), kept under `merchants.settings.offers`. Every field has
 * a default, so a merchant that never configured anything gets offers that work.
 */
import { z } from "zod";
import { settingsKey } from "../merchants/settings-key.ts";

const percent = (def: number) => z.number().int().min(0).max(90).default(def);
const share = z.number().min(0).max(1);

export const OfferKindsSchema = z
  .object({
    "cross-sell": z.boolean().default(true),
    bundle: z.boolean().default(true),
    upsell: z.boolean().default(true),
    "post-purchase": z.boolean().default(true),
    "tier-exclusive": z.boolean().default(true),
    nudge: z.boolean().default(true),
  })
  .describe("Turn kinds of offers on or off");

export const OfferSettingsSchema = z.object({
  enabled: z.boolean().default(true).describe("Off: members get no offers (GET returns an empty list)"),
  maxOffers: z.number().int().min(1).max(3).default(3).describe("Offers in a member's list at once (at most 3)"),
  validHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(72)
    .describe("How long an offer stays valid (post-purchase offers: postPurchaseHours after the order)"),
  cooldownDays: z
    .number()
    .min(0)
    .max(90)
    .default(7)
    .describe(
      "A product (bundle, reward nudge) is not offered to the same member again within this many days of being offered",
    ),
  holdoutPercent: z
    .number()
    .min(0)
    .max(50)
    .default(0)
    .describe(
      "Share of members (percent, 0–50) who see no offers at all, so uplift is measured against them (GET /v1/offers/report); a member's group is stable",
    ),
  ignoredLimit: z
    .object({
      times: z.number().int().min(1).max(10).default(2),
      days: z.number().int().min(1).max(365).default(30),
    })
    .default({ times: 2, days: 30 })
    .describe(
      "A product offered this many times within `days` and never claimed or bought is not offered again for `days` (don't over-suggest)",
    ),
  claimCooldownHours: z
    .number()
    .int()
    .min(0)
    .max(24 * 30)
    .default(24)
    .describe("After a member claims an offer, no offer is pushed to them unasked for this many hours"),
  kinds: OfferKindsSchema.default({
    "cross-sell": true,
    bundle: true,
    upsell: true,
    "post-purchase": true,
    "tier-exclusive": true,
    nudge: true,
  }),
  crossSellDiscountPercent: percent(10).describe(
    "Member price of a cross-sell product: this much off the catalog price",
  ),
  upsellDiscountPercent: percent(10).describe("Member price of an upsell variant: this much off its catalog price"),
  addOnBonusPoints: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .nullable()
    .default(null)
    .describe(
      "Bonus points for buying an offered product with the claim code; null = the points the product earns at the program's base rate (at least 1), i.e. double points on it",
    ),
  postPurchaseHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24)
    .describe("A post-purchase offer is valid this long after the order"),
  postPurchaseBonusPoints: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(10)
    .describe("Bonus points on the next order placed within postPurchaseHours with the claim code"),
  suggestBundles: z
    .object({
      enabled: z.boolean().default(true),
      minLift: z.number().min(1).default(2),
      minConfidence: share.default(0.3),
      minCount: z.number().int().min(1).default(3),
      discountPercent: percent(15),
    })
    .default({ enabled: true, minLift: 2, minConfidence: 0.3, minCount: 3, discountPercent: 15 })
    .describe("Combos suggested from strong co-purchase rules on products the member buys"),
  nudgeMaxGapPercent: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(30)
    .describe("Nudge when the member is at most this share of a reward's cost away from it"),
  nudgeBonusPoints: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(0)
    .describe("Bonus points on the next order with the nudge's claim code"),
  freshnessHalfLifeDays: z
    .number()
    .min(0.1)
    .max(365)
    .default(7)
    .describe("Offers triggered by the last order lose half their score every this many days after it"),
  margins: z
    .object({
      bySku: z.record(z.string(), share).default({}),
      byCategory: z.record(z.string(), share).default({}),
    })
    .default({ bySku: {}, byCategory: {} })
    .describe("Gross margins (0–1) for ranking; products without one count as 1 (neutral)"),
});

export type OfferSettings = z.output<typeof OfferSettingsSchema>;
export type OfferSettingsInput = z.input<typeof OfferSettingsSchema>;
export const offerSettings = settingsKey("offers", OfferSettingsSchema);
/** The settings with the merchant's time zone (offers end at its local midnight). */
export const getOfferSettings = offerSettings.getWithZone;

/** The loyalty program a merchant configures (`PUT /v1/program`). Pure: schema, defaults, lookups. */
import { z } from "zod";
import { int8, MAX_MONEY } from "../lib/validate.ts";
import { decimal4 } from "../lib/decimal.ts";

const name = z.string().trim().min(1).max(100);
const isoDateTime = z.iso.datetime({ offset: true });

export const ConsentModeSchema = z
  .enum(["link", "explicit"])
  .describe("link: linking a chat opts in to promotions (default); explicit: only the member's own Yes does");
export type ConsentMode = z.output<typeof ConsentModeSchema>;

export const TierSchema = z.object({
  name,
  minSpend: int8(0, MAX_MONEY),
  multiplier: decimal4(0, 100).default(1),
  /** Free-text perks shown to members (e.g. "free size upgrade"). */
  perks: z.array(z.string().max(200)).max(20).optional(),
});

export const PromotionSchema = z.object({
  name,
  multiplier: decimal4(1, 100),
  startsAt: isoDateTime,
  endsAt: isoDateTime,
  /** Limit to these categories; all lines when absent. */
  categories: z.array(z.string()).optional(),
  /** Limit to these order channels (pos, online, …); all when absent. */
  channels: z.array(z.string()).optional(),
});

export const SubscriptionPlanSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, _ and - only"),
  name,
  price: int8(0, MAX_MONEY),
  periodDays: z.number().int().min(1).max(3660),
  multiplier: decimal4(1, 100).default(1),
  perks: z.array(z.string().max(200)).max(20).optional(),
});

export const ProgramSchema = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "ISO 4217 code such as VND")
      .default("VND"),
    earn: z
      .object({ spend: int8(1, MAX_MONEY), points: z.number().int().min(1).max(1_000_000) })
      .default({ spend: 10000, points: 1 }),
    /** Days a lot of earned points lives; null = never expires. */
    pointsExpireDays: z.number().int().min(1).max(36500).nullable().default(null),
    /** Return window: earned points are pending (not spendable) this many days. */
    pendingDays: z.number().int().min(0).max(365).default(0),
    tiers: z
      .array(TierSchema)
      .min(1)
      .max(20)
      .default([{ name: "Member", minSpend: 0, multiplier: 1 }]),
    /** Net spend over this many days (up to the order) decides the tier. */
    tierWindowDays: z.number().int().min(1).max(3660).default(365),
    /** A tier is kept at least this long after it was reached; the periodic evaluation downgrades after that. */
    tierRetentionDays: z.number().int().min(0).max(3660).default(365),
    categoryMultipliers: z.record(z.string(), decimal4(0, 100)).default({}),
    /** Per-SKU multipliers; they take precedence over the category's. */
    productMultipliers: z.record(z.string(), decimal4(0, 100)).default({}),
    /** Bonus during the member's birthday week (window centred on the birthday). */
    birthdayBonus: z
      .object({ multiplier: decimal4(1, 100), windowDays: z.number().int().min(1).max(31).default(7) })
      .nullable()
      .default(null),
    promotions: z.array(PromotionSchema).max(50).default([]),
    /** Store credit per order in minor units: `rate` of full-price lines, `discountedRate` of discounted lines. */
    cashback: z
      .object({ rate: decimal4(0, 1), discountedRate: decimal4(0, 1).optional() })
      .nullable()
      .default(null),
    subscriptionPlans: z.array(SubscriptionPlanSchema).max(20).default([]),
    /** Days a redeemed voucher stays valid; null = no expiry. */
    voucherValidDays: z.number().int().min(1).max(3650).nullable().default(null),
    /**
     * What one point is worth to the member, in currency minor units (exact, ≤ 4 decimals), for the points
     * liability. null = derived: the active vouchers' Σ value / Σ cost, else 1 % of the spend that earns a point.
     */
    pointValue: decimal4(0, 1_000_000_000).nullable().default(null),
    /**
     * How a member gives marketing consent. "link" (the campaigns spec's default): linking a chat opts in, and the
     * member is asked right after (No opts out). "explicit" (strict opt-in): linking records the loyalty terms
     * only; promotions go out only after the member's own Yes in chat or a consent recorded through the API.
     */
    consentMode: ConsentModeSchema.default("link"),
  })
  .superRefine((p, ctx) => {
    const names = new Set<string>();
    p.tiers.forEach((t, i) => {
      if (names.has(t.name.toLowerCase()))
        ctx.addIssue({ code: "custom", path: ["tiers", i, "name"], message: "duplicate tier name" });
      names.add(t.name.toLowerCase());
    });
    p.promotions.forEach((pr, i) => {
      if (Date.parse(pr.endsAt) <= Date.parse(pr.startsAt))
        ctx.addIssue({ code: "custom", path: ["promotions", i, "endsAt"], message: "must be after startsAt" });
    });
    const ids = new Set<string>();
    p.subscriptionPlans.forEach((s, i) => {
      if (ids.has(s.id))
        ctx.addIssue({ code: "custom", path: ["subscriptionPlans", i, "id"], message: "duplicate plan id" });
      ids.add(s.id);
    });
  });

export type Program = z.output<typeof ProgramSchema>;
export type ProgramInput = z.input<typeof ProgramSchema>;
export type Tier = Program["tiers"][number];

export const DEFAULT_PROGRAM: Program = ProgramSchema.parse({});

/** Tiers sorted by minSpend ascending (rank = index). */
export function sortedTiers(p: Program): Tier[] {
  return [...p.tiers].sort((a, b) => a.minSpend - b.minSpend);
}

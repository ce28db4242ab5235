/** Request and response shapes of the referral program (zod: parsed at the edge and documented in OpenAPI). */
import { z } from "zod";
import { int4, int8, MAX_MONEY } from "../lib/validate.ts";
import { pageLimit, ints, nullableStrings, strings, windowDays } from "../lib/schemas/fields.ts";

export const REFERRAL_STATUSES = ["refused", "pending", "holding", "rewarded", "cancelled", "expired"] as const;
export const REFUSAL_REASONS = ["self_referral", "existing_member", "already_referred", "referrer_cap"] as const;

/**
 * The merchant's referral settings. Defaults follow what Smile.io and LoyaltyLion ship with: off until the merchant
 * turns it on, a welcome gift for the friend, a larger reward for the referrer once the friend's first order is
 * past the return window.
 */
export const ReferralSettingsSchema = z.object({
  enabled: z.boolean().default(false).describe("Off until the merchant turns the program on"),
  welcomePoints: int4(0, 1_000_000).default(50).describe("Points the friend gets on joining through a referral link"),
  referrerPoints: int4(0, 1_000_000)
    .default(100)
    .describe("Points the referrer gets once the friend's first qualifying order is past the hold"),
  minOrderAmount: int8(0, MAX_MONEY)
    .default(0)
    .describe("A qualifying order's total (minor units) is at least this, net of refunds inside the hold"),
  holdDays: int4(0, 365)
    .nullable()
    .default(null)
    .describe("Days a qualifying order is held before the referrer is paid; null = the program's pendingDays"),
  capPerReferrer: int4(1, 10_000)
    .default(10)
    .describe("Referrals a referrer may collect per period (attempts beyond it are refused: referrer_cap)"),
  capPeriodDays: int4(1, 366).default(30).describe("The rolling period of capPerReferrer, in days"),
  orderWindowDays: int4(1, 366)
    .default(90)
    .describe("Days the friend has to place a qualifying order; after that the referral expires"),
});
export type ReferralSettings = z.output<typeof ReferralSettingsSchema>;
export const DEFAULT_REFERRAL_SETTINGS: ReferralSettings = ReferralSettingsSchema.parse({});

export const ReferralView = z.object({
  ...strings("id", "referrerId"),
  referrerName: z.string().nullable(),
  friendId: z.string(),
  friendName: z.string().nullable().describe("null for a friend who joined in chat (no name asked)"),
  channel: z.string(),
  status: z.enum(REFERRAL_STATUSES),
  refusalReason: z.enum(REFUSAL_REASONS).nullable().describe("Why the referral was refused (status refused)"),
  endReason: z
    .string()
    .nullable()
    .describe("Why a referral ended without a reward: order_refunded, no_qualifying_order, self_referral"),
  ...ints("welcomePoints", "rewardPoints"),
  orderId: z.string().nullable(),
  orderTotal: z.number().int().nullable(),
  ...nullableStrings("rewardDueAt", "rewardedAt"),
  createdAt: z.string(),
});

export const ReferralListQuery = z.object({
  status: z.enum(REFERRAL_STATUSES).optional(),
  limit: pageLimit(200),
  before: z
    .string()
    .regex(/^rfl_[0-9a-z]{20}$/, "a referral id")
    .optional()
    .describe("Cursor: the `next` of the previous page"),
});

export const DaysQuery = z.object({ days: windowDays() });

export const LeaderboardEntry = z.object({
  memberId: z.string(),
  name: z.string().nullable(),
  referred: z.number().int().describe("Friends who joined through the member's link (not refused)"),
  ...ints("rewarded", "pointsEarned"),
});

export const ReferralKpis = z.object({
  window: z.object({ days: z.number().int(), from: z.string(), to: z.string() }),
  referredMembers: z.number().int().describe("Friends who joined through a referral in the window"),
  refused: z.number().int(),
  refusals: z.record(z.string(), z.number().int()).describe("Refused attempts per reason"),
  firstOrders: z.number().int().describe("Referred friends whose first qualifying order was seen"),
  firstOrderRevenue: z.number().int().describe("Σ of those orders' totals (minor units)"),
  rewarded: z.number().int(),
  cancelled: z.number().int(),
  pending: z.number().int().describe("Waiting for a first qualifying order, or held"),
  costPoints: z.object({
    welcome: z.number().int(),
    rewards: z.number().int(),
    total: z.number().int(),
  }),
});

export const ReferralLinkView = z.object({
  memberId: z.string(),
  code: z.string().describe("The member's personal referral code (8 characters, no look-alikes)"),
  telegramLink: z.string().nullable().describe("https://t.me/<bot>?start=ref_<code> when a Telegram bot is configured"),
  zaloText: z.string().describe('What a friend types to the Zalo bot: "ref <code>"'),
});

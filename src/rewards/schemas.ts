import { z } from "zod";
import { id, int4, int8, MAX_MONEY, MAX_POINTS } from "../lib/validate.ts";
import { ints, strings } from "../lib/schemas/fields.ts";

export const RewardKind = z.enum(["voucher", "product", "perk"]);

export const CreateRewardSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(1000).optional(),
  /** Points; a balance can hold up to MAX_POINTS, so a reward may cost that much. */
  cost: int8(1, MAX_POINTS),
  kind: RewardKind,
  /** Voucher value in minor units (or the product's price): money, bounded like an order line. */
  value: int8(0, MAX_MONEY).optional(),
  /** Units available; absent = unlimited. */
  stock: int4().optional(),
  /** Only members at this tier or above may redeem. */
  minTier: z.string().min(1).max(100).optional(),
  sku: z.string().max(100).optional(),
});

export const UpdateRewardSchema = CreateRewardSchema.partial().extend({
  active: z.boolean().optional(),
  stock: int4().nullable().optional(),
});

export const RewardView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  cost: z.number().int(),
  kind: RewardKind,
  value: z.number().int().nullable(),
  stock: z.number().int().nullable(),
  minTier: z.string().nullable(),
  sku: z.string().nullable(),
  active: z.boolean(),
  createdAt: z.string(),
});

export const RedeemSchema = z.object({ rewardId: id() });

export const RedemptionResult = z.object({
  redemptionId: z.string(),
  code: z.string(),
  pointsSpent: z.number().int(),
  balance: z.number().int(),
  reward: z.object({ id: z.string(), name: z.string(), kind: RewardKind, value: z.number().int().nullable() }),
  expiresAt: z.string().nullable(),
});

export const AdjustmentSchema = z.object({
  points: z
    .number()
    .int()
    .refine((n) => n !== 0, { message: "must not be 0" })
    .refine((n) => Math.abs(n) <= 100_000_000, { message: "too large" }),
  reason: z.string().trim().min(1).max(500),
});

export const AdjustmentResult = z.object({
  adjustmentId: z.string(),
  ...ints("points", "balance"),
  reason: z.string(),
});

export const VoucherView = z.object({
  ...strings("code", "redemptionId", "memberId"),
  reward: z.object({ id: z.string(), name: z.string(), kind: RewardKind, value: z.number().int().nullable() }),
  usedAt: z.string().nullable(),
  /** Set when the redemption was cancelled (the voucher no longer works). */
  cancelledAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
});

export const CancelRedemptionResult = z.object({
  redemptionId: z.string(),
  code: z.string(),
  /** Points credited back (= the redemption's pointsSpent): the whole balance change. */
  pointsReturned: z.number().int(),
  balance: z.number().int(),
  cancelledAt: z.string(),
});

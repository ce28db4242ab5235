import { z } from "zod";
import { PhoneInput } from "../members/schemas.ts";

export const OrderItemSchema = z
  .object({
    sku: z.string().trim().min(1).max(100),
    name: z.string().max(300).optional(),
    category: z.string().max(100).optional(),
    quantity: z.number().int().min(1).max(1_000_000),
    unitPrice: z.number().int().min(0).max(1_000_000_000_000),
    discount: z.number().int().min(0).default(0),
  })
  .superRefine((it, ctx) => {
    if (it.discount > it.quantity * it.unitPrice)
      ctx.addIssue({ code: "custom", path: ["discount"], message: "must not exceed quantity × unitPrice" });
  });

export const CreateOrderSchema = z.object({
  externalId: z.string().trim().min(1).max(200),
  memberId: z.string().min(1).optional(),
  memberPhone: PhoneInput.optional(),
  /** Enrol an unknown memberPhone instead of failing. */
  enrol: z.boolean().optional(),
  channel: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[a-z0-9_-]+$/i, "letters, digits, _ and - only")
    .default("pos"),
  placedAt: z.iso.datetime({ offset: true }).optional(),
  items: z.array(OrderItemSchema).min(1).max(1000),
  /** Offer/claim codes presented at checkout (add-on bonus points, conversion tracking). */
  offerCodes: z.array(z.string().max(64)).max(20).optional(),
});
export type CreateOrderInput = z.output<typeof CreateOrderSchema>;

export const OrderResult = z.object({
  orderId: z.string(),
  externalId: z.string(),
  total: z.number().int(),
  pointsEarned: z.number().int(),
  balance: z.number().int().nullable(),
  memberId: z.string().nullable(),
  pending: z.number().int().nullable(),
  cashback: z.number().int(),
  tier: z.string().nullable(),
  breakdown: z.record(z.string(), z.unknown()).nullable(),
});
export type OrderResult = z.output<typeof OrderResult>;

export const RefundSchema = z.object({
  externalId: z.string().trim().min(1).max(200),
  items: z
    .array(z.object({ sku: z.string().min(1), quantity: z.number().int().min(1) }))
    .min(1)
    .optional(),
});

export const RefundResult = z.object({
  refundId: z.string(),
  externalId: z.string(),
  amount: z.number().int(),
  /** Every point this refund took back: orderPointsReversed + bonusPointsReversed (the balance change). */
  pointsReversed: z.number().int(),
  orderPointsReversed: z.number().int().optional(),
  bonusPointsReversed: z.number().int().optional(),
  balance: z.number().int().nullable(),
});

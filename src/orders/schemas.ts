import { z } from "zod";
import { dateTimeInRange, id, int4, MAX_MONEY } from "../lib/validate.ts";
import { PhoneInput } from "../members/schemas.ts";
import { ints, strings } from "../lib/schemas/fields.ts";

export const OrderItemSchema = z
  .object({
    sku: z.string().trim().min(1).max(100),
    name: z.string().max(300).optional(),
    category: z.string().max(100).optional(),
    quantity: z.number().int().min(1).max(1_000_000),
    unitPrice: z.number().int().min(0).max(1_000_000_000_000),
    discount: z.number().int().min(0).max(MAX_MONEY).default(0),
  })
  .superRefine((it, ctx) => {
    if (it.quantity * it.unitPrice > MAX_MONEY)
      ctx.addIssue({
        code: "custom",
        path: ["unitPrice"],
        message: `quantity × unitPrice must not exceed ${MAX_MONEY}`,
      });
    if (it.discount > it.quantity * it.unitPrice)
      ctx.addIssue({ code: "custom", path: ["discount"], message: "must not exceed quantity × unitPrice" });
  });

export const CreateOrderSchema = z.object({
  externalId: z.string().trim().min(1).max(200),
  memberId: id().optional(),
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
  placedAt: dateTimeInRange().optional().describe("2000-01-01 … now + 366 days"),
  items: z
    .array(OrderItemSchema)
    .min(1)
    .max(1000)
    .superRefine((items, ctx) => {
      const total = items.reduce((s, it) => s + it.quantity * it.unitPrice - it.discount, 0);
      if (total > MAX_MONEY) ctx.addIssue({ code: "custom", message: `the order total must not exceed ${MAX_MONEY}` });
    }),
  /** Offer/claim codes presented at checkout (add-on bonus points, conversion tracking). */
  offerCodes: z.array(z.string().max(64)).max(20).optional(),
  storeId: id()
    .optional()
    .describe("The store (GET /v1/stores) it was placed at: one of this merchant's open stores, else 400 at storeId"),
});
export type CreateOrderInput = z.output<typeof CreateOrderSchema>;

export const OrderResult = z.object({
  ...strings("orderId", "externalId"),
  ...ints("total", "pointsEarned"),
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
    .array(z.object({ sku: id(100), quantity: int4(1, 1_000_000) }))
    .min(1)
    .optional(),
});

export const RefundResult = z.object({
  ...strings("refundId", "externalId"),
  amount: z.number().int(),
  /** Every point this refund took back: orderPointsReversed + bonusPointsReversed (the balance change). */
  pointsReversed: z.number().int(),
  orderPointsReversed: z.number().int().optional(),
  bonusPointsReversed: z.number().int().optional(),
  balance: z.number().int().nullable(),
});

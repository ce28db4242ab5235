import { z } from "zod";
import { birthdayDate } from "../lib/validate.ts";
import { normalizePhone } from "./phone.ts";
import { EmailInput } from "./email.ts";
import { nullableStrings } from "../lib/schemas/fields.ts";

export const Language = z.enum(["vi", "en"]);

export const PhoneInput = z
  .string()
  .max(32)
  .transform((v, ctx) => {
    const n = normalizePhone(v);
    if (!n) {
      ctx.addIssue({
        code: "custom",
        message: "not a valid phone number (E.164 such as +84912345678, or a Vietnamese number such as 0912345678)",
      });
      return z.NEVER;
    }
    return n;
  });

const birthday = birthdayDate().describe("1900-01-01 … today");

export const CreateMemberSchema = z.object({
  phone: PhoneInput.optional(),
  email: EmailInput.optional(),
  externalId: z.string().trim().min(1).max(200).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  birthday: birthday.optional(),
  language: Language.optional(),
});

export const UpdateMemberSchema = CreateMemberSchema.partial().extend({
  optedIn: z
    .boolean()
    .optional()
    .describe(
      "Marketing consent the merchant recorded (e.g. at the till): true lets campaigns reach the member, also by ZNS without a chat; /stop in chat sets it false",
    ),
});

export const ChannelIdentity = z.object({
  channel: z.string(),
  userId: z.string(),
  linkedAt: z.string(),
  reachable: z.boolean(),
});

export const MemberView = z.object({
  id: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable().describe("Lower-cased"),
  ...nullableStrings("externalId", "name", "birthday"),
  language: Language,
  tier: z.object({ name: z.string(), multiplier: z.number(), since: z.string().nullable() }).nullable(),
  nextTier: z.object({ name: z.string(), minSpend: z.number().int(), spendNeeded: z.number().int() }).nullable(),
  netSpend: z.number().int().describe("Net spend over the tier qualification window"),
  points: z.object({
    balance: z.number().int().describe("Spendable now"),
    pending: z.number().int().describe("Earned but inside the pending (return) window"),
    total: z.number().int().describe("balance + pending = Σ ledger entries"),
    expiringSoon: z.object({ points: z.number().int(), before: z.string(), firstExpiry: z.string().nullable() }),
  }),
  credit: z.object({ balance: z.number().int().describe("Store credit (cashback) in minor units") }),
  perks: z
    .array(z.string())
    .describe("The perks of the member's tier, then of their subscription plan (merchant text)"),
  subscription: z.object({ plan: z.string(), endsAt: z.string() }).nullable(),
  channels: z.array(ChannelIdentity),
  optedIn: z.boolean(),
  createdAt: z.string(),
});
export type MemberView = z.output<typeof MemberView>;

export const LedgerEntryView = z.object({
  id: z.string(),
  kind: z.enum(["earn", "redeem", "refund", "expire", "adjust", "bonus"]),
  points: z.number().int(),
  createdAt: z.string(),
  ...nullableStrings("orderId", "refundId", "redemptionId", "reason"),
  breakdown: z.record(z.string(), z.unknown()).nullable(),
});

export const LedgerQuery = z.object({
  /** Absent = every entry (the spec's Σ entries = balance holds on the whole list); set it to page. */
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.coerce.number().int().min(1).optional(),
});

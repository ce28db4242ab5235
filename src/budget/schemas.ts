/** Request and response shapes of /v1/budget (the OpenAPI document is generated from them). */
import { z } from "zod";
import { int4, int8, MAX_MONEY } from "../lib/validate.ts";
import { describedInts, ints } from "../lib/schemas/fields.ts";

const money = () => int8(0, MAX_MONEY);
const MONTH = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "YYYY-MM");

export const PointValueSchema = z
  .object({
    amount: money().describe("Currency minor units (VND: đồng) …"),
    points: int4(1, 1_000_000).describe("… per this many points"),
  })
  .describe('What a point costs the merchant, as an exact ratio: {"amount": 1, "points": 10} = 0.1 đ per point');

const Budgets = {
  points: money()
    .nullable()
    .describe("Points that may be issued in the month (earned, bonus, positive adjustments); null = no budget"),
  spend: money()
    .nullable()
    .describe(
      "Messaging and LLM spend in the month (currency minor units): ZNS messages × price + LLM tokens × price; null = no budget",
    ),
};

export const BudgetSettingsSchema = z
  .object({
    pointValue: PointValueSchema.nullable()
      .default(null)
      .describe("null = the program's pointValue, else derived as for the points liability (docs/dashboard.md)"),
    enforcement: z
      .enum(["warn", "block"])
      .default("warn")
      .describe("Over the month's remaining budget: warn = send and say so; block = 409 over-budget"),
    monthly: z
      .object(Budgets)
      .default({ points: null, spend: null })
      .describe("The budgets of every month without its own"),
    months: z
      .array(z.object({ month: MONTH, ...Budgets }))
      .max(36)
      .default([])
      .describe(
        "Months (the merchant's local calendar month) with their own budgets; a null one takes the monthly default",
      )
      .superRefine((ms, ctx) => {
        const seen = new Set<string>();
        ms.forEach((m, i) => {
          if (seen.has(m.month)) ctx.addIssue({ code: "custom", path: [i, "month"], message: "duplicate month" });
          seen.add(m.month);
        });
      }),
    llmPricePerMillionTokens: money()
      .default(0)
      .describe("Currency minor units per million LLM tokens (input + output) for the LLM spend; 0 = LLM not counted"),
  })
  .describe("The program budget's settings (docs/budget.md)");

export type BudgetSettings = z.output<typeof BudgetSettingsSchema>;

const RatioSchema = z.object({
  numerator: z.number().int(),
  denominator: z.number().int(),
  value: z.number().nullable(),
});

const LineSchema = z.object({
  budget: z.number().int().nullable(),
  used: z.number().int(),
  remaining: z.number().int().nullable().describe("budget − used, at least 0; null without a budget"),
});

export const ResolvedPointValueSchema = PointValueSchema.extend({
  source: z.enum(["budget", "program", "vouchers", "default"]),
});

export const EstimateSchema = z.object({
  kind: z.enum(["campaign", "journey", "survey"]),
  id: z.string().nullable().describe("The campaign id (null for the journey)"),
  month: z.string().describe("YYYY-MM, the merchant's local month"),
  ...describedInts({
    bonusPoints: "messages × the offer's bonus points (every recipient redeeming: an upper bound)",
    pointsCost: "bonusPoints × point value (minor units)",
    messages: "ZNS messages (chat messages cost nothing)",
  }),
  ...ints("pricePerMessage", "messageCost"),
  cost: z.number().int().describe("pointsCost + messageCost"),
  pointValue: ResolvedPointValueSchema,
  points: LineSchema.describe("The month's points budget and points issued so far"),
  spend: LineSchema.describe("The month's spend budget and spend so far"),
  over: z.array(z.enum(["points", "spend"])).describe("Budgets the estimate would exceed"),
  enforcement: z.enum(["warn", "block"]),
});

export const ReportQuerySchema = z.object({
  months: z.coerce
    .number()
    .int()
    .min(1)
    .max(24)
    .default(6)
    .describe("Months in the series, ending with the current one"),
});

const MonthSchema = z.object({
  month: z.string(),
  pointsIssued: z.number().int(),
  pointsExpired: z.number().int(),
  pointsBudget: z.number().int().nullable(),
  pointsCost: z.number().int().describe("pointsIssued × point value"),
  znsMessages: z.number().int(),
  znsCost: z.number().int(),
  llmTokens: z.number().int(),
  llmCost: z.number().int(),
  spend: z.number().int().describe("znsCost + llmCost"),
  spendBudget: z.number().int().nullable(),
  programCost: z.number().int().describe("pointsCost + spend"),
});

export const ReportSchema = z.object({
  currency: z.string(),
  month: z.string(),
  pointValue: ResolvedPointValueSchema,
  enforcement: z.enum(["warn", "block"]),
  months: z.array(MonthSchema).describe("Oldest first, the current month last"),
  current: z.object({
    points: LineSchema,
    spend: LineSchema,
    reserved: z
      .object({ points: z.number().int(), spend: z.number().int() })
      .describe(
        "Estimated points and spend held by campaigns still sending and by journey and survey messages queued and not sent yet (not yet in the used figures)",
      ),
  }),
  liability: z.object({
    points: z.number().int(),
    value: z.number().int(),
    breakageRate: RatioSchema.describe("Points expired ÷ issued over the last 12 months"),
    expectedBreakage: z.number().int(),
    net: z.number().int(),
  }),
  costPerMember: z.object({
    members: z.number().int(),
    cost: z.number().int().describe("The current month's program cost"),
    value: z.number().int().nullable(),
  }),
  campaigns: z.object({
    items: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        startedAt: z.string(),
        controlMembers: z.number().int(),
        messageCost: z.number().int(),
        incrementalRevenue: z.number().int().nullable().describe("From the control group (null without one)"),
      }),
    ),
    programCost: z.number().int().describe("The program cost of the months in the series"),
    incrementalRevenue: z.number().int().describe("Σ incremental revenue of the campaigns with a control group"),
    revenuePerCost: RatioSchema.describe("incrementalRevenue ÷ programCost"),
  }),
});

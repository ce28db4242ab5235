/**
 * Tables of the program budget (drizzle-kit picks up `src/*\/tables.ts`): one settings row per merchant (the cost
 * of a point as an integer ratio, what happens over budget, the default monthly budgets, the LLM token price) and
 * per-month overrides of the budgets. Money is integer currency minor units, points are integers.
 */
import { integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { merchantId, updatedAt, bigNumber } from "../db/columns.ts";

export type BudgetEnforcement = "warn" | "block";

export const budgetSettings = pgTable("budget_settings", {
  merchantId: text("merchant_id").primaryKey(),
  /** A point costs `point_value_amount` minor units per `point_value_points` points; null = the program's value. */
  pointValueAmount: bigNumber("point_value_amount"),
  pointValuePoints: integer("point_value_points"),
  enforcement: text("enforcement").$type<BudgetEnforcement>().notNull().default("warn"),
  /** Default monthly budgets (null = no budget): points issued, and messaging + LLM spend in minor units. */
  monthlyPoints: bigNumber("monthly_points"),
  monthlySpend: bigNumber("monthly_spend"),
  /** Minor units per million LLM tokens (input + output), for the LLM spend; 0 = not counted. */
  llmPricePerMillionTokens: bigNumber("llm_price_per_million_tokens").notNull().default(0),
  updatedAt: updatedAt(),
});

/** A month's own budgets (the merchant's local calendar month, "YYYY-MM"), replacing the defaults that month. */
export const budgetMonths = pgTable(
  "budget_months",
  {
    merchantId: merchantId(),
    month: text("month").notNull(),
    points: bigNumber("points"),
    spend: bigNumber("spend"),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.month] })],
);

/**
 * A campaign's estimated cost, written by the send guard under a per-merchant advisory lock in the transaction that
 * starts the campaign, so a second start at the same moment sees it. It holds the budget while its campaign is
 * `sending`; once the campaign is done or cancelled it no longer counts (its actual messages and points are in the
 * month's figures from then on).
 */
export const budgetReservations = pgTable(
  "budget_reservations",
  {
    merchantId: merchantId(),
    month: text("month").notNull(),
    sourceKind: text("source_kind").$type<"campaign">().notNull(),
    sourceId: text("source_id").notNull(),
    points: bigNumber("points").notNull(),
    spend: bigNumber("spend").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.sourceKind, t.sourceId] })],
);

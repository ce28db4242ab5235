/** Tables of the analytics module (drizzle-kit picks up `src/*\/tables.ts`); docs/analytics-rollups.md. */
import { date, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { merchantId, ts, bigNumber } from "../db/columns.ts";

/**
 * One row per merchant and closed calendar day (in `timezone`, the merchant's zone when computed): the day's figures
 * of the summary's daily series, as `cl_analytics_days` computes them. A row whose timezone is no longer the
 * merchant's is ignored by readers and recomputed by the job.
 */
export const analyticsDays = pgTable(
  "analytics_days",
  {
    merchantId: merchantId(),
    day: date("day", { mode: "string" }).notNull(),
    timezone: text("timezone").notNull(),
    orders: integer("orders").notNull(),
    revenue: bigNumber("revenue").notNull(),
    issued: bigNumber("issued").notNull(),
    redeemed: bigNumber("redeemed").notNull(),
    expired: bigNumber("expired").notNull(),
    newMembers: integer("new_members").notNull(),
    computedAt: ts("computed_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.day] })],
);

/**
 * Closed days whose rollup may be stale: written by triggers on orders, ledger_entries and members in the
 * transaction that changes a row of that day (backdated orders, refunds, imports); removed by the rollup job.
 */
export const analyticsDirtyDays = pgTable(
  "analytics_dirty_days",
  {
    merchantId: merchantId(),
    day: date("day", { mode: "string" }).notNull(),
    markedAt: ts("marked_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.day] })],
);

/** Tables of journeys (drizzle-kit picks up `src/*\/tables.ts`). Journey messages travel in `deliveries`. */
import { boolean, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import type { PassBudgetCheck } from "../campaigns/tables.ts";
import { ts, updatedAt, merchantId, counter } from "../db/columns.ts";

export interface JourneyStep {
  segmentId: string;
  message: { vi?: string; en?: string };
  offerId?: string;
  /** Channel choice per member (src/campaigns/routing.ts); absent = auto. */
  channel?: "auto" | "chat" | "zns";
  znsTemplateId?: string;
  znsOffer?: { code?: string; expiresOn?: string };
}

/** The budget check of the latest journey pass. */
export type JourneyBudgetCheck = PassBudgetCheck;

export const journeys = pgTable(
  "journeys",
  {
    merchantId: merchantId(),
    kind: text("kind").$type<"reactivation">().notNull(),
    enabled: boolean("enabled").notNull().default(false),
    steps: jsonb("steps").$type<JourneyStep[]>().notNull(),
    attributionDays: integer("attribution_days").notNull().default(7),
    lastRunAt: ts("last_run_at"),
    /** The latest pass's budget check (null = no pass yet; "within" also when no budget is set). */
    lastBudgetCheck: jsonb("last_budget_check").$type<JourneyBudgetCheck | null>(),
    /** Passes skipped because the budget blocks and the pass would have gone over it. */
    budgetSkips: counter("budget_skips"),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.kind] })],
);

/** Tables of journeys (drizzle-kit picks up `src/*\/tables.ts`). Journey messages travel in `deliveries`. */
import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export interface JourneyStep {
  segmentId: string;
  message: { vi?: string; en?: string };
  offerId?: string;
}

export const journeys = pgTable(
  "journeys",
  {
    merchantId: text("merchant_id").notNull(),
    kind: text("kind").$type<"reactivation">().notNull(),
    enabled: boolean("enabled").notNull().default(false),
    steps: jsonb("steps").$type<JourneyStep[]>().notNull(),
    attributionDays: integer("attribution_days").notNull().default(7),
    lastRunAt: timestamp("last_run_at", { withTimezone: true, mode: "date" }),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.kind] })],
);

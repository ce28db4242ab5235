/** Tables of the segments module (drizzle-kit picks up `src/*\/tables.ts`). */
import { index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import type { Rule } from "./rule.ts";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** Custom segments (the built-in `recent-*` ones live in code). The rule is stored as validated. */
export const segments = pgTable(
  "segments",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").notNull(),
    name: text("name").notNull(),
    rule: jsonb("rule").$type<Rule>().notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [index("segments_merchant_idx").on(t.merchantId, t.createdAt)],
);

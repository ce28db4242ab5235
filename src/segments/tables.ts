/** Tables of the segments module (drizzle-kit picks up `src/*\/tables.ts`). */
import { index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import type { Rule } from "./rule.ts";
import { createdAt, textId, merchantId } from "../db/columns.ts";

/** Custom segments (the built-in `recent-*` ones live in code). The rule is stored as validated. */
export const segments = pgTable(
  "segments",
  {
    id: textId(),
    merchantId: merchantId(),
    name: text("name").notNull(),
    rule: jsonb("rule").$type<Rule>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("segments_merchant_idx").on(t.merchantId, t.createdAt)],
);

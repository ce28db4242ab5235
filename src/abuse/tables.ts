/**
 * Abuse counters (drizzle-kit picks up `src/*\/tables.ts`): fixed-window attempt counts kept in the database, so
 * limits hold across processes and on Workers. Keys: `link:ip:<ip>`, `link:user:<channel>:<id>`, `link:code:<code>`,
 * `link:global`, `sim:ip:<ip>`. Windows older than a day are pruned.
 */
import { pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { ts, counter } from "../db/columns.ts";

export const rateCounters = pgTable(
  "rate_counters",
  {
    key: text("key").notNull(),
    windowStart: ts("window_start").notNull(),
    count: counter("count"),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

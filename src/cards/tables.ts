/**
 * Tables of the loyalty card (drizzle-kit picks up `src/*\/tables.ts`): the QR codes already scanned at a till.
 * The primary key is the replay guard: a code is accepted once, by whichever process inserts it first; rows are
 * pruned once the code could not be accepted anyway (after its two 30-second steps).
 */
import { index, pgTable, text } from "drizzle-orm/pg-core";
import { ts, merchantMember } from "../db/columns.ts";

export const cardCodeUses = pgTable(
  "card_code_uses",
  {
    code: text("code").primaryKey(),
    ...merchantMember(),
    usedAt: ts("used_at").notNull(),
    /** After this the code is expired anyway: the row may go. */
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [index("card_code_uses_expires_idx").on(t.expiresAt)],
);

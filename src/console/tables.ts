/**
 * Merchant console sessions (drizzle-kit picks up `src/*\/tables.ts`). The cookie carries a random session id; only
 * its SHA-256 is stored, so a database dump holds no usable session. Kept in the database (not in memory) so a
 * session works across processes and Workers isolates.
 */
import { index, pgTable, text } from "drizzle-orm/pg-core";
import { ts, createdAtSet, merchantId } from "../db/columns.ts";

export const consoleSessions = pgTable(
  "console_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    merchantId: merchantId(),
    /** The API key the merchant signed in with: revoking it ends the session. */
    apiKeyId: text("api_key_id").notNull(),
    createdAt: createdAtSet(),
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [index("console_sessions_expiry_idx").on(t.expiresAt)],
);

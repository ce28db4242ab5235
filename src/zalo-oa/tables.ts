/**
 * Zalo Official Account state shared by every process and Worker isolate: the OAuth token pair (the refresh token
 * is single-use, so exactly one holder may spend it: its row is the lock), each follower's interaction window, and
 * the proactive messages counted against the monthly quota.
 */
import { pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { ts, updatedAt, counter } from "../db/columns.ts";

/** One row per OA. Tokens are sealed with SECRETS_KEY (src/lib/secret-box.ts). */
export const zaloOaTokens = pgTable("zalo_oa_tokens", {
  oaId: text("oa_id").primaryKey(),
  accessToken: text("access_token").notNull(),
  refreshToken: text("refresh_token").notNull(),
  /** From `expires_in` of the last refresh (null for the configured initial token: assumed valid until -216). */
  accessExpiresAt: ts("access_expires_at"),
  /** How many refreshes this row has seen (diagnostics; tests check "exactly one"). */
  refreshes: counter("refreshes"),
  updatedAt: updatedAt(),
});

/** The 48-hour / 8-reply window opened by a follower's last message. */
export const zaloOaInteractions = pgTable(
  "zalo_oa_interactions",
  {
    oaId: text("oa_id").notNull(),
    userId: text("user_id").notNull(),
    lastUserAt: ts("last_user_at").notNull(),
    /** Replies sent since `lastUserAt`. */
    replies: counter("replies"),
  },
  (t) => [primaryKey({ columns: [t.oaId, t.userId] })],
);

/** Proactive messages (outside any window) per OA and month (`YYYY-MM`, Vietnam time). */
export const zaloOaProactiveUsage = pgTable(
  "zalo_oa_proactive_usage",
  {
    oaId: text("oa_id").notNull(),
    month: text("month").notNull(),
    sent: counter("sent"),
  },
  (t) => [primaryKey({ columns: [t.oaId, t.month] })],
);

/**
 * Tables of the LLM layer (drizzle-kit picks up `src/*\/tables.ts`): per-day usage counters (the dashboard and the
 * token budgets read them), the cache of offer phrasings and the assistant's short conversation memory.
 */
import { date, index, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import {
  createdAt,
  updatedAt,
  merchantId,
  memberId,
  merchantLog,
  bigNumber,
  chatAddress,
  counter,
} from "../db/columns.ts";

/**
 * One row per merchant, local day (the merchant's time zone), member and task, incremented in place.
 * `member_id` is "" for work not done for one member (offer phrasings, which are shared per offer, language, tier).
 */
export const llmUsage = pgTable(
  "llm_usage",
  {
    merchantId: merchantId(),
    day: date("day", { mode: "string" }).notNull(),
    memberId: text("member_id").notNull().default(""),
    /** "answer" (free-text replies) or "offer" (offer phrasing). */
    task: text("task").notNull(),
    /** Requests sent to the model (successful or not). */
    calls: counter("calls"),
    /** Model texts that passed validation and were sent. */
    modelReplies: counter("model_replies"),
    /** Times the template / keyword path answered instead (no budget, failure, timeout, rejected text). */
    fallbacks: counter("fallbacks"),
    /** Offer phrasings served from the cache (no model call). */
    cacheHits: counter("cache_hits"),
    inputTokens: bigNumber("input_tokens").notNull().default(0),
    outputTokens: bigNumber("output_tokens").notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.merchantId, t.day, t.memberId, t.task] }),
    index("llm_usage_merchant_day_idx").on(t.merchantId, t.day),
  ],
);

/** Validated offer phrasings, with `{{firstName}}` still in them, keyed by a hash of (facts, language, tier, prompt, model). */
export const llmPhrasings = pgTable(
  "llm_phrasings",
  {
    merchantId: merchantId(),
    key: text("key").notNull(),
    lang: text("lang").notNull(),
    tier: text("tier"),
    text: text("text").notNull(),
    model: text("model").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.key] }), index("llm_phrasings_created_idx").on(t.createdAt)],
);

/**
 * Short conversation memory of the free-text assistant (src/llm/memory.ts): one row per answered turn — the
 * customer's text and the validated reply that was sent — scoped to merchant, channel and chat, and to the member
 * the chat was linked to when it was written. Pruned on write to the current conversation's last N turns.
 */
export const llmChatTurns = pgTable(
  "llm_chat_turns",
  {
    ...merchantLog(),
    ...chatAddress(),
    memberId: memberId(),
    userText: text("user_text").notNull(),
    replyText: text("reply_text").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("llm_chat_turns_chat_idx").on(t.merchantId, t.channel, t.chatId, t.createdAt),
    index("llm_chat_turns_created_idx").on(t.createdAt),
  ],
);

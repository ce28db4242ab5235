/**
 * Tables of the chat channels (drizzle-kit picks up `src/*\/tables.ts`): update de-duplication, per-chat state
 * (language before linking, pending numbered choices on Zalo), the web simulator's outbox and cached bot info.
 */
import { index, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import type { OutgoingMessage } from "./channel.ts";
import { ts, createdAt, updatedAt, merchantLog, chatUser } from "../db/columns.ts";

/**
 * One row per incoming update already taken: Telegram `<botId>:<update_id>`, Zalo `<botId>:<event_name>:<message_id>`.
 * The insert (ON CONFLICT DO NOTHING) decides which process handles an update, so replays are processed once
 * even across processes. Rows older than a few days are pruned.
 */
export const processedUpdates = pgTable(
  "channel_processed_updates",
  {
    channel: text("channel").notNull(),
    key: text("key").notNull(),
    receivedAt: ts("received_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.channel, t.key] }),
    index("channel_processed_updates_received_idx").on(t.receivedAt),
  ],
);

/** Per chat user state that must survive restarts and be shared by processes. */
export const chatSessions = pgTable(
  "channel_chat_sessions",
  {
    ...chatUser(),
    /** Language chosen with /language before (or without) linking; null = not chosen. */
    language: text("language"),
    /** Numbered choices offered on channels without buttons (Zalo): [{ label, data }]. */
    choices: jsonb("choices").$type<{ label: string; data: string }[]>(),
    choicesExpiresAt: ts("choices_expires_at"),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.userId] })],
);

/** Messages for web simulator users pushed by campaigns (the page polls them). */
export const webOutbox = pgTable(
  "channel_web_outbox",
  {
    ...merchantLog(),
    chatId: text("chat_id").notNull(),
    message: jsonb("message").$type<OutgoingMessage>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("channel_web_outbox_chat_idx").on(t.chatId, t.id)],
);

/** getMe results, so a restarted process (or a Worker) can pass botInfo without calling getMe first. */
export const botInfos = pgTable(
  "channel_bot_info",
  {
    channel: text("channel").notNull(),
    /** The bot id (the token's part before ":"), never the token. */
    botId: text("bot_id").notNull(),
    info: jsonb("info").$type<Record<string, unknown>>().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.botId] })],
);

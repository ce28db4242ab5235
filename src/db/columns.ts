/**
 * Column helpers every table file shares (src/db/schema.ts and each `src/<capability>/tables.ts`), so a timestamp,
 * an id or a merchant column is spelt one way everywhere. The column sets (`merchantRow()`, `merchantMember()`,
 * `timestamps()`, `chatUser()`…) are spread into a table's columns, as Drizzle suggests for columns many tables repeat; they are
 * functions so each table gets its own builders.
 */
import { bigint, bigserial, type ExtraConfigColumn, index, integer, text, timestamp } from "drizzle-orm/pg-core";

/** A timestamptz read as a JS Date. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
export const createdAt = () => ts("created_at").notNull().defaultNow();
export const updatedAt = () => ts("updated_at").notNull().defaultNow();
/** `created_at` the code always writes itself (no database default). */
export const createdAtSet = () => ts("created_at").notNull();
/** `created_at` + `updated_at`, both defaulting to now(). */
export const timestamps = () => ({ createdAt: createdAt(), updatedAt: updatedAt() });
/** An int8 read as a JS number: money in minor units, points and counts stay far below 2^53. */
export const bigNumber = (name: string) => bigint(name, { mode: "number" });
/** A count that starts at 0 and is incremented in place (attempts, calls, messages sent…). */
export const counter = (name: string) => integer(name).notNull().default(0);
/** A text primary key `id` (prefixed ids from src/lib/ids.ts). */
export const textId = () => text("id").primaryKey();
/** A bigserial primary key `id` (append-only logs and queues, ordered by it). */
export const serialId = () => bigserial("id", { mode: "number" }).primaryKey();
/** The owning merchant, on tables that do not declare the foreign key. */
export const merchantId = () => text("merchant_id").notNull();
/** A member's id (`member_id`, or a role's column such as `referrer_id`), on tables that do not declare the foreign key. */
export const memberId = (name = "member_id") => text(name).notNull();
/** The merchant and the member a row is about (neither with the foreign key). */
export const merchantMember = () => ({ merchantId: merchantId(), memberId: memberId() });
/** A chat user: the channel and the user's id there (a Telegram or Zalo user id). */
export const chatUser = () => ({ channel: text("channel").notNull(), userId: text("user_id").notNull() });
/** A chat on a channel (telegram, zalo, web) and the chat's id there. */
export const chatAddress = () => ({ channel: text("channel").notNull(), chatId: text("chat_id").notNull() });
/**
 * Who made a merchant or staff write: `key:<api key id>` or `console:<api key id>` (the key the console session was
 * opened with). Nullable: tables a member's own chat writes too leave it null.
 */
export const actor = () => text("actor");
/** The head of a merchant's entity: its prefixed id and the merchant. */
export const merchantRow = () => ({ id: textId(), merchantId: merchantId() });
/** The head of a merchant's log or queue row: a serial id and the merchant. */
export const merchantLog = () => ({ id: serialId(), merchantId: merchantId() });

/** The `(merchant_id, created_at)` index behind a merchant's newest-first listings. */
export const merchantCreatedIndex = (
  name: string,
  t: { merchantId: Partial<ExtraConfigColumn>; createdAt: Partial<ExtraConfigColumn> },
) => index(name).on(t.merchantId, t.createdAt);

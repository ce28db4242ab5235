/**
 * Column helpers every table file shares (src/db/schema.ts and each `src/<capability>/tables.ts`), so a timestamp,
 * an id or a merchant column is spelt one way everywhere.
 */
import { text, timestamp } from "drizzle-orm/pg-core";

/** A timestamptz read as a JS Date. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
export const createdAt = () => ts("created_at").notNull().defaultNow();
export const updatedAt = () => ts("updated_at").notNull().defaultNow();
/** A text primary key `id` (prefixed ids from src/lib/ids.ts). */
export const textId = () => text("id").primaryKey();
/** The owning merchant, on tables that do not declare the foreign key. */
export const merchantId = () => text("merchant_id").notNull();

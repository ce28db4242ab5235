/**
 * One key of `merchants.settings` (messaging, offers, zns, privacy, llm): read the raw settings, replace one key
 * without touching the others. Each capability declares its key once with `settingsKey(key, schema)`; a stored value
 * its schema no longer accepts reads as the defaults.
 */
import { eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../db/types.ts";
import { merchants } from "../db/schema.ts";

async function merchantSettingsAndZone(db: Db, merchantId: string) {
  const [m] = await db
    .select({ settings: merchants.settings, timezone: merchants.timezone })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .limit(1);
  return m;
}

async function putMerchantSettingsKey(db: Db, merchantId: string, key: string, value: unknown): Promise<void> {
  await db
    .update(merchants)
    .set({
      settings: sql`jsonb_set(coalesce(${merchants.settings}, '{}'::jsonb), ${`{${key}}`}::text[], ${JSON.stringify(value)}::jsonb, true)`,
    })
    .where(eq(merchants.id, merchantId));
}

export interface SettingsKey<T> {
  /** The schema's defaults (what an unset or unreadable key reads as). */
  defaults: T;
  /** The key's value in a merchant's raw settings. */
  parse(settings: Record<string, unknown> | null | undefined): T;
  get(db: Db, merchantId: string): Promise<T>;
  /** With the merchant's time zone (Asia/Ho_Chi_Minh for an unknown merchant). */
  getWithZone(db: Db, merchantId: string): Promise<T & { timezone: string }>;
  /** Replaces this key only (one UPDATE: concurrent PUTs each store a whole document); answers `s`. */
  put(db: Db, merchantId: string, s: T): Promise<T>;
}

export function settingsKey<T>(key: string, schema: z.ZodType<T>): SettingsKey<T> {
  const defaults = schema.parse({});
  const parse = (settings: Record<string, unknown> | null | undefined): T => {
    const r = schema.safeParse(settings?.[key] ?? {});
    return r.success ? r.data : defaults;
  };
  return {
    defaults,
    parse,
    get: async (db, merchantId) => parse((await merchantSettingsAndZone(db, merchantId))?.settings),
    getWithZone: async (db, merchantId) => {
      const m = await merchantSettingsAndZone(db, merchantId);
      return { ...parse(m?.settings), timezone: m?.timezone ?? "Asia/Ho_Chi_Minh" };
    },
    put: async (db, merchantId, s) => {
      await putMerchantSettingsKey(db, merchantId, key, s);
      return s;
    },
  };
}

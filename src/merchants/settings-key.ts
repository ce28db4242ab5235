/**
 * One key of `merchants.settings` (messaging, offers, zns…): read the raw settings, replace one key without touching
 * the others. Each capability parses its own key with its zod schema.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { merchants } from "../db/schema.ts";

export async function merchantSettings(db: Db, merchantId: string): Promise<Record<string, unknown> | undefined> {
  const [m] = await db
    .select({ settings: merchants.settings })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .limit(1);
  return m?.settings;
}

export async function putMerchantSettingsKey(db: Db, merchantId: string, key: string, value: unknown): Promise<void> {
  await db
    .update(merchants)
    .set({
      settings: sql`jsonb_set(coalesce(${merchants.settings}, '{}'::jsonb), ${`{${key}}`}::text[], ${JSON.stringify(value)}::jsonb, true)`,
    })
    .where(eq(merchants.id, merchantId));
}

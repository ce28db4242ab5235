/** Merchants and their API keys (stored as SHA-256 hashes; the key is shown once). */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { apiKeys, merchants } from "../db/schema.ts";
import { newApiKey, newId } from "../lib/ids.ts";
import { sha256Hex } from "../lib/crypto.ts";

export async function createMerchant(
  db: Db,
  input: { name: string; timezone?: string; isDemo?: boolean },
): Promise<{ merchantId: string; apiKey: string }> {
  const merchantId = newId("mer");
  const apiKey = newApiKey();
  const keyHash = await sha256Hex(apiKey);
  await db.transaction(async (tx) => {
    await tx.insert(merchants).values({
      id: merchantId,
      name: input.name,
      timezone: input.timezone ?? "Asia/Ho_Chi_Minh",
      isDemo: input.isDemo ?? false,
    });
    await tx.insert(apiKeys).values({ id: newId("key"), merchantId, keyHash, prefix: apiKey.slice(0, 12) });
  });
  return { merchantId, apiKey };
}

/** Adds another key (rotation); the old one keeps working until revoked. */
export async function addApiKey(db: Db, merchantId: string): Promise<string> {
  const apiKey = newApiKey();
  await db
    .insert(apiKeys)
    .values({ id: newId("key"), merchantId, keyHash: await sha256Hex(apiKey), prefix: apiKey.slice(0, 12) });
  return apiKey;
}

/**
 * The merchant a key belongs to. Lookup is by the key's hash (an index probe on a uniformly random value),
 * so comparing the secret itself never happens byte by byte.
 */
export async function merchantForKey(db: Db, apiKey: string): Promise<string | undefined> {
  const keyHash = await sha256Hex(apiKey);
  const hit = keyCache.get(keyHash);
  if (hit && Date.now() - hit.at < KEY_CACHE_MS) return hit.merchantId;
  const rows = await db
    .select({ merchantId: apiKeys.merchantId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  const merchantId = rows[0]?.merchantId;
  if (merchantId) {
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(keyHash, { merchantId, at: Date.now() });
  }
  return merchantId;
}

/** Known keys (by hash) for a minute: saves a query per request; a revoked key stops working within KEY_CACHE_MS. */
const KEY_CACHE_MS = 60_000;
const keyCache = new Map<string, { merchantId: string; at: number }>();

export function forgetApiKeys(): void {
  keyCache.clear();
}

export async function getMerchant(db: Db, id: string) {
  const rows = await db.select().from(merchants).where(eq(merchants.id, id)).limit(1);
  return rows[0];
}

/** A merchant's time zone, cached per process for a minute (read on every chat message). */
const tzCache = new Map<string, { tz: string; at: number }>();
export async function merchantTimezone(db: Db, merchantId: string): Promise<string | undefined> {
  const hit = tzCache.get(merchantId);
  if (hit && Date.now() - hit.at < 60_000) return hit.tz;
  const m = await getMerchant(db, merchantId);
  if (!m) return undefined;
  if (tzCache.size > 10_000) tzCache.clear();
  tzCache.set(merchantId, { tz: m.timezone, at: Date.now() });
  return m.timezone;
}

export async function countMerchants(db: Db): Promise<number> {
  const rows = await db.select({ id: merchants.id }).from(merchants).limit(2);
  return rows.length;
}

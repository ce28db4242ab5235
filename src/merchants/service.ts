/** Merchants and their API keys (stored as SHA-256 hashes; the key is shown once). */
import { and, asc, eq, isNull } from "drizzle-orm";
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
  return (await apiKeyFor(db, apiKey))?.merchantId;
}

/** The merchant and the key's id (the audit log's "who") of a live API key. */
export async function apiKeyFor(db: Db, apiKey: string): Promise<{ merchantId: string; keyId: string } | undefined> {
  const keyHash = await sha256Hex(apiKey);
  const hit = keyCache.get(keyHash);
  if (hit && Date.now() - hit.at < KEY_CACHE_MS) return hit.key;
  const rows = await db
    .select({ merchantId: apiKeys.merchantId, keyId: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  const key = rows[0];
  if (key) {
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(keyHash, { key, at: Date.now() });
  }
  return key;
}

/** Known keys (by hash) for a minute: saves a query per request; a revoked key stops working within KEY_CACHE_MS. */
const KEY_CACHE_MS = 60_000;
const keyCache = new Map<string, { key: { merchantId: string; keyId: string }; at: number }>();

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

export interface MerchantRow {
  id: string;
  name: string;
  timezone: string;
  isDemo: boolean;
  createdAt: Date;
  activeKeys: number;
}

/** Every merchant with its count of active (unrevoked) keys, oldest first (the CLI's `merchants list`). */
export async function listMerchants(db: Db): Promise<MerchantRow[]> {
  const ms = await db.select().from(merchants).orderBy(asc(merchants.createdAt), asc(merchants.id));
  const keys = await db.select({ merchantId: apiKeys.merchantId }).from(apiKeys).where(isNull(apiKeys.revokedAt));
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k.merchantId, (counts.get(k.merchantId) ?? 0) + 1);
  return ms.map((m) => ({
    id: m.id,
    name: m.name,
    timezone: m.timezone,
    isDemo: m.isDemo,
    createdAt: m.createdAt,
    activeKeys: counts.get(m.id) ?? 0,
  }));
}

export interface ApiKeyRow {
  id: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A merchant's keys: id, prefix and dates only — the key itself is never stored (SHA-256 hash only). */
export async function listApiKeys(db: Db, merchantId: string): Promise<ApiKeyRow[]> {
  return db
    .select({ id: apiKeys.id, prefix: apiKeys.prefix, createdAt: apiKeys.createdAt, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.merchantId, merchantId))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/**
 * Revokes one key of a merchant, chosen by its id or by its printed prefix (`ck_live_abcd`). Returns the revoked
 * keys (several only if an ambiguous prefix was given — refused instead), or why not.
 */
export async function revokeApiKey(
  db: Db,
  merchantId: string,
  keyRef: string,
  now: Date,
): Promise<{ revoked: ApiKeyRow } | { error: "not-found" | "ambiguous" | "already-revoked" }> {
  const all = await listApiKeys(db, merchantId);
  const hits = all.filter((k) => k.id === keyRef || k.prefix === keyRef || k.prefix.startsWith(keyRef));
  const exact = all.filter((k) => k.id === keyRef || k.prefix === keyRef);
  const chosen = exact.length === 1 ? exact : hits;
  if (chosen.length === 0) return { error: "not-found" };
  if (chosen.length > 1) {
    const active = chosen.filter((k) => !k.revokedAt);
    if (active.length !== 1) return { error: active.length === 0 ? "already-revoked" : "ambiguous" };
    chosen.splice(0, chosen.length, active[0]!);
  }
  const key = chosen[0]!;
  if (key.revokedAt) return { error: "already-revoked" };
  await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, key.id), eq(apiKeys.merchantId, merchantId)));
  forgetApiKeys();
  return { revoked: { ...key, revokedAt: now } };
}

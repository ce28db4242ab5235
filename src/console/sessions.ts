/** Console sign-in: an API key is exchanged for a server-side session; the browser only holds the session id. */
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { apiKeys } from "../db/schema.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { newApiKey } from "../lib/ids.ts";
import { consoleSessions } from "./tables.ts";

/** Sessions last 12 hours: a working day, then sign in again. */
export const SESSION_MS = 12 * 3600_000;

export interface ConsoleSession {
  merchantId: string;
  apiKeyId: string;
}

/** The session id for the cookie, or undefined when the key is unknown or revoked. */
export async function signIn(db: Db, apiKey: string, now: Date): Promise<string | undefined> {
  const key = apiKey.trim();
  if (key.length === 0 || key.length > 200) return undefined;
  const rows = await db
    .select({ id: apiKeys.id, merchantId: apiKeys.merchantId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, await sha256Hex(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  const hit = rows[0];
  if (!hit) return undefined;
  // 160 random bits, the same generator as API keys.
  const sessionId = newApiKey().replace("ck_live_", "cs_");
  await db.delete(consoleSessions).where(lt(consoleSessions.expiresAt, now));
  await db.insert(consoleSessions).values({
    idHash: await sha256Hex(sessionId),
    merchantId: hit.merchantId,
    apiKeyId: hit.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + SESSION_MS),
  });
  return sessionId;
}

/** The live session for a cookie value: unexpired, and its API key not revoked. */
export async function findSession(db: Db, sessionId: string, now: Date): Promise<ConsoleSession | undefined> {
  if (!/^cs_[a-z0-9]{32}$/.test(sessionId)) return undefined;
  const rows = await db
    .select({ merchantId: consoleSessions.merchantId, apiKeyId: consoleSessions.apiKeyId })
    .from(consoleSessions)
    .innerJoin(apiKeys, eq(apiKeys.id, consoleSessions.apiKeyId))
    .where(
      and(
        eq(consoleSessions.idHash, await sha256Hex(sessionId)),
        gt(consoleSessions.expiresAt, now),
        isNull(apiKeys.revokedAt),
      ),
    )
    .limit(1);
  return rows[0];
}

export async function signOut(db: Db, sessionId: string): Promise<void> {
  await db.delete(consoleSessions).where(eq(consoleSessions.idHash, await sha256Hex(sessionId)));
}

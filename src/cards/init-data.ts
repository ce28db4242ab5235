/**
 * Telegram Mini App `initData` validation (core.telegram.org/bots/webapps, "Validating data received via the Mini
 * App"): secret_key = HMAC_SHA256(key "WebAppData", bot_token); the data-check-string is every received field except
 * `hash`, sorted by key, as `key=<value>` joined by "\n" (values URL-decoded); the data is Telegram's when
 * hex(HMAC_SHA256(key secret_key, data-check-string)) equals `hash`. `auth_date` (Unix seconds) bounds its age.
 * node:crypto runs on Node and on Workers (nodejs_compat).
 */
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";

export interface TelegramWebAppUser {
  id: number;
  first_name?: string;
  language_code?: string;
}

export type InitDataResult =
  | { ok: true; user: TelegramWebAppUser; authDate: number }
  | { ok: false; reason: "missing" | "malformed" | "bad-hash" | "stale" };

/** The data-check-string of an initData query string (without `hash`), and the hash it carries. */
export function dataCheckString(initData: string): { check: string; hash: string | undefined } {
  const params = new URLSearchParams(initData);
  const hash = params.get("hash") ?? undefined;
  const pairs: [string, string][] = [];
  for (const [k, v] of params) if (k !== "hash") pairs.push([k, v]);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { check: pairs.map(([k, v]) => `${k}=${v}`).join("\n"), hash };
}

/** hex HMAC of a data-check-string with the bot's WebAppData key (also what tests sign with). */
export function initDataHash(check: string, botToken: string): string {
  const secret = createHmac("sha256", "WebAppData").update(botToken).digest();
  return createHmac("sha256", secret).update(check).digest("hex");
}

export function validateInitData(
  initData: string | undefined,
  botToken: string,
  nowMs: number,
  maxAgeSeconds: number,
): InitDataResult {
  if (!initData || initData.trim() === "") return { ok: false, reason: "missing" };
  if (initData.length > 8192) return { ok: false, reason: "malformed" };
  const { check, hash } = dataCheckString(initData);
  if (!hash || !/^[0-9a-f]{64}$/i.test(hash)) return { ok: false, reason: "bad-hash" };
  const expected = Buffer.from(initDataHash(check, botToken), "hex");
  // Constant time: the comparison reveals nothing about where a forged hash differs.
  if (!timingSafeEqual(expected, Buffer.from(hash.toLowerCase(), "hex"))) return { ok: false, reason: "bad-hash" };
  const params = new URLSearchParams(initData);
  const authDate = Number(params.get("auth_date"));
  if (!Number.isInteger(authDate) || authDate <= 0) return { ok: false, reason: "malformed" };
  const age = nowMs / 1000 - authDate;
  // A little clock skew into the future is tolerated; older than the limit is stale.
  if (age > maxAgeSeconds || age < -300) return { ok: false, reason: "stale" };
  let user: unknown;
  try {
    user = JSON.parse(params.get("user") ?? "null");
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!user || typeof user !== "object" || !Number.isSafeInteger((user as { id?: unknown }).id))
    return { ok: false, reason: "malformed" };
  return { ok: true, user: user as TelegramWebAppUser, authDate };
}

/**
 * `X-ZEvent-Signature: mac=<hex sha256(app_id + raw body + timestamp + OA secret key)>` ◐ — a plain SHA-256 over
 * the concatenation, not an HMAC. Variants accepted (the facts file marks them unconfirmed): with or without the
 * `mac=` prefix, hex in either case, and the app secret in place of the OA secret key. `timestamp` is the body's
 * `timestamp` field as sent. Compared in constant time.
 */
import { secretEquals, sha256Hex } from "../../src/lib/crypto.ts";

export interface SignatureKeys {
  appId: string;
  /** OA secret key, and optionally the app secret: a signature under either is accepted. */
  secrets: string[];
}

/** The `timestamp` of the raw body exactly as written (string or number), without re-serialising. */
export function rawTimestamp(json: unknown): string | undefined {
  const t = (json as { timestamp?: unknown } | null)?.timestamp;
  return typeof t === "string" || typeof t === "number" ? String(t) : undefined;
}

export async function expectedSignature(appId: string, rawBody: string, timestamp: string, secret: string) {
  return sha256Hex(`${appId}${rawBody}${timestamp}${secret}`);
}

export async function verifyOaSignature(
  header: string | undefined,
  rawBody: string,
  timestamp: string | undefined,
  keys: SignatureKeys,
): Promise<boolean> {
  if (!header || timestamp === undefined) return false;
  const given = header
    .trim()
    .replace(/^mac\s*=\s*/i, "")
    .toLowerCase();
  let ok = false;
  for (const secret of keys.secrets) {
    // Every secret is tried (no early exit), so timing does not reveal which one matched.
    const expected = await expectedSignature(keys.appId, rawBody, timestamp, secret);
    if (await secretEquals(given, expected)) ok = true;
  }
  return ok;
}

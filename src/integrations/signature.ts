/**
 * Each platform's authentication of a delivery, on the raw body, compared in constant time (secretEquals).
 * A missing header fails like a wrong one.
 */
import { createHmac } from "node:crypto";
import { secretEquals } from "../lib/crypto.ts";
import type { Platform } from "./tables.ts";
import { nhanhToken } from "./nhanh.ts";
import { parseLossless } from "./json.ts";

/** The header that carries each HMAC platform's signature (Haravan's spelling varies ◐). */
const HEADERS: Record<Exclude<Platform, "nhanh">, string[]> = {
  shopify: ["x-shopify-hmac-sha256"],
  haravan: ["x-haravan-hmacsha256", "x-haravan-hmac-sha256"],
  sapo: ["x-sapo-hmac-sha256"],
  kiotviet: ["x-hub-signature"],
};

const hmac = (secret: string, body: Uint8Array) => createHmac("sha256", secret).update(body).digest();

export async function verifySignature(
  platform: Platform,
  secret: string,
  body: Uint8Array,
  header: (name: string) => string | undefined,
): Promise<boolean> {
  if (platform === "nhanh") {
    // No HMAC: the body's webhooksVerifyToken is the app's token ✔.
    const token = nhanhToken(parseLossless(new TextDecoder().decode(body)));
    return token !== undefined && (await secretEquals(token, secret));
  }
  const given = HEADERS[platform].map(header).find((v) => v !== undefined && v !== "");
  if (!given) return false;
  const mac = hmac(secret, body);
  if (platform !== "kiotviet") return secretEquals(given.trim(), mac.toString("base64"));
  // KiotViet ✖: hex or base64, with or without "sha256=" — every form is checked, each in constant time.
  const sig = given.trim().replace(/^sha256=/i, "");
  const forms = [mac.toString("hex"), mac.toString("base64")];
  let ok = false;
  for (const f of forms) ok = (await secretEquals(sig.length === 64 ? sig.toLowerCase() : sig, f)) || ok;
  return ok;
}

/** Signs a body as the platform would (the console's "send test event" and the tests). */
export function signBody(platform: Platform, secret: string, body: string): Record<string, string> {
  const mac = hmac(secret, new TextEncoder().encode(body));
  if (platform === "nhanh") return {};
  if (platform === "kiotviet") return { "x-hub-signature": `sha256=${mac.toString("hex")}` };
  return { [HEADERS[platform][0]!]: mac.toString("base64") };
}

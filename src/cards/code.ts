/**
 * The card's rotating QR code and the card page's session token, both signed with the card secret (CARD_SECRET).
 *
 *   code    = "CL1." + memberId + "." + step + "." + mac     step = floor(unix ms / 30 000)
 *   mac     = base64url(HMAC_SHA256(secret, "code|" + memberId + "|" + step))[0..22)   (132 bits)
 *   session = merchantId + "." + memberId + "." + lang + "." + expires (unix s) + "." + base64url(HMAC(…))
 *
 * A code is accepted during its own step and the next one (≤ 60 s), once (the scan records it).
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Config } from "../config.ts";
import type { Lang } from "../messages/render.ts";

export const CODE_STEP_MS = 30_000;
export const SESSION_SECONDS = 12 * 3600;
const CODE_PREFIX = "CL1";
const MAC_CHARS = 22;

let processSecret: string | undefined;

/** CARD_SECRET; else derived from the Telegram bot token; else one random secret for this process (documented). */
export function cardSecret(config: Pick<Config, "CARD_SECRET" | "TELEGRAM_BOT_TOKEN">): string {
  if (config.CARD_SECRET) return config.CARD_SECRET;
  if (config.TELEGRAM_BOT_TOKEN)
    return createHmac("sha256", "chatloyalty-card-secret").update(config.TELEGRAM_BOT_TOKEN).digest("base64url");
  processSecret ??= randomBytes(32).toString("base64url");
  return processSecret;
}

const mac = (secret: string, data: string, chars?: number) => {
  const m = createHmac("sha256", secret).update(data).digest("base64url");
  return chars ? m.slice(0, chars) : m;
};

function macEquals(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const stepOf = (at: Date) => Math.floor(at.getTime() / CODE_STEP_MS);

export function cardCode(secret: string, memberId: string, at: Date): { code: string; step: number; expiresAt: Date } {
  const step = stepOf(at);
  return {
    code: `${CODE_PREFIX}.${memberId}.${step}.${mac(secret, `code|${memberId}|${step}`, MAC_CHARS)}`,
    step,
    // When the page shows the next one; the code itself is still accepted for one more step.
    expiresAt: new Date((step + 1) * CODE_STEP_MS),
  };
}

export type ParsedCode =
  | { ok: true; memberId: string; step: number; state: "current" | "previous" | "expired" }
  | { ok: false };

/** Checks a scanned code's signature and how old its step is (the replay check is the scan's). */
export function readCardCode(secret: string, code: string, at: Date): ParsedCode {
  const parts = code.trim().split(".");
  if (parts.length !== 4 || parts[0] !== CODE_PREFIX) return { ok: false };
  const [, memberId, stepText, given] = parts as [string, string, string, string];
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(memberId) || !/^\d{1,15}$/.test(stepText)) return { ok: false };
  const step = Number(stepText);
  if (!macEquals(given, mac(secret, `code|${memberId}|${step}`, MAC_CHARS))) return { ok: false };
  const now = stepOf(at);
  if (step > now) return { ok: false };
  return { ok: true, memberId, step, state: step === now ? "current" : step === now - 1 ? "previous" : "expired" };
}

export interface CardSession {
  merchantId: string;
  memberId: string;
  lang: Lang;
  expiresAt: Date;
}

export function signSession(
  secret: string,
  s: Omit<CardSession, "expiresAt">,
  at: Date,
): { token: string; expiresAt: Date } {
  const exp = Math.floor(at.getTime() / 1000) + SESSION_SECONDS;
  const body = `${s.merchantId}.${s.memberId}.${s.lang}.${exp}`;
  return { token: `${body}.${mac(secret, `session|${body}`)}`, expiresAt: new Date(exp * 1000) };
}

export function readSession(secret: string, token: string | undefined, at: Date): CardSession | undefined {
  if (!token || token.length > 300) return undefined;
  const parts = token.split(".");
  if (parts.length !== 5) return undefined;
  const [merchantId, memberId, lang, expText, given] = parts as [string, string, string, string, string];
  if (!macEquals(given, mac(secret, `session|${merchantId}.${memberId}.${lang}.${expText}`))) return undefined;
  const exp = Number(expText);
  if (!Number.isInteger(exp) || exp * 1000 <= at.getTime()) return undefined;
  return { merchantId, memberId, lang: lang === "en" ? "en" : "vi", expiresAt: new Date(exp * 1000) };
}

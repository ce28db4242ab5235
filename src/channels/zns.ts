/**
 * The ZNS sender: Zalo Notification Service template messages to a phone number
 * (`POST {root}/message/template`, header `access_token`, body `{phone, template_id, template_data, tracking_id,
 * mode?}`; success is `error === 0`, whatever the HTTP status). Runtime-neutral: it calls an injected `fetch`-like
 * function, so Node can plug in the shared undici transport and Workers the platform `fetch`.
 *
 * Error codes are only partly confirmed (see docs/zns.md): the ones we know are mapped to a reason the delivery
 * queue understands; any other non-zero `error` is a retryable failure.
 */
import type { ChannelSender, OutgoingMessage, SendResult } from "./channel.ts";

/** The subset of `fetch` the client needs (undici's `fetch`, the Workers global, a test double). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export const ZNS_API_ROOT = "https://business.openapi.zalo.me";

export interface ZnsSenderOptions {
  fetch: FetchLike;
  /** The OA access token for a merchant (the OA token store once it exists; ZNS_ACCESS_TOKEN for now). */
  accessToken: (merchantId: string) => Promise<string | undefined> | string | undefined;
  /** Default https://business.openapi.zalo.me (tests: the fake server). */
  apiRoot?: string;
  /** Messages per second across the OA (ZNS_BROADCAST_RATE). */
  broadcastRate?: number;
  timeoutMs?: number;
}

/** What a ZNS error code means to us. */
export type ZnsErrorKind = "invalid-phone" | "quota-exceeded" | "token-expired" | "template" | "other";

/**
 * Known codes (◐: seen in public client code and Zalo's error list, not all confirmed): -108 invalid phone, -118
 * no Zalo account for the phone, -124 / -216 invalid or expired access token, -1xx quota codes for the OA's daily
 * ZNS quota and -131 / -132 template not approved / wrong parameters. Anything else: "other" (retryable).
 */
export function znsErrorKind(code: number): ZnsErrorKind {
  if (code === -108 || code === -118) return "invalid-phone";
  if (code === -124 || code === -216) return "token-expired";
  if (code === -144 || code === -1144 || code === -139) return "quota-exceeded";
  if (code === -131 || code === -132 || code === -137) return "template";
  return "other";
}

/** Our E.164 phone (+84…) to the form ZNS takes (84…, no plus). Undefined when it is not a Vietnamese number. */
export function znsPhone(e164: string): string | undefined {
  const digits = e164.replace(/^\+/, "");
  return /^84[1-9]\d{8,9}$/.test(digits) ? digits : undefined;
}

export interface ZnsSendOk {
  ok: true;
  msgId: string;
  /** The OA's remaining daily quota, when Zalo reports it. */
  remainingQuota?: number;
}

export interface ZnsSendError {
  ok: false;
  kind: ZnsErrorKind | "http" | "network";
  code?: number;
  message: string;
}

/** One ZNS call (no retries: the delivery queue retries). */
export async function sendZnsTemplate(
  o: ZnsSenderOptions,
  token: string,
  phone: string,
  t: NonNullable<OutgoingMessage["template"]>,
): Promise<ZnsSendOk | ZnsSendError> {
  const body = {
    phone,
    template_id: t.templateId,
    template_data: t.data,
    tracking_id: t.trackingId,
    ...(t.mode === "development" ? { mode: "development" } : {}),
  };
  let res: { status: number; text(): Promise<string> };
  try {
    res = await o.fetch(`${o.apiRoot ?? ZNS_API_ROOT}/message/template`, {
      method: "POST",
      headers: { "content-type": "application/json", access_token: token },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
    });
  } catch (err) {
    return { ok: false, kind: "network", message: err instanceof Error ? err.message : String(err) };
  }
  let json: { error?: unknown; message?: unknown; data?: { msg_id?: unknown; quota?: { remainingQuota?: unknown } } };
  try {
    json = JSON.parse(await res.text()) as typeof json;
  } catch {
    return { ok: false, kind: "http", message: `HTTP ${res.status}, not JSON` };
  }
  if (json.error === 0 && json.data?.msg_id !== undefined) {
    const remaining = Number(json.data.quota?.remainingQuota);
    return {
      ok: true,
      msgId: String(json.data.msg_id),
      ...(Number.isFinite(remaining) ? { remainingQuota: remaining } : {}),
    };
  }
  const code = typeof json.error === "number" ? json.error : Number(json.error);
  if (!Number.isFinite(code)) return { ok: false, kind: "http", message: `HTTP ${res.status}` };
  return { ok: false, kind: znsErrorKind(code), code, message: String(json.message ?? "") };
}

/** Maps a ZNS answer to the delivery queue's outcome. */
export function znsResult(r: ZnsSendOk | ZnsSendError): SendResult {
  if (r.ok) return { ok: true, messageId: r.msgId };
  const error = `zns ${r.kind}${r.code !== undefined ? ` (${r.code})` : ""}: ${r.message}`.trim();
  switch (r.kind) {
    case "invalid-phone":
      // Not a Zalo user / not a phone: counted `blocked` like an unreachable chat, never retried.
      return { ok: false, reason: "blocked", error };
    case "template":
      return { ok: false, reason: "failed", error, permanent: true };
    case "quota-exceeded":
      // Zalo's own daily quota is spent: retrying today cannot help (our `dailyQuota` setting should stop us first).
      return { ok: false, reason: "failed", error, permanent: true };
    default:
      // token-expired: retried with backoff (a refreshed token may be in place by then); http/network/other too.
      return { ok: false, reason: "failed", error };
  }
}

/** The delivery queue's sender for the `zns` channel: `chatId` is the member's phone (E.164). */
export function createZnsSender(o: ZnsSenderOptions): ChannelSender {
  return {
    channel: "zns",
    broadcastRate: o.broadcastRate ?? 10,
    async send(merchantId, chatId, message): Promise<SendResult> {
      if (!message.template) return { ok: false, reason: "failed", error: "zns: no template", permanent: true };
      const phone = znsPhone(chatId);
      if (!phone) return { ok: false, reason: "blocked", error: "zns invalid-phone: not a Vietnamese number" };
      const token = await o.accessToken(merchantId);
      if (!token) return { ok: false, reason: "failed", error: "zns: no access token configured", permanent: true };
      return znsResult(await sendZnsTemplate(o, token, phone, message.template));
    },
  };
}

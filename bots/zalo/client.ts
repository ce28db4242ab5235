// A small typed client for the Zalo Bot Platform over fetch.
// Web-standard only (no node: imports): runs on Node and Cloudflare Workers.
import type { z } from "zod";
import {
  parseZaloUpdate,
  ZALO_TEXT_LIMIT,
  ZaloBotInfoSchema,
  ZaloEnvelopeSchema,
  ZaloSentMessageSchema,
  ZaloWebhookInfoSchema,
} from "./types.ts";
import type {
  ZaloBotInfo,
  ZaloGetUpdatesParams,
  ZaloSendChatActionParams,
  ZaloSendMessageParams,
  ZaloSendPhotoParams,
  ZaloSentMessage,
  ZaloSetWebhookParams,
  ZaloUpdate,
  ZaloWebhookInfo,
} from "./types.ts";
import { splitText } from "../core/split-text.ts";
import {
  type FetchLike,
  parseJson,
  ZaloHttp,
  type ZaloHttpResponse,
  type ZaloTransport,
  ZaloTransportError,
  zaloTransport,
} from "../../src/channels/zalo-http.ts";

export type { FetchLike };

export const ZALO_DEFAULT_API_ROOT = "https://bot-api.zaloplatforms.com";

export interface ZaloRetryInfo {
  method: string;
  /** 1 for the first retry. */
  attempt: number;
  /** How long the client waits before retrying. */
  delayMs: number;
  error: ZaloApiError;
}

export interface ZaloClientOptions {
  /** `<bot_id>:<secret>`. Never logged; redacted from every error message. */
  token: string;
  /** Default `https://bot-api.zaloplatforms.com` (ZALO_API_ROOT). */
  apiRoot?: string;
  /** A fetch to use (tests); wrapped as the fetch transport. */
  fetch?: FetchLike;
  /** The HTTP transport (src/channels/zalo-http.ts); default: the runtime's (undici pool on Node, fetch elsewhere). */
  transport?: ZaloTransport;
  /** Retries after 5xx / network errors (default 3, so at most 4 attempts); 429s too unless `rateLimitRetries`. */
  maxRetries?: number;
  /**
   * Retries after 429 (default: `maxRetries`). Interactive replies pass Infinity with an unbounded
   * `maxRateLimitDelaySeconds`: a reply is never lost to a rate limit, it waits as long as the platform says.
   */
  rateLimitRetries?: number;
  /** Longest retry_after waited for (default: `maxRetryDelaySeconds`). */
  maxRateLimitDelaySeconds?: number;
  /**
   * Longest wait the client accepts before a retry (default 30 s). A 429 whose retry_after
   * is longer is not waited for: the ZaloApiError (with `retryAfter`) is thrown at once so
   * the caller can reschedule. Exponential 5xx backoff is capped at this value.
   */
  maxRetryDelaySeconds?: number;
  /** First backoff step for 5xx / network errors (default 500 ms, doubling). */
  retryBaseDelayMs?: number;
  /** Per-attempt timeout (default 30 s; getUpdates uses its poll timeout + 10 s). */
  timeoutMs?: number;
  /** Called before each retry wait (e.g. to pause a broadcast pacer on 429). */
  onRetry?: (info: ZaloRetryInfo) => void;
  /** Injectable sleep (tests). */
  sleep?: (ms: number) => Promise<void>;
}

export type ZaloErrorKind = "api" | "network" | "timeout" | "invalid_response" | "invalid_request";

export interface ZaloApiErrorInit {
  method: string;
  errorCode: number;
  description: string;
  httpStatus?: number;
  retryAfter?: number;
  blocked?: boolean;
  kind?: ZaloErrorKind;
}

/** Every failure of the client. Messages never contain the bot token. */
export class ZaloApiError extends Error {
  readonly method: string;
  /** `error_code` from the body; else the HTTP status; 0 for network/timeout errors. */
  readonly errorCode: number;
  readonly description: string;
  readonly httpStatus: number | undefined;
  /** Seconds to wait, for 429. */
  readonly retryAfter: number | undefined;
  /** 403: the user blocked the bot / the chat is unreachable (not retried). */
  readonly blocked: boolean;
  readonly kind: ZaloErrorKind;

  constructor(init: ZaloApiErrorInit) {
    super(`Zalo ${init.method} failed (${init.errorCode}): ${init.description}`);
    this.name = "ZaloApiError";
    this.method = init.method;
    this.errorCode = init.errorCode;
    this.description = init.description;
    this.httpStatus = init.httpStatus;
    this.retryAfter = init.retryAfter;
    this.blocked = init.blocked ?? false;
    this.kind = init.kind ?? "api";
  }

  get isRateLimited(): boolean {
    return this.errorCode === 429 || this.httpStatus === 429;
  }

  /** True for 5xx, network errors and timeouts. */
  get isTransient(): boolean {
    return this.kind === "network" || this.kind === "timeout" || this.errorCode >= 500 || (this.httpStatus ?? 0) >= 500;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ZaloClient {
  readonly apiRoot: string;
  readonly #token: string;
  readonly #http: ZaloHttp;
  readonly #maxRetries: number;
  readonly #maxRetryDelayMs: number;
  readonly #rateLimitRetries: number;
  readonly #maxRateLimitDelayMs: number;
  readonly #baseDelayMs: number;
  readonly #timeoutMs: number;
  readonly #onRetry: ((info: ZaloRetryInfo) => void) | undefined;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: ZaloClientOptions) {
    if (!options.token) throw new Error("ZaloClient: token is required");
    this.#token = options.token;
    this.apiRoot = (options.apiRoot ?? ZALO_DEFAULT_API_ROOT).replace(/\/+$/, "");
    this.#http = new ZaloHttp(zaloTransport(options));
    this.#maxRetries = Math.max(0, options.maxRetries ?? 3);
    this.#maxRetryDelayMs = Math.max(0, options.maxRetryDelaySeconds ?? 30) * 1000;
    this.#rateLimitRetries = Math.max(0, options.rateLimitRetries ?? this.#maxRetries);
    this.#maxRateLimitDelayMs =
      options.maxRateLimitDelaySeconds === undefined
        ? this.#maxRetryDelayMs
        : Math.max(0, options.maxRateLimitDelaySeconds) * 1000;
    this.#baseDelayMs = options.retryBaseDelayMs ?? 500;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#onRetry = options.onRetry;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** The bot id (the part of the token before ":"), safe to log. */
  get botId(): string {
    return this.#token.split(":")[0] ?? "";
  }

  /** Replaces the token (and its secret part) in any text. */
  redact(text: string): string {
    return redactToken(text, this.#token);
  }

  // ---- methods ------------------------------------------------------------------

  async getMe(): Promise<ZaloBotInfo> {
    return this.#parse("getMe", ZaloBotInfoSchema, await this.call("getMe"));
  }

  async setWebhook(params: ZaloSetWebhookParams): Promise<ZaloWebhookInfo> {
    if (params.secret_token.length < 8 || params.secret_token.length > 256) {
      throw invalidRequest("setWebhook", "secret_token must be 8-256 characters");
    }
    if (!/^https:\/\//i.test(params.url)) throw invalidRequest("setWebhook", "url must be an HTTPS URL");
    return this.#parse("setWebhook", ZaloWebhookInfoSchema, await this.call("setWebhook", { ...params }));
  }

  /** Documented to answer `{url:"", updated_at}`; a bare `true` is accepted too. */
  async deleteWebhook(): Promise<ZaloWebhookInfo> {
    const result = await this.call("deleteWebhook");
    if (result === true || result === undefined) return { url: "" };
    return this.#parse("deleteWebhook", ZaloWebhookInfoSchema, result);
  }

  async getWebhookInfo(): Promise<ZaloWebhookInfo> {
    return this.#parse("getWebhookInfo", ZaloWebhookInfoSchema, await this.call("getWebhookInfo"));
  }

  /**
   * Long polling (only while no webhook is set). Zalo answers ONE update per call and
   * error_code 408 when nothing arrived within `timeout` seconds: that gives `[]`.
   * Updates that do not parse are dropped.
   */
  async getUpdates(params: ZaloGetUpdatesParams = {}): Promise<ZaloUpdate[]> {
    const timeout = params.timeout ?? 30;
    let result: unknown;
    try {
      result = await this.call("getUpdates", { timeout: String(timeout) }, { timeoutMs: timeout * 1000 + 10_000 });
    } catch (err) {
      if (err instanceof ZaloApiError && (err.errorCode === 408 || err.httpStatus === 408)) return [];
      throw err;
    }
    const items = Array.isArray(result) ? result : result == null ? [] : [result];
    const updates: ZaloUpdate[] = [];
    for (const item of items) {
      const u = parseZaloUpdate(item);
      if (u) updates.push(u);
    }
    return updates;
  }

  async sendMessage(params: ZaloSendMessageParams): Promise<ZaloSentMessage> {
    if (params.text.length === 0 || params.text.length > ZALO_TEXT_LIMIT) {
      throw invalidRequest("sendMessage", `text must be 1-${ZALO_TEXT_LIMIT} characters (use splitText)`);
    }
    return this.#parse("sendMessage", ZaloSentMessageSchema, await this.call("sendMessage", { ...params }));
  }

  /** Sends any length of text as several messages split at natural boundaries. */
  async sendLongText(chat_id: string, text: string): Promise<ZaloSentMessage[]> {
    const sent: ZaloSentMessage[] = [];
    for (const part of splitText(text, ZALO_TEXT_LIMIT)) sent.push(await this.sendMessage({ chat_id, text: part }));
    return sent;
  }

  async sendPhoto(params: ZaloSendPhotoParams): Promise<ZaloSentMessage> {
    if (!/^https?:\/\//i.test(params.photo)) throw invalidRequest("sendPhoto", "photo must be an absolute http(s) URL");
    if (params.caption !== undefined && params.caption.length > ZALO_TEXT_LIMIT) {
      throw invalidRequest("sendPhoto", `caption must be at most ${ZALO_TEXT_LIMIT} characters`);
    }
    const body: Record<string, unknown> = { chat_id: params.chat_id, photo: params.photo };
    if (params.caption) body.caption = params.caption;
    return this.#parse("sendPhoto", ZaloSentMessageSchema, await this.call("sendPhoto", body));
  }

  /** Answers `{ "ok": true }` without a result. */
  async sendChatAction(params: ZaloSendChatActionParams): Promise<true> {
    await this.call("sendChatAction", { ...params });
    return true;
  }

  // ---- transport ------------------------------------------------------------------

  /**
   * Calls any method and returns the raw `result`, with the retry policy:
   * 429 → wait retry_after (if ≤ the rate-limit delay cap) and retry, up to `rateLimitRetries` times;
   * 5xx / network → backoff and retry, up to `maxRetries` times; 403 → `blocked` error, not retried; other errors →
   * thrown at once.
   */
  async call(
    method: string,
    params: Record<string, unknown> = {},
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    let limited = 0;
    let failed = 0;
    for (let attempt = 0; ; attempt++) {
      let error: ZaloApiError;
      try {
        return await this.#once(method, params, options);
      } catch (err) {
        if (!(err instanceof ZaloApiError)) throw err;
        error = err;
      }
      if (options.signal?.aborted) throw error;
      let delayMs: number;
      if (error.isRateLimited) {
        delayMs = (error.retryAfter ?? 1) * 1000;
        if (limited++ >= this.#rateLimitRetries || delayMs > this.#maxRateLimitDelayMs) throw error;
      } else if (error.isTransient) {
        if (failed >= this.#maxRetries) throw error;
        delayMs = Math.min(this.#maxRetryDelayMs, this.#baseDelayMs * 2 ** failed++);
      } else {
        throw error;
      }
      this.#onRetry?.({ method, attempt: attempt + 1, delayMs, error });
      await this.#sleep(delayMs);
    }
  }

  async #once(
    method: string,
    params: Record<string, unknown>,
    options: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<unknown> {
    const url = `${this.apiRoot}/bot${this.#token}/${method}`;
    let res: ZaloHttpResponse;
    try {
      res = await this.#http.postJson(url, params, {
        timeoutMs: options.timeoutMs ?? this.#timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (!(err instanceof ZaloTransportError)) throw err;
      throw new ZaloApiError({ method, errorCode: 0, description: this.redact(err.message), kind: err.kind });
    }
    const text = res.text;
    const response = { status: res.status, ok: res.status >= 200 && res.status < 300 };
    const json = parseJson(text);
    const envelope = ZaloEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      throw new ZaloApiError({
        method,
        errorCode: response.status,
        httpStatus: response.status,
        description: this.redact(
          `unexpected ${response.ok ? "" : `HTTP ${response.status} `}response: ${text.slice(0, 200) || "(empty)"}`,
        ),
        kind: response.status >= 400 ? "api" : "invalid_response",
      });
    }
    const body = envelope.data;
    if (body.ok && response.ok) return body.result;

    const errorCode = body.error_code ?? (response.ok ? 0 : response.status);
    const rateLimited = errorCode === 429 || response.status === 429;
    let retryAfter: number | undefined;
    if (rateLimited) {
      const header = Number(res.header("retry-after"));
      retryAfter = body.parameters?.retry_after ?? (Number.isFinite(header) && header > 0 ? header : 1);
    }
    const description = this.redact(body.description ?? `HTTP ${response.status}`);
    const blocked = errorCode === 403 || response.status === 403;
    throw new ZaloApiError({
      method,
      errorCode,
      httpStatus: response.status,
      description,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
      blocked,
    });
  }

  #parse<S extends z.ZodType>(method: string, schema: S, result: unknown): z.output<S> {
    const parsed = schema.safeParse(result);
    if (!parsed.success) {
      throw new ZaloApiError({
        method,
        errorCode: 0,
        description: this.redact(
          `unexpected result shape: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        ),
        kind: "invalid_response",
      });
    }
    return parsed.data;
  }

  /** Keeps the token out of console.log / JSON dumps. */
  toJSON(): Record<string, string> {
    return { apiRoot: this.apiRoot, botId: this.botId };
  }
}

function invalidRequest(method: string, description: string): ZaloApiError {
  return new ZaloApiError({ method, errorCode: 400, description, kind: "invalid_request" });
}

/** Replaces a bot token (whole, URL-encoded, and its secret part) with `<redacted>`. */
export function redactToken(text: string, token: string): string {
  if (!token) return text;
  const needles = new Set<string>([token, encodeURIComponent(token)]);
  const secret = token.slice(token.indexOf(":") + 1);
  if (secret.length >= 6 && secret !== token) {
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
  }
  let out = text;
  for (const n of [...needles].sort((a, b) => b.length - a.length)) out = out.split(n).join("<redacted>");
  return out;
}

/**
 * The Zalo Official Account Open API v3 client over the shared Zalo transport. Zalo answers most failures with
 * HTTP 200 and a non-zero `error`, so success is `error === 0` only. An expired access token (-216, or -220 ◐) is
 * refreshed through the token store and the call retried once. Sends are never retried otherwise (a retried POST
 * could deliver twice).
 */
import { parseJson, type ZaloHttp, ZaloTransportError } from "../channels/zalo-http.ts";
import type { OaTokenStore } from "./tokens.ts";

export const ZALO_OA_DEFAULT_API_ROOT = "https://openapi.zalo.me";
/** Longest text of one CS message (◐ 2000 characters, as on the Bot Platform). */
export const ZALO_OA_TEXT_LIMIT = 2000;

/** Error codes meaning "the access token expired or is invalid" (-216 ✔; -220 seen in some SDKs ◐). */
const EXPIRED_TOKEN = new Set([-216, -220]);
/** The user does not follow the OA / blocked it (◐): the chat is unreachable. */
const NOT_FOLLOWER = new Set([-213, -201_213]);
/** Outside the interaction window / no proactive quota left on Zalo's side (◐). */
const OUT_OF_WINDOW = new Set([-230, -232]);

export type OaErrorKind = "api" | "network" | "timeout" | "invalid_response" | "auth";

export class OaApiError extends Error {
  readonly path: string;
  /** Zalo's `error` (negative), the HTTP status for a non-JSON answer, 0 for network errors. */
  readonly code: number;
  readonly httpStatus: number | undefined;
  readonly kind: OaErrorKind;
  constructor(init: { path: string; code: number; description: string; httpStatus?: number; kind?: OaErrorKind }) {
    super(`Zalo OA ${init.path} failed (${init.code}): ${init.description}`);
    this.name = "OaApiError";
    this.path = init.path;
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.kind = init.kind ?? "api";
  }
  get notFollower(): boolean {
    return NOT_FOLLOWER.has(this.code);
  }
  get outOfWindow(): boolean {
    return OUT_OF_WINDOW.has(this.code);
  }
  get isRateLimited(): boolean {
    return this.httpStatus === 429;
  }
}

export interface ZaloOaClientOptions {
  apiRoot: string;
  http: ZaloHttp;
  tokens: Pick<OaTokenStore, "accessToken" | "refresh">;
  timeoutMs?: number;
}

export class ZaloOaClient {
  readonly apiRoot: string;
  readonly #o: ZaloOaClientOptions;

  constructor(opts: ZaloOaClientOptions) {
    this.#o = opts;
    this.apiRoot = opts.apiRoot.replace(/\/+$/, "");
  }

  /** A customer-service text message. Returns Zalo's message id. */
  async sendText(userId: string, text: string): Promise<{ messageId: string | undefined }> {
    if (text.length === 0 || text.length > ZALO_OA_TEXT_LIMIT) {
      throw new OaApiError({
        path: "/v3.0/oa/message/cs",
        code: 400,
        description: `text must be 1-${ZALO_OA_TEXT_LIMIT} characters (use splitText)`,
        kind: "invalid_response",
      });
    }
    const data = await this.post("/v3.0/oa/message/cs", { recipient: { user_id: userId }, message: { text } });
    const id = (data as { message_id?: unknown } | undefined)?.message_id;
    return { messageId: id === undefined ? undefined : String(id) };
  }

  /** POSTs to the Open API with the access token; returns `data` of an `error === 0` answer. */
  async post(path: string, body: unknown): Promise<unknown> {
    let token = await this.#o.tokens.accessToken();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(path, body, token);
      } catch (err) {
        if (!(err instanceof OaApiError) || !EXPIRED_TOKEN.has(err.code) || attempt > 0) throw err;
        token = await this.#o.tokens.refresh(token);
      }
    }
  }

  async #once(path: string, body: unknown, token: string): Promise<unknown> {
    let status: number;
    let text: string;
    try {
      const res = await this.#o.http.postJson(`${this.apiRoot}${path}`, body, {
        headers: { access_token: token },
        timeoutMs: this.#o.timeoutMs ?? 15_000,
      });
      status = res.status;
      text = res.text;
    } catch (err) {
      if (!(err instanceof ZaloTransportError)) throw err;
      throw new OaApiError({ path, code: 0, description: err.message, kind: err.kind });
    }
    const json = parseJson(text) as { error?: unknown; message?: unknown; data?: unknown } | undefined;
    if (!json || typeof json !== "object" || typeof json.error !== "number") {
      throw new OaApiError({
        path,
        code: status,
        httpStatus: status,
        description: `unexpected HTTP ${status} response: ${text.slice(0, 200) || "(empty)"}`,
        kind: status >= 400 ? "api" : "invalid_response",
      });
    }
    if (json.error === 0 && status < 400) return json.data;
    throw new OaApiError({
      path,
      code: json.error,
      httpStatus: status,
      description: typeof json.message === "string" ? json.message : `HTTP ${status}`,
    });
  }

  toJSON(): Record<string, string> {
    return { apiRoot: this.apiRoot };
  }
}

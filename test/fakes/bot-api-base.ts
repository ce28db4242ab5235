// Shared machinery of the fake Telegram and Zalo Bot API servers:
// routing `/bot<token>/<method>`, body parsing, the `{ ok, result }` envelope,
// call recording, programmed failures, blocked chats, rate enforcement and latency.
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyParseError, delay, parseParams, readRawBody, Recorder, sendJson, startHttpServer } from "./http.ts";
import type { StartedHttpServer } from "./http.ts";

export interface BotApiErrorBody {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** Why the fake answered the way it did (handy in assertions). */
export type CallOutcome =
  | "ok"
  | "unauthorized"
  | "not_found"
  | "bad_request"
  | "injected"
  | "blocked"
  | "rate_limited"
  | "error";

export interface BotApiCall {
  method: string;
  payload: Record<string, unknown>;
  /** Arrival time, `now()` in ms. */
  at: number;
  token: string;
  httpMethod: string;
  /** HTTP status the fake answered with. */
  status: number;
  ok: boolean;
  outcome: CallOutcome;
  result?: unknown;
  error?: BotApiErrorBody;
  /** `String(payload.chat_id)` when present. */
  chatId?: string;
}

/** Throw from a method handler to answer `{ ok:false, error_code: status, description }`. */
export class BotApiError extends Error {
  readonly status: number;
  readonly description: string;
  readonly parameters: BotApiErrorBody["parameters"];
  constructor(status: number, description: string, parameters?: BotApiErrorBody["parameters"]) {
    super(description);
    this.name = "BotApiError";
    this.status = status;
    this.description = description;
    this.parameters = parameters;
  }
}

export interface FailNextOptions {
  /** HTTP status and error_code (e.g. 429, 500, 502, 403, 400). */
  status: number;
  /** For 429: `parameters.retry_after` in seconds (default 1). */
  retryAfter?: number;
  description?: string;
  /** error_code in the body when it should differ from the HTTP status. */
  errorCode?: number;
  /** How many matching calls fail (default 1). */
  times?: number;
  /** Only calls for this chat fail. */
  chatId?: string | number;
}

export interface RateLimitOptions {
  /** Max successful counted calls across the bot in any sliding window. */
  perSecond?: number;
  /** Max successful counted calls per chat in any sliding window. */
  perChatPerSecond?: number;
  /** Window length, default 1000 ms. */
  windowMs?: number;
  /** Which methods count. Default: send*, copy*, forward* except sendChatAction. */
  methods?: readonly string[] | ((method: string) => boolean);
}

export type Latency = number | { min: number; max: number };

export interface BotApiFakeOptions {
  /** Accepted tokens (more can be added with addToken). */
  tokens?: readonly string[];
  /** Accept every token that looks like `<digits>:<secret>`. */
  acceptAnyToken?: boolean;
  /** Artificial latency before every answer. */
  latency?: Latency;
  /** Clock used for `at` and rate windows. Default Date.now. */
  now?: () => number;
  /** Upper bound for a long-poll wait (getUpdates `timeout`), default 30 s. */
  maxLongPollMs?: number;
}

export interface HandlerContext {
  token: string;
  method: string;
  payload: Record<string, unknown>;
  chatId: string | undefined;
  now: number;
  /** Aborted when the server closes (for long polls). */
  signal: AbortSignal;
}

export type MethodHandler = (ctx: HandlerContext) => unknown;

export interface StartedFake {
  /** API root to hand to a client, e.g. grammY `client: { apiRoot: url }`. */
  url: string;
  close(): Promise<void>;
}

interface PendingFailure extends FailNextOptions {
  method: string;
  remaining: number;
}

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden: bot was blocked by the user",
  404: "Not Found",
  409: "Conflict",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function defaultDescription(status: number, retryAfter?: number): string {
  if (status === 429) return `Too Many Requests: retry after ${retryAfter ?? 1}`;
  return DEFAULT_DESCRIPTIONS[status] ?? `Error ${status}`;
}

function defaultCountedMethod(method: string): boolean {
  return /^(send|copy|forward)/.test(method) && method !== "sendChatAction";
}

/** Drops timestamps `<= from` (kept sorted by arrival). */
function pruneInPlace(list: number[], from: number): void {
  let n = 0;
  while (n < list.length && (list[n] ?? 0) <= from) n++;
  if (n > 0) list.splice(0, n);
}

export function asString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return undefined;
}

export abstract class BotApiFakeBase {
  readonly calls = new Recorder<BotApiCall>();
  /** 429s produced by `enforceRate` (not the ones from failNext). */
  rateLimitHits = 0;
  url = "";

  protected readonly now: () => number;
  protected readonly tokens = new Set<string>();
  protected readonly acceptAnyToken: boolean;
  protected readonly maxLongPollMs: number;
  protected readonly abort = new AbortController();
  protected latency: Latency;

  private readonly handlers = new Map<string, MethodHandler>();
  private failures: PendingFailure[] = [];
  private readonly blocked = new Set<string>();
  private rate: (Required<Omit<RateLimitOptions, "methods">> & { counts: (m: string) => boolean }) | undefined;
  private readonly globalSends: number[] = [];
  private readonly chatSends = new Map<string, number[]>();
  private started: StartedHttpServer | undefined;
  private readonly changeListeners = new Set<() => void>();

  constructor(options: BotApiFakeOptions, defaultToken: string) {
    this.now = options.now ?? Date.now;
    for (const t of options.tokens ?? [defaultToken]) this.tokens.add(t);
    this.acceptAnyToken = options.acceptAnyToken ?? false;
    this.latency = options.latency ?? 0;
    this.maxLongPollMs = options.maxLongPollMs ?? 30_000;
  }

  /** Body of the error envelope; platforms may extend it. */
  protected errorBody(
    status: number,
    description: string,
    parameters?: BotApiErrorBody["parameters"],
  ): BotApiErrorBody {
    const body: BotApiErrorBody = { ok: false, error_code: status, description };
    if (parameters) body.parameters = parameters;
    return body;
  }

  /** Platform hook: turn form strings into structured values etc. */
  protected normalizePayload(_method: string, payload: Record<string, unknown>): Record<string, unknown> {
    return payload;
  }

  /** Fallback for methods without a handler: record and answer `true`. */
  protected fallback(_ctx: HandlerContext): unknown {
    return true;
  }

  // ---- lifecycle -------------------------------------------------------

  async start(): Promise<StartedFake> {
    if (this.started) return { url: this.url, close: () => this.close() };
    this.started = await startHttpServer((req, res) => this.dispatch(req, res));
    this.url = this.started.url;
    return { url: this.url, close: () => this.close() };
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.notifyChange();
    await this.started?.close();
  }

  /** Same as `url`. */
  get apiRoot(): string {
    return this.url;
  }

  // ---- programming -----------------------------------------------------

  /** Adds or replaces a method handler. */
  handle(method: string, handler: MethodHandler): this {
    this.handlers.set(method, handler);
    return this;
  }

  addToken(token: string): this {
    this.tokens.add(token);
    return this;
  }

  /** The next matching call(s) of `method` (or "*" for any method) fail. */
  failNext(method: string, options: FailNextOptions): this {
    this.failures.push({ ...options, method, remaining: options.times ?? 1 });
    return this;
  }

  /** Calls carrying this chat_id answer 403 `Forbidden: bot was blocked by the user`. */
  blockChat(chatId: string | number): this {
    this.blocked.add(String(chatId));
    return this;
  }

  unblockChat(chatId: string | number): this {
    this.blocked.delete(String(chatId));
    return this;
  }

  /** Turn on rate enforcement (sliding window over successful counted calls); `undefined` turns it off. */
  enforceRate(options: RateLimitOptions | undefined): this {
    if (!options) {
      this.rate = undefined;
      return this;
    }
    const methods = options.methods;
    this.rate = {
      perSecond: options.perSecond ?? Number.POSITIVE_INFINITY,
      perChatPerSecond: options.perChatPerSecond ?? Number.POSITIVE_INFINITY,
      windowMs: options.windowMs ?? 1000,
      counts:
        methods === undefined
          ? defaultCountedMethod
          : typeof methods === "function"
            ? methods
            : (m: string) => methods.includes(m),
    };
    this.globalSends.length = 0;
    this.chatSends.clear();
    return this;
  }

  setLatency(latency: Latency): this {
    this.latency = latency;
    return this;
  }

  /** Forget calls, failures, blocks, rate state and counters (handlers and tokens stay). */
  reset(): void {
    this.calls.clear();
    this.failures = [];
    this.blocked.clear();
    this.rate = undefined;
    this.globalSends.length = 0;
    this.chatSends.clear();
    this.rateLimitHits = 0;
    this.latency = 0;
    this.resetState();
  }

  /** Platform state reset (messages, webhook, update queue). */
  protected resetState(): void {}

  // ---- inspection ------------------------------------------------------

  /** All recorded calls, optionally of one method. */
  callsOf(method?: string): BotApiCall[] {
    return method === undefined ? [...this.calls.items] : this.calls.items.filter((c) => c.method === method);
  }

  /** Successful calls, optionally of one method. */
  succeeded(method?: string): BotApiCall[] {
    return this.callsOf(method).filter((c) => c.ok);
  }

  /** Every 429 answered (enforced or injected). */
  count429(): number {
    return this.calls.items.filter((c) => c.status === 429).length;
  }

  /** Resolves with the first recorded call (past or future) matching the predicate. */
  waitFor(predicate: (call: BotApiCall) => boolean, timeoutMs = 2000): Promise<BotApiCall> {
    return this.calls.waitFor(
      predicate,
      timeoutMs,
      () => this.calls.items.map((c) => `${c.method}:${c.status}`).join(", ") || "nothing",
    );
  }

  /** Waits until `count` calls match (already recorded ones included). */
  async waitForCount(predicate: (call: BotApiCall) => boolean, count: number, timeoutMs = 2000): Promise<BotApiCall[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.calls.items.filter(predicate);
      if (matching.length >= count) return matching;
      if (Date.now() >= deadline) {
        throw new Error(`waitForCount: ${matching.length}/${count} matching calls after ${timeoutMs} ms`);
      }
      await delay(5);
    }
  }

  // ---- long-poll helpers for subclasses -----------------------------------

  protected notifyChange(): void {
    for (const l of [...this.changeListeners]) l();
  }

  /** Requests waiting in waitChange (e.g. a getUpdates long poll): tests wait for one instead of sleeping. */
  get waitingRequests(): number {
    return this.changeListeners.size;
  }

  /** Resolves after `ms`, on notifyChange(), or when the server closes. */
  protected waitChange(ms: number): Promise<void> {
    if (ms <= 0 || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.changeListeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.changeListeners.add(done);
    });
  }

  // ---- request pipeline -------------------------------------------------

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const at = this.now();
    const match = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
    const raw = await readRawBody(req);
    if (!match) {
      sendJson(res, 404, this.errorBody(404, "Not Found"));
      return;
    }
    const token = decodeURIComponent(match[1] ?? "");
    const method = match[2] ?? "";
    const httpMethod = req.method ?? "GET";

    let payload: Record<string, unknown> = {};
    let answer: { status: number; outcome: CallOutcome; result?: unknown; error?: BotApiErrorBody };
    try {
      payload = await parseParams(req, raw, url);
      payload = this.normalizePayload(method, payload);
      answer = await this.decide(token, method, payload, at);
    } catch (err) {
      if (err instanceof BodyParseError) {
        answer = { status: 400, outcome: "bad_request", error: this.errorBody(400, `Bad Request: ${err.message}`) };
      } else if (err instanceof BotApiError) {
        answer = { status: err.status, outcome: "bad_request", error: this.errorBody(err.status, err.description) };
      } else {
        throw err;
      }
    }
    const chatId = asString(payload.chat_id);
    const call: BotApiCall = {
      method,
      payload,
      at,
      token,
      httpMethod,
      status: answer.status,
      ok: answer.error === undefined,
      outcome: answer.outcome,
      ...(chatId !== undefined ? { chatId } : {}),
      ...(answer.error ? { error: answer.error } : { result: answer.result }),
    };
    this.calls.push(call);
    await delay(this.pickLatency(), this.abort.signal);
    if (res.destroyed) return;
    if (answer.error) {
      sendJson(res, answer.status, answer.error);
    } else {
      sendJson(res, answer.status, { ok: true, result: answer.result });
    }
  }

  private pickLatency(): number {
    const l = this.latency;
    if (typeof l === "number") return l;
    return l.min + Math.random() * Math.max(0, l.max - l.min);
  }

  private tokenAccepted(token: string): boolean {
    if (this.tokens.has(token)) return true;
    return this.acceptAnyToken && /^\d+:[A-Za-z0-9_-]+$/.test(token);
  }

  private async decide(
    token: string,
    method: string,
    payload: Record<string, unknown>,
    at: number,
  ): Promise<{ status: number; outcome: CallOutcome; result?: unknown; error?: BotApiErrorBody }> {
    if (!this.tokenAccepted(token)) {
      return { status: 401, outcome: "unauthorized", error: this.errorBody(401, "Unauthorized") };
    }
    const chatId = asString(payload.chat_id);

    // 1. programmed failures
    const idx = this.failures.findIndex(
      (f) => (f.method === method || f.method === "*") && (f.chatId === undefined || String(f.chatId) === chatId),
    );
    const failure = idx >= 0 ? this.failures[idx] : undefined;
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.failures.splice(idx, 1);
      const status = failure.status;
      const retryAfter = status === 429 ? Math.max(1, Math.ceil(failure.retryAfter ?? 1)) : undefined;
      const description = failure.description ?? defaultDescription(status, retryAfter);
      return {
        status,
        outcome: "injected",
        error: this.errorBody(
          failure.errorCode ?? status,
          description,
          retryAfter !== undefined ? { retry_after: retryAfter } : undefined,
        ),
      };
    }

    // 2. rate enforcement (sliding window over successful counted calls)
    const counted = this.rate?.counts(method);
    if (this.rate && counted) {
      const retryAfter = this.checkRate(chatId, at);
      if (retryAfter !== undefined) {
        this.rateLimitHits += 1;
        return {
          status: 429,
          outcome: "rate_limited",
          error: this.errorBody(429, defaultDescription(429, retryAfter), { retry_after: retryAfter }),
        };
      }
    }

    // 3. blocked chats
    if (chatId !== undefined && this.blocked.has(chatId)) {
      return { status: 403, outcome: "blocked", error: this.errorBody(403, "Forbidden: bot was blocked by the user") };
    }

    // 4. the method itself; the rate slot is reserved before any await and released on failure
    const handler = this.handlers.get(method);
    const ctx: HandlerContext = { token, method, payload, chatId, now: at, signal: this.abort.signal };
    const release = counted ? this.recordSend(chatId, at) : () => {};
    try {
      const result = handler ? await handler(ctx) : this.fallback(ctx);
      return { status: 200, outcome: "ok", result };
    } catch (err) {
      release();
      if (err instanceof BotApiError) {
        return {
          status: err.status,
          outcome: err.status === 400 ? "bad_request" : "error",
          error: this.errorBody(err.status, err.description, err.parameters),
        };
      }
      throw err;
    }
  }

  private checkRate(chatId: string | undefined, at: number): number | undefined {
    const rate = this.rate;
    if (!rate) return undefined;
    const from = at - rate.windowMs;
    pruneInPlace(this.globalSends, from);
    let exceeded = false;
    let waitMs = 0;
    if (this.globalSends.length >= rate.perSecond) {
      exceeded = true;
      const freeing = this.globalSends[this.globalSends.length - rate.perSecond] ?? at;
      waitMs = Math.max(waitMs, freeing + rate.windowMs - at);
    }
    if (chatId !== undefined) {
      const list = this.chatSends.get(chatId);
      if (list) {
        pruneInPlace(list, from);
        if (list.length >= rate.perChatPerSecond) {
          exceeded = true;
          const freeing = list[list.length - rate.perChatPerSecond] ?? at;
          waitMs = Math.max(waitMs, freeing + rate.windowMs - at);
        }
      }
    }
    if (!exceeded) return undefined;
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  private recordSend(chatId: string | undefined, at: number): () => void {
    if (!this.rate) return () => {};
    const globalList = this.globalSends;
    globalList.push(at);
    let chatList: number[] | undefined;
    if (chatId !== undefined) {
      chatList = this.chatSends.get(chatId) ?? [];
      chatList.push(at);
      this.chatSends.set(chatId, chatList);
    }
    return () => {
      const i = globalList.lastIndexOf(at);
      if (i >= 0) globalList.splice(i, 1);
      if (chatList) {
        const j = chatList.lastIndexOf(at);
        if (j >= 0) chatList.splice(j, 1);
      }
    };
  }
}

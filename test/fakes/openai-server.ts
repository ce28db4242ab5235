// A fake OpenAI-compatible server for tests: POST /v1/chat/completions (plain and
// `stream: true` SSE) and GET /v1/models, scripted per request.
//
//   const llm = await FakeOpenAIServer.start();          // LLM_BASE_URL = llm.baseURL  (".../v1")
//   llm.enqueue({ text: "Xin chào!" });
//   llm.enqueue({ toolCalls: [{ name: "get_balance", arguments: { memberId: "m1" } }] });
//   llm.enqueue({ json: { offers: [] } });
//   llm.enqueue({ status: 429, retryAfter: 1 }, { malformed: "missing-choices" }, { text: "slow", delayMs: 500 });
//   const req = await llm.waitFor((r) => r.body.model === "gpt-test");
//   await llm.close();
import type { IncomingMessage, ServerResponse } from "node:http";
import { delay, readRawBody, Recorder, sendJson, startHttpServer } from "./http.ts";
import type { StartedHttpServer } from "./http.ts";

export interface ScriptedToolCall {
  name: string;
  /** An object (JSON-encoded for you) or an already encoded string (sent as is, may be invalid JSON). */
  arguments: unknown;
  id?: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ScriptedReply {
  /** Assistant text content. */
  text?: string;
  /** Structured output: JSON.stringify(json) becomes the content. */
  json?: unknown;
  toolCalls?: ScriptedToolCall[];
  /** Error answer: HTTP status (e.g. 500, 429, 400, 401) with an OpenAI error body. */
  status?: number;
  errorMessage?: string;
  /** For 429: `retry-after` header in seconds. */
  retryAfter?: number;
  /**
   * A broken answer: "invalid-json" (body/chunk that is not JSON), "missing-choices"
   * (no `choices` key), "empty-choices" (`choices: []`), "truncated-stream" (SSE ends without [DONE]).
   */
  malformed?: "invalid-json" | "missing-choices" | "empty-choices" | "truncated-stream";
  /** Wait before the first byte. */
  delayMs?: number;
  /** Streaming only: wait between SSE chunks. */
  chunkDelayMs?: number;
  /** Never answer (until the client disconnects or the server closes). */
  hang?: boolean;
  finishReason?: "stop" | "length" | "tool_calls" | "content_filter";
  usage?: Partial<Usage>;
  /** Model echoed back (default: the requested model). */
  model?: string;
}

export interface RecordedChatRequest {
  path: string;
  httpMethod: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (`undefined` when it was not JSON). */
  body: Record<string, unknown>;
  stream: boolean;
  at: number;
  /** What was answered (status 200 for success). */
  status: number;
}

export type ReplyScript = ScriptedReply | ((req: RecordedChatRequest) => ScriptedReply | Promise<ScriptedReply>);

export interface FakeOpenAIOptions {
  /** When set, requests need `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** Models listed by GET /v1/models. */
  models?: string[];
  /** Reply used when the queue is empty (default `{ text: "OK" }`). */
  defaultReply?: ReplyScript;
}

export class FakeOpenAIServer {
  readonly requests = new Recorder<RecordedChatRequest>();
  /** Origin, e.g. `http://127.0.0.1:1234`. */
  url = "";
  models: string[];

  private queue: ReplyScript[] = [];
  private defaultReply: ReplyScript;
  private readonly apiKey: string | undefined;
  private started: StartedHttpServer | undefined;
  private readonly abort = new AbortController();
  private seq = 1;

  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
    const fake = new FakeOpenAIServer(options);
    await fake.start();
    return fake;
  }

  constructor(options: FakeOpenAIOptions = {}) {
    this.apiKey = options.apiKey;
    this.models = options.models ?? ["gpt-4o-mini", "gpt-test"];
    this.defaultReply = options.defaultReply ?? { text: "OK" };
  }

  /** OpenAI-style base URL including `/v1` (what the SDK / LLM_BASE_URL expect). */
  get baseURL(): string {
    return `${this.url}/v1`;
  }

  async start(): Promise<{ url: string; baseURL: string; close(): Promise<void> }> {
    if (!this.started) {
      this.started = await startHttpServer((req, res) => this.dispatch(req, res));
      this.url = this.started.url;
    }
    return { url: this.url, baseURL: this.baseURL, close: () => this.close() };
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.started?.close();
  }

  /** Queue replies for the next chat completion requests, in order. */
  enqueue(...replies: ReplyScript[]): this {
    this.queue.push(...replies);
    return this;
  }

  reply(text: string, extra: Omit<ScriptedReply, "text"> = {}): this {
    return this.enqueue({ ...extra, text });
  }

  replyWithToolCalls(toolCalls: ScriptedToolCall[], extra: Omit<ScriptedReply, "toolCalls"> = {}): this {
    return this.enqueue({ ...extra, toolCalls });
  }

  replyJson(json: unknown, extra: Omit<ScriptedReply, "json"> = {}): this {
    return this.enqueue({ ...extra, json });
  }

  fail(status: number, extra: Omit<ScriptedReply, "status"> = {}): this {
    return this.enqueue({ ...extra, status });
  }

  setDefault(reply: ReplyScript): this {
    this.defaultReply = reply;
    return this;
  }

  /** Replies still queued. */
  get pending(): number {
    return this.queue.length;
  }

  /** Forget requests and queued replies (the default reply is reset to `{ text: "OK" }`). */
  reset(): void {
    this.requests.clear();
    this.queue = [];
    this.defaultReply = { text: "OK" };
  }

  /** Chat completion requests recorded so far. */
  chatRequests(): RecordedChatRequest[] {
    return this.requests.items.filter((r) => r.path.endsWith("/chat/completions"));
  }

  waitFor(
    predicate: (req: RecordedChatRequest) => boolean = () => true,
    timeoutMs = 2000,
  ): Promise<RecordedChatRequest> {
    return this.requests.waitFor(predicate, timeoutMs, () => `${this.requests.items.length} requests`);
  }

  // ---- request handling -------------------------------------------------------

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readRawBody(req);
    const path = url.pathname.replace(/\/+$/, "");
    const httpMethod = req.method ?? "GET";
    let body: Record<string, unknown> = {};
    let bodyOk = true;
    if (raw.length > 0) {
      try {
        const parsed: unknown = JSON.parse(raw.toString("utf8"));
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        else bodyOk = false;
      } catch {
        bodyOk = false;
      }
    }
    const record: RecordedChatRequest = {
      path,
      httpMethod,
      headers: req.headers,
      body,
      stream: body.stream === true,
      at: Date.now(),
      status: 200,
    };

    const fail = (
      status: number,
      message: string,
      type: string,
      code: string | null,
      headers?: Record<string, string>,
    ) => {
      record.status = status;
      this.requests.push(record);
      sendJson(res, status, { error: { message, type, param: null, code } }, headers);
    };

    if (this.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.apiKey}`) {
      fail(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
      return;
    }
    if (/(^|\/)models$/.test(path) && httpMethod === "GET") {
      this.requests.push(record);
      sendJson(res, 200, {
        object: "list",
        data: this.models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "fake" })),
      });
      return;
    }
    if (!/(^|\/)chat\/completions$/.test(path)) {
      fail(404, `Invalid URL (${httpMethod} ${path})`, "invalid_request_error", null);
      return;
    }
    if (httpMethod !== "POST") {
      fail(405, "Method not allowed", "invalid_request_error", null);
      return;
    }
    if (!bodyOk) {
      fail(400, "We could not parse the JSON body of your request.", "invalid_request_error", null);
      return;
    }
    if (typeof body.model !== "string" || body.model === "") {
      fail(400, "you must provide a model parameter", "invalid_request_error", null);
      return;
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      fail(400, "'messages' must contain at least one message", "invalid_request_error", "invalid_value");
      return;
    }

    const script = this.queue.shift() ?? this.defaultReply;
    this.requests.push(record);
    const reply = typeof script === "function" ? await script(record) : script;

    // Abort waits when the client goes away or the server closes.
    const gone = new AbortController();
    const onServerAbort = () => gone.abort();
    this.abort.signal.addEventListener("abort", onServerAbort, { once: true });
    res.on("close", () => {
      this.abort.signal.removeEventListener("abort", onServerAbort);
      gone.abort();
    });

    if (reply.hang) {
      await new Promise<void>((resolve) => gone.signal.addEventListener("abort", () => resolve(), { once: true }));
      if (!res.destroyed) res.destroy();
      return;
    }
    if (reply.delayMs) await delay(reply.delayMs, gone.signal);
    if (res.destroyed || gone.signal.aborted) return;

    if (reply.status !== undefined && reply.status >= 400) {
      record.status = reply.status;
      const headers: Record<string, string> = {};
      if (reply.status === 429) headers["retry-after"] = String(reply.retryAfter ?? 1);
      const { type, code, message } = errorShape(reply.status);
      sendJson(
        res,
        reply.status,
        { error: { message: reply.errorMessage ?? message, type, param: null, code } },
        headers,
      );
      return;
    }

    const model = reply.model ?? (body.model as string);
    const id = `chatcmpl-fake${this.seq++}`;
    const created = Math.floor(Date.now() / 1000);
    const content =
      reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? (reply.toolCalls ? null : ""));
    const toolCalls = (reply.toolCalls ?? []).map((tc, i) => ({
      id: tc.id ?? `call_fake${this.seq}_${i}`,
      type: "function" as const,
      function: {
        name: tc.name,
        arguments: typeof tc.arguments === "string" ? tc.arguments : JSON.stringify(tc.arguments ?? {}),
      },
    }));
    const finishReason = reply.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
    const promptTokens = estimatePromptTokens(body.messages as unknown[]);
    const completionTokens = estimateTokens(
      (content ?? "") + toolCalls.map((t) => t.function.name + t.function.arguments).join(""),
    );
    const usage: Usage = {
      prompt_tokens: reply.usage?.prompt_tokens ?? promptTokens,
      completion_tokens: reply.usage?.completion_tokens ?? completionTokens,
      total_tokens: 0,
    };
    usage.total_tokens = reply.usage?.total_tokens ?? usage.prompt_tokens + usage.completion_tokens;

    if (record.stream) {
      await this.stream(res, gone.signal, reply, { id, created, model, content, toolCalls, finishReason, usage, body });
      return;
    }

    if (reply.malformed === "invalid-json") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`{"id":"${id}","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist`);
      return;
    }
    const message: Record<string, unknown> = { role: "assistant", content, refusal: null };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    const completion: Record<string, unknown> = {
      id,
      object: "chat.completion",
      created,
      model,
      system_fingerprint: "fp_fake",
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage: {
        ...usage,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    };
    if (reply.malformed === "missing-choices") delete completion.choices;
    if (reply.malformed === "empty-choices") completion.choices = [];
    sendJson(res, 200, completion);
  }

  private async stream(
    res: ServerResponse,
    signal: AbortSignal,
    reply: ScriptedReply,
    c: {
      id: string;
      created: number;
      model: string;
      content: string | null;
      toolCalls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
      finishReason: string;
      usage: Usage;
      body: Record<string, unknown>;
    },
  ): Promise<void> {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const base = {
      id: c.id,
      object: "chat.completion.chunk",
      created: c.created,
      model: c.model,
      system_fingerprint: "fp_fake",
    };
    const write = async (data: unknown) => {
      if (signal.aborted || res.destroyed) return;
      res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
      if (reply.chunkDelayMs) await delay(reply.chunkDelayMs, signal);
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => {
      const choice = { index: 0, delta, logprobs: null, finish_reason: finish };
      if (reply.malformed === "missing-choices") return { ...base };
      if (reply.malformed === "empty-choices") return { ...base, choices: [] };
      return { ...base, choices: [choice] };
    };

    await write(chunk({ role: "assistant", content: "", refusal: null }));
    if (reply.malformed === "invalid-json") await write(`{"id":"${c.id}","choices":[{"delta":{"content":"bro`);
    for (const piece of splitPieces(c.content ?? "")) await write(chunk({ content: piece }));
    for (const [index, tc] of c.toolCalls.entries()) {
      await write(
        chunk({
          tool_calls: [{ index, id: tc.id, type: "function", function: { name: tc.function.name, arguments: "" } }],
        }),
      );
      for (const piece of splitPieces(tc.function.arguments)) {
        await write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    }
    if (reply.malformed === "truncated-stream") {
      res.destroy();
      return;
    }
    await write(chunk({}, c.finishReason));
    const streamOptions = c.body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) await write({ ...base, choices: [], usage: c.usage });
    await write("[DONE]");
    if (!res.destroyed) res.end();
  }
}

function errorShape(status: number): { type: string; code: string | null; message: string } {
  if (status === 429) {
    return {
      type: "requests",
      code: "rate_limit_exceeded",
      message: "Rate limit reached for requests. Please try again in 1s.",
    };
  }
  if (status === 401)
    return { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided." };
  if (status === 400) return { type: "invalid_request_error", code: null, message: "Bad request." };
  if (status === 503)
    return { type: "server_error", code: null, message: "The engine is currently overloaded, please try again later." };
  return {
    type: "server_error",
    code: null,
    message: "The server had an error while processing your request. Sorry about that!",
  };
}

/** Roughly 4 characters per token, at least 1 for non-empty text. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

function estimatePromptTokens(messages: unknown[]): number {
  let total = 3;
  for (const m of messages) {
    const content = m && typeof m === "object" ? (m as Record<string, unknown>).content : undefined;
    total += 4 + estimateTokens(typeof content === "string" ? content : JSON.stringify(content ?? ""));
  }
  return total;
}

/** Splits into a few chunks (keeps whole UTF-16 surrogate pairs). */
function splitPieces(text: string): string[] {
  if (text === "") return [];
  const chars = Array.from(text);
  const size = Math.max(1, Math.ceil(chars.length / 4));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

/**
 * The one HTTP layer of both Zalo clients (Bot Platform, bots/zalo; Official Account, bots/zalo-oa): a typed
 * request/response over an injected transport. Workers (and tests that inject a fetch) use the platform `fetch`;
 * Node injects the undici pool from `./zalo-http-undici.ts` (keep-alive, bounded connections per host, retried
 * idempotent reads) — that file imports undici and is never part of the Worker bundle.
 * Web-standard only here (no node: imports).
 */

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ZaloHttpRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** The caller's own cancellation (distinct from the timeout). */
  signal?: AbortSignal;
}

export interface ZaloHttpResponse {
  status: number;
  /** Lower-case header lookup. */
  header(name: string): string | null;
  text: string;
}

export interface ZaloTransport {
  /** "fetch" or "undici" (logs, benchmarks). */
  readonly name: string;
  /** Resolves with any HTTP status; rejects with ZaloTransportError for network failures and timeouts only. */
  request(req: ZaloHttpRequest): Promise<ZaloHttpResponse>;
  /** Closes pooled connections (Node); a no-op for fetch. */
  close(): Promise<void>;
}

/** A request that got no HTTP answer. `message` is the cause's text (callers redact secrets from it). */
export class ZaloTransportError extends Error {
  readonly kind: "network" | "timeout";
  constructor(kind: "network" | "timeout", message: string) {
    super(message);
    this.name = "ZaloTransportError";
    this.kind = kind;
  }
}

/** `message: cause` of an error, as the clients have always reported network failures. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.message}${cause}`;
  }
  return String(err);
}

/** The platform fetch (Workers; Node without the pool; tests injecting a fake fetch). */
export function fetchTransport(fetchFn: FetchLike = (input, init) => fetch(input, init)): ZaloTransport {
  return {
    name: "fetch",
    async request(req) {
      const timeout = AbortSignal.timeout(req.timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      try {
        const res = await fetchFn(req.url, {
          method: req.method,
          headers: req.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          signal,
        });
        const text = await res.text();
        return { status: res.status, header: (n) => res.headers.get(n), text };
      } catch (err) {
        const timedOut = timeout.aborted && !req.signal?.aborted;
        throw new ZaloTransportError(
          timedOut ? "timeout" : "network",
          timedOut ? "request timed out" : `network error: ${describeError(err)}`,
        );
      }
    },
    async close() {},
  };
}

/** The default transport of a runtime: Node's entry sets an undici pool here; everything else uses fetch. */
let defaultTransport: ZaloTransport | undefined;

export function setDefaultZaloTransport(t: ZaloTransport | undefined): void {
  defaultTransport = t;
}

export function zaloTransport(opts: { transport?: ZaloTransport; fetch?: FetchLike }): ZaloTransport {
  if (opts.transport) return opts.transport;
  if (opts.fetch) return fetchTransport(opts.fetch);
  return defaultTransport ?? fetchTransport();
}

/** Parses a body as JSON; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The typed client both Zalo APIs use: JSON and form posts, JSON gets, over one transport. */
export class ZaloHttp {
  readonly transport: ZaloTransport;
  constructor(transport: ZaloTransport) {
    this.transport = transport;
  }

  postJson(
    url: string,
    body: unknown,
    opts: { headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
  ): Promise<ZaloHttpResponse> {
    return this.transport.request({
      method: "POST",
      url,
      headers: { "content-type": "application/json", accept: "application/json", ...opts.headers },
      body: JSON.stringify(body),
      timeoutMs: opts.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  postForm(
    url: string,
    form: Record<string, string>,
    opts: { headers?: Record<string, string>; timeoutMs: number },
  ): Promise<ZaloHttpResponse> {
    return this.transport.request({
      method: "POST",
      url,
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...opts.headers },
      body: new URLSearchParams(form).toString(),
      timeoutMs: opts.timeoutMs,
    });
  }

  getJson(url: string, opts: { headers?: Record<string, string>; timeoutMs: number }): Promise<ZaloHttpResponse> {
    return this.transport.request({
      method: "GET",
      url,
      headers: { accept: "application/json", ...opts.headers },
      timeoutMs: opts.timeoutMs,
    });
  }
}

/**
 * Node's Zalo transport: one undici Agent (a Pool per origin) so replies and broadcasts reuse keep-alive
 * connections, with at most `connections` sockets per host and connect/headers/body timeouts. Reads (GET) are
 * retried on network errors; POSTs never are here (a send may have reached Zalo: the clients decide).
 * Node only — the Node process (src/runtime/node-process.ts) installs it with setDefaultZaloTransport; the Worker
 * never imports this file.
 */
import { Agent, errors } from "undici";
import { describeError, type ZaloHttpRequest, type ZaloTransport, ZaloTransportError } from "./zalo-http.ts";

export interface UndiciTransportOptions {
  /** Sockets per host (default 16). */
  connections?: number;
  /** Idle keep-alive before a socket closes (default 30 s). */
  keepAliveMs?: number;
  /** TCP/TLS connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** Retries of a GET after a network error (default 2). */
  readRetries?: number;
  /** false: a new connection per request (the benchmark's "no pool" baseline). Default true. */
  keepAlive?: boolean;
}

export function undiciTransport(opts: UndiciTransportOptions = {}): ZaloTransport {
  const agent = new Agent({
    connections: opts.connections ?? 16,
    keepAliveTimeout: opts.keepAliveMs ?? 30_000,
    keepAliveMaxTimeout: Math.max(opts.keepAliveMs ?? 30_000, 60_000),
    connect: { timeout: opts.connectTimeoutMs ?? 10_000 },
    ...(opts.keepAlive === false ? { pipelining: 0 } : {}),
  });
  const readRetries = opts.readRetries ?? 2;

  async function once(req: ZaloHttpRequest) {
    const url = new URL(req.url);
    const timeout = AbortSignal.timeout(req.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    try {
      const res = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const text = await res.body.text();
      const headers = res.headers;
      return {
        status: res.statusCode,
        header(name: string) {
          const v = headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
        },
        text,
      };
    } catch (err) {
      const timedOut =
        (timeout.aborted && !req.signal?.aborted) ||
        err instanceof errors.HeadersTimeoutError ||
        err instanceof errors.BodyTimeoutError ||
        err instanceof errors.ConnectTimeoutError;
      throw new ZaloTransportError(
        timedOut ? "timeout" : "network",
        timedOut ? "request timed out" : `network error: ${describeError(err)}`,
      );
    }
  }

  return {
    name: "undici",
    async request(req) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await once(req);
        } catch (err) {
          const retry =
            req.method === "GET" && err instanceof ZaloTransportError && attempt < readRetries && !req.signal?.aborted;
          if (!retry) throw err;
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    },
    close: () => agent.close(),
  };
}

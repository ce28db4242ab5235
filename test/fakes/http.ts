// Small node:http helpers shared by the fake servers in this folder.
// Test-only code: the fakes run on 127.0.0.1 with a random port.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface StartedHttpServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0; `close()` also drops keep-alive and in-flight connections. */
export async function startHttpServer(handler: RequestHandler): Promise<StartedHttpServer> {
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) {
          sendJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(err)}` });
        } else {
          res.destroy();
        }
      });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export async function readRawBody(req: IncomingMessage, limitBytes = 50 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limitBytes) throw new Error("body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export class BodyParseError extends Error {}

/**
 * Parses a request body the way the Bot APIs accept it: query string, then
 * JSON, application/x-www-form-urlencoded or multipart/form-data on top.
 * Multipart file parts become `{ filename, type, size }` descriptors.
 */
export async function parseParams(req: IncomingMessage, raw: Buffer, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  if (raw.length === 0) return params;
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (type.includes("application/json") || (type === "" && /^\s*[{[]/.test(raw.toString("utf8")))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new BodyParseError("can't parse JSON object");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new BodyParseError("JSON body must be an object");
    }
    Object.assign(params, parsed);
    return params;
  }
  if (type.includes("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(raw.toString("utf8"))) params[k] = v;
    return params;
  }
  if (type.includes("multipart/form-data")) {
    const request = new Request("http://local/", {
      method: "POST",
      headers: { "content-type": req.headers["content-type"] ?? "" },
      body: new Uint8Array(raw),
    });
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      throw new BodyParseError("can't parse multipart body");
    }
    for (const [k, v] of form) {
      if (typeof v === "string") params[k] = v;
      else params[k] = { filename: v.name, type: v.type, size: v.size };
    }
    return params;
  }
  // Unknown content type: treat as JSON if it parses, otherwise ignore.
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) Object.assign(params, parsed);
  } catch {
    /* ignore */
  }
  return params;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A list of recorded items with a `waitFor(predicate, timeoutMs)` helper. */
export class Recorder<T> {
  readonly items: T[] = [];
  private waiters = new Set<{ pred: (item: T) => boolean; resolve: (item: T) => void }>();
  private listeners = new Set<(item: T) => void>();

  /** Calls `fn` for every item recorded from now on (benchmarks time replies with it); returns an unsubscribe. */
  onRecord(fn: (item: T) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  push(item: T): void {
    this.items.push(item);
    for (const fn of this.listeners) fn(item);
    for (const w of [...this.waiters]) {
      if (w.pred(item)) {
        this.waiters.delete(w);
        w.resolve(item);
      }
    }
  }

  clear(): void {
    this.items.length = 0;
  }

  /** Resolves with the first recorded item (already recorded or future) matching `pred`. */
  waitFor(pred: (item: T) => boolean, timeoutMs = 2000, describe?: () => string): Promise<T> {
    const found = this.items.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`waitFor timed out after ${timeoutMs} ms${describe ? `; recorded: ${describe()}` : ""}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

// A fake KiotViet public API for tests, on 127.0.0.1: the token endpoint (client credentials, expiring tokens),
// invoice and customer reads, and the returns listing (lastModifiedFrom, pageSize, currentItem), behaving like the
// real one (401 on an unknown or expired token, 400 without the Retailer header).
//
//   const kv = await FakeKiotVietServer.start({ clientId: "cid", clientSecret: "sec", retailer: "shop1" });
//   env: KIOTVIET_API_ROOT = kv.apiRoot, KIOTVIET_TOKEN_URL = kv.tokenUrl
//   kv.invoices.set("145632987", {...}); kv.customers.set("3004156", {...}); kv.returns.push({...});
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { readRawBody, sendJson, startHttpServer, type StartedHttpServer } from "./http.ts";

export interface KiotVietFakeOptions {
  clientId: string;
  clientSecret: string;
  retailer: string;
  /** Token lifetime in seconds (KiotViet: 86,400). */
  tokenTtlSeconds?: number;
}

export class FakeKiotVietServer {
  readonly invoices = new Map<string, Record<string, unknown>>();
  readonly customers = new Map<string, Record<string, unknown>>();
  readonly returns: Record<string, unknown>[] = [];
  /** Requests served, for assertions ("GET /invoices/1", "POST /connect/token"). */
  readonly log: string[] = [];
  /** Answer the next API reads (not the token endpoint) with this status. */
  failNext: { status: number; count: number } | undefined;
  /** Answer every request (token endpoint included) this many milliseconds late: a slow KiotViet. */
  delayMs = 0;
  private readonly tokens = new Map<string, number>(); // token → expiry (ms, real time)
  private readonly opts: KiotVietFakeOptions;
  private readonly http: StartedHttpServer;

  private constructor(http: StartedHttpServer, opts: KiotVietFakeOptions) {
    this.http = http;
    this.opts = opts;
  }

  static async start(opts: KiotVietFakeOptions): Promise<FakeKiotVietServer> {
    let self: FakeKiotVietServer | undefined;
    const http = await startHttpServer((req, res) => self!.handle(req, res));
    self = new FakeKiotVietServer(http, opts);
    return self;
  }

  get apiRoot(): string {
    return this.http.url;
  }

  get tokenUrl(): string {
    return `${this.http.url}/connect/token`;
  }

  /** Expires every issued token now (the next call gets 401, like a token past its 86,400 s). */
  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.http.url);
    const raw = await readRawBody(req);
    this.log.push(`${req.method} ${url.pathname}`);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (req.method === "POST" && url.pathname === "/connect/token") {
      const form = new URLSearchParams(raw.toString("utf8"));
      if (
        form.get("grant_type") !== "client_credentials" ||
        form.get("client_id") !== this.opts.clientId ||
        form.get("client_secret") !== this.opts.clientSecret
      )
        return sendJson(res, 400, { error: "invalid_client" });
      const token = randomBytes(16).toString("hex");
      const ttl = this.opts.tokenTtlSeconds ?? 86_400;
      this.tokens.set(token, Date.now() + ttl * 1000);
      return sendJson(res, 200, { access_token: token, expires_in: ttl, token_type: "Bearer" });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const expiry = bearer ? this.tokens.get(bearer) : undefined;
    if (!expiry || expiry < Date.now())
      return sendJson(res, 401, { responseStatus: { errorCode: "Unauthorized", message: "token invalid or expired" } });
    if (req.headers.retailer !== this.opts.retailer)
      return sendJson(res, 400, { responseStatus: { errorCode: "BadRequest", message: "Retailer header" } });
    if (this.failNext && this.failNext.count > 0) {
      this.failNext.count--;
      return sendJson(res, this.failNext.status, { responseStatus: { errorCode: "Error", message: "scripted" } });
    }
    const m = /^\/(invoices|customers)\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && m) {
      const found = (m[1] === "invoices" ? this.invoices : this.customers).get(decodeURIComponent(m[2]!));
      return found ? sendJson(res, 200, found) : sendJson(res, 404, { responseStatus: { errorCode: "NotFound" } });
    }
    if (req.method === "GET" && url.pathname === "/returns") {
      const from = url.searchParams.get("lastModifiedFrom");
      const pageSize = Math.min(100, Number(url.searchParams.get("pageSize") ?? 20));
      const current = Number(url.searchParams.get("currentItem") ?? 0);
      const matching = this.returns.filter((r) => !from || String(r.modifiedDate) >= from);
      return sendJson(res, 200, {
        total: matching.length,
        pageSize,
        data: matching.slice(current, current + pageSize),
      });
    }
    return sendJson(res, 404, { responseStatus: { errorCode: "NotFound" } });
  }
}

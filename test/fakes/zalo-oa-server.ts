// A fake Zalo Official Account Open API + OAuth server for tests (node:http on 127.0.0.1, random port).
//
//   const oa = await FakeZaloOaServer.start();            // issues ZALO_OA_TEST_TOKENS as the first pair
//   config: ZALO_OA_API_ROOT = ZALO_OA_OAUTH_ROOT = oa.url
//   oa.expireAccessTokens();                               // every access token now answers -216
//   oa.refreshCalls / oa.sent / oa.notFollowers.add(userId)
//
// Like the real platform (◐, chatwoot and public SDKs): failures are HTTP 200 with a non-zero `error`; the token
// endpoint takes a form body with header `secret_key`, and each refresh token works ONCE (a reused one is refused,
// error -14014 here); `expires_in` is a string.
import { startHttpServer, sendJson, delay, type StartedHttpServer } from "./http.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";

export const ZALO_OA_TEST = {
  oaId: "1234567890123456789",
  appId: "4318181818181818181",
  appSecret: "FakeOaAppSecret-0123456789",
  secretKey: "FakeOaWebhookSecretKey-abcdef",
  accessToken: "oa-access-0",
  refreshToken: "oa-refresh-0",
} as const;

export interface OaSent {
  userId: string;
  text: string;
  accessToken: string;
  messageId: string;
}

export class FakeZaloOaServer {
  readonly appId: string;
  readonly appSecret: string;
  /** Valid access tokens. */
  readonly accessTokens = new Set<string>([ZALO_OA_TEST.accessToken]);
  /** Refresh tokens not used yet. */
  readonly refreshTokens = new Set<string>([ZALO_OA_TEST.refreshToken]);
  readonly notFollowers = new Set<string>();
  sent: OaSent[] = [];
  /** Successful refreshes, and refused ones (a reused or unknown refresh token). */
  refreshCalls = 0;
  refusedRefreshes = 0;
  /** Expired-token answers (-216) given. */
  expiredAnswers = 0;
  /** Delay before the token endpoint answers (widens refresh races in tests). */
  tokenDelayMs = 0;
  private seq = 0;
  private http!: StartedHttpServer;

  static async start(opts: { appId?: string; appSecret?: string } = {}): Promise<FakeZaloOaServer> {
    const f = new FakeZaloOaServer(opts);
    f.http = await startHttpServer((req, res) => f.handle(req, res));
    // Long enough for clients to reuse connections (undici keeps a 2 s safety margin below the server's hint).
    f.http.server.keepAliveTimeout = 30_000;
    return f;
  }

  private constructor(opts: { appId?: string; appSecret?: string }) {
    this.appId = opts.appId ?? ZALO_OA_TEST.appId;
    this.appSecret = opts.appSecret ?? ZALO_OA_TEST.appSecret;
  }

  get url(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** Every current access token now answers -216 (as after ~25 h). */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  reset(): void {
    this.sent = [];
  }

  textsTo(userId: string): string[] {
    return this.sent.filter((s) => s.userId === userId).map((s) => s.text);
  }

  private async handle(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    const raw = await readBodyKeepAlive(req);
    if (req.method === "POST" && url.pathname === "/v4/oa/access_token") return this.token(req, res, raw);
    if (req.method === "POST" && url.pathname === "/v3.0/oa/message/cs") return this.cs(req, res, raw);
    sendJson(res, 404, { error: 404, message: "not found" });
  }

  private async token(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse, raw: string) {
    const form = new URLSearchParams(raw);
    await delay(this.tokenDelayMs);
    if (req.headers.secret_key !== this.appSecret || form.get("app_id") !== this.appId)
      return sendJson(res, 200, { error: -14002, error_name: "Invalid app", error_description: "app_id/secret_key" });
    const rt = form.get("refresh_token") ?? "";
    if (form.get("grant_type") !== "refresh_token" || !this.refreshTokens.delete(rt)) {
      this.refusedRefreshes++;
      return sendJson(res, 200, { error: -14014, error_name: "Invalid refresh token", error_description: "used" });
    }
    this.refreshCalls++;
    const n = ++this.seq;
    const access = `oa-access-${n}`;
    const refresh = `oa-refresh-${n}`;
    this.accessTokens.add(access);
    this.refreshTokens.add(refresh);
    sendJson(res, 200, { access_token: access, refresh_token: refresh, expires_in: "90000" });
  }

  private cs(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse, raw: string) {
    const token = String(req.headers.access_token ?? "");
    if (!this.accessTokens.has(token)) {
      this.expiredAnswers++;
      return sendJson(res, 200, { error: -216, message: "Access token is invalid" });
    }
    let body: { recipient?: { user_id?: string }; message?: { text?: string } } | undefined;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const userId = body?.recipient?.user_id;
    const text = body?.message?.text;
    if (!userId || typeof text !== "string" || text.length === 0 || text.length > 2000)
      return sendJson(res, 200, { error: -201, message: "Parameters are invalid" });
    if (this.notFollowers.has(userId)) return sendJson(res, 200, { error: -213, message: "User has not followed OA" });
    const messageId = `m${++this.seq}`;
    this.sent.push({ userId, text, accessToken: token, messageId });
    sendJson(res, 200, { error: 0, message: "Success", data: { message_id: messageId, user_id: userId } });
  }
}

/** A signed webhook delivery as Zalo sends it: raw body and `X-ZEvent-Signature: mac=<sha256 hex>`. */
export async function signOaEvent(
  event: Record<string, unknown>,
  opts: { appId?: string; secret?: string } = {},
): Promise<{ body: string; signature: string }> {
  const appId = opts.appId ?? ZALO_OA_TEST.appId;
  const body = JSON.stringify({ app_id: appId, ...event });
  const timestamp = String(event.timestamp ?? "");
  const mac = await sha256Hex(`${appId}${body}${timestamp}${opts.secret ?? ZALO_OA_TEST.secretKey}`);
  return { body, signature: `mac=${mac}` };
}

let msgSeq = 1;
/** A `user_send_text` event from `userId` (timestamp in ms as a string, as Zalo sends it). */
export function oaTextEvent(userId: string, text: string, at: Date, msgId = `msg${msgSeq++}`) {
  return {
    event_name: "user_send_text",
    sender: { id: userId },
    recipient: { id: ZALO_OA_TEST.oaId },
    user_id_by_app: `app-${userId}`,
    message: { text, msg_id: msgId },
    timestamp: String(at.getTime()),
  };
}

export function oaEvent(eventName: string, userId: string, at: Date, extra: Record<string, unknown> = {}) {
  const follow = eventName === "follow" || eventName === "unfollow";
  return {
    event_name: eventName,
    ...(follow ? { follower: { id: userId }, oa_id: ZALO_OA_TEST.oaId } : { sender: { id: userId } }),
    recipient: { id: ZALO_OA_TEST.oaId },
    timestamp: String(at.getTime()),
    ...extra,
  };
}

/**
 * The body, read with listeners: unlike `for await` (which destroys the request, and with it the socket, when done)
 * this keeps the connection alive as the real API does, so clients' connection pools are measured honestly.
 */
export function readBodyKeepAlive(req: import("node:http").IncomingMessage, limit = 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new Error("body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

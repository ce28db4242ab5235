// A fake Zalo Bot Platform API server for tests (node:http on 127.0.0.1, random port).
//
//   const zalo = await FakeZaloServer.start();
//   const client = new ZaloClient({ token: zalo.token, apiRoot: zalo.url });
//   zalo.failNext("sendMessage", { status: 429, retryAfter: 1 });
//   zalo.blockChat("user-1");
//   zalo.pushUpdate(zaloTextUpdate("Xin chào"));     // served by getUpdates
//   await zalo.close();
//
// Zalo's rate-limit signalling is UNCONFIRMED: like Telegram, this fake answers
// HTTP 429 with `{ ok:false, error_code:429, description, parameters:{ retry_after } }`.
import { BotApiError, BotApiFakeBase, asString } from "./bot-api-base.ts";
import type { BotApiFakeOptions, HandlerContext } from "./bot-api-base.ts";

export type { BotApiCall, FailNextOptions, RateLimitOptions, StartedFake } from "./bot-api-base.ts";

export const ZALO_TEST_TOKEN = "1459232241454765289:FakeZaloSecretForTests-abcdefXYZ";

export interface ZaloBotInfoFake {
  id: string;
  account_name: string;
  account_type: string;
  can_join_groups: boolean;
  [key: string]: unknown;
}

export interface FakeZaloOptions extends BotApiFakeOptions {
  botInfo?: Partial<ZaloBotInfoFake>;
  /**
   * HTTP status used for getUpdates' "nothing new" answer
   * (`{ ok:false, error_code:408, description:"Request timeout" }`). Default 408.
   */
  pollTimeoutHttpStatus?: number;
}

export interface ZaloFakeUpdate {
  event_name: string;
  message?: Record<string, unknown>;
  [key: string]: unknown;
}

const CHAT_ACTIONS = new Set(["typing", "upload_photo"]);

export class FakeZaloServer extends BotApiFakeBase {
  readonly token: string;
  botInfo: ZaloBotInfoFake;
  webhook: { url: string; secret_token: string; updated_at: number } | undefined;

  private updates: ZaloFakeUpdate[] = [];
  private messageSeq = 1;
  private readonly pollTimeoutHttpStatus: number;

  static async start(options: FakeZaloOptions = {}): Promise<FakeZaloServer> {
    const fake = new FakeZaloServer(options);
    await fake.start();
    return fake;
  }

  constructor(options: FakeZaloOptions = {}) {
    super(options, ZALO_TEST_TOKEN);
    this.token = options.tokens?.[0] ?? ZALO_TEST_TOKEN;
    this.pollTimeoutHttpStatus = options.pollTimeoutHttpStatus ?? 408;
    this.botInfo = {
      id: this.token.split(":")[0] ?? "1459232241454765289",
      account_name: "bot.LoyaltyTest",
      account_type: "BASIC",
      can_join_groups: false,
      ...options.botInfo,
    };

    this.handle("getMe", () => this.botInfo);
    this.handle("getUpdates", (ctx) => this.getUpdates(ctx));
    this.handle("setWebhook", (ctx) => this.setWebhook(ctx));
    this.handle("deleteWebhook", (ctx) => {
      this.webhook = undefined;
      return { url: "", updated_at: ctx.now };
    });
    this.handle("getWebhookInfo", () => ({
      url: this.webhook?.url ?? "",
      ...(this.webhook ? { updated_at: this.webhook.updated_at } : {}),
    }));
    this.handle("sendMessage", (ctx) => {
      this.requireChat(ctx);
      const text = asString(ctx.payload.text);
      if (text === undefined || text.length === 0) throw new BotApiError(400, "Bad Request: text is empty");
      if (text.length > 2000) throw new BotApiError(400, "Bad Request: text must be between 1 and 2000 characters");
      return this.sent(ctx);
    });
    this.handle("sendPhoto", (ctx) => {
      this.requireChat(ctx);
      const photo = asString(ctx.payload.photo);
      if (!photo) throw new BotApiError(400, "Bad Request: photo is required");
      const caption = asString(ctx.payload.caption);
      if (caption !== undefined && caption.length > 2000) {
        throw new BotApiError(400, "Bad Request: caption must be between 1 and 2000 characters");
      }
      return this.sent(ctx);
    });
    this.handle("sendSticker", (ctx) => {
      this.requireChat(ctx);
      if (!asString(ctx.payload.sticker)) throw new BotApiError(400, "Bad Request: sticker is required");
      return this.sent(ctx);
    });
    // The documented answer is `{ "ok": true }` without a result.
    this.handle("sendChatAction", (ctx) => {
      this.requireChat(ctx);
      const action = asString(ctx.payload.action);
      if (!action || !CHAT_ACTIONS.has(action)) throw new BotApiError(400, "Bad Request: invalid action");
      return undefined;
    });
  }

  /** Texts successfully sent with sendMessage, optionally to one chat. */
  sentMessages(chatId?: string): Array<Record<string, unknown>> {
    return this.succeeded("sendMessage")
      .filter((c) => chatId === undefined || c.chatId === chatId)
      .map((c) => c.payload);
  }

  /** Queue an update (unwrapped `{event_name, message}`) for getUpdates. */
  pushUpdate(update: ZaloFakeUpdate): void {
    this.updates.push(update);
    this.notifyChange();
  }

  protected override resetState(): void {
    this.webhook = undefined;
    this.updates = [];
  }

  private requireChat(ctx: HandlerContext): string {
    const chatId = asString(ctx.payload.chat_id);
    if (!chatId) throw new BotApiError(400, "Bad Request: chat_id is required");
    return chatId;
  }

  private sent(ctx: HandlerContext): { message_id: string; date: number } {
    const seq = this.messageSeq++;
    return { message_id: `${seq.toString(16).padStart(8, "0")}fa32f56d00e8941`, date: ctx.now };
  }

  private setWebhook(ctx: HandlerContext): { url: string; updated_at: number } {
    const url = asString(ctx.payload.url) ?? "";
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed?.protocol !== "https:") throw new BotApiError(400, "Bad Request: url must be a valid HTTPS URL");
    const secret = asString(ctx.payload.secret_token) ?? "";
    if (secret.length < 8 || secret.length > 256) {
      throw new BotApiError(400, "Bad Request: secret_token must be between 8 and 256 characters");
    }
    this.webhook = { url, secret_token: secret, updated_at: ctx.now };
    return { url, updated_at: ctx.now };
  }

  private async getUpdates(ctx: HandlerContext): Promise<ZaloFakeUpdate> {
    if (this.webhook) {
      throw new BotApiError(
        409,
        "Conflict: getUpdates is not available while a webhook is set; use deleteWebhook first",
      );
    }
    const timeoutSec = Number(asString(ctx.payload.timeout) ?? "30");
    const timeoutMs = Math.min(this.maxLongPollMs, Math.max(0, Number.isFinite(timeoutSec) ? timeoutSec : 30) * 1000);
    const deadline = Date.now() + timeoutMs;
    while (this.updates.length === 0 && Date.now() < deadline && !ctx.signal.aborted) {
      await this.waitChange(deadline - Date.now());
    }
    const next = this.updates.shift();
    if (!next) throw new BotApiError(this.pollTimeoutHttpStatus, "Request timeout");
    return next;
  }

  protected override errorBody(
    status: number,
    description: string,
    parameters?: { retry_after?: number },
  ): { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } } {
    // The "nothing new" answer keeps error_code 408 whatever HTTP status carries it.
    const code = description === "Request timeout" ? 408 : status;
    return super.errorBody(code, description, parameters);
  }
}

// ---- update builders ---------------------------------------------------------

let seq = 1;

export interface ZaloUserLike {
  id: string;
  display_name?: string;
}

function baseMessage(user: ZaloUserLike, extra: { message_id?: string; date?: number }) {
  return {
    from: { id: user.id, display_name: user.display_name ?? "Ted", is_bot: false },
    chat: { id: user.id, chat_type: "PRIVATE" },
    message_id: extra.message_id ?? `m${(seq++).toString(16).padStart(19, "0")}`,
    date: extra.date ?? Date.now(),
  };
}

/** Unwrapped text update `{ event_name: "message.text.received", message }`. */
export function zaloTextUpdate(
  text: string,
  user: ZaloUserLike = { id: "6ede9afa66b88fe6d6a9" },
  extra: { message_id?: string; date?: number } = {},
): ZaloFakeUpdate {
  return { event_name: "message.text.received", message: { ...baseMessage(user, extra), text } };
}

export function zaloImageUpdate(
  photoUrl: string,
  user: ZaloUserLike = { id: "6ede9afa66b88fe6d6a9" },
  extra: { message_id?: string; date?: number; caption?: string } = {},
): ZaloFakeUpdate {
  return {
    event_name: "message.image.received",
    message: {
      ...baseMessage(user, extra),
      photo_url: photoUrl,
      photo: photoUrl,
      ...(extra.caption ? { caption: extra.caption } : {}),
    },
  };
}

/** The documented webhook body shape: `{ ok: true, result: update }`. */
export function wrapZaloUpdate(update: ZaloFakeUpdate): { ok: true; result: ZaloFakeUpdate } {
  return { ok: true, result: update };
}

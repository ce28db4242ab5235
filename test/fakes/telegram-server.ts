// A fake Telegram Bot API server for tests (node:http on 127.0.0.1, random port).
//
//   const tg = new FakeTelegramServer();          // or: const tg = await FakeTelegramServer.start()
//   const { url } = await tg.start();             // grammY: new Bot(tg.token, { client: { apiRoot: url } })
//   ...
//   await tg.waitFor((c) => c.method === "sendMessage" && c.chatId === "42");
//   tg.failNext("sendMessage", { status: 429, retryAfter: 2 });
//   tg.blockChat(42);
//   tg.enforceRate({ perSecond: 30, perChatPerSecond: 1 });
//   await tg.close();
import { BotApiError, BotApiFakeBase, asString } from "./bot-api-base.ts";
import type { BotApiFakeOptions, HandlerContext } from "./bot-api-base.ts";

export type { BotApiCall, FailNextOptions, RateLimitOptions, StartedFake } from "./bot-api-base.ts";

export const TELEGRAM_TEST_TOKEN = "1234567890:AAFakeTelegramTokenForTests_0123456";

export interface TelegramBotInfo {
  id: number;
  is_bot: true;
  first_name: string;
  username: string;
  can_join_groups: boolean;
  can_read_all_group_messages: boolean;
  supports_inline_queries: boolean;
  can_connect_to_business: boolean;
  has_main_web_app: boolean;
  [key: string]: unknown;
}

export interface FakeTelegramOptions extends BotApiFakeOptions {
  /** Overrides for getMe (default username "loyalty_test_bot"). */
  botInfo?: Partial<TelegramBotInfo>;
  /** When true, editing a message the fake never sent answers 400 "message to edit not found". Default false. */
  strictEdits?: boolean;
}

export interface TelegramChat {
  id: number | string;
  type: "private" | "group" | "supergroup" | "channel";
  first_name?: string;
  title?: string;
  username?: string;
}

export interface TelegramSentMessage {
  message_id: number;
  from: { id: number; is_bot: true; first_name: string; username: string };
  chat: TelegramChat;
  date: number;
  text?: string;
  caption?: string;
  photo?: Array<{ file_id: string; file_unique_id: string; width: number; height: number; file_size: number }>;
  reply_markup?: unknown;
  edit_date?: number;
  [key: string]: unknown;
}

const JSON_FIELDS = new Set([
  "reply_markup",
  "commands",
  "scope",
  "entities",
  "caption_entities",
  "allowed_updates",
  "link_preview_options",
  "reply_parameters",
]);

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

export class FakeTelegramServer extends BotApiFakeBase {
  readonly token: string;
  botInfo: TelegramBotInfo;
  /** Messages the fake holds, by `${chat_id}:${message_id}`. */
  readonly messages = new Map<string, TelegramSentMessage>();
  webhook: { url: string; secret_token?: string; allowed_updates?: unknown; max_connections?: number } | undefined;
  commands: unknown[] = [];
  /** The last setChatMenuButton `menu_button`. */
  menuButton: unknown;

  private nextMessageId = 1;
  private nextUpdateId = 1;
  private updates: Array<Record<string, unknown> & { update_id: number }> = [];
  private readonly strictEdits: boolean;

  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegramServer> {
    const fake = new FakeTelegramServer(options);
    await fake.start();
    return fake;
  }

  constructor(options: FakeTelegramOptions = {}) {
    super(options, TELEGRAM_TEST_TOKEN);
    this.token = options.tokens?.[0] ?? TELEGRAM_TEST_TOKEN;
    this.strictEdits = options.strictEdits ?? false;
    const id = Number(this.token.split(":")[0]) || 1234567890;
    this.botInfo = {
      id,
      is_bot: true,
      first_name: "Loyalty Test Bot",
      username: "loyalty_test_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      ...options.botInfo,
    };

    this.handle("getMe", () => this.botInfo);
    this.handle("sendMessage", (ctx) => this.sendMessage(ctx));
    this.handle("editMessageText", (ctx) => this.editMessageText(ctx));
    this.handle("editMessageReplyMarkup", (ctx) => this.editMessageReplyMarkup(ctx));
    this.handle("answerCallbackQuery", (ctx) => {
      if (!asString(ctx.payload.callback_query_id)) {
        throw new BotApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
      }
      const text = asString(ctx.payload.text);
      if (text !== undefined && text.length > 200) throw new BotApiError(400, "Bad Request: MESSAGE_TOO_LONG");
      return true;
    });
    this.handle("setMyCommands", (ctx) => this.setMyCommands(ctx));
    this.handle("getMyCommands", () => this.commands);
    this.handle("setChatMenuButton", (ctx) => {
      const button = ctx.payload.menu_button as { type?: unknown; web_app?: { url?: unknown } } | undefined;
      // Telegram accepts only https Mini App URLs.
      if (button?.type === "web_app" && !String(button.web_app?.url ?? "").startsWith("https://"))
        throw new BotApiError(400, "Bad Request: BUTTON_URL_INVALID");
      this.menuButton = button;
      return true;
    });
    this.handle("deleteMyCommands", () => {
      this.commands = [];
      return true;
    });
    this.handle("setWebhook", (ctx) => this.setWebhook(ctx));
    this.handle("deleteWebhook", (ctx) => {
      this.webhook = undefined;
      if (ctx.payload.drop_pending_updates === true || ctx.payload.drop_pending_updates === "true") this.updates = [];
      return true;
    });
    this.handle("getWebhookInfo", () => ({
      url: this.webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: this.webhook ? this.updates.length : 0,
      ...(this.webhook?.max_connections !== undefined ? { max_connections: this.webhook.max_connections } : {}),
      ...(this.webhook?.allowed_updates !== undefined ? { allowed_updates: this.webhook.allowed_updates } : {}),
    }));
    this.handle("sendChatAction", (ctx) => {
      this.chatOf(ctx);
      const action = asString(ctx.payload.action);
      if (!action || !CHAT_ACTIONS.has(action))
        throw new BotApiError(400, "Bad Request: wrong parameter action in request");
      return true;
    });
    this.handle("sendPhoto", (ctx) => this.sendPhoto(ctx));
    this.handle("getUpdates", (ctx) => this.getUpdates(ctx));
  }

  /** Messages successfully sent with sendMessage (payloads), optionally to one chat. */
  sentMessages(chatId?: string | number): Array<Record<string, unknown>> {
    return this.succeeded("sendMessage")
      .filter((c) => chatId === undefined || c.chatId === String(chatId))
      .map((c) => c.payload);
  }

  /** Queue an update for getUpdates (update_id assigned when missing). Returns it. */
  pushUpdate(update: Record<string, unknown>): Record<string, unknown> & { update_id: number } {
    const withId = {
      ...update,
      update_id: typeof update.update_id === "number" ? update.update_id : this.nextUpdateId++,
    };
    this.nextUpdateId = Math.max(this.nextUpdateId, withId.update_id + 1);
    this.updates.push(withId);
    this.notifyChange();
    return withId;
  }

  protected override resetState(): void {
    this.messages.clear();
    this.webhook = undefined;
    this.commands = [];
    this.updates = [];
  }

  protected override normalizePayload(_method: string, payload: Record<string, unknown>): Record<string, unknown> {
    // Form and multipart bodies carry objects as JSON strings, like the real API accepts them.
    for (const key of Object.keys(payload)) {
      const v = payload[key];
      if (JSON_FIELDS.has(key) && typeof v === "string" && /^\s*[[{]/.test(v)) {
        try {
          payload[key] = JSON.parse(v);
        } catch {
          throw new BotApiError(400, `Bad Request: can't parse ${key} JSON object`);
        }
      }
    }
    return payload;
  }

  // ---- methods -----------------------------------------------------------

  private chatOf(ctx: HandlerContext): TelegramChat {
    const raw = ctx.payload.chat_id;
    const s = asString(raw);
    if (s === undefined || s === "") throw new BotApiError(400, "Bad Request: chat_id is empty");
    if (/^-?\d+$/.test(s)) {
      const id = Number(s);
      if (id > 0) return { id, type: "private", first_name: "Test User" };
      return { id, type: s.startsWith("-100") ? "supergroup" : "group", title: "Test Group" };
    }
    if (/^@[A-Za-z0-9_]{4,}$/.test(s)) return { id: s, type: "channel", title: s.slice(1), username: s.slice(1) };
    throw new BotApiError(400, "Bad Request: chat not found");
  }

  private checkText(text: unknown, limit: number, emptyMessage: string, longMessage: string): string {
    const t = asString(text);
    if (t === undefined || t.trim() === "") throw new BotApiError(400, emptyMessage);
    if (t.length > limit) throw new BotApiError(400, longMessage);
    return t;
  }

  private from(): TelegramSentMessage["from"] {
    return { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username };
  }

  private store(msg: TelegramSentMessage): TelegramSentMessage {
    this.messages.set(`${msg.chat.id}:${msg.message_id}`, msg);
    return msg;
  }

  private inlineMarkup(markup: unknown): unknown {
    if (markup && typeof markup === "object" && "inline_keyboard" in markup) return markup;
    return undefined;
  }

  private sendMessage(ctx: HandlerContext): TelegramSentMessage {
    const chat = this.chatOf(ctx);
    const text = this.checkText(
      ctx.payload.text,
      4096,
      "Bad Request: message text is empty",
      "Bad Request: message is too long",
    );
    const markup = this.inlineMarkup(ctx.payload.reply_markup);
    return this.store({
      message_id: this.nextMessageId++,
      from: this.from(),
      chat,
      date: Math.floor(ctx.now / 1000),
      text,
      ...(markup !== undefined ? { reply_markup: markup } : {}),
    });
  }

  private sendPhoto(ctx: HandlerContext): TelegramSentMessage {
    const chat = this.chatOf(ctx);
    const photo = ctx.payload.photo;
    if (photo === undefined || photo === "")
      throw new BotApiError(400, "Bad Request: there is no photo in the request");
    const caption = asString(ctx.payload.caption);
    if (caption !== undefined && caption.length > 1024)
      throw new BotApiError(400, "Bad Request: message caption is too long");
    const id = this.nextMessageId++;
    const markup = this.inlineMarkup(ctx.payload.reply_markup);
    return this.store({
      message_id: id,
      from: this.from(),
      chat,
      date: Math.floor(ctx.now / 1000),
      photo: [
        { file_id: `photo-${id}-s`, file_unique_id: `uph${id}s`, width: 90, height: 60, file_size: 1200 },
        { file_id: `photo-${id}-m`, file_unique_id: `uph${id}m`, width: 800, height: 533, file_size: 48000 },
      ],
      ...(caption ? { caption } : {}),
      ...(markup !== undefined ? { reply_markup: markup } : {}),
    });
  }

  private findForEdit(ctx: HandlerContext): TelegramSentMessage | true {
    if (asString(ctx.payload.inline_message_id)) return true;
    const chat = this.chatOf(ctx);
    const messageId = Number(ctx.payload.message_id);
    if (!Number.isInteger(messageId) || messageId <= 0)
      throw new BotApiError(400, "Bad Request: message identifier is not specified");
    const existing = this.messages.get(`${chat.id}:${messageId}`);
    if (existing) return existing;
    if (this.strictEdits) throw new BotApiError(400, "Bad Request: message to edit not found");
    return this.store({ message_id: messageId, from: this.from(), chat, date: Math.floor(ctx.now / 1000), text: "" });
  }

  private editMessageText(ctx: HandlerContext): TelegramSentMessage | true {
    const text = this.checkText(
      ctx.payload.text,
      4096,
      "Bad Request: message text is empty",
      "Bad Request: message is too long",
    );
    const target = this.findForEdit(ctx);
    if (target === true) return true;
    const markup = this.inlineMarkup(ctx.payload.reply_markup);
    if (target.text === text && JSON.stringify(target.reply_markup) === JSON.stringify(markup)) {
      throw new BotApiError(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    target.text = text;
    if (markup !== undefined) target.reply_markup = markup;
    else delete target.reply_markup;
    target.edit_date = Math.floor(ctx.now / 1000);
    return { ...target };
  }

  private editMessageReplyMarkup(ctx: HandlerContext): TelegramSentMessage | true {
    const target = this.findForEdit(ctx);
    if (target === true) return true;
    const markup = this.inlineMarkup(ctx.payload.reply_markup);
    if (JSON.stringify(target.reply_markup) === JSON.stringify(markup)) {
      throw new BotApiError(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    if (markup !== undefined) target.reply_markup = markup;
    else delete target.reply_markup;
    target.edit_date = Math.floor(ctx.now / 1000);
    return { ...target };
  }

  private setMyCommands(ctx: HandlerContext): true {
    const commands = ctx.payload.commands;
    if (!Array.isArray(commands)) throw new BotApiError(400, 'Bad Request: parameter "commands" is required');
    if (commands.length > 100) throw new BotApiError(400, "Bad Request: too many commands");
    for (const c of commands as unknown[]) {
      const cmd = c && typeof c === "object" ? (c as Record<string, unknown>) : {};
      const name = asString(cmd.command) ?? "";
      const description = asString(cmd.description) ?? "";
      if (!/^[a-z0-9_]{1,32}$/.test(name)) throw new BotApiError(400, "Bad Request: BOT_COMMAND_INVALID");
      if (description.length < 1 || description.length > 256) {
        throw new BotApiError(400, "Bad Request: command description is empty");
      }
    }
    this.commands = commands as unknown[];
    return true;
  }

  private setWebhook(ctx: HandlerContext): true {
    const url = asString(ctx.payload.url) ?? "";
    if (url === "") {
      this.webhook = undefined;
      return true;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new BotApiError(400, "Bad Request: bad webhook: invalid URL");
    }
    if (parsed.protocol !== "https:")
      throw new BotApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
    if (parsed.port && !["443", "80", "88", "8443"].includes(parsed.port)) {
      throw new BotApiError(400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
    }
    const secret = asString(ctx.payload.secret_token);
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
      throw new BotApiError(400, "Bad Request: secret token contains unallowed characters");
    }
    const maxConnections = ctx.payload.max_connections === undefined ? undefined : Number(ctx.payload.max_connections);
    this.webhook = {
      url,
      ...(secret !== undefined ? { secret_token: secret } : {}),
      ...(ctx.payload.allowed_updates !== undefined ? { allowed_updates: ctx.payload.allowed_updates } : {}),
      ...(maxConnections !== undefined ? { max_connections: maxConnections } : {}),
    };
    return true;
  }

  private async getUpdates(ctx: HandlerContext): Promise<unknown[]> {
    if (this.webhook) {
      throw new BotApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = Number(ctx.payload.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(ctx.payload.limit ?? 100)));
    const timeoutMs = Math.min(this.maxLongPollMs, Math.max(0, Number(ctx.payload.timeout ?? 0)) * 1000);
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const deadline = Date.now() + timeoutMs;
    while (this.updates.length === 0 && Date.now() < deadline && !ctx.signal.aborted) {
      await this.waitChange(deadline - Date.now());
    }
    return this.updates.slice(0, limit);
  }
}

// ---- update builders (to drive a bot with bot.handleUpdate or a webhook POST) ----

let updateSeq = 1000;

export interface TelegramUserLike {
  id: number;
  first_name?: string;
  username?: string;
  language_code?: string;
}

/** A private-chat text message update (commands get a bot_command entity). */
export function telegramTextUpdate(
  text: string,
  user: TelegramUserLike = { id: 42 },
  extra: { update_id?: number; message_id?: number; date?: number } = {},
): Record<string, unknown> {
  const from = { is_bot: false, first_name: "Test", language_code: "vi", ...user };
  const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
  return {
    update_id: extra.update_id ?? updateSeq++,
    message: {
      message_id: extra.message_id ?? updateSeq++,
      from,
      chat: {
        id: user.id,
        type: "private",
        first_name: from.first_name,
        ...(user.username ? { username: user.username } : {}),
      },
      date: extra.date ?? Math.floor(Date.now() / 1000),
      text,
      ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
    },
  };
}

/** A callback_query update for an inline button press on `message_id`. */
export function telegramCallbackUpdate(
  data: string,
  user: TelegramUserLike = { id: 42 },
  extra: { update_id?: number; message_id?: number; id?: string } = {},
): Record<string, unknown> {
  const from = { is_bot: false, first_name: "Test", language_code: "vi", ...user };
  return {
    update_id: extra.update_id ?? updateSeq++,
    callback_query: {
      id: extra.id ?? `cbq-${updateSeq++}`,
      from,
      chat_instance: `ci-${user.id}`,
      data,
      message: {
        message_id: extra.message_id ?? 1,
        from: { id: 1234567890, is_bot: true, first_name: "Loyalty Test Bot", username: "loyalty_test_bot" },
        chat: { id: user.id, type: "private", first_name: from.first_name },
        date: Math.floor(Date.now() / 1000),
        text: "…",
      },
    },
  };
}

/** A contact-share update (the user shares `phone`; `user_id` defaults to the sender). */
export function telegramContactUpdate(
  phone: string,
  user: TelegramUserLike = { id: 42 },
  contactUserId: number | undefined = user.id,
): Record<string, unknown> {
  const from = { is_bot: false, first_name: "Test", language_code: "vi", ...user };
  return {
    update_id: updateSeq++,
    message: {
      message_id: updateSeq++,
      from,
      chat: { id: user.id, type: "private", first_name: from.first_name },
      date: Math.floor(Date.now() / 1000),
      contact: {
        phone_number: phone,
        first_name: from.first_name,
        ...(contactUserId !== undefined ? { user_id: contactUserId } : {}),
      },
    },
  };
}

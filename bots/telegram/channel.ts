/**
 * The Telegram channel on grammY: one Bot whose every call goes to TELEGRAM_API_ROOT, updates de-duplicated by
 * update_id in the database, interactive replies with auto-retry on 429 (honouring retry_after, capped),
 * 403 "blocked" marking the chat unreachable, and the ChannelSender campaigns use (sends once, no retry).
 */
import { Api, Bot, GrammyError, HttpError, type Context } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { autoRetry } from "@grammyjs/auto-retry";
import { z } from "zod";
import type { Db } from "../../src/db/types.ts";
import type { Clock } from "../../src/lib/clock.ts";
import type { Logger } from "../../src/lib/log.ts";
import type { ChannelSender, OutgoingMessage, SendResult } from "../../src/channels/channel.ts";
import { botIdOf } from "../../src/channels/bot-api.ts";
import { loadBotInfo, rememberTelegramUsername, saveBotInfo } from "../../src/channels/bot-info.ts";
import { markReachable, markUnreachable } from "../../src/links/service.ts";
import { copyFor } from "../../src/messages/index.ts";
import { firstDelivery } from "../core/state.ts";
import type { ChatInput, Conversation, ReplyMessage } from "../core/types.ts";
import { toTelegramCalls, type TelegramCall } from "./render.ts";

export interface TelegramChannelOptions {
  token: string;
  apiRoot: string;
  db: Db | (() => Db);
  clock: Clock;
  logger: Logger;
  conversation: Conversation;
  broadcastRate: number;
  /** Saved getMe result (Workers: avoids a getMe per cold start). */
  botInfo?: UserFromGetMe;
  /** Retries of an interactive reply after 5xx (default 5); a 429 is always waited out and retried. */
  replyRetry?: { maxRetryAttempts: number };
  /** The loyalty card Mini App (https PUBLIC_URL + /card): web_app buttons and the chat menu button open it. */
  cardUrl?: string | undefined;
}

export interface TelegramChannel {
  bot: Bot;
  botId: string;
  sender: ChannelSender;
  /** getMe (from the database when known), cached; never throws. */
  init(): Promise<void>;
  /** setMyCommands in Vietnamese (default) and English. */
  registerCommands(): Promise<void>;
  /**
   * Records the update as taken: false when it was seen before (a replay). Database errors propagate, so a
   * webhook can answer 5xx and let Telegram re-send.
   */
  claim(update: Update): Promise<boolean>;
  /** Processes a claimed update; resolves when its replies are sent (errors are logged, never thrown). */
  process(update: Update): Promise<void>;
  /**
   * claim + process for the webhook. A private message is claimed by the conversation core in the same statement
   * that loads its chat context; other updates are claimed first. `claimed` settles once the claim is recorded:
   * true (new), false (a replay: nothing else happens), rejected (database error: unclaimed, nothing sent).
   * `done` resolves when the replies are sent (never rejects).
   */
  receive(update: Update): { claimed: Promise<boolean>; done: Promise<void> };
  /** claim + process (what long polling does through the bot's middleware). */
  handleUpdate(update: Update): Promise<void>;
}

/**
 * A saved getMe result: we saved grammY's own botInfo, so a row with the bot's username and is_bot is taken as one
 * (anything else, e.g. an old or damaged row, means calling getMe again).
 */
const StoredBotShape = z.looseObject({ username: z.string(), is_bot: z.literal(true) });
const StoredBotInfo = z.custom<UserFromGetMe>((v) => StoredBotShape.safeParse(v).success);

const isBlocked = (err: unknown) => err instanceof GrammyError && err.error_code === 403;

export function createTelegramChannel(opts: TelegramChannelOptions): TelegramChannel {
  const resolveDb = (): Db => (typeof opts.db === "function" ? opts.db() : opts.db);
  const botId = botIdOf(opts.token);
  const client = { apiRoot: opts.apiRoot };
  const bot = new Bot(opts.token, { client, ...(opts.botInfo ? { botInfo: opts.botInfo } : {}) });
  const retry = opts.replyRetry ?? { maxRetryAttempts: 5 };
  // Two layers (the later one wraps the earlier): the inner retries 5xx a bounded number of times and hands every
  // 429 straight out (no retry_after is ≤ -1); the outer waits out each 429 and retries, however long and however
  // often — the contract: a reply is never lost to a rate limit.
  bot.api.config.use(autoRetry({ maxRetryAttempts: retry.maxRetryAttempts, maxDelaySeconds: -1 }));
  bot.api.config.use(autoRetry({ rethrowInternalServerErrors: true, rethrowHttpErrors: true }));
  /** Broadcast sends: once, no retry (the campaign sender paces and retries itself). */
  const onceApi = new Api(opts.token, client);
  const log = opts.logger.child({ channel: "telegram", botId });

  async function call(api: Api, chatId: string | number, c: TelegramCall) {
    if (c.method === "sendPhoto") {
      return api.sendPhoto(chatId, c.photo, {
        ...(c.caption ? { caption: c.caption } : {}),
        ...(c.reply_markup ? { reply_markup: c.reply_markup } : {}),
      });
    }
    return api.sendMessage(chatId, c.text, c.reply_markup ? { reply_markup: c.reply_markup } : {});
  }

  /** Sends replies in order; a 403 marks the chat unreachable and stops. */
  async function deliver(chatId: number, replies: ReplyMessage[]): Promise<void> {
    for (const reply of replies) {
      const botUsername = bot.isInited() ? bot.botInfo.username : undefined;
      for (const c of toTelegramCalls(reply, { cardUrl: opts.cardUrl, botUsername })) {
        try {
          await call(bot.api, chatId, c);
        } catch (err) {
          if (isBlocked(err)) {
            await markUnreachable(resolveDb(), "telegram", String(chatId), opts.clock.now());
            log.info("chat blocked the bot; marked unreachable", { chatId: String(chatId) });
            return;
          }
          log.error("telegram send failed", {
            chatId: String(chatId),
            error: err instanceof Error ? err.message : String(err),
          });
          return;
        }
      }
    }
  }

  const claimKey = (updateId: number) => `${botId}:${updateId}`;
  const claimUpdate = (updateId: number) =>
    firstDelivery(resolveDb(), "telegram", claimKey(updateId), opts.clock.now());
  /** Updates the webhook already claimed (the middleware must not claim them again). */
  const claimed = new WeakSet<object>();
  /** Updates whose claim the conversation core records together with the chat context (see `receive`). */
  const deferred = new WeakMap<object, { key: string; onClaimed(fresh: boolean): void; fail(err: unknown): void }>();

  /** The conversation's replies; undefined for a replay or when a deferred claim failed (the webhook answers 5xx). */
  async function converse(ctx: Context, input: ChatInput): Promise<ReplyMessage[] | undefined> {
    const d = deferred.get(ctx.update);
    if (!d) return opts.conversation.handle(input);
    deferred.delete(ctx.update);
    try {
      return (await opts.conversation.respond(input, { key: d.key, onClaimed: d.onClaimed }))?.replies;
    } catch (err) {
      d.fail(err);
      return undefined;
    }
  }

  // De-duplication first: a replayed update (same update_id) is not processed twice, even across processes.
  bot.use(async (ctx, next) => {
    if (claimed.has(ctx.update) || deferred.has(ctx.update)) {
      await next();
      return;
    }
    const fresh = await claimUpdate(ctx.update.update_id);
    if (!fresh) {
      log.debug("duplicate update ignored", { updateId: ctx.update.update_id });
      return;
    }
    await next();
  });
  // Private chats only: the bot talks to customers one to one.
  bot.use(async (ctx, next) => {
    if (ctx.chat && ctx.chat.type !== "private") return;
    await next();
  });

  const base = (ctx: Context) => ({
    channel: "telegram" as const,
    userId: String(ctx.from!.id),
    chatId: String(ctx.chat?.id ?? ctx.from!.id),
    displayName: [ctx.from?.first_name, ctx.from?.last_name].filter(Boolean).join(" ") || undefined,
    // The app's language (vi/en) as a hint for chats that chose none yet; other languages get the default.
    locale: localeOf(ctx.from?.language_code),
  });

  bot.on("callback_query:data", async (ctx) => {
    // Stop the button's spinner first; failure here must not block the reply.
    await ctx
      .answerCallbackQuery()
      .catch((err: unknown) => log.warn("answerCallbackQuery failed", { error: String(err) }));
    const replies = await opts.conversation.handle({ ...base(ctx), button: ctx.callbackQuery.data });
    await deliver(ctx.chat?.id ?? ctx.from.id, replies);
  });

  bot.on("message:contact", async (ctx) => {
    const c = ctx.message.contact;
    const replies = await converse(ctx, {
      ...base(ctx),
      contact: { phone: c.phone_number, userId: c.user_id === undefined ? undefined : String(c.user_id) },
    });
    if (replies) await deliver(ctx.chat.id, replies);
  });

  bot.on("message:text", async (ctx) => {
    const replies = await converse(ctx, { ...base(ctx), text: ctx.message.text });
    if (replies) await deliver(ctx.chat.id, replies);
  });

  bot.on("message", async (ctx) => {
    // Photos, stickers…: point to the help.
    const replies = await converse(ctx, { ...base(ctx), text: "/help" });
    if (replies) await deliver(ctx.chat.id, replies);
  });

  // The user blocked (status "kicked") or restarted the bot: keep the identity's reachability current.
  bot.on("my_chat_member", async (ctx) => {
    const status = ctx.myChatMember.new_chat_member.status;
    const chatId = String(ctx.myChatMember.chat.id);
    if (status === "kicked") await markUnreachable(resolveDb(), "telegram", chatId, opts.clock.now());
    else if (status === "member") await markReachable(resolveDb(), "telegram", String(ctx.myChatMember.from.id));
  });

  bot.catch((err) => {
    log.error("telegram update failed", { error: err.error instanceof Error ? err.error.message : String(err.error) });
  });

  let initing: Promise<void> | undefined;
  async function init(): Promise<void> {
    if (bot.isInited()) return;
    initing ??= (async () => {
      const db = resolveDb();
      const stored = StoredBotInfo.safeParse(await loadBotInfo(db, "telegram", botId).catch(() => undefined));
      if (stored.success) {
        bot.botInfo = stored.data;
        rememberTelegramUsername(botId, stored.data.username);
        return;
      }
      try {
        await bot.init();
        await saveBotInfo(db, "telegram", botId, { ...bot.botInfo }, opts.clock.now());
        rememberTelegramUsername(botId, bot.botInfo.username);
      } catch (err) {
        // Without getMe we still handle updates; the bot only needs its own name for @-mentions.
        log.warn("telegram getMe failed; using a placeholder bot info", {
          error: err instanceof Error ? err.message : String(err),
        });
        bot.botInfo = {
          id: Number(botId) || 0,
          is_bot: true,
          first_name: "bot",
          username: "bot",
          can_join_groups: false,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
          can_connect_to_business: false,
          has_main_web_app: false,
          has_topics_enabled: false,
          allows_users_to_create_topics: false,
          can_manage_bots: false,
          supports_join_request_queries: false,
        } as UserFromGetMe;
        initing = undefined;
      }
    })();
    await initing;
  }

  async function registerCommands(): Promise<void> {
    const vi = copyFor("vi").commands;
    const en = copyFor("en").commands;
    await bot.api.setMyCommands(vi);
    await bot.api.setMyCommands(vi, { language_code: "vi" });
    await bot.api.setMyCommands(en, { language_code: "en" });
    // The chat's menu button opens the card (one label for all: the menu button has no per-language variant).
    if (opts.cardUrl)
      await bot.api.setChatMenuButton({
        menu_button: { type: "web_app", text: copyFor("vi").buttons.card, web_app: { url: opts.cardUrl } },
      });
  }

  const sender: ChannelSender = {
    channel: "telegram",
    broadcastRate: opts.broadcastRate,
    async send(
      merchantId: string,
      chatId: string,
      message: OutgoingMessage,
      sendOpts?: { noRetry?: boolean },
    ): Promise<SendResult> {
      const api = sendOpts?.noRetry ? onceApi : bot.api;
      let messageId: string | undefined;
      try {
        for (const c of toTelegramCalls(message, { single: true })) {
          const sent = await call(api, chatId, c);
          messageId = String(sent.message_id);
        }
        return messageId === undefined ? { ok: true } : { ok: true, messageId };
      } catch (err) {
        if (err instanceof GrammyError) {
          if (err.error_code === 429) {
            return {
              ok: false,
              reason: "rate-limited",
              retryAfterSeconds: err.parameters.retry_after ?? 1,
              error: err.description,
            };
          }
          if (err.error_code === 403) {
            await markUnreachable(resolveDb(), "telegram", chatId, opts.clock.now(), merchantId);
            return { ok: false, reason: "blocked", error: err.description };
          }
          return { ok: false, reason: "failed", error: err.description };
        }
        if (err instanceof HttpError)
          return { ok: false, reason: "failed", error: err.message.replaceAll(opts.token, "<token>") };
        return { ok: false, reason: "failed", error: err instanceof Error ? err.message : String(err) };
      }
    },
  };

  async function processClaimed(update: Update): Promise<void> {
    claimed.add(update);
    try {
      await init();
      await bot.handleUpdate(update);
    } catch (err) {
      log.error("telegram update failed", { error: err instanceof Error ? err.message : String(err) });
    }
  }

  return {
    bot,
    botId,
    sender,
    init,
    registerCommands,
    claim: (update: Update) => claimUpdate(update.update_id),
    process: processClaimed,
    receive(update: Update) {
      const m = update.message;
      // Every private message reaches one of the message handlers above (the last one catches all kinds).
      if (m?.chat.type !== "private" || !m.from) {
        const fresh = claimUpdate(update.update_id);
        return {
          claimed: fresh,
          done: fresh.then(
            (f) => (f ? processClaimed(update) : undefined),
            () => undefined,
          ),
        };
      }
      let settled = false;
      let settle!: { resolve(fresh: boolean): void; reject(err: unknown): void };
      const claimedP = new Promise<boolean>((resolve, reject) => {
        settle = { resolve, reject };
      });
      deferred.set(update, {
        key: claimKey(update.update_id),
        onClaimed(fresh) {
          settled = true;
          settle.resolve(fresh);
        },
        fail(err) {
          settled = true;
          settle.reject(err);
        },
      });
      const done = (async () => {
        try {
          await init();
          await bot.handleUpdate(update);
        } catch (err) {
          log.error("telegram update failed", { error: err instanceof Error ? err.message : String(err) });
        }
        // Not expected: the update never reached the conversation. Record it so the webhook can answer.
        if (!settled) {
          deferred.delete(update);
          await claimUpdate(update.update_id).then(settle.resolve, settle.reject);
        }
      })();
      return { claimed: claimedP, done };
    },
    async handleUpdate(update: Update) {
      try {
        await init();
        await bot.handleUpdate(update);
      } catch (err) {
        log.error("telegram update failed", { error: err instanceof Error ? err.message : String(err) });
      }
    },
  };
}

/** Telegram's language_code (IETF tag) → the bot's language hint: "en…" → en, "vi…" → vi, else none. */
export function localeOf(code: string | undefined): "vi" | "en" | undefined {
  const c = code?.toLowerCase() ?? "";
  return c.startsWith("en") ? "en" : c.startsWith("vi") ? "vi" : undefined;
}

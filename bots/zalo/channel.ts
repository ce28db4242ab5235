/**
 * The Zalo Bot Platform channel: updates (either shape) → the conversation core → replies through the Zalo client.
 * Zalo has no documented inline buttons, so buttons become numbered choices ("1. …") the user types back; the
 * choices are kept per chat in the database for 30 minutes. Long replies are split at 2000 characters.
 */
import type { Db } from "../../src/db/types.ts";
import type { Clock } from "../../src/lib/clock.ts";
import type { Logger } from "../../src/lib/log.ts";
import type { ChannelSender, OutgoingMessage, SendResult } from "../../src/channels/channel.ts";
import { markUnreachable } from "../../src/links/service.ts";
import { copyFor } from "../../src/messages/index.ts";
import { chatReplyLanguage, choiceFor, firstDelivery, saveChoices } from "../core/state.ts";
import type { ChatInput, Conversation, ReplyMessage } from "../core/types.ts";
import { ZaloApiError, ZaloClient } from "./client.ts";
import { fitOneMessage, splitText } from "../core/split-text.ts";
import { broadcastText, numberedChoices, numberedReplies } from "../core/choices.ts";
import { ZALO_TEXT_LIMIT, zaloUpdateKey, type ZaloUpdate } from "./types.ts";
import type { Lang } from "../../src/messages/render.ts";

export interface ZaloChannelOptions {
  token: string;
  apiRoot: string;
  db: Db | (() => Db);
  clock: Clock;
  logger: Logger;
  conversation: Conversation;
  broadcastRate: number;
  /** Longest retry_after waited for an interactive reply (default 60 s). */
  maxReplyRetryDelaySeconds?: number;
  /** Injectable fetch (tests). */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
}

export interface ZaloChannel {
  client: ZaloClient;
  botId: string;
  sender: ChannelSender;
  /** Records the update as taken (`<bot>:<event_name>:<message_id>`): false for a replay or an update without a message. */
  claim(update: ZaloUpdate): Promise<boolean>;
  /** Processes a claimed update; resolves when replies are sent. */
  process(update: ZaloUpdate): Promise<void>;
  /**
   * claim + process for the webhook: a message for the conversation is claimed in the statement that loads its
   * chat context. `claimed` settles once the claim is recorded: true (new), false (a replay or no message: nothing
   * else happens), rejected (database error: unclaimed, nothing sent). `done` resolves when replies are sent.
   */
  receive(update: ZaloUpdate): { claimed: Promise<boolean>; done: Promise<void> };
  /** claim + process. */
  handleUpdate(update: ZaloUpdate): Promise<void>;
}

export { numberedChoices };

export function createZaloChannel(opts: ZaloChannelOptions): ZaloChannel {
  const resolveDb = (): Db => (typeof opts.db === "function" ? opts.db() : opts.db);
  const log = opts.logger.child({ channel: "zalo" });
  const client = new ZaloClient({
    token: opts.token,
    apiRoot: opts.apiRoot,
    maxRetries: 5,
    maxRetryDelaySeconds: opts.maxReplyRetryDelaySeconds ?? 60,
    // The contract: a reply is never lost to a rate limit (it waits as long as retry_after says, however often).
    rateLimitRetries: Number.POSITIVE_INFINITY,
    maxRateLimitDelaySeconds: Number.POSITIVE_INFINITY,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    onRetry: (i) =>
      log.warn("zalo call retried", {
        method: i.method,
        attempt: i.attempt,
        delayMs: i.delayMs,
        error: i.error.description,
      }),
  });
  const onceClient = new ZaloClient({
    token: opts.token,
    apiRoot: opts.apiRoot,
    maxRetries: 0,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const botId = client.botId;

  async function sendOne(c: ZaloClient, chatId: string, text: string, imageUrl?: string): Promise<string | undefined> {
    let last: string | undefined;
    if (imageUrl) {
      const caption = text.length <= ZALO_TEXT_LIMIT ? text : undefined;
      const sent = await c.sendPhoto({ chat_id: chatId, photo: imageUrl, ...(caption ? { caption } : {}) });
      last = sent.message_id;
      if (caption !== undefined) return last;
    }
    for (const part of splitText(text, ZALO_TEXT_LIMIT))
      last = (await c.sendMessage({ chat_id: chatId, text: part })).message_id;
    return last;
  }

  async function deliver(input: ChatInput, replies: ReplyMessage[], lang: Lang): Promise<void> {
    const db = resolveDb();
    const now = opts.clock.now();
    // Only the last message with buttons carries numbered choices (so "1" always means one thing).
    const { texts, choices } = numberedReplies(replies, copyFor(lang).choicesIntro());
    for (const { text, imageUrl } of texts) {
      try {
        await sendOne(client, input.chatId, text, imageUrl);
      } catch (err) {
        if (err instanceof ZaloApiError && err.blocked) {
          await markUnreachable(db, "zalo", input.chatId, now);
          log.info("zalo chat unreachable (403); marked", { chatId: input.chatId });
          return;
        }
        log.error("zalo send failed", {
          chatId: input.chatId,
          error: err instanceof Error ? err.message : String(err),
        });
        return;
      }
    }
    if (replies.length > 0) await saveChoices(db, "zalo", input.userId, choices, now);
  }

  const replyLang = (input: ChatInput): Promise<Lang> => chatReplyLanguage(resolveDb(), "zalo", input.userId);

  async function claim(update: ZaloUpdate): Promise<boolean> {
    const key = zaloUpdateKey(update);
    if (!key) return false;
    const fresh = await firstDelivery(resolveDb(), "zalo", `${botId}:${key}`, opts.clock.now());
    if (!fresh) log.debug("duplicate zalo update ignored", { key });
    return fresh;
  }

  /** A claim the conversation records with the chat context (or this channel, where no conversation runs). */
  interface DeferredClaim {
    key: string;
    onClaimed(fresh: boolean): void;
  }

  async function claimNow(c: DeferredClaim): Promise<boolean> {
    const fresh = await firstDelivery(resolveDb(), "zalo", c.key, opts.clock.now());
    c.onClaimed(fresh);
    return fresh;
  }

  async function processUpdate(update: ZaloUpdate, claim?: DeferredClaim): Promise<void> {
    const message = update.message;
    if (!message) return;
    const db = resolveDb();
    const now = opts.clock.now();
    if (message.chat.chat_type && message.chat.chat_type.toUpperCase() !== "PRIVATE") return;
    const input: ChatInput = {
      channel: "zalo",
      userId: message.from.id,
      chatId: message.chat.id,
      displayName: message.from.display_name ?? message.from.name,
    };
    if (update.kind === "text") {
      const text = update.message.text.trim();
      const num = /^\d{1,2}$/.test(text) ? Number(text) : undefined;
      if (num !== undefined) {
        const choice = await choiceFor(db, "zalo", input.userId, num, now);
        if (choice === "expired") {
          if (claim && !(await claimNow(claim))) return;
          const lang = await replyLang(input);
          await deliver(input, [{ text: copyFor(lang).choiceExpired() }], lang);
          return;
        }
        if (choice) input.button = choice.data;
        else input.text = text;
      } else {
        input.text = text;
      }
    } else {
      // Images, stickers, unsupported messages: show the help.
      input.text = "/help";
    }
    // Throws only when the claim could not be recorded (receive() turns that into a 5xx).
    const answer = await opts.conversation.respond(input, claim);
    if (answer) await deliver(input, answer.replies, answer.lang);
  }

  function receive(update: ZaloUpdate): { claimed: Promise<boolean>; done: Promise<void> } {
    const key = zaloUpdateKey(update);
    if (!key || !update.message) return { claimed: Promise.resolve(false), done: Promise.resolve() };
    let settled = false;
    let settle!: { resolve(fresh: boolean): void; reject(err: unknown): void };
    const claimed = new Promise<boolean>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const claim: DeferredClaim = {
      key: `${botId}:${key}`,
      onClaimed(fresh) {
        settled = true;
        if (!fresh) log.debug("duplicate zalo update ignored", { key });
        settle.resolve(fresh);
      },
    };
    const done = (async () => {
      try {
        await processUpdate(update, claim);
      } catch (err) {
        if (!settled) {
          settled = true;
          settle.reject(err);
          return;
        }
        log.error("zalo update failed", { error: err instanceof Error ? err.message : String(err) });
      }
      // Not answered by the conversation (e.g. a group chat): still recorded as taken, as before.
      if (!settled) await claimNow(claim).catch((err: unknown) => settle.reject(err));
    })();
    return { claimed, done };
  }

  const sender: ChannelSender = {
    channel: "zalo",
    broadcastRate: opts.broadcastRate,
    async send(
      merchantId: string,
      chatId: string,
      message: OutgoingMessage,
      sendOpts?: { noRetry?: boolean },
    ): Promise<SendResult> {
      const c = sendOpts?.noRetry ? onceClient : client;
      // Campaign messages have no numbered-choice state (buttons are plain lines); survey questions do.
      const { text, remember } = broadcastText(message);
      try {
        // One message per recipient: a text over Zalo's limit is cut (a caption then always fits).
        const messageId = await sendOne(c, chatId, fitOneMessage(text, ZALO_TEXT_LIMIT), message.imageUrl);
        if (remember)
          await saveChoices(resolveDb(), "zalo", chatId, remember.buttons, opts.clock.now(), remember.ttlMs);
        return messageId === undefined ? { ok: true } : { ok: true, messageId };
      } catch (err) {
        if (err instanceof ZaloApiError) {
          if (err.isRateLimited)
            return {
              ok: false,
              reason: "rate-limited",
              retryAfterSeconds: err.retryAfter ?? 1,
              error: err.description,
            };
          if (err.blocked) {
            await markUnreachable(resolveDb(), "zalo", chatId, opts.clock.now(), merchantId);
            return { ok: false, reason: "blocked", error: err.description };
          }
          return { ok: false, reason: "failed", error: err.description };
        }
        return { ok: false, reason: "failed", error: err instanceof Error ? client.redact(err.message) : String(err) };
      }
    },
  };

  return {
    client,
    botId,
    sender,
    claim,
    process: (update: ZaloUpdate) => processUpdate(update),
    receive,
    async handleUpdate(update: ZaloUpdate) {
      if (await claim(update)) await processUpdate(update);
    },
  };
}

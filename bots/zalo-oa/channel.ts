/**
 * The Zalo Official Account channel: OA webhook events → the conversation core → CS messages through the OA client.
 * Like the Zalo Bot Platform, buttons become numbered choices. Every outgoing message first takes an allowance from
 * the interaction window (8 free replies within 48 h of the follower's last message), else from the monthly
 * proactive quota; beyond it the message is refused and not sent.
 * Events: user_send_text / user_click_button (text), follow (welcome + how to link), unfollow (opt out of
 * promotions), other user_send_* (a polite "text only"), user_received_message (delivery receipts → the injected
 * `onMessageReceived`). Other events are acknowledged and ignored.
 */
import { wording } from "../../src/privacy/wording.ts";
import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/types.ts";
import { resultRows } from "../../src/db/rows.ts";
import type { Clock } from "../../src/lib/clock.ts";
import type { Logger } from "../../src/lib/log.ts";
import type { ChannelSender, OutgoingMessage, SendResult } from "../../src/channels/channel.ts";
import { findIdentity, markReachable, markUnreachable, setOptIn } from "../../src/links/service.ts";
import { copyFor } from "../../src/messages/index.ts";
import type { Lang } from "../../src/messages/render.ts";
import { OaApiError, ZALO_OA_TEXT_LIMIT, type ZaloOaClient } from "../../src/zalo-oa/client.ts";
import { recordInbound, releaseMessage, reserveMessage } from "../../src/zalo-oa/window.ts";
import { broadcastText, numberedReplies, readTypedChoice } from "../core/choices.ts";
import { splitText } from "../core/split-text.ts";
import { chatReplyLanguage, firstDelivery, saveChoices } from "../core/state.ts";
import type { ChatInput, Conversation, ReplyMessage } from "../core/types.ts";
import { oaCopy } from "./copy.ts";
import { OA_NON_TEXT_EVENTS, oaEventKey, oaUserOf, type ZaloOaEvent } from "./types.ts";

const CHANNEL = "zalo_oa";

/** A delivery receipt (`user_received_message`), for the ZNS/campaign KPIs. */
export interface OaMessageReceived {
  merchantId: string | undefined;
  msgId: string;
  trackingId?: string;
  at: Date;
}

export interface ZaloOaChannelOptions {
  oaId: string;
  client: ZaloOaClient;
  db: Db | (() => Db);
  clock: Clock;
  logger: Logger;
  conversation: Conversation;
  broadcastRate: number;
  /** Proactive messages per calendar month (ZALO_OA_PROACTIVE_MONTHLY_QUOTA). */
  monthlyQuota: number;
  /** The merchant the OA serves (DEFAULT_MERCHANT_ID); unset: the only merchant. */
  merchantId?: string | undefined;
  onMessageReceived?: ((receipt: OaMessageReceived) => Promise<void> | void) | undefined;
}

export interface ZaloOaChannel {
  oaId: string;
  client: ZaloOaClient;
  sender: ChannelSender;
  /**
   * For the webhook: `claimed` settles once the event is recorded (true = new; false = a replay or an event without
   * a key: nothing else happens; rejects on a database error), `done` when its replies are sent.
   */
  receive(event: ZaloOaEvent): { claimed: Promise<boolean>; done: Promise<void> };
}

type Outcome = "sent" | "refused" | "unreachable" | "failed";

export function createZaloOaChannel(opts: ZaloOaChannelOptions): ZaloOaChannel {
  const resolveDb = (): Db => (typeof opts.db === "function" ? opts.db() : opts.db);
  const log = opts.logger.child({ channel: CHANNEL });
  const { oaId, client } = opts;

  async function servingMerchant(db: Db): Promise<string | undefined> {
    if (opts.merchantId) return opts.merchantId;
    const rows = resultRows<{ id: string | null }>(await db.execute(sql`select cl_serving_merchant() as id`));
    return rows[0]?.id ?? undefined;
  }

  /** Sends one text (split at the OA limit), each part under its own allowance. */
  async function sendText(db: Db, userId: string, text: string, merchantId?: string): Promise<Outcome> {
    const now = opts.clock.now();
    for (const part of splitText(text, ZALO_OA_TEXT_LIMIT)) {
      const allowance = await reserveMessage(db, { oaId, userId, now, monthlyQuota: opts.monthlyQuota });
      if (allowance.kind === "refused") {
        log.warn("zalo oa message refused: outside the interaction window and the monthly quota is used up", {
          month: allowance.month,
        });
        return "refused";
      }
      try {
        await client.sendText(userId, part);
      } catch (err) {
        await releaseMessage(db, oaId, userId, allowance);
        if (err instanceof OaApiError && err.notFollower) {
          await markUnreachable(db, CHANNEL, userId, now, merchantId);
          return "unreachable";
        }
        log.error("zalo oa send failed", { error: err instanceof Error ? err.message : String(err) });
        if (err instanceof OaApiError && err.isRateLimited) throw err;
        return "failed";
      }
    }
    return "sent";
  }

  async function deliver(input: ChatInput, replies: ReplyMessage[], lang: Lang): Promise<void> {
    const db = resolveDb();
    const { texts, choices } = numberedReplies(replies, copyFor(lang).choicesIntro());
    // Images are not sent over the OA yet (attachments need an upload first): the text carries the message.
    for (const { text } of texts) {
      if ((await sendText(db, input.chatId, text).catch(() => "failed" as const)) !== "sent") return;
    }
    if (replies.length > 0) await saveChoices(db, CHANNEL, input.userId, choices, opts.clock.now());
  }

  async function converse(input: ChatInput): Promise<void> {
    const answer = await opts.conversation.respond(input);
    if (answer) await deliver(input, answer.replies, answer.lang);
  }

  async function process(event: ZaloOaEvent): Promise<void> {
    const db = resolveDb();
    const now = opts.clock.now();
    const userId = oaUserOf(event);
    const name = event.event_name;
    if (name === "user_received_message") {
      const ids = event.message?.msg_ids ?? (event.message?.msg_id ? [event.message.msg_id] : []);
      if (!opts.onMessageReceived || ids.length === 0) return;
      const merchantId = await servingMerchant(db);
      const at = event.timestamp !== undefined ? new Date(event.timestamp) : now;
      const trackingId = event.message?.tracking_id;
      for (const msgId of ids)
        await opts.onMessageReceived({ merchantId, msgId, at, ...(trackingId ? { trackingId } : {}) });
      return;
    }
    if (!userId) return;
    const input: ChatInput = { channel: CHANNEL, userId, chatId: userId };
    if (opts.merchantId) input.merchantId = opts.merchantId;
    const at = event.timestamp !== undefined ? new Date(event.timestamp) : now;

    if (name === "unfollow") {
      const identity = await findIdentity(db, CHANNEL, userId, opts.merchantId);
      if (identity)
        await setOptIn(db, identity.merchantId, identity.memberId, false, now, {
          channel: CHANNEL,
          wording: wording("oaUnfollow", "vi"),
        });
      log.info("zalo oa follower left; opted out of promotions", { linked: !!identity });
      return;
    }
    const fromFollower = name === "follow" || name === "user_click_button" || name.startsWith("user_send_");
    if (!fromFollower) return; // user_seen_message, anonymous_send_text, user_submit_info…: acknowledged only.
    // A message (or a follow) from the follower opens (or renews) the interaction window.
    await recordInbound(db, oaId, userId, at);
    await markReachable(db, CHANNEL, userId);

    if (name === "follow") {
      // Welcome + how to link; a linked member (following again) gets the help, without changing consent.
      const linked = await findIdentity(db, CHANNEL, userId, opts.merchantId);
      await converse({ ...input, text: linked ? "/help" : "/start" });
      return;
    }
    if (name === "user_send_text" || name === "user_click_button") {
      const typed = event.message?.text ?? "";
      if (typed.trim() === "") return;
      const read = await readTypedChoice(db, CHANNEL, userId, typed, now);
      if (read === "expired") {
        const lang = await chatReplyLanguage(db, CHANNEL, userId);
        await deliver(input, [{ text: copyFor(lang).choiceExpired() }], lang);
        return;
      }
      await converse({ ...input, ...read });
      return;
    }
    if (OA_NON_TEXT_EVENTS.has(name)) {
      const lang = await chatReplyLanguage(db, CHANNEL, userId);
      await sendText(db, userId, oaCopy(lang).textOnly()).catch(() => undefined);
    }
  }

  function receive(event: ZaloOaEvent): { claimed: Promise<boolean>; done: Promise<void> } {
    const key = oaEventKey(event);
    if (!key) return { claimed: Promise.resolve(false), done: Promise.resolve() };
    const claimed = firstDelivery(resolveDb(), CHANNEL, `${oaId}:${key}`, opts.clock.now());
    const done = claimed.then(
      async (fresh) => {
        if (!fresh) return;
        try {
          await process(event);
        } catch (err) {
          log.error("zalo oa event failed", { event: event.event_name, error: String(err) });
        }
      },
      () => undefined,
    );
    return { claimed, done };
  }

  const sender: ChannelSender = {
    channel: CHANNEL,
    broadcastRate: opts.broadcastRate,
    async send(merchantId: string, chatId: string, message: OutgoingMessage): Promise<SendResult> {
      try {
        const { text, remember } = broadcastText(message);
        const outcome = await sendText(resolveDb(), chatId, text, merchantId);
        if (outcome === "sent" && remember)
          await saveChoices(resolveDb(), CHANNEL, chatId, remember.buttons, opts.clock.now(), remember.ttlMs);
        if (outcome === "sent") return { ok: true };
        if (outcome === "unreachable") return { ok: false, reason: "blocked", error: "not a follower of the OA" };
        if (outcome === "refused")
          return { ok: false, reason: "failed", error: "outside the interaction window; monthly proactive quota used" };
        return { ok: false, reason: "failed", error: "zalo oa send failed" };
      } catch (err) {
        if (err instanceof OaApiError && err.isRateLimited)
          return { ok: false, reason: "rate-limited", retryAfterSeconds: 1, error: err.message };
        return { ok: false, reason: "failed", error: err instanceof Error ? err.message : String(err) };
      }
    },
  };

  return { oaId, client, sender, receive };
}

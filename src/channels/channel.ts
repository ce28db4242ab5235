/**
 * The channel send interface. `src/` (campaigns, journeys, proactive offers) calls it; `bots/` implements it per
 * platform (Telegram, Zalo, web simulator) and the runtime entry injects the implementations into AppDeps.
 */
import type { Db } from "../db/types.ts";
import type { MemberRow } from "../ledger/ledger.ts";
import type { Logger } from "../lib/log.ts";
import type { Lang } from "../messages/render.ts";

export type ChannelName = "telegram" | "zalo" | "zalo_oa" | "web";

/** What the delivery queue sends on: the chat channels, plus `zns` (Zalo template messages to a phone number). */
export type DeliveryChannel = ChannelName | "zns";

export interface MessageButton {
  label: string;
  /** Opaque action id handed back when pressed (Telegram callback_data ≤ 64 bytes; keep it ASCII). */
  data: string;
}

export interface OutgoingMessage {
  text: string;
  /** Rows of buttons: inline keyboards on Telegram, numbered choices on Zalo, buttons in the simulator. */
  buttons?: MessageButton[][];
  imageUrl?: string;
  /** ZNS only: the approved template and its rendered parameters (ZNS sends no free text). */
  template?: ZnsTemplateMessage;
  /**
   * Numbered-choice channels (Zalo): list the buttons as numbered choices (intro in `lang`) and remember them for
   * `ttlMs`, so a typed "2" presses the second one later (a survey question); no buttons = forget earlier choices.
   * Without it a broadcast's buttons are plain lines.
   */
  choices?: { lang: Lang; ttlMs: number };
}

export interface ZnsTemplateMessage {
  templateId: string;
  data: Record<string, string>;
  /** Our delivery id: Zalo echoes it in the delivery receipt (`user_received_message`). */
  trackingId: string;
  /** `development`: Zalo delivers only to the OA's admins (testing before going live). */
  mode?: "development";
}

export type SendResult =
  | { ok: true; messageId?: string }
  | {
      ok: false;
      reason: "blocked" | "rate-limited" | "failed";
      retryAfterSeconds?: number;
      error?: string;
      /** A failure that a retry cannot fix (an invalid phone, an unapproved template): not retried. */
      permanent?: boolean;
    };

export interface ChannelSender {
  channel: DeliveryChannel;
  /** Messages per second the platform allows for bulk sending (TELEGRAM_BROADCAST_RATE, ZALO_BROADCAST_RATE). */
  broadcastRate: number;
  /** Sends once; never retries on its own when `noRetry` is set (the broadcaster paces and retries itself). */
  send(merchantId: string, chatId: string, message: OutgoingMessage, opts?: { noRetry?: boolean }): Promise<SendResult>;
}

export type ChannelSenders = Partial<Record<DeliveryChannel, ChannelSender>>;

/**
 * What an LLM assistant gets for one free-text chat message (read-only use of the member's own data). Declared here
 * because both the chat core (bots/) and the LLM layer (src/llm) use it, and src/ never imports bots/.
 */
export interface AssistantContext {
  db: Db;
  merchantId: string | undefined;
  /** Undefined when the chat is not linked: the assistant must not reveal any member data then. */
  member: MemberRow | undefined;
  channel: ChannelName;
  userId: string;
  text: string;
  lang: Lang;
  now: Date;
  logger: Logger;
}

/** The chat core's `assistant` hook (the LLM layer builds it): replies, or undefined for the keyword/intent path. */
export type AssistantFn = (ctx: AssistantContext) => Promise<OutgoingMessage[] | undefined>;

/**
 * Personalised offers in chat, built by the offers engine (`src/offers/`) and optionally phrased by the LLM
 * (`src/llm/engine-offers.ts`); the chat core (bots/) shows and claims them.
 */
export interface OffersPort {
  list(
    db: Db,
    merchantId: string,
    memberId: string,
    now: Date,
  ): Promise<{ id: string; text: string; expiresAt?: Date }[]>;
  /** Throws (e.g. a `Problem`) when the offer is gone, expired or not the member's. */
  claim(
    db: Db,
    merchantId: string,
    memberId: string,
    offerId: string,
    now: Date,
  ): Promise<{ code: string; expiresAt: Date }>;
}
